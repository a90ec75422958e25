"""The program board page, its move and milestone endpoints (htmx and plain); the live board is test_live_board.py."""

from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from planning.forms.program_board import VERSION_MISSING
from planning.models import IP_REFUSAL, BoardClock, FeaturePlacement, Milestone, PlacementChange
from tests.conftest import PERSONAS
from tests.factories import ARTFactory, TeamFactory, make_pi
from tests.factories import make_board_dependency as make_dependency
from tests.helpers import HTMX, expected, login
from tests.planning.factories import FeatureFactory, PlacementFactory

MOVERS = {"rte", "scrum_master", "product_owner"}
MILESTONE_EDITORS = {"rte", "product_manager"}


def url(name: str, art, pi, **kwargs) -> str:
    return reverse(name, kwargs={"art_slug": art.slug, "pi_id": pi.pk, **kwargs})


class _Attributes(HTMLParser):
    def __init__(self, dom_id: str):
        super().__init__()
        self.dom_id, self.found = dom_id, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id") == self.dom_id and self.found is None:
            self.found = {"tag": tag, **attrs}


def attributes(html: str, dom_id: str) -> dict | None:
    """The attributes of the element with this DOM id (``None`` if there is none)."""
    parser = _Attributes(dom_id)
    parser.feed(html)
    return parser.found


def state(placement) -> tuple:
    """What a move could change about a card, and the history of the feature's placements."""
    row = FeaturePlacement.objects.filter(pk=placement.pk).values_list("team", "iteration", "version").first()
    return (
        row,
        PlacementChange.objects.filter(feature_id=placement.feature_id).count(),
        BoardClock.read(placement.iteration.pi_id),
    )


@pytest.fixture
def card(art, pi, team):
    """Falcons' placement of “Instant payouts” in Iteration 1."""
    feature = FeatureFactory(art=art, pi=pi, title="Instant payouts")
    return PlacementFactory(feature=feature, team=team, iteration=pi.iterations.development()[0])


def move(client, art, pi, card, *, htmx=True, **data):
    data = {"placement": card.pk, "version": card.version, **data}
    return client.post(url("program_board_move", art, pi), data, headers=HTMX if htmx else {})


# --- the page ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_page_permission_matrix(client, art, pi, card, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    response = login(client, persona).get(url("program_board", art, pi))
    assert response.status_code == expected(name, True)
    if response.status_code == 200:
        assert b"Instant payouts" in response.content


def test_another_trains_pi_is_404(client, art, pi, rte):
    foreign_pi = make_pi(ARTFactory(), name="PI X", start=pi.start_date)
    assert login(client, rte).get(url("program_board", art, foreign_pi)).status_code == 404


