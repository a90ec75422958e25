"""The calendar pages over HTTP: the calendar by week and as a list, an event's page, and the
RTE's management (settings, generate, add, edit or move, cancel, restore), with htmx and
without; refusals (never a 500, nothing saved); query counts; the feed links on the profile.

The train (``art``) works in Europe/Berlin; its PI (``pi``) starts on Monday 5 October 2026.
The clock stands on Tuesday 1 September 2026, before the PI.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from artops import extensions
from artops.calendar import services
from artops.calendar.models import CalendarCadence, CalendarEvent, CalendarFeedToken
from artops.calendar.urls import feed_path
from tests.factories import make_pi
from tests.helpers import HTMX, url

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 9, 1, 9, 0, tzinfo=BERLIN)
Kind = CalendarEvent.Kind


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def published(art, pi, rte):
    """The PI's calendar, from a Monday 10:00 ART Sync cadence."""
    services.update_calendar_cadence(art, by=rte, art_sync_weekday=0, art_sync_time=time(10, 0))
    services.generate_calendar(pi, by=rte)
    return pi


def first_sync(pi) -> CalendarEvent:
    return CalendarEvent.objects.for_pi(pi).filter(kind=Kind.ART_SYNC).order_by("starts_at").first()


def event_url(event, action: str = "") -> str:
    name = f"calendar_event_{action}" if action else "calendar_event"
    return url(name, event.art, event_id=event.pk)


def snapshot() -> list:
    return [
        list(model.objects.order_by("pk").values()) for model in (CalendarCadence, CalendarEvent, CalendarFeedToken)
    ]


def move_data(event, **changes) -> dict:
    data = {
        "title": event.title,
        "kind": event.kind,
        "day": "2026-10-13",
        "starts": "15:30",
        "ends": "17:00",
        "location": "",
        "description": "",
        "version": event.version,
    }
    data.update(changes)
    return data


# --- reading ----------------------------------------------------------------------------------


def test_the_calendar_shows_the_quarter_by_week(client, published, team_member):
    client.force_login(team_member)
    response = client.get(url("art_calendar", published.art) + "?from=2026-09-30")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('<section class="week') == 14  # 14 weekly blocks: at least the next quarter
    assert "Week of 5 Oct 2026" in page and "Iteration 1" in page
    sync = first_sync(published)
    assert f'id="event-{sync.pk}"' in page and "10:00–11:30" in page
    # The sync app leads an ART Sync event to its meeting (artops.extensions.CALENDAR_EVENT_LINKS).
    assert f'href="{url("sync_calendar_event", sync.art, event_id=sync.pk)}"' in page
    assert "band col-1 span-1 kind-pi_start" in page  # the PI's start as an all-day band
    assert "band col-4 span-2 kind-pi_planning" in page  # Thursday and Friday before it
    assert "PI Planning" in page and "Generate the calendar of" not in page  # no controls for members


def test_the_list_view_and_a_cancelled_event_struck_through(client, published, rte, team_member):
    sync = first_sync(published)
    services.cancel_event(sync, by=rte, expected_version=sync.version)
    client.force_login(team_member)
    response = client.get(url("art_calendar", published.art) + "?view=list&from=2026-10-05")
    page = response.content.decode()
    assert 'class="calendar-list"' in page
    assert "Monday 5 Oct 2026" in page
    assert f'<li class="event kind-art_sync cancelled" id="event-{sync.pk}">' in page
    assert "<del>ART Sync</del>" in page


def test_events_lead_to_the_page_an_app_gives(client, published, team_member, monkeypatch):
    sync = first_sync(published)
    monkeypatch.setattr(extensions, "_providers", {})
    extensions.register(extensions.CALENDAR_EVENT_LINKS, lambda *, events, **_: {sync.pk: "/sync/meeting/1/"})
    client.force_login(team_member)
    page = client.get(url("art_calendar", published.art) + "?from=2026-10-05").content.decode()
    assert 'href="/sync/meeting/1/"' in page
    assert f'href="{event_url(sync)}"' not in page


def test_the_week_is_printable(client, published, team_member):
    client.force_login(team_member)
    page = client.get(url("art_calendar", published.art)).content.decode()
    assert "css/calendar.css" in page and 'class="calendar-nav no-print"' in page
    css = (settings.BASE_DIR / "static" / "css" / "calendar.css").read_text()
    assert "@media print" in css and ".topbar" in css.split("@media print")[1]


