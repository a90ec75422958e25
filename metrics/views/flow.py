"""The RTE's flow dashboard: five headline metrics with their trends, and three charts.

DESIGN.md: "3–5 on a screen at a time, never a wall of dashboards". The headline numbers are
computed live from the metric services (today's figures); their trend lines are the nightly
snapshots of the period chosen (90 days unless ``?days=`` names 30, 180 or 365):

- predictability of the current PI, *so far* with k of n assessed, or *final*;
- throughput: features accepted in the PI, per iteration, with the share of enablers;
- flow time of the features accepted in the last 90 days: median and 85th percentile;
- WIP: features implementing or validating now, against the train's WIP limit;
- dependency age: the open dependencies' median age, how many are over 14 and over 30 days.

Below them: the cumulative flow diagram (snapshots), the flow-time distribution and the
dependency aging histogram (live). Every chart has its data as a table and as CSV
(``flow_chart_csv?chart=…``), built by the same function as the picture.

Queries: a constant number, whatever the size of the train or the period.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import date, timedelta
from functools import cached_property

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from artops.models import ART, ProgramIncrement
from artops.permissions import art_capability_required
from metrics import charts, flow
from metrics.dependencies import DependencyAge, dependency_age
from metrics.forms import WhenDoneForm, WindowForm
from metrics.models import TrainSnapshot
from metrics.predictability import Figures, pi_predictability
from metrics.views.common import Reading, chart_csv
from planning.models import Feature

NAV_SECTION = "metrics"
TEMPLATE = "metrics/flow.html"

# The cumulative flow's states, stacked from the bottom: done first, the funnel last (cancelled left out).
CFD_STATES = ("done", "validating", "implementing", "backlog", "analyzing", "funnel")


class FlowData:
    """The numbers of the flow dashboard for a train on ``today``, each read once, when first needed."""

    def __init__(self, art: ART, today: date, days: int):
        self.art, self.today, self.days = art, today, days
        # The trends end yesterday: the last day with a snapshot is the last day that has ended.
        self.last = today - timedelta(days=1)
        self.first = today - timedelta(days=days)

    @cached_property
    def pi(self) -> ProgramIncrement | None:
        return ProgramIncrement.objects.for_art(self.art).select_related("art").current(self.today)

    @cached_property
    def snapshots(self) -> list[TrainSnapshot]:
        return list(TrainSnapshot.objects.for_art(self.art).between(self.first, self.last))

    @cached_property
    def days_shown(self) -> list[date]:
        return [snapshot.day for snapshot in self.snapshots]

    @cached_property
    def predictability(self) -> Figures:
        return pi_predictability(self.pi).train if self.pi else Figures()

    @cached_property
    def throughput(self) -> list[flow.Throughput]:
        return flow.throughput_per_iteration(self.pi) if self.pi else []

    @cached_property
    def distribution(self) -> flow.FlowDistribution | None:
        return flow.flow_distribution(self.pi) if self.pi else None

    @cached_property
    def flow_time(self) -> flow.FlowTime:
        return flow.flow_time(self.art, self.flow_time_first, self.today)

    @property
    def flow_time_first(self) -> date:
        return self.today - timedelta(days=flow.FLOW_TIME_WINDOW_DAYS - 1)

    @cached_property
    def load(self) -> flow.FlowLoad:
        return flow.flow_load(self.art)

    @cached_property
    def dependencies(self) -> DependencyAge:
        return dependency_age(self.art, self.today)

    def column(self, name: str) -> list:
        return [getattr(snapshot, name) for snapshot in self.snapshots]


# --- the charts, each from the numbers it needs ---------------------------------------------------


def _predictability(data: FlowData) -> charts.Chart:
    return charts.sparkline(
        slug="predictability",
        title="Predictability, day by day",
        days=data.days_shown,
        series=[charts.Series("Predictability", data.column("predictability"))],
        unit="%",
        band=True,
    )


def _throughput(data: FlowData) -> charts.Chart:
    """Features accepted per week (Monday to Sunday) from the daily snapshots."""
    weeks: OrderedDict[date, int] = OrderedDict()
    for snapshot in data.snapshots:
        monday = snapshot.day - timedelta(days=snapshot.day.weekday())
        weeks[monday] = weeks.get(monday, 0) + snapshot.accepted
    return charts.sparkline(
        slug="throughput",
        title="Features accepted per week",
        days=list(weeks),
        series=[charts.Series("Accepted", list(weeks.values()))],
        unit="features",
        x_name="week_of",
    )


def _flow_time_trend(data: FlowData) -> charts.Chart:
    return charts.sparkline(
        slug="flow-time-trend",
        title="Flow time, day by day (features accepted in the 90 days before)",
        days=data.days_shown,
        series=[
            charts.Series("Median days", data.column("flow_time_median")),
            charts.Series("85th percentile days", data.column("flow_time_p85"), dashed=True),
        ],
        unit="days",
    )


def _wip(data: FlowData) -> charts.Chart:
    return charts.sparkline(
        slug="wip",
        title="WIP, day by day",
        days=data.days_shown,
        series=[charts.Series("WIP", data.column("wip")), charts.Series("WIP limit", data.column("wip_limit"), True)],
        unit="features",
    )


def _dependency_age(data: FlowData) -> charts.Chart:
    return charts.sparkline(
        slug="dependency-age",
        title="Median age of the open dependencies, day by day",
        days=data.days_shown,
        series=[
            charts.Series("Median age days", data.column("dependency_age_median")),
            charts.Series("Open over 14 days", data.column("dependencies_over_14"), dashed=True),
        ],
        unit="days",
    )


def _cumulative_flow(data: FlowData) -> charts.Chart:
    labels = dict(Feature.State.choices)
    return charts.cumulative_flow(
        days=data.days_shown,
        states={labels[state]: data.column(f"features_{state}") for state in CFD_STATES},
    )


def _flow_time(data: FlowData) -> charts.Chart:
    figures = data.flow_time
    return charts.flow_time_distribution(
        durations=figures.distribution,
        median=figures.median,
        p85=figures.p85,
        first=data.flow_time_first,
        last=data.today,
    )


def _dependency_aging(data: FlowData) -> charts.Chart:
    figures = data.dependencies
    return charts.dependency_aging(buckets=figures.histogram, median=figures.median, over_30=figures.over_30)


CHARTS: dict[str, Callable[[FlowData], charts.Chart]] = {
    "predictability": _predictability,
    "throughput": _throughput,
    "flow-time-trend": _flow_time_trend,
    "wip": _wip,
    "dependency-age": _dependency_age,
    "cumulative-flow": _cumulative_flow,
    "flow-time": _flow_time,
    "dependency-aging": _dependency_aging,
}


def _chart(data: FlowData, slug: str) -> charts.Chart:
    url = reverse("flow_chart_csv", kwargs={"art_slug": data.art.slug})
    return CHARTS[slug](data).at(f"{url}?chart={slug}&days={data.days}")


# --- the pages -------------------------------------------------------------------------------------


def _window(request: HttpRequest) -> WindowForm:
    return WindowForm(request.GET or None)


@art_capability_required("art.view")
@require_GET
def flow_dashboard(request: HttpRequest) -> HttpResponse:
    """The RTE's flow metrics: five headline numbers with their trends, cumulative flow, distributions."""
    art: ART = request.art
    window = _window(request)
    data = FlowData(art, art.today(), window.period)
    # The iterations begun so far (the IP iteration only once something was accepted in it).
    begun = [
        item
        for item in data.throughput
        if item.timebox.start_date <= data.today and (not item.timebox.is_ip or item.accepted)
    ]
    current = [item for item in begun if item.timebox.contains(data.today)]
    context = {
        "art": art,
        "today": data.today,
        "pi": data.pi,
        "data": data,
        "window": window,
        "predictability": Reading(data.predictability),
        "throughput": begun,
        "accepted_in_pi": sum(item.accepted for item in data.throughput),
        "current_iteration": current[0].timebox if current else None,
        "over_by": max(0, data.load.wip - data.load.limit),
        # Keyed for the template, which cannot read "flow-time" as a name.
        "charts": {slug.replace("-", "_"): _chart(data, slug) for slug in CHARTS},
        "forecast_form": WhenDoneForm(features=[], auto_id="flow-forecast-%s"),
    }
    return render(request, TEMPLATE, context)


@art_capability_required("art.view")
@require_GET
def flow_chart_csv(request: HttpRequest) -> HttpResponse:
    """The numbers behind one chart of the flow dashboard (``?chart=``), as CSV (the period of ``?days=``)."""
    chart = request.GET.get("chart", "")
    if chart not in CHARTS:
        raise Http404("No such chart.")
    art: ART = request.art
    data = FlowData(art, art.today(), _window(request).period)
    return chart_csv(art, CHARTS[chart](data), suffix=f"{data.days}-days")
