"""The train's cadence turned into dated events for one PI: pure date arithmetic, no database.

``generate_calendar`` (in ``services``) compares these planned events with the stored ones by
their ``source_key``. The rules, in the train's time zone, with Monday to Friday as working
days (public holidays are not known here; the RTE moves an event by hand when one falls on
a holiday):

- **PI Planning**: two days, as all-day events. Either the last two working days before the
  PI starts (in the previous PI's IP iteration, the SAFe default) or the PI's first two
  working days.
- **ART Sync**: on each chosen weekday (once or twice a week) from the PI's first day to its
  last, 90 minutes. **PO Sync** and **Coach Sync**, when the train holds them apart from
  ART Sync, on their own weekday and time, 60 minutes each.
- No sync is planned on a day the train spends in PI Planning (this PI's, or the next PI's
  when it is held in this PI's IP iteration, assuming the next PI starts the day after this
  one ends) or in Inspect & Adapt.
- **System Demo**: on the last working day of each development iteration, two hours.
- **Inspect & Adapt**: on the last working day of the IP iteration that is not a PI Planning
  day, four hours. With PI Planning in the IP iteration that is the third-last working day
  (the Wednesday of a Monday-to-Sunday iteration), so that I&A's improvement items feed the
  planning that follows; with PI Planning at the PI's start it is the IP iteration's last
  working day.
- **Boundaries** as all-day events: the PI's first day, its last day, and the first day of
  every later iteration (the first iteration starts with the PI).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from django.db import models

ART_SYNC_MINUTES = 90
PO_SYNC_MINUTES = 60
COACH_SYNC_MINUTES = 60
SYSTEM_DEMO_MINUTES = 120
INSPECT_ADAPT_MINUTES = 240
PI_PLANNING_DAYS = 2


class EventKind(models.TextChoices):
    """What a calendar event is, in SAFe terms (stored in ``CalendarEvent.kind``)."""

    PI_PLANNING = "pi_planning", "PI Planning"
    ART_SYNC = "art_sync", "ART Sync"
    PO_SYNC = "po_sync", "PO Sync"
    COACH_SYNC = "coach_sync", "Coach Sync"
    SYSTEM_DEMO = "system_demo", "System Demo"
    INSPECT_ADAPT = "inspect_adapt", "Inspect & Adapt"
    ITERATION_START = "iteration_start", "Iteration start"
    PI_START = "pi_start", "PI start"
    PI_END = "pi_end", "PI end"
    COMMUNITY_OF_PRACTICE = "community_of_practice", "Community of practice"
    OTHER = "other", "Other"


class Placement(models.TextChoices):
    """Where a PI's Planning is held."""

    PREVIOUS_IP = "previous_ip", "In the previous PI's IP iteration (its last two working days)"
    PI_START = "pi_start", "At the PI's start (its first two working days)"


class WorkingDay(models.IntegerChoices):
    """The weekdays a cadence event may be held on, numbered as ``date.weekday()`` does."""

    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"


class CadenceLike(Protocol):
    """What the schedule needs of the train's calendar cadence (``CalendarCadence``)."""

    art_sync_weekday: int
    art_sync_second_weekday: int | None
    art_sync_time: time
    po_coach_syncs_apart: bool
    po_sync_weekday: int
    po_sync_time: time
    coach_sync_weekday: int
    coach_sync_time: time
    system_demo_time: time
    inspect_adapt_time: time
    pi_planning_placement: str


class IterationLike(Protocol):
    number: int
    name: str
    start_date: date
    end_date: date  # inclusive
    is_ip: bool


@dataclass(frozen=True)
class PlannedEvent:
    """One event the cadence asks for: timed (``starts_at``/``ends_at``, aware) or all-day
    (``start_date`` and an exclusive ``end_date``)."""

    source_key: str
    kind: str
    title: str
    description: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    start_date: date | None = None
    end_date: date | None = None

    @property
    def all_day(self) -> bool:
        return self.start_date is not None

    def begins(self, tz: ZoneInfo) -> datetime:
        """The instant it begins: all-day events begin at midnight in the train's zone."""
        return begins(self.starts_at, self.start_date, tz)


