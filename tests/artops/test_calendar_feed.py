"""The ART calendar's iCal feed over HTTP: what calendar clients read, who gets 404, how many
queries it takes, and that its private token stays out of the logs.

The train (``art``) works in Europe/Berlin; its PI (``pi``) spans the end of summer time on
Sunday 25 October 2026, and its ART Sync is on Mondays at 10:00.
"""

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.http import HttpResponse
from django.urls import include, path
from django.utils.log import ServerFormatter

from artops.calendar import services
from artops.calendar.log_filters import redact
from artops.calendar.models import CalendarEvent
from artops.calendar.urls import feed_path
from artops.models import Membership, Role
from tests.conftest import make_member
from tests.factories import make_pi

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 10, 1, 12, 0, tzinfo=BERLIN)  # Thursday, first day of PI Planning
Kind = CalendarEvent.Kind


def page_stub(request, art_slug):
    return HttpResponse("calendar page")


# Used by the tests marked ``urls(__name__)``: the app's URLs plus a stand-in calendar page.
urlpatterns = [
    path("calendar/", include("artops.calendar.urls")),
    path("arts/<slug:art_slug>/calendar/", page_stub, name="art_calendar"),
]


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def published(art, pi, rte):
    """The PI's calendar, generated from a Monday 10:00 ART Sync cadence."""
    services.update_calendar_cadence(art, by=rte, art_sync_weekday=0, art_sync_time=time(10, 0))
    services.generate_calendar(pi, by=rte, now=NOW - timedelta(days=30))
    return pi


@pytest.fixture
def feed_token(art, team_member):
    return services.create_feed_token(team_member, art=art)


