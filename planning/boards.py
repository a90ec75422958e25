"""The read side of the team plans: a team's board for one PI and the train's PI plan.

Both are built in a constant number of queries, whatever the number of stories, features,
placements or teams: every set is read once and assembled in Python.

- ``team_board(team, pi)``: one column per iteration of the PI (the IP iteration last,
  marked as taking no stories) and an "Unplanned" column for the stories of the PI not yet
  planned into an iteration. Each development column carries its capacity and its load
  (DESIGN.md, "Capacity"). The team's feature placements come with warnings when the team's
  stories of a feature sit in a later iteration than the feature's placement.
- ``pi_plan(pi)``: load / capacity of every active team in every development iteration.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from artops.models import Iteration, ProgramIncrement, Team
from planning.models import Feature, FeaturePlacement, Story, TeamCapacity, is_overloaded, load_percent

# Above this share of its capacity an iteration is shown amber: SAFe teams keep some slack.
HIGH_LOAD_PERCENT = 80

NO_CAPACITY = "no capacity entered"
ZERO_CAPACITY = "capacity is 0"


def points_text(value) -> str:
    """Points as people write them: ``Decimal("40.00")`` → ``40``, ``Decimal("17.50")`` → ``17.5``."""
    if value is None:
        return ""
    number = Decimal(value)
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


@dataclass(frozen=True)
class Load:
    """Points planned into one iteration against the capacity for it (``None``: not entered)."""

    points: int
    capacity: Decimal | None

    @property
    def percent(self) -> int | None:
        """Load / capacity × 100, rounded half up; ``None`` without a positive capacity."""
        return load_percent(self.points, self.capacity)

    @property
    def overloaded(self) -> bool:
        """More points than capacity; any points at all against no (or zero) capacity."""
        return is_overloaded(self.points, self.capacity)

    @property
    def reason(self) -> str:
        """Why an overloaded iteration has no percentage, if that is why."""
        if not self.overloaded or self.capacity:
            return ""
        return NO_CAPACITY if self.capacity is None else ZERO_CAPACITY

    @property
    def level(self) -> str:
        """``ok`` (green), ``high`` (amber), ``over`` (red) or ``none`` (no capacity, nothing planned)."""
        if self.overloaded:
            return "over"
        if not self.capacity:
            return "none"
        return "high" if self.percent > HIGH_LOAD_PERCENT else "ok"

    @property
    def bar_percent(self) -> int:
        """The filled share of the bar: the percentage, capped at 100."""
        if self.overloaded:
            return 100
        return min(self.percent or 0, 100)

    @property
    def capacity_text(self) -> str:
        return points_text(self.capacity)

    @property
    def text(self) -> str:
        """``32 / 40 points (80%)``; without a capacity it says so."""
        if self.capacity is None:
            return f"{self.points} points, {NO_CAPACITY}" if self.points else "No capacity entered"
        if not self.capacity:
            return f"{self.points} / 0 points ({ZERO_CAPACITY})"
        return f"{self.points} / {self.capacity_text} points ({self.percent}%)"

    @property
    def short_text(self) -> str:
        """``32 / 40 (80%)`` for the cells of the PI plan."""
        if self.capacity is None:
            return f"{self.points} / —"
        if not self.capacity:
            return f"{self.points} / 0"
        return f"{self.points} / {self.capacity_text} ({self.percent}%)"


# --- the team board ------------------------------------------------------------------------


@dataclass
class BoardColumn:
    """One column of a team board: an iteration of the PI, or the stories not yet planned."""

    iteration: Iteration | None
    capacity: TeamCapacity | None = None
    points: int = 0
    stories: list[Story] = field(default_factory=list)
    # What a refused quick add in this column held, to show it again (set by the view).
    typed: dict | None = None

    @property
    def key(self) -> str:
        return f"iteration-{self.iteration.pk}" if self.iteration else "unplanned"

    @property
    def value(self) -> str:
        """The column as a form value: the iteration's id, empty for unplanned."""
        return str(self.iteration.pk) if self.iteration else ""

    @property
    def title(self) -> str:
        return self.iteration.name if self.iteration else "Unplanned"

    @property
    def is_unplanned(self) -> bool:
        return self.iteration is None

    @property
    def is_ip(self) -> bool:
        return self.iteration is not None and self.iteration.is_ip

    @property
    def is_development(self) -> bool:
        return self.iteration is not None and not self.iteration.is_ip

    @property
    def takes_stories(self) -> bool:
        """The IP iteration takes no planned work (DESIGN.md, "PI and iterations")."""
        return not self.is_ip

    @property
    def load(self) -> Load | None:
        """Load against capacity; only development iterations have one."""
        if not self.is_development:
            return None
        return Load(self.points, self.capacity.capacity if self.capacity else None)

    @property
    def overloaded(self) -> bool:
        return self.load is not None and self.load.overloaded


