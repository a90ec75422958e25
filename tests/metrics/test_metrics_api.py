"""The metrics API: DESIGN.md's worked examples, flow metrics, snapshots, the forecast, refusals,
permissions and query counts."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from artops.models import ProgramIncrement, Role
from metrics import forecast, services
from metrics.models import TrainSnapshot
from tests.api_helpers import api_status, client_for, expected, messages
from tests.conftest import PERSONAS, make_member
from tests.factories import ARTFactory, TeamFactory, make_pi
from tests.helpers import count_queries
from tests.metrics.conftest import dependency, flowed, objective

pytestmark = pytest.mark.django_db

# Wednesday 21 January 2026, 10:00 in Berlin: the ``train`` fixture's PI began on Monday 5 January.
NOW = datetime(2026, 1, 21, 9, 0, tzinfo=UTC)
TODAY = date(2026, 1, 21)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def rte_of(train):
    return make_member(train, Role.RTE, display_name="Rhea RTE")


def close(pi):
    ProgramIncrement.objects.filter(pk=pi.pk).update(state=ProgramIncrement.State.CLOSED)
    pi.refresh_from_db()
    return pi


def predictability_url(pi=None) -> str:
    return f"/api/predictability/{pi.pk}/" if pi else "/api/predictability/"


def team_row(body: dict, team) -> dict:
    return next(row for row in body["teams"] if row["team"] == team.pk)


# --- DESIGN.md's worked examples through the API ---------------------------------------------------


def test_the_roll_up_is_70_percent_not_80(train, rte_of):
    """Team A 10 of 10, team B 18 of 30: the train 28 of 40 = 70%, not the mean of 100% and 60%."""
    pi = close(train.pi)
    objective(train.alpha, pi, planned=10, actual=10)
    for _ in range(3):
        objective(train.beta, pi, planned=10, actual=6)

    body = client_for(rte_of).get(predictability_url(pi)).json()

    assert (body["pi"], body["pi_name"], body["art"], body["state"]) == (pi.pk, "PI 2026.1", "metrics", "closed")
    assert body["train"]["predictability"] == "70.0"
    assert (body["train"]["actual_bv"], body["train"]["planned_committed_bv"]) == (28, 40)
    assert body["train"]["final"] is True and body["train"]["label"] == "final"
    assert team_row(body, train.alpha)["predictability"] == "100.0"
    assert team_row(body, train.beta)["predictability"] == "60.0"


def test_stretch_objectives_lift_a_team_above_100(train, rte_of):
    pi = close(train.pi)
    objective(train.alpha, pi, planned=10, actual=9)
    objective(train.alpha, pi, planned=5, actual=4, committed=False)

    alpha = team_row(client_for(rte_of).get(predictability_url(pi)).json(), train.alpha)

    assert alpha["predictability"] == "130.0"
    assert (alpha["actual_bv"], alpha["planned_committed_bv"]) == (13, 10)


def test_so_far_is_over_the_assessed_objectives_with_k_of_n(train, rte_of):
    objective(train.alpha, train.pi, planned=8, actual=7)
    objective(train.alpha, train.pi, planned=6, actual=6)
    objective(train.alpha, train.pi, planned=5)
    objective(train.alpha, train.pi, planned=4)
    objective(train.beta, train.pi, planned=9)

    body = client_for(rte_of).get(predictability_url(train.pi)).json()

    alpha = team_row(body, train.alpha)
    assert alpha["predictability"] == "92.9" and alpha["label"] == "so far" and alpha["final"] is False
    assert (alpha["objectives_assessed"], alpha["objectives"]) == (2, 4)
    assert alpha["assessed_text"] == "2 of 4 objectives assessed"
    beta = team_row(body, train.beta)
    assert beta["predictability"] is None and beta["assessed_text"] == "0 of 1 objective assessed"
    assert body["train"]["predictability"] == "92.9"
    assert body["train"]["assessed_text"] == "2 of 5 objectives assessed"


def test_the_list_is_per_pi_of_a_train_oldest_first(train, rte_of):
    earlier = close(make_pi(train, name="PI 2025.4", start=date(2025, 10, 13)))
    objective(train.alpha, earlier, planned=10, actual=7)
    objective(train.alpha, train.pi, planned=10, actual=9)
    make_pi(ARTFactory(slug="elsewhere"), name="PI X", start=date(2026, 1, 5))

    body = client_for(rte_of).get(predictability_url(), {"art": "metrics"}).json()

    assert body["count"] == 2
    assert [(row["pi_name"], row["train"]["predictability"], row["train"]["label"]) for row in body["results"]] == [
        ("PI 2025.4", "70.0", "final"),
        ("PI 2026.1", "90.0", "so far"),
    ]


# --- flow metrics -----------------------------------------------------------------------------------


def fill(train) -> None:
    flowed(train, date(2026, 1, 6), date(2026, 1, 12), type="enabler", job_size=5)
    flowed(train, date(2026, 1, 8), date(2026, 1, 20), job_size=3)
    for started in (9, 10, 11, 12):
        flowed(train, date(2026, 1, started), None)
    dependency(train, train.pi, needing=train.alpha, providing=train.beta, raised=date(2025, 12, 20))
    dependency(train, train.pi, needing=train.alpha, providing=train.beta, raised=date(2026, 1, 1))
    dependency(train, train.pi, needing=train.beta, providing=None, raised=date(2026, 1, 15))


def test_flow_metrics_of_a_train(train, rte_of):
    fill(train)
    body = client_for(rte_of).get("/api/flow/metrics/").json()

    assert (body["art"], body["today"], body["pi"], body["pi_name"]) == (
        "metrics",
        "2026-01-21",
        train.pi.pk,
        "PI 2026.1",
    )
    per_iteration = body["throughput"]["per_iteration"]
    assert [(row["name"], row["accepted"], row["size"]) for row in per_iteration[:2]] == [
        ("Iteration 1", 1, 5),
        ("Iteration 2", 1, 3),
    ]
    assert [(row["name"], row["accepted"]) for row in body["throughput"]["per_pi"]] == [("PI 2026.1", 2)]
    flow_time = body["flow_time"]
    assert (flow_time["first"], flow_time["last"], flow_time["count"]) == ("2025-10-24", "2026-01-21", 2)
    assert (flow_time["median"], flow_time["p85"], flow_time["p95"]) == ("9.0", "11.1", "11.7")
    assert flow_time["distribution"] == [{"days": 6, "features": 1}, {"days": 12, "features": 1}]
    assert body["wip"] == {"wip": 4, "limit": 3, "over_limit": True}
    assert body["flow_distribution"] == {"business": 1, "enablers": 1, "total": 2, "enabler_share": "50.0"}
    ages = body["dependency_age"]
    assert (ages["open"], ages["median"], ages["max"], ages["over_14"], ages["over_30"]) == (3, "20.0", 32, 2, 1)
    assert ages["histogram"] == [
        {"age": "0–7 days", "count": 1},
        {"age": "8–14 days", "count": 0},
        {"age": "15–30 days", "count": 1},
        {"age": "over 30 days", "count": 1},
    ]
    assert ages["teams"] == [
        {
            "needing_team": train.alpha.pk,
            "needing_team_name": "Alpha",
            "providing_team": train.beta.pk,
            "providing_team_name": "Beta",
            "external_party": "",
            "open": 2,
            "median_age": "26.0",
        },
        {
            "needing_team": train.beta.pk,
            "needing_team_name": "Beta",
            "providing_team": None,
            "providing_team_name": None,
            "external_party": "Card Vendor",
            "open": 1,
            "median_age": "6.0",
        },
    ]


def test_flow_time_over_a_chosen_period(train, rte_of):
    fill(train)
    body = client_for(rte_of).get("/api/flow/metrics/", {"first": "2026-01-13", "last": "2026-01-21"}).json()
    assert (body["flow_time"]["count"], body["flow_time"]["median"]) == (1, "12.0")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"pi": "²"}, "is not a whole number"),
        ({"pi": "9" * 5000}, "too many for a number"),
        ({"pi": "-1"}, "is not a whole number"),
        ({"first": "2026-02-30"}, "Date has wrong format"),
        ({"first": "2026-01-20", "last": "2026-01-10"}, "The period starts after it ends."),
        ({"first": "2020-01-01", "last": "2026-01-10"}, "days at most"),
    ],
)
def test_bad_flow_parameters_answer_400_with_the_reason(train, rte_of, query, message):
    response = client_for(rte_of).get("/api/flow/metrics/", query)
    assert response.status_code == 400
    assert message in messages(response)


def test_a_pi_of_another_train_is_unknown_to_the_flow_endpoint(train, rte_of):
    theirs = make_pi(ARTFactory(slug="elsewhere"), name="PI X", start=date(2026, 1, 5))
    response = client_for(rte_of).get("/api/flow/metrics/", {"pi": theirs.pk})
    assert response.status_code == 400
    assert f"There is no PI with id {theirs.pk} on this train." in messages(response)


# --- snapshots ------------------------------------------------------------------------------------------


def test_snapshots_filtered_by_train_team_and_days_oldest_first(train, rte_of):
    fill(train)
    services.recompute_range(train, date(2026, 1, 1), date(2026, 1, 20))
    client = client_for(rte_of)

    body = client.get("/api/train-snapshots/", {"art": "metrics", "first_day": "2026-01-18"}).json()
    assert [row["day"] for row in body["results"]] == ["2026-01-18", "2026-01-19", "2026-01-20"]
    last = body["results"][-1]
    assert (last["art"], last["pi"], last["wip"], last["wip_limit"], last["features_done"]) == (
        "metrics",
        train.pi.pk,
        4,
        3,
        2,
    )

    teams = client.get(
        "/api/team-snapshots/", {"team": train.alpha.pk, "first_day": "2026-01-19", "last_day": "2026-01-20"}
    ).json()
    assert [(row["team_name"], row["day"], row["open_dependencies"]) for row in teams["results"]] == [
        ("Alpha", "2026-01-19", 2),
        ("Alpha", "2026-01-20", 2),
    ]


def test_snapshots_are_paginated(train, rte_of):
    services.recompute_range(train, date(2025, 11, 1), date(2026, 1, 20))
    body = client_for(rte_of).get("/api/train-snapshots/").json()
    assert body["count"] == 81 and len(body["results"]) == 50 and body["next"]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"team": "²"}, "team"), ({"team": "9" * 5000}, "team"), ({"first_day": "yesterday"}, "first_day")],
)
def test_bad_snapshot_filters_answer_400(train, rte_of, query, field):
    response = client_for(rte_of).get("/api/team-snapshots/", query)
    assert response.status_code == 400 and field in response.json()


def test_another_trains_snapshots_are_not_listed_nor_found(train, rte_of):
    other = ARTFactory(slug="elsewhere")
    TeamFactory(art=other)
    services.recompute_range(other, date(2026, 1, 19), date(2026, 1, 20))
    client = client_for(rte_of)
    assert client.get("/api/train-snapshots/").json()["count"] == 0
    assert client.get("/api/team-snapshots/").json()["count"] == 0
    theirs = TrainSnapshot.objects.filter(art=other).first()
    assert client.get(f"/api/train-snapshots/{theirs.pk}/").status_code == 404


# --- the forecast ---------------------------------------------------------------------------------------


def accept_weekly(train, weekly=(1, 2, 0, 1, 3, 1, 2, 1), first_monday=date(2025, 11, 24)) -> None:
    for week, count in enumerate(weekly):
        for index in range(count):
            done = first_monday + timedelta(weeks=week, days=index)
            flowed(train, done - timedelta(days=5), done)


def test_the_forecast_of_n_features_is_the_services_own(train, rte_of):
    accept_weekly(train)
    body = client_for(rte_of).get("/api/forecasts/metrics/", {"features": "5"}).json()
    dates = forecast.forecast_when_done(train, 5, today=TODAY).dates
    assert (body["question"], body["refusal"], body["runs"], body["today"]) == ("when", "", 10_000, "2026-01-21")
    assert body["history"] == [1, 2, 0, 1, 3, 1, 2, 1]
    assert body["forecast"]["features"] == 5
    assert body["forecast"]["dates"] == [
        {"confidence": confidence, "date": dates[confidence].isoformat()} for confidence in (50, 85, 95)
    ]


def test_how_many_by_the_end_of_the_pi(train, rte_of):
    accept_weekly(train)
    body = client_for(rte_of).get("/api/forecasts/metrics/", {"pi": train.pi.pk}).json()
    counts = forecast.forecast_pi_end(train, train.pi, today=TODAY).counts
    assert body["question"] == "how_many"
    assert body["forecast"]["pi"] == train.pi.pk and body["forecast"]["weeks"] == 7
    assert body["forecast"]["counts"] == [{"confidence": c, "count": counts[c]} for c in (50, 85, 95)]


def test_too_little_history_is_said_and_not_forecast(train, rte_of):
    accept_weekly(train, weekly=(1, 1), first_monday=date(2026, 1, 5))
    body = client_for(rte_of).get("/api/forecasts/metrics/", {"features": "3"}).json()
    assert body["forecast"] is None
    assert body["refusal"] == "Not enough history to forecast: 2 week(s) of throughput, at least 6 are needed."


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"features": "0"}, "Ask about 1 to 500 features (not 0)."),
        ({"features": "1000"}, "Ask about 1 to 500 features (not 1000)."),
        ({"features": "²"}, "is not a whole number"),
        ({"features": "9" * 5000}, "too many for a number"),
        ({}, "Ask one question"),
        ({"features": "3", "pi": "1"}, "Ask one question"),
        ({"pi": "-1"}, "is not a whole number"),
    ],
    ids=["zero", "thousand", "superscript", "5000-digits", "nothing", "both", "negative-pi"],
)
def test_a_bad_forecast_question_answers_400_with_the_reason(train, rte_of, query, message):
    response = client_for(rte_of).get("/api/forecasts/metrics/", query)
    assert response.status_code == 400
    assert message in messages(response)


# --- who may read -------------------------------------------------------------------------------------

ENDPOINTS = {
    "predictability-list": lambda art, pi: "/api/predictability/",
    "predictability": lambda art, pi: f"/api/predictability/{pi.pk}/",
    "flow": lambda art, pi: f"/api/flow/{art.slug}/",
    "train-snapshots": lambda art, pi: "/api/train-snapshots/",
    "team-snapshots": lambda art, pi: "/api/team-snapshots/",
    "forecast": lambda art, pi: f"/api/forecasts/{art.slug}/?features=3",
}
LISTS = {"predictability-list", "train-snapshots", "team-snapshots"}


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_api_permission_matrix(art, pi, everyone, persona, endpoint, request):
    name = request.node.callspec.params["persona"]
    response = client_for(persona).get(ENDPOINTS[endpoint](art, pi))
    if endpoint in LISTS and name == "outsider":
        # Lists answer with the outsider's own trains' rows: none of this one's.
        assert response.status_code == 200
        assert all(row.get("art") != art.slug for row in response.json()["results"])
    else:
        assert api_status(response) == expected(name, True)


def test_the_schema_documents_the_metrics_endpoints(rte_of):
    schema = client_for(rte_of).get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/predictability/",
        "/api/predictability/{id}/",
        "/api/flow/{slug}/",
        "/api/train-snapshots/",
        "/api/team-snapshots/",
        "/api/forecasts/{slug}/",
    ):
        assert path in schema["paths"], path
    parameters = {p["name"] for p in schema["paths"]["/api/forecasts/{slug}/"]["get"]["parameters"]}
    assert {"features", "pi"} <= parameters


# --- queries ------------------------------------------------------------------------------------------


def grow(train, size: int) -> None:
    for index in range(size):
        team = TeamFactory(art=train)
        objective(team, train.pi, planned=1 + index % 10, actual=index % 11)
        objective(team, train.pi, planned=5, committed=False)
        fill(train)
    services.recompute_range(train, date(2026, 1, 15), date(2026, 1, 20))


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/api/predictability/", 6),
        ("/api/flow/metrics/", 16),
        ("/api/train-snapshots/", 4),
        ("/api/team-snapshots/", 4),
        ("/api/forecasts/metrics/?features=4", 8),
    ],
)
def test_api_queries_do_not_grow_with_the_train(train, rte_of, path, queries):
    """Session, user and the caller's memberships, then each endpoint's reads: the page of rows (and its
    count), the figures, the flow metrics' dozen, the forecast's history."""
    client = client_for(rte_of)
    make_pi(train, name="PI 2025.4", start=date(2025, 10, 13))
    grow(train, 1)
    small, response = count_queries(client.get, path)
    assert response.status_code == 200, response.content
    grow(train, 4)
    large, response = count_queries(client.get, path)
    assert small == large == queries
