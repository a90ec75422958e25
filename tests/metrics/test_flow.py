"""Flow metrics on a fixed data set: throughput per iteration and PI, flow time percentiles, WIP, distribution."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from metrics import flow
from planning.models import Feature
from tests.metrics.conftest import feature_with_moves, flowed

pytestmark = pytest.mark.django_db
F = Feature.State
MONDAY = date(2026, 1, 5)


def test_flow_time_percentiles_and_distribution(train):
    # Flow times 2, 4, 6, 8, 10 and 20 days, all accepted in January.
    for days in (2, 4, 6, 8, 10, 20):
        flowed(train, MONDAY, MONDAY + timedelta(days=days))
    flowed(train, MONDAY, None)  # still implementing: no flow time yet

    result = flow.flow_time(train, date(2026, 1, 1), date(2026, 1, 31))

    assert result.count == 6
    # percentile_cont interpolates: the median sits between 6 and 8; 0.85 × 5 = 4.25 → 10 + 0.25 × 10.
    assert (result.median, result.p85, result.p95) == (Decimal("7.0"), Decimal("12.5"), Decimal("17.5"))
    assert result.distribution == ((2, 1), (4, 1), (6, 1), (8, 1), (10, 1), (20, 1))


def test_flow_time_counts_days_in_the_trains_time_zone(train):
    # Started 23:30 in Berlin on 5 Jan (22:30 UTC), done 00:30 on 7 Jan: two calendar days in Berlin.
    feature = feature_with_moves(
        train, [(F.FUNNEL, date(2026, 1, 2)), (F.IMPLEMENTING, MONDAY), (F.DONE, date(2026, 1, 7))]
    )
    berlin = train.tz
    feature.state_changes.filter(to_state=F.IMPLEMENTING).update(at=datetime(2026, 1, 5, 23, 30, tzinfo=berlin))
    feature.state_changes.filter(to_state=F.DONE).update(at=datetime(2026, 1, 7, 0, 30, tzinfo=berlin))

    assert flow.flow_time(train, MONDAY, date(2026, 1, 31)).distribution == ((2, 1),)


def test_throughput_per_iteration_and_per_pi(train):
    # Iterations of the PI: 5–18 Jan, 19 Jan–1 Feb, 2–15 Feb, 16 Feb–1 Mar, IP 2–15 Mar.
    for done, size in [(date(2026, 1, 9), 3), (date(2026, 1, 18), 5), (date(2026, 1, 20), 8), (date(2026, 2, 20), 2)]:
        flowed(train, MONDAY, done, job_size=size)
    flowed(train, date(2025, 12, 1), date(2025, 12, 20))  # before the PI

    per_iteration = flow.throughput_per_iteration(train.pi)

    assert [(t.timebox.number, t.accepted, t.size) for t in per_iteration] == [
        (1, 2, 8),
        (2, 1, 8),
        (3, 0, 0),
        (4, 1, 2),
        (5, 0, 0),
    ]
    assert [(t.accepted, t.size) for t in flow.throughput_per_pi(train, [train.pi])] == [(4, 18)]


def test_weekly_throughput_starts_at_the_first_acceptance_and_keeps_empty_weeks(train):
    for done in (date(2026, 1, 7), date(2026, 1, 8), date(2026, 1, 21)):
        flowed(train, MONDAY, done)

    # Until Sunday 1 February: weeks of 5 Jan (2), 12 Jan (0), 19 Jan (1), 26 Jan (0).
    assert flow.weekly_throughput(train, until=date(2026, 2, 3), weeks=10) == [2, 0, 1, 0]
    assert flow.weekly_throughput(train, until=date(2026, 2, 3), weeks=2) == [1, 0]


def test_flow_load_and_states_at_the_end_of_a_day(train):
    feature_with_moves(train, [(F.FUNNEL, date(2026, 1, 2)), (F.ANALYZING, date(2026, 1, 6))])
    flowed(train, MONDAY, None)
    flowed(train, MONDAY, date(2026, 1, 12))

    assert flow.flow_load(train) == flow.FlowLoad(wip=1, limit=3)
    on_jan_5 = flow.states_at_end_of(train, date(2026, 1, 5))
    assert (on_jan_5[F.FUNNEL], on_jan_5[F.IMPLEMENTING], on_jan_5[F.DONE]) == (1, 2, 0)
    on_jan_12 = flow.states_at_end_of(train, date(2026, 1, 12))
    assert (on_jan_12[F.ANALYZING], on_jan_12[F.IMPLEMENTING], on_jan_12[F.DONE]) == (1, 1, 1)
    # Before any feature existed.
    assert sum(flow.states_at_end_of(train, date(2025, 12, 1)).values()) == 0


def test_flow_distribution_of_a_pi(train):
    for kind in (Feature.Type.BUSINESS, Feature.Type.BUSINESS, Feature.Type.BUSINESS, Feature.Type.ENABLER):
        flowed(train, MONDAY, date(2026, 1, 20), type=kind)

    distribution = flow.flow_distribution(train.pi)

    assert (distribution.business, distribution.enablers, distribution.enabler_share) == (3, 1, Decimal("25.0"))
