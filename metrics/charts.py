"""Every chart of the metrics pages, drawn as SVG on the server by ``pygal`` from plain numbers.

A chart is built from lists of numbers and labels, never from models: the views read the
metric services and hand the numbers over, so a chart is the same whether the numbers come
from today's live figures or from the nightly snapshots. Each builder returns a ``Chart``:

- ``svg``: the chart, inlined in the page (no script, no web font, no CDN; the app's palette;
  ``role="img"`` named by the chart's title and summary, with a ``<desc>``);
- ``title`` and ``summary``: the figure's caption, the text alternative of the picture;
- ``columns`` and ``rows``: the numbers behind it, shown in a "Show data" table and
  downloaded as CSV (``csv_rows`` neutralises spreadsheet formulas in text cells).

Sizes: an SVG scales to the width it is shown at, its text with it, so each kind of chart
is drawn at about the width the page gives it (the stylesheet caps it there): text stays
13–15 px on a laptop and no smaller than about 10 px on a tablet. Trend lines beside a
headline number are sparklines: no text inside, the numbers are in the tile and the table.

Predictability charts shade DESIGN.md's healthy band, 80–100%, behind their lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import pygal
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

from artops.pages import csv_safe
from planning.models import HEALTHY_BAND

INK = "#1b2430"
MUTED = "#5b6676"
LINE = "#d7dde5"
BRAND = "#1f4e79"
ACCENT = "#f4b400"
OK = "#1e7b34"
BAD = "#b3261e"
BAND_FILL = "#dcefe0"

# The app's palette first (brand blue, amber, green, red), then distinct darker hues that stay
# legible on white: one colour per team; the train's line is drawn thicker and in ink.
SERIES_COLOURS = (BRAND, ACCENT, OK, BAD, "#6b46c1", "#0e7490", "#9a6400", "#be185d", "#4d7c0f", MUTED)
# The cumulative flow, from the bottom: done (greens), in progress (blues), waiting (amber, greys).
FLOW_COLOURS = ("#1e7b34", "#1f4e79", "#6f94b8", "#f4b400", "#b8a36a", "#c9ced6")

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'


@dataclass(frozen=True)
class Chart:
    """A chart of a metrics page: the picture, what it shows in words, and the numbers behind it."""

    slug: str
    title: str
    summary: str
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]
    svg: SafeString
    csv_url: str = ""
    # The width the picture is drawn for (the stylesheet caps it there), and its kind for the page.
    width: int = 720
    sparkline: bool = False

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def headers(self) -> list[str]:
        """The columns as a table's headers: "flow_time_days" reads "Flow time days"."""
        return [column.replace("_", " ").capitalize() for column in self.columns]

    def at(self, csv_url: str) -> Chart:
        """The same chart with the URL its CSV is downloaded from."""
        return replace(self, csv_url=csv_url)

    @property
    def table_rows(self) -> list[list[str]]:
        """The rows as the "Show data" table shows them: days as in the CSV, "—" where there is no value."""
        return [["—" if value is None else _shown(value) for value in row] for row in self.rows]

    def csv_rows(self) -> list[list[str]]:
        """The rows as CSV cells: numbers as they are, text with spreadsheet formulas neutralised."""
        return [[_cell(value) for value in row] for row in self.rows]


def _shown(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return csv_safe(str(value))


# --- rendering ---------------------------------------------------------------------------------------


def _style(colours: Sequence[str], font: int) -> Style:
    return Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground=INK,
        foreground_strong=INK,
        foreground_subtle=MUTED,
        font_family=FONT,
        label_font_size=font,
        major_label_font_size=font,
        value_font_size=font - 1,
        value_label_font_size=font - 1,
        legend_font_size=font,
        title_font_size=font + 1,
        tooltip_font_size=font,
        no_data_font_size=font + 2,
        guide_stroke_color=LINE,
        major_guide_stroke_color=LINE,
        guide_stroke_dasharray="3,3",
        major_guide_stroke_dasharray="3,3",
        opacity=".8",
        opacity_hover=".9",
        stroke_width="2.5",
        stroke_width_hover="3",
        transition="0s",
        colors=tuple(colours),
    )


def _config(*, width: int, height: int, font: int = 14, colours: Sequence[str] = SERIES_COLOURS, **overrides):
    """What every chart shares: no script, no XML declaration, a scalable picture in the app's style."""
    return {
        "style": _style(colours, font),
        "js": [],
        "disable_xml_declaration": True,
        "explicit_size": False,
        "width": width,
        "height": height,
        "margin": 10,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 4,
        "truncate_legend": 30,
        "truncate_label": 18,
        "print_values": False,
        "dots_size": 3,
        "title": None,
        **overrides,
    }


