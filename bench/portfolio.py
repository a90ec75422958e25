"""The nightly metrics over a portfolio of trains: seeding it in SQL, and timing the night.

The reference portfolio (issue "Metrics"): 50 trains of 10 teams, three years of PIs
(16 PIs of 10 weeks from Monday 1 January 2024), 180,000 features with their recorded moves
through the ART Kanban (about a million), 300,000 dependencies (most delivered, some left
open to age), three PI objectives per team and PI with business value. The trains are spread
over seven time zones. It is seeded with one ``INSERT … SELECT generate_series`` per table,
the numbers drawn from arithmetic on the row numbers, so that two runs seed the same data.

The night is ``metrics.services.recompute_due`` at 14:30 UTC on the day after ``DAY``, when
``DAY`` has ended in every one of the zones: every train of the portfolio is due.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext

from artops import cadence
from artops.models import ART, Iteration, Membership, ProgramIncrement, Role, Team, User
from metrics import services
from planning.models import Feature, FeatureStateChange, PIObjective
from risks.models import Dependency

FIRST_PI = date(2024, 1, 1)
PIS = 16
ITERATION_WEEKS = 2
DEVELOPMENT_ITERATIONS = 4
PI_DAYS = 7 * ITERATION_WEEKS * (DEVELOPMENT_ITERATIONS + 1)
# In the sixteenth PI, 15 days after its start: the fifteen before it are closed.
DAY = FIRST_PI + timedelta(days=15 * PI_DAYS + 15)
NOW = datetime.combine(DAY + timedelta(days=1), datetime.min.time(), tzinfo=UTC) + timedelta(hours=14, minutes=30)
TIME_ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Singapore",
    "Asia/Tokyo",
    "America/Los_Angeles",
    "Asia/Kolkata",
)
TARGET_SECONDS = 60.0


@dataclass(frozen=True)
class Portfolio:
    """How big a portfolio of trains is."""

    label: str
    trains: int = 50
    teams: int = 10
    features: int = 180_000
    dependencies: int = 300_000

    @property
    def features_per_pi(self) -> int:
        return round(self.features / (self.trains * PIS))

    @property
    def dependencies_per_pi(self) -> int:
        return round(self.dependencies / (self.trains * PIS))

    def tenth(self) -> Portfolio:
        """The same trains, teams and PIs with a tenth of the features and dependencies."""
        return Portfolio("a tenth", self.trains, self.teams, self.features // 10, self.dependencies // 10)


REFERENCE = Portfolio("reference")


@dataclass(frozen=True)
class Night:
    """One night's recomputation of a portfolio: its size, time, queries and rows written."""

    label: str
    trains: int
    features: int
    dependencies: int
    seconds: float
    queries: int
    rows: int

    @property
    def passed(self) -> bool:
        return self.seconds <= TARGET_SECONDS


# --- seeding -------------------------------------------------------------------------------------


def seed(portfolio: Portfolio, *, prefix: str) -> list[int]:
    """The portfolio's trains, teams, people and PIs through the ORM (a few bulk inserts), then its
    features, moves, dependencies and objectives in SQL. Returns the trains' ids."""
    arts = ART.objects.bulk_create(
        ART(
            name=f"{prefix} train {number:02d}",
            slug=f"{prefix}-{number:02d}",
            time_zone=TIME_ZONES[number % len(TIME_ZONES)],
            wip_limit=40,
        )
        for number in range(portfolio.trains)
    )
    Team.objects.bulk_create(
        Team(art=art, name=f"Team {number + 1:02d}") for art in arts for number in range(portfolio.teams)
    )
    password = make_password(None)
    rtes = User.objects.bulk_create(
        User(email=f"rte@{art.slug}.bench.example", display_name=f"RTE of {art.name}", password=password)
        for art in arts
    )
    Membership.objects.bulk_create(
        Membership(user=user, art=art, role=Role.RTE) for user, art in zip(rtes, arts, strict=True)
    )
    pis = ProgramIncrement.objects.bulk_create(
        ProgramIncrement(
            art=art,
            name=f"PI {index + 1}",
            start_date=FIRST_PI + timedelta(days=PI_DAYS * index),
            end_date=cadence.pi_end_date(
                FIRST_PI + timedelta(days=PI_DAYS * index),
                iteration_weeks=ITERATION_WEEKS,
                development_iterations=DEVELOPMENT_ITERATIONS,
            ),
            iteration_weeks=ITERATION_WEEKS,
            development_iterations=DEVELOPMENT_ITERATIONS,
            state=ProgramIncrement.State.CLOSED if index < PIS - 1 else ProgramIncrement.State.EXECUTING,
        )
        for art in arts
        for index in range(PIS)
    )
    Iteration.objects.bulk_create(
        (
            Iteration(pi=pi, number=p.number, name=p.name, start_date=p.start_date, end_date=p.end_date, is_ip=p.is_ip)
            for pi in pis
            for p in pi.planned_iterations()
        ),
        batch_size=5000,
    )
    ids = [art.pk for art in arts]
    params = {
        "arts": ids,
        "features": portfolio.features_per_pi,
        "dependencies": portfolio.dependencies_per_pi,
        "cutoff": datetime.combine(DAY + timedelta(days=1), datetime.min.time(), tzinfo=UTC),
    }
    with connection.cursor() as cursor:
        for statement in (FEATURES, MOVES, FEATURE_STATES, DEPENDENCIES, OBJECTIVES):
            cursor.execute(statement.format(**TABLES), params)
    return ids


