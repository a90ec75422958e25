"""Every change of PI Planning, one function per intent.

The same functions serve the pages, their htmx endpoints, the API and the shell. Each checks
the capability, validates, writes atomically and returns the changed object:

- the ART backlog: business features need ``planning.edit_backlog``, enablers
  ``planning.edit_enablers``;
- a team's plan (capacity, stories, feature placements): ``planning.edit_team_plan`` for the
  team; a team member may change the stories they own (``planning.edit_own_stories``);
- PI objectives: ``planning.write_objectives`` for the team; their business value
  ``planning.set_business_value`` (Business Owners only).

Invalid input raises ``ValidationError`` and nothing is written; an edit based on a version
that is no longer current raises ``StaleVersion`` (a 409 on every interface).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from artops.models import ART, Iteration, ProgramIncrement, Team, User
from artops.permissions import CAPABILITY_MESSAGES, has_capability, memberships_of, require
from artops.services import StaleVersion, lock_version, require_member, save_validated
from planning.models import (
    DEFAULT_READINESS,
    REPLAN_BELOW,
    WSJF_INPUTS,
    BaselineObjective,
    BaselinePlacement,
    BoardClock,
    Feature,
    FeatureCounter,
    FeaturePlacement,
    FeatureStateChange,
    Milestone,
    ObjectiveChange,
    PIObjective,
    PlacementChange,
    PlanBaseline,
    ReadinessItem,
    Story,
    TeamCapacity,
    Vote,
    VoteRound,
    key_prefix,
)
from planning.signals import placement_planned

EDITABLE_FIELDS = (
    "title",
    "type",
    "description",
    "benefit_hypothesis",
    "acceptance_criteria",
    "pi",
    *WSJF_INPUTS,
)


def edit_capability(feature_type: str) -> str:
    """The capability needed to edit a feature of this type."""
    return "planning.edit_enablers" if feature_type == Feature.Type.ENABLER else "planning.edit_backlog"


def require_edit(user: User, art: ART, *feature_types: str) -> None:
    for feature_type in set(feature_types):
        require(user, edit_capability(feature_type), art=art)


def _check_type(value: str) -> None:
    if value not in Feature.Type.values:
        raise ValidationError({"type": "A feature is a business feature or an enabler."})


def _record_state(feature: Feature, *, from_state: str, by: User) -> None:
    FeatureStateChange.objects.create(
        feature=feature, from_state=from_state, to_state=feature.state, at=timezone.now(), by=by
    )


def _locked(feature: Feature, expected_version: int) -> Feature:
    """The feature's current row, locked until the end of the transaction; stale versions refused."""
    return lock_version(Feature.objects.select_related("art", "pi"), feature.pk, expected_version)


@transaction.atomic
def create_feature(
    art: ART,
    *,
    title: str,
    by: User,
    type: str = Feature.Type.BUSINESS,
    pi: ProgramIncrement | None = None,
    **fields,
) -> Feature:
    """Add a feature to the train's backlog, in the funnel, with the next key of the train."""
    _check_type(type)
    require_edit(by, art, type)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields do not exist: {', '.join(sorted(unknown))}.")
    feature = Feature(art=art, title=title.strip(), type=type, pi=pi, **fields)
    # Refused input rolls the whole transaction back, the counter's increment included: no gaps.
    feature.key = f"{key_prefix(art)}-{FeatureCounter.next_number(art)}"
    _validated(feature)
    _record_state(feature, from_state="", by=by)
    return Feature.objects.with_related().get(pk=feature.pk)


class RowsRefused(ValidationError):
    """Some of the features given to ``create_features`` were refused; nothing was written.

    ``rows`` maps the index of each refused row (from 0, in the order given) to its messages.
    """

    def __init__(self, rows: dict[int, list[str]]):
        self.rows = rows
        super().__init__([f"Row {index + 1}: {message}" for index, messages in rows.items() for message in messages])


