"""The calendar page's shape: the events of a window laid out by week (a block per week, the
days with their timed events, all-day events as bands across the days) or as a list by day.

Pure arithmetic on events already read: no query here. Times are shown in the train's time
zone; an event's link comes from the page (its meeting or demo page, else its own page).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from artops.calendar.models import CalendarEvent
from artops.models import Iteration

DAYS_A_WEEK = 7


@dataclass(frozen=True)
class Shown:
    """An event as the page shows it: its link, its local times, and the days it covers."""

    event: CalendarEvent
    url: str
    first_day: date
    last_day: date  # inclusive
    starts: datetime | None = None  # local, timed events only
    ends: datetime | None = None

    @property
    def all_day(self) -> bool:
        return self.starts is None

    @property
    def when(self) -> str:
        """“10:00–11:30”, “All day”, or for several days “1 Oct – 2 Oct”."""
        if self.all_day:
            if self.first_day == self.last_day:
                return "All day"
            return f"{self.first_day:%-d %b} – {self.last_day:%-d %b}"
        if self.starts.date() != self.ends.date():
            return f"{self.starts:%H:%M} – {self.ends:%a %-d %b %H:%M}"
        return f"{self.starts:%H:%M}–{self.ends:%H:%M}"


@dataclass(frozen=True)
class Band:
    """An all-day event across the days of one week: grid columns ``column`` to ``column + span``."""

    shown: Shown
    column: int  # 1 = Monday
    span: int
    continues_before: bool
    continues_after: bool


@dataclass
class Day:
    day: date
    is_today: bool
    events: list[Shown] = field(default_factory=list)  # timed ones, in order

    @property
    def is_weekend(self) -> bool:
        return self.day.weekday() >= 5


@dataclass
class Week:
    monday: date
    days: list[Day]
    bands: list[Band]
    iterations: list[str]

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=DAYS_A_WEEK - 1)

    @property
    def empty(self) -> bool:
        return not self.bands and not any(day.events for day in self.days)


@dataclass
class ListDay:
    day: date
    is_today: bool
    events: list[Shown]


def shown_events(events: Iterable[CalendarEvent], *, tz: ZoneInfo, urls: dict[int, str]) -> list[Shown]:
    """Each event with its local times, in start order (all-day events first on a day)."""
    found = []
    for event in events:
        if event.all_day:
            found.append(Shown(event, urls[event.pk], event.start_date, event.end_date - timedelta(days=1)))
        else:
            starts, ends = event.starts_at.astimezone(tz), event.ends_at.astimezone(tz)
            # An event ending at midnight does not cover the next day.
            last = (ends - timedelta(microseconds=1)).date()
            found.append(Shown(event, urls[event.pk], starts.date(), max(last, starts.date()), starts, ends))
    return sorted(found, key=lambda shown: (shown.first_day, not shown.all_day, shown.starts or shown.first_day))


def weeks(
    shown: Sequence[Shown], *, first_day: date, end_day: date, today: date, iterations: Sequence[Iteration] = ()
) -> list[Week]:
    """A block per week from the Monday of ``first_day`` until ``end_day`` (exclusive)."""
    monday = first_day - timedelta(days=first_day.weekday())
    result = []
    while monday < end_day:
        sunday = monday + timedelta(days=DAYS_A_WEEK - 1)
        days = [Day(day, day == today) for day in (monday + timedelta(days=n) for n in range(DAYS_A_WEEK))]
        bands = []
        for item in shown:
            if item.last_day < monday or item.first_day > sunday:
                continue
            if item.all_day:
                start, stop = max(item.first_day, monday), min(item.last_day, sunday)
                bands.append(
                    Band(
                        item,
                        column=start.weekday() + 1,
                        span=(stop - start).days + 1,
                        continues_before=item.first_day < monday,
                        continues_after=item.last_day > sunday,
                    )
                )
            elif monday <= item.first_day <= sunday:
                days[item.first_day.weekday()].events.append(item)
        names = [it.name for it in iterations if it.start_date <= sunday and it.end_date >= monday]
        result.append(Week(monday, days, bands, names))
        monday += timedelta(weeks=1)
    return result


def by_day(shown: Sequence[Shown], *, first_day: date, end_day: date, today: date) -> list[ListDay]:
    """The days that hold an event, each with its events; an event of several days shows on its first
    day in the window."""
    grouped: dict[date, list[Shown]] = defaultdict(list)
    for item in shown:
        if item.last_day < first_day or item.first_day >= end_day:
            continue
        grouped[max(item.first_day, first_day)].append(item)
    return [ListDay(day, day == today, grouped[day]) for day in sorted(grouped)]
