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
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum

from artops.models import ART, Iteration, ProgramIncrement
from metrics.sql import DAYS, Percentile, day_params, days_between, days_from, fetch, in_time_zone, rounded
from planning.models import Feature, FeatureStateChange

TABLES = {"feature": Feature._meta.db_table, "move": FeatureStateChange._meta.db_table}

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


def states_at_end_of(art: ART, day: date) -> dict[str, int]:
    """How many of the train's features were in each state at the end of ``day``: one query."""
    return feature_states(art, day, day)[day]


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


# --- every day of a range, as it stood then ---------------------------------------------------------

ACCEPTED = (
    "WITH"  # noqa: S608 (table names are ours; every value is a parameter)
    + DAYS
    + """,
day_box AS (SELECT * FROM unnest(%(days)s::date[], %(pi_starts)s::date[], %(iteration_starts)s::date[])
            AS t(day, pi_start, iteration_start)),
accepted AS (
    SELECT (m.at AT TIME ZONE %(tz)s)::date AS accepted_on, f.type, f.job_size,
        (m.at AT TIME ZONE %(tz)s)::date - (
            SELECT (s.at AT TIME ZONE %(tz)s)::date FROM {move} s
            WHERE s.feature_id = m.feature_id AND s.to_state = 'implementing' ORDER BY s.at, s.id LIMIT 1
        ) AS flow_days
    FROM {move} m JOIN {feature} f ON f.id = m.feature_id
    WHERE f.art_id = %(art)s AND m.to_state = 'done' AND m.at >= %(since)s AND m.at < %(until)s
)
SELECT b.day,
    count(a.accepted_on) FILTER (WHERE a.accepted_on = b.day),
    COALESCE(sum(a.job_size) FILTER (WHERE a.accepted_on = b.day), 0),
    count(a.accepted_on) FILTER (WHERE a.accepted_on >= b.iteration_start),
    count(a.accepted_on) FILTER (WHERE a.accepted_on >= b.pi_start),
    count(a.accepted_on) FILTER (WHERE a.accepted_on >= b.pi_start AND a.type <> 'enabler'),
    count(a.accepted_on) FILTER (WHERE a.accepted_on >= b.pi_start AND a.type = 'enabler'),
    count(a.accepted_on) FILTER (WHERE a.accepted_on > b.day - %(window)s AND a.flow_days IS NOT NULL),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY a.flow_days)
        FILTER (WHERE a.accepted_on > b.day - %(window)s AND a.flow_days IS NOT NULL),
    percentile_cont(0.85) WITHIN GROUP (ORDER BY a.flow_days)
        FILTER (WHERE a.accepted_on > b.day - %(window)s AND a.flow_days IS NOT NULL),
    percentile_cont(0.95) WITHIN GROUP (ORDER BY a.flow_days)
        FILTER (WHERE a.accepted_on > b.day - %(window)s AND a.flow_days IS NOT NULL)
FROM day_box b LEFT JOIN accepted a ON a.accepted_on <= b.day
    AND a.accepted_on >= LEAST(b.day - %(window)s + 1, b.pi_start, b.iteration_start)
GROUP BY b.day
"""
)

FLOW_FIELDS = (
    "accepted",
    "accepted_size",
    "accepted_in_iteration",
    "accepted_in_pi",
    "accepted_business_in_pi",
    "accepted_enablers_in_pi",
    "flow_time_count",
    "flow_time_median",
    "flow_time_p85",
    "flow_time_p95",
)


def accepted_by_day(art: ART, boxes: dict[date, tuple]) -> dict[date, dict]:
    """Per day: acceptances that day, in its iteration and PI so far (by type), and the flow time of the
    90 days up to it: one query."""
    days = sorted(boxes)
    after = {day: day + timedelta(days=1) for day in days}
    pi_starts = [boxes[day][0].start_date if boxes[day][0] else after[day] for day in days]
    iteration_starts = [boxes[day][1].start_date if boxes[day][1] else after[day] for day in days]
    earliest = min([days[0] - timedelta(days=FLOW_TIME_WINDOW_DAYS), *pi_starts, *iteration_starts])
    params = day_params(
        art,
        days[0],
        days[-1],
        days=days,
        pi_starts=pi_starts,
        iteration_starts=iteration_starts,
        window=FLOW_TIME_WINDOW_DAYS,
        # A day's moves are within a day of its date in UTC, whatever the zone.
        since=earliest - timedelta(days=1),
        until=days[-1] + timedelta(days=2),
    )
    result = {}
    for day, *values in fetch(ACCEPTED, TABLES, params):
        figures = dict(zip(FLOW_FIELDS, values, strict=True))
        for name in ("flow_time_median", "flow_time_p85", "flow_time_p95"):
            figures[name] = rounded(figures[name])
        result[day] = figures
    return result


STATES = (
    "WITH"  # noqa: S608 (table names are ours; every value is a parameter)
    + DAYS
    + """
SELECT days.day, COALESCE(
        (SELECT m.to_state FROM {move} m WHERE m.feature_id = f.id AND m.at < days.day_end
         ORDER BY m.at DESC, m.id DESC LIMIT 1),
        NULLIF((SELECT m.from_state FROM {move} m WHERE m.feature_id = f.id AND m.at >= days.day_end
                ORDER BY m.at, m.id LIMIT 1), ''),
        f.state
    ) AS state_then, count(*)
FROM days JOIN {feature} f ON f.art_id = %(art)s AND f.created_at < days.day_end
GROUP BY 1, 2
"""
)


def feature_states(art: ART, first: date, last: date) -> dict[date, dict[str, int]]:
    """Per day, how many of the train's features were in each state at its end (the cumulative flow): one query."""
    result = {day: dict.fromkeys(Feature.State.values, 0) for day in days_from(first, last)}
    for day, state, count in fetch(STATES, TABLES, day_params(art, first, last)):
        result[day][state] = count
    return result
