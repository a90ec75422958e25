"""The API of the program board: the whole board, its cards (feature placements) and milestones.

Who may do what (over every persona), bad input (400, nothing saved), stale versions (409),
the board's cheap "has anything changed" answer, its filters (the page's), a card's history,
and query counts pinned at two data sizes.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from artops.models import Role
from planning.api.program_board import BoardSerializer
from planning.models import IP_REFUSAL, BoardClock, FeaturePlacement, Milestone, PlacementChange
from tests.api_helpers import (
    api_status,
    api_url,
    client_for,
    expected,
    grow_board,
    grow_lists,
    grow_plan,
    make_dependency,
    messages,
    persona_name,
    placement_unchanged,
)
from tests.conftest import PERSONAS, make_member
from tests.factories import TeamFactory, make_pi
from tests.planning.factories import FeatureFactory, PlacementFactory

MILESTONE_EDITORS = {"rte", "product_manager"}
PLAN_EDITORS = {"rte", "scrum_master", "product_owner"}
KINDS = ("placement",)


def board_url(pi) -> str:
    return reverse("api-board-detail", kwargs={"pk": pi.pk})


@pytest.fixture
def feature(art, pi):
    return FeatureFactory(art=art, pi=pi, title="Instant payouts")


@pytest.fixture
def placement(feature, team, development):
    return PlacementFactory(feature=feature, team=team, iteration=development[0])


@pytest.fixture
def milestone(pi, development):
    return Milestone.objects.create(pi=pi, name="Release 3.2", date=development[1].start_date + timedelta(days=2))


@pytest.fixture
def later_pi(art, pi):
    return make_pi(art, name="PI 2027.1", start=pi.end_date + timedelta(days=1))


# --- the board -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_board_read_permission_matrix(everyone, persona, pi, placement, request):
    name = persona_name(request)
    response = client_for(persona).get(board_url(pi))
    assert api_status(response) == expected(name, True, 200)
    if response.status_code == 200:
        assert [
            card["placement_id"] for row in response.json()["rows"] for c in row["cells"] for card in c["cards"]
        ] == [placement.pk]


def test_board_answers_columns_rows_cards_lines_milestones_and_its_version(
    rte, art, pi, team, other_team, development, placement, milestone
):
    ip_iteration = pi.iterations.ip().get()
    needing = FeatureFactory(art=art, pi=pi, title="Refunds")
    needing_card = PlacementFactory(feature=needing, team=other_team, iteration=development[1])
    late = make_dependency(
        pi,
        needing_team=other_team,
        needed_by=development[0],
        owner=rte,
        providing_team=team,
        needing_feature=needing,
        providing_feature=placement.feature,
    )
    vendor = make_dependency(
        pi, needing_team=team, needed_by=development[2], owner=rte, external_party="Card Vendor", description="Keys"
    )
    BoardClock.tick(pi.pk)
    BoardClock.tick(pi.pk)

    response = client_for(rte).get(board_url(pi))

    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 2 and response["X-Board-Version"] == "2"
    assert body["pi"] == {"id": pi.pk, "name": pi.name}
    assert [column["id"] for column in body["iterations"]] == [*(it.pk for it in development), ip_iteration.pk]
    assert body["iterations"][-1]["is_ip"] is True
    assert [(m["name"], m["iteration_id"]) for m in body["milestones"]] == [("Release 3.2", development[1].pk)]
    rows = {row["label"]: row for row in body["rows"]}
    assert list(rows) == ["Falcons", "Otters", "Card Vendor"]
    assert rows["Card Vendor"]["kind"] == "party" and rows["Card Vendor"]["has_unplanned"] is True
    falcons_cells = {cell["iteration_id"]: cell["cards"] for cell in rows["Falcons"]["cells"]}
    (card,) = falcons_cells[development[0].pk]
    assert (card["placement_id"], card["version"], card["feature"]["title"]) == (placement.pk, 1, "Instant payouts")
    assert card["line_ids"] == [f"line-{late.pk}"]
    lines = {line["dependency_id"]: line for line in body["lines"]}
    # Provided in iteration 1 by the Falcons, needed by iteration 1: the same iteration, amber.
    assert lines[late.pk]["health"] == "amber"
    assert lines[late.pk]["from"]["placement_id"] == placement.pk
    assert lines[late.pk]["to"]["placement_id"] == needing_card.pk
    assert (lines[vendor.pk]["health"], lines[vendor.pk]["from"]["kind"]) == ("unplanned", "unplanned")


def _matches(serializer, data, where: str = "board") -> list[str]:
    """Where the answer and the schema's description of it disagree on the names of fields."""
    from rest_framework import serializers as drf

    if isinstance(serializer, drf.ListSerializer):
        return [
            problem
            for index, item in enumerate(data)
            for problem in _matches(serializer.child, item, f"{where}[{index}]")
        ]
    if not isinstance(serializer, drf.Serializer):
        return []
    fields = serializer.fields
    problems = [f"{where}: {set(data) ^ set(fields)}"] if set(data) != set(fields) else []
    for name, field in fields.items():
        if name in data and data[name] is not None:
            problems += _matches(field, data[name], f"{where}.{name}")
    return problems


