"""Forecasts from the train's own throughput history, by Monte Carlo simulation.

History: features accepted per whole week (Monday to Sunday, in the train's time zone) over
the last ``HISTORY_WEEKS`` weeks, from the train's first acceptance on. Weeks rather than
iterations: a train has two iterations a month but four weeks, so a quarter of history gives
13 samples instead of 6, and a week is short enough for the forecast to react to change.
Weeks in which nothing was accepted are history too (they are kept as zeros).

A simulated future draws each week's throughput at random from that history (10,000 runs):

- "When will these N features be done?": the week in which each run reaches N; the 50%,
  85% and 95% dates are the days by which that share of the runs had finished;
- "How many features by the end of this PI?": the features each run accepts in the whole
  weeks left; the 85% count is the number reached or beaten in 85% of the runs (the 15th
  percentile), and so on.

With fewer than ``MIN_WEEKS`` weeks of history, or none of them with an acceptance, it
refuses and says why instead of forecasting. The same seed gives the same forecast.
Only aggregates of the train; never anything about a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from artops.models import ART, ProgramIncrement
from metrics import flow

RUNS = 10_000
MIN_WEEKS = 6
HISTORY_WEEKS = 26
MAX_FEATURES = 500
HORIZON_WEEKS = 520
CONFIDENCES = (50, 85, 95)
SEED = 2026


class ForecastRefused(ValueError):
    """A forecast that cannot be made honestly, or a question outside the bounds; the message says why."""


@dataclass(frozen=True)
class DateForecast:
    """When ``features`` features will be done: {confidence %: the day by which they are, with that confidence}."""

    features: int
    history: tuple[int, ...]
    dates: dict[int, date]


@dataclass(frozen=True)
class CountForecast:
    """How many features in ``weeks`` whole weeks: {confidence %: at least that many, with that confidence}."""

    weeks: int
    history: tuple[int, ...]
    counts: dict[int, int]


def checked_history(history: list[int]) -> np.ndarray:
    """The weekly throughput as an array, or a refusal when there is too little of it to forecast from."""
    if len(history) < MIN_WEEKS:
        raise ForecastRefused(
            f"Not enough history to forecast: {len(history)} week(s) of throughput, at least {MIN_WEEKS} are needed."
        )
    weekly = np.asarray(history, dtype=np.int64)
    if weekly.min() < 0:
        raise ForecastRefused("Throughput cannot be negative.")
    if weekly.sum() == 0:
        raise ForecastRefused(
            f"No feature was accepted in the last {len(history)} weeks: there is no pace to forecast from."
        )
    return weekly


def check_features(features: int) -> int:
    if isinstance(features, bool) or not isinstance(features, int) or not 1 <= features <= MAX_FEATURES:
        raise ForecastRefused(f"Ask about 1 to {MAX_FEATURES} features (not {features}).")
    return features


def weeks_to_finish(history: list[int], features: int, *, runs: int = RUNS, seed: int = SEED) -> np.ndarray:
    """For each simulated run, the number of weeks it takes to accept ``features`` features."""
    weekly = checked_history(history)
    check_features(features)
    rng = np.random.default_rng(seed)
    done = np.zeros(runs, dtype=np.int64)
    weeks = np.zeros(runs, dtype=np.int64)
    for week in range(1, HORIZON_WEEKS + 1):
        active = done < features
        if not active.any():
            return weeks
        done[active] += rng.choice(weekly, size=int(active.sum()))
        weeks[active] = week
    raise ForecastRefused(
        f"At the pace of the last {len(weekly)} weeks, {features} features would take more than "
        f"{HORIZON_WEEKS // 52} years: no forecast."
    )


def when_done(history: list[int], features: int, *, start: date, runs: int = RUNS, seed: int = SEED) -> DateForecast:
    """The days by which ``features`` features are done with 50, 85 and 95% confidence, counting from ``start``."""
    weeks = weeks_to_finish(history, features, runs=runs, seed=seed)
    dates = {
        confidence: start + timedelta(weeks=int(np.percentile(weeks, confidence, method="higher")))
        for confidence in CONFIDENCES
    }
    return DateForecast(features=features, history=tuple(history), dates=dates)


def how_many(history: list[int], *, weeks: int, runs: int = RUNS, seed: int = SEED) -> CountForecast:
    """How many features ``weeks`` whole weeks bring, reached or beaten with 50, 85 and 95% confidence."""
    weekly = checked_history(history)
    if weeks < 1:
        raise ForecastRefused("Less than a whole week is left: there is nothing to forecast.")
    rng = np.random.default_rng(seed)
    totals = rng.choice(weekly, size=(runs, weeks)).sum(axis=1)
    counts = {confidence: int(np.percentile(totals, 100 - confidence, method="lower")) for confidence in CONFIDENCES}
    return CountForecast(weeks=weeks, history=tuple(history), counts=counts)


# --- from the train's data --------------------------------------------------------------------------


def history_of(art: ART, today: date) -> list[int]:
    """The train's weekly throughput: the whole weeks before ``today`` (two queries)."""
    return flow.weekly_throughput(art, until=today - timedelta(days=1), weeks=HISTORY_WEEKS)


def forecast_when_done(art: ART, features: int, *, today: date | None = None, seed: int = SEED) -> DateForecast:
    """ "When will these N features be done?" for the train, from its own history."""
    check_features(features)
    today = today or art.today()
    return when_done(history_of(art, today), features, start=today, seed=seed)


def forecast_pi_end(art: ART, pi: ProgramIncrement, *, today: date | None = None, seed: int = SEED) -> CountForecast:
    """ "How many more features by the end of this PI?" for the train: the whole weeks left until its last day."""
    today = today or art.today()
    if pi.end_date < today:
        raise ForecastRefused(f"{pi.name} is over: there is nothing to forecast.")
    weeks = (pi.end_date - today).days // 7
    return how_many(history_of(art, today), weeks=weeks, seed=seed)
