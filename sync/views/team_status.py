"""Team status before a sync: each team's Scrum Master or Product Owner posts whether the team is on track,
at risk or off track, with a short note, and raises the team's new impediments; the page shows every
team's status and who has not posted yet.

Every member reads the page; a Scrum Master or PO posts for their own team, the RTE for any team.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from artops.models import ART, Team
from artops.pages import OK, answer, attempt, partial
from artops.permissions import art_capability_required, teams_where
from sync import services
from sync.forms.impediments import ImpedimentForm
from sync.forms.meetings import TeamStatusForm
from sync.models import Impediment, SyncMeeting, TeamStatus
from sync.views.common import active_teams, members
from sync.views.meetings import fresh, meeting_of

NAV_SECTION = "sync"
TEMPLATE = "sync/team_status.html"
POST_REFUSAL = services.common.REFUSALS["sync.post_status"]


def status_url(meeting: SyncMeeting) -> str:
    return reverse("sync_team_status", kwargs={"art_slug": meeting.art.slug, "meeting_id": meeting.pk})


def _my_teams(user, art: ART, teams: list[Team]) -> list[Team]:
    """The teams whose status ``user`` posts: their own as Scrum Master or PO, every team as RTE."""
    allowed = teams_where(user, "sync.post_status", art=art)
    return teams if allowed is None else [team for team in teams if team.pk in allowed]


def _context(request: HttpRequest, meeting: SyncMeeting, *, forms: dict | None = None, **extra) -> dict:
    art = meeting.art
    forms = forms or {}
    teams = active_teams(art)
    mine = _my_teams(request.user, art, teams)
    statuses = {status.team_id: status for status in TeamStatus.objects.filter(meeting=meeting).with_related()}
    today = art.today()
    open_impediments: dict[int, list[Impediment]] = {team.pk: [] for team in mine}
    for impediment in Impediment.objects.for_art(art).open().filter(team__in=mine).with_related().oldest_first():
        impediment.age_days = impediment.age(today)
        open_impediments[impediment.team_id].append(impediment)
    posting = []
    for team in mine:
        posted = statuses.get(team.pk)
        initial = {"team": team.pk}
        if posted is not None:
            initial.update(status=posted.status, note=posted.note, version=posted.version)
        bound = forms.get("status")
        form = bound if bound is not None and bound.data.get("team") == str(team.pk) else None
        posting.append(
            {
                "team": team,
                "posted": posted,
                "form": form or TeamStatusForm(initial=initial, teams=[team], auto_id=f"status-{team.pk}-%s"),
                "impediments": open_impediments[team.pk],
            }
        )
    impediment_form = None
    if mine and meeting.is_open:
        impediment_form = forms.get("impediment") or ImpedimentForm(teams=mine, members=members(art))
    return {
        "art": art,
        "meeting": meeting,
        "rows": [{"team": team, "status": statuses.get(team.pk)} for team in teams],
        "not_posted": [team for team in teams if team.pk not in statuses],
        "posting": posting if meeting.is_open else [],
        "impediment_form": impediment_form,
        "error": "",
        "notice": "",
        **extra,
    }


def _show(request: HttpRequest, meeting: SyncMeeting, forms: dict | None = None):
    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        kept = forms if status != OK else None
        context = _context(request, fresh(meeting), forms=kept, error=error, notice=notice)
        return render(request, partial(request, TEMPLATE, "status-body"), context, status=status)

    return show


@art_capability_required("art.view")
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def team_status(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Every team's status for a sync; a POST posts (or corrects) one team's."""
    art: ART = request.art
    meeting = meeting_of(art, meeting_id)
    if request.method == "GET":
        return render(request, partial(request, TEMPLATE, "status-body"), _context(request, meeting))
    mine = _my_teams(request.user, art, active_teams(art))
    if not mine:
        raise PermissionDenied(POST_REFUSAL)
    form = TeamStatusForm(request.POST, teams=mine)

    def post() -> TeamStatus:
        data = form.cleaned_data
        return services.post_team_status(
            meeting,
            team=data["team"],
            status=data["status"],
            note=data["note"],
            by=request.user,
            expected_version=data["version"],
        )

    outcome = attempt(form, post, refusal="The status was not posted")
    return answer(
        request,
        outcome,
        show=_show(request, meeting, {"status": form}),
        redirect_to=status_url(meeting),
        notice=lambda posted: f"{posted.team.name}: {posted.get_status_display().lower()}, posted.",
    )


@art_capability_required("art.view")
@require_POST
def team_impediment(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Raise a new impediment of one's team while posting its status."""
    art: ART = request.art
    meeting = meeting_of(art, meeting_id)
    mine = _my_teams(request.user, art, active_teams(art))
    if not mine:
        raise PermissionDenied(POST_REFUSAL)
    form = ImpedimentForm(request.POST, teams=mine, members=members(art))
    outcome = attempt(
        form,
        lambda: services.raise_impediment(art, by=request.user, **form.cleaned_data),
        refusal="The impediment was not raised",
    )
    return answer(
        request,
        outcome,
        show=_show(request, meeting, {"impediment": form}),
        redirect_to=status_url(meeting),
        notice=lambda raised: f"Impediment of {raised.team.name} raised, at the team's level.",
    )
