"""What the planning pages share: the PI and team of the URL, and how a page answers htmx."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from artops.models import ART, ProgramIncrement, Team

UNPROCESSABLE = 422
CONFLICT = 409


def partial(request: HttpRequest, template: str, name: str) -> str:
    """The whole page for a plain request, one of its partials for an htmx request."""
    if request.htmx and not request.htmx.boosted:
        return f"{template}#{name}"
    return template


def pi_of(art: ART, pi_id: int) -> ProgramIncrement:
    """A PI of this train (404 otherwise)."""
    return get_object_or_404(ProgramIncrement.objects.for_art(art).select_related("art"), pk=pi_id)


def team_of(art: ART, team_id: int) -> Team:
    """A team of this train (404 otherwise)."""
    return get_object_or_404(Team.objects.for_art(art).select_related("art"), pk=team_id)


def csv_safe(text: str) -> str:
    """Neutralise spreadsheet formulas in free text of a CSV export (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def current_pi(art: ART) -> ProgramIncrement | None:
    """The PI in which the train's today falls, else the next one, else the latest."""
    today = art.today()
    pis = ProgramIncrement.objects.for_art(art)
    return (
        pis.containing(today).first()
        or pis.filter(start_date__gt=today).order_by("start_date").first()
        or pis.order_by("-start_date").first()
    )
