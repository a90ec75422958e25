"""Dependency age on a fixed data set: median, max, over 14 and 30 days, histogram, team × team."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from metrics import dependencies
from risks.models import Dependency
from tests.metrics.conftest import dependency

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 1)


@pytest.fixture
def aged(train):
    """Open dependencies aged 1, 5, 15, 20, 31 and 40 days on TODAY, and one delivered."""
    for days, needing, providing in [
        (1, "alpha", "beta"),
        (5, "alpha", "beta"),
        (15, "alpha", None),
        (20, "beta", "alpha"),
        (31, "beta", "alpha"),
        (40, "alpha", "beta"),
    ]:
        dependency(
            train,
            train.pi,
            needing=getattr(train, needing),
            providing=getattr(train, providing) if providing else None,
            raised=TODAY - timedelta(days=days),
        )
    dependency(train, train.pi, needing=train.alpha, providing=train.beta, raised=date(2026, 1, 5), closed=TODAY)
    return train


def test_ages_of_the_open_dependencies(aged):
    age = dependencies.dependency_age(aged, TODAY)

    assert (age.open, age.median, age.max, age.over_14, age.over_30) == (6, Decimal("17.5"), 40, 4, 2)
    assert age.histogram == (("0–7 days", 2), ("8–14 days", 0), ("15–30 days", 2), ("over 30 days", 2))


def test_the_age_is_the_rule_of_the_dependency_model(aged):
    ages = sorted(d.age(TODAY) for d in Dependency.objects.filter(art=aged).open().select_related("art"))
    assert ages == [1, 5, 15, 20, 31, 40]
    assert dependencies.dependency_age(aged, TODAY).max == max(ages)


def test_a_past_day_sees_the_dependencies_open_then_at_their_age_then(aged):
    # On 20 February: raised 9, 10 and 29 Jan, 5 Jan (delivered only on 1 March) and 9 Feb; younger ones not yet raised.
    age = dependencies.dependency_age(aged, date(2026, 2, 20))

    assert age.open == 5
    assert age.max == 46  # the one raised on 5 January, still open then
    assert dependencies.dependency_age(aged, date(2025, 12, 1)).open == 0


def test_per_team_and_team_by_team(aged):
    by_team = dependencies.dependency_age_by_team(aged, TODAY)
    assert (by_team[aged.alpha.pk].open, by_team[aged.alpha.pk].median) == (4, Decimal("10.0"))
    assert (by_team[aged.beta.pk].open, by_team[aged.beta.pk].max) == (2, 31)

    pairs = {(p.needing_team_id, p.providing_team_id, p.external_party): (p.open, p.median)
             for p in dependencies.dependency_matrix(aged, TODAY)}  # fmt: skip
    assert pairs == {
        (aged.alpha.pk, aged.beta.pk, ""): (3, Decimal("5.0")),
        (aged.alpha.pk, None, "Card Vendor"): (1, Decimal("15.0")),
        (aged.beta.pk, aged.alpha.pk, ""): (2, Decimal("25.5")),
    }
