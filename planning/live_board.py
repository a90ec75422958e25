"""The live program board: what changed since the version a browser shows, computed once for the room.

A PI Planning room has 100–150 browsers on the board, each asking every two seconds whether it
changed, while Scrum Masters move cards. This module keeps that cheap:

- **Polls** carry a poll token (``poll_token``): signed, naming the person, the train, the PI,
  what the person may do on the board (the viewer: which teams' cards they may move, whether
  they edit milestones) and the filters they look through, valid ``TOKEN_SECONDS``. Every answer
  that went through the session and the membership check gives a fresh one. With a valid
  token, ``planning.middleware.QuietBoardPollMiddleware`` answers "unchanged since v" from the
  board clock's copy in Redis, and a change from the answer kept for that kind of viewer
  (``answer_key``): no session, no query, no rendering. The token grants no more than what the
  person was shown a minute ago.
- **Change sets** (``changes_since``): the board at a version is summed up as a ``BoardState``,
  one digest per part (card, sticky, line, dependency row), the order of the parts in each
  container (cell, "not planned" spot, the lines, the dependency table), one digest per region
  (the summary, the milestones row) and one for the skeleton (columns, rows, the team filter).
  What changed between two states is the ``ChangeSet``: the parts that are new or different,
  those gone, the containers whose order changed, the regions to redraw. A different skeleton,
  or a state no longer kept (``STATE_SECONDS``, or more than ``MAX_BEHIND`` versions), means
  "reload". Changes are found by comparing states, not by each write saying what it touched:
  every write path only has to move the board clock, which it already does.
- **Once per room**: states and change sets are stored in Redis under the PI, the version and
  the filters, and computed by one request per process while the others wait for it
  (``fastcache.once``). They hold no person's rights: the page renders a change set's parts
  for each viewer (whether they may move a card) from the data it carries, and the shared
  render of the whole board (``html_key``) is keyed by what the viewer may do as well.

A state is only kept when the board clock did not move while the board was read (the clock is
read before and after): a state is never labelled with a version whose board it does not show.
Applying a change set is idempotent (parts are replaced by id), so a page a version ahead of
its label only receives again what it already shows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.core import signing

from artops import fastcache
from planning.models import BoardClock
from planning.program_board import Card, Line, MilestoneItem, ProgramBoard, Sticky

# Bump when the board's markup changes: a page of the old markup then reloads rather than mix.
MARKUP_VERSION = 1

# A token is given again with every answer that went through the session, at least once a minute:
# a person removed from the train stops receiving the board within that time.
TOKEN_SECONDS = 60
TOKEN_SALT = "artops.program-board.poll"  # noqa: S105 (a namespace for the signature, not a secret)
# How long a board's state and a change set stay in Redis, and how far behind a change set reaches.
STATE_SECONDS = 900
CHANGES_SECONDS = 300
MAX_BEHIND = 200

# The containers that are not cells (those are named by ``Cell.dom_id`` and ``Row.unplanned_dom_id``).
LINES_CONTAINER = "pb-lines"
ROWS_CONTAINER = "pb-dependency-rows"
SUMMARY_REGION = "pb-summary"
DEPENDENCY_COUNT_REGION = "pb-dependency-count"
MILESTONES_REGION = "pb-milestones-row"


# --- the poll token --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PollGrant:
    """What a valid poll token says: who polls, what they may do on the board, which filters they see."""

    user_id: int
    viewer: str
    filters_key: str


def poll_token(user_id: int, art_slug: str, pi_id: int, *, viewer: str, filter_query: str) -> str:
    """A token for one person's polls of one board with these filters, as ``viewer`` (what they may do)."""
    value = f"{user_id}:{art_slug}:{pi_id}:{viewer}:{filters_key(filter_query)}"
    return signing.TimestampSigner(salt=TOKEN_SALT).sign(value)


def token_grant(token: str, art_slug: str, pi_id: int) -> PollGrant | None:
    """What a valid, unexpired token of this board grants, else ``None``."""
    if not token or len(token) > 400:
        return None
    try:
        value = signing.TimestampSigner(salt=TOKEN_SALT).unsign(token, max_age=TOKEN_SECONDS)
    except signing.BadSignature:
        return None
    user_id, slug, pi, viewer, filters = (value.split(":") + [""] * 5)[:5]
    if slug != art_slug or pi != str(pi_id) or not user_id.isdigit() or not viewer or not filters:
        return None
    return PollGrant(int(user_id), viewer, filters)


# --- the state of a board ----------------------------------------------------------------------------


def _digest(value: object) -> str:
    return hashlib.blake2b(repr(value).encode(), digest_size=8).hexdigest()


