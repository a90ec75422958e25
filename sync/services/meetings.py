"""Running a sync: open it, move its timer, choose and arrange its top 5, record decisions and action items,
and the teams' status posted beforehand.

The RTE facilitates (``sync.facilitate``). Changes of the timer and the agenda are checked
against the meeting's version, so that two facilitators never overwrite each other.
"""

from __future__ import annotations

from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from artops.models import ART, ProgramIncrement, Team, User
from artops.services import StaleVersion, require_member, save_validated
from risks.models import Dependency
from sync import agenda
from sync.models import ActionItem, AgendaItem, Decision, Impediment, SyncMeeting, TeamStatus
from sync.services.common import bump, check_choice, holds, locked, require, required_text

State = SyncMeeting.State
Kind = SyncMeeting.Kind


def _label(meeting: SyncMeeting) -> str:
    return f"the {meeting.get_kind_display()} of {meeting.date:%d %b %Y}"


def _lock(meeting: SyncMeeting, expected_version: int) -> SyncMeeting:
    return locked(SyncMeeting.objects.with_related(), meeting, expected_version, _label(meeting))


def _require_open(meeting: SyncMeeting) -> None:
    if meeting.state == State.CLOSED:
        raise ValidationError(f"{_label(meeting).capitalize()} is closed.")


def _require_running(meeting: SyncMeeting) -> None:
    if meeting.state == State.PLANNED:
        raise ValidationError("This sync has not started yet: start it first.")
    _require_open(meeting)


# --- the meeting and its timer --------------------------------------------------------------------


@transaction.atomic
def open_meeting(
    art: ART,
    *,
    kind: str,
    date: date,
    start_time: time,
    by: User,
    pi: ProgramIncrement | None = None,
) -> SyncMeeting:
    """Plan a sync of the train. An ART Sync gets its top 5 from the data at once.

    A train has one open sync of a kind at a time: the previous one is closed first.
    """
    require(by, "sync.facilitate", art=art)
    check_choice(kind, Kind, "kind", "A sync is an ART Sync, a Coach Sync or a PO Sync.")
    if pi is None:
        pi = ProgramIncrement.objects.for_art(art).containing(date).first()
        if pi is None:
            raise ValidationError({"date": f"No PI of {art.name} runs on {date:%d %b %Y}."})
    elif pi.art_id != art.pk:
        raise ValidationError({"pi": "That PI belongs to another train."})
    elif not pi.contains(date):
        raise ValidationError({"date": f"{date:%d %b %Y} is not in {pi.name}."})
    already = SyncMeeting.objects.for_art(art).of_kind(kind).open().first()
    if already is not None:
        raise ValidationError(
            f"{art.name} already has an open {already.get_kind_display()} ({already.date:%d %b %Y}, "
            f"{already.get_state_display().lower()}): close it before opening another."
        )
    meeting = SyncMeeting(art=art, pi=pi, kind=kind, date=date, start_time=start_time, facilitator=by)
    save_validated(meeting, ask_database=False)
    if kind == Kind.ART_SYNC:
        _fill_agenda(meeting, today=art.today())
    return meeting


# The calendar's kinds of event that are syncs, and the kind of sync each opens.
EVENT_KINDS = {"art_sync": Kind.ART_SYNC, "po_sync": Kind.PO_SYNC, "coach_sync": Kind.COACH_SYNC}


@transaction.atomic
def open_meeting_for_event(event, *, by: User) -> SyncMeeting:
    """The sync of a calendar event (ART Sync, PO Sync, Coach Sync): the one already opened from it, or a
    new one on the event's day and time (in the train's time zone), linked to it."""
    require(by, "sync.facilitate", art=event.art)
    kind = EVENT_KINDS.get(event.kind)
    if kind is None:
        raise ValidationError("Only an ART Sync, a PO Sync or a Coach Sync on the calendar opens a sync.")
    if event.status == "cancelled":
        raise ValidationError("This event is cancelled: it opens no sync.")
    existing = SyncMeeting.objects.with_related().filter(calendar_event=event).first()
    if existing is not None:
        return existing
    starts = event.begins(event.art.tz).astimezone(event.art.tz)
    meeting = open_meeting(
        event.art, kind=kind, date=starts.date(), start_time=starts.time().replace(tzinfo=None), by=by, pi=event.pi
    )
    meeting.calendar_event = event
    meeting.save(update_fields=["calendar_event"])
    return meeting


