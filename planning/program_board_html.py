"""The program board's cards, lines and dependency rows as HTML, rendered in Python for speed.

A large train's board has thousands of cards and hundreds of lines. Rendered by the template
engine, one ``{% for %}`` body and one ``{% url %}`` each, they took more than 80 % of the page's
time and kept it far beyond its target (``make bench``: the page within 10× the raw SQL it
needs). Here each card, line and dependency row is one format string, and links are joined onto
URL prefixes reversed once per request (``BoardLinks``).

The markup is the one ``static/js/program_board.js`` and the browser tests rely on: keep the
ids, classes and data attributes as they are. Every value is escaped exactly as the template
would escape it (``_html``). The page's template calls these through the thin tags of
``planning/templatetags/program_board_tags.py``.
"""

from __future__ import annotations

import re
import unicodedata
from html import escape
from urllib.parse import quote

from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.text import Truncator

from planning.program_board import Card, Cell, Line, Sticky

# What ``reverse`` leaves unquoted in a path argument.
URL_SAFE = RFC3986_SUBDELIMS + "/~:@"


def _url_prefix(viewname: str, art_slug: str, last_argument: str, placeholder: str | int) -> str:
    """The URL of ``viewname`` up to its last argument, which comes last in the path."""
    url = reverse(viewname, kwargs={"art_slug": art_slug, last_argument: placeholder})
    prefix, found, suffix = url.rpartition(str(placeholder))
    if not found or suffix != "/":
        raise ValueError(f"{viewname} does not end with its {last_argument}: {url}")
    return prefix


class BoardLinks:
    """The links of one board, reversed once per request rather than once per card or line."""

    def __init__(self, art_slug: str, move_link_base: str):
        self.feature_prefix = _url_prefix("feature_detail", art_slug, "key", "KEY")
        self.dependency_prefix = _url_prefix("dependency_detail", art_slug, "dependency_id", 1)
        # The card menus' links add ``placement=<id>`` to it (see the view).
        self.move_link_base = move_link_base

    def feature(self, key: str) -> str:
        return f"{self.feature_prefix}{quote(key, safe=URL_SAFE)}/"

    def dependency(self, dependency_id: int) -> str:
        return f"{self.dependency_prefix}{dependency_id}/"

    def move(self, placement_id: int) -> str:
        return f"{self.move_link_base}placement={placement_id}"


def _html(format_string: str, **values) -> SafeString:
    """``format_html`` for the board's thousands of values: each escaped, unless markup or a number.

    Django's ``format_html`` escapes through lazy-string wrappers that cost some microseconds a
    value, a good part of the page's time at ten times the reference size; ``html.escape`` is
    what they call in the end, with the same result.
    """
    escaped = {
        # A number needs no escaping: the board has many (ids, versions).
        name: value if isinstance(value, int | SafeData) else _escaped(str(value))
        for name, value in values.items()
    }
    return mark_safe(format_string.format(**escaped))  # noqa: S308 (every value escaped above)


# The characters ``html.escape`` replaces. Most of the board's texts have none (DOM ids, healths,
# keys, names): a search for them costs a fifth of the five replacements ``escape`` makes.
_SPECIAL = re.compile("[&<>\"']").search


def _escaped(text: str) -> str:
    return escape(text) if _SPECIAL(text) else text


def _truncated(text: str, length: int) -> str:
    """The ``truncatechars`` filter, without its cost for the many texts that are short enough."""
    text = unicodedata.normalize("NFC", text)
    return text if len(text) <= length else Truncator(text).chars(length)


def _dependencies_label(count: int) -> str:
    return f"{count} dependency" if count == 1 else f"{count} dependencies"


def card_html(card: Card, links: BoardLinks) -> SafeString:
    """One card: the feature's key (a link), its type and title, and the move link if it may move."""
    label = f"{card.feature_key} {card.feature_title}"
    if card.line_ids:
        label += f", {_dependencies_label(len(card.line_ids))}"
    move = ""
    if card.movable:
        move = _html(
            '<a class="pb-card-move" href="{url}" id="{dom_id}-move" hx-get="{url}" hx-target="#{dom_id}-menu"'
            ' hx-swap="innerHTML">Move<span class="visually-hidden"> {key}</span></a>'
            '<div class="pb-card-menu" id="{dom_id}-menu"></div>',
            url=links.move(card.placement_id),
            dom_id=card.dom_id,
            key=card.feature_key,
        )
    return _html(
        '<article class="pb-card type-{type}{cancelled}" id="{dom_id}" tabindex="0"'
        ' data-card data-placement-id="{placement_id}" data-version="{version}" data-feature-key="{key}"'
        ' data-team-id="{team_id}" data-iteration-id="{iteration_id}" data-lines="{lines}"'
        ' aria-label="{label}"{draggable}>'
        '<p class="pb-card-head"><a class="pb-card-key" href="{feature_url}">{key}</a>'
        ' <span class="pb-card-type">{type_label}</span></p>'
        '<p class="pb-card-title">{title}</p>{move}</article>',
        type=card.feature_type,
        cancelled=" is-cancelled" if card.is_cancelled else "",
        dom_id=card.dom_id,
        placement_id=card.placement_id,
        version=card.version,
        key=card.feature_key,
        team_id=card.team_id,
        iteration_id=card.iteration_id,
        lines=" ".join(card.line_ids),
        label=label,
        draggable=mark_safe(' draggable="true"') if card.movable else "",
        feature_url=links.feature(card.feature_key),
        type_label="Enabler" if card.is_enabler else "Business",
        title=card.feature_title,
        move=move,
    )


