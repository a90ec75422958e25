"""Journeys through the core pages in a real browser."""

from datetime import date, timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from artops import demo
from artops.models import ProgramIncrement, User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def thursday():
    # Time moves on from a fixed Thursday in Iteration 2 of the demo's current PI.
    with time_machine.travel("2026-11-26 09:00Z", tick=True):
        yield


def test_rte_creates_a_pi_and_sees_its_iterations_on_the_home_timeline(page, live_server, log_in, thursday):
    art = demo.seed(today=date(2026, 11, 26))
    rte = User.objects.get(email="rte@payments.example")
    current = ProgramIncrement.objects.get(
        art=art, start_date__lte=date(2026, 11, 26), end_date__gte=date(2026, 11, 26)
    )
    # The demo has the current PI and the next one; the RTE plans the one after.
    start = ProgramIncrement.objects.filter(art=art).latest("start_date").end_date + timedelta(days=1)
    end = start + timedelta(weeks=10, days=-1)

    log_in(page, rte)
    expect(page.get_by_role("heading", name="Payments ART", level=1)).to_be_visible()
    page.get_by_role("link", name="New PI").click()

    page.get_by_label("Name").fill("PI 2027.9")
    page.get_by_label("First day").fill(start.isoformat())
    # The iterations appear while typing, before anything is saved.
    preview = page.locator("#iteration-preview")
    expect(preview.get_by_role("row")).to_have_count(6)
    expect(preview.get_by_role("row").last).to_contain_text("IP")
    expect(preview).to_contain_text(f"{end:%a} {end.day} {end:%b %Y}")
    assert not ProgramIncrement.objects.filter(name="PI 2027.9").exists()

    page.get_by_role("button", name="Create PI").click()

    expect(page.get_by_text("PI 2027.9 created with 4 iterations and IP.")).to_be_visible()
    timeline = page.get_by_role("list", name="Iterations of PI 2027.9")
    slots = timeline.locator(".timeline-slot")
    expect(slots).to_have_count(5)
    expect(slots.last).to_contain_text("IP")
    expect(slots.first).to_contain_text(f"{start.day} {start:%b}")
    # Today is marked on the current PI's timeline, in its second iteration.
    current_line = page.get_by_role("list", name=f"Iterations of {current.name}")
    expect(current_line.locator('[aria-current="date"]')).to_contain_text("Iteration 2")
    expect(current_line.get_by_label("Today, 26 Nov")).to_be_visible()

    stored = ProgramIncrement.objects.get(art=art, name="PI 2027.9")
    assert stored.start_date == start and stored.end_date == end
    assert list(stored.iterations.values_list("name", "is_ip")) == [
        ("Iteration 1", False),
        ("Iteration 2", False),
        ("Iteration 3", False),
        ("Iteration 4", False),
        ("IP", True),
    ]


def test_overlapping_pi_is_refused_in_the_form(page, live_server, log_in, thursday):
    art = demo.seed(today=date(2026, 11, 26))
    log_in(page, User.objects.get(email="rte@payments.example"))
    page.goto(f"{live_server.url}/arts/{art.slug}/pis/new/")
    page.get_by_label("Name").fill("PI clash")
    page.get_by_label("First day").fill("2026-12-07")
    page.get_by_role("button", name="Create PI").click()

    expect(page.get_by_text("overlap PI 2026.5")).to_be_visible()
    assert not ProgramIncrement.objects.filter(name="PI clash").exists()


def test_team_member_reads_the_train_but_cannot_manage_it(page, live_server, log_in, thursday):
    art = demo.seed(today=date(2026, 11, 26))
    log_in(page, User.objects.get(email="dev@payments.example"))
    expect(page.get_by_role("heading", name="Payments ART", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="New PI")).to_have_count(0)
    # The People page, one click away, lists each team's people with their roles.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    expect(page.get_by_role("table", name="Ledger").get_by_role("row", name="Sana Malik")).to_be_visible()

    response = page.goto(f"{live_server.url}/arts/{art.slug}/pis/new/")
    assert response.status == 403
    expect(page.get_by_role("alert")).to_contain_text("Only the Release Train Engineer")


def test_the_rte_signs_in_typing_the_email_in_capitals_and_a_pi_in_the_year_146_is_refused(
    page, live_server, log_in, thursday
):
    art = demo.seed(today=date(2026, 11, 26))
    rte = User.objects.get(email="rte@payments.example")
    rte.email = "RTE@Payments.Example"  # as the person types it; stored in lower case all the same
    log_in(page, rte)
    expect(page.get_by_role("heading", name="Payments ART", level=1)).to_be_visible()

    page.goto(f"{live_server.url}/arts/{art.slug}/pis/new/")
    page.get_by_label("Name").fill("PI 146")
    page.get_by_label("First day").fill("0146-10-05")
    page.get_by_role("button", name="Create PI").click()
    expect(page.get_by_text("give a date from 1 January 2000 to 31 December 2100")).to_be_visible()
    assert not ProgramIncrement.objects.filter(name="PI 146").exists()
