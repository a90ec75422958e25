"""The program board of a PI as it is shown: columns, rows, cards, lines and the filters.

DESIGN.md, "Program board": columns are the PI's iterations (the IP iteration last, which
takes no feature work); rows are a milestones/events row, one row per team and one row per
external party that appears in the PI's open dependencies. Cards are feature placements.
Lines are open dependencies, drawn from the providing card to the needing card.

Anchors (where a line starts and ends): every line has two real ends, a card or a dependency
sticky, as on a physical board where a red string runs between two notes:

- providing end: the placement of the providing feature by the providing team; without one (a
  team-level need, or a party outside the train), a sticky in the provider's row at the
  dependency's planned iteration; without that (or when it is planned outside this PI), a
  sticky in the "not planned" spot of the provider's row;
- needing end: the placement of the needing feature by the needing team; without one, a sticky
  in the needing team's row at the iteration the dependency is needed by.

A card hidden by a filter leaves a sticky in its cell. Cards and stickies name their lines
(``data-lines``) and lines name their ends (``data-from``, ``data-to``): the page's script
draws every line from the DOM alone, so it can redraw after any swap.

A line's colour compares when the provider delivers with when it is needed, by the one health
rule of ``planning.models.Health`` (which the dependency pages and filters use too). The provider
delivers in its card's iteration (or, without a card, the dependency's planned iteration); it
is needed by the earlier of the dependency's needed-by iteration and the needing card's
iteration: a needing card moved earlier than the recorded need needs it earlier too. Green
when delivered before, amber in the same iteration, red after it, "unplanned" when the
provider has not planned it at all (shown red in spirit: the "only red" filter keeps both).

This module is the board's plain data, for the page and the API alike (``as_json``).
``planning.program_board_layout.program_board`` builds it from the database;
``planning.filters.ProgramBoardFilter`` reads its filters from a query string;
``planning.program_board_html`` renders its cards and lines.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from artops.models import Team
from planning.models import Feature, Health

# The colour of a line is ``planning.models.Health``'s rule, the same as the dependency pages'.
# The board draws open dependencies only, so a line is never "closed".
GREEN = Health.GREEN.value
AMBER = Health.AMBER.value
RED = Health.RED.value
UNPLANNED = Health.UNPLANNED.value
HEALTHS = (GREEN, AMBER, RED, UNPLANNED)
# How the board's legend and a line's title say them (longer than ``Health``'s labels).
HEALTH_LABELS = {
    GREEN: "On track: delivered before it is needed",
    AMBER: "Same iteration as it is needed",
    RED: "Planned too late",
    UNPLANNED: "Not planned",
}
# The "only red lines" filter: late, or not planned at all (DESIGN.md counts both as red).
RED_HEALTHS = frozenset({RED, UNPLANNED})

MILESTONES_ROW = "milestones"


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
    # Set by the page for the person looking: whether they may move this card. Not part of what
    # the card is (``repr``): the live board's digests of a card are the same for every viewer.
    movable: bool = field(default=False, repr=False, compare=False)

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


def sticky_dom_id(dependency_id: int, end: str) -> str:
    return f"sticky-{dependency_id}-{end}"


# The icon of a line's health on its stickies and in the legend: the second channel beside colour.
HEALTH_ICONS = {GREEN: "✓", AMBER: "!", RED: "✕", UNPLANNED: "?"}


# The legend: each health's colour, pattern (static/css/program_board.css) and icon, said in words.
LEGEND = (
    (GREEN, HEALTH_ICONS[GREEN], "Green, solid: delivered before it is needed"),
    (AMBER, HEALTH_ICONS[AMBER], "Amber, dashed: in the iteration it is needed"),
    (RED, HEALTH_ICONS[RED], "Red, dash-dot: planned after it is needed"),
    (UNPLANNED, HEALTH_ICONS[UNPLANNED], "Purple, dotted: not planned"),
)


@dataclass
class Sticky:
    """A dependency's end that has no card: a small note in a row's cell or "not planned" spot."""

    line: Line
    anchor: Anchor

    @property
    def dom_id(self) -> str:
        return self.anchor.dom_id

    @property
    def provides(self) -> bool:
        return self.anchor.end == "from"

    @property
    def icon(self) -> str:
        return HEALTH_ICONS[self.line.health]

    @property
    def label(self) -> str:
        """What the note says to someone reading the row it sits in."""
        if self.provides:
            return f"Provides to {self.line.needing_team_name}: {self.line.description}"
        return f"Needs from {self.line.provider_name}: {self.line.description}"


@dataclass
class Cell:
    """One row × one iteration, with its cards."""

    row_key: str
    iteration_id: int
    is_ip: bool
    cards: list[Card] = field(default_factory=list)
    stickies: list[Sticky] = field(default_factory=list)

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
    # The stickies of the row's "not planned" spot (lines planned in no iteration of the PI).
    unplanned_stickies: list[Sticky] = field(default_factory=list)
    # Set by the page for the person looking: whether they may drop cards into this row.
    editable: bool = field(default=False, repr=False, compare=False)

    @property
    def is_team(self) -> bool:
        return self.kind == "team"

    @property
    def has_unplanned(self) -> bool:
        """Whether a line starts at the row's "not planned" spot."""
        return bool(self.unplanned_stickies)

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
            "unplanned_stickies": [sticky.dom_id for sticky in self.unplanned_stickies],
            "cells": [
                {
                    "dom_id": cell.dom_id,
                    "iteration_id": cell.iteration_id,
                    "cards": [c.as_json() for c in cell.cards],
                    "stickies": [sticky.dom_id for sticky in cell.stickies],
                }
                for cell in self.cells
            ],
        }


