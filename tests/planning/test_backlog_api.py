"""The features API: permissions by type, the scale, versions, transitions, filters, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planning.models import Feature
from tests.api_helpers import api_status, api_url, client_for, expected
from tests.conftest import PERSONAS
from tests.planning.factories import FeatureFactory

EDITORS = {"business": {"rte", "product_manager"}, "enabler": {"rte", "product_manager", "system_architect"}}
LIST = api_url("feature")


def detail(feature: Feature, action: str = "") -> str:
    return api_url("feature", feature, action)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("feature_type", ["business", "enabler"])
def test_partial_update_permission_matrix(art, everyone, persona, feature_type, request):
    name = request.node.callspec.params["persona"]
    feature = FeatureFactory(art=art, type=feature_type)
    response = client_for(persona).patch(detail(feature), {"job_size": 8, "version": 1}, format="json")
    allowed = name in EDITORS[feature_type]
    assert api_status(response) == expected(name, allowed, 200)
    feature.refresh_from_db()
    assert feature.job_size == (8 if allowed else 1)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("feature_type", ["business", "enabler"])
def test_create_permission_matrix(art, everyone, persona, feature_type, request):
    name = request.node.callspec.params["persona"]
    payload = {"art": art.slug, "title": "New", "type": feature_type, "job_size": 3}
    response = client_for(persona).post(LIST, payload, format="json")
    allowed = name in EDITORS[feature_type]
    # An outsider names a train that is not theirs: a validation error, as for any unknown train.
    assert api_status(response) == expected(name, allowed, 201, outsider=400)
    assert Feature.objects.exists() == (response.status_code == 201)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_read_permission_matrix(art, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    feature = FeatureFactory(art=art)
    client = client_for(persona)
    assert api_status(client.get(detail(feature))) == expected(name, True, 200)
    listed = client.get(LIST)
    if name == "anonymous":
        assert api_status(listed) == 401
    else:
        assert listed.status_code == 200
        assert listed.json()["count"] == (0 if name == "outsider" else 1)


def test_create_returns_the_keyed_feature_with_wsjf(art, product_manager):
    response = client_for(product_manager).post(
        LIST,
        {"art": art.slug, "title": "Payouts", "user_business_value": 8, "time_criticality": 8, "risk_reduction": 8},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["key"], body["cost_of_delay"], body["wsjf"], body["version"]) == ("PAY-1", 24, 24.0, 1)


@pytest.mark.parametrize("value", [4, 21, 0, "abc", None])
def test_off_scale_values_are_refused(art, product_manager, value):
    feature = FeatureFactory(art=art)
    client = client_for(product_manager)
    response = client.patch(detail(feature), {"job_size": value, "version": 1}, format="json")
    assert response.status_code == 400
    assert "modified Fibonacci scale" in " ".join(response.json()["job_size"])
    created = client.post(LIST, {"art": art.slug, "title": "x", "risk_reduction": value}, format="json")
    assert created.status_code == 400
    feature.refresh_from_db()
    assert (feature.job_size, feature.version, Feature.objects.count()) == (1, 1, 1)


def test_version_is_required_and_a_stale_one_is_409(art, product_manager):
    feature = FeatureFactory(art=art)
    client = client_for(product_manager)
    assert client.patch(detail(feature), {"job_size": 8}, format="json").status_code == 400
    assert client.patch(detail(feature), {"job_size": 8, "version": 1}, format="json").status_code == 200
    stale = client.patch(detail(feature), {"job_size": 2, "version": 1}, format="json")
    assert stale.status_code == 409
    assert "a moment ago" in stale.json()["detail"]
    feature.refresh_from_db()
    assert (feature.job_size, feature.version) == (8, 2)


def test_transition_records_the_state_change(art, product_manager):
    feature = FeatureFactory(art=art)
    client = client_for(product_manager)
    response = client.post(detail(feature, "transition"), {"state": "analyzing", "version": 1}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "analyzing"
    assert client.post(detail(feature, "transition"), {"state": "done", "version": 2}).status_code == 400
    assert client.post(detail(feature, "transition"), {"state": "backlog", "version": 1}).status_code == 409
    assert list(feature.state_changes.values_list("from_state", "to_state")) == [("funnel", "analyzing")]


def test_transition_by_a_reader_is_403(art, business_owner):
    feature = FeatureFactory(art=art)
    response = client_for(business_owner).post(detail(feature, "transition"), {"state": "analyzing", "version": 1})
    assert response.status_code == 403
    feature.refresh_from_db()
    assert feature.state == "funnel"


def test_list_is_ranked_and_filtered(art, pi, other_art, rte):
    seventeen = FeatureFactory(art=art, user_business_value=13, time_criticality=2, risk_reduction=2, pi=pi)
    twenty_four = FeatureFactory(art=art, user_business_value=8, time_criticality=8, risk_reduction=8)
    enabler = FeatureFactory(art=art, type="enabler")
    client = client_for(rte)
    keys = [row["key"] for row in client.get(LIST).json()["results"]]
    assert keys == [twenty_four.key, seventeen.key, enabler.key]

    def filtered(**params) -> list[str]:
        return [row["key"] for row in client.get(LIST, params).json()["results"]]

    assert filtered(type="enabler") == [enabler.key]
    assert filtered(pi=pi.pk) == [seventeen.key]
    assert filtered(pi="none") == [twenty_four.key, enabler.key]
    assert filtered(art=art.slug, state="funnel") == keys
    assert filtered(art=other_art.slug) == []


# Session, user, COUNT(*) for the page, the page itself (features with their trains and PIs).
LIST_QUERIES = 4


def test_list_query_count_does_not_grow(art, pi, rte):
    client = client_for(rte)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(queries), response.json()["count"]

    FeatureFactory(art=art, pi=pi)
    small, small_rows = count()
    for number in range(30):
        FeatureFactory(art=art, pi=pi if number % 2 else None, type="enabler" if number % 3 else "business")
    large, large_rows = count()
    assert large_rows == small_rows + 30
    assert small == large == LIST_QUERIES
