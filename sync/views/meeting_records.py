"""What a sync produces, written from its page: the top 5 (choose again, pin, move, swap), decisions,
action items (add, done, drop) and ROAM moves of the risks on its agenda.

Each write calls one service; the page's body comes back (htmx) or the page again (a plain post,
after a redirect). A refusal shows its reason where the change was made (``error_at`` names the
agenda item or the risk), with the form and what was typed.
"""

from __future__ import annotations

from dataclasses import replace

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from artops.models import ART
from artops.pages import OK, answer, attempt
from artops.permissions import CAPABILITY_MESSAGES, art_capability_required
from risks import services as risk_services
from risks.forms.roam_board import RoamForm
from risks.models import Dependency, Risk
from sync import services
from sync.forms.meetings import ActionItemForm, DecisionForm, DropActionForm, MoveForm, PinForm, SwapForm, VersionForm
from sync.models import ActionItem, AgendaItem, Impediment, SyncMeeting
from sync.views.common import members, one_of
from sync.views.meeting_context import meeting_url, render_meeting
from sync.views.meetings import fresh, meeting_of

NAV_SECTION = "sync"


def _agenda_item_of(meeting: SyncMeeting, item_id) -> AgendaItem:
    return one_of(AgendaItem.objects.filter(meeting=meeting).select_related("meeting__art"), item_id, "That item")


def _show(request: HttpRequest, meeting: SyncMeeting, *, forms: dict | None = None, error_at: str = ""):
    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        kept = forms if status != OK else None
        return render_meeting(
            request, fresh(meeting), status, error=error, notice=notice, forms=kept, error_at=error_at
        )

    return show


def _answer(request, meeting, outcome, *, notice="", forms=None, error_at=""):
    return answer(
        request,
        outcome,
        show=_show(request, meeting, forms=forms, error_at=error_at),
        redirect_to=meeting_url(meeting),
        notice=notice,
    )


# --- the top 5 ------------------------------------------------------------------------------------


