"""Every change of an Inspect & Adapt, one function per intent (pages, API, demo and shell alike).

Who may do what (``artops.permissions``):

- the RTE facilitates (``sync.facilitate``, DESIGN.md's "run ART Sync, System Demo, I&A"): opens
  the I&A of a PI, moves it from screen to screen, sets the dot votes, freezes the review,
  restates the problem, writes the improvement items and closes the event;
- every member of the train contributes (``metrics.contribute_ia``): problems, causes on the
  fishbone and their whys, dot votes, brainstormed solutions. Teams may draft problems before
  the event; once it is held, its workshop no longer changes.

Every change moves the event's ``version`` on by one, so that the pages that poll it see it.
Invalid input raises ``ValidationError`` with a message a person reads, and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from artops.models import ART, ProgramIncrement, Team, User
from artops.permissions import has_capability
from artops.services import require_member, save_validated
from metrics.ia import review
from metrics.ia.models import (
    MAX_VOTES,
    MAX_WHYS,
    Bone,
    Cause,
    DotVote,
    ImprovementItem,
    InspectAdapt,
    Problem,
    Solution,
    Step,
)
from planning import services as planning
from planning.models import Feature

FACILITATE = "sync.facilitate"
CONTRIBUTE = "metrics.contribute_ia"
REFUSALS = {
    FACILITATE: "Only the Release Train Engineer facilitates the Inspect & Adapt.",
    CONTRIBUTE: "Only members of this train take part in its Inspect & Adapt.",
}
HELD_REFUSAL = "This Inspect & Adapt is held: its workshop no longer changes."
VOTING_CLOSED = "Dot voting is open during step 3 only: the facilitator moves the workshop there."


def can(user: User, capability: str, art: ART) -> bool:
    return has_capability(user, capability, art=art)


def require(user: User, capability: str, art: ART) -> None:
    if not has_capability(user, capability, art=art):
        raise PermissionDenied(REFUSALS[capability])


def _locked(event: InspectAdapt) -> InspectAdapt:
    """The event's current row, locked until the end of the transaction (votes are counted under it)."""
    return InspectAdapt.objects.select_for_update(of=("self",)).select_related("art", "pi").get(pk=event.pk)


def _changed(event: InspectAdapt) -> None:
    """Tell the polling pages that the event or its workshop changed."""
    InspectAdapt.objects.filter(pk=event.pk).update(version=F("version") + 1, updated_at=timezone.now())


def _open_workshop(event: InspectAdapt) -> None:
    if event.is_held:
        raise ValidationError(HELD_REFUSAL)


