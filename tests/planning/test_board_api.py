"""The API of PI Planning's second half: the whole program board, milestones, the anonymous
confidence vote, PI readiness and the committed plan.

Who may do what (over every persona), bad input (400, nothing saved), stale versions (409),
the board's cheap "has anything changed" answer, anonymity of the vote (no endpoint and no
schema field tells who voted what) and query counts pinned at two data sizes.
"""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from artops.models import Role
from planning import services
from planning.api import BoardSerializer
from planning.models import (
    DEFAULT_READINESS,
    IP_REFUSAL,
    BaselinePlacement,
    BoardClock,
    FeaturePlacement,
    Milestone,
    PlanBaseline,
    ReadinessItem,
    Vote,
    VoteRound,
)
from risks.models import Dependency
from tests.conftest import PERSONAS, make_member
from tests.factories import TeamFactory, make_pi
from tests.planning.factories import FeatureFactory, ObjectiveFactory, PlacementFactory

RAISED_AT = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
MEMBERS = {
    "rte",
    "product_manager",
    "system_architect",
    "business_owner",
    "scrum_master",
    "product_owner",
    "team_member",
}
MILESTONE_EDITORS = {"rte", "product_manager"}
PLAN_EDITORS = {"rte", "scrum_master", "product_owner"}
TEAM_VOTERS = {"scrum_master", "product_owner", "team_member"}


# --- helpers ---------------------------------------------------------------------------------


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
    """Every message of a 4xx body, flattened."""

    def flatten(value) -> list[str]:
        if isinstance(value, dict):
            return [text for item in value.values() for text in flatten(item)]
        if isinstance(value, list):
            return [text for item in value for text in flatten(item)]
        return [str(value)]

    return " ".join(flatten(response.json()))


def board_url(pi) -> str:
    return reverse("api-board-detail", kwargs={"pk": pi.pk})


def url(basename: str, obj=None, action: str = "") -> str:
    if obj is None:
        return reverse(f"{basename}-{action or 'list'}")
    return reverse(f"{basename}-{action or 'detail'}", kwargs={"pk": obj.pk})


def make_dependency(pi, *, needing_team, needed_by, owner, **fields):
    """An open dependency written directly (no capability check)."""
    fields.setdefault("description", "An API to call")
    return Dependency.objects.create(
        art=pi.art, pi=pi, needing_team=needing_team, needed_by=needed_by, owner=owner, created_at=RAISED_AT, **fields
    )


@pytest.fixture
def everyone(rte, product_manager, system_architect, business_owner, scrum_master, product_owner, team_member):
    """Create every persona."""


@pytest.fixture
def ip_iteration(pi):
    return pi.iterations.get(is_ip=True)


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
def train_round(pi, rte):
    return services.open_vote(pi, by=rte)


@pytest.fixture
def team_round(pi, team, rte):
    return services.open_vote(pi, by=rte, team=team)


@pytest.fixture
def item(pi):
    """One item of the default checklist that every new PI gets."""
    return ReadinessItem.objects.get(pi=pi, title="Capacities entered")


# --- the board ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_board_read_permission_matrix(everyone, persona, pi, placement, request):
    name = persona_name(request)
    response = client_for(persona).get(board_url(pi))
    assert response.status_code == expected(name, True, 200)
    if response.status_code == 200:
        assert [
            card["placement_id"] for row in response.json()["rows"] for c in row["cells"] for card in c["cards"]
        ] == [placement.pk]


def test_board_answers_columns_rows_cards_lines_milestones_and_its_version(
    rte, art, pi, team, other_team, development, ip_iteration, placement, milestone
):
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


def test_moves_the_board_refuses_change_nothing(rte, business_owner, pi, placement, development, ip_iteration):
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


# Session, user, the PI with its clock, the reader's roles, then the board: iterations,
# milestones, teams, placements with their features, open dependencies with theirs.
BOARD_QUERIES = 9


