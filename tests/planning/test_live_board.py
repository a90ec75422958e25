"""The live program board: quiet polls, change sets, the shared render, and who receives what.

Real Redis (the fast cache of ``artops.fastcache``) and real PostgreSQL; the browser side is
``tests/e2e/test_live_board.py``.
"""

import gzip
import json
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from artops import fastcache
from planning import live_board, services
from planning.models import BoardClock
from planning.program_board import cell_dom_id, team_row_key
from tests.conftest import PERSONAS, make_member
from tests.factories import ARTFactory, make_pi
from tests.helpers import HTMX, login
from tests.helpers import fill_program_board as fill
from tests.planning.factories import FeatureFactory, PlacementFactory

MOVERS = {"rte", "scrum_master", "product_owner"}


def url(name: str, art, pi, **kwargs) -> str:
    return reverse(name, kwargs={"art_slug": art.slug, "pi_id": pi.pk, **kwargs})


class _Board(HTMLParser):
    """The live board's attributes on ``#program-board``."""

    def __init__(self):
        super().__init__()
        self.found = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id") == "program-board" and self.found is None:
            self.found = attrs


def board_attributes(html: str) -> dict:
    parser = _Board()
    parser.feed(html)
    assert parser.found is not None, "no #program-board"
    return parser.found


def open_board(client, art, pi, **filters) -> dict:
    """Load the board page as a browser does; its live attributes (version, changes URL, token)."""
    response = client.get(url("program_board", art, pi), filters)
    assert response.status_code == 200
    return board_attributes(response.content.decode())


def poll(client, board: dict, since=None, token=None):
    """A poll as the page's script sends it."""
    changes_url = board["data-changes-url"]
    since = board["data-version"] if since is None else since
    joiner = "&" if "?" in changes_url else "?"
    token = board["data-poll-token"] if token is None else token
    return client.get(f"{changes_url}{joiner}since={since}", headers={"X-Board-Token": token})


@pytest.fixture
def card(art, pi, team):
    """Falcons' placement of “Instant payouts” in Iteration 1."""
    feature = FeatureFactory(art=art, pi=pi, title="Instant payouts")
    return PlacementFactory(feature=feature, team=team, iteration=pi.iterations.development()[0])


def move_card(card, by, iteration=None, team=None):
    card.refresh_from_db()
    return services.move_placement(
        card, by=by, expected_version=card.version, iteration=iteration or card.iteration, team=team or card.team
    )


def parts_by_id(body: dict) -> dict:
    return {part["id"]: part for part in body["parts"]}


# --- quiet polls -------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [3, 300])
def test_a_quiet_poll_with_its_token_costs_no_query_at_any_size(client, art, pi, rte, size, django_assert_num_queries):
    fill(art, pi, rte, size)
    client = login(client, rte)
    board = open_board(client, art, pi)
    # The first poll finds Redis without the clock: the session, the user, the membership and clock,
    # the person's roles.
    with django_assert_num_queries(4):
        assert poll(client, board).status_code == 204
    # From then on Redis answers: no session, no user, no query.
    with django_assert_num_queries(0):
        response = poll(client, board)
    assert response.status_code == 204 and response.content == b""
    assert response["X-Board-Version"] == board["data-version"]


def holder(token: str, art, pi) -> int | None:
    grant = live_board.token_grant(token, art.slug, pi.pk)
    return grant.user_id if grant else None


@pytest.mark.parametrize("size", [3, 300])
def test_without_a_valid_token_a_quiet_poll_costs_four_queries(client, art, pi, rte, size, django_assert_num_queries):
    fill(art, pi, rte, size)
    client = login(client, rte)
    board = open_board(client, art, pi)
    foreign = live_board.poll_token(rte.pk, art.slug, pi.pk + 1000, viewer="all.edit", filter_query="")
    for token in ("", "forged:token", foreign):
        # The session, the user, one query for the membership and the clock together, and the
        # person's roles (what they may do on the board, for the token).
        with django_assert_num_queries(4):
            response = poll(client, board, token=token)
        assert response.status_code == 204
        # A fresh token for the next polls.
        assert holder(response["X-Board-Token"], art, pi) == rte.pk


