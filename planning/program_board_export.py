"""The program board as files to take away: a CSV for the facilitator and an SVG image of the board.

Both are drawn from the same ``planning.program_board.ProgramBoard`` as the page (with the same
filters), so they show what the person sees and nothing more.

CSV: one row per card (placement), then one per dependency, then one per milestone, under one
header. A facilitator sorts and filters it in a spreadsheet: the ``record`` column says which
kind a row is; free text is protected against spreadsheet formulas (``artops.pages.csv_safe``).

SVG: a self-contained image of the board (no script, no external fonts or styles), laid out here
rather than captured from the browser, so it is the same for everyone and needs no browser. It
follows the page's rules: cards stacked in their cells, a sticky for each end of a line with no
card, lines routed along the gaps between cells (``route``, the same as ``static/js/program_board.js``),
health told by colour, dash pattern and the sticky's icon.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from artops.pages import csv_safe
from planning.program_board import AMBER, GREEN, LEGEND, RED, UNPLANNED, Card, ProgramBoard, Sticky

# --- CSV ---------------------------------------------------------------------------------------

CSV_HEADER = (
    "record",
    "team",
    "iteration",
    "feature_key",
    "feature_title",
    "feature_type",
    "feature_state",
    "dependency_count",
    "dependency_id",
    "health",
    "provided_by",
    "providing_feature",
    "needed_by_team",
    "needing_feature",
    "planned_iteration",
    "needed_by_iteration",
    "description",
    "date",
)


def csv_rows(board: ProgramBoard) -> list[list]:
    """The board's cards, dependencies and milestones as rows of ``CSV_HEADER``."""
    iteration_name = {iteration.id: iteration.name for iteration in board.iterations}
    team_name = {team.pk: team.name for team in board.teams}
    blank_dependency = [""] * 9
    rows: list[list] = []
    for row in board.team_rows:
        for card in row.cards:
            rows.append(
                [
                    "card",
                    csv_safe(team_name[card.team_id]),
                    iteration_name[card.iteration_id],
                    csv_safe(card.feature_key),
                    csv_safe(card.feature_title),
                    card.feature_type,
                    card.feature_state,
                    len(card.line_ids),
                    *blank_dependency,
                    "",
                ]
            )
    for line in board.lines:
        rows.append(
            [
                "dependency",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                line.dependency_id,
                line.health,
                csv_safe(line.provider_name),
                csv_safe(line.providing_feature_key),
                csv_safe(line.needing_team_name),
                csv_safe(line.needing_feature_key),
                csv_safe(line.planned_iteration_name),
                line.needed_by_name,
                csv_safe(line.description),
                "",
            ]
        )
    for milestone in board.milestones:
        rows.append(
            [
                "milestone",
                "",
                iteration_name.get(milestone.iteration_id, ""),
                "",
                csv_safe(milestone.name),
                "",
                "",
                "",
                *blank_dependency[:-1],
                csv_safe(milestone.description),
                milestone.date.isoformat(),
            ]
        )
    return rows


# --- SVG ---------------------------------------------------------------------------------------

HEAD_WIDTH = 170  # the rows' names
COLUMN_WIDTH = 210
PAD = 12  # a cell's padding: the gaps the lines run along
CARD_HEIGHT = 50
STICKY_HEIGHT = 22
GAP = 8
HEADER_HEIGHT = 40
TITLE_HEIGHT = 44
LINE_HEIGHT = 13
TITLE_CHARS = 30  # about what fits a card's line at 11 px
LANES = (0, -4, 4, -8, 8)

COLOURS = {GREEN: "#1e7b34", AMBER: "#b07400", RED: "#b3261e", UNPLANNED: "#6a3d9a"}
DASHES = {GREEN: "", AMBER: "9 5", RED: "12 4 2 4", UNPLANNED: "2 4"}
WIDTHS = {GREEN: 2.5, AMBER: 2.5, RED: 3.2, UNPLANNED: 2.8}