@dataclass(frozen=True)
class BoardSummary:
    """What the summary line over the board says."""

    cards: int
    lines: int
    health_counts: dict[str, int]
    filtered: bool


@dataclass
class BoardRegions:
    """The data of the regions a change set may redraw: the summary and the milestones row."""

    summary: BoardSummary
    milestone_cells: list[tuple[object, list[MilestoneItem]]]
    unscheduled_milestones: list[MilestoneItem]


def regions_of(board: ProgramBoard) -> BoardRegions:
    return BoardRegions(
        summary=BoardSummary(
            cards=len(board.cards),
            lines=len(board.lines),
            health_counts=board.health_counts,
            filtered=board.filters.active,
        ),
        milestone_cells=board.milestone_cells,
        unscheduled_milestones=board.unscheduled_milestones,
    )


@dataclass(frozen=True)
class Part:
    """One piece of the board a change set can send: a card, a sticky, a line or a dependency row."""

    id: str
    container: str
    kind: str  # "card", "sticky", "line" or "row"
    item: Card | Sticky | Line


def containers_of(board: ProgramBoard) -> Iterator[tuple[str, list[tuple[str, str, Card | Sticky | Line]]]]:
    """Each container of the board with its parts (id, kind, item), in the board's order."""
    for row in board.rows:
        if row.has_unplanned:
            yield row.unplanned_dom_id, [(sticky.dom_id, "sticky", sticky) for sticky in row.unplanned_stickies]
        for cell in row.cells:
            cards = [(card.dom_id, "card", card) for card in cell.cards]
            yield cell.dom_id, cards + [(sticky.dom_id, "sticky", sticky) for sticky in cell.stickies]
    yield LINES_CONTAINER, [(line.dom_id, "line", line) for line in board.lines]
    yield ROWS_CONTAINER, [(f"{line.dom_id}-row", "row", line) for line in board.lines]


def parts_of(board: ProgramBoard) -> list[Part]:
    """Every part of the board, in the board's order."""
    return [
        Part(part_id, container, kind, item)
        for container, members in containers_of(board)
        for part_id, kind, item in members
    ]


def _skeleton(board: ProgramBoard) -> str:
    """What, when it changes, changes the board's frame: then the page reloads the board."""
    return _digest(
        (
            MARKUP_VERSION,
            board.pi_name,
            board.filters.as_json(),
            [iteration.as_json() for iteration in board.iterations],
            [(r.key, r.kind, r.label, r.team_id, r.active, r.is_context, r.has_unplanned) for r in board.rows],
            [(team.pk, team.name, team.active) for team in board.teams],
            bool(board.lines),
        )
    )


@dataclass
class BoardState:
    """A board at one version, summed up: enough to say what changed since, nothing to show."""

    version: int
    skeleton: str
    digests: dict[str, str]
    containers: dict[str, list[str]]
    regions: dict[str, str]


def _line_key(line: Line) -> tuple:
    """Everything of a line that its path, its dependency row and its stickies show."""
    return (
        line.dependency_id,
        line.description,
        line.state,
        line.health,
        line.source.dom_id,
        line.target.dom_id,
        line.needing_team_name,
        line.provider_name,
        line.needing_feature_key,
        line.providing_feature_key,
        line.needed_by_name,
        line.planned_iteration_name,
    )


def _card_key(card: Card, container: str) -> tuple:
    """Everything of a card that its HTML shows, as plain values (a digest of the dataclass's
    ``repr`` would cost several times as much on a board of thousands of cards)."""
    return (
        container,
        card.placement_id,
        card.version,
        card.feature_key,
        card.feature_title,
        card.feature_type,
        card.feature_state,
        card.team_id,
        card.iteration_id,
        tuple(card.line_ids),
    )


def state_of(board: ProgramBoard, version: int) -> tuple[BoardState, BoardRegions]:
    """The board's state: a digest of each part, computed once per line for its path, its dependency
    row and its stickies alike."""
    regions = regions_of(board)
    line_digests = {line.dependency_id: _digest(_line_key(line)) for line in board.lines}
    digests: dict[str, str] = {}
    containers: dict[str, list[str]] = {}
    for container, members in containers_of(board):
        containers[container] = [part_id for part_id, _, _ in members]
        for part_id, kind, item in members:
            if kind == "card":
                digests[part_id] = _digest(_card_key(item, container))
            elif kind == "sticky":
                digests[part_id] = f"{container}|{item.provides}|{line_digests[item.line.dependency_id]}"
            else:
                digests[part_id] = line_digests[item.dependency_id]
    state = BoardState(
        version=version,
        skeleton=_skeleton(board),
        digests=digests,
        containers=containers,
        regions={
            SUMMARY_REGION: _digest(regions.summary),
            DEPENDENCY_COUNT_REGION: str(regions.summary.lines),
            MILESTONES_REGION: _digest((regions.milestone_cells, regions.unscheduled_milestones)),
        },
    )
    return state, regions


