"""Every change to coaching and playbooks, one function per intent.

The same functions serve the pages, the API, the demo seeder and the shell. Each checks the
capability (``coaching.coach``, ``coaching.run_cop``, ``coaching.edit_playbooks``) or, for a
private record, that the caller is its coach (or the person coached, where that person may
act), validates, writes atomically and returns the object. Invalid input raises
``ValidationError`` and nothing is written; an edit based on an older version raises
``StaleVersion``.

A private record that is not the caller's is refused as if it did not exist
(``NotYours``, an ``Http404``: pages and API answer 404), so that a refusal tells nobody it exists.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from artops.calendar.models import CalendarEvent
from artops.coaching.models import CoPSession, GoalNote, GrowthGoal, Observation, Playbook, PlaybookVersion
from artops.coaching.text import OUTLINE
from artops.models import ART, Membership, ProgramIncrement, Role, Team, User
from artops.permissions import has_capability, require
from artops.services import lock_version, save_validated

COACHED_ROLES = (Role.SCRUM_MASTER, Role.PRODUCT_OWNER)


class NotYours(Http404):
    """A private coaching record the caller may not see: answered as not found (404) everywhere."""


def coachable(art: ART):
    """The people a coach may coach on ``art``: its Scrum Masters and Product Owners."""
    return User.objects.filter(memberships__art=art, memberships__role__in=COACHED_ROLES).distinct()


def _require_coachee(art: ART, coachee: User | None, coach: User) -> None:
    if coachee is None:
        raise ValidationError({"coachee": "Choose the Scrum Master or Product Owner you coach."})
    if coachee.pk == coach.pk:
        raise ValidationError({"coachee": "A coach does not coach themselves here: choose someone else."})
    if not Membership.objects.filter(user=coachee, art=art, role__in=COACHED_ROLES).exists():
        raise ValidationError(
            {"coachee": f"{coachee.display_name} is not a Scrum Master or Product Owner of this train."}
        )


def _clean(text: str | None) -> str:
    return (text or "").strip()


# --- observations -------------------------------------------------------------------------


@transaction.atomic
def record_observation(
    art: ART,
    *,
    by: User,
    coachee: User | None,
    team: Team | None,
    event: str,
    observed_on: date | None,
    went_well: str,
    suggestion: str,
) -> Observation:
    """The coach records what they saw at a team event: what went well, one specific suggestion."""
    require(by, "coaching.coach", art=art)
    _require_coachee(art, coachee, by)
    if team is None or team.art_id != art.pk:
        raise ValidationError({"team": "Choose a team of this train."})
    observation = Observation(
        art=art,
        team=team,
        coach=by,
        coachee=coachee,
        event=event,
        observed_on=observed_on,
        went_well=_clean(went_well),
        suggestion=_clean(suggestion),
    )
    if not observation.went_well:
        raise ValidationError({"went_well": "Say what went well: a coach starts from strengths."})
    if not observation.suggestion:
        raise ValidationError({"suggestion": "Give one specific suggestion."})
    save_validated(observation, ask_database=False)
    return observation


# --- growth goals ---------------------------------------------------------------------------


@transaction.atomic
def set_growth_goal(
    pi: ProgramIncrement,
    *,
    by: User,
    coachee: User | None,
    goal: str,
    competency: str,
    measure_of_done: str,
    next_check_in: date | None = None,
) -> GrowthGoal:
    """The coach agrees a growth goal for the PI with a Scrum Master or Product Owner."""
    art = pi.art
    require(by, "coaching.coach", art=art)
    _require_coachee(art, coachee, by)
    growth_goal = GrowthGoal(
        art=art,
        pi=pi,
        coach=by,
        coachee=coachee,
        goal=_clean(goal),
        competency=competency,
        measure_of_done=_clean(measure_of_done),
        next_check_in=next_check_in,
    )
    if not growth_goal.goal:
        raise ValidationError({"goal": "Say what the goal is."})
    if not growth_goal.measure_of_done:
        raise ValidationError({"measure_of_done": "Say how you will both know it is done."})
    save_validated(growth_goal, ask_database=False)
    return growth_goal


def _goal_for(goal: GrowthGoal, user: User, expected_version: int) -> GrowthGoal:
    """The goal, locked, if ``user`` is its coach or the person coached (else as if it did not exist)."""
    if user is None or not user.is_authenticated or user.pk not in (goal.coach_id, goal.coachee_id):
        raise NotYours("No such growth goal.")
    current = lock_version(GrowthGoal.objects.select_related("art", "pi"), goal.pk, expected_version, "this goal")
    if not has_capability(user, "art.view", art=current.art):
        raise NotYours("No such growth goal.")
    if current.carried_over:
        raise ValidationError("This goal was carried into a later PI: check in on it there.")
    return current


@transaction.atomic
def check_in(
    goal: GrowthGoal,
    *,
    by: User,
    expected_version: int,
    note: str = "",
    next_check_in: date | None = None,
    done: bool | None = None,
) -> GrowthGoal:
    """A check-in on a growth goal: a progress note, the next check-in date, done (or not).

    The coach and the person coached both write progress notes; the next check-in date and
    done are the coach's to set (they agreed the measure of done).
    """
    current = _goal_for(goal, by, expected_version)
    is_coach = by.pk == current.coach_id
    note = _clean(note)
    changes_dates = next_check_in is not None and next_check_in != current.next_check_in
    changes_done = done is not None and done != current.done
    if (changes_dates or changes_done) and not is_coach:
        raise PermissionDenied("Only your coach sets the next check-in and marks the goal done.")
    if not (note or changes_dates or changes_done):
        raise ValidationError({"note": "Write a progress note, or set the next check-in or done."})
    now = timezone.now()
    entries = []
    if note:
        entries.append(GoalNote(goal=current, author=by, kind=GoalNote.Kind.PROGRESS, text=note, created_at=now))
    if changes_dates:
        current.next_check_in = next_check_in
    if changes_done:
        current.done = done
        current.done_at = now if done else None
        kind = GoalNote.Kind.DONE if done else GoalNote.Kind.REOPENED
        entries.append(GoalNote(goal=current, author=by, kind=kind, created_at=now))
    for entry in entries:
        entry.full_clean(exclude=["goal"])
    current.version += 1
    save_validated(current, ask_database=False)
    GoalNote.objects.bulk_create(entries)
    return current


@transaction.atomic
def carry_over_goals(from_pi: ProgramIncrement, to_pi: ProgramIncrement, *, by: User) -> list[GrowthGoal]:
    """Carry the coach's unfinished goals of ``from_pi`` into ``to_pi``, with their history.

    Each becomes a new goal of ``to_pi`` pointing back at the old one (``carried_from``), with
    a copy of its notes and a note saying where it came from; the old goal stays in its PI,
    read-only, as carried over. Only the caller's own goals move (nobody else's are even
    seen); running it again carries nothing twice.

    Why an explicit action and not ``pi_created``: a train creates its next PI while the
    current one still runs (often weeks before its end), when these goals are still being
    worked on; the coach carries them when the PI closes, after the last check-in.
    """
    art = from_pi.art
    require(by, "coaching.coach", art=art)
    if to_pi.art_id != art.pk:
        raise ValidationError({"to_pi": "That PI belongs to another train."})
    if to_pi.start_date <= from_pi.start_date:
        raise ValidationError({"to_pi": f"Goals carry forward: choose a PI that starts after {from_pi.name}."})
    goals = list(
        GrowthGoal.objects.coached_by(by)
        .filter(pi=from_pi, done=False, carried_to__isnull=True)
        .select_for_update(of=("self",))
        .prefetch_related("notes")
    )
    now = timezone.now()
    carried = GrowthGoal.objects.bulk_create(
        GrowthGoal(
            art=art,
            pi=to_pi,
            coach=by,
            coachee_id=goal.coachee_id,
            goal=goal.goal,
            competency=goal.competency,
            measure_of_done=goal.measure_of_done,
            next_check_in=goal.next_check_in,
            carried_from=goal,
        )
        for goal in goals
    )
    notes = []
    for old, new in zip(goals, carried, strict=True):
        notes += [
            GoalNote(goal=new, author_id=note.author_id, kind=note.kind, text=note.text, created_at=note.created_at)
            for note in old.notes.all()
        ]
        notes.append(
            GoalNote(
                goal=new,
                author=by,
                kind=GoalNote.Kind.CARRIED,
                text=f"Carried over from {from_pi.name} to {to_pi.name}.",
                created_at=now,
            )
        )
    GoalNote.objects.bulk_create(notes)
    return carried


# --- community of practice ------------------------------------------------------------------


def _session_event_fields(session: CoPSession) -> dict:
    return {
        "title": f"CoP: {session.topic}"[:200],
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "location": session.location,
        "description": "Community of practice session.",
    }


def _check_times(starts_at: datetime | None, ends_at: datetime | None) -> None:
    if starts_at is None:
        raise ValidationError({"starts_at": "Give the session's start."})
    if ends_at is None or ends_at <= starts_at:
        raise ValidationError({"ends_at": "The session ends after it starts."})


def _attendees_of(art: ART, attendees) -> list[User]:
    attendees = list(attendees or [])
    members = set(Membership.objects.filter(art=art, user__in=attendees).values_list("user_id", flat=True))
    strangers = [person.display_name for person in attendees if person.pk not in members]
    if strangers:
        raise ValidationError({"attendees": f"Not members of this train: {', '.join(strangers)}."})
    return attendees


@transaction.atomic
def schedule_cop_session(
    art: ART,
    *,
    by: User,
    topic: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    location: str = "",
    notes: str = "",
    attendees=(),
) -> CoPSession:
    """Schedule a community of practice session; it goes on the ART calendar at once."""
    require(by, "coaching.run_cop", art=art)
    _check_times(starts_at, ends_at)
    people = _attendees_of(art, attendees)
    session = CoPSession(
        art=art,
        topic=_clean(topic),
        starts_at=starts_at,
        ends_at=ends_at,
        location=_clean(location),
        notes=_clean(notes),
        organiser=by,
    )
    if not session.topic:
        raise ValidationError({"topic": "Give the session a topic."})
    local_day = starts_at.astimezone(art.tz).date()
    event = CalendarEvent(
        art=art,
        pi=ProgramIncrement.objects.for_art(art).containing(local_day).first(),
        kind=CalendarEvent.Kind.COMMUNITY_OF_PRACTICE,
        **_session_event_fields(session),
    )
    save_validated(event, ask_database=False)
    session.event = event
    save_validated(session, ask_database=False)
    session.attendees.set(people)
    return session


@transaction.atomic
def update_cop_session(session: CoPSession, *, by: User, expected_version: int, **changes) -> CoPSession:
    """Change a session: topic, times, place, notes (what was said), attendees (who came).

    Its calendar event follows (SEQUENCE up when it moves, so subscribed calendars move it too).
    """
    require(by, "coaching.run_cop", art=session.art)
    allowed = {"topic", "starts_at", "ends_at", "location", "notes", "attendees"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(f"These session fields cannot be changed: {', '.join(sorted(unknown))}.")
    current = lock_version(CoPSession.objects.with_related(), session.pk, expected_version, f"“{session.topic}”")
    people = _attendees_of(current.art, changes.pop("attendees")) if "attendees" in changes else None
    for field in ("topic", "location", "notes"):
        if field in changes:
            setattr(current, field, _clean(changes.pop(field)))
    for field, value in changes.items():
        setattr(current, field, value)
    if not current.topic:
        raise ValidationError({"topic": "Give the session a topic."})
    _check_times(current.starts_at, current.ends_at)
    event = current.event
    wanted = _session_event_fields(current)
    moved = (event.starts_at, event.ends_at) != (wanted["starts_at"], wanted["ends_at"])
    for field, value in wanted.items():
        setattr(event, field, value)
    if moved:
        event.sequence += 1
    event.version += 1
    save_validated(event, ask_database=False)
    current.version += 1
    save_validated(current, ask_database=False)
    if people is not None:
        current.attendees.set(people)
    return current


# --- playbooks ------------------------------------------------------------------------------


def can_edit_playbook(user: User | None, playbook: Playbook, editor_ids: set[int] | None = None) -> bool:
    """The RTE edits every playbook; a person on its editor list edits that one (while on the train)."""
    if user is None or not user.is_authenticated:
        return False
    if has_capability(user, "coaching.edit_playbooks", art=playbook.art):
        return True
    if not has_capability(user, "art.view", art=playbook.art):
        return False
    if editor_ids is None:
        return playbook.editors.filter(pk=user.pk).exists()
    return user.pk in editor_ids


def _check_playbook_text(playbook: Playbook) -> None:
    playbook.title = _clean(playbook.title)
    if not playbook.title:
        raise ValidationError({"title": "Give the playbook a title."})
    if not (playbook.body or "").strip():
        raise ValidationError({"body": "A playbook needs some text: start from the outline."})


@transaction.atomic
def create_playbook(art: ART, *, by: User, title: str, body: str | None = None, note: str = "") -> Playbook:
    """Write a new playbook; without a body it starts from the outline of Scaled Agile's guides."""
    require(by, "coaching.edit_playbooks", art=art)
    playbook = Playbook(art=art, title=title or "", body=OUTLINE if body is None else body, updated_by=by)
    _check_playbook_text(playbook)
    if Playbook.objects.for_art(art).filter(title__iexact=playbook.title).exists():
        raise ValidationError({"title": f"This train already has a playbook titled “{playbook.title}”."})
    save_validated(playbook, ask_database=False)
    _keep_version(playbook, by=by, note=_clean(note) or "First version.")
    return playbook


