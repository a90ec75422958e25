"""Every change to the ART calendar, one function per intent.

The same functions serve the calendar page, the API and the shell. Each checks the capability
first (the RTE manages the calendar: ``art.manage``), validates, writes atomically and returns
the object; invalid input raises ``ValidationError`` and nothing is written; an edit based on
an older version raises ``StaleVersion``. Writes are set-based: generating a PI's calendar is a
handful of queries whatever the number of events.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from artops.calendar.models import CalendarCadence, CalendarEvent, CalendarFeedToken, hash_feed_token
from artops.calendar.schedule import PlannedEvent, plan_events
from artops.models import ART, ProgramIncrement, User
from artops.permissions import has_capability, require
from artops.services import StaleVersion, lock_version, save_validated

Status = CalendarEvent.Status

# --- the cadence --------------------------------------------------------------------------

CADENCE_SETTINGS = (
    "art_sync_weekday",
    "art_sync_second_weekday",
    "art_sync_time",
    "po_coach_syncs_apart",
    "po_sync_weekday",
    "po_sync_time",
    "coach_sync_weekday",
    "coach_sync_time",
    "system_demo_time",
    "inspect_adapt_time",
    "pi_planning_placement",
)


@transaction.atomic
def update_calendar_cadence(art: ART, *, by: User, expected_version: int | None = None, **changes) -> CalendarCadence:
    """Change when the train holds its recurring events. Applies to calendars generated afterwards.

    ``changes`` name fields of ``CalendarCadence`` (see ``CADENCE_SETTINGS``); an editor that
    read the cadence passes ``expected_version`` so that two edits never silently overwrite.
    """
    require(by, "art.manage", art=art)
    unknown = set(changes) - set(CADENCE_SETTINGS)
    if unknown:
        raise ValidationError(f"These calendar settings do not exist: {', '.join(sorted(unknown))}.")
    cadence = CalendarCadence.of(art, for_update=True)
    if expected_version is not None and cadence.version != expected_version:
        raise StaleVersion(cadence, "the calendar cadence")
    for field, value in changes.items():
        setattr(cadence, field, value)
    if cadence.art_sync_second_weekday is not None and cadence.art_sync_second_weekday == cadence.art_sync_weekday:
        raise ValidationError({"art_sync_second_weekday": "A twice-weekly ART Sync is held on two different days."})
    cadence.version += 1
    save_validated(cadence)
    return cadence


# --- generating a PI's events -------------------------------------------------------------


@dataclass(frozen=True)
class GenerationResult:
    """What ``generate_calendar`` did: events created, updated, cancelled, and kept as they were
    (past, edited by hand, or unchanged)."""

    created: int = 0
    updated: int = 0
    cancelled: int = 0
    kept: int = 0


GENERATED_FIELDS = ("kind", "title", "description", "starts_at", "ends_at", "start_date", "end_date", "status")
TIMING_FIELDS = ("starts_at", "ends_at", "start_date", "end_date", "status")


@transaction.atomic
def generate_calendar(pi: ProgramIncrement, *, by: User, now: datetime | None = None) -> GenerationResult:
    """Publish (or refresh) a PI's events from the train's calendar cadence.

    Planned events are matched to stored ones by ``source_key``:
    - new ones are created, if they start after ``now`` (the past is never rewritten);
    - stored ones that start after ``now`` and were not edited by hand take the cadence's
      times, title and status (SEQUENCE + 1 when the start, the end or the status changes);
    - past and hand-edited ones are kept as they are;
    - generated future events the cadence no longer has are cancelled (kept, so that
      subscribed calendars remove them), never deleted.
    """
    art = pi.art
    require(by, "art.manage", art=art)
    now = now or timezone.now()
    tz = art.tz
    # Locking the cadence row serialises two generations of the same train.
    cadence = CalendarCadence.of(art, for_update=True)
    planned = plan_events(
        pi_key=f"pi-{pi.pk}",
        pi_name=pi.name,
        pi_start=pi.start_date,
        pi_end=pi.end_date,
        iterations=list(pi.iterations.order_by("number")),
        cadence=cadence,
        tz=tz,
    )
    stored = {event.source_key: event for event in CalendarEvent.objects.for_pi(pi).generated().select_for_update()}

    to_create: list[CalendarEvent] = []
    to_update: list[CalendarEvent] = []
    kept = cancelled = 0
    for plan in planned:
        event = stored.pop(plan.source_key, None)
        if event is None:
            if plan.begins(tz) > now:
                to_create.append(_new_event(art, pi, plan))
            continue
        if event.edited_by_hand or event.begins(tz) <= now or not _apply(event, plan, now):
            kept += 1
        else:
            to_update.append(event)
    for event in stored.values():  # generated before, no longer in the cadence
        if event.status == Status.CONFIRMED and not event.edited_by_hand and event.begins(tz) > now:
            _change_status(event, Status.CANCELLED, now)
            to_update.append(event)
            cancelled += 1
        else:
            kept += 1

    CalendarEvent.objects.bulk_create(to_create)
    CalendarEvent.objects.bulk_update(to_update, [*GENERATED_FIELDS, "sequence", "version", "updated_at"])
    return GenerationResult(created=len(to_create), updated=len(to_update) - cancelled, cancelled=cancelled, kept=kept)


def _new_event(art: ART, pi: ProgramIncrement, plan: PlannedEvent) -> CalendarEvent:
    return CalendarEvent(
        art=art,
        pi=pi,
        source_key=plan.source_key,
        **{field: getattr(plan, field) for field in GENERATED_FIELDS if field != "status"},
    )


def _apply(event: CalendarEvent, plan: PlannedEvent, now: datetime) -> bool:
    """Bring a stored generated event in line with the plan; whether anything changed."""
    wanted = {field: getattr(plan, field) for field in GENERATED_FIELDS if field != "status"}
    wanted["status"] = Status.CONFIRMED
    changed = {field for field, value in wanted.items() if getattr(event, field) != value}
    if not changed:
        return False
    for field in changed:
        setattr(event, field, wanted[field])
    if changed & set(TIMING_FIELDS):
        event.sequence += 1
    event.version += 1
    event.updated_at = now
    return True


def _change_status(event: CalendarEvent, status: str, now: datetime) -> None:
    event.status = status
    event.sequence += 1
    event.version += 1
    event.updated_at = now


# --- single events, by hand ---------------------------------------------------------------

EDITABLE_FIELDS = ("kind", "title", "location", "description", "starts_at", "ends_at", "start_date", "end_date")


@transaction.atomic
def add_event(
    art: ART,
    *,
    by: User,
    title: str,
    kind: str = CalendarEvent.Kind.OTHER,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    start_date=None,
    end_date=None,
    location: str = "",
    description: str = "",
    pi: ProgramIncrement | None = None,
) -> CalendarEvent:
    """Add an event to the train's calendar by hand: a community of practice session, an extra
    sync, anything. Timed (``starts_at``/``ends_at``, aware) or all-day (``start_date`` and the
    exclusive ``end_date``)."""
    require(by, "art.manage", art=art)
    event = CalendarEvent(
        art=art,
        pi=pi,
        kind=kind,
        title=(title or "").strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        start_date=start_date,
        end_date=end_date,
        location=(location or "").strip(),
        description=(description or "").strip(),
    )
    save_validated(event)
    return event


def _locked(event: CalendarEvent, expected_version: int) -> CalendarEvent:
    return lock_version(CalendarEvent.objects.select_related("art", "pi"), event.pk, expected_version, f"“{event}”")


@transaction.atomic
def edit_event(event: CalendarEvent, *, by: User, expected_version: int, **changes) -> CalendarEvent:
    """Change or move one event. A generated event changed by hand is left alone by later
    generations; SEQUENCE goes up when its start or end moves.

    To turn a timed event into an all-day one (or back), give the new pair and ``None`` for
    the other.
    """
    require(by, "art.manage", art=event.art)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These event fields cannot be changed: {', '.join(sorted(unknown))}.")
    current = _locked(event, expected_version)
    for field in ("title", "location", "description"):
        if field in changes:
            changes[field] = (changes[field] or "").strip()
    changed = {field for field, value in changes.items() if getattr(current, field) != value}
    if not changed:
        return current
    for field in changed:
        setattr(current, field, changes[field])
    if changed & set(TIMING_FIELDS):
        current.sequence += 1
    current.edited_by_hand = True
    current.version += 1
    save_validated(current)
    return current


@transaction.atomic
def cancel_event(event: CalendarEvent, *, by: User, expected_version: int) -> CalendarEvent:
    """Cancel one event. It stays on the calendar and in the feed as cancelled (so subscribed
    calendars remove it) and later generations do not bring it back."""
    require(by, "art.manage", art=event.art)
    current = _locked(event, expected_version)
    if current.status == Status.CANCELLED:
        raise ValidationError("This event is already cancelled.")
    return _set_status_by_hand(current, Status.CANCELLED)


@transaction.atomic
def restore_event(event: CalendarEvent, *, by: User, expected_version: int) -> CalendarEvent:
    """Hold a cancelled event after all."""
    require(by, "art.manage", art=event.art)
    current = _locked(event, expected_version)
    if current.status == Status.CONFIRMED:
        raise ValidationError("This event is not cancelled.")
    return _set_status_by_hand(current, Status.CONFIRMED)


def _set_status_by_hand(event: CalendarEvent, status: str) -> CalendarEvent:
    event.status = status
    event.sequence += 1
    event.version += 1
    event.edited_by_hand = True
    event.save(update_fields=["status", "sequence", "version", "edited_by_hand", "updated_at"])
    return event


# --- feed links ---------------------------------------------------------------------------


@transaction.atomic
def create_feed_token(user: User, *, art: ART | None = None, time_zone: str = "") -> CalendarFeedToken:
    """Make ``user`` a private feed link: of one train, or (``art=None``) of all their trains.

    One active link per person and calendar: a new one revokes the old. The returned object
    carries the secret as ``.secret``, the only time it is available: show the URL now.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        raise PermissionDenied("Log in to make a calendar feed link.")
    if art is not None and not has_capability(user, "art.view", art=art):
        raise PermissionDenied("You can subscribe only to the calendars of trains you are a member of.")
    now = timezone.now()
    CalendarFeedToken.objects.active().filter(user=user, art=art).update(revoked_at=now)
    secret = secrets.token_urlsafe(32)
    token = CalendarFeedToken(
        user=user, art=art, token_hash=hash_feed_token(secret), time_zone=(time_zone or "").strip()
    )
    save_validated(token, ask_database=False)
    token.secret = secret
    return token


@transaction.atomic
def revoke_feed_token(token: CalendarFeedToken, *, by: User) -> CalendarFeedToken:
    """Revoke a feed link: its URL answers 404 from now on. Revoking twice changes nothing."""
    if by is None or not by.is_authenticated or by.pk != token.user_id:
        raise PermissionDenied("Only the person a feed link belongs to revokes it.")
    CalendarFeedToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token


def find_feed_token(secret: str) -> CalendarFeedToken | None:
    """The active feed link with this secret, with its person and train (one query), else None."""
    if not secret or len(secret) > 200:
        return None
    return CalendarFeedToken.objects.active().for_token(secret).select_related("user", "art").first()
