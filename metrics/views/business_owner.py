"""The Business Owner dashboard: every team's PI objectives and business value on one page.

Business Owners come here for one answer: per team and for the whole train, how much of the
promised business value is being delivered, and where that is heading across PIs. The page
shows, for a PI (the current one unless ``?pi=`` names another):

- the train's predictability (the ratio of the train's sums, DESIGN.md) against the healthy
  band of 80–100%, *so far* with "k of n objectives assessed" while the PI runs, *final* once
  it is closed; a figure without committed planned business value is "—", never 0;
- per team, its predictability as a bar over the shaded band, and its objectives with their
  planned and actual business value, which Business Owners edit in place;
- the trend across the last PIs: one line per team and the train's, the band shaded.

An edit goes through the same service and permission rule as the objectives page
(``planning.services.require_change_objective`` for the business value fields, then
``set_business_value`` with the version read: a stale version is a conflict, 409; a value
out of range is refused, 422, nothing saved). With htmx it answers the team's section, the
train's figure and the trend (out-of-band swaps), so every number on the page moves at once.
Numbers are computed live from the objectives, never read from the nightly snapshots.

Queries: a constant number whatever the number of teams, objectives and PIs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from artops.models import ART, ProgramIncrement, Team
from artops.pages import UNPROCESSABLE, answer, attempt
from artops.permissions import art_capability_required, has_capability
from metrics import charts
from metrics.predictability import PIPredictability, pi_predictability, predictability_trend
from metrics.views.common import Reading, band_geometry, chart_csv, pi_from_query
from planning import services
from planning.forms.objectives import BusinessValueForm
from planning.models import PIObjective

NAV_SECTION = "metrics"
TEMPLATE = "metrics/business_owner.html"
# How many PIs the trend shows, the shown PI last.
TREND_PIS = 6


@dataclass
class TeamRow:
    """One team on the dashboard: its objectives (each with its ``bv_form`` for Business Owners) and its figure."""

    team: Team
    objectives: list[PIObjective]
    reading: Reading
    error: str = ""
    notice: str = ""


def _dashboard_url(art: ART, pi: ProgramIncrement) -> str:
    return f"{reverse('business_owner_dashboard', kwargs={'art_slug': art.slug})}?pi={pi.pk}"


def _trend(art: ART, pi: ProgramIncrement, teams: list[Team]) -> charts.Chart:
    """Predictability in the last ``TREND_PIS`` PIs up to ``pi``, per team and for the train: one query
    for the PIs, one for the figures."""
    pis = list(ProgramIncrement.objects.for_art(art).filter(start_date__lte=pi.start_date).order_by("-start_date"))
    pis = list(reversed(pis[:TREND_PIS]))
    by_pi = predictability_trend(pis)
    shown = [team for team in teams if any(team.pk in by_pi[item.pk].teams for item in pis)]
    chart = charts.predictability_trend(
        pis=[item.name for item in pis],
        teams={team.name: [by_pi[item.pk].of(team.pk).predictability for item in pis] for team in shown},
        train=[by_pi[item.pk].train.predictability for item in pis],
        labels=[by_pi[item.pk].train.label for item in pis],
    )
    csv_url = reverse("business_owner_trend_csv", kwargs={"art_slug": art.slug})
    return chart.at(f"{csv_url}?pi={pi.pk}")


def _rows(
    teams: list[Team],
    figures: PIPredictability,
    objectives: list[PIObjective],
    *,
    editable: bool,
) -> list[TeamRow]:
    """Active teams, and teams since deactivated whose objectives of this PI count all the same."""
    by_team: dict[int, list[PIObjective]] = defaultdict(list)
    for objective in objectives:
        by_team[objective.team_id].append(objective)
    rows = []
    for team in teams:
        if not team.active and not by_team[team.pk]:
            continue
        row = TeamRow(team=team, objectives=by_team[team.pk], reading=Reading(figures.of(team.pk)))
        if editable:
            for objective in row.objectives:
                objective.bv_form = _form(objective)
        rows.append(row)
    return rows


def _form(objective: PIObjective, data=None) -> BusinessValueForm:
    initial = {
        "planned_business_value": objective.planned_business_value,
        "actual_business_value": objective.actual_business_value,
        "version": objective.version,
    }
    form = BusinessValueForm(data, initial=initial, auto_id=f"bo-{objective.pk}-%s")
    # The inputs sit in the objective's table row; the form element (with the button) in its last cell.
    for name in ("planned_business_value", "actual_business_value"):
        form.fields[name].widget.attrs.update(form=f"bo-form-{objective.pk}", inputmode="numeric")
    return form


def _context(request: HttpRequest, art: ART, pi: ProgramIncrement | None) -> dict:
    """Everything the dashboard shows for ``pi``: six queries, whatever the size of the train."""
    context = {
        "art": art,
        "pi": pi,
        "pis": list(ProgramIncrement.objects.for_art(art).order_by("start_date")),
        "band": band_geometry(),
        "can_set_business_value": has_capability(request.user, "planning.set_business_value", art=art),
    }
    if pi is None:
        return context
    teams = list(Team.objects.for_art(art).order_by("name", "id"))
    objectives = list(PIObjective.objects.for_pi(pi).for_art(art).order_by("team_id", "-committed", "created_at", "id"))
    figures = pi_predictability(pi)
    context.update(
        rows=_rows(teams, figures, objectives, editable=context["can_set_business_value"]),
        train=Reading(figures.train),
        trend=_trend(art, pi, teams),
    )
    return context


@art_capability_required("art.view")
@require_GET
def metrics_home(request: HttpRequest) -> HttpResponse:
    """Where "Metrics" in the navigation leads: Business Owners to their dashboard, everyone else to flow."""
    art: ART = request.art
    if has_capability(request.user, "planning.set_business_value", art=art):
        return redirect("business_owner_dashboard", art_slug=art.slug)
    return redirect("flow_dashboard", art_slug=art.slug)


@art_capability_required("art.view")
@require_GET
@vary_on_headers("HX-Request")
def business_owner_dashboard(request: HttpRequest) -> HttpResponse:
    """Every team's objectives of the PI with planned and actual business value, predictability and trend."""
    art: ART = request.art
    pi = pi_from_query(art, request.GET)
    return render(request, TEMPLATE, _context(request, art, pi))


