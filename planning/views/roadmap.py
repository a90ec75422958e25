"""The roadmap: the features planned into the current PI and the next two, enablers apart.

Business features and enablers are shown in separate groups, so that the architectural runway
the train is building is visible next to the value it delivers. The page reads the PIs in one
query and their features in one, whatever the size of the train.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from artops.models import ART, ProgramIncrement
from artops.permissions import art_capability_required, has_capability
from planning.filters import UNPLANNED
from planning.models import Feature

NAV_SECTION = "roadmap"

HORIZON = 3  # the current PI and the next two


@dataclass
class FeatureGroup:
    """Business features or enablers of one PI, ranked by WSJF, with their totals."""

    type: Feature.Type
    title: str
    features: list[Feature] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.features)

    @property
    def job_size(self) -> int:
        return sum(feature.job_size for feature in self.features)


@dataclass
class RoadmapColumn:
    pi: ProgramIncrement
    label: str
    groups: list[FeatureGroup]


def roadmap_pis(art: ART, today: date) -> list[ProgramIncrement]:
    """The PI running today and the next two; with none running, the next three. One query.

    PIs of a train never overlap, so the first PI not yet ended is the one running today, if
    any PI is.
    """
    return list(ProgramIncrement.objects.for_art(art).filter(end_date__gte=today).order_by("start_date")[:HORIZON])


def _labels(pis: list[ProgramIncrement], today: date) -> list[str]:
    """ "Current PI" for the one running today, "Next PI" for the first after it, then "Later PI"."""
    labels: list[str] = []
    for pi in pis:
        if pi.contains(today):
            labels.append("Current PI")
        elif "Next PI" not in labels:
            labels.append("Next PI")
        else:
            labels.append("Later PI")
    return labels


def roadmap_columns(art: ART, pis: list[ProgramIncrement], today: date) -> list[RoadmapColumn]:
    """One column per PI, each with its business features and enablers. One query for them all."""
    if not pis:
        return []
    columns = {
        pi.pk: RoadmapColumn(
            pi=pi,
            label=label,
            groups=[
                FeatureGroup(Feature.Type.BUSINESS, "Business features"),
                FeatureGroup(Feature.Type.ENABLER, "Enablers (architectural runway)"),
            ],
        )
        for pi, label in zip(pis, _labels(pis, today), strict=True)
    }
    features = Feature.objects.for_art(art).filter(pi__in=pis).exclude(state=Feature.State.CANCELLED).ranked()
    for feature in features:
        column = columns[feature.pi_id]
        # The PI is already at hand: no query per feature for its name.
        feature.pi = column.pi
        column.groups[1 if feature.is_enabler else 0].features.append(feature)
    return list(columns.values())


@art_capability_required("art.view")
@require_GET
def roadmap(request: HttpRequest) -> HttpResponse:
    """Features by PI for the current and the next two PIs; business features and enablers apart."""
    art: ART = request.art
    today = art.today()
    pis = roadmap_pis(art, today)
    unplanned = Feature.objects.for_art(art).filter(pi__isnull=True).exclude(state=Feature.State.CANCELLED).count()
    return render(
        request,
        "planning/roadmap.html",
        {
            "art": art,
            "today": today,
            "columns": roadmap_columns(art, pis, today),
            "running": bool(pis) and pis[0].contains(today),
            "unplanned": unplanned,
            "unplanned_filter": UNPLANNED,
            "can_manage": has_capability(request.user, "art.manage", art=art),
        },
    )
