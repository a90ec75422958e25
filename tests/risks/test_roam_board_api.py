"""The API of the ROAM board's risks: who may do what, bad input, stale versions, computed fields,
filters and the query counts of the list and the history."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from artops.models import Role
from risks import services
from risks.models import Risk, RiskChange
from tests.api_helpers import api_status, client_for, expected, messages, persona_name
from tests.conftest import PERSONAS, make_member
from tests.factories import MembershipFactory, TeamFactory, make_pi

ROAM_ANYWHERE = {"rte", "product_manager", "system_architect", "business_owner"}
ROAM_OWN_TEAM = {"scrum_master", "product_owner"}


# 09:00 in Berlin on a day inside the PI of the ``pi`` fixture (5 Oct 2026 onwards).
NOW = datetime(2026, 10, 20, 7, 0, tzinfo=UTC)
RISKS = reverse("api-risk-list")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def risk_url(risk: Risk, action: str = "") -> str:
    return reverse(f"api-risk-{action or 'detail'}", kwargs={"pk": risk.pk})


def make_risk(art, pi, by, *, title="Card provider may slip", team=None, **fields) -> Risk:
    return services.raise_risk(art, by=by, pi=pi, title=title, team=team, **fields)


def risk_state(risk: Risk) -> tuple:
    risk = Risk.objects.get(pk=risk.pk)
    return (risk.title, risk.state, risk.probability, risk.version, risk.changes.count())


# --- who may do what -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_risk_read_permission_matrix(art, pi, team, everyone, rte, persona, request):
    name = persona_name(request)
    risk = make_risk(art, pi, rte, team=team)
    client = client_for(persona)
    assert api_status(client.get(risk_url(risk))) == expected(name, True)
    assert api_status(client.get(risk_url(risk, "history"))) == expected(name, True)
    listed = client.get(RISKS)
    if name == "anonymous":
        assert api_status(listed) == 401
    else:
        assert listed.status_code == 200
        assert [row["id"] for row in listed.json()["results"]] == ([] if name == "outsider" else [risk.pk])


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_risk_create_permission_matrix(art, pi, team, everyone, persona, request):
    name = persona_name(request)
    payload = {"art": art.slug, "pi": pi.pk, "team": team.pk, "title": "Vendor may slip", "probability": 4}
    response = client_for(persona).post(RISKS, payload, format="json")
    # Every member raises risks; an outsider names a train that is not theirs: unknown, as any other.
    status = {"anonymous": 401, "outsider": 400}.get(name, 201)
    assert api_status(response) == status
    assert Risk.objects.count() == (1 if status == 201 else 0)
    if status == 201:
        body = response.json()
        assert (body["state"], body["severity"], body["raised_by"], body["version"]) == ("unroamed", 12, persona.pk, 1)
        assert list(RiskChange.objects.values_list("kind", flat=True)) == ["raised"]


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("whose", ["own", "other"])
def test_risk_edit_permission_matrix(art, pi, team, other_team, everyone, rte, persona, whose, request):
    name = persona_name(request)
    risk = make_risk(art, pi, rte, team=team if whose == "own" else other_team)
    before = risk_state(risk)
    response = client_for(persona).patch(risk_url(risk), {"title": "Renamed", "version": 1}, format="json")
    allowed = name in ROAM_ANYWHERE or (whose == "own" and name in ROAM_OWN_TEAM)
    assert api_status(response) == expected(name, allowed)
    if allowed:
        assert risk_state(risk) == ("Renamed", "unroamed", 3, 2, 2)
    else:
        assert risk_state(risk) == before


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("whose", ["own", "other"])
def test_risk_roam_permission_matrix(art, pi, team, other_team, everyone, rte, persona, whose, request):
    name = persona_name(request)
    risk = make_risk(art, pi, rte, team=team if whose == "own" else other_team)
    before = risk_state(risk)
    payload = {"state": "accepted", "rationale": "Within tolerance.", "version": 1}
    response = client_for(persona).post(risk_url(risk, "roam"), payload, format="json")
    allowed = name in ROAM_ANYWHERE or (whose == "own" and name in ROAM_OWN_TEAM)
    assert api_status(response) == expected(name, allowed)
    if allowed:
        assert response.json()["state"] == "accepted"
        assert risk_state(risk)[1:] == ("accepted", 3, 2, 2)
    else:
        assert risk_state(risk) == before


def test_a_team_member_raises_and_corrects_their_risk_but_does_not_roam_it(art, pi, team, team_member):
    client = client_for(team_member)
    created = client.post(RISKS, {"art": art.slug, "pi": pi.pk, "team": team.pk, "title": "Flaky"}, format="json")
    assert created.status_code == 201
    risk = Risk.objects.get(pk=created.json()["id"])
    corrected = client.patch(risk_url(risk), {"title": "Flaky sandbox", "impact": 5, "version": 1}, format="json")
    assert corrected.status_code == 200
    assert (corrected.json()["severity"], corrected.json()["version"]) == (15, 2)
    roamed = client.post(risk_url(risk, "roam"), {"state": "resolved", "version": 2}, format="json")
    assert roamed.status_code == 403
    assert "ROAM" in messages(roamed)
    assert risk_state(risk) == ("Flaky sandbox", "unroamed", 3, 2, 2)


def test_a_business_owner_roams_any_risk_and_the_history_says_so(art, pi, other_team, rte, business_owner):
    risk = make_risk(art, pi, rte, team=other_team)
    client = client_for(business_owner)
    owned = client.post(
        risk_url(risk, "roam"),
        {"state": "owned", "owner": business_owner.pk, "note": "I take it.", "version": 1},
        format="json",
    )
    assert owned.status_code == 200
    body = owned.json()
    assert (body["state"], body["owner"], body["owner_name"], body["version"]) == (
        "owned",
        business_owner.pk,
        "Bo Owner",
        2,
    )
    history = client.get(risk_url(risk, "history")).json()
    assert [(row["kind"], row["by_name"]) for row in history] == [("raised", "Riley RTE"), ("moved", "Bo Owner")]
    assert history[1]["changes"] == {"state": ["unroamed", "owned"], "owner": [None, "Bo Owner"]}
    assert history[1]["note"] == "I take it."


def test_a_role_that_may_not_change_learns_nothing_from_validation(art, pi, team, rte, team_member):
    """The capability is asked before the input is read: invalid input from such a role is still 403."""
    risk = make_risk(art, pi, rte, team=team)
    client = client_for(team_member)
    assert client.patch(risk_url(risk), {"probability": 9}, format="json").status_code == 403
    assert client.post(risk_url(risk, "roam"), {"state": "nope"}, format="json").status_code == 403
    assert risk_state(risk) == ("Card provider may slip", "unroamed", 3, 1, 1)


# --- bad input -----------------------------------------------------------------------------------


def test_an_unknown_state_is_refused_naming_the_states(art, pi, rte):
    risk = make_risk(art, pi, rte)
    before = risk_state(risk)
    response = client_for(rte).post(risk_url(risk, "roam"), {"state": "closed", "version": 1}, format="json")
    assert response.status_code == 400
    assert "“closed” is not a ROAM state: use one of unroamed, resolved, owned, accepted, mitigated." in messages(
        response
    )
    assert risk_state(risk) == before


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"state": "owned"}, "An owned risk needs an owner."),
        ({"state": "accepted", "rationale": "  "}, "An accepted risk needs a rationale"),
        ({"state": "mitigated"}, "A mitigated risk needs the plan that reduces it."),
    ],
)
def test_a_roam_state_without_what_it_needs_is_refused(art, pi, rte, payload, message):
    risk = make_risk(art, pi, rte)
    response = client_for(rte).post(risk_url(risk, "roam"), {**payload, "version": 1}, format="json")
    assert response.status_code == 400
    assert message in messages(response)
    assert risk_state(risk) == ("Card provider may slip", "unroamed", 3, 1, 1)


def test_a_move_the_rules_do_not_allow_is_refused(art, pi, rte):
    risk = make_risk(art, pi, rte)
    client = client_for(rte)
    assert client.post(risk_url(risk, "roam"), {"state": "resolved", "version": 1}, format="json").status_code == 200
    response = client.post(risk_url(risk, "roam"), {"state": "owned", "owner": rte.pk, "version": 2}, format="json")
    assert response.status_code == 400
    assert "A risk in Resolved can move to Unroamed." in messages(response)
    assert risk_state(risk)[1:] == ("resolved", 3, 2, 2)


@pytest.mark.parametrize("value", [0, 6, "high", None])
def test_probability_off_the_scale_is_refused(art, pi, rte, value):
    risk = make_risk(art, pi, rte)
    client = client_for(rte)
    patched = client.patch(risk_url(risk), {"probability": value, "version": 1}, format="json")
    created = client.post(RISKS, {"art": art.slug, "pi": pi.pk, "title": "x", "probability": value}, format="json")
    assert patched.status_code == created.status_code == 400
    if value is not None:
        assert "Probability is from 1 to 5." in messages(patched)
        assert "Probability is from 1 to 5." in messages(created)
    assert risk_state(risk) == ("Card provider may slip", "unroamed", 3, 1, 1)
    assert Risk.objects.count() == 1


def test_impact_off_the_scale_is_refused(art, pi, rte):
    response = client_for(rte).post(RISKS, {"art": art.slug, "pi": pi.pk, "title": "x", "impact": 6}, format="json")
    assert response.status_code == 400
    assert "Impact is from 1 to 5." in messages(response)
    assert not Risk.objects.exists()


def test_another_trains_ids_are_unknown_not_an_error(art, pi, team, rte, other_art):
    """Ids of another train's PI, team or people read as unknown (400), for a create and an edit."""
    other_pi = make_pi(other_art, name="Lending PI", start=date(2026, 10, 5))
    other_team = TeamFactory(art=other_art, name="Lynx")
    stranger = make_member(other_art, Role.RTE)
    client = client_for(rte)
    base = {"art": art.slug, "pi": pi.pk, "title": "x"}
    for field, value, text in [
        ("pi", other_pi.pk, "There is no PI with id"),
        ("team", other_team.pk, "There is no team with id"),
        ("owner", stranger.pk, "There is no person with id"),
        ("art", other_art.slug, "does not exist"),
        ("pi", 10**9, "There is no PI with id"),
    ]:
        response = client.post(RISKS, {**base, field: value}, format="json")
        assert response.status_code == 400, field
        assert text in messages(response)
    risk = make_risk(art, pi, rte, team=team)
    for field, value in [("team", other_team.pk), ("owner", stranger.pk), ("team", "abc")]:
        response = client.patch(risk_url(risk), {field: value, "version": 1}, format="json")
        assert response.status_code == 400, field
    assert Risk.objects.count() == 1
    assert risk_state(risk) == ("Card provider may slip", "unroamed", 3, 1, 1)