def test_page_shows_columns_rows_cards_lines_and_legend(client, art, pi, team, other_team, card, rte):
    first, second = pi.iterations.development()[:2]
    api = PlacementFactory(feature=FeatureFactory(art=art, pi=pi, type="enabler"), team=other_team, iteration=second)
    dependency = make_dependency(
        pi,
        needing_team=team,
        providing_team=other_team,
        needing_feature=card.feature,
        providing_feature=api.feature,
        needed_by=first,
        owner=rte,
    )
    Milestone.objects.create(pi=pi, name="Release 3.2", date=second.start_date)

    html = login(client, rte).get(url("program_board", art, pi)).content.decode()

    assert "No feature work" in html and "Release 3.2" in html
    element = attributes(html, f"card-{card.pk}")
    assert element["class"] == "pb-card type-business" and element["draggable"] == "true"
    assert (element["data-placement-id"], element["data-version"], element["data-feature-key"]) == (
        str(card.pk),
        "1",
        card.feature.key,
    )
    assert (element["data-team-id"], element["data-iteration-id"]) == (str(team.pk), str(first.pk))
    assert element["data-lines"] == f"line-{dependency.pk}"
    assert attributes(html, f"card-{api.pk}")["class"] == "pb-card type-enabler"
    line = attributes(html, f"line-{dependency.pk}")
    assert (line["tag"], line["class"], line["data-health"]) == ("path", "pb-line health-red", "red")
    assert (line["data-from"], line["data-to"]) == (f"card-{api.pk}", f"card-{card.pk}")
    assert reverse("team_board", kwargs={"art_slug": art.slug, "pi_id": pi.pk, "team_id": team.pk}) in html
    assert "Red, dash-dot: planned after it is needed" in html and "Purple, dotted: not planned" in html
    # The toolbar: the lines switch, print and the two exports.
    assert attributes(html, "lines-all")["checked"] is None and "checked" not in attributes(html, "lines-red")
    assert attributes(html, "board-export-csv")["href"] == url("program_board_csv", art, pi)
    assert attributes(html, "board-export-svg")["href"] == url("program_board_svg", art, pi)
    assert attributes(html, "board-print")["data-print-board"] is None
    assert 'draggable="true"' in html and 'id="milestone-form"' in html
    assert "js/program_board.js" in html and "<script>" not in html
    # The IP column refuses drops.
    assert attributes(html, f"cell-team-{team.pk}-{pi.iterations.ip().get().pk}")["data-accepts"] == "false"
    assert attributes(html, f"cell-team-{team.pk}-{first.pk}")["data-accepts"] == "true"
    assert "is-ip" in attributes(html, f"iteration-{pi.iterations.ip().get().pk}")["class"]
    assert html.count('data-accepts="true"') == 2 * 4  # two teams × four development iterations


def test_a_scrum_master_can_drag_only_their_own_teams_cards(client, art, pi, team, other_team, card, scrum_master):
    theirs = PlacementFactory(feature=card.feature, team=other_team, iteration=pi.iterations.development()[1])
    html = login(client, scrum_master).get(url("program_board", art, pi)).content.decode()
    assert html.count('draggable="true"') == 1
    assert f'id="card-{card.pk}-move"' in html and f'id="card-{theirs.pk}-move"' not in html
    assert html.count('data-accepts="true"') == 4
    assert 'id="milestone-form"' not in html


def test_business_owner_reads_the_board_without_controls(client, art, pi, card, business_owner):
    html = login(client, business_owner).get(url("program_board", art, pi)).content.decode()
    assert 'draggable="true"' not in html and "pb-card-move" not in html
    assert 'data-accepts="true"' not in html and 'id="milestone-form"' not in html


def test_filters_work_as_plain_get_and_as_htmx(client, art, pi, team, other_team, card, rte):
    theirs = PlacementFactory(
        feature=FeatureFactory(art=art, pi=pi), team=other_team, iteration=pi.iterations.development()[1]
    )
    client = login(client, rte)
    html = client.get(url("program_board", art, pi), {"teams": other_team.pk}).content.decode()
    assert f'id="card-{theirs.pk}"' in html and f'id="card-{card.pk}"' not in html
    assert attributes(html, f"filter-team-{other_team.pk}")["checked"] is None
    assert "checked" not in attributes(html, f"filter-team-{team.pk}")
    # The move and live URLs carry the filters.
    assert attributes(html, "program-board")["data-changes-url"].endswith(f"/changes/?teams={other_team.pk}")

    response = client.get(url("program_board", art, pi), {"type": "enabler"}, headers=HTMX)
    assert response.status_code == 200 and b"<html" not in response.content
    assert b'id="program-board"' in response.content and b"pb-card " not in response.content


@pytest.mark.parametrize("query", [{"teams": "falcons"}, {"type": "epic"}])
def test_bad_filters_are_422_with_the_message_and_the_whole_board(client, art, pi, card, rte, query):
    response = login(client, rte).get(url("program_board", art, pi), query)
    assert response.status_code == 422
    assert f'id="card-{card.pk}"'.encode() in response.content
    assert b"is not a team" in response.content or b"business features or enablers" in response.content


