"""The plan a train committed to at the end of PI Planning, kept to compare "planned vs now"."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from artops.models import Iteration, ProgramIncrement, Team
from planning.models.backlog import Feature
from planning.models.objectives import PIObjective


class PlanBaseline(models.Model):
    """The plan the train committed to at the end of PI Planning: placements and objectives as they were."""

    pi = models.OneToOneField(ProgramIncrement, on_delete=models.CASCADE, related_name="baseline", verbose_name="PI")
    committed_at = models.DateTimeField()
    committed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    def __str__(self) -> str:
        return f"Plan of {self.pi_id} committed {self.committed_at:%Y-%m-%d %H:%M}"


class BaselinePlacement(models.Model):
    """A feature placement as it stood when the plan was committed."""

    baseline = models.ForeignKey(PlanBaseline, on_delete=models.CASCADE, related_name="placements")
    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    iteration = models.ForeignKey(Iteration, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["baseline", "feature", "team"], name="baseline_placement_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.feature_id} by {self.team_id} in {self.iteration_id}"


class BaselineObjective(models.Model):
    """A PI objective as it stood when the plan was committed."""

    baseline = models.ForeignKey(PlanBaseline, on_delete=models.CASCADE, related_name="objectives")
    # Kept when the objective is later deleted: "dropped" is then visible.
    objective = models.ForeignKey(PIObjective, on_delete=models.SET_NULL, null=True, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    statement = models.TextField()
    committed = models.BooleanField()
    planned_business_value = models.PositiveSmallIntegerField(null=True)

    def __str__(self) -> str:
        return self.statement[:60]