def test_a_member_of_two_trains_cannot_mix_them(art, pi, rte, other_art):
    """Visible ids of the wrong train: the rules refuse them with their own message."""
    MembershipFactory(user=rte, art=other_art, role=Role.RTE)
    other_pi = make_pi(other_art, name="Lending PI", start=date(2026, 10, 5))
    other_team = TeamFactory(art=other_art, name="Lynx")
    outsider_there = make_member(other_art, Role.BUSINESS_OWNER)
    client = client_for(rte)
    base = {"art": art.slug, "pi": pi.pk, "title": "x"}
    for payload, text in [
        ({"pi": other_pi.pk}, "That PI belongs to another train."),
        ({"team": other_team.pk}, "That team belongs to another train."),
        ({"owner": outsider_there.pk}, "is not a member of this train."),
    ]:
        response = client.post(RISKS, {**base, **payload}, format="json")
        assert response.status_code == 400
        assert text in messages(response)
    assert not Risk.objects.exists()


def test_a_stale_version_is_409_and_changes_nothing(art, pi, rte, product_manager):
    risk = make_risk(art, pi, rte)
    assert client_for(rte).patch(risk_url(risk), {"title": "First", "version": 1}, format="json").status_code == 200
    client = client_for(product_manager)
    edited = client.patch(risk_url(risk), {"title": "Second", "version": 1}, format="json")
    roamed = client.post(risk_url(risk, "roam"), {"state": "resolved", "version": 1}, format="json")
    assert edited.status_code == roamed.status_code == 409
    assert "a moment ago" in edited.json()["detail"]
    assert risk_state(risk) == ("First", "unroamed", 3, 2, 2)
    assert client.patch(risk_url(risk), {"title": "Second"}, format="json").status_code == 400