def test_a_token_names_one_person_one_board_what_they_may_do_and_expires(art, pi, rte):
    token = live_board.poll_token(rte.pk, art.slug, pi.pk, viewer="t3.read", filter_query="teams=3")
    grant = live_board.token_grant(token, art.slug, pi.pk)
    assert grant == live_board.PollGrant(rte.pk, "t3.read", live_board.filters_key("teams=3"))
    assert live_board.token_grant(token, art.slug, pi.pk + 1) is None
    assert live_board.token_grant(token, "other-train", pi.pk) is None
    assert live_board.token_grant(token + "x", art.slug, pi.pk) is None
    assert live_board.token_grant("x" * 500, art.slug, pi.pk) is None


def test_an_expired_token_goes_through_the_session(client, art, pi, rte, time_machine, django_assert_num_queries):
    client = login(client, rte)
    board = open_board(client, art, pi)
    assert poll(client, board).status_code == 204
    time_machine.move_to(timezone.now() + timedelta(seconds=live_board.TOKEN_SECONDS + 1))
    with django_assert_num_queries(4):
        assert poll(client, board).status_code == 204


# --- change sets -------------------------------------------------------------------------------------


def test_a_move_arrives_as_a_change_set_with_the_card_in_its_new_cell(client, art, pi, team, card, rte, business_owner):
    watcher = login(client, business_owner)
    board = open_board(watcher, art, pi)
    iterations = list(pi.iterations.development())
    move_card(card, rte, iteration=iterations[1])

    response = poll(watcher, board)

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["reload"] is False and body["since"] == 0 and body["version"] == 1
    parts = parts_by_id(body)
    old_cell = cell_dom_id(team_row_key(team.pk), iterations[0].pk)
    new_cell = cell_dom_id(team_row_key(team.pk), iterations[1].pk)
    assert set(parts) == {f"card-{card.pk}"}
    assert parts[f"card-{card.pk}"]["container"] == new_cell
    assert f'data-iteration-id="{iterations[1].pk}"' in parts[f"card-{card.pk}"]["html"]
    # A Business Owner moves nothing: no move link, not draggable.
    assert (
        "pb-card-move" not in parts[f"card-{card.pk}"]["html"] and "draggable" not in parts[f"card-{card.pk}"]["html"]
    )
    assert body["order"] == {old_cell: [], new_cell: [f"card-{card.pk}"]}
    assert body["removed"] == [] and body["regions"] == {}
    assert holder(response["X-Board-Token"], art, pi) == business_owner.pk
    # Then nothing more.
    assert poll(watcher, {**board, "data-version": "1"}).status_code == 204


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_a_change_sets_cards_are_rendered_for_what_each_person_may_do(
    client, art, pi, team, card, rte, everyone, persona, request
):
    name = request.node.callspec.params["persona"]
    if persona is None or name == "outsider":
        pytest.skip("covered by test_no_one_outside_the_train_receives_a_change")
    viewer = login(client, persona)
    board = open_board(viewer, art, pi)
    move_card(card, rte, iteration=pi.iterations.development()[2])
    html = parts_by_id(json.loads(poll(viewer, board).content))[f"card-{card.pk}"]["html"]
    assert ("pb-card-move" in html) == (name in MOVERS)


def test_no_one_outside_the_train_receives_a_change(client, art, pi, card, rte, outsider):
    member = login(client, rte)
    board = open_board(member, art, pi)
    client.logout()
    stranger = login(client, outsider)
    move_card(card, rte, iteration=pi.iterations.development()[1])
    # With a token of the train's member, and without: the session decides, and says 404.
    assert poll(stranger, board).status_code == 404
    assert poll(stranger, board, token="").status_code == 404
    client.logout()
    response = poll(client, board)
    assert response.status_code == 401 and response["HX-Redirect"].startswith("/accounts/login/")


