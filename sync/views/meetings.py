"""The train's syncs: the list (and opening one), a sync's page and its live timer, the timer's moves,
closing, the minutes (printable, and as Markdown), the sync of a calendar event, and the action items' CSV.

A sync's page follows its agenda; everyone's page polls ``meeting_live`` every two seconds with the
meeting's version it shows, and gets the fresh page body only when the facilitator changed something
(the timer, the top 5): a quiet meeting costs three small queries a poll. Writes answer as every page
does (``artops.pages.answer``): htmx gets the fresh body (422 with the reason when refused, 409 when
someone changed the meeting meanwhile), a plain post a redirect with a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from artops.calendar.models import CalendarEvent
from artops.models import ART, Membership
from artops.pages import (
    OK,
    answer,
    attempt,
    bad_filters,
    csv_day,
    csv_moment,
    csv_response,
    csv_safe,
)
from artops.parsing import BadNumber, parse_int
from artops.permissions import art_capability_required, has_capability, require
from sync import services
from sync.filters import ActionItemFilter
from sync.forms.meetings import OpenMeetingForm, TimerForm, VersionForm
from sync.models import ActionItem, SyncMeeting
from sync.views.common import one_of
from sync.views.meeting_context import BODY, TEMPLATE, meeting_context, meeting_url, render_meeting

NAV_SECTION = "sync"

HOME_TEMPLATE = "sync/syncs.html"
MINUTES_TEMPLATE = "sync/minutes.html"
EVENT_TEMPLATE = "sync/calendar_event.html"
FACILITATE_REFUSAL = services.common.REFUSALS["sync.facilitate"]
TIMER_SERVICES = {
    "start": services.start_meeting,
    "pause": services.pause_timer,
    "resume": services.resume_timer,
    "advance": services.advance_timer,
}
TIMER_NOTICES = {
    "start": "The sync has started.",
    "pause": "The timer is paused.",
    "resume": "The timer runs again.",
    "advance": "On to the next section.",
}
EVENT_KINDS = {
    CalendarEvent.Kind.ART_SYNC: SyncMeeting.Kind.ART_SYNC,
    CalendarEvent.Kind.PO_SYNC: SyncMeeting.Kind.PO_SYNC,
    CalendarEvent.Kind.COACH_SYNC: SyncMeeting.Kind.COACH_SYNC,
}
ACTION_CSV_COLUMNS = (
    "id",
    "sync",
    "sync_date",
    "action",
    "owner",
    "due_date",
    "state",
    "overdue",
    "drop_reason",
    "raised_by",
    "created_at",
    "done_at",
)


def meeting_of(art: ART, meeting_id) -> SyncMeeting:
    return one_of(SyncMeeting.objects.for_art(art).with_related(), meeting_id, "That sync")


def fresh(meeting: SyncMeeting) -> SyncMeeting:
    """The meeting as it is now (after a change, or a refusal that found it changed)."""
    return SyncMeeting.objects.with_related().get(pk=meeting.pk)


# --- the list of syncs, and opening one ------------------------------------------------------------------


def _home_context(request: HttpRequest, art: ART, form: OpenMeetingForm | None = None) -> dict:
    today = art.today()
    meetings = list(SyncMeeting.objects.for_art(art).with_related().order_by("-date", "-start_time", "-id")[:60])
    can_facilitate = has_capability(request.user, "sync.facilitate", art=art)
    if form is None and can_facilitate:
        form = OpenMeetingForm(initial={"kind": SyncMeeting.Kind.ART_SYNC, "date": today, "start_time": "10:00"})
    overdue = ActionItem.objects.for_art(art).overdue(today).count()
    open_actions = ActionItem.objects.for_art(art).open().count()
    return {
        "art": art,
        "today": today,
        "open_meetings": [meeting for meeting in meetings if meeting.is_open],
        "past_meetings": [meeting for meeting in meetings if not meeting.is_open],
        "can_facilitate": can_facilitate,
        "form": form,
        "open_actions": open_actions,
        "overdue_actions": overdue,
    }


@art_capability_required("art.view")
@require_http_methods(["GET", "POST"])
def sync_home(request: HttpRequest) -> HttpResponse:
    """The train's syncs, open ones first; the RTE opens a new one here (a POST)."""
    art: ART = request.art
    if request.method == "GET":
        return render(request, HOME_TEMPLATE, _home_context(request, art))
    require(request.user, "sync.facilitate", art=art)
    form = OpenMeetingForm(request.POST)
    outcome = attempt(
        form,
        lambda: services.open_meeting(art, by=request.user, **form.cleaned_data),
        refusal="The sync was not opened",
    )
    if outcome.done:
        meeting = outcome.result
        messages.success(request, f"{meeting} opened.")
        return redirect(meeting_url(meeting))
    context = _home_context(request, art, form)
    context["error"] = outcome.error
    return render(request, HOME_TEMPLATE, context, status=outcome.status)


