"""Flow metrics of a train's features, read from the ART Kanban's recorded moves (``FeatureStateChange``).

- Flow velocity (throughput): features accepted (moved to done) per day, iteration or PI,
  counted and sized (Σ job size: features carry a relative size, not story points).
- Flow time: calendar days, in the train's time zone, from a feature's first move to
  implementing until its acceptance; median, 85th and 95th percentile, and the distribution.
- Flow load (WIP): features implementing or validating, against the train's WIP limit; and
  the features in each state at the end of each day, for a cumulative flow diagram.
- Flow distribution: business features and enablers accepted in a PI.

A feature without a recorded move to done has not been accepted as far as these metrics can
tell. Every function is a handful of aggregate queries, whatever the number of features.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, NullIf

from artops.models import ART, Iteration, ProgramIncrement
from metrics.sql import Percentile, days_between, end_of_day, in_time_zone, rounded
from planning.models import Feature, FeatureStateChange

DONE = Feature.State.DONE
IN_PROGRESS = (Feature.State.IMPLEMENTING, Feature.State.VALIDATING)
# Flow time in a snapshot covers the features accepted in this many days up to the day.
FLOW_TIME_WINDOW_DAYS = 90
PERCENTILES = {"median": 0.5, "p85": 0.85, "p95": 0.95}


@dataclass(frozen=True)
class FlowTime:
    """Flow time of the features accepted in a period, in days."""

    count: int
    median: Decimal | None
    p85: Decimal | None
    p95: Decimal | None
    # (days, how many features took that long), shortest first.
    distribution: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Throughput:
    """Features accepted in one timebox (an iteration or a PI): how many, and their Σ job size."""

    timebox: Iteration | ProgramIncrement
    accepted: int
    size: int


@dataclass(frozen=True)
class FlowLoad:
    """Features in progress now against the train's WIP limit."""

    wip: int
    limit: int

    @property
    def over_limit(self) -> bool:
        return self.wip > self.limit


@dataclass(frozen=True)
class FlowDistribution:
    """Business features and enablers accepted in a PI."""

    business: int
    enablers: int

    @property
    def total(self) -> int:
        return self.business + self.enablers

    @property
    def enabler_share(self) -> Decimal | None:
        """Percentage of enablers among what was accepted, or None when nothing was."""
        return rounded(Decimal(100) * self.enablers / self.total) if self.total else None


# --- building blocks -----------------------------------------------------------------------------


def acceptances(art: ART) -> QuerySet[FeatureStateChange]:
    """Every acceptance (move to done) of the train's features, with its day in the train's time zone
    (``accepted_on``), the day the feature was first moved to implementing (``started_on``) and the
    flow time in days between them (``flow_days``, empty when it never was)."""
    first_start = (
        FeatureStateChange.objects.filter(feature=OuterRef("feature_id"), to_state=Feature.State.IMPLEMENTING)
        .order_by("at", "id")
        .values("at")[:1]
    )
    started_on = in_time_zone(Subquery(first_start), art.time_zone)
    accepted_on = in_time_zone(F("at"), art.time_zone)
    return (
        FeatureStateChange.objects.filter(feature__art=art, to_state=DONE)
        .order_by()
        .annotate(accepted_on=accepted_on, flow_days=days_between(accepted_on, started_on))
    )


def accepted_between(art: ART, first: date, last: date) -> QuerySet[FeatureStateChange]:
    """Acceptances from day ``first`` to day ``last`` (train's days, both included)."""
    return acceptances(art).filter(accepted_on__gte=first, accepted_on__lte=last)


def flow_time_aggregates(condition: Q | None = None) -> dict:
    """Count and percentiles of ``flow_days`` over the acceptances that meet ``condition``."""
    timed = Q(flow_days__isnull=False) & (condition or Q())
    return {
        "flow_time_count": Count("pk", filter=timed),
        **{
            f"flow_time_{name}": Percentile("flow_days", fraction, filter=timed)
            for name, fraction in PERCENTILES.items()
        },
    }


def state_at(moment: datetime) -> Coalesce:
    """A feature's state as it stood just before ``moment``, from its recorded moves (else its state now)."""
    moves = FeatureStateChange.objects.filter(feature=OuterRef("pk"))
    became = moves.filter(at__lt=moment).order_by("-at", "-id").values("to_state")[:1]
    was = moves.filter(at__gte=moment).order_by("at", "id").values("from_state")[:1]
    return Coalesce(Subquery(became), NullIf(Subquery(was), Value("")), F("state"))