@transaction.atomic
def create_features(art: ART, *, rows: list[dict], by: User) -> list[Feature]:
    """Add many features to the train's backlog at once (the CSV import): all or nothing.

    Each row holds the arguments ``create_feature`` takes (``title``, ``type``, ``pi``, the
    WSJF inputs…). Every row is validated before anything is written; a refused row raises
    ``RowsRefused`` naming each refused row. Keys follow the order of ``rows``. Set-based: the
    same few queries whether the file has two rows or a thousand.
    """
    types = {values.get("type", Feature.Type.BUSINESS) for values in rows}
    require_edit(by, art, *(feature_type for feature_type in types if feature_type in Feature.Type.values))
    features: list[Feature] = []
    refused: dict[int, list[str]] = {}
    for index, values in enumerate(rows):
        fields = dict(values)
        title = (fields.pop("title", "") or "").strip()
        feature_type = fields.pop("type", Feature.Type.BUSINESS)
        unknown = set(fields) - set(EDITABLE_FIELDS)
        if unknown:
            refused[index] = [f"These fields do not exist: {', '.join(sorted(unknown))}."]
            continue
        feature = Feature(art=art, title=title, type=feature_type, **fields)
        try:
            _check_type(feature_type)
            # The train and the PI are objects already read: asking the database whether they
            # exist would cost two queries a row. ``clean`` still checks the PI is the train's.
            feature.full_clean(exclude=["art", "pi", "key"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            refused[index] = error.messages
        features.append(feature)
    if refused:
        raise RowsRefused(refused)
    for feature, number in zip(features, FeatureCounter.reserve(art, len(features)), strict=True):
        feature.key = f"{key_prefix(art)}-{number}"
    Feature.objects.bulk_create(features)
    now = timezone.now()
    FeatureStateChange.objects.bulk_create(
        FeatureStateChange(feature=feature, from_state="", to_state=feature.state, at=now, by=by)
        for feature in features
    )
    return features


# What a feature's card on the program board shows: a change of these is a change of the board.
BOARD_FIELDS = frozenset({"title", "type", "pi"})


def _tick_boards_of(feature: Feature, *other_pi_ids: int | None) -> None:
    """Tell the program boards that show this feature (its PI's, and those of its cards) that it changed."""
    pi_ids = set(FeaturePlacement.objects.filter(feature=feature).values_list("iteration__pi_id", flat=True))
    pi_ids.update(pi_id for pi_id in (feature.pi_id, *other_pi_ids) if pi_id)
    for pi_id in sorted(pi_ids):
        BoardClock.tick(pi_id)


@transaction.atomic
def update_feature(feature: Feature, *, by: User, expected_version: int, **changes) -> Feature:
    """Change a feature's description, PI or WSJF inputs; refused if someone changed it since."""
    require_edit(by, feature.art, feature.type)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields do not exist: {', '.join(sorted(unknown))}.")
    if "type" in changes:
        _check_type(changes["type"])
        # An architect may not turn an enabler into a business feature, nor back.
        require_edit(by, feature.art, changes["type"])
    feature = _locked(feature, expected_version)
    pi_before = feature.pi_id
    for field, value in changes.items():
        setattr(feature, field, value.strip() if field == "title" else value)
    feature.version += 1
    _validated(feature)
    if BOARD_FIELDS & set(changes):
        _tick_boards_of(feature, pi_before)
    return Feature.objects.with_related().get(pk=feature.pk)


@transaction.atomic
def change_feature_state(feature: Feature, *, to: str, by: User, expected_version: int) -> Feature:
    """Move a feature along the ART Kanban; every move is recorded with who and when."""
    require_edit(by, feature.art, feature.type)
    if to not in Feature.State.values:
        raise ValidationError({"state": f"“{to}” is not a feature state."})
    feature = _locked(feature, expected_version)
    allowed = feature.allowed_next_states()
    if to not in allowed:
        current = Feature.State(feature.state).label
        options = ", ".join(state.label for state in allowed) or "nowhere: it is final"
        raise ValidationError({"state": f"A feature in {current} moves to {options}."})
    from_state = feature.state
    feature.state = to
    feature.version += 1
    feature.save(update_fields=["state", "version", "updated_at"])
    _record_state(feature, from_state=from_state, by=by)
    _tick_boards_of(feature)
    return Feature.objects.with_related().get(pk=feature.pk)


# --- a team's plan: capacity, stories, feature placements ------------------------------------

STORY_FIELDS = ("title", "points", "state", "iteration", "feature", "owner")


def _require_team_plan(user: User, team: Team) -> None:
    require(user, "planning.edit_team_plan", art=team.art, team=team)


def _validated(obj, **save_kwargs) -> None:
    """Validate fields and cross-object rules (``clean``), then save; constraints are the write's."""
    save_validated(obj, ask_database=False, **save_kwargs)


def _lock(model, obj, expected_version: int, label: str | None = None):
    return lock_version(model.objects.all(), obj.pk, expected_version, label)


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


# --- PI objectives and business value ---------------------------------------------------------

UNSET = object()

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


# --- the program board: milestones, the committed plan -----------------------------------------


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


# --- the confidence vote -----------------------------------------------------------------------


def can_vote_in(user: User, vote_round: VoteRound) -> bool:
    """A team round: the team's members, Scrum Master and Product Owner. A train round: every member.

    Answered from the person's memberships (read once per request for every capability check).
    """
    art = vote_round.pi.art
    if not has_capability(user, "planning.vote", art=art):
        return False
    if vote_round.team_id is None:
        return True
    return any(membership.team_id == vote_round.team_id for membership in memberships_of(user, art))


def require_vote_in(user: User, vote_round: VoteRound) -> None:
    """Refuse unless ``user`` may vote in ``vote_round``, with the reason."""
    if not can_vote_in(user, vote_round):
        raise PermissionDenied(f"This round is for the members of {vote_round.scope_name}.")


@transaction.atomic
def open_vote(pi: ProgramIncrement, *, by: User, team: Team | None = None) -> VoteRound:
    """Open a round of the confidence vote for one team or for the whole train."""
    require(by, "planning.facilitate", art=pi.art)
    if team is not None and team.art_id != pi.art_id:
        raise ValidationError({"team": "That team belongs to another train."})
    if VoteRound.objects.open().filter(pi=pi, team=team).exists():
        scope = team.name if team else "the whole train"
        raise ValidationError(f"A round of {scope}'s vote is already open: close it first.")
    vote_round = VoteRound(pi=pi, team=team, opened_by=by, opened_at=timezone.now())
    _validated(vote_round)
    return vote_round


def _locked_round(vote_round: VoteRound) -> VoteRound:
    return VoteRound.objects.select_for_update(of=("self",)).select_related("pi__art", "team").get(pk=vote_round.pk)


@transaction.atomic
def cast_vote(vote_round: VoteRound, *, by: User, value: int, concern: str = "") -> Vote:
    """Vote 1–5 in an open round; voting again changes the vote until the round closes."""
    require_vote_in(by, vote_round)
    vote_round = _locked_round(vote_round)
    if not vote_round.is_open:
        raise ValidationError("This round is closed: votes can no longer change.")
    if value not in (1, 2, 3, 4, 5):
        raise ValidationError({"value": "Vote from 1 to 5."})
    vote = Vote.objects.filter(round=vote_round, voter=by).first() or Vote(round=vote_round, voter=by)
    vote.value = value
    # A concern is invited from those who vote 1 or 2; a later, higher vote withdraws it.
    vote.concern = (concern or "").strip() if value <= 2 else ""
    _validated(vote)
    return vote


def tally(vote_round: VoteRound) -> dict:
    """Counts per value, the number of votes and the average; concerns without their authors. One query.

    ``VoteRound.objects.with_tally()`` reads the same for many rounds at once (``round.tally``).
    """
    return VoteRound.objects.with_tally().get(pk=vote_round.pk).tally.as_dict()


@transaction.atomic
def close_vote(vote_round: VoteRound, *, by: User) -> VoteRound:
    """Close a round and keep its result; an average below 3 marks it "re-plan"."""
    require(by, "planning.facilitate", art=vote_round.pi.art)
    vote_round = _locked_round(vote_round)
    if not vote_round.is_open:
        raise ValidationError("This round is already closed.")
    result = tally(vote_round)
    vote_round.closed_at = timezone.now()
    vote_round.average = result["average"]
    vote_round.replan = result["average"] is not None and result["average"] < REPLAN_BELOW
    vote_round.save(update_fields=["closed_at", "average", "replan"])
    return vote_round


# --- PI readiness ------------------------------------------------------------------------------


def create_default_readiness(pi: ProgramIncrement) -> list[ReadinessItem]:
    """Give a new PI the default readiness checklist; adds nothing twice.

    Called when a PI is created (``artops.signals.pi_created``, connected in ``PlanningConfig.ready``).
    """
    return ReadinessItem.objects.bulk_create(
        [ReadinessItem(pi=pi, title=title, position=position) for position, title in enumerate(DEFAULT_READINESS)],
        ignore_conflicts=True,
    )


def _refuse_duplicate_title(pi: ProgramIncrement, title: str, item: ReadinessItem | None = None) -> None:
    """A checklist names each item once, whatever the case: refused with the reason, before the
    database's unique constraint would refuse it as a mere conflict."""
    others = ReadinessItem.objects.filter(pi=pi, title__iexact=title)
    if item is not None:
        others = others.exclude(pk=item.pk)
    existing = others.values_list("title", flat=True).first()
    if existing is not None:
        raise ValidationError(
            {
                "title": f"This checklist already has that item: a readiness item titled “{existing}” "
                "already exists for this PI."
            }
        )


@transaction.atomic
def add_readiness_item(pi: ProgramIncrement, *, by: User, title: str, owner: User | None = None) -> ReadinessItem:
    require(by, "planning.facilitate", art=pi.art)
    require_member(owner, pi.art)
    _refuse_duplicate_title(pi, (title or "").strip())
    last = ReadinessItem.objects.filter(pi=pi).order_by("-position").values_list("position", flat=True).first()
    item = ReadinessItem(pi=pi, title=(title or "").strip(), owner=owner, position=(last or 0) + 1)
    _validated(item)
    return item


def can_update_readiness_item(user: User, item: ReadinessItem, fields=("done",)) -> bool:
    """The RTE keeps the checklist (``planning.facilitate``); an item's owner may tick or untick it.

    ``fields``: what the change names (``done``, ``owner``, ``title``).
    """
    if item.owner_id is not None and item.owner_id == user.pk and set(fields) <= {"done"}:
        return True
    return has_capability(user, "planning.facilitate", art=item.pi.art)


def require_update_readiness_item(user: User, item: ReadinessItem, fields=("done",)) -> None:
    """Refuse unless ``user`` may make this change to ``item``, with the reason."""
    if not can_update_readiness_item(user, item, fields):
        require(user, "planning.facilitate", art=item.pi.art)


@transaction.atomic
def update_readiness_item(
    item: ReadinessItem, *, by: User, expected_version: int, done=UNSET, owner=UNSET, title=UNSET
) -> ReadinessItem:
    """The RTE keeps the checklist; an item's owner may tick their own item."""
    named = {field for field, value in (("done", done), ("owner", owner), ("title", title)) if value is not UNSET}
    require_update_readiness_item(by, item, named)
    current = _lock(ReadinessItem, item, expected_version, f"the item “{item.title}”")
    current.pi = item.pi
    if owner is not UNSET:
        require_member(owner, item.pi.art)
        current.owner = owner
    if title is not UNSET:
        current.title = title.strip()
        _refuse_duplicate_title(item.pi, current.title, current)
    if done is not UNSET and done != current.done:
        current.done = done
        current.done_at = timezone.now() if done else None
    current.version += 1
    _validated(current)
    return current


@transaction.atomic
def propose_feature(art: ART, *, title: str, description: str, by: User) -> Feature:
    """Propose a business feature to the ART backlog: it enters the funnel, the backlog's intake.

    Wider than ``create_feature``: Business Owners and System Architects propose too (a Business
    Owner turns feedback from a System Demo into a backlog item). The feature is unsized and in
    no PI; Product Management analyses it and ranks it like any other once its WSJF is given.
    """
    require(by, "planning.propose_feature", art=art)
    feature = Feature(art=art, title=(title or "").strip(), description=(description or "").strip())
    feature.key = f"{key_prefix(art)}-{FeatureCounter.next_number(art)}"
    _validated(feature)
    _record_state(feature, from_state="", by=by)
    return Feature.objects.with_related().get(pk=feature.pk)