def test_board_answer_is_what_its_schema_describes(rte, art, pi, team, other_team, development, placement, milestone):
    make_dependency(
        pi,
        needing_team=other_team,
        needed_by=development[2],
        owner=rte,
        providing_team=team,
        planned_iteration=development[1],
    )
    make_dependency(pi, needing_team=team, needed_by=development[2], owner=rte, external_party="Vendor")
    body = client_for(rte).get(board_url(pi)).json()
    assert _matches(BoardSerializer(), body) == []
    serializer = BoardSerializer(data=body)
    assert serializer.is_valid(), serializer.errors


def test_board_filters_are_the_pages_filters(rte, art, pi, team, other_team, development, placement):
    enabler = FeatureFactory(art=art, pi=pi, type="enabler")
    PlacementFactory(feature=enabler, team=other_team, iteration=development[1])
    client = client_for(rte)

    def card_ids(**params) -> set[int]:
        body = client.get(board_url(pi), params).json()
        return {card["placement_id"] for row in body["rows"] for cell in row["cells"] for card in cell["cards"]}

    assert len(card_ids()) == 2
    assert card_ids(teams=team.pk) == {placement.pk}
    assert card_ids(type="enabler") == {FeaturePlacement.objects.get(feature=enabler).pk}
    assert client.get(board_url(pi), {"only_red": "1"}).json()["filters"]["only_red"] is True
    assert client.get(board_url(pi), {"lines": "red"}).json()["filters"] == {
        "teams": [],
        "type": "",
        "only_red": True,
        "lines": "red",
    }
    refused = client.get(board_url(pi), {"type": "epic"})
    assert refused.status_code == 400 and "business features or enablers" in messages(refused)


def test_since_answers_204_while_nothing_changed_and_the_board_once_a_card_moved(
    rte, pi, placement, development, django_assert_num_queries
):
    client = client_for(rte)
    first = client.get(board_url(pi)).json()
    # Session, user, and the PI read with its clock (visible only to members of its train).
    with django_assert_num_queries(3):
        unchanged = client.get(board_url(pi), {"since": first["version"]})
    assert unchanged.status_code == 204 and unchanged.content == b""
    assert unchanged["X-Board-Version"] == str(first["version"])

    # The board moves its cards through the placements endpoint.
    moved = client.patch(
        reverse("api-placement-detail", kwargs={"pk": placement.pk}),
        {"iteration": development[2].pk, "version": 1},
        format="json",
    )
    assert moved.status_code == 200
    changed = client.get(board_url(pi), {"since": first["version"]})
    assert changed.status_code == 200
    body = changed.json()
    assert body["version"] > first["version"]
    (row,) = body["rows"]
    cells = {cell["iteration_id"]: [card["placement_id"] for card in cell["cards"]] for cell in row["cells"]}
    assert cells[development[2].pk] == [placement.pk]


def test_since_must_be_a_number_and_tells_an_outsider_nothing(rte, outsider, pi):
    version = client_for(rte).get(board_url(pi)).json()["version"]
    bad = client_for(rte).get(board_url(pi), {"since": "yesterday"})
    assert bad.status_code == 400 and "?since=" in messages(bad)
    assert client_for(outsider).get(board_url(pi), {"since": version}).status_code == 404
    assert client_for(rte).get(reverse("api-board-detail", kwargs={"pk": 10**9})).status_code == 404


def test_moves_the_board_refuses_change_nothing(rte, business_owner, pi, placement, development):
    ip_iteration = pi.iterations.ip().get()
    move = reverse("api-placement-detail", kwargs={"pk": placement.pk})
    version = client_for(rte).get(board_url(pi)).json()["version"]
    into_ip = client_for(rte).patch(move, {"iteration": ip_iteration.pk, "version": 1}, format="json")
    assert into_ip.status_code == 400 and IP_REFUSAL in messages(into_ip)
    by_owner = client_for(business_owner).patch(move, {"iteration": development[1].pk, "version": 1}, format="json")
    assert by_owner.status_code == 403
    FeaturePlacement.objects.filter(pk=placement.pk).update(version=2)
    stale = client_for(rte).patch(move, {"iteration": development[1].pk, "version": 1}, format="json")
    assert stale.status_code == 409
    assert FeaturePlacement.objects.get().iteration == development[0]
    assert client_for(rte).get(board_url(pi), {"since": version}).status_code == 204


