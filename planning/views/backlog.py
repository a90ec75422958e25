"""The ART backlog: the ranked backlog page, its CSV export, one feature's page.

Each page works with a plain full-page load; with htmx, a WSJF input is edited in its cell
and the ranked table comes back so that the feature moves to its new rank. Invalid input
answers 422 with the message, a stale version 409, another train 404, a role without the
capability 403.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from artops.forms import add_service_errors
from artops.models import ART, ProgramIncrement
from artops.permissions import art_capability_required, has_capability
from planning import services
from planning.filters import UNPLANNED, FeatureFilter
from planning.forms import FeatureEditForm, FeatureForm, WSJFInputForm
from planning.models import FIBONACCI, WSJF_INPUTS, Feature
from planning.views.common import CONFLICT, UNPROCESSABLE, csv_safe, partial

NAV_SECTION = "backlog"

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


def _ranked_backlog(request: HttpRequest, art: ART) -> FeatureFilter:
    """The train's features, filtered by the query string, highest WSJF first."""
    queryset = Feature.objects.visible_to(request.user).for_art(art).with_related().ranked()
    return FeatureFilter(request.GET, queryset=queryset)


def _editable_types(user, art: ART) -> set[str]:
    return {
        feature_type
        for feature_type in Feature.Type.values
        if has_capability(user, services.edit_capability(feature_type), art=art)
    }


def _backlog_context(request: HttpRequest, art: ART, *, pis: list[ProgramIncrement] | None = None) -> dict:
    editable = _editable_types(request.user, art)
    features = list(_ranked_backlog(request, art).qs)
    for feature in features:
        feature.editable = feature.type in editable
        feature.inputs = [(field, INPUT_LABELS[field], getattr(feature, field)) for field in WSJF_INPUTS]
    pis = pis if pis is not None else list(ProgramIncrement.objects.for_art(art).order_by("start_date"))
    return {
        "art": art,
        "features": features,
        "pis": pis,
        "filters": {key: request.GET.get(key, "") for key in ("type", "state", "pi")},
        "query": request.GET.urlencode(),
        "types": Feature.Type.choices,
        "states": Feature.State.choices,
        "unplanned": UNPLANNED,
        "scale": FIBONACCI,
        "can_add": bool(editable),
    }


def _type_choices(editable: set[str]) -> list[tuple[str, str]]:
    return [(value, label) for value, label in Feature.Type.choices if value in editable]


@art_capability_required("art.view")
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def backlog(request: HttpRequest) -> HttpResponse:
    """The ART backlog ranked by WSJF, with filters and a form to add a feature."""
    art: ART = request.art
    pis = list(ProgramIncrement.objects.for_art(art).order_by("start_date"))
    form = FeatureForm(pis=pis, initial={"job_size": 1})
    status = 200
    if request.method == "POST":
        form = FeatureForm(request.POST, pis=pis)
        if form.is_valid():
            try:
                feature = services.create_feature(art, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{feature.key} {feature.title} added to the backlog.")
                return redirect(f"{reverse('backlog', kwargs={'art_slug': art.slug})}?{request.GET.urlencode()}")
        if form.errors:
            status = UNPROCESSABLE
    context = _backlog_context(request, art, pis=pis)
    form.fields["type"].choices = _type_choices(_editable_types(request.user, art))
    context["form"] = form
    # Adding is a plain form post: its errors show on the whole page.
    template = "planning/backlog.html"
    if request.method == "GET":
        template = partial(request, template, "backlog-table")
    return render(request, template, context, status=status)


@art_capability_required("art.view")
@require_POST
def feature_wsjf(request: HttpRequest, key: str) -> HttpResponse:
    """Change one WSJF input of one feature and answer with the re-ranked table."""
    art: ART = request.art
    feature = get_object_or_404(Feature.objects.for_art(art).with_related(), key=key)
    # The capability before the input: a role that may not edit learns nothing from validation.
    services.require_edit(request.user, art, feature.type)
    form = WSJFInputForm(request.POST)
    error = ""
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.update_feature(
                feature, by=request.user, expected_version=data["version"], **{data["field"]: data["value"]}
            )
        except services.StaleVersion as stale:
            return _conflict(request, art, str(stale))
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
    else:
        error = " ".join(message for messages_ in form.errors.values() for message in messages_)
    if error:
        status = UNPROCESSABLE
        if not request.htmx:
            messages.error(request, f"{feature.key} was not changed: {error}")
    elif not request.htmx:
        messages.success(request, f"{feature.key} saved.")
    if not request.htmx:
        return redirect(f"{reverse('backlog', kwargs={'art_slug': art.slug})}?{request.GET.urlencode()}")
    context = _backlog_context(request, art)
    context["table_error"] = f"{feature.key} was not changed: {error}" if error else ""
    return render(request, "planning/backlog.html#backlog-table", context, status=status)


def _conflict(request: HttpRequest, art: ART, message: str) -> HttpResponse:
    """409. htmx shows the message and refreshes the table (``backlog-stale``); a page shows both."""
    if request.htmx:
        response = HttpResponse(message, status=CONFLICT, content_type="text/plain; charset=utf-8")
        response["HX-Trigger"] = "backlog-stale"
        return response
    context = _backlog_context(request, art)
    context["table_error"] = message
    return render(request, "planning/backlog.html#backlog-table", context, status=CONFLICT)


@art_capability_required("art.view")
@require_GET
def backlog_csv(request: HttpRequest) -> HttpResponse:
    """The (filtered) ranked backlog as CSV, one row per feature."""
    art: ART = request.art
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{art.slug}-backlog.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for rank, feature in enumerate(_ranked_backlog(request, art).qs, start=1):
        writer.writerow(
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
        )
    return response


@art_capability_required("art.view")
@require_http_methods(["GET", "POST"])
def feature_detail(request: HttpRequest, key: str) -> HttpResponse:
    """One feature: its content, WSJF and state history, and the form to edit it (no JS needed)."""
    art: ART = request.art
    feature = get_object_or_404(Feature.objects.for_art(art).with_related(), key=key)
    pis = list(ProgramIncrement.objects.for_art(art).order_by("start_date"))
    editable = _editable_types(request.user, art)
    can_edit = feature.type in editable
    status = 200
    conflict = ""
    form = FeatureEditForm(pis=pis, initial=_initial(feature))
    if request.method == "POST":
        services.require_edit(request.user, art, feature.type)
        form = FeatureEditForm(request.POST, pis=pis)
        if form.is_valid():
            changes = dict(form.cleaned_data)
            version = changes.pop("version")
            try:
                feature = services.update_feature(feature, by=request.user, expected_version=version, **changes)
            except services.StaleVersion as stale:
                feature = stale.feature
                form = FeatureEditForm(pis=pis, initial=_initial(feature))
                conflict = str(stale)
                status = CONFLICT
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{feature.key} saved.")
                return redirect(feature)
        if status == 200 and form.errors:
            status = UNPROCESSABLE
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
