"""PI objectives and their business value; who may change which field."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from artops.models import ProgramIncrement, Team, User
from artops.permissions import has_capability, require
from planning.models import (
    Feature,
    ObjectiveChange,
    PIObjective,
)
from planning.services.common import UNSET, _lock, _validated

# Who changes what of an objective: its writers the words, Business Owners the business value.
OBJECTIVE_FIELDS = ("statement", "committed", "features")
BUSINESS_VALUE_FIELDS = ("planned_business_value", "actual_business_value")


def _capabilities_for(fields) -> list[str]:
    fields = set(fields)
    unknown = fields - {*OBJECTIVE_FIELDS, *BUSINESS_VALUE_FIELDS}
    if unknown:
        raise ValueError(f"Not fields of an objective: {', '.join(sorted(unknown))}")
    needed = []
    if fields & set(BUSINESS_VALUE_FIELDS):
        needed.append("planning.set_business_value")
    if fields & set(OBJECTIVE_FIELDS):
        needed.append("planning.write_objectives")
    return needed


def can_change_objective(user: User, team: Team, fields=OBJECTIVE_FIELDS) -> bool:
    """Whether ``user`` may change these ``fields`` of ``team``'s objectives.

    The statement, commitment and linked features need ``planning.write_objectives`` for the
    team (its Scrum Master and PO, the RTE); the planned and actual business value need
    ``planning.set_business_value`` (Business Owners alone). A change naming both needs both.
    """
    return all(has_capability(user, capability, art=team.art, team=team) for capability in _capabilities_for(fields))


def require_change_objective(user: User, team: Team, fields=OBJECTIVE_FIELDS) -> None:
    """Refuse unless ``user`` may change these ``fields`` of ``team``'s objectives, with the reason."""
    for capability in _capabilities_for(fields):
        require(user, capability, art=team.art, team=team)


def _require_objectives(user: User, team: Team) -> None:
    require_change_objective(user, team, OBJECTIVE_FIELDS)


def _objective_label(objective: PIObjective) -> str:
    return f"the objective “{objective.statement[:40]}”"


def _shown(value) -> str:
    """How a value appears in an objective's history."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "committed" if value else "uncommitted"
    return str(value)


def _feature_keys(features) -> str:
    return ", ".join(sorted((feature.key for feature in features), key=lambda key: (len(key), key)))


def _record_objective(objective: PIObjective, field: str, old, new, *, by: User) -> None:
    ObjectiveChange.objects.create(
        objective=objective, field=field, old_value=_shown(old), new_value=_shown(new), at=timezone.now(), by=by
    )


def _check_features(features, team: Team) -> list[Feature]:
    features = list(features)
    if any(feature.art_id != team.art_id for feature in features):
        raise ValidationError({"features": "Link only features of this train."})
    return features


@transaction.atomic
def create_objective(
    team: Team, pi: ProgramIncrement, *, by: User, statement: str, committed: bool = True, features=()
) -> PIObjective:
    """Write a team PI objective (committed, or uncommitted as a stretch goal)."""
    _require_objectives(by, team)
    features = _check_features(features, team)
    objective = PIObjective(team=team, pi=pi, statement=(statement or "").strip(), committed=committed)
    _validated(objective)
    objective.features.set(features)
    _record_objective(objective, ObjectiveChange.Field.CREATED, None, objective.statement, by=by)
    return objective


@transaction.atomic
def update_objective(
    objective: PIObjective,
    *,
    by: User,
    expected_version: int,
    statement=UNSET,
    committed=UNSET,
    features=UNSET,
) -> PIObjective:
    """Change an objective's statement, commitment or linked features; each change is recorded."""
    _require_objectives(by, objective.team)
    current = _lock(PIObjective, objective, expected_version, _objective_label(objective))
    current.team, current.pi = objective.team, objective.pi
    changed = []
    if statement is not UNSET and statement.strip() != current.statement:
        changed.append((ObjectiveChange.Field.STATEMENT, current.statement, statement.strip()))
        current.statement = statement.strip()
    if committed is not UNSET and committed != current.committed:
        changed.append((ObjectiveChange.Field.COMMITTED, current.committed, committed))
        current.committed = committed
    current.version += 1
    _validated(current)
    if features is not UNSET:
        features = _check_features(features, objective.team)
        before = list(current.features.all())
        if {feature.pk for feature in before} != {feature.pk for feature in features}:
            current.features.set(features)
            changed.append((ObjectiveChange.Field.FEATURES, _feature_keys(before), _feature_keys(features)))
    for field, old, new in changed:
        _record_objective(current, field, old, new, by=by)
    return current


@transaction.atomic
def set_business_value(
    objective: PIObjective, *, by: User, expected_version: int, planned=UNSET, actual=UNSET
) -> PIObjective:
    """A Business Owner gives an objective its planned (1–10) or actual (0–10) business value."""
    require_change_objective(by, objective.team, BUSINESS_VALUE_FIELDS)
    current = _lock(PIObjective, objective, expected_version, _objective_label(objective))
    current.team, current.pi = objective.team, objective.pi
    changed = []
    if planned is not UNSET and planned != current.planned_business_value:
        changed.append((ObjectiveChange.Field.PLANNED_BV, current.planned_business_value, planned))
        current.planned_business_value = planned
    if actual is not UNSET and actual != current.actual_business_value:
        changed.append((ObjectiveChange.Field.ACTUAL_BV, current.actual_business_value, actual))
        current.actual_business_value = actual
    current.version += 1
    _validated(current)
    for field, old, new in changed:
        _record_objective(current, field, old, new, by=by)
    return current


@transaction.atomic
def delete_objective(objective: PIObjective, *, by: User, expected_version: int) -> None:
    _require_objectives(by, objective.team)
    _lock(PIObjective, objective, expected_version, _objective_label(objective)).delete()