@dataclass
class PlacementWarning:
    """The team's stories of a feature sit in a later iteration than the team placed the feature."""

    placement: FeaturePlacement
    later: list[tuple[Iteration, list[Story]]]

    @property
    def feature(self) -> Feature:
        return self.placement.feature

    @property
    def story_count(self) -> int:
        return sum(len(stories) for _, stories in self.later)

    @property
    def message(self) -> str:
        feature = self.feature
        where = ", ".join(
            f"{iteration.name} ({len(stories)} stor{'y' if len(stories) == 1 else 'ies'})"
            for iteration, stories in self.later
        )
        count = self.story_count
        later = "one of its stories sits" if count == 1 else f"{count} of its stories sit"
        placed = self.placement.iteration.name
        return f"{feature.key} {feature.title} is placed in {placed}, but {later} later: {where}."


@dataclass
class UnplacedNote:
    """A feature of the PI has stories on this board but the team has not placed it yet."""

    feature: Feature
    story_count: int

    @property
    def message(self) -> str:
        stories = f"{self.story_count} stor{'y' if self.story_count == 1 else 'ies'}"
        return f"{self.feature.key} {self.feature.title} has {stories} on this board but no placement yet."


@dataclass
class FeatureRow:
    """A feature of the PI in the board's placement section, with this team's placement if any."""

    feature: Feature
    placement: FeaturePlacement | None


@dataclass
class TeamBoard:
    """A team's plan for one PI: columns, feature placements and what looks inconsistent."""

    team: Team
    pi: ProgramIncrement
    iterations: list[Iteration]
    columns: list[BoardColumn]
    features: list[Feature]
    placements: list[FeaturePlacement]
    warnings: list[PlacementWarning]
    notes: list[UnplacedNote]

    @property
    def development_iterations(self) -> list[Iteration]:
        return [iteration for iteration in self.iterations if not iteration.is_ip]

    @property
    def stories(self) -> list[Story]:
        return [story for column in self.columns for story in column.stories]

    @property
    def offered_features(self) -> list[Feature]:
        """Features a story may be linked to: the PI's features, the cancelled ones excepted."""
        return [feature for feature in self.features if feature.pi_id == self.pi.pk and not _cancelled(feature)]

    @property
    def feature_rows(self) -> list[FeatureRow]:
        """Every feature of the PI and every feature this team placed in it, by WSJF rank."""
        placed = {placement.feature_id: placement for placement in self.placements}
        rows = [
            FeatureRow(feature, placed.get(feature.pk))
            for feature in self.features
            if feature.pk in placed or not _cancelled(feature)
        ]
        listed = {feature.pk for feature in self.features}
        rows += [FeatureRow(p.feature, p) for p in self.placements if p.feature_id not in listed]
        return rows

    def column(self, iteration: Iteration | None) -> BoardColumn:
        key = f"iteration-{iteration.pk}" if iteration else "unplanned"
        return next(column for column in self.columns if column.key == key)

    @property
    def overloaded(self) -> list[BoardColumn]:
        return [column for column in self.columns if column.overloaded]


def _cancelled(feature: Feature) -> bool:
    return feature.state == Feature.State.CANCELLED


def team_board(team: Team, pi: ProgramIncrement) -> TeamBoard:
    """The board of ``team`` for ``pi``, in six queries whatever the size of the plan.

    ``team.art`` should already be loaded (``team_of`` does). The stories' team, PI and
    iteration, and the placements' team, iteration and feature, are the objects read here, so
    that neither the page nor ``can_edit_story`` queries per card.
    """
    iterations = list(pi.iterations.order_by("number"))
    by_id = {iteration.pk: iteration for iteration in iterations}
    capacities = {capacity.iteration_id: capacity for capacity in TeamCapacity.objects.for_team(team).for_pi(pi)}
    plan = Story.objects.for_team(team).for_pi(pi)
    stories = list(plan.select_related("feature", "owner").order_by("created_at", "id"))
    loads = plan.loads()
    placements = list(FeaturePlacement.objects.for_team(team).for_pi(pi).select_related("feature"))
    features = list(Feature.objects.for_art(team.art).filter(pi=pi).ranked())

    columns = {None: BoardColumn(iteration=None)}
    for iteration in iterations:
        columns[iteration.pk] = BoardColumn(
            iteration=iteration,
            capacity=capacities.get(iteration.pk),
            points=loads.get((team.pk, iteration.pk), 0),
        )
    for story in stories:
        story.team, story.pi = team, pi
        iteration = by_id.get(story.iteration_id)
        if iteration is not None:
            story.iteration = iteration
        columns[iteration.pk if iteration else None].stories.append(story)
        if story.feature is not None and story.feature.pi_id == pi.pk:
            story.feature.pi = pi
    columns[None].points = sum(story.points for story in columns[None].stories)

    for placement in placements:
        placement.team = team
        placement.iteration = by_id[placement.iteration_id]
    for feature in features:
        feature.pi = pi

    warnings, notes = _warnings(placements, stories, features)
    return TeamBoard(
        team=team,
        pi=pi,
        iterations=iterations,
        # The stories still to plan first: that is where a team starts planning.
        columns=[columns[None], *(columns[iteration.pk] for iteration in iterations)],
        features=features,
        placements=placements,
        warnings=warnings,
        notes=notes,
    )