# --- computed fields and filters -----------------------------------------------------------------


def test_a_risk_untouched_for_two_weeks_is_quiet(art, pi, rte):
    with time_machine.travel(NOW - timedelta(days=14), tick=False):
        quiet = make_risk(art, pi, rte, title="Quiet")
        resolved = make_risk(art, pi, rte, title="Resolved")
        services.roam_risk(resolved, to="resolved", by=rte, expected_version=1)
    with time_machine.travel(NOW - timedelta(days=13), tick=False):
        recent = make_risk(art, pi, rte, title="Recent")
    rows = {row["title"]: row for row in client_for(rte).get(RISKS).json()["results"]}
    assert (rows["Quiet"]["is_quiet"], rows["Recent"]["is_quiet"], rows["Resolved"]["is_quiet"]) == (True, False, False)
    assert client_for(rte).get(risk_url(quiet)).json()["is_quiet"] is True
    assert client_for(rte).get(risk_url(recent)).json()["is_quiet"] is False


def test_the_risk_list_is_filtered(art, pi, team, other_team, rte, other_art):
    later = make_pi(art, name="PI 2027.1", start=date(2027, 1, 4))
    make_risk(art, pi, rte, title="Falcons", team=team, probability=5, impact=5)
    otters = make_risk(art, pi, rte, title="Otters", team=other_team, probability=1, impact=2)
    make_risk(art, pi, rte, title="Train", probability=3, impact=3)
    make_risk(art, later, rte, title="Later", team=team, probability=2, impact=2)
    services.roam_risk(otters, to="resolved", by=rte, expected_version=1)
    client = client_for(rte)

    def titles(**params) -> list[str]:
        response = client.get(RISKS, params)
        assert response.status_code == 200
        return [row["title"] for row in response.json()["results"]]

    # Highest severity first.
    assert titles() == ["Falcons", "Train", "Later", "Otters"]
    assert titles(pi=pi.pk) == ["Falcons", "Train", "Otters"]
    assert titles(team=team.pk) == ["Falcons", "Later"]
    assert titles(team="art") == ["Train"]
    assert titles(state="resolved") == ["Otters"]
    assert titles(severity="high") == ["Falcons"]
    assert titles(pi=pi.pk, team=team.pk, state="unroamed") == ["Falcons"]
    assert titles(art=other_art.slug) == []
    assert titles(ordering="severity") == ["Otters", "Later", "Train", "Falcons"]
    refused = client.get(RISKS, {"state": "closed"})
    assert refused.status_code == 400 and "state" in refused.json()