# --- feature placements --------------------------------------------------------------------------


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


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_history_is_read_by_members_only(everyone, persona, placement, request):
    name = persona_name(request)
    history = client_for(persona).get(api_url("placement", placement, "history"))
    assert api_status(history) == expected(name, True, 200)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_placement_create_permission_matrix(everyone, persona, feature, team, development, request):
    name = persona_name(request)
    payload = {"feature": feature.pk, "team": team.pk, "iteration": development[1].pk}
    response = client_for(persona).post(api_url("placement"), payload, format="json")
    allowed = name in PLAN_EDITORS
    assert api_status(response) == expected(name, allowed, 201, outsider=400)
    assert FeaturePlacement.objects.exists() == allowed
    assert PlacementChange.objects.exists() == allowed


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("action", ["patch", "delete"])
def test_placement_write_permission_matrix(everyone, persona, action, placement, development, request):
    name = persona_name(request)
    client = client_for(persona)
    if action == "patch":
        response = client.patch(
            api_url("placement", placement), {"iteration": development[2].pk, "version": 1}, format="json"
        )
    else:
        response = client.delete(f"{api_url('placement', placement)}?version=1")
    allowed = name in PLAN_EDITORS
    assert api_status(response) == expected(name, allowed, 204 if action == "delete" else 200)
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
    scrum_master, art, feature, team, development, later_pi, payload, field, message, pi
):
    ip_iteration = pi.iterations.ip().get()
    replacements = {
        "ip": ip_iteration.pk,
        "later": later_pi.iterations.first().pk,
        "unplanned": FeatureFactory(art=art, pi=None).pk,
    }
    payload = {key: replacements.get(value, value) for key, value in payload.items()}
    data = {"feature": feature.pk, "team": team.pk, "iteration": development[0].pk, **payload}
    response = client_for(scrum_master).post(api_url("placement"), data, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not FeaturePlacement.objects.exists() and not PlacementChange.objects.exists()


def test_placement_twice_and_moves_that_say_nothing_are_400(scrum_master, placement, feature, team, development):
    client = client_for(scrum_master)
    again = client.post(
        api_url("placement"), {"feature": feature.pk, "team": team.pk, "iteration": development[1].pk}, format="json"
    )
    assert again.status_code == 400 and "already placed" in messages(again)
    empty = client.patch(api_url("placement", placement), {"version": 1}, format="json")
    assert empty.status_code == 400 and "iteration or the team" in messages(empty)
    into_ip = client.patch(
        api_url("placement", placement),
        {"iteration": development[-1].pi.iterations.ip().get().pk, "version": 1},
    )
    assert into_ip.status_code == 400 and IP_REFUSAL in messages(into_ip)
    assert placement_unchanged(placement, development)


@pytest.mark.parametrize("action", ["patch", "delete"])
def test_stale_placement_version_is_409(rte, placement, development, action):
    FeaturePlacement.objects.filter(pk=placement.pk).update(version=2)
    client = client_for(rte)
    if action == "patch":
        response = client.patch(
            api_url("placement", placement), {"iteration": development[2].pk, "version": 1}, format="json"
        )
    else:
        response = client.delete(api_url("placement", placement), {"version": 1}, format="json")
    assert response.status_code == 409
    assert "a moment ago" in response.json()["detail"]
    assert FeaturePlacement.objects.get().iteration == development[0]
    assert not PlacementChange.objects.exists()


def test_placement_history_lists_every_change_of_the_feature(rte, scrum_master, feature, team, other_team, development):
    client = client_for(rte)
    created = client.post(
        api_url("placement"), {"feature": feature.pk, "team": team.pk, "iteration": development[0].pk}, format="json"
    )
    placement = FeaturePlacement.objects.get(pk=created.json()["id"])
    moved = client.patch(
        api_url("placement", placement),
        {"iteration": development[1].pk, "team": other_team.pk, "version": 1},
        format="json",
    )
    assert moved.status_code == 200
    assert (moved.json()["team_name"], moved.json()["iteration"], moved.json()["version"]) == (
        "Otters",
        development[1].pk,
        2,
    )
    history = client.get(api_url("placement", placement, "history")).json()
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
        return sorted(row["id"] for row in client.get(api_url("placement"), params).json()["results"])

    assert filtered() == sorted([ours.pk, theirs.pk, other.pk, later.pk])
    assert filtered(pi=pi.pk) == sorted([ours.pk, theirs.pk, other.pk])
    assert filtered(team=other_team.pk) == [theirs.pk]
    assert filtered(feature=feature.pk) == sorted([ours.pk, theirs.pk])
    assert filtered(iteration=second.pk) == sorted([theirs.pk, other.pk])
    assert filtered(art="lending") == []


def test_scrum_master_cannot_hand_a_card_to_another_team(scrum_master, placement, other_team, development):
    response = client_for(scrum_master).patch(
        api_url("placement", placement), {"team": other_team.pk, "version": 1}, format="json"
    )
    assert response.status_code == 403
    assert placement_unchanged(placement, development)
    assert FeaturePlacement.objects.get().team != other_team


# --- milestones ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_milestone_read_permission_matrix(everyone, persona, milestone, request):
    name = persona_name(request)
    client = client_for(persona)
    assert api_status(client.get(api_url("milestone", milestone))) == expected(name, True, 200)
    listed = client.get(api_url("milestone"))
    assert api_status(listed) == (401 if name == "anonymous" else 200)
    if name != "anonymous":
        assert listed.json()["count"] == (0 if name == "outsider" else 1)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_milestone_create_permission_matrix(everyone, persona, pi, development, request):
    name = persona_name(request)
    payload = {"pi": pi.pk, "name": "Trade fair", "date": development[2].start_date.isoformat()}
    response = client_for(persona).post(api_url("milestone"), payload, format="json")
    allowed = name in MILESTONE_EDITORS
    assert api_status(response) == expected(name, allowed, 201, outsider=400)
    assert Milestone.objects.exists() == allowed
    if allowed:
        assert (response.json()["iteration"], response.json()["iteration_name"]) == (
            development[2].pk,
            development[2].name,
        )
        assert BoardClock.read(pi.pk) == 1


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("action", ["patch", "delete"])
def test_milestone_write_permission_matrix(everyone, persona, action, milestone, request):
    name = persona_name(request)
    client = client_for(persona)
    if action == "patch":
        response = client.patch(api_url("milestone", milestone), {"name": "Release 4", "version": 1}, format="json")
    else:
        response = client.delete(f"{api_url('milestone', milestone)}?version=1")
    allowed = name in MILESTONE_EDITORS
    assert api_status(response) == expected(name, allowed, 204 if action == "delete" else 200)
    if not allowed:
        milestone.refresh_from_db()
        assert (milestone.name, milestone.version) == ("Release 3.2", 1)
    elif action == "patch":
        assert response.json()["name"] == "Release 4" and response.json()["version"] == 2
    else:
        assert not Milestone.objects.exists()


def test_milestone_iteration_is_derived_from_its_date(product_manager, pi, milestone, development):
    ip_iteration = pi.iterations.ip().get()
    client = client_for(product_manager)
    assert client.get(api_url("milestone", milestone)).json()["iteration"] == development[1].pk
    moved = client.patch(
        api_url("milestone", milestone), {"date": ip_iteration.end_date.isoformat(), "version": 1}, format="json"
    )
    assert moved.status_code == 200
    assert (moved.json()["iteration"], moved.json()["iteration_name"]) == (ip_iteration.pk, ip_iteration.name)


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"date": "after"}, "date", "Choose a day within PI 2026.4"),
        ({"date": "2026-02-30"}, "date", "Enter a date like 2026-11-20."),
        ({"name": "  "}, "name", "may not be blank"),
        ({"name": "x" * 121}, "name", "no more than 120 characters"),
        ({"description": "x" * 301}, "description", "no more than 300 characters"),
    ],
)
def test_bad_milestone_input_is_400_and_changes_nothing(rte, pi, milestone, payload, field, message):
    if payload.get("date") == "after":
        payload = {"date": (pi.end_date + timedelta(days=1)).isoformat()}
    client = client_for(rte)
    created = client.post(
        api_url("milestone"), {"pi": pi.pk, "name": "Fair", "date": "2026-10-20", **payload}, format="json"
    )
    assert created.status_code == 400 and message in " ".join(created.json()[field])
    patched = client.patch(api_url("milestone", milestone), {**payload, "version": 1}, format="json")
    assert patched.status_code == 400 and message in " ".join(patched.json()[field])
    milestone.refresh_from_db()
    assert Milestone.objects.count() == 1 and (milestone.name, milestone.version) == ("Release 3.2", 1)