def sticky_html(sticky: Sticky, links: BoardLinks) -> SafeString:
    """A dependency sticky: the end of a line with no card, with its health's icon (colour's second channel)."""
    line = sticky.line
    short = f"for {line.needing_team_name}" if sticky.provides else f"from {line.provider_name}"
    return _html(
        '<a class="pb-sticky health-{health} is-{role}" id="{dom_id}" href="{url}" data-sticky'
        ' data-lines="{line_id}" data-health="{health}" title="{label}" aria-label="{label} ({health_label})">'
        '<span class="pb-sticky-icon" aria-hidden="true">{icon}</span>'
        '<span class="pb-sticky-text">{short}</span></a>',
        health=line.health,
        role="provides" if sticky.provides else "needs",
        dom_id=sticky.dom_id,
        url=links.dependency(line.dependency_id),
        line_id=line.dom_id,
        label=_truncated(sticky.label, 160),
        health_label=line.health_label,
        icon=sticky.icon,
        short=_truncated(short, 40),
    )


def stickies_html(stickies: list[Sticky], links: BoardLinks) -> SafeString:
    """The stickies of a cell or of a row's "not planned" spot."""
    return mark_safe("".join(sticky_html(sticky, links) for sticky in stickies))  # noqa: S308 (each part escaped by _html)


def line_path_html(line: Line) -> SafeString:
    """One line of the SVG: the page's script draws it between the two ends it names (cards or stickies)."""
    return _html(
        '<path id="{dom_id}" class="pb-line health-{health}" data-health="{health}"'
        ' data-from="{source}" data-to="{target}" marker-end="url(#pb-arrow-{health})">'
        "<title>{provider} → {needing}: {description} ({health_label})</title></path>",
        dom_id=line.dom_id,
        health=line.health,
        source=line.source.dom_id,
        target=line.target.dom_id,
        provider=line.provider_name,
        needing=line.needing_team_name,
        description=_truncated(line.description, 120),
        health_label=line.health_label,
    )


def dependency_row_html(line: Line, links: BoardLinks) -> SafeString:
    """One row of the "Dependencies on this board" table."""
    return _html(
        '<tr class="pb-dependency health-row-{health}" id="{dom_id}-row" data-line="{dom_id}" data-health="{health}">'
        '<td><span class="pb-swatch health-{health}" aria-hidden="true"></span>'
        ' <span class="pb-health-icon health-{health}" aria-hidden="true">{icon}</span> {health_label}</td>'
        "<td>{provider}{providing_feature}</td>"
        "<td>{needing}{needing_feature}</td>"
        '<td><a href="{url}">{description}</a></td>'
        "<td>{planned}</td>"
        "<td>{needed}</td></tr>",
        health=line.health,
        dom_id=line.dom_id,
        health_label=line.health_label,
        icon=line.health_icon,
        provider=line.provider_name,
        providing_feature=f" · {line.providing_feature_key}" if line.providing_feature_key else "",
        needing=line.needing_team_name,
        needing_feature=f" · {line.needing_feature_key}" if line.needing_feature_key else "",
        url=links.dependency(line.dependency_id),
        description=_truncated(line.description, 80),
        planned=line.planned_iteration_name,
        needed=line.needed_by_name,
    )


def cards_html(cell: Cell, links: BoardLinks) -> SafeString:
    """The cards of a cell, in rank order, then its dependency stickies."""
    cards = "".join(card_html(card, links) for card in cell.cards)
    if cell.stickies:
        cards += stickies_html(cell.stickies, links)
    return mark_safe(cards)  # noqa: S308 (each part escaped by _html)


def line_paths_html(lines: list[Line]) -> SafeString:
    """Every line of the board, as SVG paths."""
    return mark_safe("".join(line_path_html(line) for line in lines))  # noqa: S308 (each part escaped by _html)


def dependency_rows_html(lines: list[Line], links: BoardLinks) -> SafeString:
    """Every line of the board, as rows of the dependency table."""
    return mark_safe("".join(dependency_row_html(line, links) for line in lines))  # noqa: S308 (each part escaped by _html)
