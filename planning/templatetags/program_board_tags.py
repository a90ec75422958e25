"""The program board's tags: the cards, lines and dependency rows that ``planning.program_board_html`` renders."""

from django import template
from django.utils.safestring import SafeString

from planning.program_board import Cell, Line, Sticky
from planning.program_board_html import BoardLinks, cards_html, dependency_rows_html, line_paths_html, stickies_html

register = template.Library()


@register.simple_tag
def board_cards(cell: Cell, links: BoardLinks) -> SafeString:
    """The cards of a cell, in rank order."""
    return cards_html(cell, links)


@register.simple_tag
def board_stickies(stickies: list[Sticky], links: BoardLinks) -> SafeString:
    """Dependency stickies: line ends with no card."""
    return stickies_html(stickies, links)


@register.simple_tag
def board_line_paths(lines: list[Line]) -> SafeString:
    """Every line of the board, as SVG paths."""
    return line_paths_html(lines)


@register.simple_tag
def board_dependency_rows(lines: list[Line], links: BoardLinks) -> SafeString:
    """Every line of the board, as rows of the dependency table."""
    return dependency_rows_html(lines, links)
