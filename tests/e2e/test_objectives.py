"""PI objectives in a real browser: a Business Owner gives an objective its planned business value."""

from datetime import date

import pytest
from playwright.sync_api import expect

from artops.demo import DEMO_PASSWORD
from artops.models import Role
from planning.models import ObjectiveChange, PIObjective
from tests.conftest import make_member
from tests.factories import ARTFactory, TeamFactory, make_pi
from tests.planning.factories import ObjectiveFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def train():
    """A team with a committed objective already valued at 5 and one not valued yet."""
    art = ARTFactory(name="Payments ART", slug="payments", time_zone="Europe/Berlin")
    team = TeamFactory(art=art, name="Falcons")
    pi = make_pi(art, name="PI 2026.4", start=date(2026, 10, 5))
    owner = make_member(art, Role.BUSINESS_OWNER, display_name="Bo Owner", password=DEMO_PASSWORD)
    ObjectiveFactory(team=team, pi=pi, statement="Refunds in one click", planned_business_value=5)
    target = ObjectiveFactory(team=team, pi=pi, statement="Payouts in seconds")
    return art, team, pi, owner, target


def test_business_owner_sets_planned_business_value_and_sees_the_totals_change(page, live_server, log_in, train):
    art, team, pi, owner, target = train
    log_in(page, owner)
    page.goto(f"{live_server.url}/arts/{art.slug}/planning/pis/{pi.pk}/teams/{team.pk}/objectives/")
    totals = page.locator("#team-totals")
    expect(totals.locator("#total-planned-committed")).to_have_text("5")
    # A marker on the window survives an htmx swap but not a page load.
    page.evaluate("window.objectivesMarker = 'still here'")

    card = page.locator(f"#objective-{target.pk}")
    card.get_by_label("Planned business value (1–10)").fill("8")
    card.get_by_role("button", name="Save business value").click()

    expect(totals.locator("#total-planned-committed")).to_have_text("13")
    expect(page.locator(f"#objective-{target.pk} .planned-bv")).to_have_text("8")
    expect(page.get_by_role("status").filter(has_text="Business value of “Payouts in seconds” saved.")).to_be_visible()
    assert page.evaluate("window.objectivesMarker") == "still here"

    stored = PIObjective.objects.get(pk=target.pk)
    assert (stored.planned_business_value, stored.version) == (8, 2)
    change = ObjectiveChange.objects.get(objective=target)
    assert (change.field, change.old_value, change.new_value, change.by) == ("planned_business_value", "", "8", owner)

    history = page.locator(f"#objective-{target.pk} .objective-history")
    history.locator("summary").click()
    entry = history.locator("li.change-bv")
    expect(entry).to_contain_text("Bo Owner")
    expect(entry).to_contain_text("Planned business value: — → 8")

    # From here a Business Owner reaches every team's objectives at once: the metrics dashboard.
    page.locator("#bo-dashboard-link").click()
    expect(page).to_have_url(f"{live_server.url}/arts/{art.slug}/metrics/business-owners/?pi={pi.pk}")
    expect(page.get_by_text("Payouts in seconds").first).to_be_visible()


def test_business_owner_entering_eleven_sees_the_message_and_nothing_is_stored(page, live_server, log_in, train):
    art, team, pi, owner, target = train
    log_in(page, owner)
    page.goto(f"{live_server.url}/arts/{art.slug}/planning/pis/{pi.pk}/teams/{team.pk}/objectives/")

    card = page.locator(f"#objective-{target.pk}")
    card.get_by_label("Planned business value (1–10)").fill("11")
    card.get_by_role("button", name="Save business value").click()

    card = page.locator(f"#objective-{target.pk}")
    expect(card.get_by_role("alert")).to_have_text("Planned business value is from 1 to 10.")
    expect(card.get_by_label("Planned business value (1–10)")).to_have_value("11")
    expect(page.locator("#total-planned-committed")).to_have_text("5")
    stored = PIObjective.objects.get(pk=target.pk)
    assert (stored.planned_business_value, stored.version) == (None, 1)
    assert not ObjectiveChange.objects.exists()