def test_a_filter_in_error_narrows_nothing(client, art, pi, team, other_team, card, rte):
    """A bad team id among good ones: the message, 422, and the board unfiltered by team (ProgramBoardFilter)."""
    response = login(client, rte).get(url("program_board", art, pi), {"teams": [other_team.pk, "falcons"]})
    assert response.status_code == 422
    assert "“falcons” is not a team.".encode() in response.content
    assert f'id="card-{card.pk}"'.encode() in response.content


# --- moves: the permission matrix ------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_move_permission_matrix(client, art, pi, card, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    before = state(card)
    second = pi.iterations.development()[1]
    response = move(login(client, persona), art, pi, card, iteration=second.pk)
    assert response.status_code == expected(name, name in MOVERS)
    if response.status_code == 200:
        assert state(card)[0] == (card.team_id, second.pk, 2)
        assert b'id="program-board"' in response.content
        assert f"{card.feature.key} moved to Iteration 2.".encode() in response.content
    else:
        assert state(card) == before


def test_business_owner_move_is_403_with_the_reason_and_nothing_saved(client, art, pi, card, business_owner):
    before = state(card)
    response = move(login(client, business_owner), art, pi, card, iteration=pi.iterations.ip().get().pk)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/plain")
    assert b"Scrum Master and Product Owner" in response.content
    assert state(card) == before
    # Without htmx: the 403 page with the reason.
    response = move(client, art, pi, card, htmx=False, iteration=pi.iterations.development()[1].pk)
    assert response.status_code == 403 and b"Scrum Master and Product Owner" in response.content
    assert state(card) == before


def test_scrum_master_cannot_move_another_teams_card(client, art, pi, other_team, card, scrum_master):
    theirs = PlacementFactory(feature=card.feature, team=other_team, iteration=pi.iterations.development()[0])
    before = state(theirs)
    response = move(login(client, scrum_master), art, pi, theirs, iteration=pi.iterations.development()[1].pk)
    assert response.status_code == 403
    assert state(theirs) == before


def test_scrum_master_cannot_hand_a_card_to_another_team(client, art, pi, other_team, card, scrum_master):
    before = state(card)
    response = move(login(client, scrum_master), art, pi, card, team=other_team.pk)
    assert response.status_code == 403
    assert state(card) == before


def test_rte_hands_a_card_to_another_team_by_dropping_it_on_their_row(client, art, pi, other_team, card, rte):
    third = pi.iterations.development()[2]
    response = move(login(client, rte), art, pi, card, team=other_team.pk, iteration=third.pk)
    assert response.status_code == 200
    assert state(card) == ((other_team.pk, third.pk, 2), 1, 1)
    change = PlacementChange.objects.get(feature=card.feature)
    assert (change.from_team_id, change.to_team_id, change.to_iteration_id, change.by_id) == (
        card.team_id,
        other_team.pk,
        third.pk,
        rte.pk,
    )
    assert f"moved to {other_team.name}, {third.name}.".encode() in response.content


def test_plain_post_moves_and_redirects_back_to_the_filtered_board(client, art, pi, team, card, rte):
    second = pi.iterations.development()[1]
    client = login(client, rte)
    response = client.post(
        url("program_board_move", art, pi) + f"?teams={team.pk}",
        {"placement": card.pk, "version": 1, "iteration": second.pk},
    )
    assert response.status_code == 302
    assert response["Location"] == url("program_board", art, pi) + f"?teams={team.pk}"
    assert state(card)[0] == (team.pk, second.pk, 2)
    assert f"{card.feature.key} moved to Iteration 2." in client.get(response["Location"]).content.decode()