def test_a_filtered_board_receives_only_what_it_shows(client, art, pi, team, other_team, card, rte):
    viewer = login(client, rte)
    board = open_board(viewer, art, pi, teams=other_team.pk)
    assert board["data-changes-url"].endswith(f"?teams={other_team.pk}")
    move_card(card, rte, iteration=pi.iterations.development()[1])
    response = poll(viewer, board)
    body = json.loads(response.content)
    assert body["reload"] is False and body["parts"] == [] and body["removed"] == []
    assert f"card-{card.pk}" not in response.content.decode()


def test_a_card_handed_to_another_team_moves_rows_and_lines_follow(client, art, pi, team, other_team, card, rte):
    from tests.factories import make_board_dependency

    iterations = list(pi.iterations.development())
    needing = PlacementFactory(feature=FeatureFactory(art=art, pi=pi), team=other_team, iteration=iterations[3])
    dependency = make_board_dependency(
        pi,
        needing_team=other_team,
        needed_by=iterations[3],
        owner=rte,
        providing_team=team,
        providing_feature=card.feature,
        needing_feature=needing.feature,
    )
    viewer = login(client, rte)
    board = open_board(viewer, art, pi)
    move_card(card, rte, iteration=iterations[3])  # now in the iteration it is needed: amber
    body = json.loads(poll(viewer, board).content)
    parts = parts_by_id(body)
    assert {f"card-{card.pk}", f"line-{dependency.pk}", f"line-{dependency.pk}-row"} <= set(parts)
    assert "health-amber" in parts[f"line-{dependency.pk}"]["html"]
    assert parts[f"line-{dependency.pk}"]["container"] == live_board.LINES_CONTAINER
    assert set(body["regions"]) == {live_board.SUMMARY_REGION}
    assert "1 amber" in body["regions"][live_board.SUMMARY_REGION]


def test_milestones_arrive_as_their_row_with_delete_buttons_only_for_their_editors(art, pi, rte, business_owner):
    from django.test import Client

    editor, reader = login(Client(), rte), login(Client(), business_owner)
    boards = {editor: open_board(editor, art, pi), reader: open_board(reader, art, pi)}
    services.create_milestone(pi, by=rte, name="Beta launch", date=pi.start_date)
    for browser, deletes in ((editor, True), (reader, False)):
        region = poll(browser, boards[browser]).json()["regions"][live_board.MILESTONES_REGION]
        assert "Beta launch" in region and ("pb-milestone-delete" in region) == deletes


def test_far_behind_unknown_or_ahead_answers_reload(client, art, pi, card, rte):
    viewer = login(client, rte)
    board = open_board(viewer, art, pi)
    for _ in range(live_board.MAX_BEHIND + 1):
        BoardClock.tick(pi.pk)
    assert poll(viewer, board).json() == {"version": live_board.MAX_BEHIND + 1, "since": 0, "reload": True}
    # A version whose state was never kept, and one the board has not reached.
    assert poll(viewer, board, since=5).json()["reload"] is True
    assert poll(viewer, board, since=10**6).json()["reload"] is True


def test_a_new_team_reloads_the_board(client, art, pi, card, rte):
    from artops import services as core

    viewer = login(client, rte)
    board = open_board(viewer, art, pi)
    core.create_team(art, name="Pumas", by=rte)
    assert poll(viewer, board).json()["reload"] is True
    assert b"Pumas" in viewer.get(url("program_board", art, pi), headers=HTMX).content


def test_bad_since_is_400_and_changes_nothing(client, art, pi, rte):
    viewer = login(client, rte)
    board = open_board(viewer, art, pi)
    for since in ("", "latest", "-1", "1e3", "99999999999999999999999"):
        for token in (board["data-poll-token"], ""):
            response = poll(viewer, board, since=since, token=token)
            assert response.status_code == 400 and b"since" in response.content


# --- the shared render -------------------------------------------------------------------------------


