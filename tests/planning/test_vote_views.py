"""The confidence vote pages: the vote page, a round's live tally, and opening, casting and closing."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from artops.models import Role
from planning import services
from planning.models import Vote, VoteRound
from tests.conftest import PERSONAS, make_member
from tests.factories import TeamFactory, make_pi
from tests.helpers import HTMX, expected, login, url

MEMBERS = [
    "rte",
    "product_manager",
    "system_architect",
    "business_owner",
    "scrum_master",
    "product_owner",
    "team_member",
]
# A team round is voted by the team's members, Scrum Master and Product Owner (DESIGN.md).
FALCONS = {"scrum_master", "product_owner", "team_member"}


@pytest.fixture
def train_round(pi, rte):
    return services.open_vote(pi, by=rte)


@pytest.fixture
def team_round(pi, team, rte):
    return services.open_vote(pi, by=rte, team=team)


def persona_name(request) -> str:
    return request.node.callspec.params["persona"]


def text(content: bytes) -> str:
    """The page's text, tags removed and whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", content.decode()).split())


def shown(content: bytes, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', content.decode(), re.S)
    assert match, f"#{element_id} is not on the page"
    return match.group(1).strip()


def bar_counts(content: bytes) -> dict[int, int]:
    """The count of each value's bar in the tally."""
    bars = re.findall(r'data-value="(\d)".*?class="tally-count">(\d+)<', content.decode(), re.S)
    return {int(value): int(count) for value, count in bars}


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize(("page", "headers"), [("vote_home", {}), ("vote_round", {}), ("vote_round", HTMX)])
def test_reading_permission_matrix(client, art, pi, everyone, train_round, persona, page, headers, request):
    name = persona_name(request)
    kwargs = {"pi_id": pi.pk} if page == "vote_home" else {"round_id": train_round.pk}
    response = login(client, persona).get(url(page, art, **kwargs), headers=headers)
    assert response.status_code == expected(name, True)
    if name == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


def test_another_trains_pi_or_round_is_404(client, art, pi, other_art, rte):
    foreign_pi = make_pi(other_art, name="PI 2026.4", start=date(2026, 10, 5))
    foreign_rte = make_member(other_art, Role.RTE)
    foreign_round = services.open_vote(foreign_pi, by=foreign_rte)
    client = login(client, rte)
    assert client.get(url("vote_home", art, pi_id=foreign_pi.pk)).status_code == 404
    assert client.get(url("vote_round", art, round_id=foreign_round.pk)).status_code == 404
    assert client.post(url("vote_open", art, pi_id=foreign_pi.pk)).status_code == 404
    assert client.post(url("vote_cast", art, round_id=foreign_round.pk), {"value": "3"}).status_code == 404
    assert client.post(url("vote_close", art, round_id=foreign_round.pk)).status_code == 404
    assert VoteRound.objects.filter(pi=foreign_pi).count() == 1
    assert VoteRound.objects.get(pk=foreign_round.pk).is_open
    assert not Vote.objects.exists()


def test_vote_page_offers_big_buttons_and_the_concern_field_without_javascript(
    client, art, pi, train_round, team_member
):
    content = login(client, team_member).get(url("vote_home", art, pi_id=pi.pk)).content.decode()
    ballot = content.split(f'id="ballot-{train_round.pk}"')[1]
    assert f'action="{url("vote_cast", art, round_id=train_round.pk)}"' in ballot
    values = re.findall(r'<button type="submit" name="value" value="(\d)" class="vote-button', ballot)
    assert values == ["1", "2", "3", "4", "5"]
    assert "If you vote 1 or 2, tell us your concern (optional)" in ballot
    assert (
        f'<textarea name="concern" cols="40" rows="2" maxlength="1000" id="round-{train_round.pk}-concern">' in ballot
    )
    # Nothing chosen yet: no button is pressed.
    assert 'aria-pressed="true"' not in content


def test_a_team_round_is_offered_to_its_members_only(client, art, pi, team, team_round, team_member, business_owner):
    member_page = login(client, team_member).get(url("vote_home", art, pi_id=pi.pk)).content.decode()
    assert f'id="ballot-{team_round.pk}"' in member_page
    owner_page = login(client, business_owner).get(url("vote_home", art, pi_id=pi.pk)).content.decode()
    assert f'id="ballot-{team_round.pk}"' not in owner_page
    assert (
        "Other open rounds" in owner_page and f'href="{url("vote_round", art, round_id=team_round.pk)}"' in owner_page
    )


@pytest.mark.parametrize(
    ("persona", "facilitates"),
    [("rte", True), ("product_manager", False), ("scrum_master", False), ("team_member", False)],
)
def test_only_the_rte_sees_the_open_and_close_forms(client, art, pi, train_round, persona, facilitates, request):
    client = login(client, request.getfixturevalue(persona))
    home = client.get(url("vote_home", art, pi_id=pi.pk)).content.decode()
    assert (f'action="{url("vote_open", art, pi_id=pi.pk)}"' in home) is facilitates
    assert (f'action="{url("vote_close", art, round_id=train_round.pk)}"' in home) is facilitates
    page = client.get(url("vote_round", art, round_id=train_round.pk)).content.decode()
    assert (f'action="{url("vote_close", art, round_id=train_round.pk)}"' in page) is facilitates


def test_the_open_form_offers_the_whole_train_and_the_active_teams(client, art, pi, team, other_team, rte):
    TeamFactory(art=art, name="Dodos", active=False)
    content = login(client, rte).get(url("vote_home", art, pi_id=pi.pk)).content.decode()
    options = re.findall(r"<option value=\"(\d*)\"[^>]*>([^<]+)</option>", content.split('id="open-heading"')[1])
    assert options == [("", "The whole train"), (str(team.pk), "Falcons"), (str(other_team.pk), "Otters")]


# --- opening -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_open_permission_matrix(client, art, pi, team, everyone, persona, request):
    name = persona_name(request)
    response = login(client, persona).post(url("vote_open", art, pi_id=pi.pk), {"team": str(team.pk)})
    assert response.status_code == expected(name, name == "rte", ok=302)
    assert VoteRound.objects.count() == (1 if name == "rte" else 0)


def test_rte_opens_a_train_round_and_lands_on_its_tally(client, art, pi, rte):
    response = login(client, rte).post(url("vote_open", art, pi_id=pi.pk), {"team": ""})
    vote_round = VoteRound.objects.get()
    assert (vote_round.pi, vote_round.team, vote_round.opened_by, vote_round.is_open) == (pi, None, rte, True)
    assert response.status_code == 302
    assert response["Location"] == url("vote_round", art, round_id=vote_round.pk)


def test_rte_opens_a_team_round(client, art, pi, team, rte):
    login(client, rte).post(url("vote_open", art, pi_id=pi.pk), {"team": str(team.pk)})
    assert VoteRound.objects.get().team == team


@pytest.mark.parametrize(
    ("team", "message"),
    [
        ("foreign", "Choose a team of this train, or the whole train."),
        ("inactive", "Choose a team of this train, or the whole train."),
        ("abc", "Choose a team of this train, or the whole train."),
    ],
)
def test_opening_for_a_team_not_on_offer_is_refused(client, art, pi, other_art, rte, team, message):
    teams = {
        "foreign": lambda: TeamFactory(art=other_art).pk,
        "inactive": lambda: TeamFactory(art=art, active=False).pk,
        "abc": lambda: "abc",
    }
    response = login(client, rte).post(url("vote_open", art, pi_id=pi.pk), {"team": str(teams[team]())})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not VoteRound.objects.exists()


def test_a_second_open_round_of_the_same_vote_is_refused(client, art, pi, train_round, rte):
    response = login(client, rte).post(url("vote_open", art, pi_id=pi.pk), {"team": ""})
    assert response.status_code == 422
    assert "A round of the whole train&#x27;s vote is already open: close it first." in response.content.decode()
    assert VoteRound.objects.count() == 1


# --- casting -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_cast_in_a_train_round_permission_matrix(client, art, pi, everyone, train_round, persona, request):
    name = persona_name(request)
    response = login(client, persona).post(url("vote_cast", art, round_id=train_round.pk), {"value": "4"})
    assert response.status_code == expected(name, True, ok=302)
    assert Vote.objects.count() == (1 if name in MEMBERS else 0)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_cast_in_a_team_round_permission_matrix(client, art, pi, everyone, team_round, persona, request):
    name = persona_name(request)
    response = login(client, persona).post(url("vote_cast", art, round_id=team_round.pk), {"value": "4"})
    assert response.status_code == expected(name, name in FALCONS, ok=302)
    assert Vote.objects.count() == (1 if name in FALCONS else 0)
    if response.status_code == 403:
        assert "This round is for the members of Falcons." in response.content.decode()


def test_a_member_of_another_team_cannot_vote_in_a_team_round(client, art, pi, other_team, rte, team_member):
    otters_round = services.open_vote(pi, by=rte, team=other_team)
    response = login(client, team_member).post(
        url("vote_cast", art, round_id=otters_round.pk), {"value": "3"}, headers=HTMX
    )
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == "This round is for the members of Otters."
    assert not Vote.objects.exists()


def test_refused_voter_learns_nothing_from_validation(client, art, pi, team_round, business_owner):
    response = login(client, business_owner).post(url("vote_cast", art, round_id=team_round.pk), {"value": "6"})
    assert response.status_code == 403
    assert "Vote from 1 to 5." not in response.content.decode()


def test_vote_without_javascript_redirects_back_with_a_message(client, art, pi, train_round, team_member):
    client = login(client, team_member)
    response = client.post(url("vote_cast", art, round_id=train_round.pk), {"value": "4"}, follow=True)
    assert response.redirect_chain == [(f"{url('vote_home', art, pi_id=pi.pk)}#round-{train_round.pk}", 302)]
    content = response.content.decode()
    assert "Your vote of 4 is in. You can change it until the round closes." in content
    assert re.search(r'value="4" class="vote-button vote-4 is-mine" aria-pressed="true"', content)
    back_to_round = client.post(url("vote_cast", art, round_id=train_round.pk), {"value": "5", "return_to": "round"})
    assert back_to_round["Location"] == url("vote_round", art, round_id=train_round.pk)


def test_vote_with_htmx_answers_the_ballot_with_the_own_vote_pressed(client, art, pi, train_round, scrum_master):
    response = login(client, scrum_master).post(
        url("vote_cast", art, round_id=train_round.pk), {"value": "2", "concern": ""}, headers=HTMX
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith(f'<div class="ballot" id="ballot-{train_round.pk}">')
    assert "<html" not in content
    assert re.findall(r'value="(\d)" class="vote-button[^"]*" aria-pressed="true"', content) == ["2"]
    # Voting 2 invites a concern.
    assert "concern-invited" in content
    assert "Send my concern with my vote of 2" in content
    assert Vote.objects.get().value == 2


def test_voting_again_changes_the_vote_until_the_round_closes(client, art, pi, train_round, team_member):
    client = login(client, team_member)
    client.post(url("vote_cast", art, round_id=train_round.pk), {"value": "5"})
    client.post(url("vote_cast", art, round_id=train_round.pk), {"value": "1", "concern": "  No capacity left  "})
    vote = Vote.objects.get()
    assert (vote.voter, vote.value, vote.concern) == (team_member, 1, "No capacity left")


@pytest.mark.parametrize("value", ["6", "0", "x", "", "-1", "2.5"])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_a_vote_off_the_fist_of_five_is_422_and_nothing_is_saved(
    client, art, pi, train_round, team_member, value, headers
):
    response = login(client, team_member).post(
        url("vote_cast", art, round_id=train_round.pk), {"value": value}, headers=headers
    )
    assert response.status_code == 422
    assert "Vote from 1 to 5." in response.content.decode()
    assert ("<html" in response.content.decode()) is not bool(headers)
    assert not Vote.objects.exists()


def test_a_bad_vote_leaves_the_earlier_vote_unchanged(client, art, pi, train_round, team_member):
    services.cast_vote(train_round, by=team_member, value=3)
    response = login(client, team_member).post(url("vote_cast", art, round_id=train_round.pk), {"value": "6"})
    assert response.status_code == 422
    assert Vote.objects.get().value == 3


def test_a_vote_missing_from_the_post_is_refused(client, art, pi, train_round, team_member):
    response = login(client, team_member).post(url("vote_cast", art, round_id=train_round.pk), {"concern": "hm"})
    assert response.status_code == 422
    assert not Vote.objects.exists()


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_a_second_vote_in_a_closed_round_is_refused_and_the_vote_unchanged(
    client, art, pi, train_round, rte, team_member, headers
):
    services.cast_vote(train_round, by=team_member, value=2)
    services.close_vote(train_round, by=rte)
    response = login(client, team_member).post(
        url("vote_cast", art, round_id=train_round.pk), {"value": "5"}, headers=headers
    )
    assert response.status_code == 422
    assert "This round is closed: votes can no longer change." in response.content.decode()
    vote = Vote.objects.get()
    assert (vote.value, vote.updated_at < timezone.now()) == (2, True)
    # Also a first vote, and an invalid one: the round is closed either way.
    late = login(client, rte).post(url("vote_cast", art, round_id=train_round.pk), {"value": "6"}, headers=headers)
    assert late.status_code == 422
    assert "This round is closed" in late.content.decode()
    assert Vote.objects.count() == 1


def test_a_concern_comes_only_with_a_vote_of_1_or_2(client, art, pi, train_round, team_member, scrum_master):
    login(client, team_member).post(url("vote_cast", art, round_id=train_round.pk), {"value": "4", "concern": "meh"})
    login(client, scrum_master).post(
        url("vote_cast", art, round_id=train_round.pk), {"value": "1", "concern": "Ledger is not staffed"}
    )
    assert sorted(Vote.objects.values_list("value", "concern")) == [(1, "Ledger is not staffed"), (4, "")]


def test_an_overlong_concern_is_refused(client, art, pi, train_round, team_member):
    response = login(client, team_member).post(
        url("vote_cast", art, round_id=train_round.pk), {"value": "1", "concern": "x" * 1001}
    )
    assert response.status_code == 422
    assert "Keep the concern under 1000 characters." in response.content.decode()
    assert not Vote.objects.exists()


# --- the tally and closing -----------------------------------------------------------------------


def test_round_page_polls_its_tally_every_two_seconds_while_open(client, art, pi, train_round, team_member):
    services.cast_vote(train_round, by=team_member, value=2, concern="Too many dependencies")
    client = login(client, team_member)
    page = client.get(url("vote_round", art, round_id=train_round.pk)).content
    fragment = client.get(url("vote_round", art, round_id=train_round.pk), headers=HTMX).content
    for content in (page, fragment):
        assert f'hx-get="{url("vote_round", art, round_id=train_round.pk)}" hx-trigger="every 2s"' in content.decode()
        assert shown(content, "tally-votes") == "1"
        assert shown(content, "tally-average") == "2.00"
        assert bar_counts(content) == {1: 0, 2: 1, 3: 0, 4: 0, 5: 0}
        assert "Too many dependencies" in content.decode()
    assert b"<html" not in fragment
    assert fragment.decode().lstrip().startswith('<section id="vote-tally"')


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_close_permission_matrix(client, art, pi, everyone, train_round, persona, request):
    name = persona_name(request)
    response = login(client, persona).post(url("vote_close", art, round_id=train_round.pk))
    assert response.status_code == expected(name, name == "rte", ok=302)
    assert VoteRound.objects.get().is_open is (name != "rte")


@pytest.mark.parametrize(
    ("values", "average", "replan"),
    [
        ([2, 2, 3], "2.33", True),
        ([3, 3, 3], "3.00", False),
        ([1, 5, 2, 3], "2.75", True),
        ([5, 4], "4.50", False),
    ],
)
def test_closing_shows_the_result_and_re_plan_below_three(
    client,
    art,
    pi,
    train_round,
    rte,
    product_manager,
    scrum_master,
    team_member,
    business_owner,
    values,
    average,
    replan,
):
    for voter, value in zip([product_manager, scrum_master, team_member, business_owner], values, strict=False):
        services.cast_vote(train_round, by=voter, value=value)
    response = login(client, rte).post(url("vote_close", art, round_id=train_round.pk), follow=True)
    closed = VoteRound.objects.get()
    assert (closed.is_open, closed.average, closed.replan) == (False, Decimal(average), replan)
    content = response.content
    assert shown(content, "tally-average") == average
    assert shown(content, "tally-votes") == str(len(values))
    assert "hx-trigger" not in content.decode().split('id="vote-tally"')[1].split(">")[0]
    assert ("Re-plan" in text(content)) is replan
    assert ("Open a new round" in text(content)) is replan
    assert f"The round of the whole train is closed (average {average})" in text(content)


def test_closing_with_htmx_answers_the_tally_without_polling(client, art, pi, train_round, rte, team_member):
    services.cast_vote(train_round, by=team_member, value=1)
    response = login(client, rte).post(url("vote_close", art, round_id=train_round.pk), headers=HTMX)
    content = response.content.decode()
    assert response.status_code == 200 and "<html" not in content
    assert "hx-trigger" not in content.split(">")[0]
    assert "Re-plan" in content


def test_only_the_rte_sees_open_a_new_round_after_a_re_plan(client, art, pi, train_round, rte, team_member):
    services.cast_vote(train_round, by=team_member, value=1)
    services.close_vote(train_round, by=rte)
    page = url("vote_round", art, round_id=train_round.pk)
    assert "Open a new round" in login(client, rte).get(page).content.decode()
    member_page = login(client, team_member).get(page).content.decode()
    assert "Re-plan" in member_page and "Open a new round" not in member_page
    # The button opens the next round of the same vote.
    login(client, rte).post(url("vote_open", art, pi_id=pi.pk), {"team": ""})
    assert VoteRound.objects.open().get().team is None


def test_closing_twice_is_refused(client, art, pi, train_round, rte):
    services.close_vote(train_round, by=rte)
    closed_at = VoteRound.objects.get().closed_at
    response = login(client, rte).post(url("vote_close", art, round_id=train_round.pk))
    assert response.status_code == 422
    assert "This round is already closed." in response.content.decode()
    assert VoteRound.objects.get().closed_at == closed_at


def test_past_rounds_show_counts_average_and_re_plan(client, art, pi, team, rte, team_member, scrum_master):
    replanned = services.open_vote(pi, by=rte, team=team)
    services.cast_vote(replanned, by=team_member, value=1)
    services.cast_vote(replanned, by=scrum_master, value=2)
    services.close_vote(replanned, by=rte)
    confident = services.open_vote(pi, by=rte, team=team)
    services.cast_vote(confident, by=team_member, value=4)
    services.close_vote(confident, by=rte)
    content = login(client, team_member).get(url("vote_home", art, pi_id=pi.pk)).content.decode()
    rows = {
        int(round_id): text(row.encode())
        for round_id, row in re.findall(r'<tr data-round="(\d+)"[^>]*>(.*?)</tr>', content, re.S)
    }
    # Two rounds of the same team tell themselves apart, and say who of the team voted.
    assert rows[replanned.pk].startswith(f"{team.name}, round 1 ")
    assert rows[confident.pk].startswith(f"{team.name}, round 2 ")
    assert rows[replanned.pk].endswith("1 1 0 0 0 2 of 2 members voted 1.50 Re-plan")
    assert rows[confident.pk].endswith("0 0 0 1 0 1 of 2 members voted 4.00 Confident")


def test_open_rounds_count_k_of_n_members_and_a_vote_swaps_the_count_in(
    client, art, pi, team, rte, team_member, scrum_master, business_owner
):
    team_round = services.open_vote(pi, by=rte, team=team)
    train_round = services.open_vote(pi, by=rte)
    services.cast_vote(train_round, by=business_owner, value=4)
    client = login(client, team_member)
    content = client.get(url("vote_home", art, pi_id=pi.pk)).content.decode()
    # The team: its member and Scrum Master; the train: the four members.
    assert f'id="round-{team_round.pk}-turnout">0 of 2 members voted<' in content
    assert f'id="round-{train_round.pk}-turnout">1 of 4 members voted<' in content
    response = client.post(url("vote_cast", art, round_id=train_round.pk), {"value": "5"}, headers=HTMX)
    assert response.status_code == 200
    fragment = response.content.decode()
    assert f'id="round-{train_round.pk}-turnout" hx-swap-oob="true">2 of 4 members voted<' in fragment
    assert Vote.objects.filter(round=train_round).count() == 2


# --- anonymity -----------------------------------------------------------------------------------


def test_nobody_can_read_who_voted_what(client, art, pi, team, rte, team_member, scrum_master, business_owner):
    train = services.open_vote(pi, by=rte)
    falcons = services.open_vote(pi, by=rte, team=team)
    services.cast_vote(train, by=team_member, value=2, concern="Ledger has no capacity")
    services.cast_vote(train, by=scrum_master, value=4)
    services.cast_vote(train, by=business_owner, value=5)
    services.cast_vote(falcons, by=team_member, value=1, concern="Nobody tests")
    services.cast_vote(falcons, by=scrum_master, value=3)
    client = login(client, rte)
    pages = [
        client.get(url("vote_home", art, pi_id=pi.pk)),
        client.get(url("vote_round", art, round_id=train.pk)),
        client.get(url("vote_round", art, round_id=train.pk), headers=HTMX),
        client.get(url("vote_round", art, round_id=falcons.pk)),
    ]
    services.close_vote(train, by=rte)
    pages += [client.get(url("vote_home", art, pi_id=pi.pk)), client.get(url("vote_round", art, round_id=train.pk))]
    for response in pages:
        content = response.content.decode()
        assert response.status_code == 200
        for voter in (team_member, scrum_master, business_owner):
            assert voter.display_name not in content
            assert voter.email not in content
            assert f"/{voter.pk}/" not in content
        # The RTE did not vote: nothing of theirs is pressed.
        assert 'aria-pressed="true"' not in content
    # The concerns are there, without their authors.
    assert "Ledger has no capacity" in pages[1].content.decode()


def test_a_voter_sees_only_their_own_vote(client, art, pi, train_round, team_member, scrum_master):
    services.cast_vote(train_round, by=team_member, value=2)
    services.cast_vote(train_round, by=scrum_master, value=5)
    for voter, mine in ((team_member, "2"), (scrum_master, "5")):
        client = login(client, voter)
        for page in (url("vote_home", art, pi_id=pi.pk), url("vote_round", art, round_id=train_round.pk)):
            content = client.get(page).content.decode()
            assert re.findall(r'value="(\d)" class="vote-button[^"]*" aria-pressed="true"', content) == [mine]
            assert content.count("is-mine") == 1


# --- query counts --------------------------------------------------------------------------------


def grow(art, pi, teams, size: int, rte) -> VoteRound:
    """``size`` closed rounds per team, each with ``size`` votes (half with a concern), and an open train round."""
    now = timezone.now()
    voters = [make_member(art, Role.TEAM_MEMBER, teams[0]) for _ in range(size)]
    for team in teams:
        for _ in range(size):
            vote_round = VoteRound.objects.create(pi=pi, team=team, opened_at=now, closed_at=now, average=3)
            Vote.objects.bulk_create(
                Vote(round=vote_round, voter=voter, value=1 + i % 5, concern="why" if i % 2 else "")
                for i, voter in enumerate(voters)
            )
    train = VoteRound.objects.open().filter(pi=pi, team=None).first() or VoteRound.objects.create(
        pi=pi, opened_at=now, opened_by=rte
    )
    Vote.objects.bulk_create(
        Vote(round=train, voter=voter, value=1 + i % 5, concern="why" if i % 2 else "")
        for i, voter in enumerate(voters)
    )
    return train


# Session, user, train, own memberships, the PI, the rounds, their counts, the own votes; the RTE also
# reads the teams of the open form.
# One fewer each since the rounds are read with their tally (VoteRound.objects.with_tally()).
# One more for who may vote (the train's members by team), read once for every round.
VOTE_HOME_QUERIES = {"team_member": 8, "rte": 9}


@pytest.mark.parametrize("persona", ["team_member", "rte"])
@pytest.mark.parametrize("size", [1, 6])
def test_vote_home_query_count_is_constant(
    client, art, pi, team, other_team, rte, team_member, persona, size, django_assert_num_queries, request
):
    grow(art, pi, [team, other_team], size, rte)
    services.open_vote(pi, by=rte, team=team)
    client = login(client, request.getfixturevalue(persona))
    with django_assert_num_queries(VOTE_HOME_QUERIES[persona]):
        response = client.get(url("vote_home", art, pi_id=pi.pk))
    assert response.status_code == 200


# Session, user, train, own memberships, the round with its PI and team, the tally (counts and concerns).
# And who may vote in it ("k of n members voted").
TALLY_FRAGMENT_QUERIES = 6


@pytest.mark.parametrize("size", [1, 6])
def test_tally_fragment_query_count_is_constant(
    client, art, pi, team, other_team, rte, team_member, size, django_assert_num_queries
):
    train = grow(art, pi, [team, other_team], size, rte)
    client = login(client, team_member)
    with django_assert_num_queries(TALLY_FRAGMENT_QUERIES):
        response = client.get(url("vote_round", art, round_id=train.pk), headers=HTMX)
    assert shown(response.content, "tally-votes") == str(size)


# The fragment's queries, and the person's own vote for the ballot.
ROUND_PAGE_QUERIES = 7


@pytest.mark.parametrize("size", [1, 6])
def test_round_page_query_count_is_constant(
    client, art, pi, team, other_team, rte, team_member, size, django_assert_num_queries
):
    train = grow(art, pi, [team, other_team], size, rte)
    client = login(client, team_member)
    with django_assert_num_queries(ROUND_PAGE_QUERIES):
        response = client.get(url("vote_round", art, round_id=train.pk))
    assert response.status_code == 200
