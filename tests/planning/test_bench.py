"""``make bench`` at a tiny size, so that its machinery cannot rot: seeding, the baseline, timing, the table."""

from rest_framework.test import APIClient

from bench import measure, seed
from bench.run import bench_database_url
from planning.models import Feature, FeaturePlacement
from risks.models import Dependency

HISTORY = seed.Size("history", teams=2, features=6, dependencies=4)
SMALL = seed.Size("small", teams=2, features=10, dependencies=6)
LARGER = seed.Size("larger", teams=2, features=30, dependencies=6)


def test_bench_seeds_times_and_tabulates_at_a_tiny_size(db):
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
        ("small", measure.API),
        ("larger", measure.PAGE),
        ("larger", measure.API),
    ]
    assert all(result.median_ms > 0 and result.baseline_ms > 0 for result in results)
    # Ratios at this size are noise; the query counts are not.
    assert not [problem for problem in measure.failures(results) if "query count" in problem]
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
