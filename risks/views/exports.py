"""CSV exports of a train's risks and dependencies, under arts/<art_slug>/risks/.

Each export takes the pages' filters from the query string (``?pi=`` and the rest of the
filter set) and writes one row per risk or dependency, read in one query whatever their
number. Free text is neutralised against spreadsheet formulas. A filter value that is not
one (``?pi=abc``) answers 400 with the reason, rather than an export of everything.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, datetime

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_GET
from django_filters import FilterSet

from artops.models import ART
from artops.permissions import art_capability_required
from planning.views.common import csv_safe
from risks.dependency_filters import DependencyFilter
from risks.filters import RiskFilter
from risks.models import Dependency, Risk

RISK_COLUMNS = (
    "id",
    "pi",
    "team",
    "title",
    "description",
    "state",
    "probability",
    "impact",
    "severity",
    "owner",
    "raised_by",
    "due_date",
    "rationale",
    "mitigation_plan",
    "quiet",
    "created_at",
    "updated_at",
)
DEPENDENCY_COLUMNS = (
    "id",
    "pi",
    "needing_team",
    "provider",
    "description",
    "needing_feature",
    "providing_feature",
    "needed_by",
    "planned_iteration",
    "owner",
    "state",
    "health",
    "age_days",
    "next_action",
    "reviewed_on",
    "created_at",
    "closed_at",
)


def _text(value: str | None) -> str:
    return csv_safe(value) if value else ""


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _moment(value: datetime | None, art: ART) -> str:
    """A timestamp in the train's time zone, to the minute."""
    return value.astimezone(art.tz).strftime("%Y-%m-%d %H:%M") if value else ""


def _csv_response(art: ART, name: str, header: Iterable[str], rows: Iterable[Iterable]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{art.slug}-{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def _refused(filterset: FilterSet) -> HttpResponse:
    reasons = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in filterset.errors.items())
    return HttpResponseBadRequest(f"These filters are not valid: {reasons}", content_type="text/plain; charset=utf-8")


@art_capability_required("art.view")
@require_GET
def risks_csv(request: HttpRequest) -> HttpResponse:
    """The train's risks (filtered like the ROAM board: ``?pi=``, team, severity, state, quiet), one per row."""
    art: ART = request.art
    today = art.today()
    queryset = Risk.objects.for_art(art).with_related()
    filterset = RiskFilter(request.GET, queryset=queryset, today=today)
    if not filterset.is_valid():
        return _refused(filterset)
    rows = (
        [
            risk.pk,
            _text(risk.pi.name),
            _text(risk.team.name) if risk.team_id else "",
            _text(risk.title),
            _text(risk.description),
            risk.state,
            risk.probability,
            risk.impact,
            risk.severity,
            _text(risk.owner.display_name) if risk.owner_id else "",
            _text(risk.raised_by.display_name),
            _day(risk.due_date),
            _text(risk.rationale),
            _text(risk.mitigation_plan),
            "yes" if risk.is_quiet(today) else "no",
            _moment(risk.created_at, art),
            _moment(risk.updated_at, art),
        ]
        for risk in filterset.qs
    )
    return _csv_response(art, "risks", RISK_COLUMNS, rows)


@art_capability_required("art.view")
@require_GET
def dependencies_csv(request: HttpRequest) -> HttpResponse:
    """The train's dependencies (filtered like the dependency pages), one per row, with age and health."""
    art: ART = request.art
    today = art.today()
    queryset = Dependency.objects.for_art(art).with_related()
    filterset = DependencyFilter(request.GET, queryset=queryset)
    if not filterset.is_valid():
        return _refused(filterset)
    rows = (
        [
            dependency.pk,
            _text(dependency.pi.name),
            _text(dependency.needing_team.name),
            _text(dependency.provider_name),
            _text(dependency.description),
            dependency.needing_feature.key if dependency.needing_feature_id else "",
            dependency.providing_feature.key if dependency.providing_feature_id else "",
            _text(dependency.needed_by.name),
            _text(dependency.planned_iteration.name) if dependency.planned_iteration_id else "",
            _text(dependency.owner.display_name),
            dependency.state,
            dependency.health.value,
            dependency.age(today),
            _text(dependency.next_action),
            _day(dependency.reviewed_on),
            _moment(dependency.created_at, art),
            _moment(dependency.closed_at, art),
        ]
        for dependency in filterset.qs
    )
    return _csv_response(art, "dependencies", DEPENDENCY_COLUMNS, rows)
