"""The follow-through of improvement items across PIs: where each stands, and the rate per PI.

The follow-through rate of a PI (DESIGN.md, "Inspect & Adapt") is the share of the improvement
items of its I&A that were planned into the next PI (their feature has a card on the next PI's
program board), done (their feature is done) and demoed (their feature was shown at a System
Demo). Dropped items count among the items: a dropped item was not followed through.

Everything is read in one query, whatever the number of items and PIs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from artops.models import ART, ProgramIncrement
from metrics.ia.models import ImprovementItem, ImprovementItemQuerySet, ImprovementState


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


@dataclass
class Rate:
    """The follow-through of the improvement items of one PI's I&A."""

    pi: ProgramIncrement
    items: int = 0
    planned: int = 0
    done: int = 0
    demoed: int = 0

    @property
    def planned_percent(self) -> int | None:
        return _percent(self.planned, self.items)

    @property
    def done_percent(self) -> int | None:
        return _percent(self.done, self.items)

    @property
    def demoed_percent(self) -> int | None:
        return _percent(self.demoed, self.items)


@dataclass
class FollowThrough:
    items: list[ImprovementItem]
    rates: list[Rate]


def _day(moment: datetime | None, art: ART) -> date | None:
    return moment.astimezone(art.tz).date() if moment else None


def age_in_days(item: ImprovementItem, art: ART, today: date) -> int:
    """Days from the item's creation until it was done or dropped, or until today while open."""
    end = today
    if item.state == ImprovementState.DONE and item.done_at:
        end = _day(item.done_at, art)
    elif item.dropped_at:
        end = _day(item.dropped_at, art)
    return max(0, (end - _day(item.created_at, art)).days)


def items_of(art: ART) -> ImprovementItemQuerySet:
    """Every improvement item of the train, newest PI of origin first: state and follow-through annotated."""
    return (
        ImprovementItem.objects.for_art(art)
        .with_related()
        .with_state()
        .with_follow_through()
        .order_by("-event__pi__start_date", "created_at", "id")
    )


def follow_through(art: ART, *, today: date, items: ImprovementItemQuerySet | None = None) -> FollowThrough:
    """Every improvement item (with its ``age``) and the follow-through rate of each PI of origin: one query."""
    rows = list(items if items is not None else items_of(art))
    rates: dict[int, Rate] = {}
    for item in rows:
        item.age = age_in_days(item, art, today)
        rate = rates.setdefault(item.event.pi_id, Rate(item.event.pi))
        rate.items += 1
        rate.planned += item.planned_next
        rate.done += item.state == ImprovementState.DONE
        rate.demoed += item.demoed
    return FollowThrough(items=rows, rates=list(rates.values()))
