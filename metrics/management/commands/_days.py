"""What ``recompute_metrics`` and ``backfill_metrics`` share: strict dates, trains by slug, a summary line.

Every refusal is a ``CommandError`` with exit status 2, raised before anything is written.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from django.core.management.base import CommandError

from artops.models import ART
from metrics import services

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def refuse(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def parse_day(value: str, option: str) -> date:
    """A calendar day written YYYY-MM-DD, and nothing else (no week dates, no compact form)."""
    if not ISO_DAY.fullmatch(value or ""):
        raise refuse(f"{option} {value!r} is not a date: write it as YYYY-MM-DD, for example 2026-03-02.")
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise refuse(f"{option} {value} is not a day of the calendar ({error}).") from None


def trains(slug: str | None) -> list[ART]:
    """The train named by ``slug``, or every train."""
    if slug is None:
        return list(ART.objects.order_by("pk"))
    art = ART.objects.filter(slug=slug).first()
    if art is None:
        known = ", ".join(ART.objects.order_by("slug").values_list("slug", flat=True)) or "none yet"
        raise refuse(f"No train has the slug {slug!r} (trains: {known}).")
    return [art]


def check_ended(arts: list[ART], day: date, now: datetime) -> None:
    """Only days that are over in every train's time zone are snapshotted."""
    for art in arts:
        if not services.has_ended(art, day, now):
            raise refuse(
                f"{day:%Y-%m-%d} has not ended yet for {art.name} ({art.time_zone}): "
                f"the latest day it can have is {services.due_day(art, now):%Y-%m-%d}."
            )


def summary(outcomes: list[services.Outcome]) -> str:
    computed = [outcome for outcome in outcomes if outcome.computed]
    skipped = len(outcomes) - len(computed)
    line = f"Computed {len(computed)} train-days, {sum(o.rows for o in computed)} snapshot rows written"
    return line + (f"; {skipped} skipped (being computed by another process)." if skipped else ".")
