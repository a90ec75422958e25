"""A team's plan: capacity per iteration, stories, and the feature placements (the cards of the program board)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from artops.models import Iteration, ProgramIncrement, Team, User
from artops.permissions import CAPABILITY_MESSAGES, has_capability, require
from artops.services import StaleVersion, require_member
from planning.models import (
    BoardClock,
    Feature,
    FeaturePlacement,
    PlacementChange,
    Story,
    TeamCapacity,
)
from planning.services.common import _lock, _require_team_plan, _validated
from planning.signals import placement_planned

STORY_FIELDS = ("title", "points", "state", "iteration", "feature", "owner")


@transaction.atomic
def set_capacity(
    team: Team,
    iteration: Iteration,
    *,
    by: User,
    fte,
    vacation_days=0,
    holiday_days=0,
    velocity: int | None = None,
    expected_version: int | None = None,
) -> TeamCapacity:
    """Enter (or correct) a team's capacity for one development iteration.

    A correction that names the version it read (``expected_version``) is refused with
    ``StaleVersion`` when someone changed the capacity since; without it, the last entry wins.
    """
    _require_team_plan(by, team)
    if iteration.pi.art_id != team.art_id:
        raise ValidationError({"iteration": "That iteration belongs to another train."})
    if iteration.is_ip:
        raise ValidationError({"iteration": "The IP iteration takes no stories, so it has no capacity to plan."})
    capacity = TeamCapacity.objects.select_for_update().filter(team=team, iteration=iteration).first()
    if capacity is None:
        capacity = TeamCapacity(team=team, iteration=iteration)
    else:
        if expected_version is not None and capacity.version != expected_version:
            raise StaleVersion(capacity, f"the capacity of {team.name} in {iteration.name}")
        capacity.version += 1
    capacity.fte = fte
    capacity.vacation_days = vacation_days
    capacity.holiday_days = holiday_days
    capacity.velocity = velocity
    _validated(capacity)
    return TeamCapacity.objects.select_related("team", "iteration").get(pk=capacity.pk)


def _story_label(story: Story) -> str:
    return f"the story “{story.title}”"


@transaction.atomic
def create_story(
    team: Team,
    pi: ProgramIncrement,
    *,
    by: User,
    title: str,
    points: int = 0,
    iteration: Iteration | None = None,
    feature: Feature | None = None,
    owner: User | None = None,
    state: str = Story.State.TODO,
) -> Story:
    """Add a story to a team's PI plan. A team member may add stories they own themselves."""
    if not has_capability(by, "planning.edit_team_plan", art=team.art, team=team):
        require(by, "planning.edit_own_stories", art=team.art, team=team)
        if owner is not None and owner != by:
            raise PermissionDenied("You may add stories only for yourself.")
        owner = by
    require_member(owner, team.art)
    story = Story(
        team=team,
        pi=pi,
        title=(title or "").strip(),
        points=points,
        iteration=iteration,
        feature=feature,
        owner=owner,
        state=state,
    )
    _validated(story)
    return Story.objects.with_related().get(pk=story.pk)


def can_edit_story(user: User, story: Story) -> bool:
    """The team's plan editors edit every story of the team; a team member the stories they own."""
    team = story.team
    if has_capability(user, "planning.edit_team_plan", art=team.art, team=team):
        return True
    return story.owner_id == user.pk and has_capability(user, "planning.edit_own_stories", art=team.art, team=team)


def require_story_edit(user: User, story: Story) -> None:
    """Refuse unless ``user`` may change ``story``, with a message that says why."""
    if not can_edit_story(user, story):
        team = story.team
        if has_capability(user, "planning.edit_own_stories", art=team.art, team=team):
            raise PermissionDenied(CAPABILITY_MESSAGES["planning.edit_own_stories"])
        require(user, "planning.edit_team_plan", art=team.art, team=team)


@transaction.atomic
def update_story(story: Story, *, by: User, expected_version: int, **changes) -> Story:
    """Change a story's title, points, state, iteration, feature or owner; refused if someone changed it since."""
    unknown = set(changes) - set(STORY_FIELDS)
    if unknown:
        raise ValidationError(f"These fields do not exist: {', '.join(sorted(unknown))}.")
    require_story_edit(by, story)
    current = _lock(Story, story, expected_version, _story_label(story))
    current.team, current.pi = story.team, story.pi
    if "owner" in changes:
        owner = changes["owner"]
        if not has_capability(by, "planning.edit_team_plan", art=story.team.art, team=story.team) and owner != by:
            raise PermissionDenied("You may not hand your story to someone else; ask your Scrum Master.")
        require_member(owner, story.team.art)
    for field, value in changes.items():
        setattr(current, field, value.strip() if field == "title" else value)
    current.version += 1
    _validated(current)
    return Story.objects.with_related().get(pk=current.pk)


