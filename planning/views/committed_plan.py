"""The committed plan of a PI, and "planned vs now".

At the end of PI Planning the RTE commits the plan (a baseline of the board and the
objectives); "planned vs now" then shows what moved, was added or dropped since.

Answers: committing twice 422 with the message, a role without the capability 403, another
train's PI 404. The commit is a plain form post.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from artops.models import ART, ProgramIncrement
from artops.pages import attempt, pi_of
from artops.permissions import art_capability_required, has_capability, require
from planning import services
from planning.baseline import plan_changes as compare_with_baseline

NAV_SECTION = "plan"

TEMPLATE = "planning/committed_plan.html"


def _context(request: HttpRequest, art: ART, pi: ProgramIncrement, *, error: str = "") -> dict:
    return {
        "art": art,
        "pi": pi,
        "changes": compare_with_baseline(pi),
        "can_facilitate": has_capability(request.user, "planning.facilitate", art=art),
        "error": error,
    }


@art_capability_required("art.view")
@require_GET
def plan_changes(request: HttpRequest, pi_id: int) -> HttpResponse:
    """Planned vs now: the committed plan against the board and the objectives as they are now."""
    art: ART = request.art
    pi = pi_of(art, pi_id)
    return render(request, TEMPLATE, _context(request, art, pi))


@art_capability_required("art.view")
@require_POST
def plan_commit(request: HttpRequest, pi_id: int) -> HttpResponse:
    """The RTE commits the plan at the end of PI Planning: the baseline of "planned vs now"."""
    art: ART = request.art
    pi = pi_of(art, pi_id)
    require(request.user, "planning.facilitate", art=art)
    # No form: the commit names nothing but the PI.
    outcome = attempt(None, lambda: services.commit_plan(pi, by=request.user))
    if not outcome.done:
        return render(request, TEMPLATE, _context(request, art, pi, error=outcome.error), status=outcome.status)
    messages.success(request, f"The plan of {pi.name} is committed: changes from now on show here.")
    return redirect("plan_changes", art_slug=art.slug, pi_id=pi.pk)
