"""Predictability through the services: DESIGN.md's roll-up, stretch objectives, "so far" with k of n, final."""

from datetime import date
from decimal import Decimal

import pytest

from artops.models import ProgramIncrement
from metrics.predictability import pi_predictability, predictability_trend
from planning.models import PIObjective
from tests.factories import TeamFactory, make_pi
from tests.metrics.conftest import objective

pytestmark = pytest.mark.django_db


def close(pi):
    ProgramIncrement.objects.filter(pk=pi.pk).update(state=ProgramIncrement.State.CLOSED)
    pi.refresh_from_db()
    return pi


def test_the_train_is_the_ratio_of_sums_not_the_mean_of_ratios(train):
    """DESIGN.md: team A 10 of 10, team B 18 of 30 → the train 28 of 40 = 70%, not (100 + 60) / 2 = 80%."""
    pi = close(train.pi)
    objective(train.alpha, pi, planned=10, actual=10)
    for actual in (6, 6, 6):
        objective(train.beta, pi, planned=10, actual=actual)

    figures = pi_predictability(pi)

    assert figures.of(train.alpha.pk).predictability == Decimal("100.0")
    assert figures.of(train.beta.pk).predictability == Decimal("60.0")
    assert figures.train.predictability == Decimal("70.0")
    assert (figures.train.actual_bv, figures.train.planned_committed_bv) == (28, 40)
    assert figures.train.final and figures.train.label == "final"


def test_stretch_objectives_lift_a_team_above_100(train):
    pi = close(train.pi)
    objective(train.alpha, pi, planned=10, actual=9)
    objective(train.alpha, pi, planned=5, actual=4, committed=False)

    figures = pi_predictability(pi).of(train.alpha.pk)

    # (9 + 4) / 10: the stretch objective's planned value is not in the denominator.
    assert figures.predictability == Decimal("130.0")
    assert figures.planned_committed_bv == 10


def test_so_far_counts_only_the_objectives_assessed_with_k_of_n(train):
    """While the PI runs: 2 of 4 assessed (8 → 7, 6 → 6) read 13 / 14, not 13 / 23 as if the rest were 0."""
    objective(train.alpha, train.pi, planned=8, actual=7)
    objective(train.alpha, train.pi, planned=6, actual=6)
    objective(train.alpha, train.pi, planned=5)
    objective(train.alpha, train.pi, planned=4)
    objective(train.beta, train.pi, planned=9)

    figures = pi_predictability(train.pi)
    alpha = figures.of(train.alpha.pk)

    assert not alpha.final and alpha.label == "so far"
    assert alpha.predictability == Decimal("92.9")
    assert alpha.assessed_text == "2 of 4 objectives assessed"
    # Beta has nothing assessed: no figure yet, never 0%.
    assert figures.of(train.beta.pk).predictability is None
    assert figures.train.predictability == Decimal("92.9")
    assert figures.train.assessed_text == "2 of 5 objectives assessed"


def test_the_figure_is_final_once_the_pi_is_closed_and_unassessed_objectives_then_count_zero(train):
    objective(train.alpha, train.pi, planned=8, actual=7)
    objective(train.alpha, train.pi, planned=6)
    pi = close(train.pi)

    alpha = pi_predictability(pi).of(train.alpha.pk)

    assert alpha.final
    assert alpha.predictability == Decimal("50.0")  # 7 / 14


def test_no_committed_planned_value_means_no_figure(train):
    pi = close(train.pi)
    objective(train.alpha, pi, planned=5, actual=5, committed=False)
    objective(train.beta, pi, planned=None, actual=3)

    figures = pi_predictability(pi)

    assert figures.of(train.alpha.pk).predictability is None
    assert figures.of(train.beta.pk).predictability is None
    assert figures.train.predictability is None
    # A team without any objective: empty sums, no figure.
    assert pi_predictability(pi).of(TeamFactory(art=train).pk).predictability is None


def test_a_past_day_reads_the_actual_values_as_they_stood_then(train):
    objective(train.alpha, train.pi, planned=10, actual=8, assessed_on=date(2026, 2, 13))
    objective(train.alpha, train.pi, planned=10, actual=10, assessed_on=date(2026, 2, 27))

    before = pi_predictability(train.pi, day=date(2026, 2, 12)).train
    between = pi_predictability(train.pi, day=date(2026, 2, 13)).train
    after = pi_predictability(train.pi, day=date(2026, 2, 27)).train

    assert (before.objectives_assessed, before.predictability) == (0, None)
    assert (between.objectives_assessed, between.predictability) == (1, Decimal("80.0"))
    assert (after.objectives_assessed, after.predictability) == (2, Decimal("90.0"))


def test_the_final_figure_agrees_with_the_objectives_page_totals(train):
    pi = close(train.pi)
    objective(train.alpha, pi, planned=9, actual=8)
    objective(train.alpha, pi, planned=3, actual=5, committed=False)
    objective(train.beta, pi, planned=7, actual=0)

    figures = pi_predictability(pi)
    totals = PIObjective.objects.for_pi(pi).totals_by_team()

    for team in (train.alpha, train.beta):
        assert figures.of(team.pk).predictability == totals[team.pk]["predictability"]
    assert figures.train.predictability == PIObjective.objects.for_pi(pi).art_totals()["predictability"]


def test_the_trend_across_pis_is_one_query(train, django_assert_num_queries):
    earlier = close(make_pi(train, name="PI 2025.5", start=date(2025, 10, 27)))
    objective(train.alpha, earlier, planned=10, actual=7)
    objective(train.alpha, train.pi, planned=10, actual=9)

    with django_assert_num_queries(1):
        trend = predictability_trend([earlier, train.pi])

    assert trend[earlier.pk].train.predictability == Decimal("70.0") and trend[earlier.pk].train.final
    assert trend[train.pi.pk].train.predictability == Decimal("90.0") and not trend[train.pi.pk].train.final
