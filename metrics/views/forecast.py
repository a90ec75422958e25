"""The forecast page: "when will these features be done?" and "how many features by the end of this PI?"

Both answers come from ``metrics.forecast``: the train's own throughput per week (the last 26
weeks at most, from its first acceptance on) and 10,000 simulated futures, given as the dates
or counts reached with 50, 85 and 95% confidence, with the history used stated beside them.
With too little history the page says so and does not forecast (200: nothing was wrong with
the question). A question out of bounds (0 features, or a thousand) is refused with the
reason, 422, like any invalid form. Only aggregates of the train; never anything about a person.

The page works with plain GET forms; with htmx, a question answers its result fragment only
(the flow dashboard asks "when will N features be done?" that way).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from artops.forms import error_text
from artops.models import ART, ProgramIncrement
from artops.pages import OK, UNPROCESSABLE
from artops.permissions import art_capability_required
from metrics import forecast
from metrics.forms import HowManyForm, WhenDoneForm
from planning.models import Feature

NAV_SECTION = "metrics"
TEMPLATE = "metrics/forecast.html"


@dataclass(frozen=True)
class Answer:
    """The answer to one question: a forecast, the reason there is none, or the reason the question was refused."""

    forecast: forecast.DateForecast | forecast.CountForecast | None = None
    refusal: str = ""
    error: str = ""

    @property
    def rows(self) -> list[tuple[int, object]]:
        """(confidence %, date or count), 50% first."""
        if isinstance(self.forecast, forecast.DateForecast):
            return sorted(self.forecast.dates.items())
        if isinstance(self.forecast, forecast.CountForecast):
            return sorted(self.forecast.counts.items())
        return []


@dataclass(frozen=True)
class History:
    """The weekly throughput the forecasts draw from, and the weeks it covers."""

    weeks: tuple[int, ...]
    first: date | None
    last: date | None

    @classmethod
    def of(cls, art: ART, today: date) -> History:
        weeks = tuple(forecast.history_of(art, today))
        # The whole weeks before today, Monday to Sunday, as ``metrics.flow.weekly_throughput`` counts them.
        yesterday = today - timedelta(days=1)
        last_sunday = yesterday - timedelta(days=(yesterday.weekday() + 1) % 7)
        first = last_sunday - timedelta(days=7 * len(weeks) - 1) if weeks else None
        return cls(weeks=weeks, first=first, last=last_sunday if weeks else None)

    @property
    def enough(self) -> bool:
        return len(self.weeks) >= forecast.MIN_WEEKS


def _ask(question) -> Answer:
    try:
        return Answer(forecast=question())
    except forecast.ForecastRefused as refusal:
        return Answer(refusal=str(refusal))


def _open_features(art: ART) -> list[Feature]:
    """The backlog's features not done or cancelled yet, highest WSJF first."""
    return list(
        Feature.objects.for_art(art).exclude(state__in=Feature.FINAL).ranked().only("id", "key", "title", "state")
    )


@art_capability_required("art.view")
@require_GET
@vary_on_headers("HX-Request")
def forecast_page(request: HttpRequest) -> HttpResponse:
    """The two forecast questions and their answers."""
    art: ART = request.art
    today = art.today()
    query = request.GET
    asked_when = "count" in query or "features" in query
    asked_how_many = "pi" in query
    pis = list(ProgramIncrement.objects.for_art(art).filter(end_date__gte=today).order_by("start_date"))
    when_form = WhenDoneForm(query if asked_when else None, features=_open_features(art), auto_id="when-%s")
    how_many_form = HowManyForm(query if asked_how_many else None, pis=pis, auto_id="how-many-%s")
    status = OK
    when = how_many = None
    if asked_when:
        if when_form.is_valid():
            count = when_form.cleaned_data["n"]
            when = _ask(lambda: forecast.forecast_when_done(art, count, today=today))
        else:
            when, status = Answer(error=error_text(when_form)), UNPROCESSABLE
    if asked_how_many:
        if how_many_form.is_valid():
            pi = how_many_form.cleaned_data["pi"]
            how_many = _ask(lambda: forecast.forecast_pi_end(art, pi, today=today))
        else:
            how_many, status = Answer(error=error_text(how_many_form)), UNPROCESSABLE
    context = {
        "art": art,
        "today": today,
        "history": History.of(art, today),
        "min_weeks": forecast.MIN_WEEKS,
        "runs": f"{forecast.RUNS:,}",
        "when_form": when_form,
        "how_many_form": how_many_form,
        "when": when,
        "how_many": how_many,
        "asked_pi": how_many_form.cleaned_data.get("pi") if how_many and how_many.forecast else None,
    }
    template = TEMPLATE
    if request.htmx and not request.htmx.boosted:
        template += "#how-many-result" if asked_how_many and not asked_when else "#when-result"
    return render(request, template, context, status=status)