@art_capability_required("sync.facilitate")
@require_POST
def agenda_pick(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Choose the top 5 again from today's data; pins and items already settled stay."""
    meeting = meeting_of(request.art, meeting_id)
    form = VersionForm(request.POST)
    outcome = attempt(
        form,
        lambda: services.pick_agenda(meeting, by=request.user, expected_version=form.cleaned_data["version"]),
        refusal="The top 5 was not chosen again",
    )
    return _answer(request, meeting, outcome, notice="The top 5 is chosen again from today's data.")


@art_capability_required("sync.facilitate")
@require_POST
def agenda_pin(request: HttpRequest, meeting_id: int, agenda_item_id: int) -> HttpResponse:
    meeting = meeting_of(request.art, meeting_id)
    item = _agenda_item_of(meeting, agenda_item_id)
    form = PinForm(request.POST)

    def pin() -> AgendaItem:
        data = form.cleaned_data
        return services.pin_agenda_item(item, by=request.user, expected_version=data["version"], pinned=data["pinned"])

    outcome = attempt(form, pin, refusal="The item was not pinned")
    notice = lambda pinned: f"{pinned.position}. {'pinned' if pinned.pinned else 'unpinned'}."  # noqa: E731
    return _answer(request, meeting, outcome, notice=notice, error_at=f"item-{item.pk}")


@art_capability_required("sync.facilitate")
@require_POST
def agenda_move(request: HttpRequest, meeting_id: int, agenda_item_id: int) -> HttpResponse:
    """Put an item at another position (the menu, or a drop); the item there takes its place."""
    meeting = meeting_of(request.art, meeting_id)
    item = _agenda_item_of(meeting, agenda_item_id)
    form = MoveForm(request.POST)

    def move() -> AgendaItem:
        data = form.cleaned_data
        return services.move_agenda_item(
            item, position=data["position"], by=request.user, expected_version=data["version"]
        )

    outcome = attempt(form, move, refusal="The item was not moved")
    return _answer(
        request,
        meeting,
        outcome,
        notice=lambda moved: f"Moved to position {moved.position} and pinned there.",
        error_at=f"item-{item.pk}",
    )


@art_capability_required("sync.facilitate")
@require_POST
def agenda_swap(request: HttpRequest, meeting_id: int, agenda_item_id: int) -> HttpResponse:
    """Replace an item with a candidate outside the five."""
    art: ART = request.art
    meeting = meeting_of(art, meeting_id)
    item = _agenda_item_of(meeting, agenda_item_id)
    form = SwapForm(request.POST)

    def swap() -> AgendaItem:
        kind, subject_id = form.cleaned_data["candidate"]
        subject = {
            "impediment": lambda: Impediment.objects.for_art(art).filter(pk=subject_id).first(),
            "dependency": lambda: Dependency.objects.for_art(art).filter(pk=subject_id).first(),
        }[kind]()
        return services.swap_agenda_item(
            item,
            by=request.user,
            expected_version=form.cleaned_data["version"],
            impediment=subject if kind == "impediment" else None,
            dependency=subject if kind == "dependency" else None,
        )

    outcome = attempt(form, swap, refusal="Nothing was swapped")
    return _answer(
        request,
        meeting,
        outcome,
        notice=lambda swapped: f"{swapped.position}. is now “{swapped.subject}” (pinned).",
        error_at=f"item-{item.pk}",
    )


# --- decisions and action items ---------------------------------------------------------------------


@art_capability_required("sync.facilitate")
@require_POST
def decision_add(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = meeting_of(request.art, meeting_id)
    items = list(AgendaItem.objects.filter(meeting=meeting))
    form = DecisionForm(request.POST, meeting=meeting, items=items)

    def record():
        data = form.cleaned_data
        return services.record_decision(
            meeting,
            text=data["text"],
            by=request.user,
            section=data["section"] or None,
            agenda_item=data["agenda_item"],
        )

    outcome = attempt(form, record, refusal="The decision was not recorded")
    error_at = (
        f"item-{form.cleaned_data['agenda_item'].pk}" if form.is_valid() and form.cleaned_data["agenda_item"] else ""
    )
    return _answer(
        request, meeting, outcome, notice="Decision recorded.", forms={"decision": form}, error_at=error_at or "record"
    )


@art_capability_required("sync.facilitate")
@require_POST
def action_add(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """An action item with its owner and due date (both required)."""
    meeting = meeting_of(request.art, meeting_id)
    items = list(AgendaItem.objects.filter(meeting=meeting))
    form = ActionItemForm(request.POST, members=members(meeting.art), items=items)
    outcome = attempt(
        form,
        lambda: services.add_action_item(meeting, by=request.user, **form.cleaned_data),
        refusal="The action item was not added",
    )
    return _answer(
        request,
        meeting,
        outcome,
        notice=lambda item: f"Action for {item.owner.display_name}, due {item.due_date:%d %b %Y}.",
        forms={"action": form},
        error_at="record",
    )


def _action_of(art: ART, action_id) -> ActionItem:
    return one_of(
        ActionItem.objects.for_art(art).with_related().select_related("meeting__art"), action_id, "That action"
    )


@art_capability_required("art.view")
@require_POST
def action_done(request: HttpRequest, meeting_id: int, action_id: int) -> HttpResponse:
    """The owner (or the RTE) marks an action done, from any sync's page it shows on."""
    meeting = meeting_of(request.art, meeting_id)
    item = _action_of(request.art, action_id)
    form = VersionForm(request.POST)
    outcome = attempt(
        form,
        lambda: services.complete_action_item(item, by=request.user, expected_version=form.cleaned_data["version"]),
        refusal="The action was not marked done",
    )
    return _answer(request, meeting, outcome, notice=lambda done: f"“{done.text[:60]}” is done.")


@art_capability_required("art.view")
@require_POST
def action_drop(request: HttpRequest, meeting_id: int, action_id: int) -> HttpResponse:
    meeting = meeting_of(request.art, meeting_id)
    item = _action_of(request.art, action_id)
    form = DropActionForm(request.POST)

    def drop() -> ActionItem:
        data = form.cleaned_data
        return services.drop_action_item(item, reason=data["reason"], by=request.user, expected_version=data["version"])

    outcome = attempt(form, drop, refusal="The action was not dropped")
    return _answer(
        request,
        meeting,
        outcome,
        notice=lambda dropped: f"“{dropped.text[:60]}” dropped.",
        error_at=f"action-{item.pk}",
    )


# --- ROAM, through the same service as the ROAM board ------------------------------------------------------


@art_capability_required("art.view")
@require_POST
def meeting_roam(request: HttpRequest, meeting_id: int, risk_id: int) -> HttpResponse:
    """ROAM a risk during the sync: ``risks.services.roam_risk``, exactly as on the ROAM board."""
    art: ART = request.art
    meeting = meeting_of(art, meeting_id)
    risk = one_of(Risk.objects.for_art(art).filter(pi=meeting.pi).with_related(), risk_id, "That risk")
    # The capability before the input: a role that may not ROAM learns nothing from validation.
    if not risk_services.can_roam(request.user, risk):
        raise PermissionDenied(CAPABILITY_MESSAGES["risks.roam"])
    form = RoamForm(request.POST, members=members(art))

    def roam() -> Risk:
        data = form.cleaned_data
        return risk_services.roam_risk(
            risk, to=data["to"], by=request.user, expected_version=data["version"], note=data["note"], **form.needs()
        )

    outcome = attempt(form, roam, refusal=f"“{risk.title}” was not moved")
    if outcome.conflict:
        outcome = replace(outcome, error=f"{outcome.error} It is {outcome.current.get_state_display()} now.")
    return _answer(
        request,
        meeting,
        outcome,
        notice=lambda moved: f"“{moved.title}” is {moved.get_state_display()} now.",
        error_at=f"risk-{risk.pk}",
    )