def move_story(story: Story, *, iteration: Iteration | None, by: User, expected_version: int) -> Story:
    """Plan a story into another iteration of its PI (``None``: back to unplanned)."""
    return update_story(story, by=by, expected_version=expected_version, iteration=iteration)


@transaction.atomic
def delete_story(story: Story, *, by: User, expected_version: int) -> None:
    require_story_edit(by, story)
    _lock(Story, story, expected_version, _story_label(story)).delete()


def _placement_label(placement: FeaturePlacement) -> str:
    return f"the placement of {placement.feature.key} by {placement.team.name}"


def _record_placement(
    feature: Feature,
    *,
    by: User,
    from_team: Team | None = None,
    from_iteration: Iteration | None = None,
    to_team: Team | None = None,
    to_iteration: Iteration | None = None,
) -> None:
    PlacementChange.objects.create(
        feature=feature,
        from_team=from_team,
        from_iteration=from_iteration,
        to_team=to_team,
        to_iteration=to_iteration,
        at=timezone.now(),
        by=by,
    )


@transaction.atomic
def place_feature(feature: Feature, *, team: Team, iteration: Iteration, by: User) -> FeaturePlacement:
    """A team says in which iteration of the feature's PI it will deliver its part of the feature."""
    _require_team_plan(by, team)
    if FeaturePlacement.objects.filter(feature=feature, team=team).exists():
        raise ValidationError({"feature": f"{team.name} has already placed {feature.key}: move that card instead."})
    placement = FeaturePlacement(feature=feature, team=team, iteration=iteration)
    _validated(placement)
    _record_placement(feature, by=by, to_team=team, to_iteration=iteration)
    BoardClock.tick(iteration.pi_id)
    placement = FeaturePlacement.objects.with_related().get(pk=placement.pk)
    placement_planned.send(sender=FeaturePlacement, placement=placement, by=by)
    return placement


@transaction.atomic
def move_placement(
    placement: FeaturePlacement,
    *,
    by: User,
    expected_version: int,
    iteration: Iteration | None = None,
    team: Team | None = None,
) -> FeaturePlacement:
    """Move a card to another iteration, or hand it to another team (the plans of both teams change).

    The answer's ``moved`` says whether anything changed. A move to the cell the card is
    already in changes nothing (no new version, no recorded change, no tick of the board's
    clock) and answers the placement as it is with ``moved`` False; a stale version is still
    refused, so that the editor learns the card is elsewhere now.
    """
    _require_team_plan(by, placement.team)
    if team is not None and team != placement.team:
        _require_team_plan(by, team)
    label = _placement_label(placement)
    current = _lock(FeaturePlacement, placement, expected_version, label)
    current.feature = placement.feature
    from_team, from_iteration = placement.team, placement.iteration
    target_team, target_iteration = team or from_team, iteration or from_iteration
    if (target_team.pk, target_iteration.pk) == (current.team_id, current.iteration_id):
        unchanged = FeaturePlacement.objects.with_related().get(pk=current.pk)
        unchanged.moved = False
        return unchanged
    current.team, current.iteration = target_team, target_iteration
    if (
        current.team != from_team
        and FeaturePlacement.objects.filter(feature=current.feature, team=current.team).exists()
    ):
        raise ValidationError({"team": f"{current.team.name} has already placed {current.feature.key}."})
    current.version += 1
    _validated(current)
    _record_placement(
        current.feature,
        by=by,
        from_team=from_team,
        from_iteration=from_iteration,
        to_team=current.team,
        to_iteration=current.iteration,
    )
    BoardClock.tick(current.iteration.pi_id)
    placement = FeaturePlacement.objects.with_related().get(pk=current.pk)
    placement.moved = True
    placement_planned.send(sender=FeaturePlacement, placement=placement, by=by)
    return placement


@transaction.atomic
def remove_placement(placement: FeaturePlacement, *, by: User, expected_version: int) -> None:
    _require_team_plan(by, placement.team)
    _lock(FeaturePlacement, placement, expected_version, _placement_label(placement)).delete()
    _record_placement(placement.feature, by=by, from_team=placement.team, from_iteration=placement.iteration)
    BoardClock.tick(placement.iteration.pi_id)