# --- a sync's page and its live timer -------------------------------------------------------------------


@art_capability_required("art.view")
@require_GET
@vary_on_headers("HX-Request")
def meeting_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """A sync's page: its agenda, section by section, with the timer."""
    return render_meeting(request, meeting_of(request.art, meeting_id))


def _visible_version(user, art_slug: str, meeting_id) -> int | None:
    """The meeting's version if ``user`` is a member of its train (``None`` otherwise): one query."""
    member = Membership.objects.filter(user=user, art_id=OuterRef("art_id"))
    return (
        SyncMeeting.objects.filter(pk=meeting_id, art__slug=art_slug)
        .filter(Exists(member))
        .values_list("version", flat=True)
        .first()
    )


@never_cache
@require_GET
def meeting_live(request: HttpRequest, art_slug: str, meeting_id: int) -> HttpResponse:
    """Has the sync changed since the version the browser shows? 204 if not, the fresh body if so."""
    if not request.user.is_authenticated:
        login = redirect_to_login(request.get_full_path())
        if request.htmx:
            # A poll must not swap the login page into the sync: send the whole page there.
            response = HttpResponse(status=401)
            response["HX-Redirect"] = login["Location"]
            return response
        return login
    try:
        shown = parse_int(request.GET.get("version", ""), name="version", minimum=1)
    except BadNumber as error:
        return HttpResponse(
            f"Say which version of the sync you have ({error.reason})",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    version = _visible_version(request.user, art_slug, meeting_id)
    if version is None:
        raise Http404("No such sync on your trains.")
    if version == shown:
        return HttpResponse(status=204)
    meeting = SyncMeeting.objects.with_related().get(pk=meeting_id)
    return render(request, f"{TEMPLATE}#{BODY}", meeting_context(request, meeting))


def _show(request: HttpRequest, meeting: SyncMeeting):
    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        return render_meeting(request, fresh(meeting), status, error=error, notice=notice)

    return show


@art_capability_required("sync.facilitate")
@require_POST
def meeting_timer(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The facilitator starts the sync, pauses or resumes the timer, or moves to the next section."""
    meeting = meeting_of(request.art, meeting_id)
    form = TimerForm(request.POST)

    def move() -> SyncMeeting:
        data = form.cleaned_data
        action = data["action"]
        kwargs = {"to": data["to"] or None} if action == "advance" else {}
        return TIMER_SERVICES[action](meeting, by=request.user, expected_version=data["version"], **kwargs)

    outcome = attempt(form, move, refusal="The timer did not move")
    action = form.cleaned_data.get("action", "") if form.is_valid() else ""
    return answer(
        request,
        outcome,
        show=_show(request, meeting),
        redirect_to=meeting_url(meeting),
        notice=TIMER_NOTICES.get(action, ""),
    )


@art_capability_required("sync.facilitate")
@require_POST
def meeting_close(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The sync ends; its open action items carry into the next one of its kind."""
    meeting = meeting_of(request.art, meeting_id)
    form = VersionForm(request.POST)
    outcome = attempt(
        form,
        lambda: services.close_meeting(meeting, by=request.user, expected_version=form.cleaned_data["version"]),
        refusal="The sync was not closed",
    )
    return answer(
        request,
        outcome,
        show=_show(request, meeting),
        redirect_to=meeting_url(meeting),
        notice=lambda closed: f"{closed} closed. Its open action items carry into the next one.",
    )


# --- minutes ----------------------------------------------------------------------------------------


@art_capability_required("art.view")
@require_GET
def meeting_minutes(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The minutes of a sync, laid out to print: agenda, decisions, action items with owners."""
    meeting = meeting_of(request.art, meeting_id)
    return render(request, MINUTES_TEMPLATE, meeting_context(request, meeting))


@art_capability_required("art.view")
@require_GET
def meeting_minutes_markdown(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The same minutes as a Markdown file, to paste into a wiki or a chat."""
    meeting = meeting_of(request.art, meeting_id)
    text = render_to_string("sync/minutes.md", meeting_context(request, meeting), request=request)
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    filename = f"{meeting.art.slug}-{meeting.kind.replace('_', '-')}-{meeting.date:%Y-%m-%d}.md"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- the sync of a calendar event -------------------------------------------------------------------


@art_capability_required("art.view")
@require_http_methods(["GET", "POST"])
def calendar_event_meeting(request: HttpRequest, event_id: int) -> HttpResponse:
    """The sync of an ART Sync, PO Sync or Coach Sync on the calendar: shown if it exists; else the RTE
    opens it here (a POST), and the other members learn that it is not open yet."""
    art: ART = request.art
    event = one_of(
        CalendarEvent.objects.for_art(art).filter(kind__in=list(EVENT_KINDS)).select_related("art", "pi"),
        event_id,
        "That sync event",
    )
    meeting = SyncMeeting.objects.filter(calendar_event=event).first()
    if meeting is not None:
        return redirect(meeting_url(meeting))
    can_facilitate = has_capability(request.user, "sync.facilitate", art=art)
    outcome = None
    if request.method == "POST":
        if not can_facilitate:
            raise PermissionDenied(FACILITATE_REFUSAL)
        outcome = attempt(None, lambda: services.open_meeting_for_event(event, by=request.user))
        if outcome.done:
            messages.success(request, f"{outcome.result} opened from the calendar.")
            return redirect(meeting_url(outcome.result))
    context = {
        "art": art,
        "event": event,
        "starts": event.begins(art.tz),
        "can_facilitate": can_facilitate,
        "error": outcome.error if outcome else "",
    }
    return render(request, EVENT_TEMPLATE, context, status=outcome.status if outcome else OK)


# --- the action items' CSV -------------------------------------------------------------------------


@art_capability_required("art.view")
@require_GET
def action_items_csv(request: HttpRequest) -> HttpResponse:
    """Every action item of the train's syncs (filtered: ``?state=``, ``?owner=``, ``?kind=``, ``?overdue=``)."""
    art: ART = request.art
    today = art.today()
    queryset = ActionItem.objects.for_art(art).with_related().select_related("raised_by", "meeting__art")
    filterset = ActionItemFilter(request.GET, queryset=queryset.order_by("due_date", "id"), today=today)
    if not filterset.is_valid():
        return bad_filters(filterset)
    rows = (
        [
            item.pk,
            item.meeting.get_kind_display(),
            csv_day(item.meeting.date),
            csv_safe(item.text),
            csv_safe(item.owner.display_name),
            csv_day(item.due_date),
            item.state,
            "yes" if item.is_overdue(today) else "no",
            csv_safe(item.drop_reason),
            csv_safe(item.raised_by.display_name),
            csv_moment(item.created_at, art),
            csv_moment(item.done_at, art),
        ]
        for item in filterset.qs
    )
    return csv_response(f"{art.slug}-action-items.csv", ACTION_CSV_COLUMNS, rows)


def action_items_url(art: ART) -> str:
    return reverse("sync_action_items_csv", kwargs={"art_slug": art.slug})
