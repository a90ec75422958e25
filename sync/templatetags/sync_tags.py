"""Template filters of the sync pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def clock(seconds: int) -> str:
    """Seconds as a clock: 754 → "12:34"; a negative number (a timebox overrun) → "+1:05"."""
    if seconds is None:
        return ""
    sign = "+" if seconds < 0 else ""
    minutes, rest = divmod(abs(int(seconds)), 60)
    return f"{sign}{minutes}:{rest:02d}"


@register.filter
def section_template(key: str) -> str:
    """The template of an agenda section's content."""
    return f"sync/sections/{key}.html"