def test_htmx_asks_for_the_calendar_body(client, published, team_member):
    client.force_login(team_member)
    response = client.get(url("art_calendar", published.art) + "?view=list", headers=HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="calendar-body">') and "<html" not in page
    assert 'class="calendar-list"' in page


def test_the_event_page_for_a_member(client, published, team_member):
    sync = first_sync(published)
    client.force_login(team_member)
    page = client.get(event_url(sync)).content.decode()
    assert "Monday 5 Oct 2026, 10:00–11:30" in page
    assert "Change or move" not in page and "Cancel this event" not in page


@pytest.mark.parametrize("size", [0, 40])
def test_the_calendar_takes_a_constant_number_of_queries(client, art, published, rte, size, django_assert_num_queries):
    for n in range(size):
        start = datetime(2026, 10, 6, 9, tzinfo=BERLIN) + timedelta(days=n)
        services.add_event(art, by=rte, title=f"CoP {n}", starts_at=start, ends_at=start + timedelta(hours=1))
    client.force_login(rte)
    # Session, user, the train, the RTE's memberships, the events, the iterations, the PIs, and the
    # sync app's links for the events (artops.extensions.CALENDAR_EVENT_LINKS: three, whatever their number).
    with django_assert_num_queries(10):
        response = client.get(url("art_calendar", art) + "?from=2026-10-05")
    assert response.status_code == 200
    with django_assert_num_queries(9):  # the list needs no iterations
        client.get(url("art_calendar", art) + "?view=list&from=2026-10-05")


@pytest.mark.parametrize(
    "value", ["2026-02-30", "5/10/2026", "2026-W41-1", "²", "9" * 5000, "0001-01-01", "2026-10-05\x00"]
)
def test_a_bad_from_day_answers_400(client, art, team_member, value):
    client.force_login(team_member)
    response = client.get(url("art_calendar", art), {"from": value})
    assert response.status_code == 400
    assert "from:" in response.content.decode()


# --- the RTE's management ---------------------------------------------------------------------


def test_the_rte_generates_a_pi_calendar(client, art, pi, rte):
    client.force_login(rte)
    page = client.get(url("art_calendar", art)).content.decode()
    assert "Generate the calendar of" in page and f'<option value="{pi.pk}" selected>' in page
    response = client.post(url("calendar_generate", art), {"pi": pi.pk}, follow=True)
    created = CalendarEvent.objects.for_pi(pi).count()
    assert created > 10
    assert f"Calendar of PI 2026.4 generated: {created} created, 0 updated, 0 cancelled, 0 kept" in (
        response.content.decode()
    )


def test_generating_with_htmx_answers_the_calendar_body_with_the_counts(client, art, pi, rte):
    client.force_login(rte)
    response = client.post(url("calendar_generate", art), {"pi": pi.pk, "view": "list"}, headers=HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert b"<html" not in response.content and 'id="calendar-body"' in page
    assert "generated:" in page and 'class="calendar-list"' in page


@pytest.mark.parametrize("value", ["²", "9" * 5000, "-1", "", "abc"])
def test_generating_a_pi_that_is_not_one_is_refused(client, art, pi, rte, other_art, value):
    client.force_login(rte)
    response = client.post(url("calendar_generate", art), {"pi": value}, headers=HTMX)
    assert response.status_code == 422
    assert "Choose a PI of this train" in response.content.decode()
    assert not CalendarEvent.objects.exists()


def test_another_trains_pi_is_not_a_choice(client, art, rte, other_art):
    theirs = make_pi(other_art, name="PI X", start=date(2026, 10, 5))
    client.force_login(rte)
    response = client.post(url("calendar_generate", art), {"pi": theirs.pk})
    assert response.status_code == 422
    assert not CalendarEvent.objects.exists()


def test_the_rte_moves_an_art_sync(client, published, rte):
    sync = first_sync(published)
    client.force_login(rte)
    response = client.post(event_url(sync), move_data(sync))
    assert response.status_code == 302 and response["Location"] == event_url(sync)
    moved = CalendarEvent.objects.get(pk=sync.pk)
    assert moved.starts_at == datetime(2026, 10, 13, 15, 30, tzinfo=BERLIN)
    assert moved.ends_at == datetime(2026, 10, 13, 17, 0, tzinfo=BERLIN)
    assert (moved.uid, moved.sequence, moved.edited_by_hand) == (sync.uid, sync.sequence + 1, True)
    page = client.get(response["Location"]).content.decode()
    assert "saved: Tue 13 Oct 2026, 15:30–17:00" in page


def test_an_htmx_move_answers_the_event_panel(client, published, rte):
    sync = first_sync(published)
    client.force_login(rte)
    response = client.post(event_url(sync), move_data(sync), headers=HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="event-panel"') and "15:30–17:00" in page


def test_a_stale_move_answers_409_with_the_current_values(client, published, rte):
    sync = first_sync(published)
    services.edit_event(sync, by=rte, expected_version=sync.version, location="Room 4")
    client.force_login(rte)
    for headers in ({}, HTMX):
        response = client.post(event_url(sync), move_data(sync), headers=headers)
        assert response.status_code == 409
        page = response.content.decode()
        assert "Someone changed" in page and 'value="Room 4"' in page
    assert CalendarEvent.objects.get(pk=sync.pk).starts_at == sync.starts_at


def test_an_event_turns_all_day_on_the_form(client, published, rte):
    sync = first_sync(published)
    client.force_login(rte)
    data = move_data(sync, all_day="on", first_day="2026-10-14", last_day="2026-10-15")
    assert client.post(event_url(sync), data).status_code == 302
    stored = CalendarEvent.objects.get(pk=sync.pk)
    assert (stored.start_date, stored.end_date, stored.starts_at) == (date(2026, 10, 14), date(2026, 10, 16), None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"starts": "17:00", "ends": "16:00"}, "The event ends before it starts"),
        ({"day": "2026-02-30"}, "Enter the day as YYYY-MM-DD"),
        ({"day": "0001-01-01"}, "Give a day between 1970 and 2999"),
        ({"day": "9999-12-31"}, "Give a day between 1970 and 2999"),
        ({"title": "x" * 10_000}, "at most 200 characters"),
        ({"title": "  "}, "Give the event a title"),
        ({"title": "a\x00b"}, "Null characters are not allowed"),
        ({"kind": "party"}, "Select a valid choice"),
        ({"version": "²"}, "The version you edited is missing"),
        ({"version": "9" * 5000}, "The version you edited is missing"),
        ({"all_day": "on", "first_day": "2026-10-15", "last_day": "2026-10-14"}, "the last day is before the first"),
        ({"starts": "25:00"}, "Enter the time as HH:MM"),
    ],
)
def test_a_bad_edit_is_refused_and_nothing_is_saved(client, published, rte, changes, message):
    sync = first_sync(published)
    before = snapshot()
    client.force_login(rte)
    for headers in ({}, HTMX):
        response = client.post(event_url(sync), move_data(sync, **changes), headers=headers)
        assert response.status_code == 422
        assert message in response.content.decode()
    assert snapshot() == before


