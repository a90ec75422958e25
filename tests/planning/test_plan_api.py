"""The API of the team plans and PI objectives: who may do what (business value field by field),
bad input, stale versions, filters, the capacity load, the totals and the query counts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from artops.models import Role
from planning.models import (
    IP_REFUSAL,
    FeaturePlacement,
    ObjectiveChange,
    PIObjective,
    PlacementChange,
    Story,
    TeamCapacity,
)
from tests.conftest import PERSONAS, make_member
from tests.factories import MembershipFactory, TeamFactory, UserFactory, make_pi
from tests.planning.factories import (
    CapacityFactory,
    FeatureFactory,
    ObjectiveFactory,
    PlacementFactory,
    StoryFactory,
)

PLAN_EDITORS = {"rte", "scrum_master", "product_owner"}
BUSINESS_OWNERS = {"business_owner"}
BASENAMES = {
    "capacity": "api-capacity",
    "story": "api-story",
    "placement": "api-placement",
    "objective": "api-objective",
}


def list_url(kind: str) -> str:
    return reverse(f"{BASENAMES[kind]}-list")


def detail_url(kind: str, obj, action: str = "") -> str:
    name = f"{BASENAMES[kind]}-{action or 'detail'}"
    return reverse(name, kwargs={"pk": obj.pk})


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def persona_name(request) -> str:
    return request.node.callspec.params["persona"]


def expected(name: str, allowed: bool, ok: int, *, outsider: int = 404) -> int:
    """The status a persona gets: an outsider sees nothing of the train (404, or 400 for ids in a payload)."""
    if name == "anonymous":
        return 401
    if name == "outsider":
        return outsider
    return ok if allowed else 403


def messages(response) -> str:
    """Every message of a 4xx body, flattened, to look for the words a person reads."""
    body = response.json()

    def flatten(value) -> list[str]:
        if isinstance(value, dict):
            return [text for item in value.values() for text in flatten(item)]
        if isinstance(value, list):
            return [text for item in value for text in flatten(item)]
        return [str(value)]

    return " ".join(flatten(body))


@pytest.fixture
def ip_iteration(pi):
    return pi.iterations.get(is_ip=True)


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
def placement(feature, team, development):
    return PlacementFactory(feature=feature, team=team, iteration=development[0])


@pytest.fixture
def objective(team, pi):
    return ObjectiveFactory(team=team, pi=pi, statement="Payouts in seconds")


@pytest.fixture
def later_pi(art, pi):
    return make_pi(art, name="PI 2027.1", start=pi.end_date + timedelta(days=1))


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("kind", BASENAMES)
def test_read_permission_matrix(everyone, persona, kind, request):
    name = persona_name(request)
    obj = request.getfixturevalue(kind)
    client = client_for(persona)
    assert client.get(detail_url(kind, obj)).status_code == expected(name, True, 200)
    listed = client.get(list_url(kind))
    if name == "anonymous":
        assert listed.status_code == 401
    else:
        assert listed.status_code == 200
        assert listed.json()["count"] == (0 if name == "outsider" else 1)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_totals_and_history_are_read_by_members_only(everyone, persona, pi, placement, request):
    name = persona_name(request)
    client = client_for(persona)
    totals = client.get(reverse("api-objective-totals"), {"pi": pi.pk})
    assert totals.status_code == expected(name, True, 200)
    history = client.get(detail_url("placement", placement, "history"))
    assert history.status_code == expected(name, True, 200)


# --- capacity --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_capacity_create_permission_matrix(everyone, persona, team, development, request):
    name = persona_name(request)
    payload = {"team": team.pk, "iteration": development[0].pk, "fte": 5}
    response = client_for(persona).post(list_url("capacity"), payload, format="json")
    # An outsider names a team that is not on their trains: a validation error, as for any unknown team.
    assert response.status_code == expected(name, name in PLAN_EDITORS, 201, outsider=400)
    assert TeamCapacity.objects.exists() == (response.status_code == 201)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_capacity_update_permission_matrix(everyone, persona, capacity, request):
    name = persona_name(request)
    response = client_for(persona).patch(detail_url("capacity", capacity), {"fte": 6}, format="json")
    allowed = name in PLAN_EDITORS
    assert response.status_code == expected(name, allowed, 200)
    capacity.refresh_from_db()
    assert capacity.capacity == (48 if allowed else 40)


def test_capacity_post_is_an_upsert_and_patch_keeps_what_it_leaves_out(scrum_master, team, development):
    client = client_for(scrum_master)
    payload = {"team": team.pk, "iteration": development[0].pk, "fte": "7", "holiday_days": 14, "vacation_days": 3}
    created = client.post(list_url("capacity"), payload, format="json")
    assert created.status_code == 201
    # DESIGN.md: 7 developers, 2 holidays each, 3 vacation days → 56 − 14 − 3 = 39.
    assert (created.json()["normalised"], created.json()["capacity"]) == (39, 39)
    corrected = client.post(list_url("capacity"), {**payload, "fte": 5, "holiday_days": 0}, format="json")
    assert corrected.status_code == 200 and corrected.json()["id"] == created.json()["id"]
    assert corrected.json()["capacity"] == 37
    capacity = TeamCapacity.objects.get()
    patched = client.patch(detail_url("capacity", capacity), {"velocity": 30}, format="json")
    assert patched.status_code == 200
    assert (patched.json()["normalised"], patched.json()["capacity"], patched.json()["vacation_days"]) == (37, 30, 3)
    reset = client.patch(detail_url("capacity", capacity), {"velocity": None}, format="json")
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
    rows = client_for(rte).get(list_url("capacity"), {"team": team.pk}).json()["results"]
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
        ({"fte": -1}, "fte", "greater than or equal to 0"),
        ({"fte": 51}, "fte", "less than or equal to 50"),
        ({"fte": "many"}, "fte", "valid number"),
        ({"fte": 5, "vacation_days": -2}, "vacation_days", "greater than or equal to 0"),
        ({"fte": 5, "velocity": -1}, "velocity", "greater than or equal to 0"),
        ({"fte": 5, "iteration": "ip"}, "iteration", "IP iteration"),
        ({"fte": 5, "iteration": 10**30}, "iteration", "no iteration with id"),
        ({"fte": 5, "team": "x"}, "team", "Incorrect type"),
    ],
)
def test_bad_capacity_input_is_400_and_saves_nothing(rte, team, development, ip_iteration, payload, field, message):
    data = {"team": team.pk, "iteration": development[0].pk, **payload}
    if data["iteration"] == "ip":
        data["iteration"] = ip_iteration.pk
    response = client_for(rte).post(list_url("capacity"), data, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not TeamCapacity.objects.exists()


def test_capacity_in_an_iteration_of_another_of_your_trains_is_refused(rte, team, other_art):
    # The RTE of both trains sees the other train's iteration; the service refuses it for this team.
    MembershipFactory(user=rte, art=other_art, role=Role.RTE, team=None)
    foreign_iteration = make_pi(other_art, name="Theirs", start=date(2026, 10, 5)).iterations.first()
    response = client_for(rte).post(
        list_url("capacity"), {"team": team.pk, "iteration": foreign_iteration.pk, "fte": 5}, format="json"
    )
    assert response.status_code == 400
    assert "belongs to another train" in " ".join(response.json()["iteration"])
    assert not TeamCapacity.objects.exists()


# --- stories ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_story_create_permission_matrix(everyone, persona, team, pi, request):
    name = persona_name(request)
    payload = {"team": team.pk, "pi": pi.pk, "title": "Refunds", "points": 5}
    response = client_for(persona).post(list_url("story"), payload, format="json")
    allowed = name in PLAN_EDITORS | {"team_member"}
    assert response.status_code == expected(name, allowed, 201, outsider=400)
    assert Story.objects.exists() == allowed
    if name == "team_member":
        # A team member's new story is theirs.
        assert Story.objects.get().owner == persona


def story_write(client: APIClient, story: Story, action: str, development, version: int = 1):
    if action == "patch":
        return client.patch(detail_url("story", story), {"points": 8, "version": version}, format="json")
    if action == "move":
        return client.post(
            detail_url("story", story, "move"), {"iteration": development[1].pk, "version": version}, format="json"
        )
    return client.delete(f"{detail_url('story', story)}?version={version}")


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
    assert response.status_code == expected(name, allowed, 204 if action == "delete" else 200)
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
        detail_url("story", story), {"owner": scrum_master.pk, "version": 1}, format="json"
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
        ({"points": "lots"}, "points", "valid integer"),
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
    scrum_master, team, pi, story, development, ip_iteration, later_pi, other_art, payload, field, message
):
    replacements = {
        "ip": ip_iteration.pk,
        "later": later_pi.iterations.first().pk,
        "foreign": FeatureFactory(art=other_art).pk,
    }
    payload = {
        key: replacements.get(value, value) if isinstance(value, str) else value for key, value in payload.items()
    }
    client = client_for(scrum_master)
    created = client.post(list_url("story"), {"team": team.pk, "pi": pi.pk, "title": "New", **payload}, format="json")
    assert created.status_code == 400
    assert message in " ".join(created.json()[field])
    patched = client.patch(detail_url("story", story), {**payload, "version": 1}, format="json")
    assert patched.status_code == 400
    assert message in " ".join(patched.json()[field])
    assert Story.objects.count() == 1
    assert story_unchanged(story, development)


def test_story_move_into_the_ip_iteration_or_another_pi_is_400(
    scrum_master, story, development, ip_iteration, later_pi
):
    client = client_for(scrum_master)
    for iteration, message in ((ip_iteration, IP_REFUSAL), (later_pi.iterations.first(), "Choose an iteration of")):
        response = client.post(
            detail_url("story", story, "move"), {"iteration": iteration.pk, "version": 1}, format="json"
        )
        assert response.status_code == 400
        assert message in " ".join(response.json()["iteration"])
    assert story_unchanged(story, development)


def test_story_move_back_to_unplanned_and_the_version(scrum_master, story, development):
    client = client_for(scrum_master)
    moved = client.post(detail_url("story", story, "move"), {"iteration": None, "version": 1}, format="json")
    assert moved.status_code == 200
    assert (moved.json()["iteration"], moved.json()["iteration_name"], moved.json()["version"]) == (None, None, 2)
    missing = client.post(detail_url("story", story, "move"), {"iteration": development[1].pk}, format="json")
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
    for url in (detail_url("story", story), f"{detail_url('story', story)}?version=abc"):
        response = client.delete(url)
        assert response.status_code == 400 and "version" in response.json()
    # The version in the body serves too.
    assert client.delete(detail_url("story", story), {"version": 1}, format="json").status_code == 204
    assert not Story.objects.exists()


def test_story_list_is_filtered(rte, team, other_team, pi, later_pi, development, feature, team_member):
    first, second = development[:2]
    planned = StoryFactory(team=team, pi=pi, iteration=first, feature=feature, owner=team_member)
    unplanned = StoryFactory(team=team, pi=pi, iteration=None, state=Story.State.DONE)
    theirs = StoryFactory(team=other_team, pi=pi, iteration=second)
    later = StoryFactory(team=team, pi=later_pi)
    client = client_for(rte)

    def filtered(**params) -> list[int]:
        response = client.get(list_url("story"), params)
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
    assert filtered(iteration="first") == []
    assert filtered(feature=feature.pk) == [planned.pk]
    assert filtered(state="done") == [unplanned.pk]
    assert filtered(owner=team_member.pk) == [planned.pk]
    assert filtered(team=10**30) == []
    assert client_for(team_member).get(list_url("story"), {"owner": "me"}).json()["count"] == 1
    assert client.get(list_url("story"), {"state": "blocked"}).status_code == 400


# --- feature placements ----------------------------------------------------------------------


def placement_unchanged(placement: FeaturePlacement, development) -> bool:
    placement.refresh_from_db()
    return (placement.iteration, placement.version) == (development[0], 1)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_placement_create_permission_matrix(everyone, persona, feature, team, development, request):
    name = persona_name(request)
    payload = {"feature": feature.pk, "team": team.pk, "iteration": development[1].pk}
    response = client_for(persona).post(list_url("placement"), payload, format="json")
    allowed = name in PLAN_EDITORS
    assert response.status_code == expected(name, allowed, 201, outsider=400)
    assert FeaturePlacement.objects.exists() == allowed
    assert PlacementChange.objects.exists() == allowed


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("action", ["patch", "delete"])
def test_placement_write_permission_matrix(everyone, persona, action, placement, development, request):
    name = persona_name(request)
    client = client_for(persona)
    if action == "patch":
        response = client.patch(
            detail_url("placement", placement), {"iteration": development[2].pk, "version": 1}, format="json"
        )
    else:
        response = client.delete(f"{detail_url('placement', placement)}?version=1")
    allowed = name in PLAN_EDITORS
    assert response.status_code == expected(name, allowed, 204 if action == "delete" else 200)
    if not allowed:
        assert placement_unchanged(placement, development)
        assert not PlacementChange.objects.exists()
    else:
        assert PlacementChange.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"iteration": "ip"}, "iteration", IP_REFUSAL),
        ({"iteration": "later"}, "iteration", "choose one of its iterations"),
        ({"feature": "unplanned"}, "feature", "not planned for a PI yet"),
        ({"feature": 999_999}, "feature", "There is no feature with id 999999 on your trains."),
        ({"team": 999_999}, "team", "There is no team with id 999999 on your trains."),
    ],
)
def test_bad_placement_input_is_400(
    scrum_master, art, feature, team, development, ip_iteration, later_pi, payload, field, message
):
    replacements = {
        "ip": ip_iteration.pk,
        "later": later_pi.iterations.first().pk,
        "unplanned": FeatureFactory(art=art, pi=None).pk,
    }
    payload = {key: replacements.get(value, value) for key, value in payload.items()}
    data = {"feature": feature.pk, "team": team.pk, "iteration": development[0].pk, **payload}
    response = client_for(scrum_master).post(list_url("placement"), data, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not FeaturePlacement.objects.exists() and not PlacementChange.objects.exists()


def test_placement_twice_and_moves_that_say_nothing_are_400(scrum_master, placement, feature, team, development):
    client = client_for(scrum_master)
    again = client.post(
        list_url("placement"), {"feature": feature.pk, "team": team.pk, "iteration": development[1].pk}, format="json"
    )
    assert again.status_code == 400 and "already placed" in messages(again)
    empty = client.patch(detail_url("placement", placement), {"version": 1}, format="json")
    assert empty.status_code == 400 and "iteration or the team" in messages(empty)
    into_ip = client.patch(
        detail_url("placement", placement),
        {"iteration": development[-1].pi.iterations.get(is_ip=True).pk, "version": 1},
    )
    assert into_ip.status_code == 400 and IP_REFUSAL in messages(into_ip)
    assert placement_unchanged(placement, development)


@pytest.mark.parametrize("action", ["patch", "delete"])
def test_stale_placement_version_is_409(rte, placement, development, action):
    FeaturePlacement.objects.filter(pk=placement.pk).update(version=2)
    client = client_for(rte)
    if action == "patch":
        response = client.patch(
            detail_url("placement", placement), {"iteration": development[2].pk, "version": 1}, format="json"
        )
    else:
        response = client.delete(detail_url("placement", placement), {"version": 1}, format="json")
    assert response.status_code == 409
    assert "a moment ago" in response.json()["detail"]
    assert FeaturePlacement.objects.get().iteration == development[0]
    assert not PlacementChange.objects.exists()


def test_placement_history_lists_every_change_of_the_feature(rte, scrum_master, feature, team, other_team, development):
    client = client_for(rte)
    created = client.post(
        list_url("placement"), {"feature": feature.pk, "team": team.pk, "iteration": development[0].pk}, format="json"
    )
    placement = FeaturePlacement.objects.get(pk=created.json()["id"])
    moved = client.patch(
        detail_url("placement", placement),
        {"iteration": development[1].pk, "team": other_team.pk, "version": 1},
        format="json",
    )
    assert moved.status_code == 200
    assert (moved.json()["team_name"], moved.json()["iteration"], moved.json()["version"]) == (
        "Otters",
        development[1].pk,
        2,
    )
    history = client.get(detail_url("placement", placement, "history")).json()
    assert [
        (row["from_team_name"], row["from_iteration"], row["to_team_name"], row["to_iteration"], row["by_name"])
        for row in history
    ] == [
        (None, None, "Falcons", development[0].pk, "Riley RTE"),
        ("Falcons", development[0].pk, "Otters", development[1].pk, "Riley RTE"),
    ]


def test_placement_list_is_filtered(rte, art, pi, later_pi, team, other_team, development):
    first, second = development[:2]
    feature, other_feature = FeatureFactory(art=art, pi=pi), FeatureFactory(art=art, pi=pi)
    ours = PlacementFactory(feature=feature, team=team, iteration=first)
    theirs = PlacementFactory(feature=feature, team=other_team, iteration=second)
    other = PlacementFactory(feature=other_feature, team=team, iteration=second)
    later_feature = FeatureFactory(art=art, pi=later_pi)
    later = PlacementFactory(feature=later_feature, team=team, iteration=later_pi.iterations.first())
    client = client_for(rte)

    def filtered(**params) -> list[int]:
        return sorted(row["id"] for row in client.get(list_url("placement"), params).json()["results"])

    assert filtered() == sorted([ours.pk, theirs.pk, other.pk, later.pk])
    assert filtered(pi=pi.pk) == sorted([ours.pk, theirs.pk, other.pk])
    assert filtered(team=other_team.pk) == [theirs.pk]
    assert filtered(feature=feature.pk) == sorted([ours.pk, theirs.pk])
    assert filtered(iteration=second.pk) == sorted([theirs.pk, other.pk])
    assert filtered(art="lending") == []


# --- the Scrum Master of one team on another team's board ---------------------------------------


def test_scrum_master_cannot_change_another_teams_plan(scrum_master, other_team, pi, feature, development):
    client = client_for(scrum_master)
    capacity = CapacityFactory(team=other_team, iteration=development[0])
    story = StoryFactory(team=other_team, pi=pi, iteration=development[0], points=3)
    placement = PlacementFactory(feature=feature, team=other_team, iteration=development[0])
    objective = ObjectiveFactory(team=other_team, pi=pi, statement="Theirs")
    refused = [
        client.post(list_url("capacity"), {"team": other_team.pk, "iteration": development[1].pk, "fte": 1}),
        client.patch(detail_url("capacity", capacity), {"fte": 1}, format="json"),
        client.post(list_url("story"), {"team": other_team.pk, "pi": pi.pk, "title": "Sneaky"}, format="json"),
        story_write(client, story, "patch", development),
        story_write(client, story, "move", development),
        story_write(client, story, "delete", development),
        client.post(
            list_url("placement"),
            {
                "feature": FeatureFactory(art=feature.art, pi=pi).pk,
                "team": other_team.pk,
                "iteration": development[1].pk,
            },
            format="json",
        ),
        client.patch(detail_url("placement", placement), {"iteration": development[1].pk, "version": 1}, format="json"),
        client.delete(f"{detail_url('placement', placement)}?version=1"),
        client.post(
            list_url("objective"), {"team": other_team.pk, "pi": pi.pk, "statement": "Ours now"}, format="json"
        ),
        client.patch(detail_url("objective", objective), {"statement": "Ours now", "version": 1}, format="json"),
        client.delete(f"{detail_url('objective', objective)}?version=1"),
    ]
    assert [response.status_code for response in refused] == [403] * len(refused)
    capacity.refresh_from_db()
    objective.refresh_from_db()
    assert capacity.fte == 5 and TeamCapacity.objects.count() == 1
    assert story_unchanged(story, development) and Story.objects.count() == 1
    assert placement_unchanged(placement, development) and FeaturePlacement.objects.count() == 1
    assert (objective.statement, objective.version, PIObjective.objects.count()) == ("Theirs", 1, 1)


def test_scrum_master_cannot_hand_a_card_to_another_team(scrum_master, placement, other_team, development):
    response = client_for(scrum_master).patch(
        detail_url("placement", placement), {"team": other_team.pk, "version": 1}, format="json"
    )
    assert response.status_code == 403
    assert placement_unchanged(placement, development)
    assert FeaturePlacement.objects.get().team != other_team


# --- PI objectives ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_objective_create_permission_matrix(everyone, persona, team, pi, feature, request):
    name = persona_name(request)
    payload = {"team": team.pk, "pi": pi.pk, "statement": "Payouts in seconds", "features": [feature.pk]}
    response = client_for(persona).post(list_url("objective"), payload, format="json")
    allowed = name in PLAN_EDITORS
    assert response.status_code == expected(name, allowed, 201, outsider=400)
    assert PIObjective.objects.exists() == allowed
    if allowed:
        body = response.json()
        assert (body["committed"], body["features"], body["feature_keys"]) == (True, [feature.pk], [feature.key])
        assert [change["field"] for change in body["changes"]] == ["created"]


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("action", ["patch", "delete"])
def test_objective_write_permission_matrix(everyone, persona, action, objective, request):
    name = persona_name(request)
    client = client_for(persona)
    if action == "patch":
        response = client.patch(
            detail_url("objective", objective), {"statement": "Payouts in a second", "version": 1}, format="json"
        )
    else:
        response = client.delete(f"{detail_url('objective', objective)}?version=1")
    allowed = name in PLAN_EDITORS
    assert response.status_code == expected(name, allowed, 204 if action == "delete" else 200)
    if not allowed:
        objective.refresh_from_db()
        assert (objective.statement, objective.version) == ("Payouts in seconds", 1)
    elif action == "patch":
        assert response.json()["statement"] == "Payouts in a second"
        assert [change["field"] for change in response.json()["changes"]] == ["statement"]


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("how", ["action", "patch"])
def test_business_value_permission_matrix(everyone, persona, how, objective, request):
    name = persona_name(request)
    client = client_for(persona)
    payload = {"planned_business_value": 8, "version": 1}
    if how == "action":
        response = client.post(detail_url("objective", objective, "business-value"), payload, format="json")
    else:
        response = client.patch(detail_url("objective", objective), payload, format="json")
    allowed = name in BUSINESS_OWNERS
    assert response.status_code == expected(name, allowed, 200)
    objective.refresh_from_db()
    if allowed:
        assert (objective.planned_business_value, objective.version) == (8, 2)
        change = response.json()["changes"][-1]
        assert (change["field"], change["old_value"], change["new_value"], change["by"], change["by_name"]) == (
            "planned_business_value",
            "",
            "8",
            persona.pk,
            "Bo Owner",
        )
    else:
        assert (objective.planned_business_value, objective.version) == (None, 1)
        assert not ObjectiveChange.objects.exists()


@pytest.mark.parametrize("persona", ["scrum_master", "rte", "product_owner"], indirect=True)
def test_refused_business_value_is_403_before_its_input_is_read(persona, objective):
    response = client_for(persona).patch(
        detail_url("objective", objective), {"planned_business_value": 11, "version": 1}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Only Business Owners set business value."


@pytest.mark.parametrize("persona", ["scrum_master", "rte", "product_owner"], indirect=True)
def test_writers_of_objectives_cannot_slip_business_value_into_an_edit(persona, objective):
    response = client_for(persona).patch(
        detail_url("objective", objective),
        {"statement": "Rewritten", "planned_business_value": 10, "actual_business_value": 10, "version": 1},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Only Business Owners set business value."
    objective.refresh_from_db()
    assert (objective.statement, objective.planned_business_value, objective.version) == ("Payouts in seconds", None, 1)
    assert not ObjectiveChange.objects.exists()


def test_a_business_owner_cannot_edit_the_statement(business_owner, objective):
    response = client_for(business_owner).patch(
        detail_url("objective", objective), {"statement": "Mine", "planned_business_value": 5, "version": 1}
    )
    assert response.status_code == 403
    objective.refresh_from_db()
    assert (objective.statement, objective.planned_business_value, objective.version) == ("Payouts in seconds", None, 1)


def test_someone_who_is_both_writes_statement_and_business_value_in_one_patch(art, team, objective):
    both = make_member(art, Role.SCRUM_MASTER, team)
    MembershipFactory(user=both, art=art, role=Role.BUSINESS_OWNER, team=None)
    response = client_for(both).patch(
        detail_url("objective", objective),
        {"statement": "Payouts in a second", "planned_business_value": 9, "version": 1},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["statement"], body["planned_business_value"], body["version"]) == ("Payouts in a second", 9, 3)
    assert [change["field"] for change in body["changes"]] == ["statement", "planned_business_value"]


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"planned_business_value": 11}, "planned_business_value", "Planned business value is from 1 to 10."),
        ({"planned_business_value": 0}, "planned_business_value", "Planned business value is from 1 to 10."),
        ({"actual_business_value": 11}, "actual_business_value", "Actual business value is from 0 to 10."),
        ({"actual_business_value": -1}, "actual_business_value", "Actual business value is from 0 to 10."),
        ({"planned_business_value": "high"}, "planned_business_value", "valid integer"),
        ({}, "non_field_errors", "planned_business_value, actual_business_value"),
    ],
)
@pytest.mark.parametrize("how", ["action", "patch"])
def test_business_value_out_of_range_is_400_and_changes_nothing(
    business_owner, objective, payload, field, message, how
):
    client = client_for(business_owner)
    data = {**payload, "version": 1}
    if how == "action":
        response = client.post(detail_url("objective", objective, "business-value"), data, format="json")
    else:
        response = client.patch(detail_url("objective", objective), data, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    objective.refresh_from_db()
    assert (objective.planned_business_value, objective.actual_business_value, objective.version) == (None, None, 1)
    assert not ObjectiveChange.objects.exists()


def test_business_owner_gives_actual_value_and_clears_it(business_owner, objective):
    client = client_for(business_owner)
    url = detail_url("objective", objective, "business-value")
    given = client.post(url, {"planned_business_value": 8, "actual_business_value": 0, "version": 1}, format="json")
    assert given.status_code == 200
    assert (given.json()["planned_business_value"], given.json()["actual_business_value"]) == (8, 0)
    cleared = client.post(url, {"actual_business_value": None, "version": 2}, format="json")
    assert (cleared.json()["planned_business_value"], cleared.json()["actual_business_value"]) == (8, None)
    stale = client.post(url, {"actual_business_value": 5, "version": 2}, format="json")
    assert stale.status_code == 409
    objective.refresh_from_db()
    assert (objective.actual_business_value, objective.version) == (None, 3)


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"statement": ""}, "statement", "may not be blank"),
        ({"statement": "x" * 1001}, "statement", "no more than 1000 characters"),
        ({"committed": "perhaps"}, "committed", "valid boolean"),
        ({"features": [999_999]}, "features", "There is no feature with id 999999 on your trains."),
        ({"features": "foreign"}, "features", "There is no feature with id"),
        ({"pi": "foreign"}, "pi", "There is no PI with id"),
    ],
)
def test_bad_objective_input_is_400_and_changes_nothing(
    scrum_master, team, pi, objective, other_art, payload, field, message
):
    if payload.get("features") == "foreign":
        payload = {"features": [FeatureFactory(art=other_art).pk]}
    if payload.get("pi") == "foreign":
        payload = {"pi": make_pi(other_art, name="Theirs", start=pi.start_date).pk}
    client = client_for(scrum_master)
    created = client.post(
        list_url("objective"), {"team": team.pk, "pi": pi.pk, "statement": "New", **payload}, format="json"
    )
    assert created.status_code == 400
    assert message in messages(created)
    assert field in created.json()
    if "pi" not in payload:
        patched = client.patch(detail_url("objective", objective), {**payload, "version": 1}, format="json")
        assert patched.status_code == 400
        assert message in " ".join(patched.json()[field])
    objective.refresh_from_db()
    assert (objective.statement, objective.version, PIObjective.objects.count()) == ("Payouts in seconds", 1, 1)
    assert not ObjectiveChange.objects.exists()


def test_objective_patch_that_names_nothing_is_400(scrum_master, objective):
    response = client_for(scrum_master).patch(detail_url("objective", objective), {"version": 1}, format="json")
    assert response.status_code == 400 and "Name what to change" in messages(response)


@pytest.mark.parametrize("action", ["patch", "business_value", "delete"])
def test_stale_objective_version_is_409(rte, business_owner, objective, action):
    PIObjective.objects.filter(pk=objective.pk).update(version=2)
    if action == "patch":
        response = client_for(rte).patch(
            detail_url("objective", objective), {"committed": False, "version": 1}, format="json"
        )
    elif action == "business_value":
        response = client_for(business_owner).post(
            detail_url("objective", objective, "business-value"), {"planned_business_value": 3, "version": 1}
        )
    else:
        response = client_for(rte).delete(f"{detail_url('objective', objective)}?version=1")
    assert response.status_code == 409
    assert "a moment ago" in response.json()["detail"]
    objective.refresh_from_db()
    assert (objective.committed, objective.planned_business_value, objective.version) == (True, None, 2)


def test_form_post_leaves_out_commitment_and_features_untouched(product_owner, art, team, pi):
    feature = FeatureFactory(art=art, pi=pi)
    objective = ObjectiveFactory(team=team, pi=pi, committed=True)
    objective.features.set([feature])
    response = client_for(product_owner).patch(
        detail_url("objective", objective), {"statement": "Sharper", "version": 1}, format="multipart"
    )
    assert response.status_code == 200
    body = response.json()
    # A form leaves out an unticked box and an empty list alike: neither is read as a change.
    assert (body["statement"], body["committed"], body["features"]) == ("Sharper", True, [feature.pk])
    assert [change["field"] for change in body["changes"]] == ["statement"]


def test_objective_detail_has_history_and_the_list_does_not(rte, objective):
    client = client_for(rte)
    client.patch(detail_url("objective", objective), {"committed": False, "version": 1}, format="json")
    detail = client.get(detail_url("objective", objective)).json()
    change = detail["changes"][0]
    assert (change["field"], change["old_value"], change["new_value"], change["by_name"]) == (
        "committed",
        "committed",
        "uncommitted",
        "Riley RTE",
    )
    assert "changes" not in client.get(list_url("objective")).json()["results"][0]


def test_objective_list_is_filtered(rte, team, other_team, pi, later_pi):
    committed = ObjectiveFactory(team=team, pi=pi)
    stretch = ObjectiveFactory(team=team, pi=pi, committed=False)
    theirs = ObjectiveFactory(team=other_team, pi=pi)
    later = ObjectiveFactory(team=team, pi=later_pi)
    client = client_for(rte)

    def filtered(**params) -> list[int]:
        return sorted(row["id"] for row in client.get(list_url("objective"), params).json()["results"])

    assert filtered(pi=pi.pk) == sorted([committed.pk, stretch.pk, theirs.pk])
    assert filtered(team=other_team.pk) == [theirs.pk]
    assert filtered(committed="false") == [stretch.pk]
    assert filtered(art="payments", pi=later_pi.pk) == [later.pk]
    assert filtered(art="lending") == []


# --- totals and predictability ----------------------------------------------------------------


def test_totals_per_team_and_for_the_train(rte, team, other_team, art, pi):
    quiet = TeamFactory(art=art, name="Quiet")
    ObjectiveFactory(team=team, pi=pi, planned_business_value=10, actual_business_value=8)
    ObjectiveFactory(team=team, pi=pi, committed=False, planned_business_value=5, actual_business_value=5)
    ObjectiveFactory(team=other_team, pi=pi, planned_business_value=10)
    body = client_for(rte).get(reverse("api-objective-totals"), {"pi": pi.pk}).json()
    rows = {row["team_name"]: row for row in body["teams"]}
    assert [row["team_name"] for row in body["teams"]] == ["Falcons", "Otters", "Quiet"]
    assert {name: (row["planned_committed"], row["planned_stretch"], row["actual"]) for name, row in rows.items()} == {
        "Falcons": (10, 5, 13),
        "Otters": (10, 0, 0),
        "Quiet": (0, 0, 0),
    }
    # DESIGN.md: the stretch objective's actual value counts, so predictability may exceed 100%.
    assert rows["Falcons"]["predictability"] == 130.0
    # Not assessed yet, and nothing committed: undefined, never 0.
    assert rows["Otters"]["predictability"] is None
    assert rows["Quiet"]["predictability"] is None and rows["Quiet"]["team"] == quiet.pk
    art_totals = body["art"]
    assert (art_totals["planned_committed"], art_totals["actual"], art_totals["predictability"]) == (20, 13, 65.0)


def test_totals_need_a_pi_of_your_trains(rte, outsider, pi):
    client = client_for(rte)
    url = reverse("api-objective-totals")
    for params in ({}, {"pi": "current"}, {"pi": "-1"}):
        response = client.get(url, params)
        assert response.status_code == 400 and "?pi=" in messages(response)
    assert client.get(url, {"pi": 10**30}).status_code == 404
    assert client_for(outsider).get(url, {"pi": pi.pk}).status_code == 404


# --- query counts: the same at two data sizes ------------------------------------------------

# Session and user, then COUNT(*) for the page and the page (related rows joined).
LIST_QUERIES = {"capacity": 4, "story": 4, "placement": 4, "objective": 5}


def grow_plan(art, pi, teams, development, number: int, people) -> None:
    """``number`` rows of each kind, spread over teams, iterations, features, owners and history."""
    for index in range(number):
        team = teams[index % len(teams)]
        iteration = development[index % len(development)]
        feature = FeatureFactory(art=art, pi=pi)
        StoryFactory(team=team, pi=pi, iteration=iteration, feature=feature, owner=people[index % len(people)])
        StoryFactory(team=team, pi=pi, iteration=None)
        if not TeamCapacity.objects.filter(team=team, iteration=iteration).exists():
            CapacityFactory(team=team, iteration=iteration)
        PlacementFactory(feature=feature, team=team, iteration=iteration)
        objective = ObjectiveFactory(team=team, pi=pi, planned_business_value=1 + index % 10)
        objective.features.set([feature, FeatureFactory(art=art, pi=pi)])
        ObjectiveChange.objects.create(objective=objective, field="created", at=objective.created_at, by=people[0])


@pytest.mark.parametrize("kind", BASENAMES)
def test_list_query_count_does_not_grow(
    kind, rte, art, pi, team, other_team, development, team_member, django_assert_num_queries
):
    client = client_for(rte)
    teams = [team, other_team]
    grow_plan(art, pi, teams, development, 1, [team_member])
    with django_assert_num_queries(LIST_QUERIES[kind]):
        small = client.get(list_url(kind))
    more_teams = [*teams, *(TeamFactory(art=art) for _ in range(3))]
    people = [team_member, rte, *(make_member(art, Role.TEAM_MEMBER, team) for _ in range(3))]
    grow_plan(art, pi, more_teams, development, 24, people)
    with django_assert_num_queries(LIST_QUERIES[kind]):
        large = client.get(list_url(kind))
    assert small.status_code == large.status_code == 200
    assert large.json()["count"] > small.json()["count"] >= 1


# Session and user, then the PI, its teams, the totals per team and the train's totals.
TOTALS_QUERIES = 6
# Session and user, the placement (with its team and train), the reader's roles there, the feature's changes.
HISTORY_QUERIES = 5


def test_totals_and_history_query_counts_do_not_grow(
    rte, art, pi, team, other_team, development, team_member, django_assert_num_queries
):
    client = client_for(rte)
    grow_plan(art, pi, [team, other_team], development, 1, [team_member])
    placement = FeaturePlacement.objects.first()
    totals_url = reverse("api-objective-totals")
    with django_assert_num_queries(TOTALS_QUERIES):
        small_totals = client.get(totals_url, {"pi": pi.pk}).json()
    with django_assert_num_queries(HISTORY_QUERIES):
        small_history = client.get(detail_url("placement", placement, "history")).json()
    grow_plan(art, pi, [team, other_team, *(TeamFactory(art=art) for _ in range(4))], development, 20, [rte])
    for iteration in development[1:]:
        placement = FeaturePlacement.objects.get(pk=placement.pk)
        client.patch(detail_url("placement", placement), {"iteration": iteration.pk, "version": placement.version})
    with django_assert_num_queries(TOTALS_QUERIES):
        large_totals = client.get(totals_url, {"pi": pi.pk}).json()
    with django_assert_num_queries(HISTORY_QUERIES):
        large_history = client.get(detail_url("placement", placement, "history")).json()
    assert len(large_totals["teams"]) > len(small_totals["teams"])
    assert len(large_history) > len(small_history)


def test_capacities_list_is_filtered(rte, art, team, other_team, pi, later_pi, development):
    ours = CapacityFactory(team=team, iteration=development[0])
    theirs = CapacityFactory(team=other_team, iteration=development[1])
    later = CapacityFactory(team=team, iteration=later_pi.iterations.first())
    client = client_for(rte)

    def filtered(**params) -> list[int]:
        return sorted(row["id"] for row in client.get(list_url("capacity"), params).json()["results"])

    assert filtered() == sorted([ours.pk, theirs.pk, later.pk])
    assert filtered(pi=pi.pk) == sorted([ours.pk, theirs.pk])
    assert filtered(team=team.pk) == sorted([ours.pk, later.pk])
    assert filtered(iteration=development[1].pk) == [theirs.pk]
    assert filtered(art="payments", team=other_team.pk) == [theirs.pk]
    assert filtered(art="lending") == []
    assert client.get(list_url("capacity"), {"team": "falcons"}).status_code == 400


def test_decimal_capacity_fields_are_numbers(scrum_master, team, development):
    response = client_for(scrum_master).post(
        list_url("capacity"),
        {"team": team.pk, "iteration": development[0].pk, "fte": "2.25", "vacation_days": "0.5"},
        format="json",
    )
    body = response.json()
    assert (body["fte"], body["vacation_days"], body["normalised"], body["capacity"]) == (2.25, 0.5, 17.5, 17.5)
    assert TeamCapacity.objects.get().capacity == Decimal("17.5")


def test_people_of_the_train_only_own_stories(scrum_master, team, pi):
    stranger = UserFactory()
    response = client_for(scrum_master).post(
        list_url("story"), {"team": team.pk, "pi": pi.pk, "title": "Yours", "owner": stranger.pk}, format="json"
    )
    assert response.status_code == 400
    assert "no person with id" in " ".join(response.json()["owner"])
    assert not Story.objects.exists()


@pytest.mark.parametrize("kind", BASENAMES)
def test_a_reader_may_open_every_endpoint_in_the_browsable_api(team_member, kind, request):
    # The browsable API asks whether to offer an edit form; a reader is shown none, not refused the page.
    obj = request.getfixturevalue(kind)
    client = client_for(team_member)
    for url in (list_url(kind), detail_url(kind, obj)):
        response = client.get(url, headers={"Accept": "text/html"})
        assert response.status_code == 200, url


def test_a_stale_capacity_patch_is_409_and_changes_nothing(rte, capacity):
    url = f"/api/capacities/{capacity.pk}/"
    assert client_for(rte).patch(url, {"fte": "6", "version": 1}, format="json").status_code == 200
    response = client_for(rte).patch(url, {"fte": "2", "version": 1}, format="json")
    assert response.status_code == 409
    capacity.refresh_from_db()
    assert (capacity.fte, capacity.version) == (6, 2)
