"""Dependency age: how long the train's open dependencies have been waiting.

The age rule is ``risks.models.Dependency.age``: calendar days in the train's time zone from
creation to today while open. Here it is evaluated in SQL on any day: the dependencies open
at the end of ``day`` (raised before it ended, not delivered or cancelled by then) and their
age on that day. On the train's today that is exactly the age the dependency pages show.
The aging buckets are the dependency list's (``risks.models.AGE_BUCKETS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Max, Q, QuerySet

from artops.models import ART
from metrics.sql import Percentile, days_since, end_of_day, in_time_zone, rounded
from risks.models import AGE_BUCKETS, Dependency

OVER = (14, 30)


@dataclass(frozen=True)
class DependencyAge:
    """Open dependencies on a day: how many, their median and oldest age, how many are over 14 and 30 days."""

    open: int = 0
    median: Decimal | None = None
    max: int | None = None
    over_14: int = 0
    over_30: int = 0
    # (bucket label, count) in AGE_BUCKETS order.
    histogram: tuple[tuple[str, int], ...] = ()

    def as_snapshot_fields(self) -> dict:
        return {
            "open_dependencies": self.open,
            "dependency_age_median": self.median,
            "dependency_age_max": self.max,
            "dependencies_over_14": self.over_14,
            "dependencies_over_30": self.over_30,
        }


@dataclass(frozen=True)
class TeamPair:
    """Open dependencies of one needing team on one provider (a team, or a party outside the train)."""

    needing_team_id: int
    providing_team_id: int | None
    external_party: str
    open: int
    median: Decimal | None


def open_on(art: ART, day: date) -> QuerySet[Dependency]:
    """The train's dependencies open at the end of ``day``, each with its ``age_days`` on that day."""
    moment = end_of_day(day, art.time_zone)
    return (
        Dependency.objects.filter(art=art, created_at__lt=moment)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=moment))
        .order_by()
        .annotate(age_days=days_since(in_time_zone(F("created_at"), art.time_zone), day))
    )


def _bucket(low: int, high: int | None) -> Q:
    condition = Q(age_days__gte=low)
    return condition & Q(age_days__lte=high) if high is not None else condition


AGGREGATES = {
    "open": Count("pk"),
    "median": Percentile("age_days", 0.5),
    "max": Max("age_days"),
    **{f"over_{days}": Count("pk", filter=Q(age_days__gt=days)) for days in OVER},
}


def _figures(row: dict, histogram: tuple = ()) -> DependencyAge:
    return DependencyAge(
        open=row["open"],
        median=rounded(row["median"]),
        max=row["max"],
        over_14=row["over_14"],
        over_30=row["over_30"],
        histogram=histogram,
    )


def dependency_age(art: ART, day: date | None = None) -> DependencyAge:
    """The train's open dependencies on ``day`` (default: the train's today) with the aging histogram: one query."""
    day = day or art.today()
    buckets = {
        f"bucket_{index}": Count("pk", filter=_bucket(low, high)) for index, (_, low, high) in enumerate(AGE_BUCKETS)
    }
    row = open_on(art, day).aggregate(**AGGREGATES, **buckets)
    histogram = tuple((label, row[f"bucket_{index}"]) for index, (label, _, _) in enumerate(AGE_BUCKETS))
    return _figures(row, histogram)


def dependency_age_by_team(art: ART, day: date | None = None) -> dict[int, DependencyAge]:
    """Per needing team id, the open dependencies it waits on and their ages: one grouped query."""
    day = day or art.today()
    rows = open_on(art, day).values("needing_team_id").annotate(**AGGREGATES)
    return {row["needing_team_id"]: _figures(row) for row in rows}


def dependency_matrix(art: ART, day: date | None = None) -> list[TeamPair]:
    """Team × team (and team × outside party): open count and median age per pair: one grouped query."""
    day = day or art.today()
    rows = (
        open_on(art, day)
        .values("needing_team_id", "providing_team_id", "external_party")
        .annotate(open=Count("pk"), median=Percentile("age_days", 0.5))
        .order_by("needing_team_id", "providing_team_id", "external_party")
    )
    return [
        TeamPair(
            needing_team_id=row["needing_team_id"],
            providing_team_id=row["providing_team_id"],
            external_party=row["external_party"],
            open=row["open"],
            median=rounded(row["median"]),
        )
        for row in rows
    ]
