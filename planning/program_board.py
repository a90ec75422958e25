"""The program board of a PI: the read side, built in a constant number of queries.

DESIGN.md, "Program board": columns are the PI's iterations (the IP iteration last, which
takes no feature work); rows are a milestones/events row, one row per team and one row per
external party that appears in the PI's open dependencies. Cards are feature placements.
Lines are open dependencies, drawn from the providing card to the needing card.

Anchors (where a line starts and ends):

- providing end: the placement of the providing feature by the providing team; without one,
  the provider's row at the dependency's planned iteration; without that (or when it is
  planned outside this PI), the "not planned" marker of the provider's row;
- needing end: the placement of the needing feature by the needing team; without one, the
  needing team's row at the iteration the dependency is needed by.

A line's colour compares when the provider delivers with when it is needed. The provider
delivers in its card's iteration (or, without a card, the dependency's planned iteration); it
is needed by the earlier of the dependency's needed-by iteration and the needing card's
iteration: a needing card moved earlier than the recorded need needs it earlier too. Green
when delivered before, amber in the same iteration, red after it, "unplanned" when the
provider has not planned it at all (shown red in spirit: the "only red" filter keeps both).

The dependencies come from the caller: ``risks`` sits above ``planning`` (DESIGN.md,
"Architecture"), so the page that composes both reads risks' queryset in its view and passes
it here.

Queries: iterations, milestones, teams, placements (with their features), dependencies (with
their features and planned iteration): five, whatever the size of the train. Placements and
dependencies are read as plain rows of only the columns the board shows, not as model
instances: at ten times the reference size that spares some 10,000 objects per request, which
``make bench`` measures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet

from artops.models import ProgramIncrement, Team
from planning.models import Feature, FeaturePlacement

GREEN = "green"
AMBER = "amber"
RED = "red"
UNPLANNED = "unplanned"
HEALTHS = (GREEN, AMBER, RED, UNPLANNED)
HEALTH_LABELS = {
    GREEN: "On track: delivered before it is needed",
    AMBER: "Same iteration as it is needed",
    RED: "Planned too late",
    UNPLANNED: "Not planned",
}
# The "only red lines" filter: late, or not planned at all (DESIGN.md counts both as red).
RED_HEALTHS = frozenset({RED, UNPLANNED})

MILESTONES_ROW = "milestones"

# What the board reads of each open dependency (a row of ``.values()``, see ``_line``).
DEPENDENCY_COLUMNS = (
    "pk",
    "description",
    "state",
    "needing_team_id",
    "providing_team_id",
    "external_party",
    "needing_feature_id",
    "needing_feature__key",
    "needing_feature__type",
    "providing_feature_id",
    "providing_feature__key",
    "providing_feature__type",
    "needed_by_id",
    "planned_iteration_id",
    "planned_iteration__name",
    "planned_iteration__start_date",
    "planned_iteration__pi__name",
)


@dataclass
class IterationColumn:
    """A column of the board: a development iteration, or the IP iteration (last)."""

    id: int
    number: int
    name: str
    start_date: date
    end_date: date
    is_ip: bool

    @property
    def dom_id(self) -> str:
        return f"iteration-{self.id}"

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "number": self.number,
            "name": self.name,
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(),
            "is_ip": self.is_ip,
        }


@dataclass
class MilestoneItem:
    """A milestone or event of the top row, in the iteration its date falls in (``None``: in none)."""

    id: int
    name: str
    date: date
    description: str
    version: int
    iteration_id: int | None

    @property
    def dom_id(self) -> str:
        return f"milestone-{self.id}"

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "date": self.date.isoformat(),
            "description": self.description,
            "version": self.version,
            "iteration_id": self.iteration_id,
        }


@dataclass
class Card:
    """A feature placement: where one team delivers its part of a feature."""

    placement_id: int
    version: int
    feature_id: int
    feature_key: str
    feature_title: str
    feature_type: str
    feature_state: str
    team_id: int
    iteration_id: int
    # The lines that start or end at this card, for highlighting.
    line_ids: list[str] = field(default_factory=list)
    # Set by the page for the person looking: whether they may move this card.
    movable: bool = False

    @property
    def dom_id(self) -> str:
        return f"card-{self.placement_id}"

    @property
    def is_enabler(self) -> bool:
        return self.feature_type == Feature.Type.ENABLER

    @property
    def is_cancelled(self) -> bool:
        return self.feature_state == Feature.State.CANCELLED

    def as_json(self) -> dict:
        return {
            "dom_id": self.dom_id,
            "placement_id": self.placement_id,
            "version": self.version,
            "feature": {
                "id": self.feature_id,
                "key": self.feature_key,
                "title": self.feature_title,
                "type": self.feature_type,
                "state": self.feature_state,
            },
            "team_id": self.team_id,
            "iteration_id": self.iteration_id,
            "line_ids": self.line_ids,
        }


def cell_dom_id(row_key: str, iteration_id: int) -> str:
    return f"cell-{row_key}-{iteration_id}"


@dataclass
class Cell:
    """One row × one iteration, with its cards."""

    row_key: str
    iteration_id: int
    is_ip: bool
    cards: list[Card] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return cell_dom_id(self.row_key, self.iteration_id)


@dataclass
class Row:
    """A team's row, or the row of a party outside the train that provides something."""

    key: str
    kind: str  # "team" or "party"
    label: str
    team_id: int | None = None
    active: bool = True
    # Shown because a filtered team depends on it (or it on them), not because it was chosen.
    is_context: bool = False
    cells: list[Cell] = field(default_factory=list)
    # Whether a line starts at the row's "not planned" marker.
    has_unplanned: bool = False
    # Set by the page for the person looking: whether they may drop cards into this row.
    editable: bool = False

    @property
    def is_team(self) -> bool:
        return self.kind == "team"

    @property
    def unplanned_dom_id(self) -> str:
        return f"unplanned-{self.key}"

    @property
    def cards(self) -> list[Card]:
        return [card for cell in self.cells for card in cell.cards]

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "kind": self.kind,
            "label": self.label,
            "team_id": self.team_id,
            "active": self.active,
            "is_context": self.is_context,
            "has_unplanned": self.has_unplanned,
            "unplanned_dom_id": self.unplanned_dom_id,
            "cells": [
                {"dom_id": cell.dom_id, "iteration_id": cell.iteration_id, "cards": [c.as_json() for c in cell.cards]}
                for cell in self.cells
            ],
        }


