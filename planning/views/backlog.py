"""The ART backlog: the ranked backlog page, its CSV export, one feature's page.

Each page works with a plain full-page load; with htmx, a WSJF input is edited in its cell
and the ranked table comes back so that the feature moves to its new rank. Invalid input
answers 422 with the message, a stale version 409 with the message and the current backlog
(the table for htmx, the whole page otherwise), another train 404, a role without the
capability 403.

The backlog ranks the live features: done and cancelled ones show only when the state filter
asks for them (``?state=done``, ``?state=all``); the CSV export follows the same filters.
"""

from __future__ import annotations

from functools import partial as bind

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from artops import extensions
from artops.models import ART, ProgramIncrement
from artops.pages import OK, UNPROCESSABLE, answer, attempt, bad_filters, csv_response, csv_safe, partial
from artops.parsing import filtered_or_nothing
from artops.permissions import art_capability_required, has_capability
from planning import services
from planning.filters import ALL_STATES, LIVE, UNPLANNED, FeatureFilter
from planning.forms.backlog import FeatureEditForm, FeatureForm, WSJFInputForm
from planning.models import FIBONACCI, WSJF_INPUTS, Feature

NAV_SECTION = "backlog"

TEMPLATE = "planning/backlog.html"

INPUT_LABELS = {
    "user_business_value": "User-business value",
    "time_criticality": "Time criticality",
    "risk_reduction": "Risk reduction / opportunity enablement",
    "job_size": "Job size",
}

CSV_COLUMNS = (
    "rank",
    "key",
    "title",
    "type",
    "state",
    "pi",
    *WSJF_INPUTS,
    "cost_of_delay",
    "wsjf",
)


def _state(request: HttpRequest) -> str:
    """The state filter: live features (neither done nor cancelled) unless the query says otherwise."""
    return request.GET.get("state") or LIVE


def _ranked_backlog(request: HttpRequest, art: ART) -> FeatureFilter:
    """The train's features, filtered by the query string, highest WSJF first."""
    data = request.GET.copy()
    data["state"] = _state(request)
    queryset = Feature.objects.visible_to(request.user).for_art(art).with_related().ranked()
    # Higher apps mark features in the same query (metrics: the I&A's improvement items).
    queryset = extensions.annotated(extensions.BACKLOG_FEATURES, queryset)
    return FeatureFilter(data, queryset=queryset)


def _editable_types(user, art: ART) -> set[str]:
    return {
        feature_type
        for feature_type in Feature.Type.values
        if has_capability(user, services.edit_capability(feature_type), art=art)
    }


def _type_choices(editable: set[str]) -> list[tuple[str, str]]:
    return [(value, label) for value, label in Feature.Type.choices if value in editable]


def _backlog_context(
    request: HttpRequest,
    art: ART,
    *,
    pis: list[ProgramIncrement] | None = None,
    form: FeatureForm | None = None,
    table_error: str = "",
) -> dict:
    """The ranked table, the filters and (for the whole page) the form to add a feature."""
    editable = _editable_types(request.user, art)
    # A filter value that is no id (``?pi=²``) matches nothing, as an unknown id does.
    features = list(filtered_or_nothing(_ranked_backlog(request, art)))
    for feature in features:
        feature.editable = feature.type in editable
        feature.inputs = [(field, INPUT_LABELS[field], getattr(feature, field)) for field in WSJF_INPUTS]
    pis = pis if pis is not None else list(ProgramIncrement.objects.for_art(art).order_by("start_date"))
    if form is None:
        form = FeatureForm(pis=pis, initial={"job_size": 1})
    form.fields["type"].choices = _type_choices(editable)
    return {
        "art": art,
        "features": features,
        "pis": pis,
        "filters": {"type": request.GET.get("type", ""), "state": _state(request), "pi": request.GET.get("pi", "")},
        "query": request.GET.urlencode(),
        "types": Feature.Type.choices,
        "states": Feature.State.choices,
        "live": LIVE,
        "all_states": ALL_STATES,
        "unplanned": UNPLANNED,
        "scale": FIBONACCI,
        "can_add": bool(editable),
        "can_import_jira": has_capability(request.user, "planning.import_backlog", art=art),
        "form": form,
        "table_error": table_error,
    }


def _backlog_url(request: HttpRequest, art: ART) -> str:
    """The backlog with the filters of the request."""
    return f"{reverse('backlog', kwargs={'art_slug': art.slug})}?{request.GET.urlencode()}"


