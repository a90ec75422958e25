"""Predictability of the teams and of the train in a PI: final once the PI is closed, *so far* while it runs.

DESIGN.md's rule, computed by ``planning.models.predictability`` (the one place of the ratio):
team = Σ actual BV of all its objectives / Σ planned BV of its committed objectives × 100;
train = the same ratio over the train's sums, never the mean of the teams' ratios (10 of 10
and 18 of 30 make 28 of 40 = 70%, not 80%). Stretch objectives count in the numerator only,
so a team may exceed 100%.

While the PI runs the figure is *so far*: the same ratio over the objectives assessed so
far (those with an actual value), with "k of n objectives assessed" beside it, so that one
early assessment never makes the train look 7% predictable. Once the PI is closed the
figure is final and covers every objective (an objective never assessed then counts 0).

Sums come from one grouped query per PI; a past day (``as_of``) reads the actual values as
they stood then from the objectives' recorded history.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal

from django.db.models import CharField, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, NullIf

from artops.models import ProgramIncrement
from metrics.sql import end_of_day
from planning.models import ObjectiveChange, PIObjective, predictability


@dataclass(frozen=True)
class Figures:
    """The business value sums of one team (or of the whole train) in a PI, and its predictability."""

    objectives: int = 0
    objectives_assessed: int = 0
    planned_committed_bv: int = 0
    planned_committed_assessed_bv: int = 0
    actual_bv: int = 0
    final: bool = False

    def __add__(self, other: Figures) -> Figures:
        sums = {f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self) if f.name != "final"}
        return Figures(**sums, final=self.final)

    @property
    def predictability(self) -> Decimal | None:
        """Final: over every objective. So far: over the objectives assessed so far. None means "—"."""
        actual = self.actual_bv if self.objectives_assessed else None
        planned = self.planned_committed_bv if self.final else self.planned_committed_assessed_bv
        return predictability(actual, planned)

    @property
    def label(self) -> str:
        return "final" if self.final else "so far"

    @property
    def assessed_text(self) -> str:
        """ "k of n objectives assessed", shown beside a figure so far."""
        noun = "objective" if self.objectives == 1 else "objectives"
        return f"{self.objectives_assessed} of {self.objectives} {noun} assessed"

    def as_snapshot_fields(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)} | {"predictability": self.predictability}


@dataclass(frozen=True)
class PIPredictability:
    """Every team's figures and the train's (the sum of the teams') for one PI."""

    pi: ProgramIncrement | None
    teams: dict[int, Figures] = field(default_factory=dict)
    train: Figures = Figures()

    def of(self, team_id: int) -> Figures:
        """A team without objectives has no figure: empty sums, "—"."""
        return self.teams.get(team_id, Figures(final=self.train.final))


def is_final(pi: ProgramIncrement, day: date | None = None) -> bool:
    """Final once the PI is closed; on a day before its last one it was still "so far"."""
    if pi.state != ProgramIncrement.State.CLOSED:
        return False
    return day is None or day >= pi.end_date


def actual_as_of(moment: datetime) -> Cast:
    """An objective's actual business value as it stood just before ``moment``, from its history.

    The last recorded change before ``moment`` says what it became; failing that, the first
    change after it says what it was; an objective with no recorded change has its value now.
    A value cleared to "no value" is recorded as an empty text, which reads as NULL here.
    """
    changes = ObjectiveChange.objects.filter(objective=OuterRef("pk"), field=ObjectiveChange.Field.ACTUAL_BV)
    became = changes.filter(at__lt=moment).order_by("-at", "-id").values("new_value")[:1]
    was = changes.filter(at__gte=moment).order_by("at", "id").values("old_value")[:1]
    text = Coalesce(
        Subquery(became), Subquery(was), Cast("actual_business_value", CharField()), output_field=CharField()
    )
    return Cast(NullIf(text, Value("")), IntegerField())


def figures_by_team(objectives: QuerySet[PIObjective], *, final: bool, as_of: datetime | None = None) -> dict:
    """Per team id, the sums of ``objectives`` (one grouped query). ``as_of``: as they stood then."""
    if as_of is not None:
        objectives = objectives.filter(created_at__lt=as_of).alias(actual_then=actual_as_of(as_of))
        actual = "actual_then"
    else:
        actual = "actual_business_value"
    assessed = Q(**{f"{actual}__isnull": False})
    rows = (
        objectives.order_by()
        .values("team_id")
        .annotate(
            n=Count("pk"),
            k=Count("pk", filter=assessed),
            planned=Sum("planned_business_value", filter=Q(committed=True), default=0),
            planned_assessed=Sum("planned_business_value", filter=Q(committed=True) & assessed, default=0),
            actual=Sum(F(actual), default=0),
        )
    )
    return {
        row["team_id"]: Figures(
            objectives=row["n"],
            objectives_assessed=row["k"],
            planned_committed_bv=row["planned"],
            planned_committed_assessed_bv=row["planned_assessed"],
            actual_bv=row["actual"],
            final=final,
        )
        for row in rows
    }


def pi_predictability(
    pi: ProgramIncrement | None, *, day: date | None = None, time_zone: str = "UTC"
) -> PIPredictability:
    """Every team's predictability in ``pi`` and the train's, final or so far: one query.

    ``day`` gives the figures as they stood at the end of that day in ``time_zone`` (the
    train's), for a snapshot; without it, as they stand now.
    """
    if pi is None:
        return PIPredictability(pi=None)
    final = is_final(pi, day)
    as_of = end_of_day(day, time_zone) if day is not None else None
    teams = figures_by_team(PIObjective.objects.filter(pi=pi), final=final, as_of=as_of)
    train = sum(teams.values(), Figures(final=final))
    return PIPredictability(pi=pi, teams=teams, train=train)


def predictability_trend(pis: list[ProgramIncrement]) -> dict[int, PIPredictability]:
    """Predictability per PI for the trend across PIs (x = PIs): one grouped query for all of them."""
    rows = (
        PIObjective.objects.filter(pi__in=pis)
        .order_by()
        .values("pi_id", "team_id")
        .annotate(
            n=Count("pk"),
            k=Count("actual_business_value"),
            planned=Sum("planned_business_value", filter=Q(committed=True), default=0),
            planned_assessed=Sum(
                "planned_business_value", filter=Q(committed=True, actual_business_value__isnull=False), default=0
            ),
            actual=Sum("actual_business_value", default=0),
        )
    )
    by_pi: dict[int, dict[int, Figures]] = {pi.pk: {} for pi in pis}
    final = {pi.pk: is_final(pi) for pi in pis}
    for row in rows:
        by_pi[row["pi_id"]][row["team_id"]] = Figures(
            objectives=row["n"],
            objectives_assessed=row["k"],
            planned_committed_bv=row["planned"],
            planned_committed_assessed_bv=row["planned_assessed"],
            actual_bv=row["actual"],
            final=final[row["pi_id"]],
        )
    return {
        pi.pk: PIPredictability(
            pi=pi, teams=by_pi[pi.pk], train=sum(by_pi[pi.pk].values(), Figures(final=final[pi.pk]))
        )
        for pi in pis
    }
