"""The calendar API (``/api/calendar-events/``): filters, reading, the RTE's writes with their
versions, refusals (400, never a 500, nothing saved) and the list's query count.

The train (``art``) works in Europe/Berlin; its PI (``pi``) starts on Monday 5 October 2026.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from artops.calendar import services
from artops.calendar.models import CalendarEvent
from tests.factories import make_pi

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 9, 1, 9, 0, tzinfo=BERLIN)
EVENTS = "/api/calendar-events/"
Kind = CalendarEvent.Kind


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def published(art, pi, rte):
    services.update_calendar_cadence(art, by=rte, art_sync_weekday=0, art_sync_time=time(10, 0))
    services.generate_calendar(pi, by=rte)
    return pi


def first_sync(pi) -> CalendarEvent:
    return CalendarEvent.objects.for_pi(pi).filter(kind=Kind.ART_SYNC).order_by("starts_at").first()


def rows(api_client, query: dict) -> list[dict]:
    response = api_client.get(EVENTS, query)
    assert response.status_code == 200, response.data
    return response.data["results"]


def test_list_and_filters(api_client, art, published, team_member, rte):
    sync = first_sync(published)
    api_client.force_login(team_member)
    everything = rows(api_client, {"page_size": 500})
    assert api_client.get(EVENTS).data["count"] == CalendarEvent.objects.count()
    first = everything[0]
    assert first["kind"] == Kind.PI_PLANNING and first["all_day"] and first["end_date"] == "2026-10-03"
    syncs = rows(api_client, {"kind": "art_sync", "pi": published.pk, "art": "payments"})
    assert syncs[0]["id"] == sync.pk and syncs[0]["starts_at"] == "2026-10-05T08:00:00Z"  # 10:00 in Berlin
    assert syncs[0]["page"] == f"http://testserver/arts/payments/calendar/events/{sync.pk}/"
    assert syncs[0]["uid"] == str(sync.uid) and syncs[0]["generated"] is True
    # One week, by the train's days: Monday 12 to Sunday 18 October.
    week = rows(api_client, {"from": "2026-10-12", "to": "2026-10-18"})
    assert {row["title"] for row in week} == {"ART Sync", "System Demo — Iteration 1"}
    monday = rows(api_client, {"from": "2026-10-19", "to": "2026-10-19"})
    assert {row["title"] for row in monday} == {"ART Sync", "Iteration 2 starts"}
    assert rows(api_client, {"pi": 999999}) == []
    services.cancel_event(sync, by=rte, expected_version=sync.version)
    assert [row["id"] for row in rows(api_client, {"status": "cancelled"})] == [sync.pk]


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-02-30"},
        {"from": "10/12/2026"},
        {"to": "2026-W41-1"},
        {"to": "9" * 5000},
        {"pi": "²"},
        {"pi": "9" * 5000},
        {"pi": "-1"},
        {"kind": "party"},
        {"from": "0001-01-01"},
    ],
)
def test_bad_filters_answer_400(api_client, art, published, team_member, query):
    api_client.force_login(team_member)
    response = api_client.get(EVENTS, query)
    assert response.status_code == 400
    assert set(response.data) == set(query)


@pytest.mark.parametrize("size", ["small", "large"])
def test_the_list_takes_a_constant_number_of_queries(api_client, art, pi, rte, size, django_assert_num_queries):
    services.generate_calendar(pi, by=rte)
    if size == "large":
        following = make_pi(art, name="PI 2027.1", start=date(2026, 12, 14))
        services.generate_calendar(following, by=rte)
        for n in range(30):
            start = datetime(2026, 10, 2, 9, tzinfo=BERLIN) + timedelta(days=n)
            services.add_event(art, by=rte, title=f"CoP {n}", starts_at=start, ends_at=start + timedelta(hours=1))
    api_client.force_login(rte)
    # Session, user, the count, the page of events (with their train and PI).
    with django_assert_num_queries(4):
        response = api_client.get(EVENTS)
    assert response.status_code == 200
    assert len(response.data["results"]) == (response.data["count"] if size == "small" else 50)


def test_the_rte_adds_moves_cancels_and_restores(api_client, art, pi, rte):
    api_client.force_login(rte)
    created = api_client.post(
        EVENTS,
        {
            "art": "payments",
            "pi": pi.pk,
            "kind": "community_of_practice",
            "title": "Testing CoP",
            "starts_at": "2026-10-08T15:00:00+02:00",
            "ends_at": "2026-10-08T16:00:00+02:00",
        },
        format="json",
    )
    assert created.status_code == 201, created.data
    event = CalendarEvent.objects.get(pk=created.data["id"])
    assert (event.title, event.pi, event.sequence, event.version) == ("Testing CoP", pi, 0, 1)

    moved = api_client.patch(
        f"{EVENTS}{event.pk}/",
        {"starts_at": "2026-10-09T15:00:00+02:00", "ends_at": "2026-10-09T16:00:00+02:00", "version": 1},
        format="json",
    )
    assert moved.status_code == 200 and moved.data["sequence"] == 1 and moved.data["version"] == 2
    stale = api_client.patch(f"{EVENTS}{event.pk}/", {"title": "Old", "version": 1}, format="json")
    assert stale.status_code == 409
    assert CalendarEvent.objects.get(pk=event.pk).title == "Testing CoP"

    cancelled = api_client.post(f"{EVENTS}{event.pk}/cancel/", {"version": 2}, format="json")
    assert cancelled.status_code == 200 and cancelled.data["status"] == "cancelled"
    assert api_client.post(f"{EVENTS}{event.pk}/cancel/", {"version": 2}, format="json").status_code == 409
    restored = api_client.post(f"{EVENTS}{event.pk}/restore/", {"version": 3}, format="json")
    assert restored.status_code == 200 and restored.data["status"] == "confirmed"

    all_day = api_client.patch(
        f"{EVENTS}{event.pk}/",
        {"starts_at": None, "ends_at": None, "start_date": "2026-10-12", "end_date": "2026-10-13", "version": 4},
        format="json",
    )
    assert all_day.status_code == 200 and all_day.data["all_day"]


def test_the_rte_generates_a_pi_calendar(api_client, art, pi, rte):
    api_client.force_login(rte)
    response = api_client.post(f"{EVENTS}generate/", {"pi": pi.pk}, format="json")
    assert response.status_code == 200
    assert response.data["created"] == CalendarEvent.objects.count() > 10
    again = api_client.post(f"{EVENTS}generate/", {"pi": pi.pk}, format="json")
    assert (again.data["created"], again.data["kept"]) == (0, response.data["created"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ends_at": "2026-10-08T14:00:00+02:00"}, "ends_at"),
        ({"title": "x" * 10_000}, "title"),
        ({"title": "a\x00b"}, "title"),
        ({"pi": "²"}, "pi"),
        ({"pi": "9" * 5000}, "pi"),
        ({"art": "lending"}, "art"),
        ({"starts_at": "2026-02-30T10:00:00Z"}, "starts_at"),
        ({"starts_at": "0001-01-01T00:00:00+01:00"}, "starts_at"),
        ({"kind": "party"}, "kind"),
        ({"location": "x" * 201}, "location"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(api_client, art, pi, rte, other_art, body, field):
    api_client.force_login(rte)
    good = {
        "art": "payments",
        "title": "CoP",
        "starts_at": "2026-10-08T15:00:00+02:00",
        "ends_at": "2026-10-08T16:00:00+02:00",
    }
    response = api_client.post(EVENTS, {**good, **body}, format="json")
    assert response.status_code == 400, response.data
    assert field in response.data
    assert not CalendarEvent.objects.exists()


def test_an_event_id_that_is_not_one_answers_404(api_client, art, rte):
    api_client.force_login(rte)
    for segment in ("9" * 5000, "99999999999999999999"):
        assert api_client.get(f"{EVENTS}{segment}/").status_code == 404
        assert api_client.post(f"{EVENTS}{segment}/cancel/", {"version": 1}, format="json").status_code == 404


def test_the_schema_documents_the_endpoints(api_client, rte):
    api_client.force_login(rte)
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/calendar-events/"])
    assert "patch" in paths["/api/calendar-events/{id}/"]
    assert {"/api/calendar-events/{id}/cancel/", "/api/calendar-events/generate/"} <= set(paths)
    names = {parameter["name"] for parameter in paths["/api/calendar-events/"]["get"]["parameters"]}
    assert {"art", "pi", "kind", "status", "from", "to", "page"} <= names