# --- query counts: the same at two data sizes ----------------------------------------------------


# Session and user, then COUNT(*) for the page and the page (train, PI, teams, people joined).
LIST_QUERIES = 4


# Session and user, the object (with its train), the reader's roles there, its changes (with people).
HISTORY_QUERIES = 5


def grow(art, pi, teams, people, number: int) -> None:
    """``number`` risks, spread over teams, people and states, with history."""
    for index in range(number):
        by = people[index % len(people)]
        team = teams[index % len(teams)]
        risk = make_risk(art, pi, by, title=f"Risk {index}", team=team if index % 3 else None, owner=people[0])
        services.roam_risk(risk, to="mitigated", by=people[0], expected_version=1, mitigation_plan="Plan")


def test_list_query_count_does_not_grow(art, pi, team, other_team, rte, team_member, django_assert_num_queries):
    client = client_for(rte)
    grow(art, pi, [team], [rte], 1)
    with django_assert_num_queries(LIST_QUERIES):
        small = client.get(RISKS)
    teams = [team, other_team, *(TeamFactory(art=art) for _ in range(3))]
    people = [rte, team_member, *(make_member(art, Role.TEAM_MEMBER, team) for _ in range(3))]
    grow(art, pi, teams, people, 20)
    with django_assert_num_queries(LIST_QUERIES):
        large = client.get(RISKS)
    assert small.status_code == large.status_code == 200
    assert (small.json()["count"], large.json()["count"]) == (1, 21)


def test_history_query_count_does_not_grow(art, pi, team, rte, django_assert_num_queries):
    client = client_for(rte)
    risk = make_risk(art, pi, rte, team=team)
    with django_assert_num_queries(HISTORY_QUERIES):
        small = len(client.get(risk_url(risk, "history")).json())
    people = [make_member(art, Role.PRODUCT_MANAGEMENT) for _ in range(4)]
    for version, person in enumerate(people, start=1):
        services.update_risk(risk, by=person, expected_version=version, title=f"Title {version}")
    with django_assert_num_queries(HISTORY_QUERIES):
        large = len(client.get(risk_url(risk, "history")).json())
    assert (small, large) == (1, 5)
    assert RiskChange.objects.filter(risk=risk).values("by").distinct().count() == 5
