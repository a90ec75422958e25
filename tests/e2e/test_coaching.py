"""Browser journeys of coaching: the RTE observes a Scrum Master and sets a growth goal with a
check-in; the Scrum Master sees both; on the check-in date the goal is due on the RTE's home.
And a playbook edit keeps the previous version, which can be read and compared."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from artops.coaching import services
from artops.coaching.models import GrowthGoal, Observation, PlaybookVersion
from artops.demo import DEMO_PASSWORD
from artops.models import Role
from tests.conftest import make_member
from tests.factories import ARTFactory, TeamFactory, make_pi

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def clock():
    """Monday 5 October 2026, 09:00 in Berlin: the first day of the train's PI."""
    with time_machine.travel(datetime(2026, 10, 5, 9, 0, tzinfo=BERLIN), tick=True) as traveller:
        yield traveller


@pytest.fixture
def train(clock):
    art = ARTFactory(name="Payments ART", slug="payments", time_zone="Europe/Berlin")
    team = TeamFactory(art=art, name="Ledger")
    rte = make_member(art, Role.RTE, display_name="Riley RTE", password=DEMO_PASSWORD)
    sm = make_member(art, Role.SCRUM_MASTER, team, display_name="Sana Malik", password=DEMO_PASSWORD)
    make_member(art, Role.PRODUCT_OWNER, team, display_name="Pedro Owner", password=DEMO_PASSWORD)
    pi = make_pi(art, name="PI 2026.4", start=date(2026, 10, 5))
    return {"art": art, "team": team, "rte": rte, "sm": sm, "pi": pi}


def _form(page, button: str):
    return page.locator("form", has=page.get_by_role("button", name=button))


def test_rte_coaches_a_scrum_master_who_sees_it_and_the_check_in_comes_due(page, live_server, log_in, train, clock):
    art, rte, sm = train["art"], train["rte"], train["sm"]
    log_in(page, rte)
    page.goto(f"{live_server.url}/arts/{art.slug}/coaching/")
    expect(page.get_by_role("heading", name="Coaching Payments ART")).to_be_visible()

    observe = _form(page, "Record the observation")
    observe.get_by_label("Person coached").select_option(label="Sana Malik")
    observe.get_by_label("Team").select_option(label="Ledger")
    observe.get_by_label("Event observed").select_option(label="Iteration Retrospective")
    observe.get_by_label("What went well").fill("Everyone spoke in the first ten minutes.")
    observe.get_by_label("One specific suggestion").fill("Close with one owned improvement.")
    observe.get_by_role("button", name="Record the observation").click()
    expect(page.get_by_role("status")).to_contain_text("Observation recorded")
    expect(page.locator("#observations")).to_contain_text("Close with one owned improvement.")

    goal_form = _form(page, "Set the goal")
    goal_form.get_by_label("Person coached").select_option(label="Sana Malik")
    goal_form.get_by_label("Goal", exact=True).fill("Facilitate the PI Planning breakouts alone")
    goal_form.get_by_label("Competency area").select_option(label="Facilitation")
    goal_form.get_by_label("Measure of done").fill("Both breakouts end on time")
    goal_form.get_by_label("Next check-in").fill("2026-10-12")
    goal_form.get_by_role("button", name="Set the goal").click()
    expect(page.get_by_role("status")).to_contain_text("Growth goal set.")
    expect(page.locator("#goals")).to_contain_text("Facilitate the PI Planning breakouts alone")

    goal = GrowthGoal.objects.get()
    assert (goal.coach, goal.coachee, goal.pi, goal.next_check_in) == (rte, sm, train["pi"], date(2026, 10, 12))
    observation = Observation.objects.get()
    assert (observation.coach, observation.coachee, observation.event) == (rte, sm, "retrospective")

    # The Scrum Master sees both, and writes a progress note.
    page.context.clear_cookies()
    log_in(page, sm)
    page.goto(f"{live_server.url}/arts/{art.slug}/coaching/")
    expect(page.locator("#observations")).to_contain_text("Everyone spoke in the first ten minutes.")
    page.get_by_role("link", name="Facilitate the PI Planning breakouts alone").click()
    page.get_by_label("Progress note").fill("Ran iteration planning alone on Friday.")
    page.get_by_role("button", name="Save the check-in").click()
    expect(page.get_by_role("status")).to_contain_text("Check-in saved.")
    expect(page.locator("#goal-history")).to_contain_text("Ran iteration planning alone on Friday.")
    assert goal.notes.get().author == sm

    # A week later, on the check-in date, the goal is due on the RTE's home.
    clock.move_to(datetime(2026, 10, 12, 8, 30, tzinfo=BERLIN))
    page.context.clear_cookies()
    log_in(page, rte)
    page.goto(f"{live_server.url}/arts/{art.slug}/")
    panel = page.locator("section", has=page.get_by_role("heading", name="Coaching check-ins due"))
    expect(panel).to_contain_text("Sana Malik: Facilitate the PI Planning breakouts alone — due today")
    panel.get_by_role("link", name="Sana Malik: Facilitate").click()
    expect(page.locator("#goal-check-in")).to_contain_text("Due")


def test_a_playbook_edit_keeps_the_previous_version_to_read_and_compare(page, live_server, log_in, train):
    art, rte = train["art"], train["rte"]
    playbook = services.create_playbook(art, by=rte, title="PI readiness")
    log_in(page, rte)
    page.goto(f"{live_server.url}/arts/{art.slug}/coaching/playbooks/")
    page.get_by_role("link", name="PI readiness").click()
    page.get_by_role("link", name="Edit", exact=True).click()
    body = page.get_by_label("Text (Markdown)")
    body.fill(body.input_value().replace("A first thing to have ready", "Dates on the ART calendar"))
    page.get_by_label("What changed").fill("The first real item")
    page.get_by_role("button", name="Save a new version").click()
    expect(page.get_by_role("status")).to_contain_text("saved as version 2; version 1 is kept")
    expect(page.locator("#playbook-body")).to_contain_text("☐ Dates on the ART calendar")
    assert list(PlaybookVersion.objects.filter(playbook=playbook).values_list("number", "author")) == [
        (2, rte.pk),
        (1, rte.pk),
    ]

    page.get_by_role("link", name="Version 1").click()
    expect(page.locator("#version-body")).to_contain_text("A first thing to have ready")
    page.get_by_role("link", name="Current version").click()
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("#diff .diff-changed del")).to_contain_text("A first thing to have ready")
    expect(page.locator("#diff .diff-changed ins")).to_contain_text("Dates on the ART calendar")