def test_the_move_menu_offers_development_iterations_and_the_teams_one_may_move_to(
    client, art, pi, team, other_team, card, rte, scrum_master
):
    response = login(client, rte).get(url("program_board_move", art, pi), {"placement": card.pk}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'name="version" value="1"' in html and f'<option value="{pi.iterations.ip().get().pk}"' not in html
    assert f'<option value="{other_team.pk}">' in html
    # A Scrum Master may keep the card in their team only; a plain GET is a page of its own.
    response = login(client, scrum_master).get(url("program_board_move", art, pi), {"placement": card.pk})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html and f"Move {card.feature.key}" in html
    assert f'<option value="{other_team.pk}">' not in html and f'<option value="{team.pk}" selected>' in html


def test_the_move_menu_is_403_for_a_reader(client, art, pi, card, team_member):
    response = login(client, team_member).get(url("program_board_move", art, pi), {"placement": card.pk})
    assert response.status_code == 403


# --- moves: bad input and stale versions ---------------------------------------------------------


def test_a_move_into_the_ip_iteration_is_422_and_changes_nothing(client, art, pi, card, rte):
    before = state(card)
    response = move(login(client, rte), art, pi, card, iteration=pi.iterations.ip().get().pk)
    assert response.status_code == 422
    assert IP_REFUSAL.encode() in response.content and b'id="program-board"' in response.content
    assert state(card) == before
    # Without htmx the whole page says so.
    response = move(client, art, pi, card, htmx=False, iteration=pi.iterations.ip().get().pk)
    assert response.status_code == 422 and b"<html" in response.content and IP_REFUSAL.encode() in response.content
    assert state(card) == before


def test_a_move_into_another_pis_iteration_is_422(client, art, pi, card, rte):
    later = make_pi(art, name="PI 2027.1", start=date(2027, 1, 4))
    before = state(card)
    response = move(login(client, rte), art, pi, card, iteration=later.iterations.development()[0].pk)
    assert response.status_code == 422
    assert f"Choose an iteration of {pi.name}.".encode() in response.content
    assert state(card) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"version": ""}, VERSION_MISSING),
        ({"version": "one"}, VERSION_MISSING),
        ({"version": "0"}, VERSION_MISSING),
        ({"iteration": "999999"}, "Choose an iteration of PI 2026.4."),
        ({"team": "abc"}, "Choose a team of this train."),
        ({"placement": ""}, "Choose a card to move"),
    ],
)
def test_bad_move_input_is_422_and_changes_nothing(client, art, pi, card, rte, data, message):
    before = state(card)
    response = move(login(client, rte), art, pi, card, **{"iteration": pi.iterations.development()[1].pk, **data})
    assert response.status_code == 422
    assert message.encode() in response.content
    assert state(card) == before


def test_a_team_of_another_train_or_an_inactive_team_is_422(client, art, pi, card, rte):
    foreign = TeamFactory(art=ARTFactory())
    retired = TeamFactory(art=art, name="Albatross", active=False)
    before = state(card)
    client = login(client, rte)
    response = move(client, art, pi, card, team=foreign.pk)
    assert response.status_code == 422 and b"Choose a team of this train." in response.content
    response = move(client, art, pi, card, team=retired.pk)
    assert response.status_code == 422 and b"Albatross is inactive" in response.content
    assert state(card) == before


def test_an_unknown_placement_or_one_of_another_pi_is_404(client, art, pi, team, card, rte):
    later = make_pi(art, name="PI 2027.1", start=date(2027, 1, 4))
    elsewhere = PlacementFactory(
        feature=FeatureFactory(art=art, pi=later), team=team, iteration=later.iterations.development()[0]
    )
    client = login(client, rte)
    for unknown in (999999, 10**30):
        response = client.post(
            url("program_board_move", art, pi),
            {"placement": unknown, "version": 1, "iteration": pi.iterations.development()[1].pk},
        )
        assert response.status_code == 404
    response = client.post(url("program_board_move", art, pi), {"placement": elsewhere.pk, "version": 1}, headers=HTMX)
    assert response.status_code == 404
    assert state(card)[1] == 0


