"""The nightly part of ``make bench`` at a tiny size, so that its machinery cannot rot."""

from datetime import date

from bench import portfolio
from metrics.models import TeamSnapshot, TrainSnapshot
from planning.models import Feature, FeatureStateChange, PIObjective
from risks.models import Dependency

TINY = portfolio.Portfolio("tiny", trains=3, teams=3, features=3 * 16 * 40, dependencies=3 * 16 * 25)


def test_the_portfolio_is_seeded_in_sql_and_its_night_timed(db):
    small = portfolio.seed(TINY, prefix="small")
    smaller = portfolio.seed(portfolio.Portfolio("smaller", 3, 3, 3 * 16 * 4, 3 * 16 * 3), prefix="smaller")

    assert Feature.objects.filter(art_id__in=small).count() == TINY.features
    assert Dependency.objects.filter(art_id__in=small).count() == TINY.dependencies
    assert PIObjective.objects.filter(team__art_id__in=small).count() == 3 * 3 * 16 * 3  # trains, teams, PIs
    # Every feature's state is the last of its moves, and nothing moved after the day benchmarked.
    last = (
        FeatureStateChange.objects.filter(feature__art_id__in=small)
        .order_by("feature_id", "-at")
        .distinct("feature_id")
    )
    assert {(move.feature_id, move.to_state) for move in last} == set(
        Feature.objects.filter(art_id__in=small).values_list("pk", "state")
    )
    assert not FeatureStateChange.objects.filter(at__date__gt=portfolio.DAY).exists()
    assert Dependency.objects.filter(art_id__in=small).open().exists()
    assert Feature.objects.filter(art_id__in=small, state="done").exists()

    nights = [portfolio.night(TINY, small), portfolio.night(TINY, smaller)]

    assert TrainSnapshot.objects.filter(day=portfolio.DAY).count() == 6
    assert TeamSnapshot.objects.filter(day=portfolio.DAY).count() == 18
    assert [night.rows for night in nights] == [3 * 4, 3 * 4]
    snapshot = TrainSnapshot.objects.filter(art_id=small[0]).get()
    assert snapshot.pi.start_date == date(2026, 11, 16) and snapshot.accepted_in_pi > 0
    assert snapshot.open_dependencies > 0 and snapshot.predictability is not None
    # The same number of queries at both sizes; the table shows both.
    assert nights[0].queries == nights[1].queries
    assert not [problem for problem in portfolio.failures(nights) if "query count" in problem]
    assert len(portfolio.table(nights).splitlines()) == 4
