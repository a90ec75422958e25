"""The API of the teams' PI plans (the team board's data): capacities and stories.

Who may do what (over every persona), bad input (400, nothing saved), stale versions (409),
filters, the capacity load and the query counts; and a Scrum Master on another team's plan.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from artops.models import Role
from planning.models import IP_REFUSAL, FeaturePlacement, PIObjective, Story, TeamCapacity
from tests.api_helpers import api_status, api_url, client_for, expected, grow_plan, persona_name, placement_unchanged
from tests.conftest import PERSONAS, make_member
from tests.factories import MembershipFactory, TeamFactory, UserFactory, make_pi
from tests.planning.factories import CapacityFactory, FeatureFactory, ObjectiveFactory, PlacementFactory, StoryFactory

PLAN_EDITORS = {"rte", "scrum_master", "product_owner"}
KINDS = ("capacity", "story")


@pytest.fixture
def feature(art, pi):
    return FeatureFactory(art=art, pi=pi)


@pytest.fixture
def capacity(team, development):
    return CapacityFactory(team=team, iteration=development[0])


@pytest.fixture
def story(team, pi, development):
    return StoryFactory(team=team, pi=pi, iteration=development[0], points=3)


@pytest.fixture
def later_pi(art, pi):
    return make_pi(art, name="PI 2027.1", start=pi.end_date + timedelta(days=1))


# --- reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("kind", KINDS)
def test_read_permission_matrix(everyone, persona, kind, request):
    name = persona_name(request)
    obj = request.getfixturevalue(kind)
    client = client_for(persona)
    assert api_status(client.get(api_url(kind, obj))) == expected(name, True, 200)
    listed = client.get(api_url(kind))
    if name == "anonymous":
        assert api_status(listed) == 401
    else:
        assert listed.status_code == 200
        assert listed.json()["count"] == (0 if name == "outsider" else 1)


@pytest.mark.parametrize("kind", KINDS)
def test_a_reader_may_open_every_endpoint_in_the_browsable_api(team_member, kind, request):
    # The browsable API asks whether to offer an edit form; a reader is shown none, not refused the page.
    obj = request.getfixturevalue(kind)
    client = client_for(team_member)
    for url in (api_url(kind), api_url(kind, obj)):
        response = client.get(url, headers={"Accept": "text/html"})
        assert response.status_code == 200, url


# --- capacity ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_capacity_create_permission_matrix(everyone, persona, team, development, request):
    name = persona_name(request)
    payload = {"team": team.pk, "iteration": development[0].pk, "fte": 5}
    response = client_for(persona).post(api_url("capacity"), payload, format="json")
    # An outsider names a team that is not on their trains: a validation error, as for any unknown team.
    assert api_status(response) == expected(name, name in PLAN_EDITORS, 201, outsider=400)
    assert TeamCapacity.objects.exists() == (response.status_code == 201)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_capacity_update_permission_matrix(everyone, persona, capacity, request):
    name = persona_name(request)
    response = client_for(persona).patch(api_url("capacity", capacity), {"fte": 6}, format="json")
    allowed = name in PLAN_EDITORS
    assert api_status(response) == expected(name, allowed, 200)
    capacity.refresh_from_db()
    assert capacity.capacity == (48 if allowed else 40)


def test_capacity_post_is_an_upsert_and_patch_keeps_what_it_leaves_out(scrum_master, team, development):
    client = client_for(scrum_master)
    payload = {"team": team.pk, "iteration": development[0].pk, "fte": "7", "holiday_days": 14, "vacation_days": 3}
    created = client.post(api_url("capacity"), payload, format="json")
    assert created.status_code == 201
    # DESIGN.md: 7 developers, 2 holidays each, 3 vacation days → 56 − 14 − 3 = 39.
    assert (created.json()["normalised"], created.json()["capacity"]) == (39, 39)
    corrected = client.post(api_url("capacity"), {**payload, "fte": 5, "holiday_days": 0}, format="json")
    assert corrected.status_code == 200 and corrected.json()["id"] == created.json()["id"]
    assert corrected.json()["capacity"] == 37
    capacity = TeamCapacity.objects.get()
    patched = client.patch(api_url("capacity", capacity), {"velocity": 30}, format="json")
    assert patched.status_code == 200
    assert (patched.json()["normalised"], patched.json()["capacity"], patched.json()["vacation_days"]) == (37, 30, 3)
    reset = client.patch(api_url("capacity", capacity), {"velocity": None}, format="json")
    assert reset.json()["capacity"] == 37
    assert TeamCapacity.objects.count() == 1


def test_capacity_shows_the_load_planned_into_its_iteration(rte, team, other_team, pi, development):
    first, second, third = development[:3]
    for points in (5, 8):
        StoryFactory(team=team, pi=pi, iteration=first, points=points)
    StoryFactory(team=other_team, pi=pi, iteration=first, points=13)
    StoryFactory(team=team, pi=pi, iteration=None, points=20)
    StoryFactory(team=team, pi=pi, iteration=second, points=11)
    CapacityFactory(team=team, iteration=first)  # 5 FTE → 40
    CapacityFactory(team=team, iteration=second, velocity=10)
    CapacityFactory(team=team, iteration=third, velocity=0)
    rows = client_for(rte).get(api_url("capacity"), {"team": team.pk}).json()["results"]
    loads = [(row["iteration"], row["capacity"], row["load"], row["load_percent"], row["overloaded"]) for row in rows]
    assert loads == [
        (first.pk, 40, 13, 33, False),
        (second.pk, 10, 11, 110, True),
        # No capacity and nothing planned: no percentage rather than a division by zero.
        (third.pk, 0, 0, None, False),
    ]


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"fte": -1}, "fte", "People and days off cannot be negative."),
        ({"fte": 51}, "fte", "A team has at most 50 full-time developers and testers."),
        ({"fte": "many"}, "fte", "valid number"),
        ({"fte": 5, "vacation_days": -2}, "vacation_days", "People and days off cannot be negative."),
        ({"fte": 5, "vacation_days": 501}, "vacation_days", "At most 500 vacation person-days."),
        ({"fte": 5, "holiday_days": 501}, "holiday_days", "At most 500 holiday person-days."),
        ({"fte": 5, "velocity": -1}, "velocity", "Measured velocity cannot be negative."),
        ({"fte": 5, "velocity": 1000}, "velocity", "Measured velocity is at most 999 points."),
        ({"fte": 5, "velocity": "١٢"}, "velocity", "digits 0–9"),
        ({"fte": 5, "iteration": "ip"}, "iteration", "IP iteration"),
        ({"fte": 5, "iteration": 10**30}, "iteration", "no iteration with id"),
        ({"fte": 5, "team": "x"}, "team", "Incorrect type"),
    ],
)
def test_bad_capacity_input_is_400_and_saves_nothing(rte, team, development, payload, field, message, pi):
    ip_iteration = pi.iterations.ip().get()
    data = {"team": team.pk, "iteration": development[0].pk, **payload}
    if data["iteration"] == "ip":
        data["iteration"] = ip_iteration.pk
    response = client_for(rte).post(api_url("capacity"), data, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not TeamCapacity.objects.exists()


def test_capacity_in_an_iteration_of_another_of_your_trains_is_refused(rte, team, other_art):
    # The RTE of both trains sees the other train's iteration; the service refuses it for this team.
    MembershipFactory(user=rte, art=other_art, role=Role.RTE, team=None)
    foreign_iteration = make_pi(other_art, name="Theirs", start=date(2026, 10, 5)).iterations.first()
    response = client_for(rte).post(
        api_url("capacity"), {"team": team.pk, "iteration": foreign_iteration.pk, "fte": 5}, format="json"
    )
    assert response.status_code == 400
    assert "belongs to another train" in " ".join(response.json()["iteration"])
    assert not TeamCapacity.objects.exists()


def test_capacities_list_is_filtered(rte, art, team, other_team, pi, later_pi, development):
    ours = CapacityFactory(team=team, iteration=development[0])
    theirs = CapacityFactory(team=other_team, iteration=development[1])
    later = CapacityFactory(team=team, iteration=later_pi.iterations.first())
    client = client_for(rte)

    def filtered(**params) -> list[int]:
        return sorted(row["id"] for row in client.get(api_url("capacity"), params).json()["results"])

    assert filtered() == sorted([ours.pk, theirs.pk, later.pk])
    assert filtered(pi=pi.pk) == sorted([ours.pk, theirs.pk])
    assert filtered(team=team.pk) == sorted([ours.pk, later.pk])
    assert filtered(iteration=development[1].pk) == [theirs.pk]
    assert filtered(art="payments", team=other_team.pk) == [theirs.pk]
    assert filtered(art="lending") == []
    assert client.get(api_url("capacity"), {"team": "falcons"}).status_code == 400


def test_decimal_capacity_fields_are_numbers(scrum_master, team, development):
    response = client_for(scrum_master).post(
        api_url("capacity"),
        {"team": team.pk, "iteration": development[0].pk, "fte": "2.25", "vacation_days": "0.5"},
        format="json",
    )
    body = response.json()
    assert (body["fte"], body["vacation_days"], body["normalised"], body["capacity"]) == (2.25, 0.5, 17.5, 17.5)
    assert TeamCapacity.objects.get().capacity == Decimal("17.5")


def test_a_stale_capacity_patch_is_409_and_changes_nothing(rte, capacity):
    url = f"/api/capacities/{capacity.pk}/"
    assert client_for(rte).patch(url, {"fte": "6", "version": 1}, format="json").status_code == 200
    response = client_for(rte).patch(url, {"fte": "2", "version": 1}, format="json")
    assert response.status_code == 409
    capacity.refresh_from_db()
    assert (capacity.fte, capacity.version) == (6, 2)


# --- stories -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_story_create_permission_matrix(everyone, persona, team, pi, request):
    name = persona_name(request)
    payload = {"team": team.pk, "pi": pi.pk, "title": "Refunds", "points": 5}
    response = client_for(persona).post(api_url("story"), payload, format="json")
    allowed = name in PLAN_EDITORS | {"team_member"}
    assert api_status(response) == expected(name, allowed, 201, outsider=400)
    assert Story.objects.exists() == allowed
    if name == "team_member":
        # A team member's new story is theirs.
        assert Story.objects.get().owner == persona


def story_write(client: APIClient, story: Story, action: str, development, version: int = 1):
    if action == "patch":
        return client.patch(api_url("story", story), {"points": 8, "version": version}, format="json")
    if action == "move":
        return client.post(
            api_url("story", story, "move"), {"iteration": development[1].pk, "version": version}, format="json"
        )
    return client.delete(f"{api_url('story', story)}?version={version}")


def story_unchanged(story: Story, development) -> bool:
    story.refresh_from_db()
    return (story.points, story.iteration, story.version) == (3, development[0], 1)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("action", ["patch", "move", "delete"])
@pytest.mark.parametrize("owned_by_team_member", [True, False])
def test_story_write_permission_matrix(
    everyone, persona, action, owned_by_team_member, team_member, story, development, request
):
    name = persona_name(request)
    if owned_by_team_member:
        Story.objects.filter(pk=story.pk).update(owner=team_member)
    response = story_write(client_for(persona), story, action, development)
    allowed = name in PLAN_EDITORS or (name == "team_member" and owned_by_team_member)
    assert api_status(response) == expected(name, allowed, 204 if action == "delete" else 200)
    if not allowed:
        assert story_unchanged(story, development)
    elif action == "delete":
        assert not Story.objects.exists()
    else:
        story.refresh_from_db()
        assert story.version == 2


def test_team_member_may_not_hand_their_story_to_someone_else(team_member, scrum_master, team, pi):
    story = StoryFactory(team=team, pi=pi, owner=team_member)
    response = client_for(team_member).patch(
        api_url("story", story), {"owner": scrum_master.pk, "version": 1}, format="json"
    )
    assert response.status_code == 403
    assert "ask your Scrum Master" in response.json()["detail"]
    story.refresh_from_db()
    assert (story.owner, story.version) == (team_member, 1)


def test_team_member_is_told_they_change_only_their_own_stories(team_member, story, development):
    response = story_write(client_for(team_member), story, "patch", development)
    assert response.status_code == 403
    assert response.json()["detail"] == "You may change only the stories you own, on your own team."


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"points": -1}, "points", "Points cannot be negative."),
        ({"points": 101}, "points", "Points are between 0 and 100."),
        ({"points": "lots"}, "points", "is not a whole number"),
        ({"points": "²"}, "points", "digits 0–9"),
        ({"iteration": "ip"}, "iteration", IP_REFUSAL),
        ({"iteration": "later"}, "iteration", "Choose an iteration of PI 2026.4."),
        ({"feature": 999_999}, "feature", "There is no feature with id 999999 on your trains."),
        ({"feature": "foreign"}, "feature", "There is no feature with id"),
        ({"owner": 999_999}, "owner", "There is no person with id 999999 on your trains."),
        ({"state": "blocked"}, "state", "is not a valid choice"),
        ({"title": "  "}, "title", "may not be blank"),
        ({"title": "x" * 201}, "title", "no more than 200 characters"),
    ],
)
def test_bad_story_input_is_400_and_changes_nothing(
    scrum_master, team, pi, story, development, later_pi, other_art, payload, field, message
):
    ip_iteration = pi.iterations.ip().get()
    replacements = {
        "ip": ip_iteration.pk,
        "later": later_pi.iterations.first().pk,
        "foreign": FeatureFactory(art=other_art).pk,
    }
    payload = {
        key: replacements.get(value, value) if isinstance(value, str) else value for key, value in payload.items()
    }
    client = client_for(scrum_master)
    created = client.post(api_url("story"), {"team": team.pk, "pi": pi.pk, "title": "New", **payload}, format="json")
    assert created.status_code == 400
    assert message in " ".join(created.json()[field])
    patched = client.patch(api_url("story", story), {**payload, "version": 1}, format="json")
    assert patched.status_code == 400
    assert message in " ".join(patched.json()[field])
    assert Story.objects.count() == 1
    assert story_unchanged(story, development)


def test_story_move_into_the_ip_iteration_or_another_pi_is_400(scrum_master, story, development, later_pi, pi):
    ip_iteration = pi.iterations.ip().get()
    client = client_for(scrum_master)
    for iteration, message in ((ip_iteration, IP_REFUSAL), (later_pi.iterations.first(), "Choose an iteration of")):
        response = client.post(
            api_url("story", story, "move"), {"iteration": iteration.pk, "version": 1}, format="json"
        )
        assert response.status_code == 400
        assert message in " ".join(response.json()["iteration"])
    assert story_unchanged(story, development)


def test_story_move_back_to_unplanned_and_the_version(scrum_master, story, development):
    client = client_for(scrum_master)
    moved = client.post(api_url("story", story, "move"), {"iteration": None, "version": 1}, format="json")
    assert moved.status_code == 200
    assert (moved.json()["iteration"], moved.json()["iteration_name"], moved.json()["version"]) == (None, None, 2)
    missing = client.post(api_url("story", story, "move"), {"iteration": development[1].pk}, format="json")
    assert missing.status_code == 400 and "required" in " ".join(missing.json()["version"])


@pytest.mark.parametrize("action", ["patch", "move", "delete"])
def test_stale_story_version_is_409(scrum_master, story, development, action):
    Story.objects.filter(pk=story.pk).update(version=2, points=13)
    response = story_write(client_for(scrum_master), story, action, development, version=1)
    assert response.status_code == 409
    assert "a moment ago" in response.json()["detail"]
    story.refresh_from_db()
    assert (story.points, story.version) == (13, 2)


def test_story_delete_needs_the_version(scrum_master, story, development):
    client = client_for(scrum_master)
    for url in (api_url("story", story), f"{api_url('story', story)}?version=abc"):
        response = client.delete(url)
        assert response.status_code == 400 and "version" in response.json()
    # The version in the body serves too.
    assert client.delete(api_url("story", story), {"version": 1}, format="json").status_code == 204
    assert not Story.objects.exists()


def test_story_list_is_filtered(rte, team, other_team, pi, later_pi, development, feature, team_member):
    first, second = development[:2]
    planned = StoryFactory(team=team, pi=pi, iteration=first, feature=feature, owner=team_member)
    unplanned = StoryFactory(team=team, pi=pi, iteration=None, state=Story.State.DONE)
    theirs = StoryFactory(team=other_team, pi=pi, iteration=second)
    later = StoryFactory(team=team, pi=later_pi)
    client = client_for(rte)

    def filtered(**params) -> list[int]:
        response = client.get(api_url("story"), params)
        assert response.status_code == 200
        return sorted(row["id"] for row in response.json()["results"])

    everything = sorted(story.pk for story in (planned, unplanned, theirs, later))
    assert filtered() == everything
    assert filtered(art="payments") == everything
    assert filtered(art="lending") == []
    assert filtered(pi=pi.pk) == sorted([planned.pk, unplanned.pk, theirs.pk])
    assert filtered(team=other_team.pk) == [theirs.pk]
    assert filtered(iteration=first.pk) == [planned.pk]
    assert filtered(iteration="none") == sorted([unplanned.pk, later.pk])
    assert filtered(feature=feature.pk) == [planned.pk]
    assert filtered(state="done") == [unplanned.pk]
    assert filtered(owner=team_member.pk) == [planned.pk]
    assert client_for(team_member).get(api_url("story"), {"owner": "me"}).json()["count"] == 1
    assert client.get(api_url("story"), {"state": "blocked"}).status_code == 400
    # A value that is not an id (issue 10: read by artops.parsing) is a 400 that names the filter.
    for name, value in [("iteration", "first"), ("team", 10**30), ("feature", "²"), ("owner", "9" * 5000)]:
        response = client.get(api_url("story"), {name: value})
        assert response.status_code == 400 and name in response.json()


def test_people_of_the_train_only_own_stories(scrum_master, team, pi):
    stranger = UserFactory()
    response = client_for(scrum_master).post(
        api_url("story"), {"team": team.pk, "pi": pi.pk, "title": "Yours", "owner": stranger.pk}, format="json"
    )
    assert response.status_code == 400
    assert "no person with id" in " ".join(response.json()["owner"])
    assert not Story.objects.exists()


# --- the Scrum Master of one team on another team's board ----------------------------------------


def test_scrum_master_cannot_change_another_teams_plan(scrum_master, other_team, pi, feature, development):
    client = client_for(scrum_master)
    capacity = CapacityFactory(team=other_team, iteration=development[0])
    story = StoryFactory(team=other_team, pi=pi, iteration=development[0], points=3)
    placement = PlacementFactory(feature=feature, team=other_team, iteration=development[0])
    objective = ObjectiveFactory(team=other_team, pi=pi, statement="Theirs")
    refused = [
        client.post(api_url("capacity"), {"team": other_team.pk, "iteration": development[1].pk, "fte": 1}),
        client.patch(api_url("capacity", capacity), {"fte": 1}, format="json"),
        client.post(api_url("story"), {"team": other_team.pk, "pi": pi.pk, "title": "Sneaky"}, format="json"),
        story_write(client, story, "patch", development),
        story_write(client, story, "move", development),
        story_write(client, story, "delete", development),
        client.post(
            api_url("placement"),
            {
                "feature": FeatureFactory(art=feature.art, pi=pi).pk,
                "team": other_team.pk,
                "iteration": development[1].pk,
            },
            format="json",
        ),
        client.patch(api_url("placement", placement), {"iteration": development[1].pk, "version": 1}, format="json"),
        client.delete(f"{api_url('placement', placement)}?version=1"),
        client.post(api_url("objective"), {"team": other_team.pk, "pi": pi.pk, "statement": "Ours now"}, format="json"),
        client.patch(api_url("objective", objective), {"statement": "Ours now", "version": 1}, format="json"),
        client.delete(f"{api_url('objective', objective)}?version=1"),
    ]
    assert [response.status_code for response in refused] == [403] * len(refused)
    capacity.refresh_from_db()
    objective.refresh_from_db()
    assert capacity.fte == 5 and TeamCapacity.objects.count() == 1
    assert story_unchanged(story, development) and Story.objects.count() == 1
    assert placement_unchanged(placement, development) and FeaturePlacement.objects.count() == 1
    assert (objective.statement, objective.version, PIObjective.objects.count()) == ("Theirs", 1, 1)


# --- query counts: the same at two data sizes ----------------------------------------------------


# Session and user, then COUNT(*) for the page and the page (related rows joined).
LIST_QUERIES = {"capacity": 4, "story": 4}


@pytest.mark.parametrize("kind", KINDS)
def test_list_query_count_does_not_grow(
    kind, rte, art, pi, team, other_team, development, team_member, django_assert_num_queries
):
    client = client_for(rte)
    teams = [team, other_team]
    grow_plan(art, pi, teams, development, 1, [team_member])
    with django_assert_num_queries(LIST_QUERIES[kind]):
        small = client.get(api_url(kind))
    more_teams = [*teams, *(TeamFactory(art=art) for _ in range(3))]
    people = [team_member, rte, *(make_member(art, Role.TEAM_MEMBER, team) for _ in range(3))]
    grow_plan(art, pi, more_teams, development, 24, people)
    with django_assert_num_queries(LIST_QUERIES[kind]):
        large = client.get(api_url(kind))
    assert small.status_code == large.status_code == 200
    assert large.json()["count"] > small.json()["count"] >= 1