def begins(starts_at: datetime | None, start_date: date | None, tz: ZoneInfo) -> datetime:
    if starts_at is not None:
        return starts_at
    return datetime.combine(start_date, time.min, tzinfo=tz)


# --- working days ---------------------------------------------------------------------------


def is_working_day(day: date) -> bool:
    return day.weekday() in WorkingDay.values


def working_days_before(day: date, count: int) -> list[date]:
    """The ``count`` working days just before ``day``, earliest first."""
    found: list[date] = []
    current = day
    while len(found) < count:
        current -= timedelta(days=1)
        if is_working_day(current):
            found.append(current)
    return sorted(found)


def working_days_from(day: date, count: int) -> list[date]:
    """The first ``count`` working days on or after ``day``."""
    found: list[date] = []
    current = day
    while len(found) < count:
        if is_working_day(current):
            found.append(current)
        current += timedelta(days=1)
    return found


def working_days_within(start: date, end: date) -> list[date]:
    """Working days from ``start`` to ``end``, both inclusive."""
    return [day for day in days_within(start, end) if is_working_day(day)]


def days_within(start: date, end: date) -> Iterable[date]:
    for n in range((end - start).days + 1):
        yield start + timedelta(days=n)


def timed(day: date, at: time, minutes: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Local start on ``day`` at ``at`` in ``tz``, and the end ``minutes`` of real time later."""
    start = datetime.combine(day, at, tzinfo=tz)
    end = (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(tz)
    return start, end


# --- the plan ------------------------------------------------------------------------------


def pi_planning_days(pi_start: date, placement: str) -> list[date]:
    """The two days of a PI's Planning, by the train's placement."""
    if placement == Placement.PREVIOUS_IP:
        return working_days_before(pi_start, PI_PLANNING_DAYS)
    return working_days_from(pi_start, PI_PLANNING_DAYS)


def inspect_adapt_day(ip_iteration: IterationLike, placement: str) -> date:
    """The last working day of the IP iteration that is not a PI Planning day (see module doc)."""
    days = working_days_within(ip_iteration.start_date, ip_iteration.end_date)
    if not days:  # an IP iteration always holds a working day; this only guards the arithmetic
        return ip_iteration.end_date
    if placement == Placement.PREVIOUS_IP and len(days) > PI_PLANNING_DAYS:
        return days[-(PI_PLANNING_DAYS + 1)]
    return days[-1]


def plan_events(
    *,
    pi_key: str,
    pi_name: str,
    pi_start: date,
    pi_end: date,
    iterations: Sequence[IterationLike],
    cadence: CadenceLike,
    tz: ZoneInfo,
) -> list[PlannedEvent]:
    """Every event the cadence asks for in one PI (``pi_end`` inclusive), in date order per kind."""
    placement = cadence.pi_planning_placement
    events: list[PlannedEvent] = []

    planning_days = pi_planning_days(pi_start, placement)
    events.append(
        PlannedEvent(
            source_key=f"{pi_key}/pi-planning",
            kind=EventKind.PI_PLANNING,
            title=f"PI Planning — {pi_name}",
            description=(
                f"Two days of PI Planning for {pi_name}: business context and vision, team breakouts, "
                "draft plan review, management review and problem solving, final plan review, "
                "risks (ROAM) and the confidence vote."
            ),
            start_date=planning_days[0],
            end_date=planning_days[-1] + timedelta(days=1),
        )
    )

    busy_days = set(planning_days)
    if placement == Placement.PREVIOUS_IP:
        # The next PI is planned in this PI's IP iteration (assuming it starts right after this one).
        busy_days.update(pi_planning_days(pi_end + timedelta(days=1), placement))

    ip_iteration = next((iteration for iteration in iterations if iteration.is_ip), None)
    if ip_iteration is not None:
        day = inspect_adapt_day(ip_iteration, placement)
        busy_days.add(day)
        start, end = timed(day, cadence.inspect_adapt_time, INSPECT_ADAPT_MINUTES, tz)
        events.append(
            PlannedEvent(
                source_key=f"{pi_key}/inspect-adapt",
                kind=EventKind.INSPECT_ADAPT,
                title=f"Inspect & Adapt — {pi_name}",
                description=(
                    "PI System Demo, quantitative and qualitative measurement (predictability, flow metrics) "
                    "and the problem-solving workshop that fills the improvement backlog."
                ),
                starts_at=start,
                ends_at=end,
            )
        )

    for iteration in iterations:
        if iteration.is_ip:
            continue
        demo_days = working_days_within(iteration.start_date, iteration.end_date)
        if not demo_days:
            continue
        start, end = timed(demo_days[-1], cadence.system_demo_time, SYSTEM_DEMO_MINUTES, tz)
        events.append(
            PlannedEvent(
                source_key=f"{pi_key}/system-demo/{iteration.number}",
                kind=EventKind.SYSTEM_DEMO,
                title=f"System Demo — {iteration.name}",
                description=f"The integrated increment of {iteration.name} of {pi_name}, demoed by the teams.",
                starts_at=start,
                ends_at=end,
            )
        )

    syncs = [
        (
            EventKind.ART_SYNC,
            "art-sync",
            "ART Sync",
            {cadence.art_sync_weekday, cadence.art_sync_second_weekday} - {None},
            cadence.art_sync_time,
            ART_SYNC_MINUTES,
            "Metrics, the top cross-team blockers and dependencies, risks and decisions, scope rebalancing, "
            "summary and owners.",
        )
    ]
    if cadence.po_coach_syncs_apart:
        syncs += [
            (
                EventKind.PO_SYNC,
                "po-sync",
                "PO Sync",
                {cadence.po_sync_weekday},
                cadence.po_sync_time,
                PO_SYNC_MINUTES,
                "Product Owners and Product Management: scope, priorities and adjustments.",
            ),
            (
                EventKind.COACH_SYNC,
                "coach-sync",
                "Coach Sync",
                {cadence.coach_sync_weekday},
                cadence.coach_sync_time,
                COACH_SYNC_MINUTES,
                "Scrum Masters / Team Coaches and the RTE: progress, impediments and dependencies.",
            ),
        ]
    for kind, slug, title, weekdays, at, minutes, description in syncs:
        for day in days_within(pi_start, pi_end):
            if day.weekday() not in weekdays or day in busy_days:
                continue
            start, end = timed(day, at, minutes, tz)
            events.append(
                PlannedEvent(
                    source_key=f"{pi_key}/{slug}/{day.isoformat()}",
                    kind=kind,
                    title=title,
                    description=description,
                    starts_at=start,
                    ends_at=end,
                )
            )

    events.append(
        PlannedEvent(
            source_key=f"{pi_key}/pi-start",
            kind=EventKind.PI_START,
            title=f"{pi_name} starts",
            start_date=pi_start,
            end_date=pi_start + timedelta(days=1),
        )
    )
    for iteration in iterations:
        if iteration.start_date == pi_start:
            continue  # the first iteration starts with the PI: one all-day event is enough
        label = "IP iteration" if iteration.is_ip else iteration.name
        events.append(
            PlannedEvent(
                source_key=f"{pi_key}/iteration-start/{iteration.number}",
                kind=EventKind.ITERATION_START,
                title=f"{label} starts",
                description=(
                    f"{iteration.name} of {pi_name}: {iteration.start_date:%d %b} to {iteration.end_date:%d %b}."
                ),
                start_date=iteration.start_date,
                end_date=iteration.start_date + timedelta(days=1),
            )
        )
    events.append(
        PlannedEvent(
            source_key=f"{pi_key}/pi-end",
            kind=EventKind.PI_END,
            title=f"{pi_name} ends",
            start_date=pi_end,
            end_date=pi_end + timedelta(days=1),
        )
    )
    return events
