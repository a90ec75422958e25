"""Who may do what with the ART calendar: the RTE manages it (``art.manage``), every member reads
it, an outsider (the RTE of another train) finds nothing (404), an anonymous visitor logs in
first (302 on pages, 401 on the API). Over the pages, the management endpoints (plain and
htmx) and the API, for every persona.
"""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from artops.calendar import services
from artops.calendar.models import CalendarCadence, CalendarEvent
from tests.conftest import PERSONAS
from tests.helpers import HTMX, expected, login, url

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 9, 1, 9, 0, tzinfo=BERLIN)
EVENTS = "/api/calendar-events/"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def sync(art, pi, rte, everyone):
    """The PI's calendar is published; this is its first ART Sync."""
    services.update_calendar_cadence(art, by=rte, art_sync_weekday=0, art_sync_time=time(10, 0))
    services.generate_calendar(pi, by=rte)
    return CalendarEvent.objects.for_pi(pi).filter(kind=CalendarEvent.Kind.ART_SYNC).order_by("starts_at").first()


def is_rte(persona: str) -> bool:
    return persona == "rte"


def write_requests(art, pi, sync) -> dict[str, tuple[str, dict]]:
    """Every management endpoint with a valid body: (URL, data)."""
    cadence = CalendarCadence.of(art)
    settings = {
        "art_sync_weekday": "2",
        "art_sync_time": "10:00",
        "po_sync_weekday": "3",
        "po_sync_time": "09:00",
        "coach_sync_weekday": "1",
        "coach_sync_time": "09:00",
        "system_demo_time": "14:00",
        "inspect_adapt_time": "09:00",
        "pi_planning_placement": "previous_ip",
        "version": cadence.version,
    }
    event = {"title": "CoP", "kind": "community_of_practice", "day": "2026-10-08", "starts": "15:00", "ends": "16:00"}
    return {
        "generate": (url("calendar_generate", art), {"pi": pi.pk}),
        "settings": (url("calendar_settings", art), settings),
        "add": (url("calendar_event_add", art), event),
        "edit": (url("calendar_event", art, event_id=sync.pk), {**event, "version": sync.version}),
        "cancel": (url("calendar_event_cancel", art, event_id=sync.pk), {"version": sync.version}),
    }


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_the_pages(client, art, sync, persona, request):
    name = request.node.callspec.params["persona"]
    login(client, persona)
    member = name not in ("outsider", "anonymous")
    assert client.get(url("art_calendar", art)).status_code == expected(name, True)
    assert client.get(url("calendar_event", art, event_id=sync.pk)).status_code == expected(name, True)
    assert client.get(url("calendar_settings", art)).status_code == expected(name, is_rte(name))
    assert client.get(url("calendar_event_add", art)).status_code == expected(name, is_rte(name))
    if member:
        # The controls show only to those who may use them.
        calendar = client.get(url("art_calendar", art)).content.decode()
        event = client.get(url("calendar_event", art, event_id=sync.pk)).content.decode()
        assert ("Generate the calendar of" in calendar) is is_rte(name)
        assert ("Calendar settings" in calendar) is is_rte(name)
        assert ("Change or move" in event and "Cancel this event" in event) is is_rte(name)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_the_management_endpoints(client, art, pi, sync, persona, htmx, request):
    name = request.node.callspec.params["persona"]
    login(client, persona)
    headers = HTMX if htmx else {}
    done = 200 if htmx else 302
    for action in ("generate", "settings", "add", "edit", "cancel"):
        # Each with the versions as they are now (the RTE's edit raised the event's).
        path, data = write_requests(art, pi, CalendarEvent.objects.get(pk=sync.pk))[action]
        before = list(CalendarEvent.objects.order_by("pk").values())
        response = client.post(path, data, headers=headers)
        assert response.status_code == expected(name, is_rte(name), ok=done), (action, response.content[:300])
        if not is_rte(name):
            assert list(CalendarEvent.objects.order_by("pk").values()) == before, action
    stored = CalendarEvent.objects.get(pk=sync.pk)
    assert stored.cancelled is is_rte(name)


def api_expected(name: str, allowed: bool, ok: int = 200, *, outsider: int = 404) -> int:
    if name == "anonymous":
        return 401
    if name == "outsider":
        return outsider
    return ok if allowed else 403


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_the_api(api_client, art, pi, sync, persona, request):
    name = request.node.callspec.params["persona"]
    login(api_client, persona)
    listed = api_client.get(EVENTS)
    assert listed.status_code == api_expected(name, True, outsider=200)
    if name == "outsider":
        assert listed.data["count"] == 0  # another train's events are not there at all
    assert api_client.get(f"{EVENTS}{sync.pk}/").status_code == api_expected(name, True)

    event = {"art": art.slug, "title": "CoP", "starts_at": "2026-10-08T15:00:00+02:00"}
    event["ends_at"] = "2026-10-08T16:00:00+02:00"
    # An outsider names a train that is not theirs: unknown (400), as any other unknown train.
    created = api_client.post(EVENTS, event, format="json")
    assert created.status_code == api_expected(name, is_rte(name), ok=201, outsider=400)
    generated = api_client.post(f"{EVENTS}generate/", {"pi": pi.pk}, format="json")
    assert generated.status_code == api_expected(name, is_rte(name), outsider=400)
    moved = api_client.patch(f"{EVENTS}{sync.pk}/", {"title": "Moved", "version": sync.version}, format="json")
    assert moved.status_code == api_expected(name, is_rte(name))
    version = sync.version + (1 if is_rte(name) else 0)
    cancelled = api_client.post(f"{EVENTS}{sync.pk}/cancel/", {"version": version}, format="json")
    assert cancelled.status_code == api_expected(name, is_rte(name))
    restored = api_client.post(f"{EVENTS}{sync.pk}/restore/", {"version": version + 1}, format="json")
    assert restored.status_code == api_expected(name, is_rte(name))

    stored = CalendarEvent.objects.get(pk=sync.pk)
    assert (stored.title == "Moved") is is_rte(name)
    assert CalendarEvent.objects.filter(title="CoP").exists() is is_rte(name)
