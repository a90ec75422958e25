"""The API of dependencies: who may do what, bad input, stale versions, age and health, filters
and the query counts of the list and the history."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from artops.models import Role
from risks import services
from risks.models import Dependency, DependencyChange
from tests.api_helpers import api_status, client_for, expected, messages, persona_name
from tests.conftest import PERSONAS, make_member
from tests.factories import TeamFactory, make_pi
from tests.planning.factories import FeatureFactory

DEPENDENCY_OWN_TEAM = {"scrum_master", "product_owner"}


# 09:00 in Berlin on a day inside the PI of the ``pi`` fixture (5 Oct 2026 onwards).
NOW = datetime(2026, 10, 20, 7, 0, tzinfo=UTC)
DEPENDENCIES = reverse("api-dependency-list")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def third_team(art):
    return TeamFactory(art=art, name="Herons")


def dependency_url(dependency: Dependency, action: str = "") -> str:
    return reverse(f"api-dependency-{action or 'detail'}", kwargs={"pk": dependency.pk})


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


# --- who may do what -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_dependency_read_permission_matrix(art, pi, team, other_team, development, everyone, rte, persona, request):
    name = persona_name(request)
    dependency = make_dependency(art, pi, rte, needing_team=team, providing_team=other_team, needed_by=development[1])
    client = client_for(persona)
    assert api_status(client.get(dependency_url(dependency))) == expected(name, True)
    assert api_status(client.get(dependency_url(dependency, "history"))) == expected(name, True)
    listed = client.get(DEPENDENCIES)
    if name == "anonymous":
        assert api_status(listed) == 401
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
    assert api_status(response) == status
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
    assert api_status(response) == expected(name, allowed)
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


def test_a_role_that_may_not_change_learns_nothing_from_validation(
    art, pi, team, other_team, development, rte, team_member
):
    """The capability is asked before the input is read: invalid input from such a role is still 403."""
    dependency = make_dependency(art, pi, rte, needing_team=team, providing_team=other_team, needed_by=development[1])
    client = client_for(team_member)
    assert client.patch(dependency_url(dependency), {"needed_by": 10**9}, format="json").status_code == 403
    assert client.post(dependency_url(dependency, "move"), {"state": "nope"}, format="json").status_code == 403
    assert client.post(dependency_url(dependency, "review"), {}, format="json").status_code == 403
    assert dependency_state(dependency) == ("Settlement endpoint", "requested", "", development[1].pk, 1, 1)


# --- bad input -----------------------------------------------------------------------------------


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
        overrides = {"planned_iteration": pi.iterations.ip().get().pk}
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
    """``number`` dependencies, spread over teams, people, states and iterations, with history."""
    for index in range(number):
        by = people[index % len(people)]
        team = teams[index % len(teams)]
        provider = teams[(index + 1) % len(teams)]
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


def test_list_query_count_does_not_grow(
    art, pi, team, other_team, development, rte, team_member, django_assert_num_queries
):
    client = client_for(rte)
    grow(art, pi, [team], [rte], development, 1)
    with django_assert_num_queries(LIST_QUERIES):
        small = client.get(DEPENDENCIES)
    teams = [team, other_team, *(TeamFactory(art=art) for _ in range(3))]
    people = [rte, team_member, *(make_member(art, Role.TEAM_MEMBER, team) for _ in range(3))]
    grow(art, pi, teams, people, development, 20)
    with django_assert_num_queries(LIST_QUERIES):
        large = client.get(DEPENDENCIES)
    assert small.status_code == large.status_code == 200
    assert (small.json()["count"], large.json()["count"]) == (1, 21)


def test_history_query_count_does_not_grow(art, pi, team, other_team, development, rte, django_assert_num_queries):
    client = client_for(rte)
    dependency = make_dependency(art, pi, rte, needing_team=team, providing_team=other_team, needed_by=development[1])
    with django_assert_num_queries(HISTORY_QUERIES):
        small = len(client.get(dependency_url(dependency, "history")).json())
    for version in range(1, 5):
        services.review_dependency(
            dependency, by=rte, expected_version=version, next_action=f"Step {version}", reviewed_on=date(2026, 10, 20)
        )
    with django_assert_num_queries(HISTORY_QUERIES):
        large = len(client.get(dependency_url(dependency, "history")).json())
    assert (small, large) == (1, 5)
    assert DependencyChange.objects.filter(dependency=dependency).count() == 5