@transaction.atomic
def start_meeting(meeting: SyncMeeting, *, by: User, expected_version: int) -> SyncMeeting:
    """The sync begins: the timer runs in the first section of its agenda."""
    require(by, "sync.facilitate", art=meeting.art)
    current = _lock(meeting, expected_version)
    if current.state != State.PLANNED:
        raise ValidationError(f"{_label(current).capitalize()} is already {current.get_state_display().lower()}.")
    now = timezone.now()
    current.state = State.RUNNING
    current.started_at = now
    current.current_section = agenda.sections(current.kind)[0].key
    current.section_started_at = now
    current.section_elapsed = 0
    bump(current, "state", "started_at", "current_section", "section_started_at", "section_elapsed")
    return current


@transaction.atomic
def pause_timer(meeting: SyncMeeting, *, by: User, expected_version: int) -> SyncMeeting:
    """Stop the clock of the current section; what it has run is kept."""
    require(by, "sync.facilitate", art=meeting.art)
    current = _lock(meeting, expected_version)
    _require_running(current)
    if not current.timer_running:
        raise ValidationError("The timer is already paused.")
    current.section_elapsed = agenda.elapsed_seconds(current, timezone.now())
    current.section_started_at = None
    bump(current, "section_elapsed", "section_started_at")
    return current


@transaction.atomic
def resume_timer(meeting: SyncMeeting, *, by: User, expected_version: int) -> SyncMeeting:
    """Run the clock of the current section again from where it paused."""
    require(by, "sync.facilitate", art=meeting.art)
    current = _lock(meeting, expected_version)
    _require_running(current)
    if current.timer_running:
        raise ValidationError("The timer is already running.")
    current.section_started_at = timezone.now()
    bump(current, "section_started_at")
    return current


@transaction.atomic
def advance_timer(meeting: SyncMeeting, *, by: User, expected_version: int, to: str | None = None) -> SyncMeeting:
    """Move on to the next section (or to the section ``to``), its clock from zero.

    A running timer keeps running in the new section; a paused one stays paused.
    """
    require(by, "sync.facilitate", art=meeting.art)
    current = _lock(meeting, expected_version)
    _require_running(current)
    if to is None:
        target = agenda.next_section(current.kind, current.current_section)
        if target is None:
            raise ValidationError("This is the last section: close the sync.")
    else:
        target = agenda.section(current.kind, to)
        if target is None:
            raise ValidationError({"section": f"The {current.get_kind_display()} has no section “{to}”."})
    current.current_section = target.key
    current.section_elapsed = 0
    if current.timer_running:
        current.section_started_at = timezone.now()
    bump(current, "current_section", "section_elapsed", "section_started_at")
    return current


@transaction.atomic
def close_meeting(meeting: SyncMeeting, *, by: User, expected_version: int) -> SyncMeeting:
    """The sync ends (or, still planned, is called off). Its open action items carry into the next one."""
    require(by, "sync.facilitate", art=meeting.art)
    current = _lock(meeting, expected_version)
    _require_open(current)
    now = timezone.now()
    if current.timer_running:
        current.section_elapsed = agenda.elapsed_seconds(current, now)
        current.section_started_at = None
    current.state = State.CLOSED
    current.closed_at = now
    bump(current, "state", "closed_at", "section_elapsed", "section_started_at")
    return current


# --- the top 5 ------------------------------------------------------------------------------------


def _fill_agenda(meeting: SyncMeeting, *, today: date) -> None:
    """Choose the free positions of the top 5 from the data; pinned items and items already settled stay."""
    items = agenda.agenda_items(meeting)
    kept = {item.position: agenda.item_key(item) for item in items if item.pinned or agenda.is_settled(item)}
    AgendaItem.objects.filter(meeting=meeting).exclude(position__in=list(kept)).delete()
    chosen = agenda.choose(agenda.candidates(meeting, today), kept)
    AgendaItem.objects.bulk_create(
        AgendaItem(
            meeting=meeting,
            position=position,
            reason=candidate.reason,
            impediment=candidate.impediment,
            dependency=candidate.dependency,
        )
        for position, candidate in chosen
    )


def _require_agenda(meeting: SyncMeeting) -> None:
    if meeting.kind != Kind.ART_SYNC:
        raise ValidationError(f"The {meeting.get_kind_display()} has no top 5: only the ART Sync does.")


def _agenda_change(meeting: SyncMeeting, by: User, expected_version: int) -> SyncMeeting:
    require(by, "sync.facilitate", art=meeting.art)
    current = _lock(meeting, expected_version)
    _require_agenda(current)
    _require_open(current)
    return current