def test_the_shared_render_is_kept_per_version_filters_and_what_the_viewer_may_do(
    client, art, pi, team, card, rte, scrum_master, business_owner
):
    pages = {}
    for person in (rte, scrum_master, business_owner):
        client.force_login(person)
        pages[person] = client.get(url("program_board", art, pi), headers=HTMX).content.decode()
    for viewer in ("all.edit", f"t{team.pk}.read", "none.read"):
        assert fastcache.exists(live_board.html_key(pi.pk, "", 0, viewer)), viewer
    # Each person's own tokens are put in; no marker is left.
    for person, html in pages.items():
        assert "__artops_" not in html
        token = board_attributes(html)["data-poll-token"]
        assert holder(token, art, pi) == person.pk
    assert "pb-card-move" in pages[rte] and "pb-card-move" in pages[scrum_master]
    assert "pb-card-move" not in pages[business_owner]
    # A second read of the same board by the same kind of viewer is the kept render.
    client.force_login(business_owner)
    again = client.get(url("program_board", art, pi), headers=HTMX).content.decode()
    assert again.replace(board_attributes(again)["data-poll-token"], "") == pages[business_owner].replace(
        board_attributes(pages[business_owner])["data-poll-token"], ""
    )


def test_a_scrum_master_of_another_team_gets_a_render_of_their_own(client, art, pi, team, other_team, card, rte):
    other_sm = make_member(art, "scrum_master", team=other_team, email="sm2@example.com")
    client.force_login(other_sm)
    html = client.get(url("program_board", art, pi), headers=HTMX).content.decode()
    assert f"card-{card.pk}-move" not in html
    assert fastcache.exists(live_board.html_key(pi.pk, "", 0, f"t{other_team.pk}.read"))


def test_another_trains_board_is_never_served_from_the_cache(client, art, pi, card, rte, outsider):
    client.force_login(rte)
    client.get(url("program_board", art, pi), headers=HTMX)
    client.force_login(outsider)
    assert client.get(url("program_board", art, pi), headers=HTMX).status_code == 404
    other = ARTFactory()
    other_pi = make_pi(other, name="PI X", start=pi.start_date)
    assert client.get(url("program_board", art, other_pi), headers=HTMX).status_code == 404


# --- the API -----------------------------------------------------------------------------------------


def test_the_api_offers_the_same_change_set_as_data(api_client, art, pi, team, card, rte):
    api_client.force_authenticate(rte)
    path = f"/api/boards/{pi.pk}/changes/"
    # Nothing kept yet: "reload", which keeps the state of the version it names; then the board.
    assert api_client.get(path, {"since": 0}).json() == {"version": 0, "since": 0, "reload": True}
    assert api_client.get(f"/api/boards/{pi.pk}/").json()["version"] == 0
    assert api_client.get(path, {"since": 0}).json()["cards"] == []
    move_card(card, rte, iteration=pi.iterations.development()[1])
    body = api_client.get(path, {"since": 0}).json()
    assert body["version"] == 1 and body["removed_cards"] == [] and body["milestones"] is None
    assert [c["placement_id"] for c in body["cards"]] == [card.pk]
    assert body["cards"][0]["iteration_id"] == pi.iterations.development()[1].pk
    assert body["health_counts"] == {"green": 0, "amber": 0, "red": 0, "unplanned": 0}


def test_the_api_changes_refuse_bad_input_and_strangers(api_client, art, pi, rte, outsider):
    api_client.force_authenticate(rte)
    path = f"/api/boards/{pi.pk}/changes/"
    for since in ("", "x", "-1"):
        response = api_client.get(path, {"since": since})
        assert response.status_code == 400 and "since" in response.json()
    assert api_client.get(path, {"since": 0, "teams": "x"}).status_code == 400
    api_client.force_authenticate(outsider)
    assert api_client.get(path, {"since": 0}).status_code == 404


# --- compression -------------------------------------------------------------------------------------