@dataclass
class Box:
    left: float
    top: float
    right: float
    bottom: float

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


def route(a: Box, a_cell: Box, b: Box, b_cell: Box, lane: float = 0) -> list[tuple[float, float]]:
    """A line from box ``a`` to box ``b`` along the gaps between cells: never across a card.

    It leaves ``a`` by the side facing ``b`` into the gap beside ``a``'s cell, runs along that
    column gap, and, when ``b`` is in another column, along the gap above (or below) ``b``'s row
    to the column gap beside ``b``, which it enters from the side. ``lane`` shifts the runs a
    little so that lines sharing a gap stay apart. The page's script does the same.
    """
    if b_cell.left >= a_cell.right - 1:  # b's column is to the right
        x1, xa, x2, xb = a.right, a_cell.right + lane, b.left, b_cell.left + lane
    elif b_cell.right <= a_cell.left + 1:  # to the left: planned after it is needed
        x1, xa, x2, xb = a.left, a_cell.left + lane, b.right, b_cell.right + lane
    else:  # the same column: out of the right edge and back in
        x1, xa, x2 = a.right, a_cell.right + lane, b.right
        xb = xa
    y1, y2 = a.cy, b.cy
    points = [(x1, y1), (xa, y1)]
    if xa != xb:
        if b_cell.top >= a_cell.bottom - 1:  # b's row is below: along the gap above it
            hy = b_cell.top + lane / 2
        elif b_cell.bottom <= a_cell.top + 1:  # above: along the gap below it
            hy = b_cell.bottom + lane / 2
        else:  # the same row: along its top
            hy = a_cell.top + lane / 2
        points += [(xa, hy), (xb, hy)]
    points += [(xb, y2), (x2, y2)]
    return points


def _wrap(text: str, width: int, lines: int) -> list[str]:
    """``text`` in at most ``lines`` lines of about ``width`` characters, the last one cut with "…"."""
    words, out, current = text.split(), [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if len(candidate) <= width:
            current = candidate
            continue
        if current:
            out.append(current)
        current = word[:width]
        if len(out) == lines:
            break
    if current and len(out) < lines:
        out.append(current)
    if len(out) == lines and " ".join(out) != " ".join(words):
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return out[:lines]


def _text(x: float, y: float, text: str, *, size: int = 11, weight: str = "normal", fill: str = "#1b2430") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" fill="{fill}">{escape(text)}</text>'
    )


