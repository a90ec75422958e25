"""System Demos: what each team showed of the integrated increment, who attended, feedback and outcomes.

- The RTE runs the demo (``sync.facilitate``): creates it, records attendance and notes.
- A team's Scrum Master or Product Owner (or the RTE) records what the team showed
  (``sync.post_status`` for the team: the team gives its own account, as with its status).
- Every member gives feedback (``sync.give_feedback``).
- Feedback is turned into a backlog item by those who may propose features to the backlog's
  funnel (``planning.propose_feature``: the RTE, Product Management, System Architects and
  Business Owners), through ``planning.services.propose_feature``; an enabler needs
  ``planning.edit_enablers``. Closing feedback with the reason no action is taken is the call
  of those who own the backlog (``planning.edit_backlog``: Product Management and the RTE).
- The outcome of a feature (accepted / needs work) is Product Management's call as owners of
  the backlog (``planning.edit_backlog``), with the RTE.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from artops.models import Iteration, Membership, Team, User
from artops.services import StaleVersion, save_validated
from planning import services as planning_services
from planning.models import Feature, PIObjective
from sync.models import DemoFeedback, DemoItem, DemoOutcome, SystemDemo
from sync.services.common import bump, check_choice, locked, require, required_text

Integrated = DemoItem.Integrated


def _label(demo: SystemDemo) -> str:
    return f"the System Demo of {demo.iteration.name}"


def _lock(demo: SystemDemo, expected_version: int) -> SystemDemo:
    return locked(SystemDemo.objects.with_related(), demo, expected_version, _label(demo))


@transaction.atomic
def create_system_demo(
    art, *, iteration: Iteration, by: User, held_on: date | None = None, notes: str = ""
) -> SystemDemo:
    """The System Demo of a development iteration, held on its last day unless said otherwise."""
    require(by, "sync.facilitate", art=art)
    if iteration.pi.art_id != art.pk:
        raise ValidationError({"iteration": "That iteration belongs to another train."})
    if SystemDemo.objects.filter(iteration=iteration).exists():
        raise ValidationError({"iteration": f"{iteration.name} of {iteration.pi.name} already has its System Demo."})
    demo = SystemDemo(
        art=art,
        pi=iteration.pi,
        iteration=iteration,
        held_on=held_on or iteration.end_date,
        notes=(notes or "").strip(),
        created_by=by,
    )
    save_validated(demo, ask_database=False)
    return demo


@transaction.atomic
def update_system_demo(
    demo: SystemDemo, *, by: User, expected_version: int, held_on: date | None = None, notes: str | None = None
) -> SystemDemo:
    """Correct the day it was held, or its notes."""
    require(by, "sync.facilitate", art=demo.art)
    current = _lock(demo, expected_version)
    if held_on is not None:
        current.held_on = held_on
    if notes is not None:
        current.notes = notes.strip()
    current.full_clean(validate_unique=False, validate_constraints=False)
    bump(current, "held_on", "notes")
    return current


@transaction.atomic
def record_attendance(demo: SystemDemo, *, attendees: list[User], by: User, expected_version: int) -> SystemDemo:
    """Who attended: members of the train (stakeholders outside it become members to attend)."""
    require(by, "sync.facilitate", art=demo.art)
    current = _lock(demo, expected_version)
    people = {person.pk: person for person in attendees}
    members = set(Membership.objects.filter(art=demo.art, user_id__in=people).values_list("user_id", flat=True))
    strangers = sorted(person.display_name for pk, person in people.items() if pk not in members)
    if strangers:
        raise ValidationError({"attendees": f"Not members of this train: {', '.join(strangers)}."})
    current.attendees.set(list(people.values()))
    bump(current)
    return current


@transaction.atomic
def add_demo_item(
    demo: SystemDemo,
    *,
    team: Team,
    feature: Feature,
    shown: str,
    integrated: str,
    by: User,
    reason: str = "",
    objective: PIObjective | None = None,
) -> DemoItem:
    """Record what a team showed of a feature of the demo's PI, and whether it ran integrated.

    Anything less than fully integrated needs the reason: it is flagged and counted.
    """
    require(
        by,
        "sync.post_status",
        art=demo.art,
        team=team,
        message="Only the team's Scrum Master and Product Owner (or the RTE) record what the team showed.",
    )
    errors = {}
    pi = demo.pi
    if feature.art_id != demo.art_id:
        errors["feature"] = "That feature belongs to another train."
    elif feature.pi_id != pi.pk:
        planned = f"planned for {feature.pi.name}" if feature.pi_id else "not planned for a PI"
        errors["feature"] = f"{feature.key} is {planned}: the System Demo of {pi.name} shows features of {pi.name}."
    if objective is not None and (objective.team_id != team.pk or objective.pi_id != pi.pk):
        errors["objective"] = f"Choose a PI objective of {team.name} in {pi.name}."
    if integrated not in Integrated.values:
        errors["integrated"] = "Say whether it was shown integrated: yes, partly or no."
    elif integrated != Integrated.YES and not (reason or "").strip():
        errors["reason"] = "Say why it is not fully integrated: a non-integrated item is flagged and counted."
    if not (shown or "").strip():
        errors["shown"] = "Say what was shown."
    if errors:
        raise ValidationError(errors)
    item = DemoItem(
        demo=demo,
        team=team,
        feature=feature,
        objective=objective,
        shown=shown.strip(),
        integrated=integrated,
        reason=(reason or "").strip(),
        added_by=by,
    )
    save_validated(item)
    return item


@transaction.atomic
def set_demo_outcome(
    demo: SystemDemo,
    *,
    feature: Feature,
    outcome: str,
    by: User,
    note: str = "",
    expected_version: int | None = None,
) -> DemoOutcome:
    """Accept a feature shown at the demo, or send it back as needing work (one outcome per feature).

    ``expected_version`` is the version of the outcome the person saw, ``None`` when there was none.
    """
    require(by, "planning.edit_backlog", art=demo.art, message="Only Product Management and the RTE accept features.")
    check_choice(outcome, DemoOutcome.Outcome, "outcome", "A feature is accepted, or needs work.")
    if not DemoItem.objects.filter(demo=demo, feature=feature).exists():
        raise ValidationError({"feature": f"{feature.key} was not shown at this demo."})
    existing = DemoOutcome.objects.select_for_update().filter(demo=demo, feature=feature).first()
    if existing is None:
        decided = DemoOutcome(demo=demo, feature=feature)
    elif expected_version != existing.version:
        raise StaleVersion(existing, f"the outcome of {feature.key}")
    else:
        decided = existing
        decided.version += 1
    decided.outcome = outcome
    decided.note = (note or "").strip()
    decided.decided_by = by
    decided.decided_at = timezone.now()
    save_validated(decided, ask_database=False)
    return decided


# --- feedback ------------------------------------------------------------------------------------


@transaction.atomic
def add_feedback(demo: SystemDemo, *, text: str, by: User, item: DemoItem | None = None) -> DemoFeedback:
    """A stakeholder's feedback at the demo, perhaps about one item shown."""
    require(by, "sync.give_feedback", art=demo.art)
    if item is not None and item.demo_id != demo.pk:
        raise ValidationError({"item": "That item was shown at another demo."})
    feedback = DemoFeedback(
        demo=demo,
        item=item,
        by=by,
        text=required_text(text, "text", "Write the feedback."),
        created_at=timezone.now(),
    )
    save_validated(feedback, ask_database=False)
    return feedback


