"""The team board page, its write endpoints (htmx and plain), the PI plan page and the planning home."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine

from planning.models import IP_REFUSAL, FeaturePlacement, PlacementChange, Story, TeamCapacity
from tests.conftest import PERSONAS
from tests.factories import TeamFactory, make_pi
from tests.helpers import HTMX, expected, login, url
from tests.planning.factories import CapacityFactory, FeatureFactory, PlacementFactory, StoryFactory

PLAN_EDITORS = {"rte", "scrum_master", "product_owner"}


def board_url(art, pi, team, name: str = "team_board", **kwargs) -> str:
    return url(name, art, pi_id=pi.pk, team_id=team.pk, **kwargs)


def story_state(story) -> tuple:
    """What an endpoint could change about a story (and whether it still exists)."""
    row = Story.objects.filter(pk=story.pk).values_list("title", "points", "state", "iteration", "feature", "version")
    return tuple(row.first() or ())


# --- the board page --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_board_page_permission_matrix(client, art, team, pi, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    StoryFactory(team=team, pi=pi, iteration=pi.iterations.development()[0], title="Settle payouts")
    response = login(client, persona).get(board_url(art, pi, team))
    assert response.status_code == expected(name, True)
    if response.status_code == 200:
        assert b"Settle payouts" in response.content


def test_another_trains_pi_or_team_is_404(client, art, team, pi, other_art, rte):
    foreign_team = TeamFactory(art=other_art)
    foreign_pi = make_pi(other_art, name="PI X", start=pi.start_date)
    client = login(client, rte)
    assert client.get(board_url(art, foreign_pi, team)).status_code == 404
    assert client.get(board_url(art, pi, foreign_team)).status_code == 404
    assert client.get(url("pi_plan", art, pi_id=foreign_pi.pk)).status_code == 404


def test_board_shows_columns_loads_cards_and_the_ip_column(client, art, team, pi, art_feature, scrum_master):
    first, second = pi.iterations.development()[:2]
    CapacityFactory(team=team, iteration=first)  # 40
    CapacityFactory(team=team, iteration=second, fte=1)  # 8
    StoryFactory(
        team=team, pi=pi, iteration=first, points=32, title="Card one", feature=art_feature, owner=scrum_master
    )
    StoryFactory(team=team, pi=pi, iteration=second, points=13, title="Card two")
    html = login(client, scrum_master).get(board_url(art, pi, team)).content.decode()
    assert "32 / 40 points (80%)" in html
    assert 'aria-valuenow="80"' in html
    assert "13 / 8 points (163%)" in html and "Overloaded" in html
    assert "No capacity entered" in html  # iterations 3 and 4
    assert "Takes no stories" in html and 'data-accepts="false"' in html
    assert art_feature.key in html and "Sam Master" in html and "To do" in html
    assert "css/board.css" in html and "js/board.js" in html
    assert "<script>" not in html  # no inline script (CSP)


def test_business_owner_reads_a_board_without_controls(client, art, team, pi, business_owner):
    StoryFactory(team=team, pi=pi, iteration=pi.iterations.development()[0])
    html = login(client, business_owner).get(board_url(art, pi, team)).content.decode()
    for control in ('class="move-form"', 'name="fte"', 'class="form add-story"', "placement-form", 'draggable="true"'):
        assert control not in html


def test_team_member_gets_controls_on_own_stories_only(client, art, team, pi, team_member, scrum_master):
    mine = StoryFactory(team=team, pi=pi, owner=team_member)
    theirs = StoryFactory(team=team, pi=pi, owner=scrum_master)
    html = login(client, team_member).get(board_url(art, pi, team)).content.decode()
    assert f'id="move-{mine.pk}"' in html and f'id="move-{theirs.pk}"' not in html
    assert 'class="form add-story"' in html  # a team member may add stories for themselves
    assert 'name="fte"' not in html and "placement-form" not in html


def test_htmx_get_answers_the_board_fragment(client, art, team, pi, rte):
    response = login(client, rte).get(board_url(art, pi, team), headers=HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content and b'id="team-board"' in response.content


def test_board_shows_placement_warnings_and_notes(client, art, team, pi, rte):
    first, _, third, _ = pi.iterations.development()
    placed = FeatureFactory(art=art, pi=pi, title="Instant payouts")
    unplaced = FeatureFactory(art=art, pi=pi, title="Refund portal")
    PlacementFactory(feature=placed, team=team, iteration=first)
    StoryFactory(team=team, pi=pi, iteration=third, feature=placed)
    StoryFactory(team=team, pi=pi, iteration=first, feature=unplaced)
    html = login(client, rte).get(board_url(art, pi, team)).content.decode()
    assert (
        f"{placed.key} Instant payouts is placed in Iteration 1, but one of its stories sits later: "
        "Iteration 3 (1 story)."
    ) in html
    assert f"{unplaced.key} Refund portal has 1 story on this board but no placement yet." in html


def test_cards_warn_of_early_and_unfinished_past_stories_summarised_at_the_top(client, art, team, pi, rte):
    first, _, third, _ = pi.iterations.development()
    feature = FeatureFactory(art=art, pi=pi, title="Instant payouts")
    PlacementFactory(feature=feature, team=team, iteration=third)
    early = StoryFactory(team=team, pi=pi, iteration=first, feature=feature, title="Payout ledger", state="done")
    stuck = StoryFactory(team=team, pi=pi, iteration=first, title="Fee table", state="in_progress")
    finished = StoryFactory(team=team, pi=pi, iteration=first, title="Audit log", state="done")
    # The day after Iteration 1 ends, where the train works.
    with time_machine.travel(f"{first.end_date + timedelta(days=1)} 10:00Z", tick=False):
        html = login(client, rte).get(board_url(art, pi, team)).content.decode()
    assert "1 story earlier than the feature's placement" in html
    assert "1 unfinished story in a past iteration" in html
    assert f"Earlier than {feature.key}'s placement in Iteration 3" in html
    assert "Not done, and Iteration 1 is over" in html
    card = lambda story: html.split(f'id="story-{story.pk}"')[0].rsplit("<li", 1)[1]  # noqa: E731
    assert "is-early" in card(early) and "is-past" not in card(early)
    assert "is-past" in card(stuck) and "is-early" not in card(stuck)
    assert "is-warned" not in card(finished)
    # Before Iteration 1 ends nothing is overdue.
    with time_machine.travel(f"{first.start_date} 10:00Z", tick=False):
        html = login(client, rte).get(board_url(art, pi, team)).content.decode()
    assert "in a past iteration" not in html and "is-past" not in html


def test_one_add_form_and_one_action_menu_per_card(client, art, team, pi, scrum_master):
    for index in range(3):
        StoryFactory(team=team, pi=pi, iteration=pi.iterations.development()[index], title=f"Story {index}")
    html = login(client, scrum_master).get(board_url(art, pi, team)).content.decode()
    assert html.count('class="form add-story"') == 1
    assert html.count('name="iteration" id="add-story-iteration"') == 1
    assert html.count('<details class="card-menu">') == 3
    assert html.count('class="move-form"') == 3


# --- write endpoints: the permission matrix --------------------------------------------------


@pytest.fixture
def art_feature(art, pi):
    return FeatureFactory(art=art, pi=pi, title="Instant payouts")


@dataclass
class Case:
    """One write endpoint: where to post what, and how to read what it would change."""

    url: str
    data: dict
    snapshot: object  # callable: the state the endpoint changes
    story_owned_by_team_member: bool = False


def make_case(endpoint: str, *, art, pi, team, art_feature, owner=None) -> Case:
    first, second = pi.iterations.development()[:2]
    if endpoint == "capacity":
        return Case(
            board_url(art, pi, team, "board_capacity"),
            {"iteration": first.pk, "fte": "5"},
            lambda: list(TeamCapacity.objects.filter(team=team).values_list("iteration", "capacity")),
        )
    if endpoint == "story_create":
        return Case(
            board_url(art, pi, team, "board_story_create"),
            {"title": "Quick one", "points": "3", "iteration": first.pk},
            lambda: list(Story.objects.filter(team=team).values_list("title", "iteration")),
        )
    if endpoint in ("placement_set", "placement_remove"):
        if endpoint == "placement_remove":
            PlacementFactory(feature=art_feature, team=team, iteration=first)
        data = {"feature": art_feature.pk, "iteration": second.pk}
        if endpoint == "placement_remove":
            data = {"feature": art_feature.pk, "version": "1"}
        return Case(
            board_url(art, pi, team, f"board_{endpoint}"),
            data,
            lambda: list(FeaturePlacement.objects.filter(team=team).values_list("feature", "iteration", "version")),
        )
    story = StoryFactory(team=team, pi=pi, iteration=first, points=5, owner=owner)
    data = {
        "story_edit": {"title": "Renamed", "points": "8", "state": "in_progress", "feature": "", "version": "1"},
        "story_move": {"iteration": second.pk, "version": "1"},
        "story_delete": {"version": "1"},
    }[endpoint]
    return Case(board_url(art, pi, team, f"board_{endpoint}", story_id=story.pk), data, lambda: story_state(story))


WRITE_ENDPOINTS = [
    "capacity",
    "story_create",
    "story_edit",
    "story_move",
    "story_delete",
    "placement_set",
    "placement_remove",
]
STORY_ENDPOINTS = ["story_edit", "story_move", "story_delete"]


def allowed(persona: str, endpoint: str, *, own_story: bool) -> bool:
    if persona in PLAN_EDITORS:
        return True
    if persona == "team_member":
        return endpoint == "story_create" or (endpoint in STORY_ENDPOINTS and own_story)
    return False


# Each endpoint once on a story nobody owns; the story endpoints again on the team member's own story.
WRITE_CASES = [
    *(pytest.param(endpoint, False, id=endpoint) for endpoint in WRITE_ENDPOINTS),
    *(pytest.param(endpoint, True, id=f"{endpoint}-own-story") for endpoint in STORY_ENDPOINTS),
]


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize(("endpoint", "own_story"), WRITE_CASES)
def test_write_permission_matrix(
    client, art, team, pi, art_feature, everyone, team_member, persona, endpoint, own_story, request
):
    name = request.node.callspec.params["persona"]
    case = make_case(
        endpoint, art=art, pi=pi, team=team, art_feature=art_feature, owner=team_member if own_story else None
    )
    before = case.snapshot()
    response = login(client, persona).post(case.url, case.data, headers=HTMX)
    may = allowed(name, endpoint, own_story=own_story)
    assert response.status_code == expected(name, may), response.content[:500]
    if response.status_code == 200:
        assert b'id="team-board"' in response.content and b"<html" not in response.content
        assert case.snapshot() != before
    else:
        assert case.snapshot() == before


@pytest.mark.parametrize("endpoint", WRITE_ENDPOINTS)
def test_scrum_master_cannot_change_another_teams_board(
    client, art, team, other_team, pi, art_feature, scrum_master, endpoint
):
    case = make_case(endpoint, art=art, pi=pi, team=other_team, art_feature=art_feature)
    before = case.snapshot()
    response = login(client, scrum_master).post(case.url, case.data, headers=HTMX)
    assert response.status_code == 403
    assert case.snapshot() == before


@pytest.mark.parametrize("endpoint", STORY_ENDPOINTS)
def test_story_of_another_team_pi_or_train_is_404(client, art, team, other_team, pi, other_art, rte, endpoint):
    later = make_pi(art, name="PI 2027.1", start=pi.end_date + timedelta(days=1))
    foreign_pi = make_pi(other_art, name="PI X", start=pi.start_date)
    stories = [
        StoryFactory(team=other_team, pi=pi),  # another team, addressed through this team's board
        StoryFactory(team=team, pi=later),  # another PI
        StoryFactory(team=TeamFactory(art=other_art), pi=foreign_pi),  # another train
    ]
    client = login(client, rte)
    for story in stories:
        before = story_state(story)
        response = client.post(
            board_url(art, pi, team, f"board_{endpoint}", story_id=story.pk),
            {"iteration": "", "version": "1", "title": "x", "points": "1", "state": "todo"},
            headers=HTMX,
        )
        assert response.status_code == 404
        assert story_state(story) == before


# --- write endpoints: what they do -----------------------------------------------------------


def test_move_answers_the_board_with_both_load_bars_changed(client, art, team, pi, scrum_master):
    first, second = pi.iterations.development()[:2]
    CapacityFactory(team=team, iteration=first)
    CapacityFactory(team=team, iteration=second)
    StoryFactory(team=team, pi=pi, iteration=first, points=5)
    story = StoryFactory(team=team, pi=pi, iteration=first, points=3)
    client = login(client, scrum_master)
    assert "8 / 40 points (20%)" in client.get(board_url(art, pi, team)).content.decode()

    response = client.post(
        board_url(art, pi, team, "board_story_move", story_id=story.pk),
        {"iteration": second.pk, "version": "1"},
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "5 / 40 points (13%)" in html and "3 / 40 points (8%)" in html
    assert f"“{story.title}” moved to Iteration 2." in html
    story.refresh_from_db()
    assert (story.iteration, story.version) == (second, 2)


def test_plain_post_redirects_back_with_a_message(client, art, team, pi, scrum_master):
    story = StoryFactory(team=team, pi=pi, iteration=pi.iterations.development()[0])
    client = login(client, scrum_master)
    response = client.post(
        board_url(art, pi, team, "board_story_move", story_id=story.pk), {"iteration": "", "version": "1"}
    )
    assert response.status_code == 302 and response["Location"] == board_url(art, pi, team)
    page = client.get(response["Location"]).content.decode()
    assert f"“{story.title}” moved to Unplanned." in page
    story.refresh_from_db()
    assert story.iteration is None


def test_quick_add_in_a_column_with_a_feature(client, art, team, pi, art_feature, scrum_master):
    second = pi.iterations.development()[1]
    response = login(client, scrum_master).post(
        board_url(art, pi, team, "board_story_create"),
        {"title": "  Payout webhook  ", "points": "5", "iteration": second.pk, "feature": art_feature.pk},
        headers=HTMX,
    )
    assert response.status_code == 200
    story = Story.objects.get()
    assert (story.title, story.points, story.iteration, story.feature, story.pi, story.team) == (
        "Payout webhook",
        5,
        second,
        art_feature,
        pi,
        team,
    )


def test_team_member_quick_adds_a_story_they_own(client, art, team, pi, team_member):
    response = login(client, team_member).post(
        board_url(art, pi, team, "board_story_create"), {"title": "Mine", "points": "2", "iteration": ""}
    )
    assert response.status_code == 302
    assert Story.objects.get().owner == team_member


def test_inline_edit_changes_title_points_state_and_feature(client, art, team, pi, art_feature, product_owner):
    story = StoryFactory(team=team, pi=pi, points=3)
    response = login(client, product_owner).post(
        board_url(art, pi, team, "board_story_edit", story_id=story.pk),
        {"title": "Better title", "points": "8", "state": "done", "feature": art_feature.pk, "version": "1"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert story_state(story) == ("Better title", 8, "done", None, art_feature.pk, 2)


def test_delete_a_story(client, art, team, pi, scrum_master):
    story = StoryFactory(team=team, pi=pi)
    response = login(client, scrum_master).post(
        board_url(art, pi, team, "board_story_delete", story_id=story.pk), {"version": "1"}, headers=HTMX
    )
    assert response.status_code == 200 and not Story.objects.exists()


def test_capacity_form_sets_the_normalised_capacity_or_velocity(client, art, team, pi, scrum_master):
    first = pi.iterations.development()[0]
    client = login(client, scrum_master)
    response = client.post(
        board_url(art, pi, team, "board_capacity"),
        {"iteration": first.pk, "fte": "7", "vacation_days": "3", "holiday_days": "14", "velocity": ""},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "0 / 39 points (0%)" in response.content.decode()
    client.post(
        board_url(art, pi, team, "board_capacity"),
        {"iteration": first.pk, "fte": "7", "vacation_days": "3", "holiday_days": "14", "velocity": "30"},
    )
    capacity = TeamCapacity.objects.get()
    assert (capacity.normalised, capacity.capacity, capacity.velocity) == (39, 30, 30)


def test_place_move_and_remove_a_feature(client, art, team, pi, art_feature, scrum_master):
    first, second = pi.iterations.development()[:2]
    client = login(client, scrum_master)
    place = board_url(art, pi, team, "board_placement_set")
    assert client.post(place, {"feature": art_feature.pk, "iteration": first.pk}, headers=HTMX).status_code == 200
    assert (
        client.post(
            place, {"feature": art_feature.pk, "iteration": second.pk, "version": "1"}, headers=HTMX
        ).status_code
        == 200
    )
    placement = FeaturePlacement.objects.get()
    assert (placement.iteration, placement.version) == (second, 2)
    response = client.post(
        board_url(art, pi, team, "board_placement_remove"), {"feature": art_feature.pk, "version": "2"}, headers=HTMX
    )
    assert response.status_code == 200 and not FeaturePlacement.objects.exists()
    assert PlacementChange.objects.filter(feature=art_feature).count() == 3


# --- bad input: a clear message, 4xx, nothing saved ------------------------------------------


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_negative_points_are_refused_with_422(client, art, team, pi, scrum_master, htmx):
    response = login(client, scrum_master).post(
        board_url(art, pi, team, "board_story_create"),
        {"title": "Spike", "points": "-1", "iteration": pi.iterations.development()[0].pk},
        headers=HTMX if htmx else {},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Points cannot be negative." in html
    assert ("<html" in html) is not htmx
    # What was typed stays in the one add form, its iteration still chosen.
    assert 'value="Spike"' in html
    assert f'<option value="{pi.iterations.development()[0].pk}" selected>' in html
    assert not Story.objects.exists()


def test_negative_points_in_an_inline_edit_are_refused(client, art, team, pi, scrum_master):
    story = StoryFactory(team=team, pi=pi, points=3)
    before = story_state(story)
    response = login(client, scrum_master).post(
        board_url(art, pi, team, "board_story_edit", story_id=story.pk),
        {"title": "x", "points": "-5", "state": "todo", "feature": "", "version": "1"},
        headers=HTMX,
    )
    assert response.status_code == 422 and "Points cannot be negative." in response.content.decode()
    assert story_state(story) == before


def test_story_into_the_ip_iteration_is_refused(client, art, team, pi, scrum_master):
    story = StoryFactory(team=team, pi=pi, iteration=pi.iterations.development()[0])
    before = story_state(story)
    client = login(client, scrum_master)
    moved = client.post(
        board_url(art, pi, team, "board_story_move", story_id=story.pk),
        {"iteration": pi.iterations.ip().get().pk, "version": "1"},
        headers=HTMX,
    )
    added = client.post(
        board_url(art, pi, team, "board_story_create"),
        {"title": "Hardening", "points": "3", "iteration": pi.iterations.ip().get().pk},
    )
    for response in (moved, added):
        assert response.status_code == 422
        assert IP_REFUSAL in response.content.decode()
    assert story_state(story) == before and Story.objects.count() == 1


def test_iteration_of_another_pi_or_unknown_is_refused(client, art, team, pi, other_art, scrum_master):
    later = make_pi(art, name="PI 2027.1", start=pi.end_date + timedelta(days=1))
    foreign = make_pi(other_art, name="PI X", start=pi.start_date)
    story = StoryFactory(team=team, pi=pi, iteration=pi.iterations.development()[0])
    before = story_state(story)
    client = login(client, scrum_master)
    for iteration_id in (later.iterations.development()[0].pk, foreign.iterations.development()[0].pk, 999_999, "abc"):
        response = client.post(
            board_url(art, pi, team, "board_story_move", story_id=story.pk),
            {"iteration": iteration_id, "version": "1"},
            headers=HTMX,
        )
        assert response.status_code == 422
        assert "Choose an iteration of PI 2026.4." in response.content.decode()
        capacity = client.post(
            board_url(art, pi, team, "board_capacity"), {"iteration": iteration_id, "fte": "5"}, headers=HTMX
        )
        assert capacity.status_code == 422
    assert story_state(story) == before and not TeamCapacity.objects.exists()


def test_stale_version_is_refused_with_409_and_the_current_board(client, art, team, pi, scrum_master):
    first, second, third = pi.iterations.development()[:3]
    story = StoryFactory(team=team, pi=pi, iteration=first, title="Contested")
    Story.objects.filter(pk=story.pk).update(iteration=second, version=2)
    for headers in (HTMX, {}):
        response = login(client, scrum_master).post(
            board_url(art, pi, team, "board_story_move", story_id=story.pk),
            {"iteration": third.pk, "version": "1"},
            headers=headers,
        )
        html = response.content.decode()
        assert response.status_code == 409
        assert "a moment ago" in html and 'id="team-board"' in html
        # The current board: the card sits in Iteration 2 with its current version.
        assert 'data-version="2"' in html
    assert story_state(story)[3] == second.pk and story_state(story)[5] == 2


def test_stale_placement_is_refused_with_409(client, art, team, pi, art_feature, scrum_master):
    first, second, third = pi.iterations.development()[:3]
    PlacementFactory(feature=art_feature, team=team, iteration=first, version=2)
    client = login(client, scrum_master)
    place = board_url(art, pi, team, "board_placement_set")
    stale_move = client.post(place, {"feature": art_feature.pk, "iteration": third.pk, "version": "1"}, headers=HTMX)
    # Placed by someone else after the page was read (it carried no version).
    placed_meanwhile = client.post(place, {"feature": art_feature.pk, "iteration": second.pk}, headers=HTMX)
    stale_remove = client.post(
        board_url(art, pi, team, "board_placement_remove"), {"feature": art_feature.pk, "version": "1"}, headers=HTMX
    )
    for response in (stale_move, placed_meanwhile, stale_remove):
        assert response.status_code == 409 and "a moment ago" in response.content.decode()
    assert list(FeaturePlacement.objects.values_list("iteration", "version")) == [(first.pk, 2)]


def test_feature_of_another_train_or_no_pi_is_refused(client, art, team, pi, other_art, scrum_master):
    foreign = FeatureFactory(art=other_art)
    not_planned = FeatureFactory(art=art, pi=None)
    story = StoryFactory(team=team, pi=pi)
    before = story_state(story)
    client = login(client, scrum_master)
    for feature in (foreign, not_planned):
        added = client.post(
            board_url(art, pi, team, "board_story_create"),
            {"title": "Borrowed", "points": "1", "feature": feature.pk},
            headers=HTMX,
        )
        edited = client.post(
            board_url(art, pi, team, "board_story_edit", story_id=story.pk),
            {"title": "x", "points": "1", "state": "todo", "feature": feature.pk, "version": "1"},
            headers=HTMX,
        )
        placed = client.post(
            board_url(art, pi, team, "board_placement_set"),
            {"feature": feature.pk, "iteration": pi.iterations.development()[0].pk},
            headers=HTMX,
        )
        for response in (added, edited, placed):
            assert response.status_code == 422
            assert "Choose a feature of this train planned for PI 2026.4." in response.content.decode()
    assert Story.objects.count() == 1 and story_state(story) == before
    assert not FeaturePlacement.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"fte": "-1"}, "People and days off cannot be negative."),
        ({"fte": "5", "vacation_days": "-2"}, "People and days off cannot be negative."),
        ({"fte": ""}, "Enter the full-time developers and testers (0 if none)."),
        ({"fte": "five"}, "Full-time developers and testers is a number"),
        ({"fte": "5", "velocity": "-3"}, "Measured velocity cannot be negative."),
    ],
)
def test_bad_capacity_is_refused(client, art, team, pi, scrum_master, data, message):
    response = login(client, scrum_master).post(
        board_url(art, pi, team, "board_capacity"),
        {"iteration": pi.iterations.development()[0].pk, **data},
        headers=HTMX,
    )
    assert response.status_code == 422 and message in response.content.decode()
    assert not TeamCapacity.objects.exists()


def test_capacity_and_placement_in_the_ip_iteration_are_refused(client, art, team, pi, art_feature, scrum_master):
    client = login(client, scrum_master)
    capacity = client.post(
        board_url(art, pi, team, "board_capacity"), {"iteration": pi.iterations.ip().get().pk, "fte": "5"}, headers=HTMX
    )
    assert capacity.status_code == 422 and "The IP iteration takes no stories" in capacity.content.decode()
    placed = client.post(
        board_url(art, pi, team, "board_placement_set"),
        {"feature": art_feature.pk, "iteration": pi.iterations.ip().get().pk},
        headers=HTMX,
    )
    assert placed.status_code == 422 and IP_REFUSAL in placed.content.decode()
    assert not TeamCapacity.objects.exists() and not FeaturePlacement.objects.exists()


@pytest.mark.parametrize("version", ["", "abc", "0"])
def test_missing_version_is_refused(client, art, team, pi, scrum_master, version):
    story = StoryFactory(team=team, pi=pi, iteration=pi.iterations.development()[0])
    before = story_state(story)
    response = login(client, scrum_master).post(
        board_url(art, pi, team, "board_story_move", story_id=story.pk),
        {"iteration": pi.iterations.development()[1].pk, "version": version},
        headers=HTMX,
    )
    assert response.status_code == 422 and "The version you edited is missing" in response.content.decode()
    assert story_state(story) == before


def test_write_endpoints_refuse_get(client, art, team, pi, scrum_master):
    response = login(client, scrum_master).get(board_url(art, pi, team, "board_story_create"))
    assert response.status_code == 405


# --- the PI plan and the planning home -------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_pi_plan_permission_matrix(client, art, team, pi, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    response = login(client, persona).get(url("pi_plan", art, pi_id=pi.pk))
    assert response.status_code == expected(name, True)


def test_pi_plan_shows_teams_loads_overloads_links_and_the_pi_switcher(client, art, team, other_team, pi, rte):
    later = make_pi(art, name="PI 2027.1", start=pi.end_date + timedelta(days=1))
    first = pi.iterations.development()[0]
    CapacityFactory(team=team, iteration=first)
    CapacityFactory(team=other_team, iteration=first, fte=1)
    StoryFactory(team=team, pi=pi, iteration=first, points=32)
    StoryFactory(team=other_team, pi=pi, iteration=first, points=13)
    TeamFactory(art=art, name="Retired", active=False)
    html = login(client, rte).get(url("pi_plan", art, pi_id=pi.pk)).content.decode()
    assert "32 / 40 (80%)" in html and "13 / 8 (163%)" in html and "Overloaded" in html
    assert board_url(art, pi, team) in html and board_url(art, pi, other_team) in html
    assert url("pi_plan", art, pi_id=later.pk) in html
    assert "Retired" not in html


def test_planning_home_redirects_to_the_current_pis_plan(client, art, pi, team_member):
    response = login(client, team_member).get(url("planning_home", art))
    assert response.status_code == 302 and response["Location"] == url("pi_plan", art, pi_id=pi.pk)


def test_planning_home_without_a_pi_says_so(client, art, rte):
    response = login(client, rte).get(url("planning_home", art))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This train has no Planning Interval" in html and url("pi_create", art) in html


# --- query counts: constant whatever the size of the plan ------------------------------------


def populate(art, team, pi, *, stories: int, placements: int, owner) -> None:
    iterations = list(pi.iterations.development())
    features = [FeatureFactory(art=art, pi=pi) for _ in range(placements)]
    for iteration in iterations:
        CapacityFactory(team=team, iteration=iteration)
    for feature, number in zip(features, range(placements), strict=True):
        PlacementFactory(feature=feature, team=team, iteration=iterations[number % len(iterations)])
    for number in range(stories):
        StoryFactory(
            team=team,
            pi=pi,
            iteration=iterations[number % len(iterations)] if number % 5 else None,
            feature=features[number % len(features)],
            owner=owner if number % 2 else None,
        )


SIZES = [(3, 1), (30, 10)]

# Session, user, train, memberships, PI, team; then the board (iterations, capacities, stories,
# loads, placements, features); the whole page adds the PI switcher.
BOARD_PAGE_QUERIES = 13
BOARD_FRAGMENT_QUERIES = 12
# Session, user, train, memberships, PI; teams, iterations, capacities, loads, unplanned; PI switcher.
PI_PLAN_QUERIES = 12


@pytest.mark.parametrize(("stories", "placements"), SIZES)
def test_board_page_queries_are_constant(
    client, art, team, pi, team_member, stories, placements, django_assert_num_queries
):
    populate(art, team, pi, stories=stories, placements=placements, owner=team_member)
    client = login(client, team_member)
    with django_assert_num_queries(BOARD_PAGE_QUERIES):
        response = client.get(board_url(art, pi, team))
    assert response.status_code == 200
    assert response.content.count(b'<li class="story-card') == stories


@pytest.mark.parametrize(("stories", "placements"), SIZES)
def test_board_fragment_queries_are_constant(
    client, art, team, pi, scrum_master, stories, placements, django_assert_num_queries
):
    populate(art, team, pi, stories=stories, placements=placements, owner=scrum_master)
    client = login(client, scrum_master)
    with django_assert_num_queries(BOARD_FRAGMENT_QUERIES):
        response = client.get(board_url(art, pi, team), headers=HTMX)
    assert response.status_code == 200 and b"<html" not in response.content
    assert response.content.count(b'<li class="story-card') == stories


@pytest.mark.parametrize("teams", [1, 8])
def test_pi_plan_queries_are_constant(client, art, pi, rte, teams, django_assert_num_queries):
    for _ in range(teams):
        populate(art, TeamFactory(art=art), pi, stories=6, placements=2, owner=rte)
    client = login(client, rte)
    with django_assert_num_queries(PI_PLAN_QUERIES):
        response = client.get(url("pi_plan", art, pi_id=pi.pk))
    assert response.status_code == 200
    assert response.content.count(b"<tr data-team=") == teams


def test_a_stale_capacity_correction_is_409_and_keeps_the_newer_one(client, art, team, pi, scrum_master, rte):
    first = pi.iterations.development()[0]
    capacity = CapacityFactory(team=team, iteration=first, fte=5)
    login(client, rte).post(
        board_url(art, pi, team, "board_capacity"), {"iteration": first.pk, "fte": "6", "version": capacity.version}
    )
    response = login(client, scrum_master).post(
        board_url(art, pi, team, "board_capacity"),
        {"iteration": first.pk, "fte": "4", "version": capacity.version},
        headers=HTMX,
    )
    assert response.status_code == 409
    assert "a moment ago" in response.content.decode()
    capacity.refresh_from_db()
    assert (capacity.fte, capacity.version) == (6, 2)