def test_cancel_and_restore_on_the_event_page(client, published, rte):
    sync = first_sync(published)
    client.force_login(rte)
    response = client.post(event_url(sync, "cancel"), {"version": sync.version})
    assert response.status_code == 302
    cancelled = CalendarEvent.objects.get(pk=sync.pk)
    assert cancelled.cancelled and cancelled.sequence == sync.sequence + 1

    stale = client.post(event_url(sync, "restore"), {"version": sync.version}, headers=HTMX)
    assert stale.status_code == 409 and "Someone changed" in stale.content.decode()
    response = client.post(event_url(sync, "restore"), {"version": cancelled.version}, headers=HTMX)
    assert response.status_code == 200 and "restored" in response.content.decode()
    assert not CalendarEvent.objects.get(pk=sync.pk).cancelled

    twice = client.post(event_url(sync, "restore"), {"version": cancelled.version + 1}, headers=HTMX)
    assert twice.status_code == 422 and "This event is not cancelled." in twice.content.decode()


def test_the_rte_adds_a_community_of_practice_session(client, art, pi, rte):
    client.force_login(rte)
    assert client.get(url("calendar_event_add", art)).status_code == 200
    data = {"title": "Testing CoP", "kind": Kind.COMMUNITY_OF_PRACTICE, "day": "2026-10-08"}
    response = client.post(url("calendar_event_add", art), {**data, "starts": "15:00", "ends": "16:00"})
    event = CalendarEvent.objects.get(title="Testing CoP")
    assert response.status_code == 302 and response["Location"] == event_url(event)
    assert (event.kind, event.pi, event.source_key) == (Kind.COMMUNITY_OF_PRACTICE, pi, None)
    assert event.starts_at == datetime(2026, 10, 8, 15, tzinfo=BERLIN)

    htmx = client.post(url("calendar_event_add", art), {**data, "starts": "9:00", "ends": "8:00"}, headers=HTMX)
    assert htmx.status_code == 422 and "The event ends before it starts" in htmx.content.decode()
    assert CalendarEvent.objects.count() == 1