def _item_of(current: SyncMeeting, item: AgendaItem) -> AgendaItem:
    found = AgendaItem.objects.select_for_update().filter(pk=item.pk, meeting=current).first()
    if found is None:
        raise ValidationError("That item is not on this sync's top 5.")
    return found


@transaction.atomic
def pick_agenda(
    meeting: SyncMeeting, *, by: User, expected_version: int, today: date | None = None
) -> list[AgendaItem]:
    """Choose the top 5 again from today's data. The RTE's pins, and items that already left with a
    decision or an action, stay where they are; the other positions take the best candidates."""
    current = _agenda_change(meeting, by, expected_version)
    _fill_agenda(current, today=today or current.art.today())
    bump(current)
    return agenda.agenda_items(current)


@transaction.atomic
def pin_agenda_item(item: AgendaItem, *, by: User, expected_version: int, pinned: bool = True) -> AgendaItem:
    """Pin an item in its position (it stays there when the top 5 is chosen again), or unpin it."""
    current = _agenda_change(item.meeting, by, expected_version)
    found = _item_of(current, item)
    found.pinned = pinned
    found.save(update_fields=["pinned"])
    bump(current)
    return found


@transaction.atomic
def move_agenda_item(item: AgendaItem, *, position: int, by: User, expected_version: int) -> AgendaItem:
    """Put an item at ``position``; the item there takes its place. The moved item is pinned where
    the RTE put it, so that choosing the top 5 again does not undo the move."""
    current = _agenda_change(item.meeting, by, expected_version)
    if not 1 <= position <= AgendaItem.TOP:
        raise ValidationError({"position": f"A position on the top 5 is from 1 to {AgendaItem.TOP}."})
    found = _item_of(current, item)
    if found.position != position:
        other = AgendaItem.objects.select_for_update().filter(meeting=current, position=position).first()
        if other is not None and other.pinned:
            raise ValidationError({"position": f"Position {position} is pinned: unpin it first."})
        if other is not None:
            # The position constraint is deferred: the two exchange places within this transaction.
            other.position = found.position
            other.save(update_fields=["position"])
        found.position = position
    found.pinned = True
    found.save(update_fields=["position", "pinned"])
    bump(current)
    return found


@transaction.atomic
def swap_agenda_item(
    item: AgendaItem,
    *,
    by: User,
    expected_version: int,
    impediment: Impediment | None = None,
    dependency: Dependency | None = None,
    today: date | None = None,
) -> AgendaItem:
    """Replace an item with a candidate outside the five, in the same position. The RTE chose it by
    hand: it is pinned, so that choosing the top 5 again keeps it."""
    current = _agenda_change(item.meeting, by, expected_version)
    if (impediment is None) == (dependency is None):
        raise ValidationError("Choose one impediment or one dependency to bring onto the top 5.")
    found = _item_of(current, item)
    if found.decisions.exists() or found.action_items.exists():
        raise ValidationError("This item already has a decision or an action: it stays in the minutes.")
    key = agenda.subject_key(impediment, dependency)
    candidate = next((c for c in agenda.candidates(current, today) if c.key == key), None)
    if candidate is None:
        raise ValidationError(
            "Only a candidate comes onto the top 5: an impediment escalated to the train or beyond, or a "
            "blocked, red, at-risk or aging dependency of this PI."
        )
    on_agenda = {agenda.item_key(other) for other in AgendaItem.objects.filter(meeting=current)}
    if key in on_agenda:
        raise ValidationError("That is already on the top 5.")
    found.impediment, found.dependency = candidate.impediment, candidate.dependency
    found.reason = candidate.reason
    found.pinned = True
    found.save(update_fields=["impediment", "dependency", "reason", "pinned"])
    bump(current)
    return found


# --- decisions and action items ---------------------------------------------------------------------


def _check_agenda_item(meeting: SyncMeeting, agenda_item: AgendaItem | None) -> None:
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ValidationError({"agenda_item": "That item is on another sync's agenda."})


@transaction.atomic
def record_decision(
    meeting: SyncMeeting,
    *,
    text: str,
    by: User,
    section: str | None = None,
    agenda_item: AgendaItem | None = None,
) -> Decision:
    """Record a decision in a section of the agenda (the current one by default), perhaps on a top-5 item."""
    require(by, "sync.facilitate", art=meeting.art)
    _require_open(meeting)
    section = section or meeting.current_section
    if not section:
        raise ValidationError({"section": "Choose the section of the agenda this decision belongs to."})
    if agenda.section(meeting.kind, section) is None:
        raise ValidationError({"section": f"The {meeting.get_kind_display()} has no section “{section}”."})
    _check_agenda_item(meeting, agenda_item)
    decision = Decision(
        meeting=meeting,
        section=section,
        agenda_item=agenda_item,
        text=required_text(text, "text", "Write the decision."),
        by=by,
        at=timezone.now(),
    )
    save_validated(decision, ask_database=False)
    return decision


