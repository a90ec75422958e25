"""The backlog's services: capabilities by feature type, versions, state history."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from planning import services
from planning.models import Feature, FeatureStateChange
from tests.factories import make_pi
from tests.planning.factories import FeatureFactory


def test_create_feature_keys_it_and_records_the_funnel(art, product_manager):
    feature = services.create_feature(art, title="  One-click refunds ", by=product_manager, job_size=5)
    assert (feature.key, feature.title, feature.state, feature.version) == ("PAY-1", "One-click refunds", "funnel", 1)
    change = FeatureStateChange.objects.get(feature=feature)
    assert (change.from_state, change.to_state, change.by) == ("", "funnel", product_manager)


def test_refused_input_takes_no_key(art, product_manager):
    with pytest.raises(ValidationError):
        services.create_feature(art, title="Bad", by=product_manager, job_size=4)
    assert services.create_feature(art, title="Good", by=product_manager).key == "PAY-1"
    assert Feature.objects.count() == 1


@pytest.mark.parametrize(
    ("persona", "business", "enabler"),
    [
        ("rte", True, True),
        ("product_manager", True, True),
        ("system_architect", False, True),
        ("business_owner", False, False),
        ("scrum_master", False, False),
        ("team_member", False, False),
        ("outsider", False, False),
    ],
)
def test_who_may_create_which_type(art, persona, business, enabler, request):
    user = request.getfixturevalue(persona)
    for feature_type, allowed in (("business", business), ("enabler", enabler)):
        if allowed:
            services.create_feature(art, title=feature_type, type=feature_type, by=user)
        else:
            with pytest.raises(PermissionDenied):
                services.create_feature(art, title=feature_type, type=feature_type, by=user)


def test_architect_cannot_turn_an_enabler_into_a_business_feature(art, system_architect):
    enabler = FeatureFactory(art=art, type="enabler")
    with pytest.raises(PermissionDenied):
        services.update_feature(enabler, by=system_architect, expected_version=1, type="business")
    enabler.refresh_from_db()
    assert (enabler.type, enabler.version) == ("enabler", 1)


def test_update_feature_changes_wsjf_and_bumps_the_version(art, product_manager, pi):
    feature = FeatureFactory(art=art)
    feature = services.update_feature(
        feature, by=product_manager, expected_version=1, user_business_value=13, job_size=2, pi=pi
    )
    assert (feature.cost_of_delay, str(feature.wsjf), feature.version, feature.pi) == (15, "7.50", 2, pi)


def test_stale_version_is_refused_and_nothing_changes(art, product_manager, rte):
    feature = FeatureFactory(art=art)
    services.update_feature(feature, by=rte, expected_version=1, job_size=8)
    with pytest.raises(services.StaleVersion, match="changed PAY-1 a moment ago"):
        services.update_feature(feature, by=product_manager, expected_version=1, job_size=2)
    feature.refresh_from_db()
    assert (feature.job_size, feature.version) == (8, 2)


def test_pi_of_another_train_is_refused(art, other_art, product_manager):
    from datetime import date

    foreign = make_pi(other_art, name="Elsewhere", start=date(2026, 1, 5))
    feature = FeatureFactory(art=art)
    with pytest.raises(ValidationError):
        services.update_feature(feature, by=product_manager, expected_version=1, pi=foreign)
    feature.refresh_from_db()
    assert (feature.pi, feature.version) == (None, 1)


def test_state_changes_are_recorded_and_follow_the_flow(art, product_manager):
    feature = FeatureFactory(art=art)
    feature = services.change_feature_state(feature, to="analyzing", by=product_manager, expected_version=1)
    feature = services.change_feature_state(feature, to="backlog", by=product_manager, expected_version=2)
    with pytest.raises(ValidationError, match="moves to Analyzing, Implementing, Cancelled"):
        services.change_feature_state(feature, to="done", by=product_manager, expected_version=3)
    feature = services.change_feature_state(feature, to="cancelled", by=product_manager, expected_version=3)
    with pytest.raises(ValidationError, match="nowhere"):
        services.change_feature_state(feature, to="funnel", by=product_manager, expected_version=4)
    moves = list(feature.state_changes.order_by("at", "id").values_list("from_state", "to_state"))
    assert moves == [("funnel", "analyzing"), ("analyzing", "backlog"), ("backlog", "cancelled")]