@dataclass
class Anchor:
    """Where a line starts or ends: a card, a row's cell, or a row's "not planned" marker."""

    kind: str  # "card", "cell" or "unplanned"
    row_key: str
    iteration_id: int | None = None
    placement_id: int | None = None

    @property
    def dom_id(self) -> str:
        if self.kind == "card":
            return f"card-{self.placement_id}"
        if self.kind == "cell":
            return cell_dom_id(self.row_key, self.iteration_id)
        return f"unplanned-{self.row_key}"

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "dom_id": self.dom_id,
            "row_key": self.row_key,
            "iteration_id": self.iteration_id,
            "placement_id": self.placement_id,
        }


@dataclass
class Line:
    """An open dependency as the board draws it: from the providing anchor to the needing anchor."""

    dependency_id: int
    description: str
    state: str
    health: str
    source: Anchor
    target: Anchor
    needing_team_id: int
    needing_team_name: str
    providing_team_id: int | None
    provider_name: str
    needing_feature_key: str
    providing_feature_key: str
    needed_by_id: int
    needed_by_name: str
    # When the provider delivers: its card's iteration, else the dependency's planned iteration.
    planned_iteration_id: int | None
    planned_iteration_name: str
    # Whether at least one named feature is of a type (for the feature-type filter).
    feature_types: frozenset[str] = frozenset()

    @property
    def dom_id(self) -> str:
        return f"line-{self.dependency_id}"

    @property
    def is_red(self) -> bool:
        return self.health in RED_HEALTHS

    @property
    def health_label(self) -> str:
        return HEALTH_LABELS[self.health]

    def as_json(self) -> dict:
        return {
            "dom_id": self.dom_id,
            "dependency_id": self.dependency_id,
            "description": self.description,
            "state": self.state,
            "health": self.health,
            "from": self.source.as_json(),
            "to": self.target.as_json(),
            "needing_team_id": self.needing_team_id,
            "providing_team_id": self.providing_team_id,
            "provider_name": self.provider_name,
            "needing_feature_key": self.needing_feature_key or None,
            "providing_feature_key": self.providing_feature_key or None,
            "needed_by_id": self.needed_by_id,
            "planned_iteration_id": self.planned_iteration_id,
        }