def _required(value: str | None, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


# --- the event ------------------------------------------------------------------------------------


@transaction.atomic
def open_ia(pi: ProgramIncrement, *, by: User, held_on: date | None = None) -> InspectAdapt:
    """Open the I&A of a PI (one per PI), held on ``held_on`` (default: the PI's last day)."""
    require(by, FACILITATE, pi.art)
    if InspectAdapt.objects.filter(pi=pi).exists():
        raise ValidationError({"pi": f"{pi.name} already has its Inspect & Adapt."})
    event = InspectAdapt(art=pi.art, pi=pi, held_on=held_on or pi.end_date, opened_by=by)
    save_validated(event)
    return event


@transaction.atomic
def move_to_step(event: InspectAdapt, *, step: str, by: User) -> InspectAdapt:
    """Show everyone another screen of the I&A; the first move starts the event."""
    require(by, FACILITATE, event.art)
    if step not in Step.values:
        raise ValidationError({"step": f"“{step}” is not a step of the I&A."})
    event = _locked(event)
    _open_workshop(event)
    event.step = step
    if event.state == InspectAdapt.State.SCHEDULED:
        event.state = InspectAdapt.State.RUNNING
    event.version += 1
    event.save(update_fields=["step", "state", "version", "updated_at"])
    return event


NOTE_FIELDS = ("demo_note", "retrospective", "held_on")


@transaction.atomic
def update_event(event: InspectAdapt, *, by: User, **changes) -> InspectAdapt:
    """Change the I&A's date, the note on the PI System Demo or the retrospective's notes."""
    require(by, FACILITATE, event.art)
    unknown = set(changes) - set(NOTE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields do not exist: {', '.join(sorted(unknown))}.")
    event = _locked(event)
    for field, value in changes.items():
        setattr(event, field, value.strip() if isinstance(value, str) else value)
    event.version += 1
    save_validated(event, ask_database=False)
    return event


@dataclass(frozen=True)
class AllowanceChange:
    """The event after a change of the dot votes, and how many votes already cast were taken back."""

    event: InspectAdapt
    removed: int


def _excess(votes: QuerySet[DotVote], partition: list[str], keep: int) -> list[int]:
    """Ids of the votes beyond the first ``keep`` of each ``partition`` (oldest kept, so the newest go)."""
    numbered = votes.annotate(
        n=Window(RowNumber(), partition_by=[F(name) for name in partition], order_by=[F("created_at"), F("pk")])
    )
    return list(numbered.filter(n__gt=keep).values_list("pk", flat=True))


@transaction.atomic
def set_vote_allowance(
    event: InspectAdapt, *, votes_per_person: int, votes_per_cause: int, by: User
) -> AllowanceChange:
    """Set the dot votes each participant has (1–12) and the limit per cause (never above it).

    Lowering either takes back the votes already cast beyond it, the newest first; the answer
    says how many, so that the facilitator can tell the room.
    """
    require(by, FACILITATE, event.art)
    errors = {}
    if not 1 <= votes_per_person <= MAX_VOTES:
        errors["votes_per_person"] = f"Give each person 1 to {MAX_VOTES} votes."
    if not 1 <= votes_per_cause <= MAX_VOTES:
        errors["votes_per_cause"] = f"The limit per cause is 1 to {MAX_VOTES} votes."
    elif votes_per_cause > votes_per_person:
        errors["votes_per_cause"] = (
            f"The limit per cause ({votes_per_cause}) cannot be above the votes each person has ({votes_per_person})."
        )
    if errors:
        raise ValidationError(errors)
    event = _locked(event)
    _open_workshop(event)
    votes = DotVote.objects.filter(cause__problem__event=event)
    removed = _excess(votes, ["voter_id", "cause_id"], votes_per_cause)
    DotVote.objects.filter(pk__in=removed).delete()
    over_allowance = _excess(votes, ["voter_id"], votes_per_person)
    DotVote.objects.filter(pk__in=over_allowance).delete()
    event.votes_per_person, event.votes_per_cause = votes_per_person, votes_per_cause
    event.version += 1
    event.save(update_fields=["votes_per_person", "votes_per_cause", "version", "updated_at"])
    return AllowanceChange(event, len(removed) + len(over_allowance))


@transaction.atomic
def freeze_review(event: InspectAdapt, *, by: User, day: date | None = None) -> InspectAdapt:
    """Keep the quantitative review as it stands on ``day`` (default: the train's today), for good."""
    require(by, FACILITATE, event.art)
    event = _locked(event)
    if event.review is not None:
        raise ValidationError("The review is already frozen: it stays as the I&A saw it.")
    event.review = review.compute(event, day=day or event.art.today())
    event.review_frozen_at = timezone.now()
    event.version += 1
    event.save(update_fields=["review", "review_frozen_at", "version", "updated_at"])
    return event


@transaction.atomic
def close_ia(event: InspectAdapt, *, by: User) -> InspectAdapt:
    """The I&A is held: its workshop no longer changes, and its review is frozen if it was not yet."""
    require(by, FACILITATE, event.art)
    event = _locked(event)
    _open_workshop(event)
    if event.review is None:
        event.review = review.compute(event, day=event.art.today())
        event.review_frozen_at = timezone.now()
    event.state = InspectAdapt.State.HELD
    event.version += 1
    event.save(update_fields=["state", "review", "review_frozen_at", "version", "updated_at"])
    return event


# --- 1. problems, 2. causes and whys -------------------------------------------------------------


@transaction.atomic
def add_problem(
    event: InspectAdapt,
    *,
    by: User,
    what: str,
    where: str = "",
    when: str = "",
    impact: str = "",
    team: Team | None = None,
) -> Problem:
    """A problem statement: what (required), where, when and its impact; a team may draft it before the event."""
    require(by, CONTRIBUTE, event.art)
    event = _locked(event)
    _open_workshop(event)
    what = _required(what, "what", "Say what the problem is.")
    if team is not None and team.art_id != event.art_id:
        raise ValidationError({"team": "That team belongs to another train."})
    problem = Problem(
        event=event, what=what, where=(where or "").strip(), when=(when or "").strip(),
        impact=(impact or "").strip(), team=team, added_by=by,
    )  # fmt: skip
    save_validated(problem, ask_database=False)
    _changed(event)
    return problem


@transaction.atomic
def add_cause(problem: Problem, *, by: User, bone: str, text: str) -> Cause:
    """A root cause of ``problem`` on one of the fishbone's five bones."""
    require(by, CONTRIBUTE, problem.event.art)
    event = _locked(problem.event)
    _open_workshop(event)
    if bone not in Bone.values:
        raise ValidationError({"bone": "Choose a bone: people, process, tools, program or environment."})
    cause = Cause(problem=problem, bone=bone, text=_required(text, "text", "Say what the cause is."), added_by=by)
    save_validated(cause, ask_database=False)
    _changed(event)
    return cause


@transaction.atomic
def add_why(cause: Cause, *, by: User, text: str) -> Cause:
    """Ask "why?" once more: the answer goes at the end of the cause's chain, at most five."""
    require(by, CONTRIBUTE, cause.problem.event.art)
    event = _locked(cause.problem.event)
    _open_workshop(event)
    answer = _required(text, "text", "Say why.")
    cause = Cause.objects.select_for_update().select_related("problem__event__art").get(pk=cause.pk)
    if len(cause.whys) >= MAX_WHYS:
        raise ValidationError({"text": f"This cause already has its {MAX_WHYS} whys."})
    cause.whys = [*cause.whys, answer]
    save_validated(cause, ask_database=False)
    _changed(event)
    return cause


# --- 3. dot voting ---------------------------------------------------------------------------------


def votes_left(event: InspectAdapt, user: User) -> tuple[int, dict[int, int]]:
    """(votes ``user`` has left, their votes per cause id): one query."""
    mine: dict[int, int] = {}
    for cause_id in DotVote.objects.filter(cause__problem__event=event, voter=user).values_list("cause_id", flat=True):
        mine[cause_id] = mine.get(cause_id, 0) + 1
    return event.votes_per_person - sum(mine.values()), mine


@transaction.atomic
def cast_vote(cause: Cause, *, by: User) -> DotVote:
    """Put one of your dots on ``cause``: refused beyond your allowance or the limit per cause."""
    require(by, CONTRIBUTE, cause.problem.event.art)
    event = _locked(cause.problem.event)  # votes of one event are counted one at a time
    _open_workshop(event)
    if event.step != Step.VOTE:
        raise ValidationError(VOTING_CLOSED)
    left, mine = votes_left(event, by)
    if left <= 0:
        raise ValidationError(
            f"You have used all {event.votes_per_person} of your votes: take one back from another cause first."
        )
    if mine.get(cause.pk, 0) >= event.votes_per_cause:
        raise ValidationError(
            f"You already put {event.votes_per_cause} votes on this cause, the most one person may: "
            "spend the rest on other causes."
        )
    vote = DotVote.objects.create(cause=cause, voter=by)
    _changed(event)
    return vote


@transaction.atomic
def withdraw_vote(cause: Cause, *, by: User) -> None:
    """Take back your newest dot on ``cause``."""
    require(by, CONTRIBUTE, cause.problem.event.art)
    event = _locked(cause.problem.event)
    _open_workshop(event)
    if event.step != Step.VOTE:
        raise ValidationError(VOTING_CLOSED)
    newest = DotVote.objects.filter(cause=cause, voter=by).order_by("-created_at", "-pk").first()
    if newest is None:
        raise ValidationError("You have no vote on this cause to take back.")
    newest.delete()
    _changed(event)


@dataclass
class ParetoBar:
    """One cause in the Pareto chart: its votes, the cumulative share of all votes up to it, and (for the
    person looking) how many of the votes are theirs."""

    cause: Cause
    votes: int
    cumulative: int  # percent, 0–100
    mine: int = 0


def pareto(event: InspectAdapt) -> list[ParetoBar]:
    """The causes of the event by dot votes, most first; ties: the cause added earlier first. One query."""
    causes = list(Cause.objects.for_event(event).pareto().select_related("problem"))
    total = sum(cause.tally for cause in causes)
    bars, running = [], 0
    for cause in causes:
        running += cause.tally
        bars.append(ParetoBar(cause, cause.tally, round(100 * running / total) if total else 0))
    return bars


# --- 4. restatement, 5. solutions ------------------------------------------------------------------


@transaction.atomic
def restate_problem(event: InspectAdapt, *, cause: Cause, text: str, by: User) -> InspectAdapt:
    """The problem restated for the cause the vote chose (usually the top of the Pareto)."""
    require(by, FACILITATE, event.art)
    if cause.problem.event_id != event.pk:
        raise ValidationError({"cause": "Choose a cause of this I&A."})
    text = _required(text, "text", "Write the restated problem.")
    event = _locked(event)
    _open_workshop(event)
    event.chosen_cause, event.restated_problem = cause, text
    event.version += 1
    save_validated(event, ask_database=False)
    return event


@transaction.atomic
def add_solution(event: InspectAdapt, *, text: str, by: User) -> Solution:
    """A brainstormed solution to the restated problem."""
    require(by, CONTRIBUTE, event.art)
    event = _locked(event)
    _open_workshop(event)
    solution = Solution(event=event, text=_required(text, "text", "Write the solution."), added_by=by)
    save_validated(solution, ask_database=False)
    _changed(event)
    return solution


# --- 6. improvement items ----------------------------------------------------------------------------

IMPROVEMENT_DESCRIPTION = "Improvement item of the Inspect & Adapt of {pi}."


@transaction.atomic
def add_improvement(
    event: InspectAdapt,
    *,
    by: User,
    title: str,
    owner: User | None,
    target_pi: ProgramIncrement | None,
    measure_of_done: str,
    type: str = Feature.Type.ENABLER,
    cause: Cause | None = None,
) -> ImprovementItem:
    """An improvement item, which becomes a feature (or enabler) of the ART backlog in its target PI.

    It needs an owner (a member of the train) and a target PI that has not ended. Its feature
    is ranked by WSJF like any other and shows as an improvement in the backlog.
    """
    art = event.art
    require(by, FACILITATE, art)
    event = _locked(event)
    _open_workshop(event)
    errors = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "Give the improvement item a title."
    if owner is None:
        errors["owner"] = "An improvement item needs an owner: choose a member of the train."
    if target_pi is None:
        errors["target_pi"] = "Choose the PI the improvement goes into."
    elif target_pi.art_id != art.pk:
        errors["target_pi"] = "That PI belongs to another train."
    elif target_pi.end_date < art.today():
        errors["target_pi"] = f"{target_pi.name} has ended: choose a PI that has not ended yet."
    if not (measure_of_done or "").strip():
        errors["measure_of_done"] = "Say how the train will know the improvement is done."
    if cause is not None and cause.problem.event_id != event.pk:
        errors["cause"] = "Choose a cause of this I&A."
    if errors:
        raise ValidationError(errors)
    require_member(owner, art)
    feature = planning.create_feature(
        art,
        title=title,
        by=by,
        type=type,
        pi=target_pi,
        description=IMPROVEMENT_DESCRIPTION.format(pi=event.pi.name),
        acceptance_criteria=measure_of_done.strip(),
    )
    item = ImprovementItem(
        event=event, title=title, owner=owner, target_pi=target_pi, measure_of_done=measure_of_done.strip(),
        feature=feature, cause=cause, added_by=by,
    )  # fmt: skip
    save_validated(item, ask_database=False)
    _changed(event)
    return item


@transaction.atomic
def drop_improvement(item: ImprovementItem, *, reason: str, by: User) -> ImprovementItem:
    """Decide not to pursue an improvement item, saying why (its feature stays in the backlog)."""
    require(by, FACILITATE, item.event.art)
    reason = _required(reason, "drop_reason", "Say why the item is dropped.")
    item = ImprovementItem.objects.select_for_update(of=("self",)).select_related("event").get(pk=item.pk)
    if item.dropped:
        raise ValidationError("This item is already dropped.")
    item.dropped, item.drop_reason, item.dropped_at = True, reason, timezone.now()
    save_validated(item, ask_database=False)
    _changed(item.event)
    return item
