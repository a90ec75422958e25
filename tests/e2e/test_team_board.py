"""The team board in a real browser: a Scrum Master moves stories and plans an iteration."""

import re
from datetime import date, timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from artops.demo import DEMO_PASSWORD
from artops.models import Role
from planning.models import Story
from tests.conftest import make_member
from tests.factories import ARTFactory, TeamFactory, make_pi
from tests.planning.factories import CapacityFactory, FeatureFactory, PlacementFactory, StoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def plan():
    """Falcons' plan for PI 2026.4: 40 points of capacity in every development iteration."""
    art = ARTFactory(name="Payments ART", slug="payments")
    team = TeamFactory(art=art, name="Falcons")
    pi = make_pi(art, name="PI 2026.4", start=date(2026, 10, 5))
    iterations = {iteration.name: iteration for iteration in pi.iterations.all()}
    for iteration in iterations.values():
        if not iteration.is_ip:
            CapacityFactory(team=team, iteration=iteration, fte=5)
    scrum_master = make_member(art, Role.SCRUM_MASTER, team, display_name="Sam Master", password=DEMO_PASSWORD)
    return {"art": art, "team": team, "pi": pi, "iterations": iterations, "scrum_master": scrum_master}


def open_board(page, live_server, log_in, plan):
    log_in(page, plan["scrum_master"])
    page.goto(f"{live_server.url}/arts/{plan['art'].slug}/planning/pis/{plan['pi'].pk}/teams/{plan['team'].pk}/board/")


def column(page, name: str):
    return page.locator(f'[data-column][data-iteration="{name}"]')


def open_menu(page, story):
    """Open the one Actions menu of a story's card (by keyboard: focus its summary, Enter)."""
    summary = page.locator(f"#story-{story.pk} .card-menu > summary")
    summary.focus()
    summary.press("Enter")
    return page.locator(f"#story-{story.pk} .card-menu")


def test_scrum_master_moves_a_story_with_the_menu_and_sees_both_loads_change(page, live_server, log_in, plan):
    first, second = plan["iterations"]["Iteration 1"], plan["iterations"]["Iteration 2"]
    StoryFactory(team=plan["team"], pi=plan["pi"], iteration=first, points=5, title="Ledger export")
    story = StoryFactory(team=plan["team"], pi=plan["pi"], iteration=first, points=3, title="Payout webhook")

    open_board(page, live_server, log_in, plan)
    expect(column(page, "Iteration 1").locator(".load-text")).to_have_text("8 / 40 points (20%)")
    expect(column(page, "Iteration 2").locator(".load-text")).to_have_text("0 / 40 points (0%)")

    card = page.locator(f"#story-{story.pk}")
    # One menu per card: no select or Move button shows until it is opened.
    expect(card.get_by_label("Move to")).to_be_hidden()
    menu = open_menu(page, story)
    menu.get_by_label("Move to").select_option(label="Iteration 2")
    # The keyboard: Enter on the focused Move button.
    menu.get_by_role("button", name="Move").press("Enter")

    expect(column(page, "Iteration 1").locator(".load-text")).to_have_text("5 / 40 points (13%)")
    expect(column(page, "Iteration 2").locator(".load-text")).to_have_text("3 / 40 points (8%)")
    expect(column(page, "Iteration 2").locator(f"#story-{story.pk}")).to_be_visible()
    expect(page.locator("#flash")).to_contain_text("“Payout webhook” moved to Iteration 2.")
    # Focus stays on the Move button of the moved card (its menu open again): the keyboard user keeps their place.
    expect(page.locator(f"#move-{story.pk}-button")).to_be_focused()
    expect(page.locator(f"#story-{story.pk} .card-menu")).to_have_attribute("open", "")
    stored = Story.objects.get(pk=story.pk)
    assert (stored.iteration_id, stored.version) == (second.pk, 2)


