"""Impediments: raised by anyone on the train, escalated team → train → beyond the train, resolved or dropped.

Escalating needs the capability of the level it goes to: to the train
(``sync.escalate_to_train``) the team's Scrum Master or Product Owner, or the RTE; beyond the
train (``sync.escalate_beyond``) the RTE alone. Every escalation is recorded with who and when.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from artops.models import ART, Team, User
from artops.services import require_member, save_validated
from sync.models import Impediment, ImpedimentEscalation
from sync.services.common import bump, holds, locked, require, required_text

Level = Impediment.Level
State = Impediment.State

# The capability each level needs to be escalated to.
ESCALATION_CAPABILITY = {Level.TRAIN: "sync.escalate_to_train", Level.BEYOND: "sync.escalate_beyond"}
CLOSE_REFUSAL = "Only the impediment's owner, its team's Scrum Master or Product Owner, or the RTE close it."


def _label(impediment: Impediment) -> str:
    return f"the impediment “{impediment.description[:40]}”"


def _lock(impediment: Impediment, expected_version: int) -> Impediment:
    return locked(Impediment.objects.with_related(), impediment, expected_version, _label(impediment))


@transaction.atomic
def raise_impediment(
    art: ART,
    *,
    team: Team,
    description: str,
    by: User,
    owner: User | None = None,
    due_date: date | None = None,
) -> Impediment:
    """Raise an impediment of a team, at the team's level; its owner is whoever raised it unless named."""
    require(by, "risks.raise", art=art)
    if team is None or team.art_id != art.pk:
        raise ValidationError({"team": "Choose a team of this train."})
    owner = owner or by
    require_member(owner, art)
    impediment = Impediment(
        art=art,
        team=team,
        description=required_text(description, "description", "Describe the impediment."),
        raised_by=by,
        owner=owner,
        due_date=due_date,
        raised_at=timezone.now(),
    )
    save_validated(impediment, ask_database=False)
    return impediment


def can_escalate(user: User, impediment: Impediment, to: str) -> bool:
    capability = ESCALATION_CAPABILITY.get(to)
    return capability is not None and holds(user, capability, art=impediment.art, team=impediment.team)


@transaction.atomic
def escalate_impediment(
    impediment: Impediment, *, to: str, by: User, expected_version: int, note: str = ""
) -> Impediment:
    """Escalate an open impediment upwards, to the train or beyond it (one step or both at once)."""
    if to not in ESCALATION_CAPABILITY:
        raise ValidationError({"level": "An impediment is escalated to the train or beyond the train."})
    require(by, ESCALATION_CAPABILITY[to], art=impediment.art, team=impediment.team)
    current = _lock(impediment, expected_version)
    if current.state != State.OPEN:
        raise ValidationError(f"This impediment is {current.get_state_display().lower()}: it is not escalated.")
    if Impediment.LEVELS.index(to) <= Impediment.LEVELS.index(current.level):
        raise ValidationError(
            {
                "level": f"It is already at the level “{current.get_level_display()}”: an impediment is escalated "
                "upwards only (team → train → beyond the train)."
            }
        )
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError({"note": "Keep the note under 300 characters."})
    ImpedimentEscalation.objects.create(
        impediment=current, from_level=current.level, to_level=to, note=note, by=by, at=timezone.now()
    )
    current.level = to
    bump(current, "level")
    return current


def can_close(user: User, impediment: Impediment) -> bool:
    """Its owner, its team's Scrum Master or PO, and the RTE."""
    return user.pk == impediment.owner_id or holds(user, "sync.post_status", art=impediment.art, team=impediment.team)


def _close(impediment: Impediment, *, to: str, text: str, by: User, expected_version: int) -> Impediment:
    if not can_close(by, impediment):
        raise PermissionDenied(CLOSE_REFUSAL)
    current = _lock(impediment, expected_version)
    if current.state != State.OPEN:
        raise ValidationError(f"This impediment is already {current.get_state_display().lower()}.")
    current.state = to
    current.resolution = text
    current.resolved_at = timezone.now()
    bump(current, "state", "resolution", "resolved_at")
    return current


@transaction.atomic
def resolve_impediment(impediment: Impediment, *, resolution: str, by: User, expected_version: int) -> Impediment:
    """It no longer stops the team; how it was resolved is kept, and its time to resolve is known."""
    text = required_text(resolution, "resolution", "Say how it was resolved.", max_length=1000)
    return _close(impediment, to=State.RESOLVED, text=text, by=by, expected_version=expected_version)


@transaction.atomic
def drop_impediment(impediment: Impediment, *, reason: str, by: User, expected_version: int) -> Impediment:
    """It is no longer worth removing (it went away, or the work that needed it did); why is kept."""
    text = required_text(reason, "resolution", "Say why it is dropped.", max_length=1000)
    return _close(impediment, to=State.DROPPED, text=text, by=by, expected_version=expected_version)
