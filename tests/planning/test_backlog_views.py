"""The backlog page, its htmx WSJF cell, the feature page and the CSV export."""

import csv
import io

import pytest

from planning.models import Feature
from tests.conftest import PERSONAS
from tests.helpers import HTMX, count_queries, expected, login, url
from tests.planning.factories import FeatureFactory

EDITORS = {"business": {"rte", "product_manager"}, "enabler": {"rte", "product_manager", "system_architect"}}


def ranks(content: bytes) -> list[str]:
    """Feature keys in the order of the table's rows."""
    html = content.decode()
    return [chunk.split('"', 1)[0] for chunk in html.split('<tr data-key="')[1:]]


# --- reading --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("page", ["backlog", "backlog_csv"])
def test_reading_permission_matrix(client, art, everyone, persona, page, request):
    name = request.node.callspec.params["persona"]
    FeatureFactory(art=art)
    response = login(client, persona).get(url(page, art))
    assert response.status_code == expected(name, True)


def test_backlog_is_ranked_by_wsjf(client, art, team_member):
    low = FeatureFactory(art=art, title="Seventeen", user_business_value=13, time_criticality=2, risk_reduction=2)
    high = FeatureFactory(art=art, title="Twenty-four", user_business_value=8, time_criticality=8, risk_reduction=8)
    response = login(client, team_member).get(url("backlog", art))
    assert ranks(response.content) == [high.key, low.key]
    # A reader sees numbers, not the selects of editors, and no add form.
    assert b'name="value"' not in response.content and b"Add a feature" not in response.content


def test_architect_gets_selects_for_enablers_only(client, art, system_architect):
    FeatureFactory(art=art, type="business", title="Biz")
    enabler = FeatureFactory(art=art, type="enabler", title="Runway")
    response = login(client, system_architect).get(url("backlog", art))
    assert response.content.count(b'name="value"') == 4
    assert f'aria-label="Job size of {enabler.key}"'.encode() in response.content


def test_filters_by_type_state_and_pi(client, art, pi, rte):
    planned = FeatureFactory(art=art, pi=pi, type="enabler")
    unplanned = FeatureFactory(art=art, state="analyzing")
    client = login(client, rte)
    assert ranks(client.get(url("backlog", art), {"type": "enabler"}).content) == [planned.key]
    assert ranks(client.get(url("backlog", art), {"state": "analyzing"}).content) == [unplanned.key]
    assert ranks(client.get(url("backlog", art), {"pi": pi.pk}).content) == [planned.key]
    assert ranks(client.get(url("backlog", art), {"pi": "none"}).content) == [unplanned.key]


