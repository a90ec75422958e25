"""Timing the program board against the raw SQL it needs.

For each seeded PI: the board page and the board API, requested through Django's test client
as the train's RTE (server time: the time around the request, middleware, session and
rendering included), and the baseline: hand-written SQL that fetches the same rows (the
iterations, milestones, teams, placements with their features, and the open dependencies
with their features' keys) through one cursor, encoded as JSON objects. Each is run a few
times to warm up, then timed over ``runs`` runs; the median counts.

Targets (issue "PI Planning II"): the board API within 5× its baseline, the page within 10×,
and each endpoint's query count identical at every size.

The page and the API are timed as after a change of the board: the board clock moves before each
of their runs, so that every run renders the board afresh (and keeps its state for the change
sets) rather than serve the render kept in Redis. "board page, kept" is the page everyone else in
the room then gets: the same version again, from Redis (target: within 2× the raw SQL; what is
left is the page around the board, its eight queries, and each person's tokens put in).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from artops.models import Iteration, ProgramIncrement, Team, User
from planning.models import BoardClock, Feature, FeaturePlacement, Milestone
from risks.models import Dependency

PAGE = "board page"
KEPT = "board page, kept"
API = "board API"
TARGETS = {PAGE: 10.0, KEPT: 2.0, API: 5.0}
RUNS = 25
WARMUP = 3


@dataclass(frozen=True)
class Result:
    """One endpoint at one size: its queries, its median time and the baseline's, and the target ratio."""

    size: str
    endpoint: str
    queries: int
    median_ms: float
    baseline_ms: float
    target: float

    @property
    def ratio(self) -> float:
        return self.median_ms / self.baseline_ms if self.baseline_ms else float("inf")

    @property
    def passed(self) -> bool:
        return self.ratio <= self.target


# --- the baseline ----------------------------------------------------------------------------


def _tables() -> dict[str, str]:
    models = {
        "iteration": Iteration,
        "milestone": Milestone,
        "team": Team,
        "placement": FeaturePlacement,
        "feature": Feature,
        "dependency": Dependency,
    }
    return {name: model._meta.db_table for name, model in models.items()}


def baseline_queries() -> list[tuple[str, str]]:
    """The minimal SQL for the rows the board shows, by name (every query takes the PI's or train's id)."""
    t = _tables()
    closed = ", ".join(f"'{state}'" for state in sorted(Dependency.CLOSED))
    return [
        (
            "iterations",
            f"SELECT id, number, name, start_date, end_date, is_ip FROM {t['iteration']} "  # noqa: S608 (our names)
            "WHERE pi_id = %(pi)s ORDER BY is_ip, number",
        ),
        (
            "milestones",
            f"SELECT id, name, date, description, version FROM {t['milestone']} "  # noqa: S608
            "WHERE pi_id = %(pi)s ORDER BY date, id",
        ),
        ("teams", f"SELECT id, name, active FROM {t['team']} WHERE art_id = %(art)s ORDER BY name, id"),  # noqa: S608
        (
            "cards",
            "SELECT p.id, p.version, p.team_id, p.iteration_id, f.id AS feature_id, f.key, f.title, f.type, f.state "  # noqa: S608
            f"FROM {t['placement']} p JOIN {t['feature']} f ON f.id = p.feature_id "
            f"JOIN {t['iteration']} i ON i.id = p.iteration_id WHERE i.pi_id = %(pi)s "
            "ORDER BY f.wsjf DESC, f.cost_of_delay DESC, f.created_at, f.id, p.team_id",
        ),
        (
            "dependencies",
            "SELECT d.id, d.description, d.state, d.needing_team_id, d.providing_team_id, d.external_party, "  # noqa: S608
            "d.needed_by_id, d.planned_iteration_id, nf.key AS needing_feature_key, pf.key AS providing_feature_key "
            f"FROM {t['dependency']} d LEFT JOIN {t['feature']} nf ON nf.id = d.needing_feature_id "
            f"LEFT JOIN {t['feature']} pf ON pf.id = d.providing_feature_id "
            f"WHERE d.pi_id = %(pi)s AND d.state NOT IN ({closed}) ORDER BY d.created_at, d.id",
        ),
    ]


