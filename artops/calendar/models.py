"""The ART calendar's data: the train's calendar cadence, its events and the private feed links.

Imported at the end of ``artops/models.py``, so these models belong to the ``artops`` app.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import DateTimeField, F, Q
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from artops.calendar.schedule import EventKind, Placement, WorkingDay, begins
from artops.models import ART, ARTScopedQuerySet, ProgramIncrement, validate_time_zone

TITLE_MAX = 200
LOCATION_MAX = 200
DESCRIPTION_MAX = 4000
QUARTER_WEEKS = 13

WEEKDAY_MESSAGES = {"invalid_choice": "Choose a working day: 0 (Monday) to 4 (Friday); %(value)r is not one."}


def weekday_field(default: int, **kwargs) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        choices=WorkingDay.choices, default=default, error_messages=WEEKDAY_MESSAGES, **kwargs
    )


def working_day_constraint(field: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0, f"{field}__lte": 4}),
        name=f"calendar_cadence_{field}_working_day",
        violation_error_message="Cadence events are held on working days: Monday (0) to Friday (4).",
    )


class CalendarCadence(models.Model):
    """The train's calendar cadence: when its recurring SAFe events are held.

    One per train, created with these defaults the first time it is asked for
    (``CalendarCadence.of(art)``). ``generate_calendar`` turns it into dated events for a PI
    (see ``artops.calendar.schedule`` for the exact rules). Times are local times in the
    train's time zone.
    """

    art = models.OneToOneField(ART, on_delete=models.CASCADE, related_name="calendar_cadence")
    # ART Sync: weekly, or twice weekly when a second weekday is set; 90 minutes.
    art_sync_weekday = weekday_field(WorkingDay.TUESDAY)
    art_sync_second_weekday = weekday_field(
        None, null=True, blank=True, help_text="Set it to hold ART Sync twice a week; leave it empty for weekly."
    )
    art_sync_time = models.TimeField(default=time(10, 0))
    # Larger trains hold the Coach Sync and the PO Sync apart rather than inside ART Sync.
    po_coach_syncs_apart = models.BooleanField(
        default=False, help_text="Hold PO Sync and Coach Sync as their own meetings (60 minutes each)."
    )
    po_sync_weekday = weekday_field(WorkingDay.THURSDAY)
    po_sync_time = models.TimeField(default=time(9, 0))
    coach_sync_weekday = weekday_field(WorkingDay.TUESDAY)
    coach_sync_time = models.TimeField(default=time(9, 0))
    # System Demo on the last working day of each development iteration; two hours.
    system_demo_time = models.TimeField(default=time(14, 0))
    # Inspect & Adapt in the IP iteration, on its last working day that is not a PI Planning day.
    inspect_adapt_time = models.TimeField(default=time(9, 0))
    pi_planning_placement = models.CharField(
        max_length=16, choices=Placement.choices, default=Placement.PREVIOUS_IP, verbose_name="PI Planning"
    )
    # Checked when an editor says which version they changed.
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            working_day_constraint("art_sync_weekday"),
            working_day_constraint("art_sync_second_weekday"),
            working_day_constraint("po_sync_weekday"),
            working_day_constraint("coach_sync_weekday"),
            models.CheckConstraint(
                condition=Q(art_sync_second_weekday__isnull=True) | ~Q(art_sync_second_weekday=F("art_sync_weekday")),
                name="calendar_cadence_two_different_sync_days",
                violation_error_message="A twice-weekly ART Sync is held on two different days.",
            ),
            models.CheckConstraint(
                condition=Q(pi_planning_placement__in=Placement.values), name="calendar_cadence_placement_valid"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="calendar_cadence_version_positive"),
        ]

    def __str__(self) -> str:
        return f"Calendar cadence of {self.art}" if self.art_id else "Calendar cadence"

    @classmethod
    def of(cls, art: ART, *, for_update: bool = False) -> CalendarCadence:
        """The train's cadence, created with the defaults on first use."""
        manager = cls.objects.select_for_update() if for_update else cls.objects
        cadence, _ = manager.get_or_create(art=art)
        return cadence

    @property
    def twice_weekly(self) -> bool:
        return self.art_sync_second_weekday is not None

    @property
    def art_sync_weekdays(self) -> list[int]:
        return sorted({self.art_sync_weekday, self.art_sync_second_weekday} - {None})


