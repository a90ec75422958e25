"""The iCal feed (RFC 5545) of a train's calendar, as Outlook, Google Calendar and Apple
Calendar need it, built with the ``icalendar`` library.

- One VCALENDAR, ``METHOD:PUBLISH``, with its name (``NAME`` and ``X-WR-CALNAME``) and a
  refresh interval of one hour (``REFRESH-INTERVAL`` and ``X-PUBLISHED-TTL``).
- One VEVENT per event, cancelled ones included (``STATUS:CANCELLED``, so that subscribed
  calendars remove them), with a stable ``UID`` (``<uuid>@artops``), ``SEQUENCE``, and
  ``DTSTAMP`` / ``LAST-MODIFIED`` / ``CREATED`` in UTC.
- Timed events carry ``TZID`` of the train's time zone and the matching ``VTIMEZONE``
  blocks; all-day events are ``VALUE=DATE`` with an exclusive ``DTEND``.
- The window: from 60 days ago to 12 months ahead, so that last month's events stay visible
  and the next quarter is always there with room to spare.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import icalendar

from artops.calendar.models import CalendarEvent
from artops.models import ART

PRODID = "-//ARTops//ART calendar//EN"
REFRESH = timedelta(hours=1)
WINDOW_BEFORE = timedelta(days=60)
WINDOW_AFTER = timedelta(days=366)
# Boundaries are markers, not meetings: they do not make anyone look busy.
TRANSPARENT_KINDS = frozenset(
    {CalendarEvent.Kind.ITERATION_START, CalendarEvent.Kind.PI_START, CalendarEvent.Kind.PI_END}
)


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    """The instants a feed covers: 60 days back, 12 months ahead."""
    return now - WINDOW_BEFORE, now + WINDOW_AFTER


def event_uid(event: CalendarEvent) -> str:
    return f"{event.uid}@artops"


def build_feed(
    events: Iterable[CalendarEvent],
    *,
    name: str,
    now: datetime,
    time_zone: str,
    page_url: Callable[[ART], str | None] = lambda art: None,
    label_trains: bool = False,
) -> bytes:
    """The feed's bytes. ``events`` come with their train (``select_related("art")``);
    ``page_url`` gives the address of a train's calendar page (or None: no URL is written);
    ``label_trains`` prefixes each summary with its train, for a feed of several trains."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.calendar_name = name  # NAME and X-WR-CALNAME
    calendar.add("x-wr-timezone", time_zone)
    calendar.add("refresh-interval", icalendar.vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH))

    stamp = now.astimezone(UTC)
    for event in events:
        calendar.add_component(_vevent(event, stamp=stamp, page_url=page_url, label_trains=label_trains))

    # VTIMEZONE blocks for every zone used, covering the window with a year to spare either side.
    window_start, window_end = feed_window(now)
    calendar.add_missing_timezones(
        first_date=(window_start - timedelta(days=366)).date(), last_date=(window_end + timedelta(days=366)).date()
    )
    return calendar.to_ical()


def _vevent(
    event: CalendarEvent, *, stamp: datetime, page_url: Callable[[ART], str | None], label_trains: bool
) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", event_uid(event))
    vevent.add("dtstamp", stamp)
    vevent.add("created", event.created_at.astimezone(UTC))
    vevent.add("last-modified", event.updated_at.astimezone(UTC))
    vevent.add("sequence", event.sequence)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    vevent.add("summary", f"[{event.art.name}] {event.title}" if label_trains else event.title)
    if event.all_day:
        vevent.add("dtstart", event.start_date)  # a date: VALUE=DATE
        vevent.add("dtend", event.end_date)  # exclusive, as stored
    else:
        tz = event.art.tz
        vevent.add("dtstart", event.starts_at.astimezone(tz))  # TZID=<the train's zone>
        vevent.add("dtend", event.ends_at.astimezone(tz))
    vevent.add("transp", "TRANSPARENT" if event.kind in TRANSPARENT_KINDS else "OPAQUE")
    vevent.add("categories", [event.get_kind_display()])
    if event.description:
        vevent.add("description", event.description)
    if event.location:
        vevent.add("location", event.location)
    url = page_url(event.art)
    if url:
        vevent.add("url", url)
    return vevent
