"""The risks and dependencies API: who may do what, bad input, stale versions, computed fields,
filters and the query counts of the lists and histories."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from artops.models import Role
from risks import services
from risks.models import Dependency, DependencyChange, Risk, RiskChange
from tests.conftest import PERSONAS, make_member
from tests.factories import MembershipFactory, TeamFactory, make_pi
from tests.planning.factories import FeatureFactory

ROAM_ANYWHERE = {"rte", "product_manager", "system_architect", "business_owner"}
ROAM_OWN_TEAM = {"scrum_master", "product_owner"}
MEMBERS = {*ROAM_ANYWHERE, *ROAM_OWN_TEAM, "team_member"}
DEPENDENCY_OWN_TEAM = {"scrum_master", "product_owner"}
# 09:00 in Berlin on a day inside the PI of the ``pi`` fixture (5 Oct 2026 onwards).
NOW = datetime(2026, 10, 20, 7, 0, tzinfo=UTC)
RISKS = reverse("api-risk-list")
DEPENDENCIES = reverse("api-dependency-list")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def third_team(art):
    return TeamFactory(art=art, name="Herons")


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def persona_name(request) -> str:
    return request.node.callspec.params["persona"]


def expected(name: str, allowed: bool, ok: int = 200) -> int:
    """Anonymous 401, outsider 404 (another train's object), otherwise ``ok`` or 403."""
    if name == "anonymous":
        return 401
    if name == "outsider":
        return 404
    return ok if allowed else 403


def messages(response) -> str:
    """Every message of a 4xx body, flattened, to look for the words a person reads."""

    def flatten(value) -> list[str]:
        if isinstance(value, dict):
            return [text for item in value.values() for text in flatten(item)]
        if isinstance(value, list):
            return [text for item in value for text in flatten(item)]
        return [str(value)]

    return " ".join(flatten(response.json()))


def risk_url(risk: Risk, action: str = "") -> str:
    return reverse(f"api-risk-{action or 'detail'}", kwargs={"pk": risk.pk})


def dependency_url(dependency: Dependency, action: str = "") -> str:
    return reverse(f"api-dependency-{action or 'detail'}", kwargs={"pk": dependency.pk})


def make_risk(art, pi, by, *, title="Card provider may slip", team=None, **fields) -> Risk:
    return services.raise_risk(art, by=by, pi=pi, title=title, team=team, **fields)


def make_dependency(art, pi, by, *, needing_team, needed_by, providing_team=None, **fields) -> Dependency:
    if providing_team is None and "external_party" not in fields:
        fields["external_party"] = "Card vendor"
    return services.raise_dependency(
        art,
        by=by,
        pi=pi,
        needing_team=needing_team,
        providing_team=providing_team,
        description=fields.pop("description", "Settlement endpoint"),
        needed_by=needed_by,
        owner=fields.pop("owner", by),
        **fields,
    )


def risk_state(risk: Risk) -> tuple:
    risk = Risk.objects.get(pk=risk.pk)
    return (risk.title, risk.state, risk.probability, risk.version, risk.changes.count())


def dependency_state(dependency: Dependency) -> tuple:
    dependency = Dependency.objects.get(pk=dependency.pk)
    return (
        dependency.description,
        dependency.state,
        dependency.next_action,
        dependency.needed_by_id,
        dependency.version,
        dependency.changes.count(),
    )


# --- risks: who may do what ----------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_risk_read_permission_matrix(art, pi, team, everyone, rte, persona, request):
    name = persona_name(request)
    risk = make_risk(art, pi, rte, team=team)
    client = client_for(persona)
    assert client.get(risk_url(risk)).status_code == expected(name, True)
    assert client.get(risk_url(risk, "history")).status_code == expected(name, True)
    listed = client.get(RISKS)
    if name == "anonymous":
        assert listed.status_code == 401
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
    assert response.status_code == status
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
    assert response.status_code == expected(name, allowed)
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
    assert response.status_code == expected(name, allowed)
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


def test_a_role_that_may_not_change_learns_nothing_from_validation(
    art, pi, team, other_team, development, rte, team_member
):
    """The capability is asked before the input is read: invalid input from such a role is still 403."""
    risk = make_risk(art, pi, rte, team=team)
    dependency = make_dependency(art, pi, rte, needing_team=team, providing_team=other_team, needed_by=development[1])
    client = client_for(team_member)
    assert client.patch(risk_url(risk), {"probability": 9}, format="json").status_code == 403
    assert client.post(risk_url(risk, "roam"), {"state": "nope"}, format="json").status_code == 403
    assert client.patch(dependency_url(dependency), {"needed_by": 10**9}, format="json").status_code == 403
    assert client.post(dependency_url(dependency, "move"), {"state": "nope"}, format="json").status_code == 403
    assert client.post(dependency_url(dependency, "review"), {}, format="json").status_code == 403
    assert risk_state(risk) == ("Card provider may slip", "unroamed", 3, 1, 1)
    assert dependency_state(dependency) == ("Settlement endpoint", "requested", "", development[1].pk, 1, 1)


# --- risks: bad input ----------------------------------------------------------------------------


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


# --- risks: computed fields and filters ----------------------------------------------------------


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


# --- dependencies: who may do what ---------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_dependency_read_permission_matrix(art, pi, team, other_team, development, everyone, rte, persona, request):
    name = persona_name(request)
    dependency = make_dependency(art, pi, rte, needing_team=team, providing_team=other_team, needed_by=development[1])
    client = client_for(persona)
    assert client.get(dependency_url(dependency)).status_code == expected(name, True)
    assert client.get(dependency_url(dependency, "history")).status_code == expected(name, True)
    listed = client.get(DEPENDENCIES)
    if name == "anonymous":
        assert listed.status_code == 401
    else:
        assert listed.status_code == 200
        assert [row["id"] for row in listed.json()["results"]] == ([] if name == "outsider" else [dependency.pk])


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_dependency_create_permission_matrix(art, pi, team, other_team, development, everyone, rte, persona, request):
    name = persona_name(request)
    payload = {
        "art": art.slug,
        "pi": pi.pk,
        "needing_team": team.pk,
        "providing_team": other_team.pk,
        "description": "Payout API",
        "needed_by": development[2].pk,
        "owner": rte.pk,
    }
    response = client_for(persona).post(DEPENDENCIES, payload, format="json")
    status = {"anonymous": 401, "outsider": 400}.get(name, 201)
    assert response.status_code == status
    assert Dependency.objects.count() == (1 if status == 201 else 0)
    if status == 201:
        body = response.json()
        assert (body["state"], body["provider_name"], body["health"], body["age_days"]) == (
            "requested",
            "Otters",
            "unplanned",
            0,
        )


def sides(team, other_team, third_team) -> dict:
    """The persona's team (Falcons) needing, providing, or on neither side."""
    return {
        "needing": {"needing_team": team, "providing_team": other_team},
        "providing": {"needing_team": other_team, "providing_team": team},
        "neither": {"needing_team": other_team, "providing_team": third_team},
    }


ACTIONS = {
    "partial_update": ("", {"description": "Changed", "version": 1}, lambda d: d.description == "Changed"),
    "move": ("move", {"state": "committed", "version": 1}, lambda d: d.state == "committed"),
    "review": ("review", {"next_action": "Call vendor", "version": 1}, lambda d: d.next_action == "Call vendor"),
}


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("side", ["needing", "providing", "neither"])
@pytest.mark.parametrize("kind", ACTIONS)
def test_dependency_change_permission_matrix(
    art, pi, team, other_team, third_team, development, everyone, rte, persona, side, kind, request
):
    """The needing or the providing side's Scrum Master and Product Owner (and the RTE) change it."""
    name = persona_name(request)
    dependency = make_dependency(art, pi, rte, needed_by=development[1], **sides(team, other_team, third_team)[side])
    before = dependency_state(dependency)
    action, payload, changed = ACTIONS[kind]
    client = client_for(persona)
    url = dependency_url(dependency, action)
    response = client.patch(url, payload, format="json") if kind == "partial_update" else client.post(url, payload)
    allowed = name == "rte" or (side != "neither" and name in DEPENDENCY_OWN_TEAM)
    assert response.status_code == expected(name, allowed)
    current = Dependency.objects.get(pk=dependency.pk)
    if allowed:
        assert changed(current) and current.version == 2
        assert dependency.changes.count() == 2
    else:
        assert dependency_state(dependency) == before


def test_the_review_records_the_trains_today(art, pi, team, other_team, development, scrum_master, rte):
    dependency = make_dependency(art, pi, rte, needing_team=other_team, providing_team=team, needed_by=development[1])
    # 23:30 in UTC is already the next day in Berlin, where the train works.
    with time_machine.travel(datetime(2026, 10, 21, 23, 30, tzinfo=UTC), tick=False):
        response = client_for(scrum_master).post(
            dependency_url(dependency, "review"), {"next_action": "Pair on the contract", "version": 1}
        )
    assert response.status_code == 200
    assert (response.json()["reviewed_on"], response.json()["next_action"]) == ("2026-10-22", "Pair on the contract")
    history = client_for(rte).get(dependency_url(dependency, "history")).json()
    assert [row["kind"] for row in history] == ["raised", "reviewed"]
    assert history[1]["changes"]["reviewed_on"] == [None, "2026-10-22"]
    assert history[1]["by_name"] == "Sam Master"


def test_age_and_health_follow_the_plan_and_the_delivery(art, pi, team, other_team, development, rte):
    with time_machine.travel(NOW - timedelta(days=10), tick=False):
        dependency = make_dependency(
            art, pi, rte, needing_team=team, providing_team=other_team, needed_by=development[1]
        )
    client = client_for(rte)

    def read() -> tuple:
        # A fresh login each time: the session would not outlive a month's travel.
        body = client_for(rte).get(dependency_url(dependency)).json()
        return body["age_days"], body["health"], body["version"]

    assert read() == (10, "unplanned", 1)
    for iteration, health in [(development[2], "red"), (development[1], "amber"), (development[0], "green")]:
        version = read()[2]
        patched = client.patch(
            dependency_url(dependency), {"planned_iteration": iteration.pk, "version": version}, format="json"
        )
        assert patched.status_code == 200 and patched.json()["health"] == health
    client.post(dependency_url(dependency, "move"), {"state": "committed", "version": 4})
    delivered = client.post(dependency_url(dependency, "move"), {"state": "delivered", "note": "Live", "version": 5})
    assert delivered.status_code == 200
    assert (delivered.json()["health"], delivered.json()["closed_at"] is not None) == ("green", True)
    with time_machine.travel(NOW + timedelta(days=30), tick=False):
        # Closed: the age stops at the delivery.
        assert read() == (10, "green", 6)


# --- dependencies: bad input ---------------------------------------------------------------------


def dependency_payload(art, pi, team, other_team, development, owner, /, **overrides) -> dict:
    return {
        "art": art.slug,
        "pi": pi.pk,
        "needing_team": team.pk,
        "providing_team": other_team.pk,
        "description": "Payout API",
        "needed_by": development[1].pk,
        "owner": owner.pk,
        **overrides,
    }


def test_a_needed_by_iteration_of_another_pi_is_refused(art, pi, team, other_team, development, rte):
    later = make_pi(art, name="PI 2027.1", start=date(2027, 1, 4))
    later_iteration = later.iterations.order_by("number").first()
    client = client_for(rte)
    payload = dependency_payload(art, pi, team, other_team, development, rte, needed_by=later_iteration.pk)
    response = client.post(DEPENDENCIES, payload, format="json")
    assert response.status_code == 400
    assert "Choose an iteration of PI 2026.4." in messages(response)
    assert not Dependency.objects.exists()
    dependency = make_dependency(art, pi, rte, needing_team=team, providing_team=other_team, needed_by=development[1])
    before = dependency_state(dependency)
    patched = client.patch(dependency_url(dependency), {"needed_by": later_iteration.pk, "version": 1}, format="json")
    assert patched.status_code == 400
    assert "Choose an iteration of PI 2026.4." in messages(patched)
    assert dependency_state(dependency) == before


def test_a_team_does_not_depend_on_itself(art, pi, team, other_team, development, rte):
    client = client_for(rte)
    payload = dependency_payload(art, pi, team, other_team, development, rte, providing_team=team.pk)
    response = client.post(DEPENDENCIES, payload, format="json")
    assert response.status_code == 400
    assert "A team does not depend on itself" in messages(response)
    assert not Dependency.objects.exists()
    dependency = make_dependency(art, pi, rte, needing_team=team, providing_team=other_team, needed_by=development[1])
    before = dependency_state(dependency)
    patched = client.patch(dependency_url(dependency), {"providing_team": team.pk, "version": 1}, format="json")
    assert patched.status_code == 400
    assert "A team does not depend on itself" in messages(patched)
    assert dependency_state(dependency) == before


@pytest.mark.parametrize(
    ("overrides", "text"),
    [
        ({"providing_team": None}, "Name the providing team, or the external party"),
        ({"external_party": "Card vendor"}, "not both"),
        ({"owner": None}, "null"),
        ({"description": ""}, "blank"),
        ({"description": "x" * 2001}, "2000"),
        ({"planned_iteration": "ip"}, "IP"),
        ({"needing_feature": 10**9}, "There is no feature with id"),
        ({"needed_by": 10**9}, "There is no iteration with id"),
    ],
)
def test_bad_dependency_input_is_refused(art, pi, team, other_team, development, rte, overrides, text):
    if overrides.get("planned_iteration") == "ip":
        overrides = {"planned_iteration": pi.iterations.get(is_ip=True).pk}
    payload = dependency_payload(art, pi, team, other_team, development, rte, **overrides)
    response = client_for(rte).post(DEPENDENCIES, payload, format="json")
    assert response.status_code == 400
    assert text in messages(response)
    assert not Dependency.objects.exists()


def test_another_trains_ids_are_unknown_for_a_dependency(art, pi, team, other_team, development, rte, other_art):
    other_pi = make_pi(other_art, name="Lending PI", start=date(2026, 10, 5))
    lynx = TeamFactory(art=other_art, name="Lynx")
    stranger = make_member(other_art, Role.RTE)
    foreign_feature = FeatureFactory(art=other_art)
    client = client_for(rte)
    for field, value in [
        ("pi", other_pi.pk),
        ("needing_team", lynx.pk),
        ("providing_team", lynx.pk),
        ("needed_by", other_pi.iterations.first().pk),
        ("owner", stranger.pk),
        ("providing_feature", foreign_feature.pk),
    ]:
        payload = dependency_payload(art, pi, team, other_team, development, rte, **{field: value})
        response = client.post(DEPENDENCIES, payload, format="json")
        assert response.status_code == 400, field
        assert "There is no" in messages(response)
    assert not Dependency.objects.exists()


def test_an_unknown_or_disallowed_dependency_state_is_refused(art, pi, team, other_team, development, rte):
    dependency = make_dependency(art, pi, rte, needing_team=team, providing_team=other_team, needed_by=development[1])
    client = client_for(rte)
    unknown = client.post(dependency_url(dependency, "move"), {"state": "done", "version": 1})
    assert unknown.status_code == 400
    assert (
        "“done” is not a dependency state: use one of requested, committed, at_risk, blocked, delivered, cancelled."
        in messages(unknown)
    )
    assert client.post(dependency_url(dependency, "move"), {"state": "cancelled", "version": 1}).status_code == 200
    reopened = client.post(dependency_url(dependency, "move"), {"state": "committed", "version": 2})
    assert reopened.status_code == 400
    assert "nowhere: it is closed" in messages(reopened)
    edited = client.patch(dependency_url(dependency), {"description": "Again", "version": 2}, format="json")
    assert edited.status_code == 400
    assert "it no longer changes" in messages(edited)
    assert dependency_state(dependency) == ("Settlement endpoint", "cancelled", "", development[1].pk, 2, 2)


def test_a_stale_dependency_version_is_409(art, pi, team, other_team, development, rte, scrum_master):
    dependency = make_dependency(art, pi, rte, needing_team=team, providing_team=other_team, needed_by=development[1])
    committed = client_for(rte).post(dependency_url(dependency, "move"), {"state": "committed", "version": 1})
    assert committed.status_code == 200
    client = client_for(scrum_master)
    responses = [
        client.patch(dependency_url(dependency), {"description": "Late", "version": 1}, format="json"),
        client.post(dependency_url(dependency, "move"), {"state": "blocked", "version": 1}),
        client.post(dependency_url(dependency, "review"), {"next_action": "Late", "version": 1}),
    ]
    assert [response.status_code for response in responses] == [409, 409, 409]
    assert dependency_state(dependency) == ("Settlement endpoint", "committed", "", development[1].pk, 2, 2)


def test_the_dependency_list_is_filtered(art, pi, team, other_team, third_team, development, rte):
    later = make_pi(art, name="PI 2027.1", start=date(2027, 1, 4))
    ours = make_dependency(art, pi, rte, needing_team=team, providing_team=other_team, needed_by=development[1])
    provided = make_dependency(art, pi, rte, needing_team=third_team, providing_team=team, needed_by=development[2])
    external = make_dependency(art, pi, rte, needing_team=other_team, needed_by=development[0])
    next_pi = make_dependency(
        art, later, rte, needing_team=team, providing_team=third_team, needed_by=later.iterations.first()
    )
    services.move_dependency(provided, to="blocked", by=rte, expected_version=1)
    client = client_for(rte)

    def ids(**params) -> list[int]:
        response = client.get(DEPENDENCIES, params)
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [ours.pk, provided.pk, external.pk, next_pi.pk]
    assert ids(pi=pi.pk) == [ours.pk, provided.pk, external.pk]
    assert ids(team=team.pk) == [ours.pk, provided.pk, next_pi.pk]
    assert ids(team=team.pk, pi=later.pk) == [next_pi.pk]
    assert ids(state="blocked") == [provided.pk]
    assert ids(providing_team="none") == [external.pk]
    refused = client.get(DEPENDENCIES, {"state": "done"})
    assert refused.status_code == 400 and "state" in refused.json()


# --- query counts: the same at two data sizes ----------------------------------------------------

# Session and user, then COUNT(*) for the page and the page (train, PI, teams, people joined).
LIST_QUERIES = 4
# Session and user, the object (with its train), the reader's roles there, its changes (with people).
HISTORY_QUERIES = 5


def grow(art, pi, teams, people, development, number: int) -> None:
    """``number`` risks and dependencies, spread over teams, people, states and iterations, with history."""
    for index in range(number):
        by = people[index % len(people)]
        team = teams[index % len(teams)]
        provider = teams[(index + 1) % len(teams)]
        risk = make_risk(art, pi, by, title=f"Risk {index}", team=team if index % 3 else None, owner=people[0])
        services.roam_risk(risk, to="mitigated", by=people[0], expected_version=1, mitigation_plan="Plan")
        needed_by = development[index % len(development)]
        if index % 2:
            dependency = make_dependency(
                art,
                pi,
                by,
                needing_team=team,
                providing_team=provider,
                needed_by=needed_by,
                planned_iteration=development[(index + 1) % len(development)],
                needing_feature=FeatureFactory(art=art, pi=pi),
            )
        else:
            dependency = make_dependency(art, pi, by, needing_team=team, needed_by=needed_by)
        services.move_dependency(dependency, to="committed", by=people[0], expected_version=1)


@pytest.mark.parametrize("url", [RISKS, DEPENDENCIES])
def test_list_query_count_does_not_grow(
    url, art, pi, team, other_team, development, rte, team_member, django_assert_num_queries
):
    client = client_for(rte)
    grow(art, pi, [team], [rte], development, 1)
    with django_assert_num_queries(LIST_QUERIES):
        small = client.get(url)
    teams = [team, other_team, *(TeamFactory(art=art) for _ in range(3))]
    people = [rte, team_member, *(make_member(art, Role.TEAM_MEMBER, team) for _ in range(3))]
    grow(art, pi, teams, people, development, 20)
    with django_assert_num_queries(LIST_QUERIES):
        large = client.get(url)
    assert small.status_code == large.status_code == 200
    assert (small.json()["count"], large.json()["count"]) == (1, 21)


def test_history_query_counts_do_not_grow(art, pi, team, other_team, development, rte, django_assert_num_queries):
    client = client_for(rte)
    risk = make_risk(art, pi, rte, team=team)
    dependency = make_dependency(art, pi, rte, needing_team=team, providing_team=other_team, needed_by=development[1])
    urls = [risk_url(risk, "history"), dependency_url(dependency, "history")]
    small = []
    for url in urls:
        with django_assert_num_queries(HISTORY_QUERIES):
            small.append(len(client.get(url).json()))
    people = [make_member(art, Role.PRODUCT_MANAGEMENT) for _ in range(4)]
    for version, person in enumerate(people, start=1):
        services.update_risk(risk, by=person, expected_version=version, title=f"Title {version}")
        services.review_dependency(
            dependency, by=rte, expected_version=version, next_action=f"Step {version}", reviewed_on=date(2026, 10, 20)
        )
    large = []
    for url in urls:
        with django_assert_num_queries(HISTORY_QUERIES):
            large.append(len(client.get(url).json()))
    assert (small, large) == ([1, 1], [5, 5])
    assert RiskChange.objects.filter(risk=risk).values("by").distinct().count() == 5
    assert DependencyChange.objects.filter(dependency=dependency).count() == 5