def test_htmx_filter_answers_the_table_fragment(client, art, rte):
    FeatureFactory(art=art)
    response = login(client, rte).get(url("backlog", art), headers=HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content and b'id="backlog-table"' in response.content


# --- the WSJF cell ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("feature_type", ["business", "enabler"])
def test_wsjf_cell_permission_matrix(client, art, everyone, persona, feature_type, request):
    name = request.node.callspec.params["persona"]
    feature = FeatureFactory(art=art, type=feature_type)
    response = login(client, persona).post(
        url("feature_wsjf", art, key=feature.key), {"field": "job_size", "value": "8", "version": "1"}, headers=HTMX
    )
    allowed = name in EDITORS[feature_type]
    assert response.status_code == expected(name, allowed)
    feature.refresh_from_db()
    assert feature.job_size == (8 if allowed else 1)


def test_wsjf_cell_moves_the_feature_to_its_new_rank(client, art, product_manager):
    first = FeatureFactory(art=art, user_business_value=8)
    second = FeatureFactory(art=art, user_business_value=5)
    client = login(client, product_manager)
    response = client.post(
        url("feature_wsjf", art, key=second.key),
        {"field": "time_criticality", "value": "13", "version": "1"},
        headers=HTMX,
    )
    assert response.status_code == 200 and b"<html" not in response.content
    assert ranks(response.content) == [second.key, first.key]
    second.refresh_from_db()
    assert (second.time_criticality, second.cost_of_delay, second.version) == (13, 19, 2)


@pytest.mark.parametrize("value", ["4", "21", "abc", ""])
def test_wsjf_cell_refuses_off_scale_values(client, art, product_manager, value):
    feature = FeatureFactory(art=art)
    response = login(client, product_manager).post(
        url("feature_wsjf", art, key=feature.key), {"field": "job_size", "value": value, "version": "1"}, headers=HTMX
    )
    assert response.status_code == 422
    assert b"modified Fibonacci scale" in response.content and b'id="backlog-table"' in response.content
    feature.refresh_from_db()
    assert (feature.job_size, feature.version) == (1, 1)


def test_wsjf_cell_refuses_a_stale_version_with_409(client, art, product_manager):
    feature = FeatureFactory(art=art)
    Feature.objects.filter(pk=feature.pk).update(version=2, job_size=5)
    response = login(client, product_manager).post(
        url("feature_wsjf", art, key=feature.key), {"field": "job_size", "value": "8", "version": "1"}, headers=HTMX
    )
    # The table as it is now, with the reason: htmx swaps it in (templates/base.html lets 409 swap).
    assert response.status_code == 409
    content = response.content.decode()
    assert "<html" not in content and 'id="backlog-table"' in content
    assert f"Someone changed {feature.key} a moment ago" in content
    assert f'aria-label="Job size of {feature.key}"' in content and '<option value="5" selected>' in content
    feature.refresh_from_db()
    assert (feature.job_size, feature.version) == (5, 2)


def test_wsjf_cell_works_without_javascript(client, art, product_manager):
    feature = FeatureFactory(art=art)
    response = login(client, product_manager).post(
        url("feature_wsjf", art, key=feature.key) + "?type=business",
        {"field": "job_size", "value": "3", "version": "1"},
    )
    assert response.status_code == 302 and response["Location"].endswith("/planning/backlog/?type=business")
    feature.refresh_from_db()
    assert feature.job_size == 3


def test_another_trains_feature_is_404(client, art, other_art, product_manager):
    foreign = FeatureFactory(art=other_art)
    client = login(client, product_manager)
    response = client.post(
        url("feature_wsjf", art, key=foreign.key), {"field": "job_size", "value": "8", "version": "1"}, headers=HTMX
    )
    assert response.status_code == 404
    assert client.get(url("feature_detail", art, key=foreign.key)).status_code == 404


# --- adding and editing on full pages --------------------------------------------------------


def feature_data(**overrides) -> dict:
    return {
        "title": "Instant payouts",
        "type": "business",
        "pi": "",
        "user_business_value": "8",
        "time_criticality": "5",
        "risk_reduction": "3",
        "job_size": "2",
        **overrides,
    }


def test_add_feature_from_the_backlog_page(client, art, product_manager):
    response = login(client, product_manager).post(url("backlog", art), feature_data())
    assert response.status_code == 302
    feature = Feature.objects.get()
    assert (feature.key, feature.wsjf, feature.state) == ("PAY-1", 8, "funnel")


@pytest.mark.parametrize("value", ["4", "21", "text", ""])
def test_add_feature_refuses_off_scale_values(client, art, product_manager, value):
    response = login(client, product_manager).post(url("backlog", art), feature_data(job_size=value))
    assert response.status_code == 422
    assert b"modified Fibonacci scale" in response.content
    assert not Feature.objects.exists()


@pytest.mark.parametrize(
    ("persona", "feature_type", "status"),
    [("system_architect", "enabler", 302), ("system_architect", "business", 403), ("business_owner", "enabler", 403)],
)
def test_add_feature_capability_by_type(client, art, persona, feature_type, status, request):
    user = request.getfixturevalue(persona)
    response = login(client, user).post(url("backlog", art), feature_data(type=feature_type))
    assert response.status_code == status
    assert Feature.objects.exists() == (status == 302)


def test_feature_page_edits_without_javascript(client, art, pi, product_manager):
    feature = FeatureFactory(art=art)
    client = login(client, product_manager)
    assert client.get(url("feature_detail", art, key=feature.key)).status_code == 200
    response = client.post(
        url("feature_detail", art, key=feature.key), feature_data(pi=pi.pk, version=1, title="Renamed")
    )
    assert response.status_code == 302
    feature.refresh_from_db()
    assert (feature.title, feature.pi, feature.version, feature.job_size) == ("Renamed", pi, 2, 2)


def test_feature_page_refuses_a_stale_version_with_409(client, art, product_manager):
    feature = FeatureFactory(art=art, title="Original")
    Feature.objects.filter(pk=feature.pk).update(version=3)
    response = login(client, product_manager).post(
        url("feature_detail", art, key=feature.key), feature_data(version=1, title="Mine")
    )
    assert response.status_code == 409
    assert "a moment ago" in response.content.decode()
    feature.refresh_from_db()
    assert (feature.title, feature.version) == ("Original", 3)


@pytest.mark.parametrize("persona", ["business_owner", "team_member"])
def test_feature_page_post_is_403_for_readers(client, art, persona, request):
    feature = FeatureFactory(art=art)
    response = login(client, request.getfixturevalue(persona)).post(
        url("feature_detail", art, key=feature.key), feature_data(version=1)
    )
    assert response.status_code == 403
    feature.refresh_from_db()
    assert feature.version == 1


# --- CSV ------------------------------------------------------------------------------------


def test_csv_export_has_the_ranked_filtered_rows(client, art, pi, business_owner):
    low = FeatureFactory(art=art, title="=cmd", job_size=2, pi=pi)
    high = FeatureFactory(art=art, title="Top", user_business_value=20)
    FeatureFactory(art=art, type="enabler")
    response = login(client, business_owner).get(url("backlog_csv", art), {"type": "business"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "rank", "key", "title", "type", "state", "pi", "user_business_value", "time_criticality",
        "risk_reduction", "job_size", "cost_of_delay", "wsjf",
    ]  # fmt: skip
    assert rows[1:] == [
        ["1", high.key, "Top", "business", "funnel", "", "20", "1", "1", "1", "22", "22.00"],
        ["2", low.key, "'=cmd", "business", "funnel", pi.name, "1", "1", "1", "2", "3", "1.50"],
    ]


# --- query counts ----------------------------------------------------------------------------


def grow_backlog(art, pis, count: int) -> None:
    for number in range(count):
        FeatureFactory(
            art=art,
            type="enabler" if number % 3 == 0 else "business",
            pi=pis[number % len(pis)] if number % 2 else None,
            job_size=[1, 2, 3, 5, 8][number % 5],
        )


# session, user, train, own memberships, PIs, features (with their PIs)
BACKLOG_QUERIES = 6


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
def test_backlog_query_count_does_not_grow(client, art, pi, rte, headers):
    client = login(client, rte)
    grow_backlog(art, [pi], 2)
    small, answered = count_queries(client.get, url("backlog", art), headers=headers)
    assert answered.status_code == 200, answered.content[:500]
    grow_backlog(art, [pi], 40)
    large, answered = count_queries(client.get, url("backlog", art), headers=headers)
    assert answered.status_code == 200, answered.content[:500]
    assert small == large == BACKLOG_QUERIES


# Session, user, train, memberships, the feature, savepoints, its locked row, the train (FK check), the save,
# the reload, the PIs whose boards show the feature (WSJF orders their cards: their clocks move), then the
# backlog's features and PIs.
WSJF_CELL_QUERIES = 16


def test_wsjf_cell_query_count_does_not_grow(client, art, pi, rte):
    client = login(client, rte)
    grow_backlog(art, [pi], 2)
    target = FeatureFactory(art=art)

    def post(version: int) -> int:
        queries, answered = count_queries(
            client.post,
            url("feature_wsjf", art, key=target.key),
            data={"field": "job_size", "value": "8" if version % 2 else "5", "version": str(version)},
            headers=HTMX,
        )
        assert answered.status_code == 200, answered.content[:500]
        return queries

    small = post(1)
    grow_backlog(art, [pi], 40)
    large = post(2)
    assert small == large == WSJF_CELL_QUERIES


def test_csv_query_count_does_not_grow(client, art, pi, rte):
    client = login(client, rte)
    grow_backlog(art, [pi], 2)
    small, answered = count_queries(client.get, url("backlog_csv", art))
    assert answered.status_code == 200, answered.content[:500]
    grow_backlog(art, [pi], 40)
    large, answered = count_queries(client.get, url("backlog_csv", art))
    assert answered.status_code == 200
    assert large == small == 5


def test_stale_wsjf_edit_without_javascript_answers_the_whole_page_with_the_conflict(client, art, product_manager):
    feature = FeatureFactory(art=art)
    Feature.objects.filter(pk=feature.pk).update(version=2, job_size=5)
    response = login(client, product_manager).post(
        url("feature_wsjf", art, key=feature.key), {"field": "job_size", "value": "8", "version": "1"}
    )
    assert response.status_code == 409
    content = response.content.decode()
    assert "<html" in content and 'id="backlog-filters"' in content and 'id="backlog-table"' in content
    assert f"Someone changed {feature.key} a moment ago" in content
    feature.refresh_from_db()
    assert (feature.job_size, feature.version) == (5, 2)


def test_backlog_and_its_csv_hide_done_and_cancelled_features_unless_asked(client, art, team_member):
    live = FeatureFactory(art=art, state=Feature.State.IMPLEMENTING, job_size=1)
    done = FeatureFactory(art=art, state=Feature.State.DONE, job_size=2)
    cancelled = FeatureFactory(art=art, state=Feature.State.CANCELLED, job_size=3)
    client = login(client, team_member)

    def csv_keys(query: str = "") -> list[str]:
        rows = list(csv.DictReader(io.StringIO(client.get(url("backlog_csv", art) + query).content.decode())))
        return [row["key"] for row in rows]

    assert ranks(client.get(url("backlog", art)).content) == [live.key]
    assert csv_keys() == [live.key]
    assert ranks(client.get(url("backlog", art) + "?state=all").content) == [live.key, done.key, cancelled.key]
    assert csv_keys("?state=all") == [live.key, done.key, cancelled.key]
    assert ranks(client.get(url("backlog", art) + "?state=done").content) == [done.key]
    assert csv_keys("?state=cancelled") == [cancelled.key]