def test_scrum_master_drags_a_card_to_another_column(page, live_server, log_in, plan):
    first, third = plan["iterations"]["Iteration 1"], plan["iterations"]["Iteration 3"]
    story = StoryFactory(team=plan["team"], pi=plan["pi"], iteration=first, points=8, title="Fraud rules")

    open_board(page, live_server, log_in, plan)
    expect(column(page, "Iteration 3").locator(".load-text")).to_have_text("0 / 40 points (0%)")

    page.locator(f"#story-{story.pk} .story-title").drag_to(column(page, "Iteration 3").locator(".story-cards"))

    expect(column(page, "Iteration 3").locator(f"#story-{story.pk}")).to_be_visible()
    expect(column(page, "Iteration 3").locator(".load-text")).to_have_text("8 / 40 points (20%)")
    expect(column(page, "Iteration 1").locator(".load-text")).to_have_text("0 / 40 points (0%)")
    stored = Story.objects.get(pk=story.pk)
    assert (stored.iteration_id, stored.version) == (third.pk, 2)


def test_a_card_dropped_on_the_ip_column_stays_where_it_was(page, live_server, log_in, plan):
    first = plan["iterations"]["Iteration 1"]
    story = StoryFactory(team=plan["team"], pi=plan["pi"], iteration=first, points=8, title="Fraud rules")

    open_board(page, live_server, log_in, plan)
    expect(column(page, "IP")).to_contain_text("Takes no stories")
    page.locator(f"#story-{story.pk} .story-title").drag_to(column(page, "IP").locator(".story-cards"))

    expect(column(page, "Iteration 1").locator(f"#story-{story.pk}")).to_be_visible()
    expect(column(page, "IP").locator(".story-card")).to_have_count(0)
    assert Story.objects.get(pk=story.pk).iteration_id == first.pk


def test_scrum_master_adds_a_story_with_the_one_form_and_overloads_an_iteration(page, live_server, log_in, plan):
    first = plan["iterations"]["Iteration 1"]
    StoryFactory(team=plan["team"], pi=plan["pi"], iteration=first, points=38, title="Big migration")

    open_board(page, live_server, log_in, plan)
    target = column(page, "Iteration 1")
    expect(target.locator(".load-text")).to_have_text("38 / 40 points (95%)")
    expect(target.locator(".overloaded-flag")).to_have_count(0)
    # One add form for the whole board, none in the columns.
    expect(page.locator("form.add-story")).to_have_count(1)
    expect(page.get_by_role("button", name=re.compile(r"^Add story"))).to_have_count(1)

    add = page.locator("form.add-story")
    add.get_by_label("Title").fill("Chargeback API")
    add.get_by_label("Points").fill("5")
    add.get_by_label("Iteration").select_option(label="Iteration 1")
    add.get_by_role("button", name="Add story").click()

    expect(target.locator(".load-text")).to_have_text("43 / 40 points (108%)")
    expect(target.locator(".overloaded-flag")).to_be_visible()
    expect(target.locator(".overloaded-flag")).to_contain_text("Overloaded")
    expect(target).to_have_class(re.compile(r"\bis-overloaded\b"))
    expect(target.locator(".story-title", has_text="Chargeback API")).to_be_visible()
    expect(page.locator("#flash")).to_contain_text("“Chargeback API” added to Iteration 1.")
    stored = Story.objects.get(title="Chargeback API")
    assert (stored.iteration_id, stored.points, stored.team_id) == (first.pk, 5, plan["team"].pk)