def _accessible(title: str, summary: str):
    """An XML filter: the picture is an image named by its title and described by its summary.

    pygal's script element (its tooltips' settings, which the page's CSP would block anyway) and
    its comments (its version and the day of rendering) are dropped.
    """

    def apply(root):
        for node in [node for node in root if not isinstance(node.tag, str)]:
            root.remove(node)
        for defs in [node for node in root if node.tag.endswith("defs")]:
            for script in [child for child in defs if child.tag.endswith("script")]:
                defs.remove(script)
        for node in root:
            if node.tag.endswith("title"):
                node.text = title
        desc = root.makeelement("desc", {})
        desc.text = summary
        root.insert(0, desc)
        root.set("role", "img")
        root.set("aria-label", f"{title}. {summary}")
        root.set("class", "chart-svg")
        return root

    return apply


def _render(chart, title: str, summary: str) -> SafeString:
    chart.add_xml_filter(_accessible(title, summary))
    # pygal writes every text through ElementTree, which escapes it: the markup is safe to inline.
    return mark_safe(chart.render())  # noqa: S308


class BandLine(pygal.Line):
    """A line chart with DESIGN.md's healthy predictability band (80–100%) shaded behind the lines."""

    band = HEALTHY_BAND
    band_label = True

    def _plot(self):
        low, high = self.band
        top, bottom = self.view.y(high), self.view.y(low)
        if top is not None and bottom is not None:
            self.svg.node(
                self.nodes["plot"],
                "rect",
                x=0,
                y=top,
                width=self.view.width,
                height=bottom - top,
                class_="healthy-band",
                fill=BAND_FILL,
                stroke=OK,
                **{"stroke-dasharray": "4,3", "stroke-width": 1},
            )
            if self.band_label:
                label = self.svg.node(
                    self.nodes["plot"], "text", x=self.view.width - 6, y=top + 15, class_="band-label", fill=OK
                )
                # A white halo keeps the label readable where a line crosses it.
                label.attrib.update(
                    {"text-anchor": "end", "stroke": "#fff", "stroke-width": "3", "paint-order": "stroke"}
                )
                label.text = f"healthy band {low}–{high}%"
        super()._plot()


class BandSparkline(BandLine):
    band_label = False


