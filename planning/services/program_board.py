"""The program board's milestones, and committing the plan (the baseline "planned vs now" compares with)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from artops.models import ProgramIncrement, User
from artops.permissions import require
from planning.models import (
    BaselineObjective,
    BaselinePlacement,
    BoardClock,
    FeaturePlacement,
    Milestone,
    PIObjective,
    PlanBaseline,
)
from planning.services.common import _lock, _validated


def _require_milestones(user: User, pi: ProgramIncrement) -> None:
    require(user, "planning.edit_backlog", art=pi.art)


@transaction.atomic
def create_milestone(pi: ProgramIncrement, *, by: User, name: str, date, description: str = "") -> Milestone:
    """Put a milestone or event on the program board's top row."""
    _require_milestones(by, pi)
    milestone = Milestone(pi=pi, name=(name or "").strip(), date=date, description=(description or "").strip())
    _validated(milestone)
    BoardClock.tick(pi.pk)
    return milestone


@transaction.atomic
def update_milestone(milestone: Milestone, *, by: User, expected_version: int, **changes) -> Milestone:
    _require_milestones(by, milestone.pi)
    unknown = set(changes) - {"name", "date", "description"}
    if unknown:
        raise ValidationError(f"These fields do not exist: {', '.join(sorted(unknown))}.")
    current = _lock(Milestone, milestone, expected_version, f"the milestone “{milestone.name}”")
    current.pi = milestone.pi
    for field, value in changes.items():
        setattr(current, field, value.strip() if isinstance(value, str) else value)
    current.version += 1
    _validated(current)
    BoardClock.tick(current.pi_id)
    return current


@transaction.atomic
def delete_milestone(milestone: Milestone, *, by: User, expected_version: int) -> None:
    _require_milestones(by, milestone.pi)
    _lock(Milestone, milestone, expected_version, f"the milestone “{milestone.name}”").delete()
    BoardClock.tick(milestone.pi_id)


@transaction.atomic
def commit_plan(pi: ProgramIncrement, *, by: User) -> PlanBaseline:
    """Keep the board and the objectives as they are now: the baseline that "planned vs now" compares with."""
    require(by, "planning.facilitate", art=pi.art)
    if PlanBaseline.objects.filter(pi=pi).exists():
        raise ValidationError(f"The plan of {pi.name} is already committed.")
    baseline = PlanBaseline.objects.create(pi=pi, committed_at=timezone.now(), committed_by=by)
    # Set-based copies: two queries however big the train.
    BaselinePlacement.objects.bulk_create(
        BaselinePlacement(baseline=baseline, feature_id=feature_id, team_id=team_id, iteration_id=iteration_id)
        for feature_id, team_id, iteration_id in FeaturePlacement.objects.for_pi(pi).values_list(
            "feature_id", "team_id", "iteration_id"
        )
    )
    BaselineObjective.objects.bulk_create(
        BaselineObjective(
            baseline=baseline,
            objective_id=objective_id,
            team_id=team_id,
            statement=statement,
            committed=committed,
            planned_business_value=planned,
        )
        for objective_id, team_id, statement, committed, planned in PIObjective.objects.for_pi(pi).values_list(
            "id", "team_id", "statement", "committed", "planned_business_value"
        )
    )
    BoardClock.tick(pi.pk)
    return baseline
