"""``make bench`` at a tiny size, so that its machinery cannot rot: seeding, the baseline, timing, the table."""

import pytest
from rest_framework.test import APIClient

from bench import measure, seed
from bench.run import bench_database_url
from planning.models import Feature, FeaturePlacement
from risks.models import Dependency

HISTORY = seed.Size("history", teams=2, features=6, dependencies=4)
SMALL = seed.Size("small", teams=2, features=10, dependencies=6)
LARGER = seed.Size("larger", teams=2, features=30, dependencies=6)


# Seconds each timed call takes, in the order the bench times them: baseline, page (rendered afresh),
# page (the kept render), API, run after run (two runs per size). A scripted clock, so that the
# medians and ratios are known exactly.
SCRIPTED = {
    "small": [(0.002, 0.010, 0.001, 0.006), (0.004, 0.030, 0.002, 0.008)],
    "larger": [(0.010, 0.050, 0.004, 0.020), (0.010, 0.150, 0.006, 0.080)],
}


def test_bench_seeds_times_and_tabulates_at_a_tiny_size(db, monkeypatch):
    durations = iter(seconds for size in ("small", "larger") for run in SCRIPTED[size] for seconds in run)

    def scripted_timed(call):
        call()  # the request still runs: only the clock is scripted
        return next(durations)

    monkeypatch.setattr(measure, "timed", scripted_timed)
    rng = seed.generator(1)
    seed.seed_history(arts=1, pis=1, size=HISTORY, rng=rng)
    train = seed.seed_train([SMALL, LARGER], past_pis=1, rng=rng)

    small_pi, larger_pi = train.pis["small"], train.pis["larger"]
    assert Feature.objects.filter(pi=small_pi).count() == 10
    # A third of the features are delivered by two teams.
    assert FeaturePlacement.objects.filter(iteration__pi=small_pi).count() == 10 + 4
    assert Dependency.objects.for_pi(small_pi).open().count() == 6
    # A past PI at the first size, then one PI per size; the other train's history apart.
    assert Feature.objects.filter(art=train.art).count() == 10 + 10 + 30
    assert Feature.objects.exclude(art=train.art).count() == 6

    results = [
        *measure.measure(small_pi, train.rte, "small", runs=2, warmup=1),
        *measure.measure(larger_pi, train.rte, "larger", runs=2, warmup=1),
    ]
    assert [(result.size, result.endpoint) for result in results] == [
        ("small", measure.PAGE),
        ("small", measure.KEPT),
        ("small", measure.API),
        ("larger", measure.PAGE),
        ("larger", measure.KEPT),
        ("larger", measure.API),
    ]
    # The median of the runs, in milliseconds, against the baseline's median: page within 10×, the kept
    # page within 2×, API within 5×.
    timings = [value for result in results for value in (result.median_ms, result.baseline_ms, result.target)]
    assert timings == pytest.approx(
        [20.0, 3.0, 10.0, 1.5, 3.0, 2.0, 7.0, 3.0, 5.0, 100.0, 10.0, 10.0, 5.0, 10.0, 2.0, 50.0, 10.0, 5.0]
    )
    assert [round(result.ratio, 2) for result in results] == [6.67, 0.5, 2.33, 10.0, 0.5, 5.0]
    assert all(result.passed for result in results) and measure.failures(results) == []
    # Each endpoint reads the same number of queries at both sizes, and at least one; the kept page fewer.
    queries = {(result.size, result.endpoint): result.queries for result in results}
    for endpoint in (measure.PAGE, measure.KEPT, measure.API):
        assert queries["small", endpoint] == queries["larger", endpoint] >= 1
    assert queries["small", measure.KEPT] < queries["small", measure.PAGE]
    table = measure.table(results).splitlines()
    assert len(table) == 2 + len(results)
    assert "| larger " in table[-1] and measure.API in table[-1]


def test_the_baseline_reads_the_rows_the_board_shows(db):
    rng = seed.generator(2)
    train = seed.seed_train([SMALL], past_pis=1, rng=rng)
    pi = train.pis["small"]
    client = APIClient()
    client.force_login(train.rte)
    board = client.get(measure.board_urls(pi)[measure.API]).json()
    cards = [card for row in board["rows"] for cell in row["cells"] for card in cell["cards"]]
    assert measure.baseline_counts(pi) == {
        "iterations": len(board["iterations"]),
        "milestones": len(board["milestones"]),
        "teams": SMALL.teams,
        "cards": len(cards),
        "dependencies": len(board["lines"]),
    }


def test_a_query_count_that_grows_is_a_failure():
    results = [
        measure.Result("small", measure.API, 9, 10.0, 5.0, 5.0),
        measure.Result("larger", measure.API, 10, 60.0, 10.0, 5.0),
    ]
    assert measure.failures(results) == [
        "board API at larger: 6.0× its baseline (target 5×)",
        "board API: the query count grows with the size: {'small': 9, 'larger': 10}",
    ]


def test_the_bench_works_in_a_database_of_its_own(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@%2Fsrv%2Fdata%2Frun/artops")
    assert bench_database_url() == "postgres://postgres@%2Fsrv%2Fdata%2Frun/artops_bench"
    monkeypatch.setenv("DATABASE_URL", "postgres://app:secret@db.example:5433/production?sslmode=require")
    assert bench_database_url() == "postgres://app:secret@db.example:5433/artops_bench?sslmode=require"