# --- change sets -------------------------------------------------------------------------------------


@dataclass
class ChangeSet:
    """What changed on a board from version ``since`` to ``version``; ``reload``: send the whole board."""

    since: int
    version: int
    reload: bool = False
    parts: list[Part] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    order: dict[str, list[str]] = field(default_factory=dict)
    regions: list[str] = field(default_factory=list)
    region_data: BoardRegions | None = None

    @property
    def cards(self) -> list[Card]:
        return [part.item for part in self.parts if part.kind == "card"]

    @property
    def lines(self) -> list[Line]:
        return [part.item for part in self.parts if part.kind == "line"]

    @property
    def removed_placement_ids(self) -> list[int]:
        return [int(part_id.removeprefix("card-")) for part_id in self.removed if part_id.startswith("card-")]

    @property
    def removed_dependency_ids(self) -> list[int]:
        return [
            int(part_id.removeprefix("line-"))
            for part_id in self.removed
            if part_id.startswith("line-") and not part_id.endswith("-row")
        ]


def compare(old: BoardState, new: BoardState, parts: list[Part], regions: BoardRegions) -> ChangeSet:
    """The change set from ``old`` to ``new`` (``parts`` and ``regions``: the new board's)."""
    if old.skeleton != new.skeleton:
        return ChangeSet(since=old.version, version=new.version, reload=True)
    return ChangeSet(
        since=old.version,
        version=new.version,
        parts=[part for part in parts if old.digests.get(part.id) != new.digests[part.id]],
        removed=[part_id for part_id in old.digests if part_id not in new.digests],
        order={container: ids for container, ids in new.containers.items() if old.containers.get(container) != ids},
        regions=[region for region, digest in new.regions.items() if old.regions.get(region) != digest],
        region_data=regions,
    )


def filters_key(filter_query: str) -> str:
    """The filters (their canonical query string) as a short name for cache keys and tokens."""
    return hashlib.blake2b(filter_query.encode(), digest_size=6).hexdigest()


def state_key(pi_id: int, filter_query: str, version: int) -> str:
    return fastcache.key("board-state", pi_id, filters_key(filter_query), version)


def changes_key(pi_id: int, filter_query: str, since: int, version: int) -> str:
    return fastcache.key("board-changes", pi_id, filters_key(filter_query), since, version)


def answer_key(pi_id: int, filters: str, since: int, version: int, viewer: str) -> str:
    """A change set as one kind of viewer receives it (JSON bytes): ``filters`` is ``filters_key``'s."""
    return fastcache.key("board-answer", pi_id, filters, since, version, viewer)


def html_key(pi_id: int, filter_query: str, version: int, viewer: str) -> str:
    """The shared render of a whole board: per PI, version, filters and what the viewer may do."""
    return fastcache.key("board-html", pi_id, filters_key(filter_query), version, viewer)


def keep_state(pi_id: int, filter_query: str, board: ProgramBoard, version: int) -> bool:
    """Keep the state of a board just read at ``version``, so that change sets can start from it.

    Answers whether the clock still says ``version`` (read once more, after the board): only
    then is the board kept, and only then may the caller keep what it rendered of it.
    """
    if BoardClock.read(pi_id) != version:
        return False
    key = state_key(pi_id, filter_query, version)
    if not fastcache.exists(key):
        state, _ = state_of(board, version)
        fastcache.set_object(key, state, ttl=STATE_SECONDS)
    return True


def changes_since(
    pi_id: int, filter_query: str, since: int, version: int, build_board: Callable[[], ProgramBoard]
) -> ChangeSet:
    """What changed on the board (with these filters) from ``since`` to ``version``.

    ``version`` is the clock just read; ``build_board`` reads the board as it is now. Computed
    once per process for everyone asking the same, and kept in Redis for the other processes.
    """
    if since > version or version - since > MAX_BEHIND:
        return ChangeSet(since=since, version=version, reload=True)
    old = fastcache.get_object(state_key(pi_id, filter_query, since))
    if old is None:
        return ChangeSet(since=since, version=version, reload=True)

    def compute() -> tuple[ChangeSet, bool]:
        board = build_board()
        # The clock again, after the board: if it moved, the board may show more than ``version``.
        settled = BoardClock.read(pi_id) == version
        new, regions = state_of(board, version)
        parts = parts_of(board)
        if settled:
            fastcache.set_object(state_key(pi_id, filter_query, version), new, ttl=STATE_SECONDS)
        return compare(old, new, parts, regions), settled

    return fastcache.once(changes_key(pi_id, filter_query, since, version), compute, ttl=CHANGES_SECONDS)
