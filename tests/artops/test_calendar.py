"""The ART calendar's services, called directly: generation from the cadence, regeneration,
hand edits, feed links, permissions and refusals.

The train (``art``) works in Europe/Berlin; the PI (``pi``) starts on Monday 5 October 2026
with four two-week iterations and the IP iteration from 30 November to 13 December.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from artops.calendar import services
from artops.calendar.models import (
    CalendarCadence,
    CalendarEvent,
    CalendarFeedToken,
    hash_feed_token,
    quarter_ahead,
    quarter_window,
)
from artops.calendar.schedule import Placement
from artops.models import Membership
from artops.services import StaleVersion

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
Kind = CalendarEvent.Kind
Status = CalendarEvent.Status
BEFORE_THE_PI = datetime(2026, 9, 1, 9, 0, tzinfo=BERLIN)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


def of_kind(pi, kind) -> list[CalendarEvent]:
    return list(CalendarEvent.objects.for_pi(pi).filter(kind=kind))


def sync_days(pi, kind=Kind.ART_SYNC, status=Status.CONFIRMED) -> list[date]:
    events = CalendarEvent.objects.for_pi(pi).filter(kind=kind, status=status)
    return [event.starts_at.astimezone(BERLIN).date() for event in events]


def mondays(first: date, last: date) -> list[date]:
    return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


def snapshot() -> dict[str, list]:
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (CalendarCadence, CalendarEvent, CalendarFeedToken)
    }


@pytest.fixture
def monday_syncs(art, rte):
    return services.update_calendar_cadence(art, by=rte, art_sync_weekday=0, art_sync_time=time(10, 0))


# --- the cadence --------------------------------------------------------------------------


def test_a_train_gets_the_default_cadence_on_first_use(art):
    cadence = CalendarCadence.of(art)
    assert cadence.art_sync_weekdays == [1]  # weekly, on Tuesday
    assert cadence.art_sync_time == time(10, 0)
    assert not cadence.po_coach_syncs_apart
    assert cadence.pi_planning_placement == Placement.PREVIOUS_IP
    assert CalendarCadence.of(art).pk == cadence.pk


def test_update_calendar_cadence_checks_the_version(art, rte):
    cadence = services.update_calendar_cadence(art, by=rte, art_sync_second_weekday=3)
    assert cadence.twice_weekly and cadence.art_sync_weekdays == [1, 3]
    with pytest.raises(StaleVersion):
        services.update_calendar_cadence(art, by=rte, expected_version=cadence.version - 1, art_sync_weekday=0)
    services.update_calendar_cadence(art, by=rte, expected_version=cadence.version, art_sync_weekday=0)
    assert CalendarCadence.of(art).art_sync_weekdays == [0, 3]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"art_sync_weekday": 7}, "Choose a working day: 0 (Monday) to 4 (Friday)"),
        ({"art_sync_weekday": -1}, "Choose a working day"),
        ({"po_sync_weekday": 5}, "Choose a working day"),
        ({"art_sync_weekday": 2, "art_sync_second_weekday": 2}, "two different days"),
        ({"pi_planning_placement": "whenever"}, "is not a valid choice"),
        ({"art_sync_time": "25:00"}, "invalid time"),
        ({"colour": "red"}, "These calendar settings do not exist: colour."),
    ],
)
def test_bad_cadence_is_refused_and_nothing_is_saved(art, rte, changes, message):
    CalendarCadence.of(art)
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        services.update_calendar_cadence(art, by=rte, **changes)
    assert message in messages_of(refused.value)
    assert snapshot() == before


# --- generating a PI's calendar -----------------------------------------------------------


def test_weekly_generation_places_every_event_of_the_pi(pi, rte, monday_syncs):
    result = services.generate_calendar(pi, by=rte, now=BEFORE_THE_PI)

    # PI Planning in the previous PI's IP iteration: its last two working days (Thursday, Friday).
    (planning,) = of_kind(pi, Kind.PI_PLANNING)
    assert (planning.start_date, planning.end_date) == (date(2026, 10, 1), date(2026, 10, 3))
    assert planning.all_day and planning.title == "PI Planning — PI 2026.4"

    # ART Sync every Monday of the PI, 10:00 to 11:30 local time (90 minutes).
    assert sync_days(pi) == mondays(date(2026, 10, 5), date(2026, 12, 7))
    for sync in of_kind(pi, Kind.ART_SYNC):
        start, end = sync.starts_at.astimezone(BERLIN), sync.ends_at.astimezone(BERLIN)
        assert (start.time(), end.time()) == (time(10, 0), time(11, 30))

    # System Demo on the last working day (Friday) of each development iteration, 14:00–16:00.
    demos = of_kind(pi, Kind.SYSTEM_DEMO)
    assert [demo.starts_at for demo in demos] == [
        local(date(2026, 10, 16), 14),
        local(date(2026, 10, 30), 14),
        local(date(2026, 11, 13), 14),
        local(date(2026, 11, 27), 14),
    ]
    assert [demo.title for demo in demos] == [f"System Demo — Iteration {n}" for n in range(1, 5)]

    # Inspect & Adapt on the IP iteration's Wednesday, before the next PI's Planning (Thu–Fri).
    (inspect_adapt,) = of_kind(pi, Kind.INSPECT_ADAPT)
    assert (inspect_adapt.starts_at, inspect_adapt.ends_at) == (
        local(date(2026, 12, 9), 9),
        local(date(2026, 12, 9), 13),
    )

    # Boundaries as all-day events with an exclusive end.
    boundaries = [
        (event.kind, event.title, event.start_date, event.end_date)
        for event in CalendarEvent.objects.for_pi(pi).filter(start_date__isnull=False).exclude(kind=Kind.PI_PLANNING)
    ]
    assert boundaries == [
        (Kind.PI_START, "PI 2026.4 starts", date(2026, 10, 5), date(2026, 10, 6)),
        (Kind.ITERATION_START, "Iteration 2 starts", date(2026, 10, 19), date(2026, 10, 20)),
        (Kind.ITERATION_START, "Iteration 3 starts", date(2026, 11, 2), date(2026, 11, 3)),
        (Kind.ITERATION_START, "Iteration 4 starts", date(2026, 11, 16), date(2026, 11, 17)),
        (Kind.ITERATION_START, "IP iteration starts", date(2026, 11, 30), date(2026, 12, 1)),
        (Kind.PI_END, "PI 2026.4 ends", date(2026, 12, 13), date(2026, 12, 14)),
    ]
    assert not of_kind(pi, Kind.PO_SYNC) and not of_kind(pi, Kind.COACH_SYNC)
    total = CalendarEvent.objects.for_pi(pi).count()
    assert total == 1 + 10 + 4 + 1 + 6
    assert result == services.GenerationResult(created=total)
    assert CalendarEvent.objects.filter(source_key=f"pi-{pi.pk}/art-sync/2026-10-12").exists()
    assert all(event.sequence == 0 and event.status == Status.CONFIRMED for event in CalendarEvent.objects.all())


def test_sync_times_are_local_across_the_daylight_saving_change(pi, rte, monday_syncs):
    services.generate_calendar(pi, by=rte, now=BEFORE_THE_PI)
    syncs = {sync.starts_at.astimezone(BERLIN).date(): sync for sync in of_kind(pi, Kind.ART_SYNC)}
    # Berlin leaves summer time on Sunday 25 October 2026: 10:00 is 08:00 UTC before, 09:00 after.
    assert syncs[date(2026, 10, 19)].starts_at.astimezone(UTC) == datetime(2026, 10, 19, 8, 0, tzinfo=UTC)
    assert syncs[date(2026, 10, 26)].starts_at.astimezone(UTC) == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    assert syncs[date(2026, 10, 26)].ends_at.astimezone(UTC) == datetime(2026, 10, 26, 10, 30, tzinfo=UTC)


def test_twice_weekly_art_sync_skips_the_next_pi_planning(pi, art, rte):
    services.update_calendar_cadence(art, by=rte, art_sync_weekday=0, art_sync_second_weekday=3)
    services.generate_calendar(pi, by=rte, now=BEFORE_THE_PI)

    thursdays = [day for day in mondays(date(2026, 10, 8), date(2026, 12, 10)) if day != date(2026, 12, 10)]
    assert sync_days(pi) == sorted(mondays(date(2026, 10, 5), date(2026, 12, 7)) + thursdays)
    # Thursday 10 December is the first day of the next PI's Planning: no sync then.
    assert date(2026, 12, 10) not in sync_days(pi)


def test_pi_planning_at_the_pi_start(pi, art, rte, monday_syncs):
    services.update_calendar_cadence(art, by=rte, pi_planning_placement=Placement.PI_START)
    services.generate_calendar(pi, by=rte, now=BEFORE_THE_PI)

    (planning,) = of_kind(pi, Kind.PI_PLANNING)
    assert (planning.start_date, planning.end_date) == (date(2026, 10, 5), date(2026, 10, 7))
    # No ART Sync on the first PI Planning day; I&A on the IP iteration's last working day.
    assert sync_days(pi) == mondays(date(2026, 10, 12), date(2026, 12, 7))
    (inspect_adapt,) = of_kind(pi, Kind.INSPECT_ADAPT)
    assert inspect_adapt.starts_at == local(date(2026, 12, 11), 9)


def test_po_and_coach_syncs_held_apart(pi, art, rte, monday_syncs):
    services.update_calendar_cadence(
        art,
        by=rte,
        po_coach_syncs_apart=True,
        po_sync_weekday=3,
        po_sync_time=time(9, 30),
        coach_sync_weekday=1,
        coach_sync_time=time(8, 0),
    )
    services.generate_calendar(pi, by=rte, now=BEFORE_THE_PI)

    assert sync_days(pi, Kind.COACH_SYNC) == mondays(date(2026, 10, 6), date(2026, 12, 8))
    assert sync_days(pi, Kind.PO_SYNC) == mondays(date(2026, 10, 8), date(2026, 12, 3))  # not on 10 December
    po_sync = of_kind(pi, Kind.PO_SYNC)[0]
    assert (po_sync.starts_at, po_sync.ends_at) == (local(date(2026, 10, 8), 9, 30), local(date(2026, 10, 8), 10, 30))


def test_generation_is_set_based(pi, rte, monday_syncs, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        services.generate_calendar(pi, by=rte, now=BEFORE_THE_PI)
    with django_assert_max_num_queries(10):
        services.generate_calendar(pi, by=rte, now=BEFORE_THE_PI)


def test_generating_again_changes_nothing(pi, rte, monday_syncs):
    created = services.generate_calendar(pi, by=rte, now=BEFORE_THE_PI).created
    before = snapshot()
    result = services.generate_calendar(pi, by=rte, now=BEFORE_THE_PI)
    assert result == services.GenerationResult(kept=created)
    assert snapshot() == before


def test_regeneration_after_a_cadence_change_keeps_past_and_hand_edited_events(pi, art, rte, monday_syncs):
    with time_machine.travel(BEFORE_THE_PI, tick=False):
        services.generate_calendar(pi, by=rte)
    uids = dict(CalendarEvent.objects.values_list("source_key", "uid"))
    moved = CalendarEvent.objects.get(source_key=f"pi-{pi.pk}/art-sync/2026-11-02")

    # Wednesday 21 October, mid-PI: the RTE has moved the 2 November sync to Tuesday by hand...
    with time_machine.travel(local(date(2026, 10, 21), 12), tick=False):
        services.edit_event(
            moved,
            by=rte,
            expected_version=moved.version,
            starts_at=local(date(2026, 11, 3), 10),
            ends_at=local(date(2026, 11, 3), 11, 30),
        )
        # ...and now the train moves ART Sync to Tuesdays at 11:00 and demos to 15:00.
        services.update_calendar_cadence(
            art, by=rte, art_sync_weekday=1, art_sync_time=time(11, 0), system_demo_time=time(15, 0)
        )
        result = services.generate_calendar(pi, by=rte)

    events = {event.source_key: event for event in CalendarEvent.objects.for_pi(pi)}
    key = f"pi-{pi.pk}"
    # Past Monday syncs stay as they were held.
    for day in ("2026-10-05", "2026-10-12", "2026-10-19"):
        past = events[f"{key}/art-sync/{day}"]
        assert (past.status, past.sequence, past.starts_at.astimezone(BERLIN).time()) == (
            Status.CONFIRMED,
            0,
            time(10, 0),
        )
    # The hand-moved sync stays where the RTE put it.
    kept = events[f"{key}/art-sync/2026-11-02"]
    assert (kept.status, kept.starts_at, kept.edited_by_hand) == (Status.CONFIRMED, local(date(2026, 11, 3), 10), True)
    # Future Monday syncs are cancelled, not deleted: the feed tells calendars to remove them.
    cancelled_days = ["2026-10-26", "2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30", "2026-12-07"]
    for day in cancelled_days:
        dropped = events[f"{key}/art-sync/{day}"]
        assert (dropped.status, dropped.sequence) == (Status.CANCELLED, 1)
    # Tuesday syncs from now on, none in the past (beside the hand-moved one on 3 November).
    assert sync_days(pi) == [
        date(2026, 10, 5),
        date(2026, 10, 12),
        date(2026, 10, 19),
        date(2026, 10, 27),
        date(2026, 11, 3),  # the hand-moved one, at 10:00
        *mondays(date(2026, 11, 3), date(2026, 12, 8)),  # Tuesdays, at 11:00
    ]
    tuesday = events[f"{key}/art-sync/2026-10-27"]
    assert tuesday.starts_at == local(date(2026, 10, 27), 11)
    assert f"{key}/art-sync/2026-10-20" not in events  # would have been in the past
    # The past demo keeps 14:00; future demos move to 15:00 with a higher SEQUENCE and the same UID.
    demos = [events[f"{key}/system-demo/{n}"] for n in range(1, 5)]
    assert [(demo.starts_at.astimezone(BERLIN).hour, demo.sequence) for demo in demos] == [
        (14, 0),
        (15, 1),
        (15, 1),
        (15, 1),
    ]
    assert all(demo.uid == uids[demo.source_key] for demo in demos)
    assert result.created == 7
    assert result.cancelled == len(cancelled_days)
    assert result.updated == 3
    assert result.kept == CalendarEvent.objects.count() - 7 - 6 - 3


def test_a_dropped_event_comes_back_when_the_cadence_returns(pi, art, rte, monday_syncs):
    services.generate_calendar(pi, by=rte, now=BEFORE_THE_PI)
    services.update_calendar_cadence(art, by=rte, art_sync_weekday=2)
    services.generate_calendar(pi, by=rte, now=BEFORE_THE_PI)
    services.update_calendar_cadence(art, by=rte, art_sync_weekday=0)
    result = services.generate_calendar(pi, by=rte, now=BEFORE_THE_PI)

    monday = CalendarEvent.objects.get(source_key=f"pi-{pi.pk}/art-sync/2026-10-12")
    assert (monday.status, monday.sequence) == (Status.CONFIRMED, 2)
    assert result.updated == 10 and result.cancelled == 9  # no Wednesday sync on 9 December: I&A


def test_regeneration_follows_a_changed_pi_schedule(pi, rte, monday_syncs):
    from artops import services as core

    services.generate_calendar(pi, by=rte, now=BEFORE_THE_PI)
    core.update_pi(pi, by=rte, start_date=date(2026, 10, 12))
    pi.refresh_from_db()
    result = services.generate_calendar(pi, by=rte, now=BEFORE_THE_PI)

    (planning,) = of_kind(pi, Kind.PI_PLANNING)
    assert (planning.start_date, planning.sequence) == (date(2026, 10, 8), 1)
    assert CalendarEvent.objects.get(source_key=f"pi-{pi.pk}/art-sync/2026-10-05").status == Status.CANCELLED
    assert result.created == 1  # the sync on Monday 14 December, the PI's new last week


# --- single events by hand ----------------------------------------------------------------


def test_moving_an_event_keeps_its_uid_and_raises_its_sequence(pi, rte, monday_syncs):
    services.generate_calendar(pi, by=rte, now=BEFORE_THE_PI)
    demo = CalendarEvent.objects.get(source_key=f"pi-{pi.pk}/system-demo/1")

    renamed = services.edit_event(demo, by=rte, expected_version=demo.version, location=" Room 4 ")
    assert (renamed.location, renamed.sequence, renamed.version) == ("Room 4", 0, 2)

    moved = services.edit_event(
        renamed,
        by=rte,
        expected_version=renamed.version,
        starts_at=local(date(2026, 10, 15), 14),
        ends_at=local(date(2026, 10, 15), 16),
    )
    moved.refresh_from_db()
    assert (moved.uid, moved.sequence, moved.version, moved.edited_by_hand) == (demo.uid, 1, 3, True)
    assert moved.starts_at == local(date(2026, 10, 15), 14)

    with pytest.raises(StaleVersion):
        services.edit_event(moved, by=rte, expected_version=1, title="Too late")


def test_an_event_turns_all_day(art, rte):
    event = services.add_event(
        art, by=rte, title="Guild", starts_at=local(date(2026, 10, 7), 15), ends_at=local(date(2026, 10, 7), 16)
    )
    event = services.edit_event(
        event,
        by=rte,
        expected_version=event.version,
        starts_at=None,
        ends_at=None,
        start_date=date(2026, 10, 7),
        end_date=date(2026, 10, 8),
    )
    assert event.all_day and event.sequence == 1


def test_cancel_and_restore(pi, rte, monday_syncs):
    services.generate_calendar(pi, by=rte, now=BEFORE_THE_PI)
    sync = CalendarEvent.objects.get(source_key=f"pi-{pi.pk}/art-sync/2026-10-12")

    cancelled = services.cancel_event(sync, by=rte, expected_version=sync.version)
    assert (cancelled.status, cancelled.sequence, cancelled.edited_by_hand) == (Status.CANCELLED, 1, True)
    with pytest.raises(ValidationError, match="already cancelled"):
        services.cancel_event(cancelled, by=rte, expected_version=cancelled.version)
    # Generating again does not bring a hand-cancelled event back.
    services.generate_calendar(pi, by=rte, now=BEFORE_THE_PI)
    assert CalendarEvent.objects.get(pk=sync.pk).status == Status.CANCELLED

    restored = services.restore_event(cancelled, by=rte, expected_version=cancelled.version)
    assert (restored.status, restored.sequence) == (Status.CONFIRMED, 2)
    with pytest.raises(StaleVersion):
        services.cancel_event(restored, by=rte, expected_version=cancelled.version)


def test_add_a_community_of_practice_session(art, pi, rte):
    event = services.add_event(
        art,
        by=rte,
        kind=Kind.COMMUNITY_OF_PRACTICE,
        title=" Testing CoP ",
        starts_at=local(date(2026, 10, 8), 16),
        ends_at=local(date(2026, 10, 8), 17),
        location="Room 2",
        pi=pi,
    )
    assert (event.title, event.source_key, event.sequence, event.version) == ("Testing CoP", None, 0, 1)


TIMED = {"starts_at": datetime(2026, 10, 8, 16, tzinfo=BERLIN), "ends_at": datetime(2026, 10, 8, 17, tzinfo=BERLIN)}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"title": "CoP", "starts_at": TIMED["ends_at"], "ends_at": TIMED["starts_at"]},
            "The event ends before it starts",
        ),
        (
            {"title": "Offsite", "start_date": date(2026, 10, 9), "end_date": date(2026, 10, 9)},
            "The event ends before it starts",
        ),
        ({"title": "x" * 10_000, **TIMED}, "at most 200 characters (it has 10000)"),
        ({"title": "   ", **TIMED}, "This field cannot be blank."),
        ({"title": "CoP", "location": "y" * 201, **TIMED}, "at most 200 characters"),
        ({"title": "CoP", "description": "z" * 4001, **TIMED}, "at most 4000 characters"),
        ({"title": "CoP"}, "Give the event a start and an end"),
        ({"title": "CoP", "starts_at": TIMED["starts_at"]}, "A timed event needs a start and an end."),
        ({"title": "CoP", **TIMED, "start_date": date(2026, 10, 8), "end_date": date(2026, 10, 9)}, "not both"),
        ({"title": "CoP", "kind": "party", **TIMED}, "is not a valid choice"),
        ({"title": "CoP", "starts_at": datetime(2026, 10, 8, 16), "ends_at": datetime(2026, 10, 8, 17)}, "time zone"),
    ],
)
def test_bad_events_are_refused_and_nothing_is_saved(art, rte, fields, message):
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        services.add_event(art, by=rte, **fields)
    assert message in messages_of(refused.value)
    assert snapshot() == before


def test_a_bad_edit_is_refused_and_nothing_is_saved(art, rte):
    event = services.add_event(art, by=rte, title="CoP", **TIMED)
    before = snapshot()
    with pytest.raises(ValidationError, match="ends before it starts"):
        services.edit_event(event, by=rte, expected_version=event.version, ends_at=TIMED["starts_at"])
    with pytest.raises(ValidationError, match="cannot be changed: uid"):
        services.edit_event(event, by=rte, expected_version=event.version, uid="x")
    assert snapshot() == before


def test_a_pi_of_another_train_is_refused(art, rte, other_art):
    from tests.factories import make_pi

    foreign = make_pi(other_art, name="Theirs", start=date(2026, 10, 5))
    with pytest.raises(ValidationError, match="That PI belongs to another train"):
        services.add_event(art, by=rte, title="CoP", pi=foreign, **TIMED)


# --- who may -------------------------------------------------------------------------------

NOT_RTE = [
    "product_manager",
    "system_architect",
    "business_owner",
    "scrum_master",
    "product_owner",
    "team_member",
    "outsider",
    "anonymous",
]


def as_user(persona):
    return AnonymousUser() if persona is None else persona


@pytest.mark.parametrize("persona", NOT_RTE, indirect=True)
def test_only_the_rte_manages_the_calendar(pi, art, rte, persona):
    event = services.add_event(art, by=rte, title="CoP", **TIMED)
    before = snapshot()
    user = as_user(persona)
    calls = [
        lambda: services.update_calendar_cadence(art, by=user, art_sync_weekday=0),
        lambda: services.generate_calendar(pi, by=user, now=BEFORE_THE_PI),
        lambda: services.add_event(art, by=user, title="Mine", **TIMED),
        lambda: services.edit_event(event, by=user, expected_version=event.version, title="Mine"),
        lambda: services.cancel_event(event, by=user, expected_version=event.version),
        lambda: services.restore_event(event, by=user, expected_version=event.version),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied, match="Only the Release Train Engineer"):
            call()
    assert snapshot() == before


def test_the_rte_manages_the_calendar(pi, art, rte):
    services.update_calendar_cadence(art, by=rte, art_sync_weekday=0)
    assert services.generate_calendar(pi, by=rte, now=BEFORE_THE_PI).created > 0
    event = services.add_event(art, by=rte, title="CoP", **TIMED)
    event = services.edit_event(event, by=rte, expected_version=event.version, title="Guild")
    event = services.cancel_event(event, by=rte, expected_version=event.version)
    assert services.restore_event(event, by=rte, expected_version=event.version).status == Status.CONFIRMED


@pytest.mark.parametrize(
    ("persona", "sees"),
    [("rte", True), ("business_owner", True), ("team_member", True), ("outsider", False), ("anonymous", False)],
    indirect=["persona"],
)
def test_events_are_visible_to_members_only(art, rte, persona, sees):
    ours = services.add_event(art, by=rte, title="Ours", **TIMED)
    assert (ours in CalendarEvent.objects.visible_to(as_user(persona))) is sees


def test_an_outsider_sees_their_own_train_only(art, rte, other_art, outsider):
    services.add_event(art, by=rte, title="Ours", **TIMED)
    theirs = CalendarEvent.objects.create(art=other_art, title="Theirs", **TIMED)
    assert list(CalendarEvent.objects.visible_to(outsider)) == [theirs]
    assert not CalendarEvent.objects.visible_to(outsider).for_art(art).exists()


# --- reads ---------------------------------------------------------------------------------


def test_between_upcoming_and_the_quarter_ahead(art, pi, rte, monday_syncs):
    services.generate_calendar(pi, by=rte, now=BEFORE_THE_PI)
    week = CalendarEvent.objects.for_art(art).between(local(date(2026, 10, 12), 0), local(date(2026, 10, 19), 0))
    assert [event.title for event in week] == ["ART Sync", "System Demo — Iteration 1"]

    week_two = CalendarEvent.objects.for_art(art).between(local(date(2026, 10, 19), 0), local(date(2026, 10, 26), 0))
    assert [event.title for event in week_two] == ["Iteration 2 starts", "ART Sync"]

    upcoming = CalendarEvent.objects.for_art(art).upcoming(local(date(2026, 12, 9), 12))
    assert [event.kind for event in upcoming] == [Kind.INSPECT_ADAPT, Kind.PI_END]

    first_day, end_day = quarter_window(date(2026, 9, 30))
    assert (first_day, end_day) == (date(2026, 9, 28), date(2027, 1, 4))
    assert (end_day - date(2026, 9, 30)).days >= 13 * 7
    assert quarter_ahead(art, date(2026, 9, 30)).count() == CalendarEvent.objects.for_pi(pi).count()
    assert quarter_ahead(art, date(2026, 12, 14)).count() == 0


# --- feed links ----------------------------------------------------------------------------


def test_a_new_feed_link_revokes_the_old_one(art, team_member):
    first = services.create_feed_token(team_member, art=art)
    assert len(first.secret) >= 43
    assert first.token_hash == hash_feed_token(first.secret) and first.secret not in first.token_hash
    personal = services.create_feed_token(team_member)  # all trains: a separate link

    second = services.create_feed_token(team_member, art=art)
    first.refresh_from_db()
    assert first.revoked_at is not None and second.active and second.secret != first.secret
    assert set(CalendarFeedToken.objects.active()) == {second, personal}
    assert services.find_feed_token(first.secret) is None
    assert services.find_feed_token(second.secret) == second


def test_revoke_feed_token(art, team_member, rte):
    token = services.create_feed_token(team_member, art=art)
    with pytest.raises(PermissionDenied):
        services.revoke_feed_token(token, by=rte)
    assert services.find_feed_token(token.secret) == token
    services.revoke_feed_token(token, by=team_member)
    assert token.revoked_at is not None
    assert services.find_feed_token(token.secret) is None
    assert services.revoke_feed_token(token, by=team_member).revoked_at == token.revoked_at


def test_feed_links_only_for_members(art, outsider):
    with pytest.raises(PermissionDenied, match="trains you are a member of"):
        services.create_feed_token(outsider, art=art)
    with pytest.raises(PermissionDenied):
        services.create_feed_token(AnonymousUser())
    assert not CalendarFeedToken.objects.exists()


def test_an_unknown_time_zone_on_a_feed_is_refused(art, team_member):
    old = services.create_feed_token(team_member, art=art)
    before = snapshot()
    with pytest.raises(ValidationError, match="“Mars/Olympus” is not a known time zone"):
        services.create_feed_token(team_member, art=art, time_zone="Mars/Olympus")
    assert snapshot() == before
    assert services.find_feed_token(old.secret) == old
    assert services.create_feed_token(team_member, time_zone="America/New_York").calendar_time_zone() == (
        "America/New_York"
    )


def test_a_feed_link_of_a_train_one_left_is_found_but_the_train_is_not_visible(art, team_member):
    token = services.create_feed_token(team_member, art=art)
    Membership.objects.filter(user=team_member).delete()
    assert services.find_feed_token(token.secret) == token  # the view answers 404: see test_calendar_feed
