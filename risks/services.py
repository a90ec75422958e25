"""Every change of a risk or a dependency, one function per intent, each recorded in the same transaction.

The same functions serve the ROAM board, the dependency pages, their htmx endpoints, the API
and the shell. Capabilities (``artops/permissions.py``):

- raising a risk or a dependency: ``risks.raise`` (every member of the train);
- editing or ROAMing a risk: ``risks.roam`` (ART-wide roles; a Scrum Master or PO for their
  team's risks); whoever raised a risk may also correct its content;
- changing a dependency: ``risks.update_dependency`` for the needing or the providing team;
  its weekly review: ``risks.review_dependencies``, for either side as well.

Every write locks the row and compares the version the editor read: a change based on an
older version raises ``StaleVersion`` (a 409 on every interface), and nothing is lost.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from artops.models import ART, Iteration, ProgramIncrement, Team, User
from artops.notices import notify_owner
from artops.permissions import CAPABILITY_MESSAGES, has_capability, require
from artops.services import StaleVersion, lock_version, require_member, save_validated
from planning.models import BoardClock, Feature, FeaturePlacement
from risks.models import Dependency, DependencyChange, Risk, RiskChange

__all__ = ["StaleVersion"]

EDIT_REFUSAL = "Only those who may ROAM this risk, or whoever raised it, change it."
REVIEW_REFUSAL = CAPABILITY_MESSAGES["risks.review_dependencies"]

RISK_FIELDS = ("title", "description", "team", "owner", "probability", "impact", "due_date")
ROAM_FIELDS = ("owner", "rationale", "mitigation_plan")
DEPENDENCY_FIELDS = (
    "description",
    "providing_team",
    "external_party",
    "needing_feature",
    "providing_feature",
    "needed_by",
    "planned_iteration",
    "owner",
)


def _shown(value) -> str | int | None:
    """A value as the history shows it: names for people, teams and iterations, ISO dates."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, User):
        return value.display_name
    if isinstance(value, Iteration):
        return f"{value.pi.name} {value.name}"
    if isinstance(value, Feature):
        return value.key
    return str(value)


def _apply(obj, changes: dict) -> dict:
    """Set ``changes`` on ``obj``; return what really changed as {field: [before, after]}."""
    diff = {}
    for field, value in changes.items():
        if isinstance(value, str):
            value = value.strip()
        before = getattr(obj, field)
        if before != value:
            diff[field] = [_shown(before), _shown(value)]
            setattr(obj, field, value)
    return diff


def _save(obj) -> None:
    save_validated(obj, ask_database=False)


def _lock(model, obj, expected_version: int, label: str):
    return lock_version(model.objects.with_related(), obj.pk, expected_version, label)