@dataclass
class BoardFilters:
    """What the board is narrowed to; an empty filter shows everything."""

    team_ids: frozenset[int] | None = None
    feature_type: str | None = None
    only_red: bool = False

    @property
    def active(self) -> bool:
        return bool(self.team_ids) or bool(self.feature_type) or self.only_red

    def as_json(self) -> dict:
        return {
            "teams": sorted(self.team_ids) if self.team_ids else [],
            "type": self.feature_type or "",
            "only_red": self.only_red,
        }


@dataclass
class ProgramBoard:
    """The whole board of a PI: plain data, for the page and for a JSON answer alike."""

    pi_id: int
    pi_name: str
    iterations: list[IterationColumn]
    milestones: list[MilestoneItem]
    rows: list[Row]
    lines: list[Line]
    # Every team of the train (for the team filter's choices), active or not.
    teams: list[Team]
    filters: BoardFilters
    # Milestones whose date falls in no iteration of the PI.
    unscheduled_milestones: list[MilestoneItem] = field(default_factory=list)

    @property
    def development_iterations(self) -> list[IterationColumn]:
        return [iteration for iteration in self.iterations if not iteration.is_ip]

    @property
    def cells(self) -> dict[tuple[str, int], list[Card]]:
        """``{(row key, iteration id): [cards]}``."""
        return {(row.key, cell.iteration_id): cell.cards for row in self.rows for cell in row.cells}

    @property
    def cards(self) -> list[Card]:
        return [card for row in self.rows for card in row.cards]

    def card(self, placement_id: int) -> Card | None:
        return next((card for card in self.cards if card.placement_id == placement_id), None)

    def line(self, dependency_id: int) -> Line | None:
        return next((line for line in self.lines if line.dependency_id == dependency_id), None)

    def row(self, key: str) -> Row | None:
        return next((row for row in self.rows if row.key == key), None)

    @property
    def team_rows(self) -> list[Row]:
        return [row for row in self.rows if row.is_team]

    @property
    def milestone_cells(self) -> list[tuple[IterationColumn, list[MilestoneItem]]]:
        """The milestones row: each iteration with the milestones that fall in it."""
        by_iteration: dict[int, list[MilestoneItem]] = defaultdict(list)
        for milestone in self.milestones:
            if milestone.iteration_id is not None:
                by_iteration[milestone.iteration_id].append(milestone)
        return [(iteration, by_iteration.get(iteration.id, [])) for iteration in self.iterations]

    @property
    def health_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(HEALTHS, 0)
        for line in self.lines:
            counts[line.health] += 1
        return counts

    def as_json(self) -> dict:
        """A JSON-serialisable form of the board (dates as ISO strings)."""
        return {
            "pi": {"id": self.pi_id, "name": self.pi_name},
            "filters": self.filters.as_json(),
            "iterations": [iteration.as_json() for iteration in self.iterations],
            "milestones": [milestone.as_json() for milestone in self.milestones],
            "rows": [row.as_json() for row in self.rows],
            "lines": [line.as_json() for line in self.lines],
        }


def team_row_key(team_id: int) -> str:
    return f"team-{team_id}"


def party_row_key(index: int) -> str:
    return f"party-{index}"


def _health(planned: date | None, needed: date) -> str:
    if planned is None:
        return UNPLANNED
    if planned < needed:
        return GREEN
    if planned == needed:
        return AMBER
    return RED


