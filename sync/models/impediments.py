"""Impediments of the teams, escalated team → train → beyond the train."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from artops.models import ART, ARTScopedQuerySet, Team
from sync.models.common import bounded_text, choice_values


class EscalationLevel(models.TextChoices):
    """Who has to act on an impediment: its team, the train, or someone beyond the train."""

    TEAM = "team", "Team"
    TRAIN = "train", "Train"
    BEYOND = "beyond", "Beyond the train"


class ImpedimentState(models.TextChoices):
    """An impediment is open until it is resolved or dropped."""

    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    DROPPED = "dropped", "Dropped"


class ImpedimentQuerySet(ARTScopedQuerySet):
    def open(self) -> ImpedimentQuerySet:
        return self.filter(state=Impediment.State.OPEN)

    def at_level(self, *levels: str) -> ImpedimentQuerySet:
        return self.filter(level__in=levels)

    def escalated(self) -> ImpedimentQuerySet:
        """Escalated to the train or beyond: the train's business, not only the team's."""
        return self.at_level(Impediment.Level.TRAIN, Impediment.Level.BEYOND)

    def for_team(self, team: Team) -> ImpedimentQuerySet:
        return self.filter(team=team)

    def raised_before(self, moment: datetime) -> ImpedimentQuerySet:
        """Raised before ``moment``: with the start of a day N days ago, the ones older than N days."""
        return self.filter(raised_at__lt=moment)

    def oldest_first(self) -> ImpedimentQuerySet:
        return self.order_by("raised_at", "id")

    def with_related(self) -> ImpedimentQuerySet:
        return self.select_related("art", "team", "raised_by", "owner")


class Impediment(models.Model):
    """Something that stops a team and that the team cannot remove alone.

    Raised by anyone on the train, owned by someone who works on removing it, and escalated
    when it needs more than the team: to the train (the team's Scrum Master or PO, or the RTE),
    then beyond the train (the RTE: management, another train, a vendor). Every escalation is
    recorded. It ends resolved (with the resolution) or dropped (with why); its age runs from
    when it was raised to then (to today while open).
    """

    Level = EscalationLevel
    State = ImpedimentState

    LEVELS = (Level.TEAM, Level.TRAIN, Level.BEYOND)

    art = models.ForeignKey(ART, on_delete=models.CASCADE, related_name="impediments")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="impediments")
    description = bounded_text("description", 1000)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_impediments")
    level = models.CharField(max_length=16, choices=Level.choices, default=Level.TEAM)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    due_date = models.DateField(null=True, blank=True)
    resolution = bounded_text("resolution", 1000, blank=True, help_text="How it was resolved, or why it was dropped.")
    raised_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True, help_text="When it was resolved or dropped.")
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ImpedimentQuerySet.as_manager()

    class Meta:
        ordering = ["raised_at", "id"]
        indexes = [models.Index(fields=["art", "state", "level"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=choice_values(EscalationLevel)), name="impediment_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=choice_values(ImpedimentState)), name="impediment_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state="open", resolved_at__isnull=True) | (~Q(state="open") & Q(resolved_at__isnull=False)),
                name="impediment_resolved_at_iff_closed",
            ),
            models.CheckConstraint(
                condition=Q(state="open") | ~Q(resolution=""),
                name="impediment_closed_has_resolution",
                violation_error_message="Say how it was resolved, or why it is dropped.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team}: {self.description[:60]}"

    def get_art(self) -> ART:
        return self.art

    def get_team(self) -> Team:
        return self.team

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    def age(self, today: date) -> int:
        """Days from when it was raised to when it was resolved or dropped, or to ``today`` while open."""
        tz = zoneinfo.ZoneInfo(self.art.time_zone)
        end = self.resolved_at.astimezone(tz).date() if self.resolved_at else today
        return max(0, (end - self.raised_at.astimezone(tz).date()).days)

    @property
    def time_to_resolve(self) -> timedelta | None:
        """How long it took to resolve; None while open or when dropped."""
        if self.state != self.State.RESOLVED:
            return None
        return self.resolved_at - self.raised_at

    def clean(self) -> None:
        super().clean()
        if self.team_id and self.art_id and self.team.art_id != self.art_id:
            raise ValidationError({"team": "That team belongs to another train."})


class ImpedimentEscalation(models.Model):
    """One escalation of an impediment: from which level to which, by whom and when."""

    impediment = models.ForeignKey(Impediment, on_delete=models.CASCADE, related_name="escalations")
    from_level = models.CharField(max_length=16, choices=Impediment.Level.choices)
    to_level = models.CharField(max_length=16, choices=Impediment.Level.choices)
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["impediment", "at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(from_level=F("to_level")), name="escalation_changes_level"),
        ]

    def __str__(self) -> str:
        return f"{self.impediment_id}: {self.from_level} → {self.to_level}"