def _check_unknown(changes: dict, allowed: tuple[str, ...]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")


# --- risks -----------------------------------------------------------------------------------


def can_roam(user: User, risk: Risk) -> bool:
    return has_capability(user, "risks.roam", art=risk.art, team=risk.team)


def can_edit_risk(user: User, risk: Risk) -> bool:
    """Those who may ROAM it, and whoever raised it (to correct what they wrote)."""
    return can_roam(user, risk) or (risk.raised_by_id == user.pk and has_capability(user, "risks.raise", art=risk.art))


def _risk_label(risk: Risk) -> str:
    return f"the risk “{risk.title}”"


def _tell_risk_owner(risk: Risk, by: User) -> None:
    """Email the risk's (new) owner, once the change commits (``artops.notices``)."""
    notify_owner(person=risk.owner, by=by, art=risk.art, what=_risk_label(risk), path=risk.get_absolute_url())


@transaction.atomic
def raise_risk(
    art: ART,
    *,
    by: User,
    pi: ProgramIncrement,
    title: str,
    team: Team | None = None,
    description: str = "",
    owner: User | None = None,
    probability: int = 3,
    impact: int = 3,
    due_date: date | None = None,
) -> Risk:
    """Raise a risk for a team or the whole train; it starts unroamed."""
    require(by, "risks.raise", art=art)
    require_member(owner, art)
    risk = Risk(
        art=art,
        pi=pi,
        team=team,
        title=(title or "").strip(),
        description=(description or "").strip(),
        raised_by=by,
        owner=owner,
        probability=probability,
        impact=impact,
        due_date=due_date,
    )
    _save(risk)
    RiskChange.objects.create(
        risk=risk,
        kind=RiskChange.Kind.RAISED,
        changes={"state": [None, risk.state], "severity": [None, probability * impact]},
        at=timezone.now(),
        by=by,
    )
    _tell_risk_owner(risk, by)
    return Risk.objects.with_related().get(pk=risk.pk)


@transaction.atomic
def update_risk(risk: Risk, *, by: User, expected_version: int, **changes) -> Risk:
    """Correct a risk's content: title, description, team, owner, probability, impact, due date."""
    _check_unknown(changes, RISK_FIELDS)
    if not can_edit_risk(by, risk):
        require(by, "risks.roam", art=risk.art, team=risk.team)
    if "team" in changes and changes["team"] != risk.team:
        # Handing a risk to another team (or to the whole train) needs the right to ROAM it there.
        require(by, "risks.roam", art=risk.art, team=changes["team"])
    if "owner" in changes:
        require_member(changes["owner"], risk.art)
    current = _lock(Risk, risk, expected_version, _risk_label(risk))
    current.art, current.pi = risk.art, risk.pi
    diff = _apply(current, changes)
    if not diff:
        return Risk.objects.with_related().get(pk=current.pk)
    current.version += 1
    _save(current)
    RiskChange.objects.create(risk=current, kind=RiskChange.Kind.EDITED, changes=diff, at=timezone.now(), by=by)
    if "owner" in diff:
        _tell_risk_owner(current, by)
    return Risk.objects.with_related().get(pk=current.pk)


@transaction.atomic
def roam_risk(risk: Risk, *, to: str, by: User, expected_version: int, note: str = "", **needs) -> Risk:
    """Move a risk on the ROAM board, with what the target state needs (owner, rationale or plan)."""
    _check_unknown(needs, ROAM_FIELDS)
    require(by, "risks.roam", art=risk.art, team=risk.team)
    current = _lock(Risk, risk, expected_version, _risk_label(risk))
    current.art, current.pi = risk.art, risk.pi
    current.check_transition(to)
    if "owner" in needs:
        require_member(needs["owner"], risk.art)
    diff = {"state": [current.state, to], **_apply(current, needs)}
    current.state = to
    current.version += 1
    _save(current)
    RiskChange.objects.create(
        risk=current, kind=RiskChange.Kind.MOVED, changes=diff, note=note.strip(), at=timezone.now(), by=by
    )
    if "owner" in diff:
        _tell_risk_owner(current, by)
    return Risk.objects.with_related().get(pk=current.pk)


# --- dependencies ------------------------------------------------------------------------------


def _holds_on_either_side(user: User, capability: str, dependency: Dependency) -> bool:
    """``capability`` for the needing team or for the providing team (an ART-wide grant anywhere)."""
    art = dependency.art
    if has_capability(user, capability, art=art, team=dependency.needing_team):
        return True
    return dependency.providing_team_id is not None and has_capability(
        user, capability, art=art, team=dependency.providing_team
    )


def can_update_dependency(user: User, dependency: Dependency) -> bool:
    """The needing side or the providing side (the RTE anywhere on the train)."""
    return _holds_on_either_side(user, "risks.update_dependency", dependency)


def require_update_dependency(user: User, dependency: Dependency) -> None:
    """Refuse unless ``user`` may change ``dependency``, with the reason."""
    if not can_update_dependency(user, dependency):
        raise PermissionDenied(CAPABILITY_MESSAGES["risks.update_dependency"])


def _dependency_label(dependency: Dependency) -> str:
    return f"the dependency of {dependency.needing_team.name} on {dependency.provider_name}"


def _tell_dependency_owner(dependency: Dependency, by: User) -> None:
    """Email the dependency's (new) owner, once the change commits (``artops.notices``)."""
    what = _dependency_label(dependency)
    notify_owner(person=dependency.owner, by=by, art=dependency.art, what=what, path=dependency.get_absolute_url())


@transaction.atomic
def raise_dependency(
    art: ART,
    *,
    by: User,
    pi: ProgramIncrement,
    needing_team: Team,
    description: str,
    needed_by: Iteration,
    owner: User,
    providing_team: Team | None = None,
    external_party: str = "",
    needing_feature: Feature | None = None,
    providing_feature: Feature | None = None,
    planned_iteration: Iteration | None = None,
) -> Dependency:
    """Raise a dependency with its owner and needed-by iteration set at once."""
    require(by, "risks.raise", art=art)
    if owner is None:
        raise ValidationError({"owner": "Every dependency has an owner from the start."})
    require_member(owner, art)
    dependency = Dependency(
        art=art,
        pi=pi,
        needing_team=needing_team,
        providing_team=providing_team,
        external_party=(external_party or "").strip(),
        description=(description or "").strip(),
        needing_feature=needing_feature,
        providing_feature=providing_feature,
        needed_by=needed_by,
        planned_iteration=planned_iteration,
        owner=owner,
        created_at=timezone.now(),
    )
    _save(dependency)
    DependencyChange.objects.create(
        dependency=dependency,
        kind=DependencyChange.Kind.RAISED,
        changes={"state": [None, dependency.state], "needed_by": [None, _shown(needed_by)]},
        at=dependency.created_at,
        by=by,
    )
    BoardClock.tick(pi.pk)
    _tell_dependency_owner(dependency, by)
    return Dependency.objects.with_related().get(pk=dependency.pk)


@transaction.atomic
def update_dependency(dependency: Dependency, *, by: User, expected_version: int, **changes) -> Dependency:
    """Change what is needed, who provides it, when it is needed or planned, or its owner."""
    _check_unknown(changes, DEPENDENCY_FIELDS)
    require_update_dependency(by, dependency)
    if "owner" in changes:
        if changes["owner"] is None:
            raise ValidationError({"owner": "Every dependency has an owner."})
        require_member(changes["owner"], dependency.art)
    current = _lock(Dependency, dependency, expected_version, _dependency_label(dependency))
    current.art, current.pi = dependency.art, dependency.pi
    if not current.is_open:
        raise ValidationError(f"This dependency is {current.get_state_display().lower()}: it no longer changes.")
    diff = _apply(current, changes)
    if not diff:
        return Dependency.objects.with_related().get(pk=current.pk)
    current.version += 1
    _save(current)
    DependencyChange.objects.create(
        dependency=current, kind=DependencyChange.Kind.EDITED, changes=diff, at=timezone.now(), by=by
    )
    BoardClock.tick(current.pi_id)
    if "owner" in diff:
        _tell_dependency_owner(current, by)
    return Dependency.objects.with_related().get(pk=current.pk)


@transaction.atomic
def move_dependency(dependency: Dependency, *, to: str, by: User, expected_version: int, note: str = "") -> Dependency:
    """requested → committed → delivered, or at risk / blocked / cancelled on the way."""
    require_update_dependency(by, dependency)
    current = _lock(Dependency, dependency, expected_version, _dependency_label(dependency))
    current.art, current.pi = dependency.art, dependency.pi
    current.check_transition(to)
    diff = {"state": [current.state, to]}
    current.state = to
    current.closed_at = timezone.now() if to in Dependency.CLOSED else None
    current.version += 1
    _save(current)
    DependencyChange.objects.create(
        dependency=current, kind=DependencyChange.Kind.MOVED, changes=diff, note=note.strip(), at=timezone.now(), by=by
    )
    BoardClock.tick(current.pi_id)
    return Dependency.objects.with_related().get(pk=current.pk)


def can_review_dependency(user: User, dependency: Dependency) -> bool:
    """``risks.review_dependencies`` on either side of the dependency (the RTE anywhere on the train)."""
    return _holds_on_either_side(user, "risks.review_dependencies", dependency)


def require_review_dependency(user: User, dependency: Dependency) -> None:
    """Refuse unless ``user`` may review ``dependency``, with the reason."""
    if not can_review_dependency(user, dependency):
        raise PermissionDenied(REVIEW_REFUSAL)


@transaction.atomic
def review_dependency(
    dependency: Dependency, *, by: User, expected_version: int, next_action: str, reviewed_on: date
) -> Dependency:
    """The weekly review: record the next action and the day it was reviewed."""
    require_review_dependency(by, dependency)
    current = _lock(Dependency, dependency, expected_version, _dependency_label(dependency))
    current.art, current.pi = dependency.art, dependency.pi
    diff = _apply(current, {"next_action": next_action, "reviewed_on": reviewed_on})
    current.version += 1
    _save(current)
    DependencyChange.objects.create(
        dependency=current, kind=DependencyChange.Kind.REVIEWED, changes=diff, at=timezone.now(), by=by
    )
    return Dependency.objects.with_related().get(pk=current.pk)


def follow_placement(placement: FeaturePlacement, *, by: User) -> list[Dependency]:
    """The open dependencies this card provides are planned where the card now is.

    A dependency names the feature and team that provide it; when that team places or moves
    the feature's card, the dependency's planned iteration follows, with a recorded change,
    so that its health on every page is the one the program board shows. Runs inside the
    transaction of the move (``planning.signals.placement_planned``).
    """
    followers = list(
        Dependency.objects.open()
        .select_for_update(of=("self",))
        .filter(providing_feature_id=placement.feature_id, providing_team_id=placement.team_id)
        .exclude(planned_iteration_id=placement.iteration_id)
        .select_related("planned_iteration__pi")
    )
    now = timezone.now()
    after = _shown(placement.iteration)
    changes = []
    for dependency in followers:
        before = _shown(dependency.planned_iteration) if dependency.planned_iteration_id else None
        changes.append(
            DependencyChange(
                dependency=dependency,
                kind=DependencyChange.Kind.EDITED,
                changes={"planned_iteration": [before, after]},
                note=f"Follows the card of {placement.feature.key} on {placement.team.name}'s plan.",
                at=now,
                by=by,
            )
        )
        dependency.planned_iteration = placement.iteration
        dependency.version += 1
        dependency.updated_at = now
    Dependency.objects.bulk_update(followers, ["planned_iteration", "version", "updated_at"])
    DependencyChange.objects.bulk_create(changes)
    return followers


@transaction.atomic
def raise_imported_dependencies(*, art: ART, links: list, by: User | None, save: bool, **_) -> dict[int, str]:
    """The dependencies of a Jira import's "blocks" links between teams (``IMPORTED_BLOCKING_LINKS``).

    Each link (``planning.jira_import.BlockingLink``) is checked by the rules of ``Dependency``
    and, when ``save``, raised as ``raise_dependency`` would, with the importer as its owner; a
    link raised by an earlier import (its description names the two issues) is left as it is, so
    importing the same export again raises nothing. Set-based: one read, one write per table.
    Returns the refusal of each link that cannot become a dependency, by its index; nothing is
    written unless every link is accepted.
    """
    if not links:
        return {}
    if save:
        require(by, "risks.raise", art=art)
    descriptions = [link.description for link in links]
    raised = set(Dependency.objects.filter(art=art, description__in=descriptions).values_list("description", flat=True))
    now = timezone.now()
    refusals: dict[int, str] = {}
    new: list[Dependency] = []
    for index, link in enumerate(links):
        label = f"{link.blocker} blocks {link.blocked}"
        if link.pi is None:
            refusals[index] = f"{label}: neither issue has a fix version naming a PI, and a dependency belongs to a PI."
            continue
        if link.needed_by is None:
            refusals[index] = f"{label}: {link.pi.name} has no development iteration to need it by."
            continue
        if link.description in raised:
            continue
        dependency = Dependency(
            art=art,
            pi=link.pi,
            needing_team=link.needing_team,
            providing_team=link.providing_team,
            description=link.description,
            needing_feature=link.needing_feature,
            providing_feature=link.providing_feature,
            needed_by=link.needed_by,
            planned_iteration=link.planned_iteration,
            owner=by,
            created_at=now,
        )
        try:
            # The model's own rules; its related objects are already read, so no query per link.
            dependency.clean()
        except ValidationError as error:
            refusals[index] = f"{label}: {' '.join(error.messages)}"
            continue
        new.append(dependency)
    if refusals or not save or not new:
        return refusals
    Dependency.objects.bulk_create(new)
    DependencyChange.objects.bulk_create(
        DependencyChange(
            dependency=dependency,
            kind=DependencyChange.Kind.RAISED,
            changes={"state": [None, dependency.state], "needed_by": [None, _shown(dependency.needed_by)]},
            note="Raised from a “blocks” link of a Jira import.",
            at=now,
            by=by,
        )
        for dependency in new
    )
    for pi_id in sorted({dependency.pi_id for dependency in new}):
        BoardClock.tick(pi_id)
    return {}