def test_pages_and_change_sets_are_compressed_for_browsers_that_accept_it(client, art, pi, card, rte):
    viewer = login(client, rte)
    page = viewer.get(url("program_board", art, pi), headers={"Accept-Encoding": "gzip, deflate, br"})
    assert page.status_code == 200 and page["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page["Vary"]
    board = open_board(viewer, art, pi)
    move_card(card, rte, iteration=pi.iterations.development()[1])
    changes = viewer.get(
        f"{board['data-changes-url']}?since=0",
        headers={"X-Board-Token": board["data-poll-token"], "Accept-Encoding": "gzip"},
    )
    assert changes.status_code == 200 and changes["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(changes.content))["version"] == 1


# --- without Redis -------------------------------------------------------------------------------------


@pytest.fixture
def redis_down(settings):
    """The fast cache pointed at a port where no Redis listens (the broker's Redis is left alone)."""
    from tests.mailserver import free_port

    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    fastcache._client, fastcache._paused_until = None, 0.0
    yield
    fastcache._client, fastcache._paused_until = None, 0.0


def test_without_redis_the_board_and_its_polls_work_from_the_database(
    client, art, pi, card, rte, redis_down, django_assert_num_queries, caplog
):
    viewer = login(client, rte)
    board = open_board(viewer, art, pi)
    assert "Instant payouts" in viewer.get(url("program_board", art, pi), headers=HTMX).content.decode()
    # A quiet poll asks the database (four queries), and says nothing changed.
    with django_assert_num_queries(4):
        assert poll(viewer, board).status_code == 204
    move_card(card, rte, iteration=pi.iterations.development()[1])
    # No state was kept: the browser is told to reload, and the board it reloads shows the move.
    assert poll(viewer, board).json()["reload"] is True
    html = viewer.get(url("program_board", art, pi), headers=HTMX).content.decode()
    assert board_attributes(html)["data-version"] == "1"
    assert "Redis is unavailable for the fast cache" in caplog.text


def test_an_entry_the_code_can_no_longer_read_is_as_if_not_there(client, art, pi, card, rte):
    viewer = login(client, rte)
    board = open_board(viewer, art, pi)
    # A state written by an older release: unreadable now. The browser is told to reload, no error.
    fastcache._redis().set(live_board.state_key(pi.pk, "", 0), b"p" + b"\x80\x05not a pickle")
    move_card(card, rte, iteration=pi.iterations.development()[1])
    assert poll(viewer, board).json()["reload"] is True


# --- the kept answers: one per change and kind of viewer -------------------------------------------


def test_the_first_browser_of_a_kind_computes_a_change_and_the_others_get_it_without_a_query(
    client, art, pi, team, card, rte, scrum_master, business_owner, django_assert_num_queries
):
    from django.test import Client

    browsers = {person: login(Client(), person) for person in (rte, business_owner, scrum_master)}
    boards = {person: open_board(browser, art, pi) for person, browser in browsers.items()}
    second_rte = login(Client(), rte)
    second_board = open_board(second_rte, art, pi)
    move_card(card, rte, iteration=pi.iterations.development()[1])

    first = poll(browsers[rte], boards[rte])
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = poll(second_rte, second_board)
    assert again.status_code == 200 and again.content == first.content
    assert again["X-Board-Version"] == "1" and "X-Board-Token" not in again
    # Another kind of viewer never gets the RTE's answer: theirs is rendered for what they may do.
    for person in (business_owner, scrum_master):
        answer = poll(browsers[person], boards[person])
        html = parts_by_id(answer.json())[f"card-{card.pk}"]["html"]
        assert ("pb-card-move" in html) == (person == scrum_master)
    assert "pb-card-move" in parts_by_id(first.json())[f"card-{card.pk}"]["html"]


def test_a_kept_change_carries_no_persons_tokens(client, art, pi, rte):
    viewer = login(client, rte)
    board = open_board(viewer, art, pi)
    services.create_milestone(pi, by=rte, name="Beta launch", date=pi.start_date)
    answer = poll(viewer, board)
    region = answer.json()["regions"][live_board.MILESTONES_REGION]
    assert "pb-milestone-delete" in region and "csrfmiddlewaretoken" not in region
    assert "token" not in answer.json() and answer["X-Board-Token"] not in answer.content.decode()
