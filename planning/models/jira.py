"""The Jira import's memory: the mapping a train chose, and the exports uploaded but not yet imported."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from artops.models import ART, ARTScopedQuerySet


class JiraMapping(models.Model):
    """How a train reads its Jira export: issue types → features, enablers or stories, statuses →
    states, the column that names the team and the one that holds story points, Jira team names →
    the train's teams, the PI of stories without a fix version.

    Remembered per train, so the next export is previewed with the choices made for the last one.
    ``mapping`` is the JSON shape ``planning.jira_import.Mapping.as_json`` writes.
    """

    art = models.OneToOneField(ART, on_delete=models.CASCADE, primary_key=True, related_name="+")
    mapping = models.JSONField(default=dict, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Jira mapping of {self.art}"


class JiraUpload(models.Model):
    """A Jira CSV export uploaded to a train, kept between its preview and its confirmation.

    Its text was read as UTF-8 CSV when it was uploaded; it is parsed again for every preview and
    for the import itself, and deleted once imported.
    """

    art = models.ForeignKey(ART, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ARTScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename or 'Jira export'} ({self.art})"

    def get_art(self) -> ART:
        return self.art