@art_capability_required("art.view")
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def backlog(request: HttpRequest) -> HttpResponse:
    """The ART backlog ranked by WSJF, with filters and a form to add a feature."""
    art: ART = request.art
    pis = list(ProgramIncrement.objects.for_art(art).order_by("start_date"))
    if request.method == "GET":
        context = _backlog_context(request, art, pis=pis)
        return render(request, partial(request, TEMPLATE, "backlog-table"), context)
    # Adding is a plain form post: its errors show on the whole page.
    form = FeatureForm(request.POST, pis=pis)
    outcome = attempt(form, lambda: services.create_feature(art, by=request.user, **form.cleaned_data))
    if outcome.done:
        feature = outcome.result
        messages.success(request, f"{feature.key} {feature.title} added to the backlog.")
        return redirect(_backlog_url(request, art))
    return render(request, TEMPLATE, _backlog_context(request, art, pis=pis, form=form), status=UNPROCESSABLE)


def _show(request: HttpRequest, art: ART, status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
    """The ranked table with a message for htmx, the whole backlog page otherwise.

    A change that went through says nothing in the table: the feature's new rank says it.
    """
    context = _backlog_context(request, art, table_error=error)
    return render(request, partial(request, TEMPLATE, "backlog-table"), context, status=status)


@art_capability_required("art.view")
@require_POST
def feature_wsjf(request: HttpRequest, key: str) -> HttpResponse:
    """Change one WSJF input of one feature and answer with the re-ranked table."""
    art: ART = request.art
    feature = get_object_or_404(Feature.objects.for_art(art).with_related(), key=key)
    # The capability before the input: a role that may not edit learns nothing from validation.
    services.require_edit(request.user, art, feature.type)
    form = WSJFInputForm(request.POST)

    def save():
        data = form.cleaned_data
        return services.update_feature(
            feature, by=request.user, expected_version=data["version"], **{data["field"]: data["value"]}
        )

    outcome = attempt(form, save, refusal=f"{feature.key} was not changed")
    show = bind(_show, request, art)
    return answer(request, outcome, show=show, redirect_to=_backlog_url(request, art), notice=f"{feature.key} saved.")


@art_capability_required("art.view")
@require_GET
def backlog_csv(request: HttpRequest) -> HttpResponse:
    """The (filtered) ranked backlog as CSV, one row per feature: live features unless ``?state=`` says otherwise.

    A filter value that is not one (``?pi=²``) answers 400 with the reason.
    """
    art: ART = request.art
    filterset = _ranked_backlog(request, art)
    if not filterset.is_valid():
        # An export asked with a filter value that is not one exports nothing: 400 with the reason.
        return bad_filters(filterset)
    rows = (
        [
            rank,
            feature.key,
            csv_safe(feature.title),
            feature.type,
            feature.state,
            csv_safe(feature.pi.name) if feature.pi else "",
            *(getattr(feature, field) for field in WSJF_INPUTS),
            feature.cost_of_delay,
            feature.wsjf,
        ]
        for rank, feature in enumerate(filterset.qs, start=1)
    )
    return csv_response(f"{art.slug}-backlog.csv", CSV_COLUMNS, rows)


@art_capability_required("art.view")
@require_http_methods(["GET", "POST"])
def feature_detail(request: HttpRequest, key: str) -> HttpResponse:
    """One feature: its content, WSJF and state history, and the form to edit it (no JS needed)."""
    art: ART = request.art
    feature = get_object_or_404(Feature.objects.for_art(art).with_related(), key=key)
    pis = list(ProgramIncrement.objects.for_art(art).order_by("start_date"))
    editable = _editable_types(request.user, art)
    can_edit = feature.type in editable
    status = OK
    conflict = ""
    form = FeatureEditForm(pis=pis, initial=_initial(feature))
    if request.method == "POST":
        services.require_edit(request.user, art, feature.type)
        form = FeatureEditForm(request.POST, pis=pis)

        def save():
            changes = dict(form.cleaned_data)
            version = changes.pop("version")
            return services.update_feature(feature, by=request.user, expected_version=version, **changes)

        outcome = attempt(form, save)
        if outcome.done:
            messages.success(request, f"{feature.key} saved.")
            return redirect(outcome.result)
        status = outcome.status
        if outcome.conflict:
            # The page shows the feature as it is now, with the reason.
            feature, conflict = outcome.current, outcome.error
            form = FeatureEditForm(pis=pis, initial=_initial(feature))
    form.fields["type"].choices = _type_choices(editable) if can_edit else Feature.Type.choices
    context = {
        "art": art,
        "feature": feature,
        "form": form,
        "can_edit": can_edit,
        "conflict": conflict,
        "history": feature.state_changes.select_related("by").order_by("at", "id"),
    }
    return render(request, "planning/feature.html", context, status=status)


def _initial(feature: Feature) -> dict:
    return {
        "title": feature.title,
        "type": feature.type,
        "pi": feature.pi_id,
        "description": feature.description,
        "benefit_hypothesis": feature.benefit_hypothesis,
        "acceptance_criteria": feature.acceptance_criteria,
        "version": feature.version,
        **{field: getattr(feature, field) for field in WSJF_INPUTS},
    }
