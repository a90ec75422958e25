"""The quantitative review of an I&A: the PI's metrics as they stand, and as they were frozen.

Until the facilitator freezes it, the review is computed live from the same services as the
nightly snapshots (``metrics.predictability``, ``metrics.flow``, ``metrics.dependencies``). Frozen,
it is a plain copy of those figures kept on the event (``InspectAdapt.review``): numbers as text
and names of teams as they were, so that a later recomputation of the metrics, a renamed team or
an objective assessed afterwards never changes what the I&A showed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from artops.models import Team
from metrics import dependencies, flow, predictability
from metrics.ia.models import InspectAdapt


def _number(value: Decimal | int | None) -> str | None:
    """A figure as the review keeps it: text (exact), or None for "—"."""
    return None if value is None else str(value)


def _figures(figures: predictability.Figures) -> dict:
    return {
        "predictability": _number(figures.predictability),
        "actual_bv": figures.actual_bv,
        "planned_committed_bv": figures.planned_committed_bv,
        "assessed": figures.assessed_text,
        "label": figures.label,
    }


def compute(event: InspectAdapt, *, day: date) -> dict:
    """The review of ``event``'s PI on ``day``: predictability per team and for the train, throughput,
    flow time, WIP and dependency age. About ten queries, whatever the size of the train."""
    pi, art = event.pi, event.art
    last = min(day, pi.end_date)
    figures = predictability.pi_predictability(pi)
    teams = list(Team.objects.for_art(art).order_by("name").values_list("pk", "name"))
    accepted = flow.throughput_per_pi(art, [pi])[0]
    per_iteration = flow.throughput_per_iteration(pi)
    flow_time = flow.flow_time(art, pi.start_date, last)
    load = flow.flow_load(art)
    ages = dependencies.dependency_age(art, day)
    return {
        "day": day.isoformat(),
        "pi": pi.name,
        "train": _figures(figures.train),
        "teams": [
            {"team": name, **_figures(figures.of(team_id))}
            for team_id, name in teams
            if figures.of(team_id).objectives or team_id in figures.teams
        ],
        "throughput": {
            "accepted": accepted.accepted,
            "size": accepted.size,
            "per_iteration": [{"iteration": t.timebox.name, "accepted": t.accepted} for t in per_iteration],
        },
        "flow_time": {
            "count": flow_time.count,
            "median": _number(flow_time.median),
            "p85": _number(flow_time.p85),
        },
        "wip": {"wip": load.wip, "limit": load.limit, "over_limit": load.over_limit},
        "dependencies": {
            "open": ages.open,
            "median": _number(ages.median),
            "max": ages.max,
            "over_14": ages.over_14,
            "over_30": ages.over_30,
        },
    }


def review_of(event: InspectAdapt, *, today: date) -> tuple[dict, bool]:
    """(the review, whether it is frozen): the frozen copy once there is one, else computed live for ``today``."""
    if event.review is not None:
        return event.review, True
    return compute(event, day=today), False