def states_at_end_of(art: ART, day: date) -> dict[str, int]:
    """How many of the train's features were in each state at the end of ``day``: one grouped query."""
    moment = end_of_day(day, art.time_zone)
    rows = (
        Feature.objects.filter(art=art, created_at__lt=moment)
        .order_by()
        .annotate(state_then=state_at(moment))
        .values("state_then")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(Feature.State.values, 0)
    counts.update({row["state_then"]: row["n"] for row in rows})
    return counts


# --- the metrics ---------------------------------------------------------------------------------


def flow_time(art: ART, first: date, last: date) -> FlowTime:
    """Flow time of the features accepted from ``first`` to ``last``: percentiles and distribution (two queries)."""
    accepted = accepted_between(art, first, last)
    figures = accepted.aggregate(**flow_time_aggregates())
    rows = (
        accepted.filter(flow_days__isnull=False)
        .values("flow_days")
        .annotate(n=Count("pk"))
        .order_by("flow_days")
        .values_list("flow_days", "n")
    )
    return FlowTime(
        count=figures["flow_time_count"],
        median=rounded(figures["flow_time_median"]),
        p85=rounded(figures["flow_time_p85"]),
        p95=rounded(figures["flow_time_p95"]),
        distribution=tuple(rows),
    )


def _per_day(art: ART, first: date, last: date) -> dict[date, tuple[int, int]]:
    """(accepted, Σ job size) per day from ``first`` to ``last``: one grouped query, a row per day at most."""
    rows = (
        accepted_between(art, first, last)
        .values("accepted_on")
        .annotate(n=Count("pk"), size=Sum("feature__job_size"))
        .values_list("accepted_on", "n", "size")
    )
    return {day: (n, size) for day, n, size in rows}


def throughput_per_iteration(pi: ProgramIncrement) -> list[Throughput]:
    """Features accepted in each iteration of ``pi`` (the IP iteration included): two queries."""
    iterations = list(Iteration.objects.filter(pi=pi).order_by("number"))
    per_day = _per_day(pi.art, pi.start_date, pi.end_date)
    result = []
    for iteration in iterations:
        days = [values for day, values in per_day.items() if iteration.contains(day)]
        result.append(Throughput(iteration, sum(n for n, _ in days), sum(size for _, size in days)))
    return result


def throughput_per_pi(art: ART, pis: list[ProgramIncrement]) -> list[Throughput]:
    """Features accepted in each of ``pis`` (PIs of ``art``): one query."""
    if not pis:
        return []
    per_day = _per_day(art, min(pi.start_date for pi in pis), max(pi.end_date for pi in pis))
    result = []
    for pi in pis:
        days = [values for day, values in per_day.items() if pi.contains(day)]
        result.append(Throughput(pi, sum(n for n, _ in days), sum(size for _, size in days)))
    return result


def weekly_throughput(art: ART, *, until: date, weeks: int) -> list[int]:
    """Features accepted in each of the ``weeks`` whole weeks (Monday to Sunday) ending on or before ``until``.

    Oldest first; weeks before the train's first acceptance are left out (they are no history).
    Two queries.
    """
    last_sunday = until - timedelta(days=(until.weekday() + 1) % 7)
    first_monday = last_sunday - timedelta(days=7 * weeks - 1)
    counts: Counter[int] = Counter()
    for day, (n, _) in _per_day(art, first_monday, last_sunday).items():
        counts[(day - first_monday).days // 7] += n
    first_ever = acceptances(art).order_by("at").values_list("accepted_on", flat=True).first()
    if first_ever is None:
        return []
    start = max(0, (first_ever - first_monday).days // 7)
    return [counts.get(week, 0) for week in range(start, weeks)]


def flow_load(art: ART) -> FlowLoad:
    """Features implementing or validating now, against the train's WIP limit: one query."""
    return FlowLoad(wip=Feature.objects.filter(art=art, state__in=IN_PROGRESS).count(), limit=art.wip_limit)


def flow_distribution(pi: ProgramIncrement) -> FlowDistribution:
    """Business features and enablers accepted within ``pi``'s dates: one query."""
    counts = accepted_between(pi.art, pi.start_date, pi.end_date).aggregate(
        business=Count("pk", filter=Q(feature__type=Feature.Type.BUSINESS)),
        enablers=Count("pk", filter=Q(feature__type=Feature.Type.ENABLER)),
    )
    return FlowDistribution(**counts)
