"""The Monte Carlo forecast: deterministic on a seed, refusing too little history and out-of-bounds questions."""

from datetime import date, timedelta

import pytest

from metrics import forecast
from tests.metrics.conftest import flowed

HISTORY = [3, 0, 5, 2, 4, 1, 6, 2]  # features accepted per week, oldest first
START = date(2026, 3, 2)


def test_when_will_n_features_be_done_is_deterministic_on_a_seed():
    first = forecast.when_done(HISTORY, 30, start=START, seed=7)
    again = forecast.when_done(HISTORY, 30, start=START, seed=7)

    assert first == again
    assert first.dates == {
        50: START + timedelta(weeks=11),
        85: START + timedelta(weeks=13),
        95: START + timedelta(weeks=15),
    }
    # At the mean pace (2.875 a week) 30 features take about 10.4 weeks: the median is the next whole week.
    assert first.dates[50] <= first.dates[85] <= first.dates[95]


def test_how_many_by_a_date_is_deterministic_and_more_confidence_means_fewer_features():
    result = forecast.how_many(HISTORY, weeks=6, seed=7)

    assert result == forecast.how_many(HISTORY, weeks=6, seed=7)
    # Mean 17.25 over six weeks, standard deviation about 4.7: the 15th and 5th percentiles.
    assert result.counts == {50: 17, 85: 12, 95: 10}


def test_another_seed_moves_the_numbers_only_a_little():
    counts = forecast.how_many(HISTORY, weeks=6, seed=8).counts
    assert abs(counts[50] - 17) <= 1


@pytest.mark.parametrize(
    ("history", "message"),
    [
        ([3, 2, 4, 1, 5], "Not enough history to forecast: 5 week(s) of throughput, at least 6 are needed."),
        ([], "Not enough history"),
        ([0, 0, 0, 0, 0, 0, 0], "No feature was accepted in the last 7 weeks"),
    ],
)
def test_too_little_history_is_refused_with_the_reason(history, message):
    with pytest.raises(forecast.ForecastRefused) as refused:
        forecast.when_done(history, 10, start=START)
    assert str(refused.value).startswith(message)
    with pytest.raises(forecast.ForecastRefused):
        forecast.how_many(history, weeks=4)


@pytest.mark.parametrize("features", [0, -1, 501, 1000, True, "10"])
def test_the_number_of_features_is_1_to_500(features):
    with pytest.raises(forecast.ForecastRefused, match="Ask about 1 to 500 features"):
        forecast.when_done(HISTORY, features, start=START)


def test_the_edges_are_accepted():
    assert forecast.when_done(HISTORY, 1, start=START).dates[50] >= START
    assert forecast.when_done(HISTORY, 500, start=START).dates[95] > START


def test_a_pace_too_slow_for_the_horizon_is_refused():
    with pytest.raises(forecast.ForecastRefused, match="more than 10 years"):
        forecast.when_done([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 500, start=START, runs=100)


@pytest.mark.django_db
def test_the_forecast_of_a_train_reads_its_own_weekly_history(train):
    # Eight weeks from Monday 5 January: 2, 1, 0, 3, 1, 2, 1, 2 features.
    for week, count in enumerate([2, 1, 0, 3, 1, 2, 1, 2]):
        for _ in range(count):
            done = date(2026, 1, 5) + timedelta(weeks=week, days=2)
            flowed(train, done - timedelta(days=5), done)
    today = date(2026, 3, 4)  # a Wednesday: the week of 2 March is not whole yet

    assert forecast.history_of(train, today) == [2, 1, 0, 3, 1, 2, 1, 2]
    when = forecast.forecast_when_done(train, 10, today=today)
    assert when.dates[50] == forecast.when_done([2, 1, 0, 3, 1, 2, 1, 2], 10, start=today).dates[50]
    # The PI ends on 15 March: one whole week left.
    assert forecast.forecast_pi_end(train, train.pi, today=today).weeks == 1
    with pytest.raises(forecast.ForecastRefused, match="Not enough history"):
        forecast.forecast_when_done(train, 10, today=date(2026, 2, 4))
    with pytest.raises(forecast.ForecastRefused, match="Ask about 1 to 500"):
        forecast.forecast_when_done(train, 0, today=today)
