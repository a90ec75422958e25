"""The train's PI plan: every active team × every development iteration, load against capacity.

``planning_home`` (the "Team plans" entry of the navigation) opens the PI plan of the current
PI, or says that the train has no PI yet. The teams' own boards are ``planning.views.team_board``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from artops.models import ART, ProgramIncrement
from artops.pages import pi_of
from artops.permissions import art_capability_required, has_capability
from planning.boards import pi_plan as build_pi_plan
from planning.views.readiness import readiness_progress

NAV_SECTION = "plan"

TEMPLATE = "planning/pi_plan.html"


@art_capability_required("art.view")
@require_GET
def planning_home(request: HttpRequest) -> HttpResponse:
    """The PI plan of the current PI; a page that says so when the train has no PI yet."""
    art: ART = request.art
    pi = ProgramIncrement.objects.for_art(art).current(art.today())
    if pi is not None:
        return redirect("pi_plan", art_slug=art.slug, pi_id=pi.pk)
    return render(
        request,
        TEMPLATE,
        {
            "art": art,
            "pi": None,
            "plan": None,
            "pis": [],
            "can_manage": has_capability(request.user, "art.manage", art=art),
        },
    )


@art_capability_required("art.view")
@require_GET
def pi_plan(request: HttpRequest, pi_id: int) -> HttpResponse:
    """Every active team × every development iteration: load / capacity, overloads flagged."""
    art: ART = request.art
    pi = pi_of(art, pi_id)
    return render(
        request,
        TEMPLATE,
        {
            "art": art,
            "pi": pi,
            "plan": build_pi_plan(pi),
            "pis": ProgramIncrement.objects.for_art(art).order_by("start_date"),
            "can_manage": has_capability(request.user, "art.manage", art=art),
            "readiness": readiness_progress([pi])[pi.pk],
        },
    )
