"""What the sync app gives the lower pages through ``artops.extensions``: where each calendar event leads
(its sync, the page that opens it, its System Demo or the list of demos), in a constant number of queries."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from artops import extensions
from artops.calendar.models import CalendarEvent
from sync import services
from tests.helpers import count_queries, url

pytestmark = pytest.mark.django_db


def sync_event(art, pi, day: date, kind: str = "art_sync") -> CalendarEvent:
    starts = datetime.combine(day, time(8), tzinfo=UTC)
    return CalendarEvent.objects.create(
        art=art, pi=pi, kind=kind, title=kind, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )


def demo_event(art, pi, day: date) -> CalendarEvent:
    return CalendarEvent.objects.create(
        art=art, pi=pi, kind="system_demo", title="System Demo", start_date=day, end_date=day + timedelta(days=1)
    )


def test_calendar_events_lead_to_their_sync_or_demo(art, pi, iterations, rte):
    opened = sync_event(art, pi, date(2026, 10, 13))
    meeting = services.open_meeting_for_event(opened, by=rte)
    waiting = sync_event(art, pi, date(2026, 10, 15), kind="po_sync")
    demo = services.create_system_demo(art, iteration=iterations[1], by=rte)
    held = demo_event(art, pi, iterations[1].end_date)
    not_yet = demo_event(art, pi, iterations[2].end_date)
    other = CalendarEvent.objects.create(
        art=art, kind="other", title="Offsite", start_date=date(2026, 10, 20), end_date=date(2026, 10, 21)
    )
    links = extensions.links(extensions.CALENDAR_EVENT_LINKS, events=[opened, waiting, held, not_yet, other])
    assert links == {
        opened.pk: url("sync_meeting", art, meeting_id=meeting.pk),
        waiting.pk: url("sync_calendar_event", art, event_id=waiting.pk),
        held.pk: url("sync_demo", art, demo_id=demo.pk),
        not_yet.pk: url("sync_demos", art),
    }
    assert services.open_meeting_for_event(opened, by=rte) == meeting  # gets, does not create a second


def test_calendar_links_cost_the_same_few_queries_for_any_number_of_events(art, pi, iterations, rte):
    def events(number: int) -> list[CalendarEvent]:
        made = [sync_event(art, pi, date(2026, 10, 5) + timedelta(days=index)) for index in range(number)]
        made += [demo_event(art, pi, iterations[1 + index % 4].end_date) for index in range(number)]
        return list(CalendarEvent.objects.filter(pk__in=[event.pk for event in made]))

    small, _ = count_queries(extensions.links, extensions.CALENDAR_EVENT_LINKS, events=events(2))
    large, links = count_queries(extensions.links, extensions.CALENDAR_EVENT_LINKS, events=events(20))
    # the trains' slugs and zones, the syncs opened from these events, the demos of these trains
    assert small == large == 3 and len(links) == 40


def test_a_cancelled_event_opens_no_sync(art, pi, rte):
    from django.core.exceptions import ValidationError

    event = sync_event(art, pi, date(2026, 10, 13))
    CalendarEvent.objects.filter(pk=event.pk).update(status="cancelled")
    event.refresh_from_db()
    with pytest.raises(ValidationError, match="cancelled"):
        services.open_meeting_for_event(event, by=rte)
