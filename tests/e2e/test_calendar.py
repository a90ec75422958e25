"""The ART calendar in a real browser: the RTE publishes the next PI's calendar, moves one ART
Sync, sees it at its new time, and the feed (with the link the profile page shows) carries the
move as calendar clients need it: the same UID, a higher SEQUENCE, the new DTSTART."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from playwright.sync_api import expect

from artops.calendar.models import CalendarEvent
from artops.demo import DEMO_PASSWORD
from artops.models import Role
from tests.conftest import make_member
from tests.factories import ARTFactory, make_pi

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def train():
    """A train in Berlin with its RTE; the clock stands a month before its next PI (5 October 2026)."""
    with time_machine.travel(datetime(2026, 9, 1, 9, 0, tzinfo=BERLIN), tick=True):
        art = ARTFactory(name="Payments ART", slug="payments", time_zone="Europe/Berlin")
        rte = make_member(art, Role.RTE, display_name="Riley RTE", password=DEMO_PASSWORD)
        make_pi(art, name="PI 2026.3", start=date(2026, 7, 27))
        following = make_pi(art, name="PI 2026.4", start=date(2026, 10, 5))
        yield {"art": art, "rte": rte, "pi": following}


def test_rte_publishes_moves_an_art_sync_and_the_feed_follows(page, live_server, log_in, train):
    art, pi = train["art"], train["pi"]
    log_in(page, train["rte"])
    page.get_by_role("navigation", name="Main").get_by_text("Execution").click()
    page.get_by_role("link", name="Calendar", exact=True).click()
    expect(page.get_by_role("heading", name="Calendar Payments ART")).to_be_visible()

    # Generate the calendar of the next PI (the form proposes it).
    expect(page.get_by_label("Generate the calendar of")).to_have_value(str(pi.pk))
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("status")).to_contain_text("Calendar of PI 2026.4 generated:")
    created = CalendarEvent.objects.for_pi(pi).count()
    assert created > 10
    expect(page.get_by_role("status")).to_contain_text(f"generated: {created} created, 0 updated")

    # The first ART Sync of the PI: Tuesday 6 October, 10:00 (the default cadence).
    sync = CalendarEvent.objects.for_pi(pi).filter(kind=CalendarEvent.Kind.ART_SYNC).order_by("starts_at").first()
    assert sync.starts_at == datetime(2026, 10, 6, 10, 0, tzinfo=BERLIN)
    page.goto(f"{live_server.url}/arts/{art.slug}/calendar/?from=2026-10-05")
    tuesday = page.locator(".week").first.locator(".day.col-2")
    expect(tuesday.locator(f"#event-{sync.pk}")).to_contain_text("10:00–11:30")
    # The title leads to the sync meeting (the sync app's link); the RTE's "edit" leads to the event itself.
    expect(tuesday.get_by_role("link", name="ART Sync", exact=True)).to_have_attribute(
        "href", f"/arts/{art.slug}/sync/events/{sync.pk}/"
    )
    tuesday.get_by_role("link", name="Move or edit ART Sync").click()

    # Move it to Wednesday 15:30–17:00.
    expect(page.locator("#event-when")).to_contain_text("Tuesday 6 Oct 2026, 10:00–11:30")
    page.get_by_label("Day", exact=True).fill("2026-10-07")
    page.get_by_label("Starts at").fill("15:30")
    page.get_by_label("Ends at").fill("17:00")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("“ART Sync” saved: Wed 7 Oct 2026, 15:30–17:00.")
    expect(page.locator("#event-when")).to_contain_text("Wednesday 7 Oct 2026, 15:30–17:00")

    stored = CalendarEvent.objects.get(pk=sync.pk)
    assert stored.starts_at == datetime(2026, 10, 7, 15, 30, tzinfo=BERLIN)
    assert (stored.uid, stored.sequence, stored.edited_by_hand) == (sync.uid, 1, True)

    # On the calendar page, the sync is on Wednesday now.
    page.get_by_role("link", name="Back to the calendar").click()
    week = page.locator(".week").first
    expect(week.locator(f".day.col-3 #event-{sync.pk}")).to_contain_text("15:30–17:00")
    expect(week.locator(".day.col-2")).not_to_contain_text("ART Sync")

    # The person makes a feed link on their profile; the feed shows the move.
    page.goto(f"{live_server.url}/accounts/profile/")
    page.get_by_role("button", name="Create a feed link of Payments ART").click()
    expect(page.get_by_text("It is shown only now")).to_be_visible()
    feed_url = page.locator("#new-feed-url").inner_text()
    assert feed_url.startswith(f"{live_server.url}/calendar/") and feed_url.endswith(".ics")
    webcal = page.locator("#new-feed-webcal").get_attribute("href")
    assert webcal == "webcal://" + feed_url.split("://", 1)[1]

    response = page.request.get(feed_url)
    assert response.status == 200
    events = icalendar.Calendar.from_ical(response.body()).walk("VEVENT")
    (moved,) = [event for event in events if str(event["UID"]) == f"{sync.uid}@artops"]
    assert moved["SEQUENCE"] == 1
    assert moved.start == datetime(2026, 10, 7, 15, 30, tzinfo=BERLIN)
    assert moved["DTSTART"].params["TZID"] == "Europe/Berlin"