def test_milestone_changes_need_a_current_version(rte, milestone):
    client = client_for(rte)
    missing = client.patch(api_url("milestone", milestone), {"name": "Release 4"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    nothing = client.patch(api_url("milestone", milestone), {"version": 1}, format="json")
    assert nothing.status_code == 400 and "Name what to change" in messages(nothing)
    Milestone.objects.filter(pk=milestone.pk).update(version=2)
    stale = client.patch(api_url("milestone", milestone), {"name": "Release 4", "version": 1}, format="json")
    assert stale.status_code == 409 and "a moment ago" in stale.json()["detail"]
    assert client.delete(f"{api_url('milestone', milestone)}?version=1").status_code == 409
    assert Milestone.objects.get().name == "Release 3.2"


def test_milestones_are_filtered_by_pi_and_train(rte, art, pi, milestone):
    later = make_pi(art, name="PI 2027.1", start=pi.end_date + timedelta(days=1))
    other = Milestone.objects.create(pi=later, name="Audit", date=later.start_date)
    client = client_for(rte)

    def ids(**params) -> list[int]:
        return [row["id"] for row in client.get(api_url("milestone"), params).json()["results"]]

    assert ids() == [milestone.pk, other.pk]
    assert ids(pi=later.pk) == [other.pk]
    assert ids(art=art.slug) == [milestone.pk, other.pk]
    assert ids(art="lending") == []


def test_milestone_in_a_pi_of_another_train_is_refused(rte, outsider, other_art):
    theirs = make_pi(other_art, name="Theirs", start=datetime(2026, 10, 5, tzinfo=UTC).date())
    response = client_for(rte).post(
        api_url("milestone"), {"pi": theirs.pk, "name": "Fair", "date": "2026-10-20"}, format="json"
    )
    assert response.status_code == 400 and "no PI with id" in messages(response)
    assert not Milestone.objects.exists()


# --- query counts: the same at two data sizes ----------------------------------------------------


# Session, user, the PI with its clock, the reader's roles, then the board: iterations,
# milestones, teams, placements with their features, open dependencies with theirs.
BOARD_QUERIES = 9


def test_board_query_count_is_the_same_at_two_sizes(rte, art, pi, development, django_assert_num_queries):
    client = client_for(rte)
    grow_board(art, pi, development, rte, teams=2, features=3, dependencies=2)
    with django_assert_num_queries(BOARD_QUERIES):
        small = client.get(board_url(pi))
    grow_board(art, pi, development, rte, teams=6, features=60, dependencies=40)
    with django_assert_num_queries(BOARD_QUERIES):
        large = client.get(board_url(pi))
    assert small.status_code == large.status_code == 200
    assert len(large.json()["lines"]) > len(small.json()["lines"]) >= 1
    assert len(large.json()["rows"]) > len(small.json()["rows"])


# Session and user, then COUNT(*) for the page and the page (related rows joined).
LIST_QUERIES = {"placement": 4}


@pytest.mark.parametrize("kind", KINDS)
def test_placement_list_query_count_does_not_grow(
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


# Session and user, the placement (with its team and train), the reader's roles there, the feature's changes.
HISTORY_QUERIES = 5


def test_history_query_count_does_not_grow(
    rte, art, pi, team, other_team, development, team_member, django_assert_num_queries
):
    client = client_for(rte)
    grow_plan(art, pi, [team, other_team], development, 1, [team_member])
    placement = FeaturePlacement.objects.first()
    with django_assert_num_queries(HISTORY_QUERIES):
        small_history = client.get(api_url("placement", placement, "history")).json()
    grow_plan(art, pi, [team, other_team, *(TeamFactory(art=art) for _ in range(4))], development, 20, [rte])
    for iteration in development[1:]:
        placement = FeaturePlacement.objects.get(pk=placement.pk)
        client.patch(api_url("placement", placement), {"iteration": iteration.pk, "version": placement.version})
    with django_assert_num_queries(HISTORY_QUERIES):
        large_history = client.get(api_url("placement", placement, "history")).json()
    assert len(large_history) > len(small_history)


# Session and user, then COUNT(*) for the page and the page (derived iterations joined).
MILESTONE_LIST_QUERIES = 4


def test_milestone_list_query_count_does_not_grow(rte, art, pi, development, django_assert_num_queries):
    client = client_for(rte)
    grow_lists(art, pi, development, rte, 1)
    with django_assert_num_queries(MILESTONE_LIST_QUERIES):
        small = client.get(api_url("milestone"))
    grow_lists(art, make_pi(art, name="Next", start=pi.end_date + timedelta(days=1)), development, rte, 6)
    with django_assert_num_queries(MILESTONE_LIST_QUERIES):
        large = client.get(api_url("milestone"))
    assert small.status_code == large.status_code == 200
    assert large.json()["count"] > small.json()["count"] >= 1
