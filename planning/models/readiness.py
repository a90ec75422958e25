"""The PI readiness checklist: what must be ready before PI Planning, with owners."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from artops.models import ART, ProgramIncrement
from planning.models.text import storable_text

DEFAULT_READINESS = (
    "Vision and roadmap ready",
    "Top features ranked by WSJF",
    "Capacities entered",
    "Architectural runway reviewed",
    "Business Owners confirmed",
    "Logistics and calendar published",
)


class ReadinessItem(models.Model):
    """One item of a PI's readiness checklist for PI Planning, with its owner and done state."""

    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="readiness", verbose_name="PI")
    title = models.CharField(max_length=200, validators=[storable_text])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["pi", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                "pi",
                Lower("title"),
                name="readiness_title_unique_per_pi",
                violation_error_message="This checklist already has that item.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_art(self) -> ART:
        return self.pi.art
