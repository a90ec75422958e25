"""The PI cadence: pure date arithmetic, no database."""

import itertools
from datetime import date, timedelta

import pytest

from artops.cadence import PlannedIteration, pi_end_date, plan_iterations

# (start, iteration weeks, development iterations, expected PI end date)
CADENCES = [
    pytest.param(date(2026, 10, 5), 2, 4, date(2026, 12, 13), id="default-4x2w+IP"),
    pytest.param(date(2026, 1, 5), 1, 4, date(2026, 2, 8), id="1-week"),
    pytest.param(date(2026, 1, 5), 3, 3, date(2026, 3, 29), id="3x3w+IP"),
    pytest.param(date(2026, 1, 5), 2, 6, date(2026, 4, 12), id="6x2w+IP"),
    pytest.param(date(2026, 1, 5), 4, 8, date(2026, 9, 13), id="longest-8x4w+IP"),
    pytest.param(date(2026, 1, 5), 1, 1, date(2026, 1, 18), id="shortest-1x1w+IP"),
    pytest.param(date(2027, 12, 20), 2, 4, date(2028, 2, 27), id="across-new-year-and-leap-february"),
]


@pytest.mark.parametrize(("start", "weeks", "dev", "end"), CADENCES)
def test_plan_iterations_is_contiguous_and_covers_the_pi(start, weeks, dev, end):
    iterations = plan_iterations(start, iteration_weeks=weeks, development_iterations=dev)

    assert len(iterations) == dev + 1
    assert [it.number for it in iterations] == list(range(1, dev + 2))
    assert [it.name for it in iterations] == [f"Iteration {n}" for n in range(1, dev + 1)] + ["IP"]
    assert [it.is_ip for it in iterations] == [False] * dev + [True]
    # Covers start..end exactly: first starts on the PI start, last (IP) ends on the PI end.
    assert iterations[0].start_date == start
    assert iterations[-1].end_date == end
    for it in iterations:
        assert it.end_date - it.start_date == timedelta(weeks=weeks, days=-1)
    # Contiguous: each starts the day after the previous ends (no gap, no overlap).
    for previous, current in itertools.pairwise(iterations):
        assert current.start_date == previous.end_date + timedelta(days=1)
    days_covered = sum((it.end_date - it.start_date).days + 1 for it in iterations)
    assert days_covered == (end - start).days + 1


@pytest.mark.parametrize(("start", "weeks", "dev", "end"), CADENCES)
def test_pi_end_date_is_last_day_of_ip_iteration(start, weeks, dev, end):
    assert pi_end_date(start, iteration_weeks=weeks, development_iterations=dev) == end
    assert plan_iterations(start, iteration_weeks=weeks, development_iterations=dev)[-1].end_date == end


def test_default_cadence_written_out():
    assert plan_iterations(date(2026, 10, 5), iteration_weeks=2, development_iterations=4) == [
        PlannedIteration(1, "Iteration 1", date(2026, 10, 5), date(2026, 10, 18), is_ip=False),
        PlannedIteration(2, "Iteration 2", date(2026, 10, 19), date(2026, 11, 1), is_ip=False),
        PlannedIteration(3, "Iteration 3", date(2026, 11, 2), date(2026, 11, 15), is_ip=False),
        PlannedIteration(4, "Iteration 4", date(2026, 11, 16), date(2026, 11, 29), is_ip=False),
        PlannedIteration(5, "IP", date(2026, 11, 30), date(2026, 12, 13), is_ip=True),
    ]


def test_three_week_cadence_written_out():
    iterations = plan_iterations(date(2026, 1, 5), iteration_weeks=3, development_iterations=3)
    assert [(it.name, it.start_date, it.end_date) for it in iterations] == [
        ("Iteration 1", date(2026, 1, 5), date(2026, 1, 25)),
        ("Iteration 2", date(2026, 1, 26), date(2026, 2, 15)),
        ("Iteration 3", date(2026, 2, 16), date(2026, 3, 8)),
        ("IP", date(2026, 3, 9), date(2026, 3, 29)),
    ]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 10, 4), False),
        (date(2026, 10, 5), True),
        (date(2026, 10, 12), True),
        (date(2026, 10, 18), True),
        (date(2026, 10, 19), False),
    ],
)
def test_planned_iteration_contains_is_inclusive(day, expected):
    first = plan_iterations(date(2026, 10, 5), iteration_weeks=2, development_iterations=4)[0]
    assert first.contains(day) is expected
