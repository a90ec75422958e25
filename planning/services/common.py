"""What the planning services share: validated saves, version locks, the team-plan right."""

from __future__ import annotations

from artops.models import Team, User
from artops.permissions import require
from artops.services import lock_version, save_validated


def _require_team_plan(user: User, team: Team) -> None:
    require(user, "planning.edit_team_plan", art=team.art, team=team)


def _validated(obj, **save_kwargs) -> None:
    """Validate fields and cross-object rules (``clean``), then save; constraints are the write's."""
    save_validated(obj, ask_database=False, **save_kwargs)


def _lock(model, obj, expected_version: int, label: str | None = None):
    return lock_version(model.objects.all(), obj.pk, expected_version, label)


# A keyword argument the caller did not give (None is a value: "no owner").
UNSET = object()