@dataclass
class Anchor:
    """Where a line starts or ends: a card, or a sticky in a row's cell or in its "not planned" spot.

    ``end`` is "from" (the providing end) or "to" (the needing end); with the dependency's id it
    names the sticky of an end that has no card.
    """

    kind: str  # "card", "cell" or "unplanned"
    row_key: str
    iteration_id: int | None = None
    placement_id: int | None = None
    dependency_id: int | None = None
    end: str = "from"

    @property
    def is_sticky(self) -> bool:
        return self.kind != "card"

    @property
    def dom_id(self) -> str:
        if self.kind == "card":
            return f"card-{self.placement_id}"
        return sticky_dom_id(self.dependency_id, self.end)

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
    def health_icon(self) -> str:
        return HEALTH_ICONS[self.health]

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
    """What the board is narrowed to; an empty filter shows everything.

    - ``team_ids``: the rows of these teams, with every card of theirs; the lines that one of
      them needs or provides; and, as context, the rows at the other end of those lines with
      only the cards those lines touch;
    - ``feature_type`` (``business`` or ``enabler``): only cards of that type, and only the
      lines that name a feature of that type; a line's end at a hidden card falls back to
      that card's cell;
    - ``only_red``: only the lines planned too late or not planned at all;
    - ``focus_lines``: every line is kept, and the page shows a card's lines only while it is
      hovered or focused (the "lines: on focus" switch; it narrows nothing).
    """

    team_ids: frozenset[int] | None = None
    feature_type: str | None = None
    only_red: bool = False
    focus_lines: bool = False

    def __post_init__(self):
        # Any collection of ids will do; none at all means every team.
        self.team_ids = frozenset(int(team_id) for team_id in self.team_ids) if self.team_ids else None
        self.feature_type = self.feature_type or None
        self.only_red = bool(self.only_red)
        self.focus_lines = bool(self.focus_lines) and not self.only_red

    @property
    def lines(self) -> str:
        """The "lines" switch: all, red or focus."""
        return "red" if self.only_red else "focus" if self.focus_lines else "all"

    @property
    def active(self) -> bool:
        return bool(self.team_ids) or bool(self.feature_type) or self.only_red

    def query_string(self) -> str:
        """The filters as a query string: to carry them through moves and polls, and to name them in caches."""
        pairs = [("teams", team_id) for team_id in sorted(self.team_ids or ())]
        if self.feature_type:
            pairs.append(("type", self.feature_type))
        if self.only_red:
            pairs.append(("only_red", "1"))
        if self.focus_lines:
            pairs.append(("lines", "focus"))
        return urlencode(pairs)

    def as_json(self) -> dict:
        return {
            "teams": sorted(self.team_ids) if self.team_ids else [],
            "type": self.feature_type or "",
            "only_red": self.only_red,
            "lines": self.lines,
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