def _lock_open_feedback(feedback: DemoFeedback, expected_version: int) -> DemoFeedback:
    current = locked(
        DemoFeedback.objects.select_related("demo__art", "demo__iteration"),
        feedback,
        expected_version,
        f"the feedback “{feedback.text[:40]}”",
    )
    if current.state != DemoFeedback.State.OPEN:
        raise ValidationError(f"This feedback is already handled: {current.get_state_display().lower()}.")
    return current


@transaction.atomic
def turn_feedback_into_backlog_item(
    feedback: DemoFeedback,
    *,
    by: User,
    expected_version: int,
    title: str = "",
    type: str = Feature.Type.BUSINESS,
) -> DemoFeedback:
    """Make the feedback a feature in the funnel of the ART backlog (through ``planning.services``)."""
    art = feedback.demo.art
    is_enabler = type == Feature.Type.ENABLER
    require(by, "planning.edit_enablers" if is_enabler else "planning.propose_feature", art=art)
    current = _lock_open_feedback(feedback, expected_version)
    title = (title or "").strip() or current.text.splitlines()[0][:200]
    if len(title) > 200:
        raise ValidationError({"title": "Keep the title under 200 characters."})
    description = f"Feedback at the System Demo of {current.demo.iteration}: {current.text}"
    if is_enabler:
        feature = planning_services.create_feature(art, title=title, by=by, type=type, description=description)
    else:
        # The funnel's intake, open to Business Owners: they turn what they saw into a backlog item.
        feature = planning_services.propose_feature(art, title=title, description=description, by=by)
    current.state = DemoFeedback.State.BACKLOG
    current.backlog_feature = feature
    current.handled_by = by
    current.handled_at = timezone.now()
    bump(current, "state", "backlog_feature", "handled_by", "handled_at")
    return current


@transaction.atomic
def close_feedback(feedback: DemoFeedback, *, reason: str, by: User, expected_version: int) -> DemoFeedback:
    """No action will be taken on this feedback; why is kept. Decided by those who own the backlog."""
    require(
        by,
        "planning.edit_backlog",
        art=feedback.demo.art,
        message="Only Product Management and the RTE decide that feedback needs no action.",
    )
    text = required_text(reason, "close_reason", "Say why no action is taken.", max_length=300)
    current = _lock_open_feedback(feedback, expected_version)
    current.state = DemoFeedback.State.CLOSED
    current.close_reason = text
    current.handled_by = by
    current.handled_at = timezone.now()
    bump(current, "state", "close_reason", "handled_by", "handled_at")
    return current
