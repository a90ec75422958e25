"""What the metrics pages share: how a predictability figure is shown, which PI a page is about,
and a chart's data as CSV."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404, HttpResponse, QueryDict

from artops.models import ART, ProgramIncrement
from artops.pages import csv_response
from artops.parsing import BadNumber, read_id
from metrics.charts import Chart
from metrics.predictability import Figures
from planning.models import BAND_LABELS, HEALTHY_BAND, band_of

# The predictability bars run from 0 to 150%; a figure above that fills the bar (its number says how far).
BAR_MAX = 150


@dataclass(frozen=True)
class Reading:
    """How one predictability figure reads on a page: the value, final or so far, k of n assessed,
    where it sits against the healthy band, and why there is none ("—") when there is none."""

    figures: Figures

    @property
    def value(self) -> Decimal | None:
        return self.figures.predictability

    @property
    def label(self) -> str:
        return self.figures.label

    @property
    def final(self) -> bool:
        return self.figures.final

    @property
    def assessed_text(self) -> str:
        return self.figures.assessed_text

    @property
    def band(self) -> str:
        """``in``, ``below`` or ``above`` the healthy band, or "" without a figure."""
        return band_of(self.value)

    @property
    def band_text(self) -> str:
        return BAND_LABELS.get(self.band, "")

    @property
    def hint(self) -> str:
        """Why there is no figure ("—"), or "" when there is one."""
        if self.value is not None:
            return ""
        figures = self.figures
        if not figures.objectives:
            return "no objectives"
        if self.final:
            if not figures.planned_committed_bv:
                return "no committed planned business value"
            return "no actual business value given"
        if not figures.objectives_assessed:
            return "nothing assessed yet"
        return "no committed objective assessed yet"

    @property
    def bar_width(self) -> Decimal:
        """How much of the bar the figure fills, in percent of its length (0–100)."""
        if self.value is None:
            return Decimal(0)
        return (min(self.value, Decimal(BAR_MAX)) * 100 / BAR_MAX).quantize(Decimal("0.1"))

    @property
    def spoken(self) -> str:
        """The figure in one sentence, for the bar's text alternative."""
        if self.value is None:
            return f"no predictability ({self.hint})"
        low, high = HEALTHY_BAND
        assessed = f", {self.assessed_text}" if not self.final else ""
        return f"{self.value}% {self.label}{assessed}, {self.band_text} of {low}–{high}%"


def band_geometry() -> dict:
    """Where the healthy band sits on a predictability bar, in percent of its length."""
    low, high = HEALTHY_BAND
    return {
        "low": low,
        "high": high,
        "left": round(Decimal(low) * 100 / BAR_MAX, 2),
        "width": round(Decimal(high - low) * 100 / BAR_MAX, 2),
        "high_at": round(Decimal(high) * 100 / BAR_MAX, 2),
        "max": BAR_MAX,
    }


def pi_from_query(art: ART, query: QueryDict) -> ProgramIncrement | None:
    """The PI ``?pi=`` names (404 when it is not an id of one of this train's PIs), else the current one."""
    try:
        pi_id = read_id(query, "pi")
    except BadNumber:
        raise Http404("No such PI on this train.") from None
    pis = ProgramIncrement.objects.for_art(art).select_related("art")
    if pi_id is None:
        return pis.current(art.today())
    pi = pis.filter(pk=pi_id).first()
    if pi is None:
        raise Http404("No such PI on this train.")
    return pi


def chart_csv(art: ART, chart: Chart, suffix: str = "") -> HttpResponse:
    """The numbers behind ``chart`` as a CSV download (text cells formula-neutralised)."""
    name = f"{art.slug}-{chart.slug}{f'-{suffix}' if suffix else ''}.csv"
    return csv_response(name, chart.columns, chart.csv_rows())