def test_moving_a_story_before_its_feature_and_a_past_unfinished_story_are_warned(page, live_server, log_in, plan):
    first, third = plan["iterations"]["Iteration 1"], plan["iterations"]["Iteration 3"]
    feature = FeatureFactory(art=plan["art"], pi=plan["pi"], title="Instant payouts")
    PlacementFactory(feature=feature, team=plan["team"], iteration=third)
    story = StoryFactory(team=plan["team"], pi=plan["pi"], iteration=third, feature=feature, title="Payout ledger")
    stuck = StoryFactory(team=plan["team"], pi=plan["pi"], iteration=first, title="Fee table", state="in_progress")

    # Two days after Iteration 1 ended, where the train works.
    with time_machine.travel(f"{first.end_date + timedelta(days=2)} 09:00Z", tick=True):
        open_board(page, live_server, log_in, plan)
        summary = page.locator("#board-warnings .warning-summary")
        expect(summary).to_have_text(re.compile(r"^\s*1 unfinished story in a past iteration\s*$"))
        expect(page.locator(f"#story-{stuck.pk} .story-past")).to_have_text("● Not done, and Iteration 1 is over")
        expect(page.locator(f"#story-{story.pk} .story-warning")).to_have_count(0)

        menu = open_menu(page, story)
        menu.get_by_label("Move to").select_option(label="Iteration 2")
        menu.get_by_role("button", name="Move").click()

        card = column(page, "Iteration 2").locator(f"#story-{story.pk}")
        expect(card.locator(".story-early")).to_have_text(f"▼ Earlier than {feature.key}'s placement in Iteration 3")
        expect(summary).to_contain_text("1 story earlier than the feature's placement")
        expect(summary).to_contain_text("1 unfinished story in a past iteration")
        page.locator("#board-warnings summary").click()
        expect(page.locator("#board-warnings .early-warning")).to_contain_text(
            f"“Payout ledger” is in Iteration 2, but {feature.key} is placed in Iteration 3."
        )
    stored = Story.objects.get(pk=story.pk)
    assert (stored.iteration_id, stored.version) == (plan["iterations"]["Iteration 2"].pk, 2)


def test_a_normal_board_is_short_and_fits_a_narrow_screen(page, live_server, log_in, plan):
    """Twenty stories in four iterations and a dozen placements: well under 2,600 px; no page overflow at 768 px."""
    development = [iteration for iteration in plan["iterations"].values() if not iteration.is_ip]
    for index in range(20):
        StoryFactory(team=plan["team"], pi=plan["pi"], iteration=development[index % 4], title=f"Story number {index}")
    for index in range(12):
        feature = FeatureFactory(art=plan["art"], pi=plan["pi"], title=f"Feature number {index}")
        PlacementFactory(feature=feature, team=plan["team"], iteration=development[index % 4])

    page.set_viewport_size({"width": 1440, "height": 900})
    open_board(page, live_server, log_in, plan)
    expect(page.locator(".story-card")).to_have_count(20)
    assert page.evaluate("document.documentElement.scrollHeight") < 2100
    page.set_viewport_size({"width": 768, "height": 1024})
    page.reload()
    expect(page.locator(".story-card")).to_have_count(20)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The columns scroll in their own frame.
    frame = "document.querySelector('.board-columns')"
    assert page.evaluate(f"{frame}.scrollWidth > {frame}.clientWidth")


def test_a_stale_move_shows_the_conflict_and_the_current_board(page, live_server, log_in, plan):
    first, third = plan["iterations"]["Iteration 1"], plan["iterations"]["Iteration 3"]
    story = StoryFactory(team=plan["team"], pi=plan["pi"], iteration=first, points=3, title="Contested")

    open_board(page, live_server, log_in, plan)
    # Someone else moves it meanwhile.
    Story.objects.filter(pk=story.pk).update(iteration=third, version=2)
    menu = open_menu(page, story)
    menu.get_by_label("Move to").select_option(label="Iteration 2")
    menu.get_by_role("button", name="Move").click()

    expect(page.locator(".board-error")).to_contain_text("a moment ago")
    expect(column(page, "Iteration 3").locator(f"#story-{story.pk}")).to_be_visible()
    expect(column(page, "Iteration 3").locator(".load-text")).to_have_text("3 / 40 points (8%)")
    assert Story.objects.get(pk=story.pk).iteration_id == third.pk
