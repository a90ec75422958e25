"""Daily snapshots of a train's flow metrics, written every night and read by the trends.

A snapshot is the state of one day as it stood at the end of that day in the train's own time
zone: the night after a day ends, the nightly job computes that day (see ``metrics.services``).
There is one row per train and day (``TrainSnapshot``) and one per team and day
(``TeamSnapshot``), each unique on its key, so that computing a day again overwrites the same
row with the same numbers and never adds a second one.

What the numbers mean (DESIGN.md, "Flow metrics" and "PI objectives and predictability"):

- predictability = Σ actual business value of all objectives / Σ planned business value of
  the committed ones × 100. While the PI runs it is *so far*: the same ratio over the
  objectives assessed so far (those with an actual value), with k of n assessed beside it;
  it is *final* once the PI is closed, over every objective;
- flow velocity (throughput) = features accepted (moved to done);
- flow time = days from a feature's first move to implementing until it is accepted;
- flow load (WIP) = features implementing or validating, against the train's WIP limit;
- flow distribution = business features and enablers accepted in the PI;
- dependency age = days an open dependency has been open (the rule of ``risks.models``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from artops.models import ART, ARTScopedQuerySet, ProgramIncrement, Team


def _days() -> models.DecimalField:
    """A number of days to one decimal (a median may fall between two whole days), empty when undefined."""
    return models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)


def _count(help_text: str = "") -> models.PositiveIntegerField:
    return models.PositiveIntegerField(default=0, help_text=help_text)


class SnapshotQuerySet(ARTScopedQuerySet):
    def between(self, first, last):
        """Snapshots of the days from ``first`` to ``last``, both included, oldest first."""
        return self.filter(day__gte=first, day__lte=last).order_by("day")


class PredictabilityFigures(models.Model):
    """The business value behind a predictability figure, for one team or for the whole train.

    ``predictability`` is final (every objective, DESIGN.md's rule) when ``final`` is set and
    *so far* (the objectives assessed so far) otherwise; it is empty ("—") when there is no
    committed planned business value to compare with, or nothing has been assessed yet.
    """

    objectives = _count("Objectives of the PI (n).")
    objectives_assessed = _count("Objectives with an actual business value (k).")
    planned_committed_bv = _count("Σ planned business value of the committed objectives.")
    planned_committed_assessed_bv = _count("Σ planned business value of the committed objectives assessed so far.")
    actual_bv = _count("Σ actual business value of every objective, committed or not.")
    predictability = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    final = models.BooleanField(default=False, help_text="The PI is closed: the figure covers every objective.")

    class Meta:
        abstract = True


def predictability_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(objectives_assessed__lte=F("objectives")), name=f"{prefix}_assessed_at_most_all"
        ),
        models.CheckConstraint(
            condition=Q(planned_committed_assessed_bv__lte=F("planned_committed_bv")),
            name=f"{prefix}_assessed_planned_at_most_planned",
        ),
        # No figure without a committed planned value to divide by (never a division by zero, never 0 for "—").
        models.CheckConstraint(
            condition=Q(predictability__isnull=True)
            | Q(predictability__gte=0, final=True, planned_committed_bv__gt=0)
            | Q(predictability__gte=0, final=False, planned_committed_assessed_bv__gt=0),
            name=f"{prefix}_predictability_has_a_base",
        ),
    ]


class DependencyAgeFigures(models.Model):
    """Open dependencies at the end of the day and how long they have been open, in days."""

    open_dependencies = _count("Dependencies open at the end of the day.")
    dependency_age_median = _days()
    dependency_age_max = models.PositiveIntegerField(null=True, blank=True)
    dependencies_over_14 = _count("Open for more than 14 days.")
    dependencies_over_30 = _count("Open for more than 30 days.")

    class Meta:
        abstract = True


def dependency_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(dependencies_over_30__lte=F("dependencies_over_14"))
            & Q(dependencies_over_14__lte=F("open_dependencies")),
            name=f"{prefix}_dependency_counts_nested",
        ),
        models.CheckConstraint(
            condition=Q(open_dependencies=0, dependency_age_median__isnull=True, dependency_age_max__isnull=True)
            | Q(open_dependencies__gt=0, dependency_age_median__lte=F("dependency_age_max")),
            name=f"{prefix}_dependency_ages_iff_open",
        ),
    ]


class TrainSnapshot(PredictabilityFigures, DependencyAgeFigures):
    """One day of an Agile Release Train's metrics, as they stood at the end of that day (train's time zone).

    The PI is the one running that day (or the last one before it, between two PIs). Flow
    counts are the train's; predictability is the ratio of the train's sums, never the
    mean of its teams' ratios.
    """

    art = models.ForeignKey(ART, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    pi = models.ForeignKey(
        ProgramIncrement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="PI"
    )
    # Flow velocity.
    accepted = _count("Features accepted on the day.")
    accepted_size = _count("Σ job size of the features accepted on the day.")
    accepted_in_iteration = _count("Features accepted in the iteration so far.")
    accepted_in_pi = _count("Features accepted in the PI so far.")
    # Flow distribution.
    accepted_business_in_pi = _count("Business features accepted in the PI so far.")
    accepted_enablers_in_pi = _count("Enablers accepted in the PI so far.")
    # Flow load.
    wip = _count("Features implementing or validating at the end of the day.")
    wip_limit = models.PositiveSmallIntegerField(help_text="The train's WIP limit that day.")
    # Flow time over the features accepted in the 90 days up to the day.
    flow_time_count = _count("Features accepted in the 90 days up to the day.")
    flow_time_median = _days()
    flow_time_p85 = _days()
    flow_time_p95 = _days()
    # The cumulative flow diagram: features in each state at the end of the day.
    features_funnel = _count()
    features_analyzing = _count()
    features_backlog = _count()
    features_implementing = _count()
    features_validating = _count()
    features_done = _count()
    features_cancelled = _count()

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["art", "day"]
        constraints = [
            models.UniqueConstraint(fields=["art", "day"], name="train_snapshot_one_per_day"),
            *predictability_constraints("train_snapshot"),
            *dependency_constraints("train_snapshot"),
            models.CheckConstraint(
                condition=Q(accepted_business_in_pi__lte=F("accepted_in_pi"))
                & Q(accepted_enablers_in_pi__lte=F("accepted_in_pi"))
                & Q(accepted_in_iteration__lte=F("accepted_in_pi")),
                name="train_snapshot_accepted_counts_nested",
            ),
            models.CheckConstraint(
                condition=Q(flow_time_count=0, flow_time_median__isnull=True)
                | Q(
                    flow_time_count__gt=0,
                    flow_time_median__lte=F("flow_time_p85"),
                    flow_time_p85__lte=F("flow_time_p95"),
                ),
                name="train_snapshot_flow_time_percentiles_ordered",
            ),
            models.CheckConstraint(
                condition=Q(wip=F("features_implementing") + F("features_validating")),
                name="train_snapshot_wip_is_in_progress",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.art_id} on {self.day:%Y-%m-%d}"

    def get_art(self) -> ART:
        return self.art


class TeamSnapshot(PredictabilityFigures, DependencyAgeFigures):
    """One day of an agile team's metrics: its predictability in the PI and the dependencies it waits on.

    Dependencies are counted on the needing side: those the team is waiting for.
    """

    art = models.ForeignKey(ART, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    pi = models.ForeignKey(
        ProgramIncrement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="PI"
    )

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["art", "day", "team"]
        constraints = [
            models.UniqueConstraint(fields=["team", "day"], name="team_snapshot_one_per_day"),
            *predictability_constraints("team_snapshot"),
            *dependency_constraints("team_snapshot"),
        ]

    def __str__(self) -> str:
        return f"{self.team_id} on {self.day:%Y-%m-%d}"

    def get_art(self) -> ART:
        return self.art

    def get_team(self) -> Team:
        return self.team


from metrics.ia.models import *  # noqa: E402, F403  (Inspect & Adapt: its models live in metrics/ia/)
