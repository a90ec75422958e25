"""What the sync services share: the refusals of the sync capabilities, and reading a versioned row.

The capability table (``artops.permissions``) decides; these messages say why a refusal
happened in the words of the sync pages.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet

from artops.models import ART, Team, User
from artops.permissions import CAPABILITY_MESSAGES, has_capability
from artops.permissions import require as require_capability
from artops.services import lock_version

REFUSALS = {
    "sync.facilitate": "Only the Release Train Engineer runs the train's syncs and System Demos.",
    "sync.post_status": "Only the team's Scrum Master and Product Owner (or the RTE) post the team's status.",
    "sync.escalate_to_train": (
        "Only the team's Scrum Master and Product Owner (or the RTE) escalate its impediment to the train."
    ),
    "sync.escalate_beyond": "Only the Release Train Engineer escalates an impediment beyond the train.",
    "sync.give_feedback": "Only members of this train give feedback at its System Demo.",
    "risks.raise": "Only members of this train raise impediments.",
    "planning.edit_backlog": "Only Product Management and the RTE change the ART backlog.",
    "planning.propose_feature": (
        "Only the RTE, Product Management, System Architects and Business Owners turn feedback into a backlog item."
    ),
    "planning.edit_enablers": "Only Product Management, System Architects and the RTE add enablers to the backlog.",
}


def require(user: User, capability: str, *, art: ART, team: Team | None = None, message: str = "") -> None:
    """``artops.permissions.require``, refusing with the sync's own words (or ``message``)."""
    try:
        require_capability(user, capability, art=art, team=team)
    except PermissionDenied:
        raise PermissionDenied(message or REFUSALS.get(capability) or CAPABILITY_MESSAGES.get(capability, "")) from None


def holds(user: User, capability: str, *, art: ART, team: Team | None = None) -> bool:
    return has_capability(user, capability, art=art, team=team)


def locked(queryset: QuerySet, obj: Model, expected_version: int, label: str):
    """The current row of ``obj``, locked; a version other than ``expected_version`` raises StaleVersion."""
    return lock_version(queryset, obj.pk, expected_version, label)


def bump(obj: Model, *fields: str) -> None:
    """Save ``fields`` of a checked row with its version moved on by one."""
    obj.version += 1
    names = [*fields, "version"]
    if any(field.name == "updated_at" for field in obj._meta.concrete_fields):
        names.append("updated_at")
    obj.save(update_fields=names)


def required_text(value: str | None, field: str, message: str, max_length: int | None = None) -> str:
    """``value`` stripped; empty is refused with ``message`` on ``field``, and so is text over ``max_length``."""
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message})
    if max_length is not None and len(text) > max_length:
        raise ValidationError({field: f"Keep it under {max_length} characters."})
    return text


def check_choice(value: str, choices, field: str, message: str) -> None:
    if value not in choices.values:
        raise ValidationError({field: message})