@transaction.atomic
def add_action_item(
    meeting: SyncMeeting,
    *,
    text: str,
    owner: User | None,
    due_date: date | None,
    by: User,
    agenda_item: AgendaItem | None = None,
) -> ActionItem:
    """Record an action item with its owner (a member of the train) and due date, both required."""
    require(by, "sync.facilitate", art=meeting.art)
    _require_open(meeting)
    errors = {}
    if not (text or "").strip():
        errors["text"] = "Say what is to be done."
    if owner is None:
        errors["owner"] = "Every action item has an owner: choose who will do it."
    if due_date is None:
        errors["due_date"] = "Every action item has a due date."
    elif due_date < meeting.date:
        errors["due_date"] = f"The due date is before the sync ({meeting.date:%d %b %Y})."
    if errors:
        raise ValidationError(errors)
    require_member(owner, meeting.art)
    _check_agenda_item(meeting, agenda_item)
    item = ActionItem(
        meeting=meeting,
        agenda_item=agenda_item,
        text=text.strip(),
        owner=owner,
        due_date=due_date,
        raised_by=by,
        created_at=timezone.now(),
    )
    save_validated(item, ask_database=False)
    return item


def _action_label(item: ActionItem) -> str:
    return f"the action “{item.text[:40]}”"


def _close_action(item: ActionItem, by: User, expected_version: int) -> ActionItem:
    """The locked open action item, if ``by`` may close it: its owner, or the RTE."""
    art = item.meeting.art
    if by.pk != item.owner_id:
        require(by, "sync.facilitate", art=art, message="Only the action's owner or the RTE closes it.")
    current = locked(ActionItem.objects.with_related(), item, expected_version, _action_label(item))
    if current.state != ActionItem.State.OPEN:
        raise ValidationError(f"This action is already {current.get_state_display().lower()}.")
    return current


@transaction.atomic
def complete_action_item(item: ActionItem, *, by: User, expected_version: int) -> ActionItem:
    """The owner (or the RTE) marks the action done."""
    current = _close_action(item, by, expected_version)
    current.state = ActionItem.State.DONE
    current.done_at = timezone.now()
    bump(current, "state", "done_at")
    return current


@transaction.atomic
def drop_action_item(item: ActionItem, *, reason: str, by: User, expected_version: int) -> ActionItem:
    """The action is no longer needed; the reason is kept."""
    reason = required_text(reason, "drop_reason", "Say why the action is dropped.", max_length=300)
    current = _close_action(item, by, expected_version)
    current.state = ActionItem.State.DROPPED
    current.drop_reason = reason
    bump(current, "state", "drop_reason")
    return current


# --- team status --------------------------------------------------------------------------------------


@transaction.atomic
def post_team_status(
    meeting: SyncMeeting,
    *,
    team: Team,
    status: str,
    by: User,
    note: str = "",
    expected_version: int | None = None,
) -> TeamStatus:
    """Post (or correct) a team's status for a sync: on track, at risk or off track, and a short note.

    One status per team and sync. ``expected_version`` is the version of the status the poster
    saw, ``None`` when they saw none: a status posted meanwhile by the team's other Scrum Master
    or PO is never silently overwritten.
    """
    require(by, "sync.post_status", art=meeting.art, team=team)
    _require_open(meeting)
    check_choice(status, TeamStatus.Status, "status", "A team is on track, at risk or off track.")
    existing = TeamStatus.objects.select_for_update().filter(meeting=meeting, team=team).first()
    label = f"{team.name}'s status"
    if existing is None:
        posted = TeamStatus(meeting=meeting, team=team)
    elif expected_version != existing.version:
        raise StaleVersion(existing, label)
    else:
        posted = existing
        posted.version += 1
    posted.status = status
    posted.note = (note or "").strip()
    posted.posted_by = by
    posted.posted_at = timezone.now()
    save_validated(posted, ask_database=False)
    return posted


def can_post_status(user: User, meeting: SyncMeeting, team: Team) -> bool:
    return holds(user, "sync.post_status", art=meeting.art, team=team)
