"""Everything a sync's page shows, read in a constant number of queries whatever the size of the train.

The page of an ART Sync follows its 90 minutes: the metrics snapshot (a panel the metrics app
provides through ``artops.extensions``), the top 5, the risks to ROAM, scope rebalancing and
the summary. A Coach Sync and a PO Sync show their own short agendas. Every page shows the
timer, the teams' status (and who has not posted), the open action items carried in from
earlier syncs of the same kind, and the decisions and action items of this one.
"""

from __future__ import annotations

from collections import defaultdict

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from artops import extensions
from artops.pages import OK, partial
from artops.permissions import has_capability
from planning.models import PIObjective
from risks import services as risk_services
from risks.models import Risk
from sync import agenda
from sync.forms.meetings import ActionItemForm, DecisionForm
from sync.models import ActionItem, Decision, SyncMeeting, TeamStatus
from sync.views.common import active_teams, members

TEMPLATE = "sync/meeting.html"
BODY = "meeting-body"
# How many candidates outside the top 5 the RTE is offered to swap in.
SWAP_CHOICES = 12

Kind = SyncMeeting.Kind


def meeting_url(meeting: SyncMeeting) -> str:
    return reverse("sync_meeting", kwargs={"art_slug": meeting.art.slug, "meeting_id": meeting.pk})


def _sections(meeting: SyncMeeting, decisions_by_section: dict) -> list[dict]:
    """The agenda's sections, each knowing whether it is the current one, already passed, and its decisions."""
    current = meeting.current_section
    keys = [section.key for section in agenda.sections(meeting.kind)]
    if meeting.state == SyncMeeting.State.CLOSED:
        position = len(keys)
    else:
        position = keys.index(current) if current in keys else -1
    return [
        {
            "section": section,
            "is_current": section.key == current and meeting.state == SyncMeeting.State.RUNNING,
            "is_done": index < position,
            "decisions": decisions_by_section.get(section.key, []),
        }
        for index, section in enumerate(agenda.sections(meeting.kind))
    ]


def _roam_targets(risk: Risk) -> list[tuple[str, str]]:
    return [(state.value, state.label) for state in Risk.TRANSITIONS[Risk.State(risk.state)]]


def meeting_context(
    request: HttpRequest,
    meeting: SyncMeeting,
    *,
    error: str = "",
    notice: str = "",
    forms: dict | None = None,
    error_at: str = "",
) -> dict:
    """The page's context. ``forms`` holds bound forms to show again with their errors; ``error_at`` names
    the part of the page the error belongs to (a risk, an agenda item), so that it shows there."""
    art = meeting.art
    user = request.user
    today = art.today()
    forms = forms or {}
    can_facilitate = has_capability(user, "sync.facilitate", art=art)
    writable = meeting.is_open and can_facilitate

    decisions = list(Decision.objects.filter(meeting=meeting).select_related("by", "agenda_item").order_by("at", "id"))
    actions = list(ActionItem.objects.filter(meeting=meeting).with_related().order_by("due_date", "created_at", "id"))
    carried = list(ActionItem.objects.open_for(meeting).with_related().order_by("due_date", "created_at", "id"))
    for item in (*actions, *carried):
        item.overdue = item.is_overdue(today)
        item.can_close = item.state == ActionItem.State.OPEN and (item.owner_id == user.pk or can_facilitate)
    decisions_by_section: dict[str, list[Decision]] = defaultdict(list)
    for decision in decisions:
        decisions_by_section[decision.section].append(decision)

    items = agenda.agenda_items(meeting) if meeting.kind == Kind.ART_SYNC else []
    for item in items:
        item.decision_list = [decision for decision in decisions if decision.agenda_item_id == item.pk]
        item.action_list = [action for action in actions if action.agenda_item_id == item.pk]
        item.settled = bool(item.decision_list or item.action_list)
    people = members(art) if writable else []

    statuses = list(TeamStatus.objects.filter(meeting=meeting).with_related().order_by("team__name"))
    not_posted = list(meeting.teams_not_posted().order_by("name"))
    context = {
        "art": art,
        "meeting": meeting,
        "today": today,
        "timer": agenda.timer(meeting, timezone.now()),
        "sections": _sections(meeting, decisions_by_section),
        "kind": meeting.kind,
        "can_facilitate": can_facilitate,
        "writable": writable,
        "decisions": decisions,
        "actions": actions,
        "carried": carried,
        "statuses": statuses,
        "not_posted": not_posted,
        "team_total": len(statuses) + len(not_posted),
        "items": items,
        "members": people,
        "error": error,
        "notice": notice,
        "error_at": error_at,
        "meeting_url": meeting_url(meeting),
    }
    if writable:
        context["decision_form"] = forms.get("decision") or DecisionForm(meeting=meeting, items=items)
        context["action_form"] = forms.get("action") or ActionItemForm(members=people, items=items)
    if meeting.kind == Kind.ART_SYNC:
        context.update(_art_sync(request, meeting, items, today, writable))
    elif meeting.kind == Kind.COACH_SYNC:
        context.update(_coach_sync(meeting, today))
    else:
        context.update(_po_sync(meeting))
    return context


def _art_sync(request: HttpRequest, meeting: SyncMeeting, items: list, today, writable: bool) -> dict:
    user = request.user
    risks = list(agenda.risks_to_roam(meeting))
    roamers = False
    for risk in risks:
        risk.can_roam = meeting.is_open and risk_services.can_roam(user, risk)
        risk.targets = _roam_targets(risk)
        roamers = roamers or risk.can_roam
    swap_in = []
    if writable:
        swap_in = agenda.outside_candidates(items, agenda.candidates(meeting, today))[:SWAP_CHOICES]
    return {
        "metrics_panels": extensions.panels(
            extensions.SYNC_METRICS_SNAPSHOT, art=meeting.art, pi=meeting.pi, today=today
        ),
        "risks": risks,
        "roam_members": members(meeting.art) if roamers else [],
        "swap_in": swap_in,
        "positions": range(1, len(items) + 1),
        "scope": agenda.scope_changes(meeting),
    }


def _coach_sync(meeting: SyncMeeting, today) -> dict:
    by_team: dict[int, dict] = {}
    for impediment in agenda.team_impediments(meeting):
        row = by_team.setdefault(impediment.team_id, {"team": impediment.team, "impediments": []})
        impediment.age_days = impediment.age(today)
        row["impediments"].append(impediment)
    in_the_way = [
        dependency
        for dependency in agenda.troubled_dependencies(meeting, today)
        if dependency.providing_team_id is not None
    ]
    return {"impediments_by_team": list(by_team.values()), "in_the_way": in_the_way}


def _po_sync(meeting: SyncMeeting) -> dict:
    objectives = PIObjective.objects.for_pi(meeting.pi)
    totals = objectives.totals_by_team()
    teams = active_teams(meeting.art)
    return {
        "features": list(agenda.features_in_flight(meeting)),
        "scope": agenda.scope_changes(meeting),
        "objective_rows": [{"team": team, "totals": totals.get(team.pk)} for team in teams],
        "objective_totals": objectives.art_totals(),
    }


def render_meeting(
    request: HttpRequest,
    meeting: SyncMeeting,
    status: int = OK,
    *,
    error: str = "",
    notice: str = "",
    forms: dict | None = None,
    error_at: str = "",
) -> HttpResponse:
    """The sync's page, or (for htmx) its body, the part that changes."""
    template = partial(request, TEMPLATE, BODY)
    context = meeting_context(request, meeting, error=error, notice=notice, forms=forms, error_at=error_at)
    return render(request, template, context, status=status)