class CalendarEventQuerySet(ARTScopedQuerySet):
    def for_pi(self, pi: ProgramIncrement) -> CalendarEventQuerySet:
        return self.filter(pi=pi)

    def confirmed(self) -> CalendarEventQuerySet:
        return self.filter(status=CalendarEvent.Status.CONFIRMED)

    def generated(self) -> CalendarEventQuerySet:
        return self.filter(source_key__isnull=False)

    def with_related(self) -> CalendarEventQuerySet:
        return self.select_related("art", "pi")

    def between(self, start: datetime, end: datetime) -> CalendarEventQuerySet:
        """Events that overlap ``[start, end)``.

        Timed events are compared as instants. All-day events are compared by date, with the
        dates of ``start`` and ``end`` as given: pass them in the train's time zone.
        """
        first_day = start.date()
        after_last_day = end.date() if end.time() == time.min else end.date() + timedelta(days=1)
        return self.filter(
            Q(starts_at__lt=end, ends_at__gt=start) | Q(start_date__lt=after_last_day, end_date__gt=first_day)
        )

    def upcoming(self, now: datetime) -> CalendarEventQuerySet:
        """Events not over yet at ``now`` (all-day events by the date of ``now`` as given)."""
        return self.filter(Q(ends_at__gt=now) | Q(end_date__gt=now.date()))