@art_capability_required("art.view")
@require_GET
def business_owner_trend_csv(request: HttpRequest) -> HttpResponse:
    """The numbers of the predictability trend as CSV."""
    art: ART = request.art
    pi = pi_from_query(art, request.GET)
    if pi is None:
        return chart_csv(art, charts.predictability_trend(pis=[], teams={}, train=[], labels=[]))
    teams = list(Team.objects.for_art(art).order_by("name", "id"))
    return chart_csv(art, _trend(art, pi, teams))


def _objective_of(art: ART, objective_id: int) -> PIObjective:
    """An objective of this train (404 otherwise), with its team and PI."""
    objectives = PIObjective.objects.for_art(art).select_related("team__art", "pi__art")
    return get_object_or_404(objectives, pk=objective_id)


@art_capability_required("art.view")
@require_POST
def business_value_edit(request: HttpRequest, objective_id: int) -> HttpResponse:
    """A Business Owner sets an objective's planned and actual business value in place.

    The same rule and service as the objectives page: the capability is asked before the input
    is read (a role that may not set business value learns nothing from validation); a value
    the request does not name is left alone; an empty one clears it.
    """
    art: ART = request.art
    objective = _objective_of(art, objective_id)
    services.require_change_objective(request.user, objective.team, services.BUSINESS_VALUE_FIELDS)
    form = _form(objective, request.POST)

    def save() -> PIObjective:
        data = form.cleaned_data
        values = {
            name: data[field_name]
            for name, field_name in (("planned", "planned_business_value"), ("actual", "actual_business_value"))
            if field_name in request.POST
        }
        return services.set_business_value(objective, by=request.user, expected_version=data["version"], **values)

    outcome = attempt(form, save)

    def show(status: int, *, error: str = "", notice: str = "") -> HttpResponse:
        context = _context(request, art, objective.pi)
        row = next(row for row in context["rows"] if row.team.pk == objective.team_id)
        row.error, row.notice = error, notice
        if status == UNPROCESSABLE:
            # The refused values stay in their fields, with the reason beside them.
            next(item for item in row.objectives if item.pk == objective.pk).bv_form = form
        context["row"] = row
        if request.htmx:
            # The team's section, and the train's figure and the trend out of band: every number moves at once.
            return render(request, f"{TEMPLATE}#edit-answer", context, status=status)
        return render(request, TEMPLATE, context, status=status)

    return answer(
        request,
        outcome,
        show=show,
        redirect_to=f"{_dashboard_url(art, objective.pi)}#bo-team-{objective.team_id}",
        notice=lambda saved: f"Business value of {_label(saved)} saved.",
    )


def _label(objective: PIObjective) -> str:
    statement = objective.statement
    return f"“{statement[:60]}…”" if len(statement) > 60 else f"“{statement}”"
