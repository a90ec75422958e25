"""The ART backlog's model: WSJF computed and ranked by the database, the scale, the keys."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from planning.models import Feature
from tests.factories import make_pi
from tests.planning.factories import FeatureFactory


def inputs(ubv: int, tc: int, rr: int, size: int) -> dict:
    return {"user_business_value": ubv, "time_criticality": tc, "risk_reduction": rr, "job_size": size}


def test_design_worked_example_wsjf_24_ranks_above_17(art):
    # DESIGN.md: CoD 170 / size 10 = 17 ranks below CoD 120 / size 5 = 24; the same ratios on the scale.
    seventeen = FeatureFactory(art=art, title="Seventeen", **inputs(13, 2, 2, 1))
    twenty_four = FeatureFactory(art=art, title="Twenty-four", **inputs(8, 8, 8, 1))

    ranked = list(Feature.objects.for_art(art).ranked())

    assert ranked == [twenty_four, seventeen]
    assert (ranked[0].cost_of_delay, ranked[0].wsjf) == (24, Decimal("24.00"))
    assert (ranked[1].cost_of_delay, ranked[1].wsjf) == (17, Decimal("17.00"))


def test_wsjf_is_cost_of_delay_over_job_size_rounded_to_two_places(art):
    feature = FeatureFactory(art=art, **inputs(20, 13, 8, 3))
    feature.refresh_from_db()
    assert feature.cost_of_delay == 41
    assert feature.wsjf == Decimal("13.67")


def test_ties_rank_higher_cost_of_delay_first_then_older(art):
    # All three have WSJF 4: CoD 12 / 3, then CoD 8 / 2 created first, then CoD 8 / 2 created later.
    older_small = FeatureFactory(art=art, title="older small", **inputs(5, 2, 1, 2))
    newer_small = FeatureFactory(art=art, title="newer small", **inputs(3, 3, 2, 2))
    big = FeatureFactory(art=art, title="big", **inputs(5, 5, 2, 3))

    ranked = list(Feature.objects.for_art(art).ranked())

    assert [f.wsjf for f in ranked] == [Decimal(4)] * 3
    assert ranked == [big, older_small, newer_small]


@pytest.mark.parametrize("value", [0, 4, 21, -1])
def test_off_scale_value_is_refused_by_validation(art, value):
    feature = Feature(art=art, key="PAY-1", title="Off scale", **inputs(1, 1, 1, 1))
    feature.job_size = value
    with pytest.raises(ValidationError) as error:
        feature.full_clean()
    assert "modified Fibonacci scale" in " ".join(error.value.message_dict["job_size"])


@pytest.mark.parametrize("field", ["user_business_value", "time_criticality", "risk_reduction", "job_size"])
def test_off_scale_value_is_refused_by_the_database(art, field):
    feature = FeatureFactory(art=art)
    with pytest.raises(IntegrityError), transaction.atomic():
        Feature.objects.filter(pk=feature.pk).update(**{field: 4})


def test_pi_of_another_train_is_refused(art, other_art):
    foreign = make_pi(other_art, name="PI elsewhere", start=date(2026, 1, 5))
    feature = Feature(art=art, key="PAY-1", title="Wrong PI", pi=foreign, **inputs(1, 1, 1, 1))
    with pytest.raises(ValidationError) as error:
        feature.full_clean()
    assert error.value.message_dict["pi"] == ["That PI belongs to another train."]


def test_keys_count_per_train(art, other_art):
    assert [FeatureFactory(art=art).key for _ in range(3)] == ["PAY-1", "PAY-2", "PAY-3"]
    assert FeatureFactory(art=other_art).key == "LEN-1"
