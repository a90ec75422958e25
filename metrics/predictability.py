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

Sums come from one grouped query per PI; for past days (``figures_by_day``) the actual values
are read as they stood at the end of each day from the objectives' recorded history.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum

from artops.models import ART, ProgramIncrement
from metrics.sql import DAYS, day_params, fetch
from planning.models import ObjectiveChange, PIObjective, predictability

TABLES = {"objective": PIObjective._meta.db_table, "change": ObjectiveChange._meta.db_table}


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


def figures_by_team(objectives: QuerySet[PIObjective], *, final: bool) -> dict[int, Figures]:
    """Per team id, the sums of ``objectives`` as they stand now: one grouped query."""
    actual = "actual_business_value"
    assessed = Q(actual_business_value__isnull=False)
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


def pi_predictability(pi: ProgramIncrement | None, *, day: date | None = None) -> PIPredictability:
    """Every team's predictability in ``pi`` and the train's, final or so far: one query.

    ``day`` gives the figures as they stood at the end of that day in the train's time zone
    (as a snapshot holds them); without it, as they stand now.
    """
    if pi is None:
        return PIPredictability(pi=None)
    final = is_final(pi, day)
    if day is None:
        teams = figures_by_team(PIObjective.objects.filter(pi=pi), final=final)
    else:
        teams = figures_by_day(pi.art, {day: pi})[day]
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


# --- every day of a range, as it stood then ---------------------------------------------------------

OBJECTIVES = (
    "WITH"  # noqa: S608 (table names are ours; every value is a parameter)
    + DAYS
    + """,
day_pi AS (SELECT * FROM unnest(%(days)s::date[], %(pis)s::bigint[]) AS t(day, pi_id)),
assessed AS (
    SELECT dp.day, o.team_id, o.committed, o.planned_business_value AS planned,
        NULLIF(COALESCE(
            (SELECT c.new_value FROM {change} c WHERE c.objective_id = o.id AND c.field = 'actual_business_value'
                AND c.at < days.day_end ORDER BY c.at DESC, c.id DESC LIMIT 1),
            (SELECT c.old_value FROM {change} c WHERE c.objective_id = o.id AND c.field = 'actual_business_value'
                AND c.at >= days.day_end ORDER BY c.at, c.id LIMIT 1),
            o.actual_business_value::text
        ), '')::int AS actual
    FROM day_pi dp JOIN days ON days.day = dp.day
    JOIN {objective} o ON o.pi_id = dp.pi_id AND o.created_at < days.day_end
)
SELECT day, team_id, count(*), count(actual),
    COALESCE(sum(planned) FILTER (WHERE committed), 0),
    COALESCE(sum(planned) FILTER (WHERE committed AND actual IS NOT NULL), 0),
    COALESCE(sum(actual), 0)
FROM assessed GROUP BY day, team_id
"""
)


def figures_by_day(art: ART, pis: dict[date, ProgramIncrement | None]) -> dict[date, dict[int, Figures]]:
    """Per day and team id, the business value sums of the PI of that day as they stood then: one query."""
    with_pi = {day: pi for day, pi in pis.items() if pi is not None}
    result: dict[date, dict[int, Figures]] = {day: {} for day in pis}
    if not with_pi:
        return result
    days = sorted(pis)
    params = day_params(art, days[0], days[-1], days=list(with_pi), pis=[pi.pk for pi in with_pi.values()])
    for day, team_id, n, k, planned, planned_assessed, actual in fetch(OBJECTIVES, TABLES, params):
        result[day][team_id] = Figures(n, k, planned, planned_assessed, actual, final=is_final(with_pi[day], day))
    return result
