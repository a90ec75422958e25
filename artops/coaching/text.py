"""Playbook text: Markdown rendered safely, a playbook's checklist, and the difference of two versions.

Rendering: raw HTML in the Markdown is not HTML at all (it shows as the text typed), and the
output of the parser is then cleaned by ``nh3`` against an explicit allow-list of tags,
attributes and URL schemes: no script, no event handler, no style, no ``javascript:`` link
gets through, whatever the parser lets by.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import markdown
import nh3
from markdown.extensions import Extension

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "del",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}

# The outline of Scaled Agile's guides, which every new playbook starts from.
CHECKLIST_HEADING = "Preparation checklist"
OUTLINE = f"""## Purpose and agenda

Why this event exists, who comes, and the agenda with its timings.

## {CHECKLIST_HEADING}

- [ ] A first thing to have ready

## Tips

What works well.

## Overcoming challenges

What goes wrong, and what to do about it.
"""


class NoRawHtml(Extension):
    """Markdown without raw HTML: ``<script>`` and ``<img onerror=…>`` stay text, escaped."""

    def extendMarkdown(self, md) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


TASK = re.compile(r"<li>\[( |x|X)\]\s*")


def render(text: str) -> str:
    """Markdown to HTML that is safe to put in a page as it is."""
    html = markdown.markdown(text or "", extensions=[NoRawHtml(), "tables", "fenced_code", "sane_lists"])
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # Task-list items ("- [ ] …") read as boxes; added after cleaning, from fixed markup only.
    return TASK.sub(lambda found: "<li>☐ " if found.group(1) == " " else "<li>☑ ", clean)


# --- the checklist ------------------------------------------------------------------------

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
TASK_LINE = re.compile(r"^\s*[-*+]\s+\[(?: |x|X)\]\s+(.+?)\s*$")


def checklist_items(text: str) -> list[str]:
    """The task-list lines ("- [ ] …") under the heading that names a checklist, in order, each once.

    The section runs to the next heading of the same or a higher level.
    """
    items: list[str] = []
    level = None
    for line in (text or "").splitlines():
        heading = HEADING.match(line)
        if heading:
            depth = len(heading.group(1))
            if level is not None and depth <= level:
                break
            if level is None and "checklist" in heading.group(2).lower():
                level = depth
            continue
        if level is None:
            continue
        task = TASK_LINE.match(line)
        if task and task.group(1) not in items:
            items.append(task.group(1))
    return items


# --- differences --------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffRow:
    """One row of a side-by-side difference: the old line and the new one (either may be absent)."""

    kind: str  # "same", "changed", "removed", "added"
    old_number: int | None
    old: str | None
    new_number: int | None
    new: str | None


def side_by_side(old: str, new: str) -> list[DiffRow]:
    """The lines of ``old`` and ``new`` side by side, as ``difflib`` matches them."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [
                DiffRow("same", i + 1, old_lines[i], j + 1, new_lines[j])
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            continue
        olds, news = list(range(i1, i2)), list(range(j1, j2))
        for index in range(max(len(olds), len(news))):
            i = olds[index] if index < len(olds) else None
            j = news[index] if index < len(news) else None
            kind = "changed" if i is not None and j is not None else ("removed" if j is None else "added")
            rows.append(
                DiffRow(
                    kind,
                    None if i is None else i + 1,
                    None if i is None else old_lines[i],
                    None if j is None else j + 1,
                    None if j is None else new_lines[j],
                )
            )
    return rows
