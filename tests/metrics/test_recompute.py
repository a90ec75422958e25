"""The nightly recomputation: what a snapshot holds, idempotency, constant queries, the time-zone rule, locking."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction
from django.forms.models import model_to_dict

from artops.models import ART
from metrics import flow, services
from metrics.models import TeamSnapshot, TrainSnapshot
from planning.models import Feature
from tests.factories import ARTFactory, TeamFactory, make_pi
from tests.metrics.conftest import dependency, feature_with_moves, flowed, objective

F = Feature.State
DAY = date(2026, 1, 20)  # a Tuesday in Iteration 2 of the train's PI


def fill(train: ART, copies: int = 1) -> None:
    """Features, objectives and dependencies around DAY, ``copies`` times over."""
    for _ in range(copies):
        flowed(train, date(2026, 1, 6), date(2026, 1, 12), type=Feature.Type.ENABLER, job_size=5)
        flowed(train, date(2026, 1, 8), DAY, job_size=3)
        flowed(train, date(2026, 1, 9), None)
        feature_with_moves(train, [(F.FUNNEL, date(2026, 1, 2))])
        feature_with_moves(train, [(F.FUNNEL, date(2026, 1, 2)), (F.CANCELLED, date(2026, 1, 3))])
        objective(train.alpha, train.pi, planned=10, actual=8, assessed_on=date(2026, 1, 16))
        objective(train.alpha, train.pi, planned=5)
        objective(train.beta, train.pi, planned=6, actual=9, assessed_on=date(2026, 1, 16), committed=False)
        objective(train.beta, train.pi, planned=4, actual=2, assessed_on=date(2026, 1, 30))
        dependency(train, train.pi, needing=train.alpha, providing=train.beta, raised=date(2026, 1, 1))
        dependency(train, train.pi, needing=train.beta, providing=None, raised=date(2026, 1, 15))


def rows(model) -> list[dict]:
    return [model_to_dict(row) for row in model.objects.order_by("pk")]


@pytest.mark.django_db
def test_a_snapshot_holds_the_days_figures(train):
    fill(train)

    outcome = services.recompute_day(train.pk, DAY)

    assert outcome == services.Outcome(train.pk, DAY, computed=True, rows=3)
    snapshot = TrainSnapshot.objects.get(art=train, day=DAY)
    assert snapshot.pi == train.pi and not snapshot.final
    # 8 of 10 committed assessed so far (Beta's 2 of 4 came on 30 Jan), the stretch 9 on top: 17 / 10.
    assert (snapshot.objectives, snapshot.objectives_assessed) == (4, 2)
    assert snapshot.predictability == Decimal("170.0")
    assert (snapshot.accepted, snapshot.accepted_size, snapshot.accepted_in_iteration) == (1, 3, 1)
    assert (snapshot.accepted_in_pi, snapshot.accepted_business_in_pi, snapshot.accepted_enablers_in_pi) == (2, 1, 1)
    assert (snapshot.wip, snapshot.wip_limit, snapshot.features_implementing) == (1, 3, 1)
    assert (snapshot.features_funnel, snapshot.features_done, snapshot.features_cancelled) == (1, 2, 1)
    assert (snapshot.flow_time_count, snapshot.flow_time_median) == (2, Decimal("9.0"))
    # The same flow time as the period's, read through the ORM for the charts.
    period = flow.flow_time(train, DAY - timedelta(days=flow.FLOW_TIME_WINDOW_DAYS - 1), DAY)
    assert (period.count, period.median, period.p85, period.p95) == (
        snapshot.flow_time_count,
        snapshot.flow_time_median,
        snapshot.flow_time_p85,
        snapshot.flow_time_p95,
    )
    assert (snapshot.open_dependencies, snapshot.dependency_age_max, snapshot.dependencies_over_14) == (2, 19, 1)
    alpha = TeamSnapshot.objects.get(team=train.alpha, day=DAY)
    assert (alpha.predictability, alpha.objectives_assessed, alpha.open_dependencies) == (Decimal("80.0"), 1, 1)
    beta = TeamSnapshot.objects.get(team=train.beta, day=DAY)
    assert beta.predictability is None  # only the stretch objective is assessed so far


@pytest.mark.django_db
def test_running_the_same_day_twice_leaves_identical_rows(train):
    fill(train)
    services.recompute_day(train.pk, DAY)
    first = rows(TrainSnapshot), rows(TeamSnapshot)

    services.recompute_day(train.pk, DAY)

    assert (rows(TrainSnapshot), rows(TeamSnapshot)) == first
    assert TrainSnapshot.objects.count() == 1 and TeamSnapshot.objects.count() == 2


@pytest.mark.django_db
def test_one_train_and_day_costs_the_same_queries_at_two_sizes(django_assert_num_queries):
    small = ARTFactory(slug="small", time_zone="Europe/Berlin")
    large = ARTFactory(slug="large", time_zone="Europe/Berlin")
    for art, copies, teams in ((small, 1, 2), (large, 6, 8)):
        art.alpha, art.beta, *_ = [TeamFactory(art=art) for _ in range(teams)]
        art.pi = make_pi(art, name="PI 1", start=date(2026, 1, 5))
        fill(art, copies)

    # Savepoint, locks, teams, PIs, iterations, objectives, dependencies, acceptances, states, two upserts, release.
    for art in (small, large):
        with django_assert_num_queries(12):
            services.recompute(art, DAY)
    assert TeamSnapshot.objects.filter(art=large, day=DAY).count() == 8
    # A range of days costs the same queries as one day.
    with django_assert_num_queries(12):
        outcomes = services.recompute_range(large, DAY - timedelta(days=60), DAY)
    assert len(outcomes) == 61 and all(outcome.computed for outcome in outcomes)


@pytest.mark.django_db
def test_a_range_computes_each_day_as_one_day_alone_would(train):
    fill(train)
    first, last = date(2026, 1, 1), date(2026, 2, 5)
    services.recompute_range(train, first, last)
    in_one_go = rows(TrainSnapshot), rows(TeamSnapshot)
    TrainSnapshot.objects.all().delete()
    TeamSnapshot.objects.all().delete()

    for offset in range((last - first).days + 1):
        services.recompute(train, first + timedelta(days=offset))

    def without_ids(table):
        return [{k: v for k, v in row.items() if k != "id"} for row in table]

    one_by_one = rows(TrainSnapshot), rows(TeamSnapshot)
    assert sorted(map(repr, without_ids(one_by_one[0]))) == sorted(map(repr, without_ids(in_one_go[0])))
    assert sorted(map(repr, without_ids(one_by_one[1]))) == sorted(map(repr, without_ids(in_one_go[1])))


@pytest.mark.django_db
def test_at_1630_utc_singapore_is_due_and_new_york_is_not():
    singapore = ARTFactory(slug="singapore", time_zone="Asia/Singapore")
    new_york = ARTFactory(slug="new-york", time_zone="America/New_York")

    # 05:30 UTC on 2 March: 00:30 in New York, 13:30 in Singapore; both computed for their 1 March.
    with time_machine.travel(datetime(2026, 3, 2, 5, 30, tzinfo=UTC), tick=False):
        assert {(art.slug, first, last) for art, first, last in services.due_trains(datetime.now(UTC))} == {
            ("singapore", date(2026, 3, 1), date(2026, 3, 1)),
            ("new-york", date(2026, 3, 1), date(2026, 3, 1)),
        }
        services.recompute_due(datetime.now(UTC))

    # 16:30 UTC: 00:30 on 3 March in Singapore (its 2 March has ended), 11:30 on 2 March in New York.
    with time_machine.travel(datetime(2026, 3, 2, 16, 30, tzinfo=UTC), tick=False):
        now = datetime.now(UTC)
        assert [(art.slug, last) for art, _, last in services.due_trains(now)] == [("singapore", date(2026, 3, 2))]
        outcomes = services.recompute_due(now)
        assert [(o.art_id, o.day, o.computed) for o in outcomes] == [(singapore.pk, date(2026, 3, 2), True)]
        assert services.due_trains(now) == []

    assert set(TrainSnapshot.objects.values_list("art__slug", "day")) == {
        ("singapore", date(2026, 3, 1)),
        ("singapore", date(2026, 3, 2)),
        ("new-york", date(2026, 3, 1)),
    }
    assert not services.has_ended(new_york, date(2026, 3, 2), datetime(2026, 3, 2, 16, 30, tzinfo=UTC))


@pytest.mark.django_db
def test_missed_nights_are_caught_up_for_a_week_at_most():
    art = ARTFactory(slug="berlin", time_zone="Europe/Berlin")
    services.recompute(art, date(2026, 3, 1))

    # Workers down from Monday to Thursday night: Friday 01:30 in Berlin computes 2 to 5 March.
    friday = datetime(2026, 3, 6, 0, 30, tzinfo=UTC)
    assert [(first, last) for _, first, last in services.due_trains(friday)] == [(date(2026, 3, 2), date(2026, 3, 5))]
    assert [outcome.day for outcome in services.recompute_due(friday)] == [date(2026, 3, d) for d in (2, 3, 4, 5)]

    # Down for a month: the last week only; older days are for a backfill.
    later = datetime(2026, 4, 6, 0, 30, tzinfo=UTC)
    assert [(first, last) for _, first, last in services.due_trains(later)] == [(date(2026, 3, 30), date(2026, 4, 5))]


@pytest.mark.django_db(transaction=True)
def test_a_train_and_day_being_computed_elsewhere_is_skipped(train):
    fill(train)
    with transaction.atomic():
        assert services._try_lock(train.pk, DAY)  # another process is at it
        result = {}

        def other_worker():
            try:
                result["outcome"] = services.recompute_day(train.pk, DAY)
            finally:
                connection.close()

        thread = threading.Thread(target=other_worker)
        thread.start()
        thread.join(timeout=60)

    assert result["outcome"] == services.Outcome(train.pk, DAY, computed=False)
    assert not TrainSnapshot.objects.exists()
    # Another day of the same train is not held by that lock.
    assert services.recompute_day(train.pk, DAY + timedelta(days=1)).computed


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_for_the_same_train_and_day_leave_one_set_of_rows(train):
    fill(train)
    start = threading.Barrier(2)
    outcomes = []

    def worker():
        try:
            start.wait(timeout=30)
            outcomes.append(services.recompute_day(train.pk, DAY))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == 2 and any(outcome.computed for outcome in outcomes)
    assert TrainSnapshot.objects.filter(art=train, day=DAY).count() == 1
    assert TeamSnapshot.objects.filter(art=train, day=DAY).count() == 2
