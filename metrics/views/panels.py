"""What the metrics contribute to lower pages through ``artops.extensions`` (registered in ``MetricsConfig.ready``).

- ``SYNC_METRICS_SNAPSHOT``: the first ten minutes of an ART Sync (DESIGN.md): predictability so
  far (k of n assessed), throughput of the last iteration, WIP against its limit, dependency age
  (median, over 14 and over 30 days). Five queries, whatever the size of the train.
- ``ART_HOME_FIGURES``: predictability so far and WIP on the cockpit of the train's home,
  leading to the Business Owner and flow dashboards. Two queries.

Every number is computed live by the metric services, as the dashboards compute them.
"""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from artops.extensions import Figure, Panel
from artops.models import ART, ProgramIncrement
from metrics import flow
from metrics.dependencies import dependency_age
from metrics.predictability import Figures, pi_predictability
from metrics.views.common import Reading

SYNC_TEMPLATE = "metrics/_sync_snapshot.html"


def _reading(pi: ProgramIncrement | None) -> Reading:
    return Reading(pi_predictability(pi).train if pi is not None else Figures())


def last_iteration(pi: ProgramIncrement, today: date) -> flow.Throughput | None:
    """Throughput of the iteration that ended last before ``today`` (else of the running one, so far): two queries."""
    per_iteration = flow.throughput_per_iteration(pi)
    ended = [item for item in per_iteration if item.timebox.end_date < today]
    if ended:
        return ended[-1]
    running = [item for item in per_iteration if item.timebox.contains(today)]
    return running[0] if running else None


def sync_snapshot(*, art: ART, pi: ProgramIncrement | None, today: date, **_) -> Panel:
    """The metrics snapshot that opens an ART Sync."""
    throughput = last_iteration(pi, today) if pi is not None else None
    return Panel(
        template=SYNC_TEMPLATE,
        context={
            "art": art,
            "pi": pi,
            "predictability": _reading(pi),
            "throughput": throughput,
            "throughput_so_far": throughput is not None and throughput.timebox.contains(today),
            "load": flow.flow_load(art),
            "dependencies": dependency_age(art, today),
        },
        order=10,
    )


def home_figures(*, art: ART, pi: ProgramIncrement | None, today: date, **_) -> list[Figure]:
    """Predictability so far and WIP on the cockpit of the train's home."""
    reading = _reading(pi)
    load = flow.flow_load(art)
    if reading.value is None:
        value, note = "—", reading.hint if pi is not None else "no PI"
    else:
        value = f"{reading.value}%"
        note = reading.band_text if reading.final else f"{reading.assessed_text} · {reading.band_text}"
    return [
        Figure(
            key="predictability",
            label=f"Predictability {reading.label}" + (f", {pi.name}" if pi is not None else ""),
            value=value,
            note=note,
            url=reverse("business_owner_dashboard", kwargs={"art_slug": art.slug}),
            tone="warn" if reading.band == "below" else "",
            order=50,
        ),
        Figure(
            key="wip",
            label="Features in progress",
            value=load.wip,
            note=f"over the limit of {load.limit}" if load.over_limit else f"limit {load.limit}",
            url=reverse("flow_dashboard", kwargs={"art_slug": art.slug}),
            tone="warn" if load.over_limit else "",
            order=55,
        ),
    ]