def fetch(client, secret: str):
    return client.get(feed_path(secret))


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def by_key(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    """VEVENTs by their event's source key."""
    keys = dict(CalendarEvent.objects.values_list("uid", "source_key"))
    return {keys[_uuid(event)]: event for event in calendar.walk("VEVENT")}


def _uuid(event: icalendar.Event):
    import uuid

    uid = str(event["UID"])
    assert uid.endswith("@artops")
    return uuid.UUID(uid.removesuffix("@artops"))


def sync_key(pi, day: str) -> str:
    return f"pi-{pi.pk}/art-sync/{day}"


# --- what a calendar client reads ---------------------------------------------------------


def test_the_feed_is_a_publishable_calendar(client, published, feed_token):
    response = fetch(client, feed_token.secret)
    calendar = parse(response)

    assert str(calendar["PRODID"]) == "-//ARTops//ART calendar//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == str(calendar["NAME"]) == "Payments ART — ART calendar"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Berlin"
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in response.content
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in response.content
    assert "private" in response["Cache-Control"]
    assert len(calendar.walk("VEVENT")) == CalendarEvent.objects.count()
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Berlin"]
    assert not calendar.get_missing_tzids()
    assert "sessionid" not in response.cookies


def test_timed_events_are_local_times_with_their_zone_across_daylight_saving(client, published, feed_token):
    events = by_key(parse(fetch(client, feed_token.secret)))
    before, after = events[sync_key(published, "2026-10-19")], events[sync_key(published, "2026-10-26")]

    assert before["DTSTART"].params["TZID"] == after["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert before.start == datetime(2026, 10, 19, 10, 0, tzinfo=BERLIN)
    assert before.start.astimezone(UTC) == datetime(2026, 10, 19, 8, 0, tzinfo=UTC)  # summer time
    assert after.start == datetime(2026, 10, 26, 10, 0, tzinfo=BERLIN)
    assert after.start.astimezone(UTC) == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)  # winter time
    assert after.end.astimezone(UTC) == datetime(2026, 10, 26, 10, 30, tzinfo=UTC)
    assert b"DTSTART;TZID=Europe/Berlin:20261026T100000" in after.to_ical()
    assert str(after["SUMMARY"]) == "ART Sync"
    assert "blockers and dependencies" in str(after["DESCRIPTION"])
    assert str(after["STATUS"]) == "CONFIRMED" and after["SEQUENCE"] == 0
    assert str(after["TRANSP"]) == "OPAQUE"
    # DTSTAMP and LAST-MODIFIED in UTC.
    assert after["DTSTAMP"].dt == NOW
    assert b"\r\nDTSTAMP:20261001T100000Z\r\n" in after.to_ical()
    event = CalendarEvent.objects.get(source_key=sync_key(published, "2026-10-26"))
    assert f"\r\nLAST-MODIFIED:{event.updated_at.astimezone(UTC):%Y%m%dT%H%M%SZ}\r\n".encode() in after.to_ical()


def test_all_day_events_are_dates_with_an_exclusive_end(client, published, feed_token):
    events = by_key(parse(fetch(client, feed_token.secret)))
    planning = events[f"pi-{published.pk}/pi-planning"]
    assert planning["DTSTART"].params["VALUE"] == "DATE"
    assert (planning.start, planning.end) == (date(2026, 10, 1), date(2026, 10, 3))  # Thursday and Friday
    assert b"DTEND;VALUE=DATE:20261003" in planning.to_ical()
    pi_end = events[f"pi-{published.pk}/pi-end"]
    assert (pi_end.start, pi_end.end, str(pi_end["TRANSP"])) == (date(2026, 12, 13), date(2026, 12, 14), "TRANSPARENT")


def test_a_moved_event_keeps_its_uid_with_a_higher_sequence(client, published, feed_token, rte):
    before = by_key(parse(fetch(client, feed_token.secret)))[sync_key(published, "2026-10-26")]
    event = CalendarEvent.objects.get(source_key=sync_key(published, "2026-10-26"))
    services.edit_event(
        event,
        by=rte,
        expected_version=event.version,
        starts_at=datetime(2026, 10, 27, 14, 0, tzinfo=BERLIN),
        ends_at=datetime(2026, 10, 27, 15, 30, tzinfo=BERLIN),
        location="Big room",
    )

    after = by_key(parse(fetch(client, feed_token.secret)))[sync_key(published, "2026-10-26")]
    assert str(after["UID"]) == str(before["UID"]) == f"{event.uid}@artops"
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after.start == datetime(2026, 10, 27, 14, 0, tzinfo=BERLIN)
    assert str(after["LOCATION"]) == "Big room"


def test_a_cancelled_event_stays_in_the_feed_as_cancelled(client, published, feed_token, rte):
    event = CalendarEvent.objects.get(source_key=sync_key(published, "2026-11-09"))
    services.cancel_event(event, by=rte, expected_version=event.version)

    cancelled = by_key(parse(fetch(client, feed_token.secret)))[sync_key(published, "2026-11-09")]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled["SEQUENCE"] == 1
    assert b"STATUS:CANCELLED" in fetch(client, feed_token.secret).content


def test_the_feed_covers_60_days_back_and_12_months_ahead(client, art, rte, feed_token):
    def add(title, day):
        start = datetime.combine(day, time(9), tzinfo=BERLIN)
        services.add_event(art, by=rte, title=title, starts_at=start, ends_at=start + timedelta(hours=1))

    add("too old", NOW.date() - timedelta(days=61))
    add("recent", NOW.date() - timedelta(days=59))
    add("next year", NOW.date() + timedelta(days=360))
    add("too far", NOW.date() + timedelta(days=370))
    titles = {str(event["SUMMARY"]) for event in parse(fetch(client, feed_token.secret)).walk("VEVENT")}
    assert titles == {"recent", "next year"}


@pytest.mark.urls(__name__)
def test_events_link_to_their_train_calendar_page(client, published, feed_token):
    event = parse(fetch(client, feed_token.secret)).walk("VEVENT")[0]
    assert str(event["URL"]) == "http://testserver/arts/payments/calendar/"


def test_with_the_calendar_page_in_place_every_event_links_to_it(client, published, feed_token):
    # (Before the page existed, the feed wrote no URL; ``page_url_builder`` still guards that case.)
    urls = {str(event["URL"]) for event in parse(fetch(client, feed_token.secret)).walk("VEVENT")}
    assert urls == {"http://testserver/arts/payments/calendar/"}


def test_a_personal_feed_has_all_the_persons_trains(client, art, published, rte, other_art):
    both = make_member(art, Role.BUSINESS_OWNER, display_name="Dana Both")
    Membership.objects.create(user=both, art=other_art, role=Role.BUSINESS_OWNER)
    theirs = CalendarEvent.objects.create(
        art=other_art,
        title="Lending CoP",
        starts_at=datetime(2026, 10, 7, 15, tzinfo=UTC),
        ends_at=datetime(2026, 10, 7, 16, tzinfo=UTC),
    )
    token = services.create_feed_token(both)

    calendar = parse(fetch(client, token.secret))
    summaries = [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]
    assert str(calendar["X-WR-CALNAME"]) == "ARTops — Dana Both"
    assert "[Lending ART] Lending CoP" in summaries and "[Payments ART] ART Sync" in summaries
    assert len(summaries) == CalendarEvent.objects.count()
    # The other train works in UTC: its event is written in UTC, with no VTIMEZONE needed.
    lending = next(event for event in calendar.walk("VEVENT") if str(event["UID"]) == f"{theirs.uid}@artops")
    assert lending.start == datetime(2026, 10, 7, 15, tzinfo=UTC)

    # Leaving a train removes its events from the personal feed.
    Membership.objects.filter(user=both, art=other_art).delete()
    summaries = [str(event["SUMMARY"]) for event in parse(fetch(client, token.secret)).walk("VEVENT")]
    assert "[Lending ART] Lending CoP" not in summaries and summaries


# --- who gets 404 -------------------------------------------------------------------------


def assert_bare_404(response):
    assert response.status_code == 404
    assert response.content == b""


def test_a_wrong_or_revoked_token_answers_404_and_nothing_else(client, published, feed_token, team_member):
    wrong = fetch(client, "not-a-token-at-all-but-long-enough-0123456789")
    assert_bare_404(wrong)
    assert_bare_404(fetch(client, feed_token.secret[:-1]))
    assert_bare_404(client.get("/calendar/" + "x" * 300 + ".ics"))

    services.revoke_feed_token(feed_token, by=team_member)
    revoked = fetch(client, feed_token.secret)
    assert_bare_404(revoked)
    assert dict(revoked.headers) == dict(wrong.headers)


def test_a_link_of_a_train_one_left_answers_404(client, published, feed_token, team_member):
    assert fetch(client, feed_token.secret).status_code == 200
    Membership.objects.filter(user=team_member).delete()
    assert_bare_404(fetch(client, feed_token.secret))


def test_a_deactivated_person_s_link_answers_404(client, published, feed_token, team_member):
    team_member.is_active = False
    team_member.save()
    assert_bare_404(fetch(client, feed_token.secret))


def test_the_feed_takes_no_post(client, feed_token):
    assert client.post(feed_path(feed_token.secret)).status_code == 405
    assert client.head(feed_path(feed_token.secret)).status_code == 200


# --- query counts -------------------------------------------------------------------------


@pytest.mark.parametrize("size", ["small", "large"])
def test_the_feed_takes_a_constant_number_of_queries(
    client, art, pi, rte, team_member, feed_token, size, django_assert_num_queries
):
    services.update_calendar_cadence(art, by=rte, art_sync_weekday=0, art_sync_second_weekday=3)
    services.generate_calendar(pi, by=rte, now=NOW - timedelta(days=30))
    if size == "large":
        services.update_calendar_cadence(art, by=rte, po_coach_syncs_apart=True)
        following = make_pi(art, name="PI 2027.1", start=date(2026, 12, 14))
        services.generate_calendar(following, by=rte, now=NOW)
        for n in range(30):
            start = datetime(2026, 10, 2, 9, tzinfo=BERLIN) + timedelta(days=n)
            services.add_event(art, by=rte, title=f"CoP {n}", starts_at=start, ends_at=start + timedelta(hours=1))
    personal = services.create_feed_token(team_member)
    expected_events = 20 if size == "small" else 100

    # Find the link, check the person is still on the train, read the events.
    with django_assert_num_queries(3):
        calendar = parse(fetch(client, feed_token.secret))
    assert len(calendar.walk("VEVENT")) >= expected_events
    # A personal feed: find the link, read the events of the person's trains.
    with django_assert_num_queries(2):
        parse(fetch(client, personal.secret))


# --- the token stays out of the logs ------------------------------------------------------


def test_a_404_on_a_feed_url_is_logged_without_its_token(client, caplog):
    secret = "Zm9vYmFyLXNlY3JldC10b2tlbi0wMTIzNDU2Nzg5YWJjZGVm"
    with caplog.at_level(logging.INFO):
        response = fetch(client, secret)
    assert response.status_code == 404
    (record,) = [record for record in caplog.records if record.name == "django.request"]
    assert record.getMessage() == "Not Found: /calendar/[redacted].ics"
    assert secret not in caplog.text


@pytest.fixture
def captured(caplog):
    """caplog also for the loggers that do not propagate to the root (runserver, gunicorn)."""
    loggers = [logging.getLogger("django.server"), logging.getLogger("gunicorn.access")]
    handler = caplog.handler  # the call phase's handler: caplog.handler is another one at teardown
    for logger in loggers:
        logger.addHandler(handler)
    yield caplog
    for logger in loggers:
        logger.removeHandler(handler)


def test_runserver_and_gunicorn_request_lines_are_redacted(captured):
    secret = "c2VjcmV0LWZlZWQtdG9rZW4tZm9yLXRoZS1sb2dzLTAxMjM0"
    request_line = f"GET /calendar/{secret}.ics HTTP/1.1"
    # As django.core.servers.basehttp.WSGIRequestHandler.log_message writes it.
    logging.getLogger("django.server").info(
        '"%s" %s %s', request_line, "200", "5120", extra={"status_code": 200, "server_time": "01/Oct/2026 12:00:00"}
    )
    # As gunicorn's access log writes it: a format string and a mapping of atoms.
    logging.getLogger("gunicorn.access").info(
        '%(h)s "%(r)s" %(s)s %(b)s', {"h": "10.0.0.1", "r": request_line, "s": "200", "b": "5120"}
    )
    messages = [record.getMessage() for record in captured.records]
    assert messages == [
        '"GET /calendar/[redacted].ics HTTP/1.1" 200 5120',
        '10.0.0.1 "GET /calendar/[redacted].ics HTTP/1.1" 200 5120',
    ]
    assert secret not in captured.text


def test_the_runserver_handler_writes_the_redacted_line():
    logger = logging.getLogger("django.server")
    # Django's own runserver handler, as LOGGING configures it (pytest adds its capturing handlers).
    (handler,) = [handler for handler in logger.handlers if isinstance(handler.formatter, ServerFormatter)]
    record = logger.makeRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s %s', ("GET /calendar/abc.ics HTTP/1.1", 404, 0), None
    )
    record.status_code = 404
    assert logger.filter(record)
    assert handler.format(record).endswith('"GET /calendar/[redacted].ics HTTP/1.1" 404 0')


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Not Found: /calendar/abc.ics", "Not Found: /calendar/[redacted].ics"),
        ("https://example.org/calendar/abc.ics?x=1", "https://example.org/calendar/[redacted].ics?x=1"),
        ("GET /calendar/" + "a" * 43 + " HTTP/1.1", "GET /calendar/[redacted] HTTP/1.1"),
        ("GET /arts/payments/calendar/ HTTP/1.1", "GET /arts/payments/calendar/ HTTP/1.1"),
        ("GET /arts/payments/calendar/week/ HTTP/1.1", "GET /arts/payments/calendar/week/ HTTP/1.1"),
    ],
)
def test_redact(text, expected):
    assert redact(text) == expected