def grow_board(art, pi, development, owner, *, teams: int, features: int, dependencies: int) -> None:
    crew = [TeamFactory(art=art) for _ in range(teams)]
    placements = []
    for index in range(features):
        feature = FeatureFactory(art=art, pi=pi, type="enabler" if index % 4 == 0 else "business")
        team = crew[index % len(crew)]
        placements.append(PlacementFactory(feature=feature, team=team, iteration=development[index % len(development)]))
    for index in range(dependencies):
        needing = placements[index % len(placements)]
        providing = placements[(index + 1) % len(placements)]
        provider = (
            {"external_party": f"Vendor {index % 3}"}
            if index % 5 == 0 or providing.team == needing.team
            else {"providing_team": providing.team, "providing_feature": providing.feature}
        )
        make_dependency(
            pi,
            needing_team=needing.team,
            needing_feature=needing.feature,
            needed_by=development[index % 3],
            owner=owner,
            **provider,
        )
    for index in range(features // 10 + 1):
        Milestone.objects.create(pi=pi, name=f"Milestone {index}", date=development[index % 4].start_date)


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


# --- milestones ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_milestone_read_permission_matrix(everyone, persona, milestone, request):
    name = persona_name(request)
    client = client_for(persona)
    assert client.get(url("api-milestone", milestone)).status_code == expected(name, True, 200)
    listed = client.get(url("api-milestone"))
    assert listed.status_code == (401 if name == "anonymous" else 200)
    if name != "anonymous":
        assert listed.json()["count"] == (0 if name == "outsider" else 1)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_milestone_create_permission_matrix(everyone, persona, pi, development, request):
    name = persona_name(request)
    payload = {"pi": pi.pk, "name": "Trade fair", "date": development[2].start_date.isoformat()}
    response = client_for(persona).post(url("api-milestone"), payload, format="json")
    allowed = name in MILESTONE_EDITORS
    assert response.status_code == expected(name, allowed, 201, outsider=400)
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
        response = client.patch(url("api-milestone", milestone), {"name": "Release 4", "version": 1}, format="json")
    else:
        response = client.delete(f"{url('api-milestone', milestone)}?version=1")
    allowed = name in MILESTONE_EDITORS
    assert response.status_code == expected(name, allowed, 204 if action == "delete" else 200)
    if not allowed:
        milestone.refresh_from_db()
        assert (milestone.name, milestone.version) == ("Release 3.2", 1)
    elif action == "patch":
        assert response.json()["name"] == "Release 4" and response.json()["version"] == 2
    else:
        assert not Milestone.objects.exists()


def test_milestone_iteration_is_derived_from_its_date(product_manager, pi, milestone, development, ip_iteration):
    client = client_for(product_manager)
    assert client.get(url("api-milestone", milestone)).json()["iteration"] == development[1].pk
    moved = client.patch(
        url("api-milestone", milestone), {"date": ip_iteration.end_date.isoformat(), "version": 1}, format="json"
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
        url("api-milestone"), {"pi": pi.pk, "name": "Fair", "date": "2026-10-20", **payload}, format="json"
    )
    assert created.status_code == 400 and message in " ".join(created.json()[field])
    patched = client.patch(url("api-milestone", milestone), {**payload, "version": 1}, format="json")
    assert patched.status_code == 400 and message in " ".join(patched.json()[field])
    milestone.refresh_from_db()
    assert Milestone.objects.count() == 1 and (milestone.name, milestone.version) == ("Release 3.2", 1)


def test_milestone_changes_need_a_current_version(rte, milestone):
    client = client_for(rte)
    missing = client.patch(url("api-milestone", milestone), {"name": "Release 4"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    nothing = client.patch(url("api-milestone", milestone), {"version": 1}, format="json")
    assert nothing.status_code == 400 and "Name what to change" in messages(nothing)
    Milestone.objects.filter(pk=milestone.pk).update(version=2)
    stale = client.patch(url("api-milestone", milestone), {"name": "Release 4", "version": 1}, format="json")
    assert stale.status_code == 409 and "a moment ago" in stale.json()["detail"]
    assert client.delete(f"{url('api-milestone', milestone)}?version=1").status_code == 409
    assert Milestone.objects.get().name == "Release 3.2"


def test_milestones_are_filtered_by_pi_and_train(rte, art, pi, milestone):
    later = make_pi(art, name="PI 2027.1", start=pi.end_date + timedelta(days=1))
    other = Milestone.objects.create(pi=later, name="Audit", date=later.start_date)
    client = client_for(rte)

    def ids(**params) -> list[int]:
        return [row["id"] for row in client.get(url("api-milestone"), params).json()["results"]]

    assert ids() == [milestone.pk, other.pk]
    assert ids(pi=later.pk) == [other.pk]
    assert ids(art=art.slug) == [milestone.pk, other.pk]
    assert ids(art="lending") == []


def test_milestone_in_a_pi_of_another_train_is_refused(rte, outsider, other_art):
    theirs = make_pi(other_art, name="Theirs", start=datetime(2026, 10, 5, tzinfo=UTC).date())
    response = client_for(rte).post(
        url("api-milestone"), {"pi": theirs.pk, "name": "Fair", "date": "2026-10-20"}, format="json"
    )
    assert response.status_code == 400 and "no PI with id" in messages(response)
    assert not Milestone.objects.exists()


# --- the confidence vote -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_vote_round_read_permission_matrix(everyone, persona, train_round, request):
    name = persona_name(request)
    client = client_for(persona)
    assert client.get(url("api-vote-round", train_round)).status_code == expected(name, True, 200)
    listed = client.get(url("api-vote-round"))
    assert listed.status_code == (401 if name == "anonymous" else 200)
    if name != "anonymous":
        assert listed.json()["count"] == (0 if name == "outsider" else 1)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_vote_round_open_permission_matrix(everyone, persona, pi, team, request):
    name = persona_name(request)
    response = client_for(persona).post(url("api-vote-round"), {"pi": pi.pk, "team": team.pk}, format="json")
    allowed = name == "rte"
    assert response.status_code == expected(name, allowed, 201, outsider=400)
    assert VoteRound.objects.exists() == allowed
    if allowed:
        body = response.json()
        assert (body["team"], body["scope"], body["is_open"], body["tally"]["votes"]) == (team.pk, "Falcons", True, 0)


def test_a_second_open_round_of_the_same_vote_is_400(rte, pi, train_round):
    response = client_for(rte).post(url("api-vote-round"), {"pi": pi.pk}, format="json")
    assert response.status_code == 400 and "already open" in messages(response)
    assert VoteRound.objects.count() == 1


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_vote_round_close_permission_matrix(everyone, persona, train_round, request):
    name = persona_name(request)
    response = client_for(persona).post(url("api-vote-round", train_round, "close"))
    allowed = name == "rte"
    assert response.status_code == expected(name, allowed, 200)
    train_round.refresh_from_db()
    assert train_round.is_open != allowed


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("scope", ["train", "team"])
def test_vote_permission_matrix(everyone, persona, scope, request):
    name = persona_name(request)
    vote_round = request.getfixturevalue(f"{scope}_round")
    response = client_for(persona).post(url("api-vote-round", vote_round, "vote"), {"value": 4}, format="json")
    # A team's round is voted by its members, Scrum Master and Product Owner; the train's by every member.
    allowed = name in MEMBERS if scope == "train" else name in TEAM_VOTERS
    assert response.status_code == expected(name, allowed, 201)
    assert Vote.objects.filter(round=vote_round).count() == (1 if allowed else 0)
    if response.status_code == 403:
        assert "This round is for the members of Falcons" in messages(response)


@pytest.mark.parametrize("value", [6, 0, -1, "four", None, ""])
def test_a_vote_off_the_fist_of_five_is_400_and_saves_nothing(team_member, train_round, value):
    response = client_for(team_member).post(url("api-vote-round", train_round, "vote"), {"value": value}, format="json")
    assert response.status_code == 400
    assert response.json()["value"] == ["Vote from 1 to 5."]
    assert not Vote.objects.exists()


def test_a_vote_in_a_closed_round_is_400_and_changes_nothing(rte, team_member, train_round):
    client = client_for(team_member)
    assert client.post(url("api-vote-round", train_round, "vote"), {"value": 2}, format="json").status_code == 201
    services.close_vote(train_round, by=rte)
    again = client.post(url("api-vote-round", train_round, "vote"), {"value": 5}, format="json")
    assert again.status_code == 400
    assert "This round is closed" in messages(again)
    assert list(Vote.objects.values_list("value", flat=True)) == [2]
    closing_again = client_for(rte).post(url("api-vote-round", train_round, "close"))
    assert closing_again.status_code == 400 and "already closed" in messages(closing_again)


def test_a_second_vote_in_an_open_round_replaces_the_first(team_member, train_round):
    client = client_for(team_member)
    first = client.post(url("api-vote-round", train_round, "vote"), {"value": 1, "concern": "Too much"}, format="json")
    assert first.status_code == 201
    assert (first.json()["value"], first.json()["concern"]) == (1, "Too much")
    second = client.post(url("api-vote-round", train_round, "vote"), {"value": 4, "concern": "Still"}, format="json")
    assert second.status_code == 200
    # A concern is invited from those who vote 1 or 2: the higher vote withdraws it.
    assert (second.json()["value"], second.json()["concern"]) == (4, "")
    assert list(Vote.objects.values_list("value", "concern")) == [(4, "")]


def test_my_vote_is_the_callers_own_vote_only(team_member, scrum_master, train_round):
    mine = url("api-vote-round", train_round, "my-vote")
    not_yet = client_for(team_member).get(mine)
    assert not_yet.status_code == 404 and "not voted" in not_yet.json()["detail"]
    client_for(team_member).post(
        url("api-vote-round", train_round, "vote"), {"value": 2, "concern": "Scope"}, format="json"
    )
    assert client_for(scrum_master).get(mine).status_code == 404
    own = client_for(team_member).get(mine)
    assert own.status_code == 200
    assert own.json() == {
        "round": train_round.pk,
        "value": 2,
        "concern": "Scope",
        "updated_at": own.json()["updated_at"],
    }


def test_tally_counts_and_average_and_closing_below_three_marks_replan(art, rte, pi, train_round):
    voters = [make_member(art, Role.TEAM_MEMBER, TeamFactory(art=art)) for _ in range(4)]
    for voter, (value, concern) in zip(
        voters, [(1, "Zero slack"), (2, "A vendor we never met"), (3, ""), (4, "ignored")], strict=True
    ):
        services.cast_vote(train_round, by=voter, value=value, concern=concern)
    body = client_for(rte).get(url("api-vote-round", train_round)).json()
    assert body["tally"] == {
        "counts": {"1": 1, "2": 1, "3": 1, "4": 1, "5": 0},
        "votes": 4,
        "average": 2.5,
        # Sorted by their text: their order says nothing about who wrote them, or when.
        "concerns": ["A vendor we never met", "Zero slack"],
    }
    closed = client_for(rte).post(url("api-vote-round", train_round, "close"))
    assert closed.status_code == 200
    assert (closed.json()["is_open"], closed.json()["replan"], closed.json()["tally"]["average"]) == (False, True, 2.5)
    assert VoteRound.objects.get().average == Decimal("2.50")
    # Re-plan: a new round may open.
    assert client_for(rte).post(url("api-vote-round"), {"pi": pi.pk}, format="json").status_code == 201


def test_nobody_can_read_who_voted_what(art, rte, pi, team, train_round, team_round):
    voters = [
        # Ids far above any other id or count in the answers: finding one means a voter showed.
        make_member(
            art,
            Role.TEAM_MEMBER,
            team,
            id=7_000_000 + index,
            display_name=f"Secret Voter {index}",
            email=f"secret{index}@example.com",
        )
        for index in range(3)
    ]
    for voter, value in zip(voters, (1, 3, 5), strict=True):
        for vote_round in (train_round, team_round):
            services.cast_vote(vote_round, by=voter, value=value, concern="I worry" if value == 1 else "")
    client = client_for(rte)
    answers = [
        client.get(url("api-vote-round")),
        client.get(url("api-vote-round", train_round)),
        client.get(url("api-vote-round"), {"pi": pi.pk, "team": team.pk}),
        client.post(url("api-vote-round", team_round, "close")),
        client.get(url("api-vote-round", train_round, "my-vote")),
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 200, 404]
    voter_ids = {voter.pk for voter in voters}

    def keys_and_values(value):
        if isinstance(value, dict):
            for key, item in value.items():
                yield "key", key
                yield from keys_and_values(item)
        elif isinstance(value, list):
            for item in value:
                yield from keys_and_values(item)
        else:
            yield "value", value

    for answer in answers[:4]:
        text = json.dumps(answer.json())
        assert "Secret Voter" not in text and "secret" not in text
        found = list(keys_and_values(answer.json()))
        assert not {key for kind, key in found if kind == "key"} & {"voter", "voters", "votes_by", "by"}
        assert not {value for kind, value in found if kind == "value" and isinstance(value, int)} & voter_ids


def test_the_schema_has_no_field_that_names_a_voter(rte):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    vote_components = {
        name: component
        for name, component in schema["components"]["schemas"].items()
        if "Vote" in name or "Tally" in name
    }
    assert {"VoteRound", "Tally", "OwnVote", "CastVoteRequest"} <= set(vote_components)
    for name, component in vote_components.items():
        properties = set(component.get("properties", {}))
        assert not {prop for prop in properties if "voter" in prop}, name


def test_vote_rounds_are_filtered(rte, pi, team, train_round, team_round):
    services.close_vote(train_round, by=rte)
    client = client_for(rte)

    def ids(**params) -> set[int]:
        return {row["id"] for row in client.get(url("api-vote-round"), params).json()["results"]}

    assert ids(pi=pi.pk) == {train_round.pk, team_round.pk}
    assert ids(team=team.pk) == {team_round.pk}
    assert ids(team="none") == {train_round.pk}
    assert ids(open="true") == {team_round.pk}
    assert ids(open="false") == {train_round.pk}


# --- PI readiness --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_readiness_read_permission_matrix(everyone, persona, item, request):
    name = persona_name(request)
    client = client_for(persona)
    assert client.get(url("api-readiness", item)).status_code == expected(name, True, 200)
    listed = client.get(url("api-readiness"))
    assert listed.status_code == (401 if name == "anonymous" else 200)
    if name != "anonymous":
        assert listed.json()["count"] == (0 if name == "outsider" else len(DEFAULT_READINESS))


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_readiness_add_permission_matrix(everyone, persona, pi, product_manager, request):
    name = persona_name(request)
    payload = {"pi": pi.pk, "title": "Room booked", "owner": product_manager.pk}
    response = client_for(persona).post(url("api-readiness"), payload, format="json")
    allowed = name == "rte"
    assert response.status_code == expected(name, allowed, 201, outsider=400)
    assert ReadinessItem.objects.filter(title="Room booked").exists() == allowed
    if allowed:
        assert (response.json()["owner_name"], response.json()["done"]) == ("Pat Product", False)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_readiness_tick_permission_matrix(everyone, persona, item, product_manager, request):
    name = persona_name(request)
    ReadinessItem.objects.filter(pk=item.pk).update(owner=product_manager)
    response = client_for(persona).patch(url("api-readiness", item), {"done": True, "version": 1}, format="json")
    # The RTE keeps the checklist; an item's owner may tick their own item.
    allowed = name in {"rte", "product_manager"}
    assert response.status_code == expected(name, allowed, 200)
    item.refresh_from_db()
    assert item.done == allowed
    assert (item.done_at is not None) == allowed


def test_an_owner_ticks_but_does_not_rename_their_item(product_manager, item):
    ReadinessItem.objects.filter(pk=item.pk).update(owner=product_manager)
    client = client_for(product_manager)
    renamed = client.patch(url("api-readiness", item), {"title": "Mine now", "done": True, "version": 1}, format="json")
    assert renamed.status_code == 403
    item.refresh_from_db()
    assert (item.title, item.done, item.version) == ("Capacities entered", False, 1)


def test_readiness_bad_input_is_400_and_changes_nothing(rte, pi, item, outsider):
    client = client_for(rte)
    other = ReadinessItem.objects.create(pi=pi, title="Room booked", position=9)
    items = ReadinessItem.objects.count()
    duplicate = client.post(url("api-readiness"), {"pi": pi.pk, "title": "capacities ENTERED"}, format="json")
    assert duplicate.status_code == 400 and "already has that item" in messages(duplicate)
    blank = client.post(url("api-readiness"), {"pi": pi.pk, "title": " "}, format="json")
    assert blank.status_code == 400 and "may not be blank" in messages(blank)
    stranger = client.post(url("api-readiness"), {"pi": pi.pk, "title": "Room", "owner": outsider.pk}, format="json")
    assert stranger.status_code == 400 and "no person with id" in messages(stranger)
    renamed = client.patch(url("api-readiness", other), {"title": "Capacities entered", "version": 1}, format="json")
    assert renamed.status_code == 400 and "already has that item" in messages(renamed)
    missing = client.patch(url("api-readiness", item), {"done": True}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    ReadinessItem.objects.filter(pk=item.pk).update(version=3)
    stale = client.patch(url("api-readiness", item), {"done": True, "version": 1}, format="json")
    assert stale.status_code == 409
    assert ReadinessItem.objects.count() == items
    item.refresh_from_db()
    assert (item.done, item.version) == (False, 3)


def test_readiness_is_filtered_by_pi(rte, art, pi, item):
    later = make_pi(art, name="PI 2027.1", start=pi.end_date + timedelta(days=1))
    theirs = ReadinessItem.objects.create(pi=later, title="Room booked", position=9)
    client = client_for(rte)

    def titles(**params) -> list[tuple[int, str]]:
        return [(row["pi"], row["title"]) for row in client.get(url("api-readiness"), params).json()["results"]]

    # In checklist order, the default items first.
    assert titles(pi=pi.pk) == [(pi.pk, title) for title in DEFAULT_READINESS]
    assert titles(pi=later.pk) == [*((later.pk, title) for title in DEFAULT_READINESS), (later.pk, theirs.title)]
    assert titles(pi=later.pk, done="true") == []


# --- the committed plan --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_commit_permission_matrix(everyone, persona, pi, placement, request):
    name = persona_name(request)
    response = client_for(persona).post(url("api-plan", pi, "commit"))
    allowed = name == "rte"
    assert response.status_code == expected(name, allowed, 201)
    assert PlanBaseline.objects.exists() == allowed
    if allowed:
        assert (response.json()["pi"], response.json()["placements"], response.json()["objectives"]) == (pi.pk, 1, 0)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_changes_read_permission_matrix(everyone, persona, pi, request):
    name = persona_name(request)
    response = client_for(persona).get(url("api-plan", pi, "changes"))
    assert response.status_code == expected(name, True, 200)
    if response.status_code == 200:
        assert (response.json()["committed"], response.json()["moved"]) == (False, [])


def test_committing_twice_is_400(rte, pi, placement):
    client = client_for(rte)
    assert client.post(url("api-plan", pi, "commit")).status_code == 201
    again = client.post(url("api-plan", pi, "commit"))
    assert again.status_code == 400 and "already committed" in messages(again)
    assert PlanBaseline.objects.count() == 1 and BaselinePlacement.objects.count() == 1


def test_changes_show_what_moved_was_added_or_dropped(rte, art, pi, team, other_team, development, placement):
    dropped = PlacementFactory(feature=FeatureFactory(art=art, pi=pi), team=other_team, iteration=development[0])
    objective = ObjectiveFactory(team=team, pi=pi, statement="Payouts in seconds", planned_business_value=8)
    client = client_for(rte)
    client.post(url("api-plan", pi, "commit"))
    unchanged = client.get(url("api-plan", pi, "changes")).json()
    assert (unchanged["committed"], unchanged["unchanged"]) == (True, True)

    services.move_placement(placement, by=rte, expected_version=1, iteration=development[2])
    services.remove_placement(dropped, by=rte, expected_version=1)
    added = PlacementFactory(feature=FeatureFactory(art=art, pi=pi), team=team, iteration=development[1])
    services.update_objective(objective, by=rte, expected_version=1, statement="Payouts in a second")

    body = client.get(url("api-plan", pi, "changes")).json()
    assert body["unchanged"] is False and body["committed_by_name"] == "Riley RTE"
    (moved,) = body["moved"]
    assert (moved["feature"], moved["iteration_before"], moved["iteration_after"]) == (
        placement.feature_id,
        development[0].pk,
        development[2].pk,
    )
    assert [row["feature"] for row in body["added"]] == [added.feature_id]
    (gone,) = body["dropped"]
    assert (gone["feature"], gone["team_before_name"], gone["team_after"], gone["iteration_after"]) == (
        dropped.feature_id,
        "Otters",
        None,
        None,
    )
    (changed,) = body["objectives_changed"]
    assert changed["objective"] == objective.pk
    assert changed["changes"] == [
        {"label": "Statement", "before": "Payouts in seconds", "after": "Payouts in a second"}
    ]


# --- query counts: the same at two data sizes ----------------------------------------------------

# Session and user, then COUNT(*) for the page and the page (related rows and derived values joined).
LIST_QUERIES = 4


def grow_lists(art, pi, development, rte, number: int) -> None:
    """``number`` milestones, checklist items and vote rounds (each with votes and concerns)."""
    teams = [TeamFactory(art=art) for _ in range(number)]
    people = [make_member(art, Role.TEAM_MEMBER, teams[index % number]) for index in range(number * 2)]
    for index in range(number):
        Milestone.objects.create(pi=pi, name=f"Milestone {index}", date=development[index % 4].start_date)
        ReadinessItem.objects.create(pi=pi, title=f"Item {index} {pi.pk}", owner=people[index])
        vote_round = services.open_vote(pi, by=rte, team=teams[index])
        for voter in people:
            if voter.memberships.filter(team=teams[index]).exists():
                services.cast_vote(vote_round, by=voter, value=1 + index % 5, concern="A worry")


@pytest.mark.parametrize("basename", ["api-milestone", "api-vote-round", "api-readiness"])
def test_list_query_count_does_not_grow(basename, rte, art, pi, development, django_assert_num_queries):
    client = client_for(rte)
    grow_lists(art, pi, development, rte, 1)
    with django_assert_num_queries(LIST_QUERIES):
        small = client.get(url(basename))
    grow_lists(art, make_pi(art, name="Next", start=pi.end_date + timedelta(days=1)), development, rte, 6)
    with django_assert_num_queries(LIST_QUERIES):
        large = client.get(url(basename))
    assert small.status_code == large.status_code == 200
    assert large.json()["count"] > small.json()["count"] >= 1


# Session and user, the PI, the reader's roles, then the baseline and its placements, the
# placements now, the baseline's objectives and the objectives now.
CHANGES_QUERIES = 9


def test_changes_query_count_does_not_grow(rte, art, pi, development, django_assert_num_queries):
    client = client_for(rte)
    grow_board(art, pi, development, rte, teams=2, features=3, dependencies=0)
    ObjectiveFactory(team=FeaturePlacement.objects.first().team, pi=pi)
    services.commit_plan(pi, by=rte)
    with django_assert_num_queries(CHANGES_QUERIES):
        small = client.get(url("api-plan", pi, "changes")).json()
    grow_board(art, pi, development, rte, teams=5, features=30, dependencies=0)
    for placement in FeaturePlacement.objects.order_by("id")[:10]:
        services.move_placement(placement, by=rte, expected_version=placement.version, iteration=development[3])
    with django_assert_num_queries(CHANGES_QUERIES):
        large = client.get(url("api-plan", pi, "changes")).json()
    assert len(large["added"]) > len(small["added"]) == 0
    assert len(large["moved"]) >= 1