TABLES = {
    "feature": Feature._meta.db_table,
    "move": FeatureStateChange._meta.db_table,
    "dependency": Dependency._meta.db_table,
    "objective": PIObjective._meta.db_table,
    "pi": ProgramIncrement._meta.db_table,
    "iteration": Iteration._meta.db_table,
    "team": Team._meta.db_table,
    "membership": Membership._meta.db_table,
}

# Features of each PI, created two weeks before it starts; one in five is an enabler.
FEATURES = """
INSERT INTO {feature} (art_id, pi_id, key, title, type, description, benefit_hypothesis, acceptance_criteria,
    state, user_business_value, time_criticality, risk_reduction, job_size, version, created_at, updated_at)
SELECT p.art_id, p.id, 'F-' || (p.idx * 1000 + g), 'Feature ' || g,
    CASE WHEN g %% 5 = 0 THEN 'enabler' ELSE 'business' END,
    'Seeded for the benchmark.', '', '', 'funnel',
    (ARRAY[1,2,3,5,8,13,20])[1 + g %% 7], (ARRAY[1,2,3,5,8,13,20])[1 + (g * 3) %% 7],
    (ARRAY[1,2,3,5,8,13,20])[1 + (g * 5) %% 7], (ARRAY[1,2,3,5,8,13,20])[1 + (g * 2) %% 7], 1,
    p.start_date - 14 + make_interval(hours => 8 + g %% 10), p.start_date
FROM (SELECT id, art_id, start_date, row_number() OVER (PARTITION BY art_id ORDER BY start_date) - 1 AS idx
      FROM {pi} WHERE art_id = ANY(%(arts)s)) p
CROSS JOIN generate_series(0, %(features)s - 1) g
"""

# Their moves: funnel → analyzing → backlog → implementing (during the PI) → validating → done after
# 2 to 31 days of flow; one in twenty is cancelled from analyzing. Nothing after the cutoff.
MOVES = """
INSERT INTO {move} (feature_id, from_state, to_state, at)
SELECT f.id, m.from_state, m.to_state, m.at
FROM (SELECT f.id, f.created_at, split_part(f.key, '-', 2)::int %% 1000 AS g,
             p.start_date + make_interval(hours => 9) AS pi_start
      FROM {feature} f JOIN {pi} p ON p.id = f.pi_id WHERE f.art_id = ANY(%(arts)s)) f
CROSS JOIN LATERAL (
    SELECT f.pi_start + make_interval(days => f.g %% 49) AS started, 2 + (f.g * 37) %% 30 AS flow
) s
CROSS JOIN LATERAL (VALUES
    ('', 'funnel', f.created_at, true),
    ('funnel', 'analyzing', f.created_at + interval '2 days', true),
    ('analyzing', 'cancelled', f.created_at + interval '7 days', f.g %% 20 = 19),
    ('analyzing', 'backlog', f.created_at + interval '5 days', f.g %% 20 <> 19),
    ('backlog', 'implementing', s.started, f.g %% 20 <> 19),
    ('implementing', 'validating', s.started + make_interval(days => s.flow - 1), f.g %% 20 <> 19),
    ('validating', 'done', s.started + make_interval(days => s.flow, hours => 2), f.g %% 20 <> 19)
) m(from_state, to_state, at, happens)
WHERE m.happens AND m.at < %(cutoff)s
"""

# MATERIALIZED: the last moves are read once. Inlined, the planner may (on fresh, unanalysed tables)
# re-run the DISTINCT ON for every feature, which turns seconds into many minutes.
FEATURE_STATES = """
WITH last AS MATERIALIZED (
    SELECT DISTINCT ON (m.feature_id) m.feature_id, m.to_state
    FROM {move} m JOIN {feature} f ON f.id = m.feature_id WHERE f.art_id = ANY(%(arts)s)
    ORDER BY m.feature_id, m.at DESC, m.id DESC
)
UPDATE {feature} f SET state = last.to_state FROM last WHERE f.id = last.feature_id
"""