def board_svg(board: ProgramBoard, *, title: str) -> str:
    """The board as an SVG document (UTF-8 text)."""
    columns = board.iterations
    x_of = {column.id: HEAD_WIDTH + index * COLUMN_WIDTH for index, column in enumerate(columns)}
    width = HEAD_WIDTH + len(columns) * COLUMN_WIDTH
    parts: list[str] = []
    ends: dict[str, tuple[Box, Box]] = {}  # dom id of a card or sticky: its box and its cell's

    y = TITLE_HEIGHT
    parts.append(_text(PAD, 28, title, size=18, weight="bold"))
    # Column heads.
    parts.append(f'<rect x="0" y="{y}" width="{width}" height="{HEADER_HEIGHT}" fill="#f3f5f8"/>')
    for column in columns:
        x = x_of[column.id]
        if column.is_ip:
            parts.append(f'<rect x="{x}" y="{y}" width="{COLUMN_WIDTH}" height="{HEADER_HEIGHT}" fill="#efe7fb"/>')
        parts.append(_text(x + PAD, y + 17, column.name, size=13, weight="bold"))
        dates = f"{column.start_date:%d %b} – {column.end_date:%d %b}"
        parts.append(
            _text(x + PAD, y + 32, dates + (" · no feature work" if column.is_ip else ""), size=10, fill="#5b6676")
        )
    y += HEADER_HEIGHT

    # Milestones.
    cells = board.milestone_cells
    count = max((len(milestones) for _, milestones in cells), default=0)
    height = max(30, 2 * PAD + count * 16)
    parts.append(f'<rect x="0" y="{y}" width="{width}" height="{height}" fill="#fffaf0"/>')
    parts.append(_text(PAD, y + PAD + 10, "Milestones & events", weight="bold"))
    for column, milestones in cells:
        for index, milestone in enumerate(milestones):
            label = _wrap(f"◆ {milestone.name} ({milestone.date:%d %b})", 34, 1)[0]
            parts.append(_text(x_of[column.id] + PAD, y + PAD + 10 + index * 16, label))
    y += height
    grid_top = TITLE_HEIGHT

    # Rows, cards and stickies.
    def sticky(sticky: Sticky, x: float, top: float, cell: Box) -> None:
        health = sticky.line.health
        w = min(COLUMN_WIDTH - 2 * PAD, 150)
        text = f"for {sticky.line.needing_team_name}" if sticky.provides else f"from {sticky.line.provider_name}"
        parts.append(
            f'<g id="{sticky.dom_id}" class="sticky health-{health}"><title>{escape(sticky.label)}</title>'
            f'<rect x="{x}" y="{top}" width="{w}" height="{STICKY_HEIGHT}" rx="3" fill="#fff4c2"'
            f' stroke="{COLOURS[health]}" stroke-width="1.5" stroke-dasharray="{DASHES[health]}"/>'
            + _text(x + 5, top + 15, sticky.icon, weight="bold", fill=COLOURS[health])
            + _text(x + 18, top + 15, text[:24], size=10)
            + "</g>"
        )
        ends[sticky.dom_id] = (Box(x, top, x + w, top + STICKY_HEIGHT), cell)

    def card(card: Card, x: float, top: float, cell: Box) -> None:
        w = COLUMN_WIDTH - 2 * PAD
        edge = "#7b4bb7" if card.is_enabler else "#1f4e79"
        fill = "#f3f7ff" if card.is_enabler else "#fffdf2"
        parts.append(
            f'<g id="{card.dom_id}" class="card"><rect x="{x}" y="{top}" width="{w}" height="{CARD_HEIGHT}" rx="5"'
            f' fill="{fill}" stroke="#d8cf9f"/><rect x="{x}" y="{top}" width="4" height="{CARD_HEIGHT}" fill="{edge}"/>'
            + _text(x + 9, top + 14, card.feature_key, weight="bold")
            + _text(x + w - 58, top + 14, "ENABLER" if card.is_enabler else "BUSINESS", size=8, fill="#5b6676")
            + "".join(
                _text(x + 9, top + 28 + index * LINE_HEIGHT, text)
                for index, text in enumerate(_wrap(card.feature_title, TITLE_CHARS, 2))
            )
            + "</g>"
        )
        ends[card.dom_id] = (Box(x, top, x + w, top + CARD_HEIGHT), cell)

    for row in board.rows:
        heights = [
            len(cell.cards) * (CARD_HEIGHT + GAP) + len(cell.stickies) * (STICKY_HEIGHT + GAP) for cell in row.cells
        ]
        head = 24 + LINE_HEIGHT + len(row.unplanned_stickies) * (STICKY_HEIGHT + GAP) + (16 if row.has_unplanned else 0)
        height = max(64, 2 * PAD + max(heights, default=0) - GAP, head + PAD)
        fill = "#f8f9fb" if row.is_context else "#ffffff"
        parts.append(f'<rect x="0" y="{y}" width="{width}" height="{height}" fill="{fill}"/>')
        parts.append(f'<rect x="0" y="{y}" width="{HEAD_WIDTH}" height="{height}" fill="#f3f5f8"/>')
        label = _wrap(row.label if row.is_team else f"{row.label} (external)", 24, 2)
        for index, text in enumerate(label):
            parts.append(_text(PAD, y + PAD + 10 + index * LINE_HEIGHT, text, weight="bold"))
        head_box = Box(0, y, HEAD_WIDTH, y + height)
        top = y + PAD + 18 + (len(label) - 1) * LINE_HEIGHT
        if row.has_unplanned:
            parts.append(_text(PAD, top + 10, "NOT PLANNED", size=9, weight="bold", fill=COLOURS[UNPLANNED]))
            top += 16
            for item in row.unplanned_stickies:
                sticky(item, PAD, top, head_box)
                top += STICKY_HEIGHT + GAP
        for cell in row.cells:
            x = x_of[cell.iteration_id]
            box = Box(x, y, x + COLUMN_WIDTH, y + height)
            if cell.is_ip:
                parts.append(f'<rect x="{x}" y="{y}" width="{COLUMN_WIDTH}" height="{height}" fill="#efe7fb"/>')
            top = y + PAD
            for item in cell.cards:
                card(item, x + PAD, top, box)
                top += CARD_HEIGHT + GAP
            for item in cell.stickies:
                sticky(item, x + PAD, top, box)
                top += STICKY_HEIGHT + GAP
        y += height
        parts.append(f'<line x1="0" y1="{y}" x2="{width}" y2="{y}" stroke="#d7dde5"/>')
    grid_bottom = y
    # The column rules, under everything else drawn later.
    rules = "".join(
        f'<line x1="{x}" y1="{grid_top}" x2="{x}" y2="{grid_bottom}" stroke="#d7dde5"/>'
        for x in [HEAD_WIDTH, *(x_of[column.id] + COLUMN_WIDTH for column in columns)]
    )

    # Lines, between the rows' backgrounds and the cards: drawn first, painted under them.
    paths = []
    for index, line in enumerate(board.lines):
        if line.source.dom_id not in ends or line.target.dom_id not in ends:
            continue
        (a, a_cell), (b, b_cell) = ends[line.source.dom_id], ends[line.target.dom_id]
        points = route(a, a_cell, b, b_cell, LANES[index % len(LANES)])
        d = "M " + " L ".join(f"{x:.1f} {y:.1f}" for x, y in points)
        dash = f' stroke-dasharray="{DASHES[line.health]}"' if DASHES[line.health] else ""
        paths.append(
            f'<path id="{line.dom_id}" class="line health-{line.health}" d="{d}" fill="none"'
            f' stroke="{COLOURS[line.health]}" stroke-width="{WIDTHS[line.health]}"{dash} stroke-linejoin="round"'
            f' data-from="{line.source.dom_id}" data-to="{line.target.dom_id}" marker-end="url(#arrow-{line.health})">'
            f"<title>{escape(line.provider_name)} → {escape(line.needing_team_name)}: {escape(line.description)}"
            f" ({escape(line.health_label)})</title></path>"
        )

    # Legend.
    y += 24
    legend = []
    x = PAD
    for health, icon, label in LEGEND:
        dash = f' stroke-dasharray="{DASHES[health]}"' if DASHES[health] else ""
        legend.append(
            f'<line x1="{x}" y1="{y - 4}" x2="{x + 30}" y2="{y - 4}" stroke="{COLOURS[health]}"'
            f' stroke-width="{WIDTHS[health]}"{dash}/>'
            + _text(x + 36, y, icon, weight="bold", fill=COLOURS[health])
            + _text(x + 50, y, label)
        )
        x += 70 + len(label) * 6
    height = y + 16

    markers = "".join(
        f'<marker id="arrow-{health}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9"'
        f' markerUnits="userSpaceOnUse" orient="auto"><path d="M 0 0 L 10 5 L 0 10 z" fill="{colour}"/></marker>'
        for health, colour in COLOURS.items()
    )
    # Paint order: backgrounds and rules, then lines, then cards and stickies over their ends.
    backgrounds = [part for part in parts if not part.startswith("<g ")]
    items = [part for part in parts if part.startswith("<g ")]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
        f' font-family="Helvetica, Arial, sans-serif" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title><defs>{markers}</defs>"
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>'
        + "".join(backgrounds)
        + rules
        + "".join(paths)
        + "".join(items)
        + "".join(legend)
        + "</svg>\n"
    )
