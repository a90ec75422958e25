"""The team board in a real browser: a Scrum Master moves stories and plans an iteration."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from artops.demo import DEMO_PASSWORD
from artops.models import Role
from planning.models import Story
from tests.conftest import make_member
from tests.factories import ARTFactory, TeamFactory, make_pi
from tests.planning.factories import CapacityFactory, StoryFactory

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


def test_scrum_master_moves_a_story_with_the_menu_and_sees_both_loads_change(page, live_server, log_in, plan):
    first, second = plan["iterations"]["Iteration 1"], plan["iterations"]["Iteration 2"]
    StoryFactory(team=plan["team"], pi=plan["pi"], iteration=first, points=5, title="Ledger export")
    story = StoryFactory(team=plan["team"], pi=plan["pi"], iteration=first, points=3, title="Payout webhook")

    open_board(page, live_server, log_in, plan)
    expect(column(page, "Iteration 1").locator(".load-text")).to_have_text("8 / 40 points (20%)")
    expect(column(page, "Iteration 2").locator(".load-text")).to_have_text("0 / 40 points (0%)")

    card = page.locator(f"#story-{story.pk}")
    card.get_by_label("Move to").select_option(label="Iteration 2")
    # The keyboard: Enter on the focused Move button.
    card.get_by_role("button", name="Move").press("Enter")

    expect(column(page, "Iteration 1").locator(".load-text")).to_have_text("5 / 40 points (13%)")
    expect(column(page, "Iteration 2").locator(".load-text")).to_have_text("3 / 40 points (8%)")
    expect(column(page, "Iteration 2").locator(f"#story-{story.pk}")).to_be_visible()
    expect(page.locator("#flash")).to_contain_text("“Payout webhook” moved to Iteration 2.")
    # Focus stays on the Move button of the moved card, so the keyboard user keeps their place.
    expect(page.locator(f"#move-{story.pk}-button")).to_be_focused()
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


def test_scrum_master_quick_adds_a_story_that_overloads_an_iteration(page, live_server, log_in, plan):
    first = plan["iterations"]["Iteration 1"]
    StoryFactory(team=plan["team"], pi=plan["pi"], iteration=first, points=38, title="Big migration")

    open_board(page, live_server, log_in, plan)
    target = column(page, "Iteration 1")
    expect(target.locator(".load-text")).to_have_text("38 / 40 points (95%)")
    expect(target.locator(".overloaded-flag")).to_have_count(0)

    quick_add = target.locator("form.quick-add")
    quick_add.get_by_label("New story").fill("Chargeback API")
    quick_add.get_by_label("Points").fill("5")
    quick_add.get_by_role("button", name="Add story").click()

    expect(target.locator(".load-text")).to_have_text("43 / 40 points (108%)")
    expect(target.locator(".overloaded-flag")).to_be_visible()
    expect(target.locator(".overloaded-flag")).to_contain_text("Overloaded")
    expect(target).to_have_class(re.compile(r"\bis-overloaded\b"))
    expect(target.locator(".story-title", has_text="Chargeback API")).to_be_visible()
    stored = Story.objects.get(title="Chargeback API")
    assert (stored.iteration_id, stored.points, stored.team_id) == (first.pk, 5, plan["team"].pk)


def test_a_stale_move_shows_the_conflict_and_the_current_board(page, live_server, log_in, plan):
    first, third = plan["iterations"]["Iteration 1"], plan["iterations"]["Iteration 3"]
    story = StoryFactory(team=plan["team"], pi=plan["pi"], iteration=first, points=3, title="Contested")

    open_board(page, live_server, log_in, plan)
    # Someone else moves it meanwhile.
    Story.objects.filter(pk=story.pk).update(iteration=third, version=2)
    card = page.locator(f"#story-{story.pk}")
    card.get_by_label("Move to").select_option(label="Iteration 2")
    card.get_by_role("button", name="Move").click()

    expect(page.locator(".board-error")).to_contain_text("a moment ago")
    expect(column(page, "Iteration 3").locator(f"#story-{story.pk}")).to_be_visible()
    expect(column(page, "Iteration 3").locator(".load-text")).to_have_text("3 / 40 points (8%)")
    assert Story.objects.get(pk=story.pk).iteration_id == third.pk