def baseline(pi: ProgramIncrement) -> bytes:
    """The board's rows fetched by hand and encoded as JSON: what no framework can beat."""
    params = {"pi": pi.pk, "art": pi.art_id}
    body = {}
    with connection.cursor() as cursor:
        for name, sql in baseline_queries():
            cursor.execute(sql, params)
            columns = [column.name for column in cursor.description]
            body[name] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return json.dumps(body, default=str).encode()


def baseline_counts(pi: ProgramIncrement) -> dict[str, int]:
    """How many rows of each kind the baseline reads (to check it reads what the board shows)."""
    return {name: len(rows) for name, rows in json.loads(baseline(pi)).items()}


# --- timing ----------------------------------------------------------------------------------


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def board_urls(pi: ProgramIncrement) -> dict[str, str]:
    return {
        PAGE: reverse("program_board", kwargs={"art_slug": pi.art.slug, "pi_id": pi.pk}),
        API: reverse("api-board-detail", kwargs={"pk": pi.pk}),
    }


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _get(client: Client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return response


def query_count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        _get(client, url)
    return len(queries)


def measure(pi: ProgramIncrement, reader: User, label: str, *, runs: int = RUNS, warmup: int = WARMUP) -> list[Result]:
    """The board page and the board API of ``pi`` as ``reader`` sees them, each against the baseline.

    The three are timed in turns, run after run, so that a change of load on the machine
    weighs on each alike.
    """
    client = logged_in(reader)
    urls = board_urls(pi)

    def fresh(url: str) -> Callable[[], object]:
        def call():
            _get(client, url)

        # The clock moves before the timed call (``timed`` times ``call`` alone).
        call.before = lambda: BoardClock.tick(pi.pk)
        return call

    calls = {
        "baseline": lambda: baseline(pi),
        PAGE: fresh(urls[PAGE]),
        KEPT: lambda: _get(client, urls[PAGE]),
        API: fresh(urls[API]),
    }
    BoardClock.tick(pi.pk)
    queries = {PAGE: query_count(client, urls[PAGE]), KEPT: query_count(client, urls[PAGE])}
    BoardClock.tick(pi.pk)
    queries[API] = query_count(client, urls[API])
    for _ in range(warmup):
        for call in calls.values():
            getattr(call, "before", lambda: None)()
            call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(runs):
        for name, call in calls.items():
            getattr(call, "before", lambda: None)()
            times[name].append(timed(call))
    median = {name: statistics.median(values) * 1000 for name, values in times.items()}
    return [
        Result(label, endpoint, queries[endpoint], median[endpoint], median["baseline"], TARGETS[endpoint])
        for endpoint in (PAGE, KEPT, API)
    ]


# --- the verdict -----------------------------------------------------------------------------


def failures(results: list[Result]) -> list[str]:
    """Every target missed, and every endpoint whose query count differs between sizes."""
    problems = [
        f"{result.endpoint} at {result.size}: {result.ratio:.1f}× its baseline (target {result.target:.0f}×)"
        for result in results
        if not result.passed
    ]
    for endpoint in TARGETS:
        counts = {result.size: result.queries for result in results if result.endpoint == endpoint}
        if len(set(counts.values())) > 1:
            problems.append(f"{endpoint}: the query count grows with the size: {counts}")
    return problems


def table(results: list[Result]) -> str:
    header = ("size", "endpoint", "queries", "median ms", "baseline ms", "ratio", "target", "result")
    rows = [
        (
            result.size,
            result.endpoint,
            str(result.queries),
            f"{result.median_ms:.1f}",
            f"{result.baseline_ms:.1f}",
            f"{result.ratio:.1f}×",
            f"≤ {result.target:.0f}×",
            "pass" if result.passed else "FAIL",
        )
        for result in results
    ]
    widths = [max(len(row[index]) for row in (header, *rows)) for index in range(len(header))]

    def line(cells) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(header), rule, *(line(row) for row in rows)])