def program_board(
    pi: ProgramIncrement,
    *,
    dependencies: QuerySet,
    team_ids=None,
    feature_type: str | None = None,
    only_red: bool = False,
) -> ProgramBoard:
    """The board of ``pi`` in five queries, whatever the number of teams, features and dependencies.

    ``dependencies``: the PI's open dependencies (``Dependency.objects.for_pi(pi).open()``).
    Filters:

    - ``team_ids``: the rows of these teams, with every card of theirs; the lines that one of
      them needs or provides; and, as context, the rows at the other end of those lines with
      only the cards those lines touch;
    - ``feature_type`` (``business`` or ``enabler``): only cards of that type, and only the
      lines that name a feature of that type; a line's end at a hidden card falls back to
      that card's cell;
    - ``only_red``: only the lines planned too late or not planned at all.
    """
    filters = BoardFilters(
        team_ids=frozenset(int(team_id) for team_id in team_ids) if team_ids else None,
        feature_type=feature_type or None,
        only_red=bool(only_red),
    )
    iterations = sorted(pi.iterations.all(), key=lambda iteration: (iteration.is_ip, iteration.number))
    columns = [IterationColumn(it.pk, it.number, it.name, it.start_date, it.end_date, it.is_ip) for it in iterations]
    by_id = {iteration.pk: iteration for iteration in iterations}
    milestones = [
        MilestoneItem(
            id=milestone.pk,
            name=milestone.name,
            date=milestone.date,
            description=milestone.description,
            version=milestone.version,
            iteration_id=next((it.pk for it in iterations if it.contains(milestone.date)), None),
        )
        for milestone in pi.milestones.order_by("date", "id")
    ]
    teams = list(Team.objects.filter(art_id=pi.art_id).order_by("name", "id"))
    team_by_id = {team.pk: team for team in teams}
    placements = (
        FeaturePlacement.objects.filter(iteration__pi=pi, team__art_id=pi.art_id)
        .order_by("-feature__wsjf", "-feature__cost_of_delay", "feature__created_at", "feature_id", "team_id")
        .values_list(
            "pk",
            "version",
            "feature_id",
            "feature__key",
            "feature__title",
            "feature__type",
            "feature__state",
            "team_id",
            "iteration_id",
        )
    )
    deps = list(dependencies.order_by("created_at", "id").values(*DEPENDENCY_COLUMNS))

    cards = {}
    card_at: dict[tuple[int, int], Card] = {}
    for placement_id, version, feature_id, key, title, type_, state, team_id, iteration_id in placements:
        card = Card(
            placement_id=placement_id,
            version=version,
            feature_id=feature_id,
            feature_key=key,
            feature_title=title,
            feature_type=type_,
            feature_state=state,
            team_id=team_id,
            iteration_id=iteration_id,
        )
        cards[placement_id] = card
        card_at[(feature_id, team_id)] = card

    parties = sorted(
        {dep["external_party"] for dep in deps if not dep["providing_team_id"]}, key=lambda n: (n.casefold(), n)
    )
    party_key = {name: party_row_key(index) for index, name in enumerate(parties, start=1)}

    lines = [_line(dep, card_at, by_id, party_key, team_by_id) for dep in deps]

    # --- filters ---------------------------------------------------------------------------
    candidate_team_ids = {team.pk for team in teams if team.active}
    candidate_team_ids |= {card.team_id for card in cards.values()}
    candidate_team_ids |= {line.needing_team_id for line in lines}
    candidate_team_ids |= {line.providing_team_id for line in lines if line.providing_team_id}
    focus = candidate_team_ids & filters.team_ids if filters.team_ids is not None else candidate_team_ids

    kept = lines
    if filters.team_ids is not None:
        kept = [line for line in kept if line.needing_team_id in focus or line.providing_team_id in focus]
    if filters.feature_type:
        kept = [line for line in kept if filters.feature_type in line.feature_types]
    if filters.only_red:
        kept = [line for line in kept if line.is_red]

    shown_team_ids = set(focus)
    context_team_ids: set[int] = set()
    anchored_cards: set[int] = set()
    for line in kept:
        for anchor in (line.source, line.target):
            if anchor.kind == "card":
                anchored_cards.add(anchor.placement_id)
        for team_id in (line.needing_team_id, line.providing_team_id):
            if team_id is not None and team_id not in focus:
                context_team_ids.add(team_id)
    shown_team_ids |= context_team_ids
    shown_parties = {line.provider_name for line in kept if line.providing_team_id is None}

    def card_shown(card: Card) -> bool:
        if filters.feature_type and card.feature_type != filters.feature_type:
            return False
        return card.team_id in focus or card.placement_id in anchored_cards

    # --- rows and cells ---------------------------------------------------------------------
    rows: list[Row] = []
    row_by_key: dict[str, Row] = {}
    for team in teams:
        if team.pk not in shown_team_ids:
            continue
        row = Row(
            key=team_row_key(team.pk),
            kind="team",
            label=team.name,
            team_id=team.pk,
            active=team.active,
            is_context=team.pk in context_team_ids,
        )
        rows.append(row)
        row_by_key[row.key] = row
    for name in parties:
        if name in shown_parties:
            row = Row(key=party_key[name], kind="party", label=name)
            rows.append(row)
            row_by_key[row.key] = row
    for row in rows:
        row.cells = [Cell(row.key, column.id, column.is_ip) for column in columns]
    cell_of = {(row.key, cell.iteration_id): cell for row in rows for cell in row.cells}

    shown_cards: set[int] = set()
    for card in cards.values():  # already in rank order
        cell = cell_of.get((team_row_key(card.team_id), card.iteration_id))
        if cell is not None and card_shown(card):
            cell.cards.append(card)
            shown_cards.add(card.placement_id)

    for line in kept:
        line.source = _visible(line.source, shown_cards, cards)
        line.target = _visible(line.target, shown_cards, cards)
        for anchor in (line.source, line.target):
            if anchor.kind == "card":
                cards[anchor.placement_id].line_ids.append(line.dom_id)
            elif anchor.kind == "unplanned":
                row_by_key[anchor.row_key].has_unplanned = True

    return ProgramBoard(
        pi_id=pi.pk,
        pi_name=pi.name,
        iterations=columns,
        milestones=milestones,
        rows=rows,
        lines=kept,
        teams=teams,
        filters=filters,
        unscheduled_milestones=[milestone for milestone in milestones if milestone.iteration_id is None],
    )