class CalendarEvent(models.Model):
    """One event on the train's calendar: PI Planning, an ART Sync, a System Demo, I&A, an
    iteration or PI boundary, a community of practice session, or anything else the RTE adds.

    Either timed (``starts_at``/``ends_at``, aware) or all-day (``start_date`` and an
    exclusive ``end_date``, as iCalendar counts). Events generated from the cadence carry a
    ``source_key`` (for example ``pi-12/art-sync/2026-10-12``) so that generating again
    finds them; hand-added events have none. An event is never deleted once published:
    cancelling keeps it, with status cancelled, so that subscribed calendars remove it.
    """

    Kind = EventKind

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"

    art = models.ForeignKey(ART, on_delete=models.CASCADE, related_name="calendar_events")
    pi = models.ForeignKey(
        ProgramIncrement,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_events",
        verbose_name="PI",
    )
    kind = models.CharField(max_length=32, choices=EventKind.choices, default=EventKind.OTHER)
    title = models.CharField(max_length=TITLE_MAX)
    starts_at = models.DateTimeField(null=True, blank=True, help_text="Timed events only.")
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Timed events only.")
    start_date = models.DateField(null=True, blank=True, help_text="All-day events only.")
    end_date = models.DateField(null=True, blank=True, help_text="All-day events only: the day after the last day.")
    location = models.CharField(max_length=LOCATION_MAX, blank=True)
    description = models.CharField(max_length=DESCRIPTION_MAX, blank=True)
    # The iCalendar UID: globally unique and never changed, so that calendars update rather than duplicate.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The iCalendar SEQUENCE: increased whenever the start, the end or the status changes.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CONFIRMED)
    source_key = models.CharField(max_length=120, null=True, blank=True, editable=False)
    # Set when the RTE changes, moves or cancels an event: generating again then leaves it alone.
    edited_by_hand = models.BooleanField(default=False, editable=False)
    # Checked on every edit: a change based on an older version is refused, never silently applied.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CalendarEventQuerySet.as_manager()

    class Meta:
        ordering = [Coalesce("starts_at", Cast("start_date", DateTimeField())).asc(), "pk"]
        indexes = [
            models.Index(fields=["art", "starts_at"], name="calendar_event_art_starts"),
            models.Index(fields=["art", "start_date"], name="calendar_event_art_start_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(starts_at__isnull=False, ends_at__isnull=False, start_date__isnull=True, end_date__isnull=True)
                    | Q(starts_at__isnull=True, ends_at__isnull=True, start_date__isnull=False, end_date__isnull=False)
                ),
                name="calendar_event_timed_xor_all_day",
                violation_error_message=(
                    "An event is either timed (a start and an end time) or all-day (a first day and an end day), "
                    "never both or neither."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")) | Q(end_date__gt=F("start_date")),
                name="calendar_event_ends_after_start",
                violation_error_message="An event ends after it starts.",
            ),
            models.UniqueConstraint(
                fields=["art", "source_key"],
                name="calendar_event_source_key_unique_per_art",
                violation_error_message="This train already has an event generated from that cadence slot.",
            ),
            models.CheckConstraint(
                condition=Q(source_key__isnull=True) | Q(source_key__regex=r"^\S+$"),
                name="calendar_event_source_key_not_blank",
            ),
            models.CheckConstraint(condition=Q(status__in=["confirmed", "cancelled"]), name="calendar_event_status"),
            models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="calendar_event_kind_valid"),
            models.CheckConstraint(condition=~Q(title=""), name="calendar_event_title_not_empty"),
            models.CheckConstraint(condition=Q(version__gte=1), name="calendar_event_version_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_art(self) -> ART:
        return self.art

    @property
    def all_day(self) -> bool:
        return self.start_date is not None

    @property
    def cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    def begins(self, tz: ZoneInfo | None = None) -> datetime:
        """The instant it begins: all-day events begin at midnight in the train's zone."""
        return begins(self.starts_at, self.start_date, tz or self.art.tz)

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        timed = self.starts_at is not None or self.ends_at is not None
        all_day = self.start_date is not None or self.end_date is not None
        if timed and all_day:
            errors["__all__"] = "An event is either timed or all-day: give start and end times, or days, not both."
        elif timed:
            if self.starts_at is None or self.ends_at is None:
                errors["ends_at" if self.ends_at is None else "starts_at"] = "A timed event needs a start and an end."
            elif timezone.is_naive(self.starts_at) or timezone.is_naive(self.ends_at):
                errors["starts_at"] = "Give the times with their time zone."
            elif self.ends_at <= self.starts_at:
                errors["ends_at"] = "The event ends before it starts: the end must be after the start."
        elif all_day:
            if self.start_date is None or self.end_date is None:
                errors["end_date" if self.end_date is None else "start_date"] = (
                    "An all-day event needs its first day and its end day."
                )
            elif self.end_date <= self.start_date:
                errors["end_date"] = (
                    "The event ends before it starts: the end day (the day after the last day) must be after "
                    "the first day."
                )
        else:
            errors["starts_at"] = "Give the event a start and an end (times, or days for an all-day event)."
        if self.title is not None and not self.title.strip():
            errors["title"] = "Give the event a title."
        if self.pi_id and self.art_id and self.pi.art_id != self.art_id:
            errors["pi"] = "That PI belongs to another train."
        if errors:
            raise ValidationError(errors)


def hash_feed_token(token: str) -> str:
    """What is stored of a feed token: its SHA-256, so a copy of the database reveals no live feed URL."""
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeedTokenQuerySet(models.QuerySet["CalendarFeedToken"]):
    def active(self) -> CalendarFeedTokenQuerySet:
        return self.filter(revoked_at__isnull=True)

    def for_token(self, token: str) -> CalendarFeedTokenQuerySet:
        """The token with this secret (one indexed lookup by its hash)."""
        return self.filter(token_hash=hash_feed_token(token))


class CalendarFeedToken(models.Model):
    """A private, revocable link to an iCal feed of the train's calendar, for one person.

    With a train: that train's events; without: the events of every train the person is a
    member of (checked at each fetch, so leaving a train removes its events). Only the
    SHA-256 of the secret is stored; the secret itself is shown once, when the link is made
    (like the API token): a subscriber pastes the URL into their calendar once, and a person
    who lost it makes a new link, which revokes the old one.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_tokens")
    art = models.ForeignKey(
        ART,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feed_tokens",
        help_text="Empty: one feed with all the person's trains.",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Written as X-WR-TIMEZONE, the zone a client shows the calendar in; empty: the train's (or UTC).
    time_zone = models.CharField(max_length=64, blank=True, validators=[validate_time_zone])
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = CalendarFeedTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "art"],
                condition=Q(revoked_at__isnull=True),
                nulls_distinct=False,
                name="calendar_feed_token_one_active",
                violation_error_message="This person already has an active feed link for that calendar.",
            ),
            models.CheckConstraint(
                condition=Q(token_hash__regex=r"^[0-9a-f]{64}$"),  # noqa: S106 - a pattern, not a secret
                name="calendar_feed_token_hash",
            ),
            models.CheckConstraint(
                condition=Q(time_zone="") | Q(time_zone__regex=r"^[A-Za-z0-9_+\-/]+$"),
                name="calendar_feed_token_time_zone_shape",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=F("created_at")),
                name="calendar_feed_token_revoked_after_created",
            ),
        ]

    def __str__(self) -> str:
        scope = self.art.name if self.art_id else "all trains"
        return f"Calendar feed of {self.user} ({scope})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def calendar_time_zone(self) -> str:
        if self.time_zone:
            return self.time_zone
        return self.art.time_zone if self.art_id else "UTC"


def quarter_window(today: date) -> tuple[date, date]:
    """At least the next quarter: from the Monday of ``today``'s week for 14 weeks (end exclusive),
    so that the 13 weeks after this one are always shown whole."""
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(weeks=QUARTER_WEEKS + 1)


def quarter_ahead(art: ART, today: date) -> CalendarEventQuerySet:
    """The train's events of at least the next quarter (see ``quarter_window``), cancelled ones included."""
    first_day, end_day = quarter_window(today)
    tz = art.tz
    return CalendarEvent.objects.for_art(art).between(
        datetime.combine(first_day, time.min, tzinfo=tz), datetime.combine(end_day, time.min, tzinfo=tz)
    )
