"""Planned vs now: how the plan of a PI has changed since the train committed it.

At the end of PI Planning the RTE commits the plan (``services.commit_plan``): the feature
placements and the PI objectives are copied into a baseline. ``plan_changes(pi)`` compares
that baseline with the board and the objectives as they are now:

- a placement is *moved* when its iteration or its team differs from the baseline;
- a placement is *added* when the baseline has no placement of that feature by that team,
  *dropped* when the baseline has one that is gone;
- an objective is *added* or *dropped* likewise, and *changed* when its statement, its
  commitment or its planned business value differs.

A placement is one feature delivered by one team. A card handed to another team keeps its
feature but changes its team: when a feature lost a team's placement and gained another
team's, the two are read as one card moved to the other team rather than one dropped and
one added.

Set-based: five queries however big the train, and one when nothing is committed yet.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from artops.models import Iteration, ProgramIncrement, Team
from planning.models import (
    BaselineObjective,
    BaselinePlacement,
    Feature,
    FeaturePlacement,
    PIObjective,
    PlanBaseline,
)


@dataclass(frozen=True)
class PlacementChange:
    """A card of the board compared with the baseline. ``before`` or ``after`` is None when added or dropped."""

    feature: Feature
    team_before: Team | None = None
    iteration_before: Iteration | None = None
    team_after: Team | None = None
    iteration_after: Iteration | None = None

    @property
    def team_changed(self) -> bool:
        return self.team_before is not None and self.team_after is not None and self.team_before != self.team_after

    @property
    def iteration_changed(self) -> bool:
        return (
            self.iteration_before is not None
            and self.iteration_after is not None
            and self.iteration_before != self.iteration_after
        )


@dataclass(frozen=True)
class FieldChange:
    """One difference of an objective: what the baseline said and what it says now."""

    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ObjectiveChange:
    """An objective compared with the baseline. ``objective`` is None when it was deleted since."""

    team: Team
    statement: str
    objective: PIObjective | None = None
    changes: tuple[FieldChange, ...] = ()


@dataclass
class PlanChanges:
    """Everything that differs between the committed plan of a PI and its plan now."""

    baseline: PlanBaseline | None
    moved: list[PlacementChange] = field(default_factory=list)
    added: list[PlacementChange] = field(default_factory=list)
    dropped: list[PlacementChange] = field(default_factory=list)
    objectives_added: list[ObjectiveChange] = field(default_factory=list)
    objectives_dropped: list[ObjectiveChange] = field(default_factory=list)
    objectives_changed: list[ObjectiveChange] = field(default_factory=list)

    @property
    def committed(self) -> bool:
        return self.baseline is not None

    @property
    def unchanged(self) -> bool:
        """Committed, and nothing has moved, been added or dropped since."""
        return self.committed and not any(
            (
                self.moved,
                self.added,
                self.dropped,
                self.objectives_added,
                self.objectives_dropped,
                self.objectives_changed,
            )
        )


def plan_changes(pi: ProgramIncrement) -> PlanChanges:
    """Compare the committed plan of ``pi`` with its board and objectives now."""
    baseline = PlanBaseline.objects.filter(pi=pi).select_related("committed_by").first()
    if baseline is None:
        return PlanChanges(baseline=None)
    result = PlanChanges(baseline=baseline)
    _compare_placements(baseline, pi, result)
    _compare_objectives(baseline, pi, result)
    return result


# --- placements --------------------------------------------------------------------------------


def _placement_order(change: PlacementChange) -> tuple:
    feature = change.feature
    iteration = change.iteration_after or change.iteration_before
    team = change.team_after or change.team_before
    return (iteration.number, len(feature.key), feature.key, team.name, team.pk)


def _compare_placements(baseline: PlanBaseline, pi: ProgramIncrement, result: PlanChanges) -> None:
    before_by_feature: dict[int, dict[int, BaselinePlacement]] = defaultdict(dict)
    for placement in BaselinePlacement.objects.filter(baseline=baseline).select_related("feature", "team", "iteration"):
        before_by_feature[placement.feature_id][placement.team_id] = placement
    now_by_feature: dict[int, dict[int, FeaturePlacement]] = defaultdict(dict)
    for placement in FeaturePlacement.objects.for_pi(pi).with_related():
        now_by_feature[placement.feature_id][placement.team_id] = placement

    for feature_id in before_by_feature.keys() | now_by_feature.keys():
        before, now = before_by_feature.get(feature_id, {}), now_by_feature.get(feature_id, {})
        # The same team: the card stayed with its team, perhaps in another iteration.
        for team_id in before.keys() & now.keys():
            old, new = before[team_id], now[team_id]
            if old.iteration_id != new.iteration_id:
                result.moved.append(_change(new.feature, old, new))
        # A feature that lost one team and gained another: a card handed over, paired in a stable order.
        lost = sorted((before[team_id] for team_id in before.keys() - now.keys()), key=_by_team)
        gained = sorted((now[team_id] for team_id in now.keys() - before.keys()), key=_by_team)
        for old, new in zip(lost, gained, strict=False):
            result.moved.append(_change(new.feature, old, new))
        for old in lost[len(gained) :]:
            result.dropped.append(_change(old.feature, old, None))
        for new in gained[len(lost) :]:
            result.added.append(_change(new.feature, None, new))

    for changes in (result.moved, result.added, result.dropped):
        changes.sort(key=_placement_order)


def _by_team(placement) -> tuple:
    return (placement.team.name, placement.team_id)


def _change(feature: Feature, old: BaselinePlacement | None, new: FeaturePlacement | None) -> PlacementChange:
    return PlacementChange(
        feature=feature,
        team_before=old.team if old else None,
        iteration_before=old.iteration if old else None,
        team_after=new.team if new else None,
        iteration_after=new.iteration if new else None,
    )


# --- objectives --------------------------------------------------------------------------------


def _commitment(committed: bool) -> str:
    return "committed" if committed else "uncommitted"


def _value(value: int | None) -> str:
    return "—" if value is None else str(value)


def _differences(old: BaselineObjective, new: PIObjective) -> tuple[FieldChange, ...]:
    changes = []
    if old.statement != new.statement:
        changes.append(FieldChange("Statement", old.statement, new.statement))
    if old.committed != new.committed:
        changes.append(FieldChange("Commitment", _commitment(old.committed), _commitment(new.committed)))
    if old.planned_business_value != new.planned_business_value:
        changes.append(
            FieldChange(
                "Planned business value", _value(old.planned_business_value), _value(new.planned_business_value)
            )
        )
    return tuple(changes)


def _objective_order(change: ObjectiveChange) -> tuple:
    return (change.team.name, change.team.pk, change.statement)


def _compare_objectives(baseline: PlanBaseline, pi: ProgramIncrement, result: PlanChanges) -> None:
    before = list(BaselineObjective.objects.filter(baseline=baseline).select_related("team"))
    now = {objective.pk: objective for objective in PIObjective.objects.for_pi(pi).select_related("team")}
    kept = set()
    for old in before:
        new = now.get(old.objective_id) if old.objective_id is not None else None
        if new is None:
            result.objectives_dropped.append(ObjectiveChange(team=old.team, statement=old.statement))
            continue
        kept.add(new.pk)
        changes = _differences(old, new)
        if changes:
            result.objectives_changed.append(
                ObjectiveChange(team=new.team, statement=new.statement, objective=new, changes=changes)
            )
    for objective_id, new in now.items():
        if objective_id not in kept:
            result.objectives_added.append(ObjectiveChange(team=new.team, statement=new.statement, objective=new))
    for changes in (result.objectives_added, result.objectives_dropped, result.objectives_changed):
        changes.sort(key=_objective_order)