def _legend_rows(entries: int, *, columns: int, font: int) -> dict:
    """A legend at the bottom in rows of ``columns``, with room for every row.

    pygal makes room for ``entries // columns`` rows where ``ceil`` of it are drawn: the last
    row would be cut off, so the bottom margin gets the rows it forgets.
    """
    columns = max(1, min(columns, entries))
    forgotten = -(-entries // columns) - max(1, entries // columns)
    return {"legend_at_bottom_columns": columns, "margin_bottom": 10 + round(forgotten * font * 1.5)}


def _number(value) -> float | None:
    return None if value is None else float(value)


def _percent_range(values: Sequence) -> tuple[int, int]:
    """A y range from 0 that always shows the band (up to 120%), and higher values when there are some."""
    highest = max([float(value) for value in values if value is not None] or [0])
    return (0, int(max(120, (highest // 20 + 1) * 20)))


def _major_every(count: int, wanted: int) -> int:
    return max(1, -(-count // wanted))


def _count_ticks(counts: Sequence[int], wanted: int = 5) -> list[int]:
    """Whole-number ticks from 0 to at least the highest count, about ``wanted`` of them."""
    highest = max([*counts, 1])
    step = max(1, -(-highest // wanted))
    return list(range(0, highest + step, step))


def _day(day: date) -> str:
    return f"{day.day} {day:%b}"


def _long_day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _column(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name.lower().replace("%", "percent")).strip("_")


# --- predictability ----------------------------------------------------------------------------------


def predictability_trend(
    *,
    pis: Sequence[str],
    teams: dict[str, Sequence[Decimal | None]],
    train: Sequence[Decimal | None],
    labels: Sequence[str],
) -> Chart:
    """Predictability per PI (x = PIs): one line per team and the train's, over the shaded 80–100% band.

    ``labels``: for each PI, "final" or "so far". A value of None is "—" (no committed planned
    business value, or nothing assessed yet): the line has a gap there, never a 0.
    """
    title = "Predictability across PIs"
    every = [*train, *(value for values in teams.values() for value in values)]
    chart = BandLine(
        **_config(
            width=800,
            height=380,
            font=15,
            range=_percent_range(every),
            include_x_axis=True,
            allow_interruptions=True,
            y_title="% of committed planned business value",
            # Room for the last PI's label ("PI 2026.3 (so far)") at the right edge.
            margin_right=60,
            value_formatter=lambda value: f"{value:.0f}%",
            colours=(INK, *SERIES_COLOURS),
            **_legend_rows(len(teams) + 1, columns=5, font=15),
        )
    )
    chart.x_labels = [pi if label == "final" else f"{pi} ({label})" for pi, label in zip(pis, labels, strict=True)]
    chart.add("Train", [_number(value) for value in train], stroke_style={"width": 4.5})
    for team, values in teams.items():
        chart.add(team, [_number(value) for value in values])
    rows = tuple((pi, label, "Train", value) for pi, label, value in zip(pis, labels, train, strict=True)) + tuple(
        (pi, label, team, value)
        for team, values in teams.items()
        for pi, label, value in zip(pis, labels, values, strict=True)
    )
    shown = [f"{pi} {_percent(value)}" for pi, value in zip(pis, train, strict=True)]
    summary = (
        f"Line chart of predictability in the last {len(pis)} PIs, one line per team and a thicker dark line "
        f"for the train, over the shaded healthy band of 80–100%. The train: {'; '.join(shown)}."
        if pis
        else "No PI yet."
    )
    return Chart(
        slug="predictability-trend",
        title=title,
        summary=summary,
        columns=("pi", "figure", "team", "predictability_percent"),
        rows=rows,
        svg=_render(chart, title, summary),
        width=800,
    )


def _percent(value) -> str:
    return "—" if value is None else f"{value}%"


# --- trends of one metric over days (from the snapshots) ---------------------------------------------


@dataclass(frozen=True)
class Series:
    """One line of a trend: its name and a value per day (None where there is no value that day)."""

    name: str
    values: Sequence
    dashed: bool = False


def sparkline(
    *,
    slug: str,
    title: str,
    days: Sequence[date],
    series: Sequence[Series],
    unit: str,
    band: bool = False,
    x_name: str = "day",
) -> Chart:
    """A headline metric day by day (or week by week), as the nightly snapshots recorded it: a small
    line without text.

    The first series is the metric (drawn solid), a second one its limit or a companion (dashed),
    such as the WIP limit. ``band`` shades the healthy predictability band (the values are
    percentages). ``x_name`` names the first column of the data ("day", "week_of").
    """
    values = [value for line in series for value in line.values]
    known = [float(value) for value in series[0].values if value is not None] if series else []
    config = {
        "width": 260,
        "height": 70,
        "margin": 3,
        "show_x_labels": False,
        "show_y_labels": False,
        "show_legend": False,
        "show_dots": False,
        "allow_interruptions": True,
        "include_x_axis": True,
        "show_x_guides": False,
        "show_y_guides": False,
        "colours": (BRAND, BAD),
        "spacing": 0,
    }
    if band:
        config["range"] = _percent_range(values)
    chart = (BandSparkline if band else pygal.Line)(**_config(**config))
    for line in series:
        chart.add(
            line.name,
            [_number(value) for value in line.values],
            stroke_style={"width": 1.5, "dasharray": "4,3"} if line.dashed else {"width": 2.5},
        )
    rows = tuple((day, *(line.values[index] for line in series)) for index, day in enumerate(days))
    if days and known:
        name = series[0].name.lower()
        extra = "".join(f", against the {line.name.lower()} (dashed)" for line in series[1:])
        summary = (
            f"Sparkline of {name}{extra} from {_long_day(days[0])} to {_long_day(days[-1])}: "
            f"lowest {_amount(min(known), unit)}, highest {_amount(max(known), unit)}, "
            f"last {_amount(known[-1], unit)}."
        )
    else:
        summary = "No snapshots yet: the nightly job records one a day."
    columns = (x_name, *(_column(line.name) for line in series))
    return Chart(
        slug=slug,
        title=title,
        summary=summary,
        columns=columns,
        rows=rows if known else (),
        svg=_render(chart, title, summary),
        width=260,
        sparkline=True,
    )


def _amount(value: float, unit: str) -> str:
    number = f"{value:g}"
    return f"{number}%" if unit == "%" else f"{number} {unit}"


# --- cumulative flow ---------------------------------------------------------------------------------


def cumulative_flow(*, days: Sequence[date], states: dict[str, Sequence[int]]) -> Chart:
    """The cumulative flow diagram: the train's features in each state at the end of each day, stacked.

    ``states`` in stacking order from the bottom (done first, the funnel last), so that the
    bands read as the flow of work: the top edge is everything that arrived, the bottom one
    everything done.
    """
    title = "Cumulative flow of features"
    chart = pygal.StackedLine(
        **_config(
            width=960,
            height=380,
            font=15,
            fill=True,
            show_dots=False,
            include_x_axis=True,
            show_minor_x_labels=False,
            x_labels_major_every=_major_every(len(days), 8),
            legend_at_bottom_columns=len(states),
            y_title="features",
            value_formatter=lambda value: f"{value:g}",
            colours=FLOW_COLOURS,
        )
    )
    chart.x_labels = [_day(day) for day in days]
    for state, counts in states.items():
        chart.add(state, list(counts))
    rows = tuple((day, *(counts[index] for counts in states.values())) for index, day in enumerate(days))
    if days:
        last = ", ".join(f"{counts[-1]} {state.lower()}" for state, counts in states.items())
        summary = (
            f"Stacked area chart of the train's features in each state at the end of each day from "
            f"{_long_day(days[0])} to {_long_day(days[-1])}, done at the bottom. On the last day: {last}."
        )
    else:
        summary = "No snapshots yet: the nightly job records the features in each state once a day."
    return Chart(
        slug="cumulative-flow",
        title=title,
        summary=summary,
        columns=("day", *(_column(state) for state in states)),
        rows=rows,
        svg=_render(chart, title, summary),
        width=960,
    )


# --- distributions -----------------------------------------------------------------------------------


def _bars(
    *, title: str, summary: str, labels: Sequence[str], counts: Sequence[int], x_title: str, y_title: str, colour
):
    chart = pygal.Bar(
        **_config(
            width=600,
            height=330,
            font=14,
            show_legend=False,
            print_values=True,
            print_values_position="top",
            x_title=x_title,
            y_title=y_title,
            # Whole numbers on the axis: these are counts.
            y_labels=_count_ticks(counts),
            truncate_label=14,
            colours=(colour,),
            value_formatter=lambda value: f"{value:g}",
            include_x_axis=True,
        )
    )
    chart.x_labels = list(labels)
    chart.add(title, list(counts))
    return _render(chart, title, summary)


def flow_time_distribution(
    *,
    durations: Sequence[tuple[int, int]],
    median: Decimal | None,
    p85: Decimal | None,
    first: date,
    last: date,
    width: int = 7,
) -> Chart:
    """How long the features accepted from ``first`` to ``last`` took, in bins of ``width`` days.

    ``durations``: (flow time in days, how many features took that long), as
    ``metrics.flow.flow_time`` gives them.
    """
    title = "Flow time distribution"
    bins: dict[int, int] = {}
    for days, count in durations:
        bins[days // width] = bins.get(days // width, 0) + count
    top = max(bins, default=-1)
    labels = [f"{index * width}–{index * width + width - 1}" for index in range(top + 1)]
    counts = [bins.get(index, 0) for index in range(top + 1)]
    total = sum(counts)
    period = f"from {_long_day(first)} to {_long_day(last)}"
    if total:
        summary = (
            f"Bar chart of the flow time of the {total} features accepted {period}, in bins of {width} days: "
            f"median {median} days, 85th percentile {p85} days."
        )
    else:
        summary = f"No feature was accepted {period}."
    svg = _bars(
        title=title, summary=summary, labels=labels, counts=counts, x_title="days", y_title="features", colour=BRAND
    )
    return Chart(
        slug="flow-time",
        title=title,
        summary=summary,
        columns=("flow_time_days", "features"),
        rows=tuple(zip(labels, counts, strict=True)),
        svg=svg,
        width=600,
    )


def dependency_aging(*, buckets: Sequence[tuple[str, int]], median: Decimal | None, over_30: int) -> Chart:
    """The aging histogram of the open dependencies: how many in each age bucket."""
    title = "Dependency aging"
    counts = [count for _, count in buckets]
    total = sum(counts)
    if total:
        parts = ", ".join(f"{count} {label}" for label, count in buckets)
        summary = (
            f"Bar chart of the {total} open dependencies by age: {parts}. Median age {median} days; "
            f"{over_30} open for more than 30 days."
        )
    else:
        summary = "No open dependency."
    svg = _bars(
        title=title,
        summary=summary,
        labels=[label for label, _ in buckets],
        counts=counts,
        x_title="age",
        y_title="open dependencies",
        colour=ACCENT,
    )
    return Chart(
        slug="dependency-aging",
        title=title,
        summary=summary,
        columns=("age", "open_dependencies"),
        rows=tuple(buckets) if total else (),
        svg=svg,
        width=600,
    )
