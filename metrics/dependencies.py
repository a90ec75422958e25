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

from artops.models import ART
from metrics.sql import DAYS, day_params, days_from, fetch, rounded
from risks.models import AGE_BUCKETS, Dependency

TABLES = {"dependency": Dependency._meta.db_table}

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


OPEN_DEPENDENCIES = (
    "WITH"  # noqa: S608 (table names are ours; every value is a parameter)
    + DAYS
    + """,
open AS (
    SELECT days.day, d.needing_team_id, d.providing_team_id, d.external_party,
        GREATEST(days.day - (d.created_at AT TIME ZONE %(tz)s)::date, 0) AS age
    FROM days JOIN {dependency} d ON d.art_id = %(art)s AND d.created_at < days.day_end
        AND (d.closed_at IS NULL OR d.closed_at >= days.day_end)
)"""
)

BUCKETS = ", ".join(
    f"count(*) FILTER (WHERE age >= {low}{f' AND age <= {high}' if high is not None else ''})"
    for _, low, high in AGE_BUCKETS
)

DEPENDENCY_AGES = (
    OPEN_DEPENDENCIES
    + f"""
SELECT day, needing_team_id, GROUPING(needing_team_id) = 1 AS whole_train, count(*),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY age), max(age),
    count(*) FILTER (WHERE age > 14), count(*) FILTER (WHERE age > 30), {BUCKETS}
FROM open GROUP BY GROUPING SETS ((day), (day, needing_team_id))
"""  # noqa: S608 (the buckets are our constants)
)


def dependency_ages(art: ART, first: date, last: date) -> dict[date, tuple[DependencyAge, dict[int, DependencyAge]]]:
    """Per day, the open dependencies of the train and of each needing team, with their ages: one query."""
    result = {day: (DependencyAge(histogram=_no_buckets()), {}) for day in days_from(first, last)}
    for day, team_id, whole_train, count, median, oldest, over_14, over_30, *buckets in fetch(
        DEPENDENCY_AGES, TABLES, day_params(art, first, last)
    ):
        figures = DependencyAge(
            open=count,
            median=rounded(median),
            max=oldest,
            over_14=over_14,
            over_30=over_30,
            histogram=tuple((label, n) for (label, _, _), n in zip(AGE_BUCKETS, buckets, strict=True)),
        )
        if whole_train:
            result[day] = (figures, result[day][1])
        else:
            result[day][1][team_id] = figures
    return result


def _no_buckets() -> tuple:
    return tuple((label, 0) for label, _, _ in AGE_BUCKETS)


DEPENDENCY_MATRIX = (
    OPEN_DEPENDENCIES
    + """
SELECT needing_team_id, providing_team_id, external_party, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY age)
FROM open GROUP BY needing_team_id, providing_team_id, external_party
ORDER BY needing_team_id, providing_team_id NULLS LAST, external_party
"""
)


def dependency_pairs(art: ART, day: date) -> list[tuple]:
    """(needing team id, providing team id, outside party, open count, median age) on ``day``: one query."""
    return [(*row[:4], rounded(row[4])) for row in fetch(DEPENDENCY_MATRIX, TABLES, day_params(art, day, day))]


def dependency_age(art: ART, day: date | None = None) -> DependencyAge:
    """The train's open dependencies on ``day`` (default: the train's today) with the aging histogram: one query."""
    day = day or art.today()
    return dependency_ages(art, day, day)[day][0]


def dependency_age_by_team(art: ART, day: date | None = None) -> dict[int, DependencyAge]:
    """Per needing team id, the open dependencies it waits on and their ages: one query."""
    day = day or art.today()
    return dependency_ages(art, day, day)[day][1]


def dependency_matrix(art: ART, day: date | None = None) -> list[TeamPair]:
    """Team × team (and team × outside party): open count and median age per pair: one grouped query."""
    return [TeamPair(*row) for row in dependency_pairs(art, day or art.today())]