def _warnings(
    placements: list[FeaturePlacement], stories: list[Story], features: list[Feature]
) -> tuple[list[PlacementWarning], list[UnplacedNote]]:
    """Stories later than their feature's placement; features of the PI with stories but no placement.

    Marks each late story with ``late_for`` (the placement it is later than), for its card.
    """
    by_feature: dict[int, list[Story]] = defaultdict(list)
    for story in stories:
        story.late_for = None
        if story.feature_id is not None:
            by_feature[story.feature_id].append(story)

    warnings = []
    for placement in sorted(placements, key=lambda p: (p.iteration.number, p.feature.key)):
        later: dict[int, tuple[Iteration, list[Story]]] = {}
        for story in by_feature.get(placement.feature_id, []):
            if story.iteration_id is not None and story.iteration.number > placement.iteration.number:
                later.setdefault(story.iteration.number, (story.iteration, []))[1].append(story)
                story.late_for = placement
        if later:
            warnings.append(PlacementWarning(placement, [later[number] for number in sorted(later)]))

    placed = {placement.feature_id for placement in placements}
    notes = [
        UnplacedNote(feature, len(by_feature[feature.pk]))
        for feature in features
        if feature.pk in by_feature and feature.pk not in placed
    ]
    return warnings, notes


# --- the PI plan of the train --------------------------------------------------------------


@dataclass
class PlanRow:
    """One team's loads across the development iterations of the PI."""

    team: Team
    cells: list[Load]
    unplanned: int

    @property
    def total(self) -> Load:
        return _total(self.cells)

    @property
    def overloaded(self) -> bool:
        return any(cell.overloaded for cell in self.cells)


@dataclass
class PIPlan:
    """Load / capacity of every active team of the train in every development iteration of a PI."""

    pi: ProgramIncrement
    iterations: list[Iteration]
    rows: list[PlanRow]

    @property
    def totals(self) -> list[Load]:
        """The whole train's load / capacity per iteration."""
        return [_total([row.cells[index] for row in self.rows]) for index in range(len(self.iterations))]

    @property
    def total(self) -> Load:
        return _total(self.totals)

    @property
    def unplanned(self) -> int:
        return sum(row.unplanned for row in self.rows)

    @property
    def overloaded_count(self) -> int:
        return sum(cell.overloaded for row in self.rows for cell in row.cells)


def _total(loads: list[Load]) -> Load:
    """The sum of loads, against the sum of the capacities entered (``None`` if none was)."""
    capacities = [load.capacity for load in loads if load.capacity is not None]
    return Load(sum(load.points for load in loads), sum(capacities, Decimal(0)) if capacities else None)


def pi_plan(pi: ProgramIncrement) -> PIPlan:
    """The train's PI plan in five queries, whatever the number of teams and stories.

    ``pi.art`` should already be loaded (``pi_of`` does).
    """
    teams = list(Team.objects.for_art(pi.art).active().order_by("name"))
    iterations = list(pi.iterations.development().order_by("number"))
    team_ids = [team.pk for team in teams]
    entered = TeamCapacity.objects.for_pi(pi).filter(team_id__in=team_ids)
    capacities = {
        (team_id, iteration_id): capacity
        for team_id, iteration_id, capacity in entered.values_list("team_id", "iteration_id", "capacity")
    }
    stories = Story.objects.for_pi(pi).filter(team_id__in=team_ids)
    loads = stories.loads()
    unplanned = dict(
        stories.filter(iteration__isnull=True)
        .order_by()
        .values("team_id")
        .annotate(points=Sum("points"))
        .values_list("team_id", "points")
    )
    rows = [
        PlanRow(
            team=team,
            cells=[
                Load(loads.get((team.pk, iteration.pk), 0), capacities.get((team.pk, iteration.pk)))
                for iteration in iterations
            ],
            unplanned=unplanned.get(team.pk, 0),
        )
        for team in teams
    ]
    return PIPlan(pi=pi, iterations=iterations, rows=rows)