def _visible(anchor: Anchor, shown_cards: set[int], cards: dict[int, Card]) -> Anchor:
    """A card filtered out of the board leaves its line's end in the card's cell."""
    if anchor.kind != "card" or anchor.placement_id in shown_cards:
        return anchor
    card = cards[anchor.placement_id]
    return Anchor("cell", anchor.row_key, iteration_id=card.iteration_id)


def _line(dep: dict, card_at: dict, by_id: dict, party_key: dict, team_by_id: dict) -> Line:
    """One dependency's line: its two anchors and its colour (see the module's docstring).

    ``dep`` is a row of ``DEPENDENCY_COLUMNS``.
    """
    needing_team_id = dep["needing_team_id"]
    needing_feature_id = dep["needing_feature_id"]
    needing_row = team_row_key(needing_team_id)
    needing_card = card_at.get((needing_feature_id, needing_team_id)) if needing_feature_id else None
    if needing_card is not None:
        target = Anchor(
            "card", needing_row, iteration_id=needing_card.iteration_id, placement_id=needing_card.placement_id
        )
    else:
        target = Anchor("cell", needing_row, iteration_id=dep["needed_by_id"])
    needed_by = by_id[dep["needed_by_id"]]
    need = needed_by.start_date
    if needing_card is not None:
        need = min(need, by_id[needing_card.iteration_id].start_date)

    providing_team_id = dep["providing_team_id"]
    providing_feature_id = dep["providing_feature_id"]
    if providing_team_id:
        providing_row = team_row_key(providing_team_id)
        provider_name = team_by_id[providing_team_id].name
        providing_card = card_at.get((providing_feature_id, providing_team_id)) if providing_feature_id else None
    else:
        providing_row = party_key[dep["external_party"]]
        provider_name = dep["external_party"]
        providing_card = None

    # When the provider delivers: the iteration's id, start and name as the board shows it.
    planned_id = providing_card.iteration_id if providing_card is not None else dep["planned_iteration_id"]
    if planned_id in by_id:
        planned = by_id[planned_id]
        planned_start, planned_name = planned.start_date, planned.name
    elif planned_id is not None:
        planned_start = dep["planned_iteration__start_date"]
        planned_name = f"{dep['planned_iteration__pi__name']} {dep['planned_iteration__name']}"
    else:
        planned_start, planned_name = None, "not planned"

    if providing_card is not None:
        source = Anchor(
            "card", providing_row, iteration_id=providing_card.iteration_id, placement_id=providing_card.placement_id
        )
    elif planned_id in by_id:
        source = Anchor("cell", providing_row, iteration_id=planned_id)
    else:
        # Not planned, or planned in another PI: the row's marker, off the iteration columns.
        source = Anchor("unplanned", providing_row)

    feature_types = frozenset(
        feature_type
        for feature_id, feature_type in (
            (needing_feature_id, dep["needing_feature__type"]),
            (providing_feature_id, dep["providing_feature__type"]),
        )
        if feature_id is not None
    )
    return Line(
        dependency_id=dep["pk"],
        description=dep["description"],
        state=dep["state"],
        health=_health(planned_start, need),
        source=source,
        target=target,
        needing_team_id=needing_team_id,
        needing_team_name=team_by_id[needing_team_id].name,
        providing_team_id=providing_team_id,
        provider_name=provider_name,
        needing_feature_key=dep["needing_feature__key"] if needing_feature_id else "",
        providing_feature_key=dep["providing_feature__key"] if providing_feature_id else "",
        needed_by_id=needed_by.pk,
        needed_by_name=needed_by.name,
        planned_iteration_id=planned_id,
        planned_iteration_name=planned_name,
        feature_types=feature_types,
    )