def _keep_version(playbook: Playbook, *, by: User, note: str) -> PlaybookVersion:
    version = PlaybookVersion(
        playbook=playbook, number=playbook.version, title=playbook.title, body=playbook.body, author=by, note=note
    )
    version.full_clean(exclude=["playbook"], validate_unique=False, validate_constraints=False)
    version.save()
    return version


@transaction.atomic
def edit_playbook(
    playbook: Playbook, *, by: User, expected_version: int, title: str, body: str, note: str = ""
) -> Playbook:
    """Save a new version of a playbook; the previous ones are kept as they were."""
    if not can_edit_playbook(by, playbook):
        require(by, "coaching.edit_playbooks", art=playbook.art)
    current = lock_version(Playbook.objects.with_related(), playbook.pk, expected_version, f"“{playbook.title}”")
    current.title, current.body = title or "", body or ""
    _check_playbook_text(current)
    clash = Playbook.objects.for_art(current.art).filter(title__iexact=current.title).exclude(pk=current.pk)
    if clash.exists():
        raise ValidationError({"title": f"This train already has a playbook titled “{current.title}”."})
    latest = current.versions.order_by("-number").values_list("title", "body").first()
    if latest == (current.title, current.body):
        raise ValidationError("Nothing changed: this is the text of the current version.")
    current.version += 1
    current.updated_by = by
    save_validated(current, ask_database=False)
    _keep_version(current, by=by, note=_clean(note))
    return current


@transaction.atomic
def set_playbook_editors(playbook: Playbook, *, by: User, editors) -> Playbook:
    """The RTE names who else edits this playbook (members of the train)."""
    require(by, "coaching.edit_playbooks", art=playbook.art)
    people = list(editors or [])
    members = set(Membership.objects.filter(art=playbook.art, user__in=people).values_list("user_id", flat=True))
    strangers = [person.display_name for person in people if person.pk not in members]
    if strangers:
        raise ValidationError({"editors": f"Not members of this train: {', '.join(strangers)}."})
    playbook.editors.set(people)
    return playbook