def test_a_stale_move_is_409_with_the_message_and_the_current_board(client, art, pi, card, rte, scrum_master):
    second, third = pi.iterations.development()[1:3]
    move(login(client, scrum_master), art, pi, card, iteration=second.pk)
    before = state(card)

    response = move(login(client, rte), art, pi, card, iteration=third.pk)  # still at version 1

    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone changed the placement of" in html and "a moment ago" in html
    assert 'id="program-board"' in html
    # The current board: the card in Iteration 2, at version 2.
    element = attributes(html, f"card-{card.pk}")
    assert (element["data-version"], element["data-iteration-id"]) == ("2", str(second.pk))
    assert state(card) == before


def test_a_move_to_where_the_card_already_is_changes_nothing(client, art, pi, card, rte):
    before = state(card)
    response = move(login(client, rte), art, pi, card, iteration=card.iteration_id)
    assert response.status_code == 200 and b"is already in Iteration 1" in response.content
    assert state(card) == before


# --- milestones ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_milestone_create_permission_matrix(client, art, pi, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    clock = BoardClock.read(pi.pk)
    day = pi.iterations.development()[1].start_date
    response = login(client, persona).post(
        url("program_board_milestone_create", art, pi), {"name": "Release 3.2", "date": day.isoformat()}, headers=HTMX
    )
    assert response.status_code == expected(name, name in MILESTONE_EDITORS)
    if response.status_code == 200:
        assert Milestone.objects.get(pi=pi).name == "Release 3.2"
        assert BoardClock.read(pi.pk) == clock + 1
        assert b"Release 3.2" in response.content and b'hx-swap-oob="true"' in response.content
    else:
        assert not Milestone.objects.exists() and BoardClock.read(pi.pk) == clock


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_milestone_delete_permission_matrix(client, art, pi, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    milestone = Milestone.objects.create(pi=pi, name="Audit", date=pi.iterations.development()[2].start_date)
    response = login(client, persona).post(
        url("program_board_milestone_delete", art, pi, milestone_id=milestone.pk), {"version": 1}, headers=HTMX
    )
    assert response.status_code == expected(name, name in MILESTONE_EDITORS)
    assert Milestone.objects.filter(pk=milestone.pk).exists() == (response.status_code != 200)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "date": "2026-10-20"}, "Give the milestone a name."),
        ({"name": "Release", "date": "someday"}, "Enter a date like 2026-11-20."),
        ({"name": "Release", "date": "2027-06-01"}, "Choose a day within PI 2026.4"),
    ],
)
def test_bad_milestone_input_is_422_and_saves_nothing(client, art, pi, product_manager, data, message):
    client = login(client, product_manager)
    response = client.post(url("program_board_milestone_create", art, pi), data, headers=HTMX)
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#milestone-form"
    assert message.encode() in response.content and b'id="milestone-form"' in response.content
    response = client.post(url("program_board_milestone_create", art, pi), data)
    assert response.status_code == 422 and b"<html" in response.content and message.encode() in response.content
    assert not Milestone.objects.exists() and BoardClock.read(pi.pk) == 0


def test_a_stale_milestone_delete_is_409(client, art, pi, rte):
    milestone = Milestone.objects.create(pi=pi, name="Audit", date=pi.iterations.development()[2].start_date, version=2)
    response = login(client, rte).post(
        url("program_board_milestone_delete", art, pi, milestone_id=milestone.pk), {"version": 1}, headers=HTMX
    )
    assert response.status_code == 409 and b"a moment ago" in response.content
    assert Milestone.objects.filter(pk=milestone.pk).exists()


def test_a_milestone_of_another_pi_is_404(client, art, pi, rte):
    later = make_pi(art, name="PI 2027.1", start=date(2027, 1, 4))
    milestone = Milestone.objects.create(pi=later, name="Audit", date=later.start_date + timedelta(days=3))
    response = login(client, rte).post(
        url("program_board_milestone_delete", art, pi, milestone_id=milestone.pk), {"version": 1}
    )
    assert response.status_code == 404 and Milestone.objects.filter(pk=milestone.pk).exists()
