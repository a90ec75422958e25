"""The API of the confidence vote: who opens, closes and votes in which round, bad votes, the
tally, its anonymity (no endpoint and no schema field tells who voted what), filters and the
query count of the list."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from drf_spectacular.generators import SchemaGenerator

from artops.models import Role
from planning import services
from planning.models import Vote, VoteRound
from tests.api_helpers import api_status, api_url, client_for, expected, grow_lists, messages, persona_name
from tests.conftest import PERSONAS, make_member
from tests.factories import TeamFactory, make_pi

MEMBERS = {
    "rte",
    "product_manager",
    "system_architect",
    "business_owner",
    "scrum_master",
    "product_owner",
    "team_member",
}


TEAM_VOTERS = {"scrum_master", "product_owner", "team_member"}


@pytest.fixture
def train_round(pi, rte):
    return services.open_vote(pi, by=rte)


@pytest.fixture
def team_round(pi, team, rte):
    return services.open_vote(pi, by=rte, team=team)


# --- the confidence vote -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_vote_round_read_permission_matrix(everyone, persona, train_round, request):
    name = persona_name(request)
    client = client_for(persona)
    assert api_status(client.get(api_url("vote-round", train_round))) == expected(name, True, 200)
    listed = client.get(api_url("vote-round"))
    assert api_status(listed) == (401 if name == "anonymous" else 200)
    if name != "anonymous":
        assert listed.json()["count"] == (0 if name == "outsider" else 1)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_vote_round_open_permission_matrix(everyone, persona, pi, team, request):
    name = persona_name(request)
    response = client_for(persona).post(api_url("vote-round"), {"pi": pi.pk, "team": team.pk}, format="json")
    allowed = name == "rte"
    assert api_status(response) == expected(name, allowed, 201, outsider=400)
    assert VoteRound.objects.exists() == allowed
    if allowed:
        body = response.json()
        assert (body["team"], body["scope"], body["is_open"], body["tally"]["votes"]) == (team.pk, "Falcons", True, 0)


def test_a_second_open_round_of_the_same_vote_is_400(rte, pi, train_round):
    response = client_for(rte).post(api_url("vote-round"), {"pi": pi.pk}, format="json")
    assert response.status_code == 400 and "already open" in messages(response)
    assert VoteRound.objects.count() == 1


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_vote_round_close_permission_matrix(everyone, persona, train_round, request):
    name = persona_name(request)
    response = client_for(persona).post(api_url("vote-round", train_round, "close"))
    allowed = name == "rte"
    assert api_status(response) == expected(name, allowed, 200)
    train_round.refresh_from_db()
    assert train_round.is_open != allowed


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("scope", ["train", "team"])
def test_vote_permission_matrix(everyone, persona, scope, request):
    name = persona_name(request)
    vote_round = request.getfixturevalue(f"{scope}_round")
    response = client_for(persona).post(api_url("vote-round", vote_round, "vote"), {"value": 4}, format="json")
    # A team's round is voted by its members, Scrum Master and Product Owner; the train's by every member.
    allowed = name in MEMBERS if scope == "train" else name in TEAM_VOTERS
    assert api_status(response) == expected(name, allowed, 201)
    assert Vote.objects.filter(round=vote_round).count() == (1 if allowed else 0)
    if response.status_code == 403:
        assert "This round is for the members of Falcons" in messages(response)


@pytest.mark.parametrize("value", [6, 0, -1, "four", None, ""])
def test_a_vote_off_the_fist_of_five_is_400_and_saves_nothing(team_member, train_round, value):
    response = client_for(team_member).post(api_url("vote-round", train_round, "vote"), {"value": value}, format="json")
    assert response.status_code == 400
    assert response.json()["value"] == ["Vote from 1 to 5."]
    assert not Vote.objects.exists()


def test_a_vote_in_a_closed_round_is_400_and_changes_nothing(rte, team_member, train_round):
    client = client_for(team_member)
    assert client.post(api_url("vote-round", train_round, "vote"), {"value": 2}, format="json").status_code == 201
    services.close_vote(train_round, by=rte)
    again = client.post(api_url("vote-round", train_round, "vote"), {"value": 5}, format="json")
    assert again.status_code == 400
    assert "This round is closed" in messages(again)
    assert list(Vote.objects.values_list("value", flat=True)) == [2]
    closing_again = client_for(rte).post(api_url("vote-round", train_round, "close"))
    assert closing_again.status_code == 400 and "already closed" in messages(closing_again)


def test_a_second_vote_in_an_open_round_replaces_the_first(team_member, train_round):
    client = client_for(team_member)
    first = client.post(api_url("vote-round", train_round, "vote"), {"value": 1, "concern": "Too much"}, format="json")
    assert first.status_code == 201
    assert (first.json()["value"], first.json()["concern"]) == (1, "Too much")
    second = client.post(api_url("vote-round", train_round, "vote"), {"value": 4, "concern": "Still"}, format="json")
    assert second.status_code == 200
    # A concern is invited from those who vote 1 or 2: the higher vote withdraws it.
    assert (second.json()["value"], second.json()["concern"]) == (4, "")
    assert list(Vote.objects.values_list("value", "concern")) == [(4, "")]


def test_my_vote_is_the_callers_own_vote_only(team_member, scrum_master, train_round):
    mine = api_url("vote-round", train_round, "my-vote")
    not_yet = client_for(team_member).get(mine)
    assert not_yet.status_code == 404 and "not voted" in not_yet.json()["detail"]
    client_for(team_member).post(
        api_url("vote-round", train_round, "vote"), {"value": 2, "concern": "Scope"}, format="json"
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
    body = client_for(rte).get(api_url("vote-round", train_round)).json()
    assert body["tally"] == {
        "counts": {"1": 1, "2": 1, "3": 1, "4": 1, "5": 0},
        "votes": 4,
        "average": 2.5,
        # Sorted by their text: their order says nothing about who wrote them, or when.
        "concerns": ["A vendor we never met", "Zero slack"],
    }
    closed = client_for(rte).post(api_url("vote-round", train_round, "close"))
    assert closed.status_code == 200
    assert (closed.json()["is_open"], closed.json()["replan"], closed.json()["tally"]["average"]) == (False, True, 2.5)
    assert VoteRound.objects.get().average == Decimal("2.50")
    # Re-plan: a new round may open.
    assert client_for(rte).post(api_url("vote-round"), {"pi": pi.pk}, format="json").status_code == 201


def test_a_round_without_concerns_answers_an_empty_list(art, rte, train_round, team_round):
    """Not ``[null]``: a round with no votes, or with votes but no concern, has no concerns (issue 10)."""
    services.cast_vote(train_round, by=make_member(art, Role.TEAM_MEMBER, TeamFactory(art=art)), value=4)
    client = client_for(rte)
    assert client.get(api_url("vote-round", train_round)).json()["tally"]["concerns"] == []
    assert client.get(api_url("vote-round", team_round)).json()["tally"]["concerns"] == []
    assert [row["tally"]["concerns"] for row in client.get(api_url("vote-round")).json()["results"]] == [[], []]


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
        client.get(api_url("vote-round")),
        client.get(api_url("vote-round", train_round)),
        client.get(api_url("vote-round"), {"pi": pi.pk, "team": team.pk}),
        client.post(api_url("vote-round", team_round, "close")),
        client.get(api_url("vote-round", train_round, "my-vote")),
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
        return {row["id"] for row in client.get(api_url("vote-round"), params).json()["results"]}

    assert ids(pi=pi.pk) == {train_round.pk, team_round.pk}
    assert ids(team=team.pk) == {team_round.pk}
    assert ids(team="none") == {train_round.pk}
    assert ids(open="true") == {team_round.pk}
    assert ids(open="false") == {train_round.pk}


# --- query counts: the same at two data sizes ----------------------------------------------------


# Session and user, then COUNT(*) for the page and the page (related rows and derived values joined).
LIST_QUERIES = 4


def test_list_query_count_does_not_grow(rte, art, pi, development, django_assert_num_queries):
    client = client_for(rte)
    grow_lists(art, pi, development, rte, 1)
    with django_assert_num_queries(LIST_QUERIES):
        small = client.get(api_url("vote-round"))
    grow_lists(art, make_pi(art, name="Next", start=pi.end_date + timedelta(days=1)), development, rte, 6)
    with django_assert_num_queries(LIST_QUERIES):
        large = client.get(api_url("vote-round"))
    assert small.status_code == large.status_code == 200
    assert large.json()["count"] > small.json()["count"] >= 1