def test_the_cadence_settings(client, art, rte):
    client.force_login(rte)
    page = client.get(url("calendar_settings", art)).content.decode()
    assert "ART Sync on" in page and "PI Planning" in page
    data = {
        "art_sync_weekday": "0",
        "art_sync_second_weekday": "3",
        "art_sync_time": "09:30",
        "po_coach_syncs_apart": "on",
        "po_sync_weekday": "2",
        "po_sync_time": "11:00",
        "coach_sync_weekday": "2",
        "coach_sync_time": "13:00",
        "system_demo_time": "15:00",
        "inspect_adapt_time": "09:00",
        "pi_planning_placement": "pi_start",
        "version": "1",
    }
    response = client.post(url("calendar_settings", art), data)
    assert response.status_code == 302
    cadence = CalendarCadence.of(art)
    assert cadence.art_sync_weekdays == [0, 3] and cadence.art_sync_time == time(9, 30)
    assert cadence.po_coach_syncs_apart and cadence.pi_planning_placement == "pi_start"

    before = snapshot()
    stale = client.post(url("calendar_settings", art), data, headers=HTMX)
    assert stale.status_code == 409 and "Someone changed" in stale.content.decode()
    for bad, message in [
        ({"art_sync_weekday": "7"}, "Choose a working day"),
        ({"art_sync_second_weekday": "0"}, "two different days"),
        ({"art_sync_weekday": "²"}, "Choose a working day"),
        ({"art_sync_time": "10:99"}, "Enter the time as HH:MM"),
        ({"pi_planning_placement": "x" * 10_000}, "Select a valid choice"),
    ]:
        response = client.post(url("calendar_settings", art), {**data, "version": cadence.version, **bad})
        assert response.status_code == 422, bad
        assert message in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("segment", ["²", "9" * 5000, "99999999999999999999", "-1"])
def test_an_event_id_that_is_not_one_answers_404(client, art, rte, segment):
    client.force_login(rte)
    base = reverse("art_calendar", kwargs={"art_slug": art.slug})
    for path in (f"events/{segment}/", f"events/{segment}/cancel/"):
        assert client.post(base + path, {"version": 1}).status_code == 404


# --- feed links on the profile ----------------------------------------------------------------


def test_the_profile_makes_shows_once_and_revokes_feed_links(client, art, published, team_member):
    client.force_login(team_member)
    page = client.get(reverse("profile")).content.decode()
    assert "Calendar feeds" in page and "Payments ART" in page and "All my trains" in page

    response = client.post(reverse("feed_link_create"), {"train": art.slug}, secure=True)
    page = response.content.decode()
    assert response.status_code == 200 and "It is shown only now" in page
    token = CalendarFeedToken.objects.get(user=team_member, art=art)
    https_url = page.split('<code id="new-feed-url">')[1].split("</code>")[0]
    assert https_url.startswith("https://testserver/calendar/") and https_url.endswith(".ics")
    assert f'href="webcal://{https_url.removeprefix("https://")}"' in page
    secret = https_url.removeprefix("https://testserver/calendar/").removesuffix(".ics")
    assert token.token_hash != secret and feed_path(secret) in https_url
    feed = client.get(feed_path(secret))
    assert feed.status_code == 200 and icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    assert "It is shown only now" not in client.get(reverse("profile")).content.decode()

    response = client.post(reverse("feed_link_revoke", kwargs={"token_id": token.pk}))
    assert response.status_code == 302
    assert client.get(feed_path(secret)).status_code == 404


def test_a_feed_link_of_all_my_trains(client, art, team_member):
    client.force_login(team_member)
    assert client.post(reverse("feed_link_create"), {"train": "all"}).status_code == 200
    assert CalendarFeedToken.objects.get(user=team_member).art is None


@pytest.mark.parametrize("value", ["lending", "", "x" * 100_000, "a\x00b", "nope"])
def test_a_feed_link_of_a_train_not_mine_answers_404(client, art, team_member, other_art, value):
    client.force_login(team_member)
    assert client.post(reverse("feed_link_create"), {"train": value}).status_code == 404
    assert not CalendarFeedToken.objects.exists()


def test_nobody_revokes_anothers_feed_link(client, art, team_member, rte):
    token = services.create_feed_token(team_member, art=art)
    client.force_login(rte)
    assert client.post(reverse("feed_link_revoke", kwargs={"token_id": token.pk})).status_code == 404
    assert CalendarFeedToken.objects.get(pk=token.pk).active


def test_support_sees_the_calendar_in_the_admin(client, published, team_member):
    from artops.models import User

    admin = User.objects.create_superuser("support@example.com", "pw", display_name="Support")
    services.create_feed_token(team_member, art=published.art)
    client.force_login(admin)
    for model in ("calendarcadence", "calendarevent", "calendarfeedtoken"):
        assert client.get(f"/admin/artops/{model}/").status_code == 200
    sync = first_sync(published)
    assert client.get(f"/admin/artops/calendarevent/{sync.pk}/change/").status_code == 200