# Dependencies of each PI between the train's teams (one in ten on a party outside the train),
# raised in the four weeks around its start; most are delivered 5 to 44 days later, one in
# twenty-five never is, and nothing is delivered after the cutoff.
DEPENDENCIES = """
WITH t AS (SELECT id, art_id, row_number() OVER (PARTITION BY art_id ORDER BY id) - 1 AS idx,
                  count(*) OVER (PARTITION BY art_id) AS n
           FROM {team} WHERE art_id = ANY(%(arts)s)),
     owner AS (SELECT art_id, min(user_id) AS user_id FROM {membership}
               WHERE art_id = ANY(%(arts)s) AND role = 'rte' GROUP BY art_id),
     d AS (SELECT p.art_id, p.id AS pi_id, k,
                  p.start_date - 14 + make_interval(days => k %% 28, hours => 10) AS created
           FROM {pi} p CROSS JOIN generate_series(0, %(dependencies)s - 1) k WHERE p.art_id = ANY(%(arts)s)),
     c AS (SELECT d.*, CASE WHEN k %% 25 <> 0 AND d.created + make_interval(days => 5 + k %% 40) < %(cutoff)s
                            THEN d.created + make_interval(days => 5 + k %% 40) END AS closed
           FROM d)
INSERT INTO {dependency} (art_id, pi_id, needing_team_id, providing_team_id, external_party, description,
    needed_by_id, planned_iteration_id, owner_id, state, next_action, version, created_at, closed_at, updated_at)
SELECT c.art_id, c.pi_id, needing.id, CASE WHEN c.k %% 10 = 0 THEN NULL ELSE providing.id END,
    CASE WHEN c.k %% 10 = 0 THEN 'Card Vendor' ELSE '' END, 'Dependency ' || c.k,
    needed.id, CASE WHEN c.k %% 6 = 0 OR c.k %% 10 = 0 THEN NULL ELSE planned.id END, owner.user_id,
    CASE WHEN c.closed IS NOT NULL THEN 'delivered'
         ELSE (ARRAY['requested','committed','at_risk','blocked'])[1 + c.k %% 4] END,
    '', 1, c.created, c.closed, c.created
FROM c
JOIN t needing ON needing.art_id = c.art_id AND needing.idx = c.k %% needing.n
JOIN t providing ON providing.art_id = c.art_id
    AND providing.idx = (c.k %% providing.n + 1 + (c.k / providing.n) %% (providing.n - 1)) %% providing.n
JOIN {iteration} needed ON needed.pi_id = c.pi_id AND needed.number = 1 + c.k %% 4
JOIN {iteration} planned ON planned.pi_id = c.pi_id AND planned.number = 1 + (c.k * 3) %% 4
JOIN owner ON owner.art_id = c.art_id
"""

# Three objectives per team and PI (two committed, one stretch) with planned value 3–10; closed PIs
# have every actual value, the running PI the first one only.
OBJECTIVES = """
INSERT INTO {objective} (team_id, pi_id, statement, committed, planned_business_value, actual_business_value,
    version, created_at, updated_at)
SELECT t.id, p.id, 'Objective ' || o, o < 2, 3 + (t.id + p.id + o) %% 8,
    CASE WHEN p.state = 'closed' OR o = 0
         THEN greatest(0, least(10,
             3 + (t.id + p.id + o) %% 8 - (t.id * 3 + o) %% 4 + CASE WHEN o = 2 THEN 1 ELSE 0 END))
    END,
    1, p.start_date, p.start_date
FROM {team} t JOIN {pi} p ON p.art_id = t.art_id CROSS JOIN generate_series(0, 2) o
WHERE t.art_id = ANY(%(arts)s)
"""


# --- the night -----------------------------------------------------------------------------------


def night(portfolio: Portfolio, art_ids: list[int]) -> Night:
    """Time ``recompute_due`` over the portfolio's trains, counting its queries and the rows it writes."""
    arts = ART.objects.filter(pk__in=art_ids)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        outcomes = services.recompute_due(NOW, arts)
        seconds = time.perf_counter() - started
    if not all(outcome.computed for outcome in outcomes) or len(outcomes) != len(art_ids):
        raise RuntimeError(f"not every train of {portfolio.label} was computed: {outcomes}")
    return Night(
        label=portfolio.label,
        trains=len(art_ids),
        features=Feature.objects.filter(art_id__in=art_ids).count(),
        dependencies=Dependency.objects.filter(art_id__in=art_ids).count(),
        seconds=seconds,
        queries=len(queries),
        rows=sum(outcome.rows for outcome in outcomes),
    )


def failures(nights: list[Night]) -> list[str]:
    problems = [
        f"nightly metrics of {n.label}: {n.seconds:.1f} s (target {TARGET_SECONDS:.0f} s)"
        for n in nights
        if not n.passed
    ]
    by_trains: dict[int, set[int]] = {}
    for n in nights:
        by_trains.setdefault(n.trains, set()).add(n.queries)
    problems += [
        f"nightly metrics: the query count grows with the rows: {sorted(counts)}"
        for counts in by_trains.values()
        if len(counts) > 1
    ]
    return problems


def table(nights: list[Night]) -> str:
    header = ("portfolio", "trains", "features", "dependencies", "seconds", "queries", "rows written", "target")
    rows = [
        (
            n.label,
            str(n.trains),
            f"{n.features:,}",
            f"{n.dependencies:,}",
            f"{n.seconds:.1f}",
            str(n.queries),
            f"{n.rows:,}",
            f"≤ {TARGET_SECONDS:.0f} s " + ("pass" if n.passed else "FAIL"),
        )
        for n in nights
    ]
    widths = [max(len(row[index]) for row in (header, *rows)) for index in range(len(header))]

    def line(cells) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(header), rule, *(line(row) for row in rows)])
