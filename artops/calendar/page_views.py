"""The train's calendar pages: the calendar (by week or as a list, a quarter at a time), one
event's page, and the RTE's management: the cadence settings, generating a PI's calendar,
adding an event, and editing, moving, cancelling or restoring one.

Every member reads the calendar; the RTE (``art.manage``) manages it, and the pages show the
controls only to the RTE. Writes are plain form posts that work without JavaScript (they
redirect with a message); with htmx they answer the changed fragment. Answers: invalid input
422 with the message, a stale version 409 with the current values, a role without the
capability 403 (checked before the input is read), another train's event 404, a ``?from=``
that is not a day 400.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from artops import extensions
from artops.calendar import layout, services
from artops.calendar.forms import CadenceForm, EventEditForm, EventForm, GenerateForm, VersionForm, parse_day
from artops.calendar.models import QUARTER_WEEKS, CalendarCadence, CalendarEvent, quarter_ahead, quarter_window
from artops.models import ART, Iteration, ProgramIncrement
from artops.pages import OK, answer, attempt, partial
from artops.permissions import art_capability_required, has_capability, require

NAV_SECTION = "calendar"

CALENDAR_TEMPLATE = "artops/calendar.html"
EVENT_TEMPLATE = "artops/calendar_event.html"
ADD_TEMPLATE = "artops/calendar_event_add.html"
SETTINGS_TEMPLATE = "artops/calendar_settings.html"
VIEWS = ("week", "list")


# --- what the pages share ---------------------------------------------------------------------


def calendar_url(art: ART, *, view: str = "week", first_day: date | None = None) -> str:
    query = []
    if view != "week":
        query.append(f"view={view}")
    if first_day is not None:
        query.append(f"from={first_day.isoformat()}")
    base = reverse("art_calendar", kwargs={"art_slug": art.slug})
    return f"{base}?{'&'.join(query)}" if query else base


def event_url(event: CalendarEvent) -> str:
    return reverse("calendar_event", kwargs={"art_slug": event.art.slug, "event_id": event.pk})


def event_links(events: list[CalendarEvent]) -> dict[int, str]:
    """Where each event leads: its meeting or demo page (from the apps that have one), else its own page."""
    urls = {event.pk: event_url(event) for event in events}
    urls.update(extensions.links(extensions.CALENDAR_EVENT_LINKS, events=events))
    return urls


def view_of(value: str | None) -> str:
    return value if value in VIEWS else "week"


def _event_of(art: ART, event_id: int) -> CalendarEvent:
    return get_object_or_404(CalendarEvent.objects.for_art(art).select_related("art", "pi"), pk=event_id)


def _pis(art: ART) -> list[ProgramIncrement]:
    return list(ProgramIncrement.objects.for_art(art).select_related("art").order_by("start_date"))


def _next_pi(pis: list[ProgramIncrement], today: date) -> ProgramIncrement | None:
    """The PI whose calendar the RTE most likely publishes now: the next one, else the current one."""
    upcoming = [pi for pi in pis if pi.start_date > today]
    if upcoming:
        return upcoming[0]
    running = [pi for pi in pis if pi.end_date >= today]
    return running[0] if running else (pis[-1] if pis else None)


# --- the calendar -----------------------------------------------------------------------------


def _calendar_context(
    request: HttpRequest,
    art: ART,
    *,
    view: str,
    first_day: date | None,
    generate_form: GenerateForm | None = None,
    notice: str = "",
    error: str = "",
) -> dict:
    """The weeks (or days) of at least a quarter from ``first_day`` (today when None): a constant
    number of queries (the events, the iterations, and the PIs for the RTE's generate form)."""
    today = art.today()
    start, end = quarter_window(first_day or today)
    events = list(quarter_ahead(art, first_day or today).select_related("art"))
    shown = layout.shown_events(events, tz=art.tz, urls=event_links(events))
    can_manage = has_capability(request.user, "art.manage", art=art)
    if can_manage and generate_form is None:
        pis = _pis(art)
        generate_form = GenerateForm(pis=pis, initial={"pi": getattr(_next_pi(pis, today), "pk", None)})
    context = {
        "art": art,
        "view": view,
        "today": today,
        "window_start": start,
        "window_last_day": end - timedelta(days=1),
        "earlier_url": calendar_url(art, view=view, first_day=start - timedelta(weeks=QUARTER_WEEKS)),
        "later_url": calendar_url(art, view=view, first_day=start + timedelta(weeks=QUARTER_WEEKS)),
        "this_quarter_url": calendar_url(art, view=view) if first_day else "",
        "week_url": calendar_url(art, view="week", first_day=first_day),
        "list_url": calendar_url(art, view="list", first_day=first_day),
        "first_day": first_day,
        "event_count": len(events),
        "can_manage": can_manage,
        "generate_form": generate_form,
        "notice": notice,
        "error": error,
    }
    if view == "week":
        iterations = Iteration.objects.filter(pi__art=art, start_date__lt=end, end_date__gte=start)
        context["weeks"] = layout.weeks(
            shown, first_day=start, end_day=end, today=today, iterations=list(iterations.order_by("start_date"))
        )
    else:
        context["days"] = layout.by_day(shown, first_day=start, end_day=end, today=today)
    return context


@art_capability_required("art.view")
@require_http_methods(["GET", "HEAD"])
@vary_on_headers("HX-Request")
def art_calendar(request: HttpRequest) -> HttpResponse:
    """The train's calendar: at least the next quarter, by week (``?view=week``) or as a list
    (``?view=list``); ``?from=YYYY-MM-DD`` shows the quarter from that day's week."""
    art: ART = request.art
    try:
        first_day = parse_day(request.GET.get("from"), name="from")
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages), content_type="text/plain; charset=utf-8")
    view = view_of(request.GET.get("view"))
    context = _calendar_context(request, art, view=view, first_day=first_day)
    return render(request, partial(request, CALENDAR_TEMPLATE, "calendar-body"), context)


@art_capability_required("art.manage")
@require_POST
def calendar_generate(request: HttpRequest) -> HttpResponse:
    """Publish (or refresh) the calendar of the chosen PI from the train's cadence."""
    art: ART = request.art
    form = GenerateForm(request.POST, pis=_pis(art))
    view = view_of(request.POST.get("view"))
    outcome = attempt(
        form,
        lambda: services.generate_calendar(form.cleaned_data["pi"], by=request.user),
        refusal="The calendar was not generated",
    )

    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        context = _calendar_context(
            request, art, view=view, first_day=None, generate_form=form, notice=notice, error=error
        )
        return render(request, partial(request, CALENDAR_TEMPLATE, "calendar-body"), context, status=status)

    def generated(result: services.GenerationResult) -> str:
        return (
            f"Calendar of {form.cleaned_data['pi'].name} generated: {result.created} created, "
            f"{result.updated} updated, {result.cancelled} cancelled, {result.kept} kept as they were."
        )

    return answer(request, outcome, show=show, redirect_to=calendar_url(art, view=view), notice=generated)


# --- one event --------------------------------------------------------------------------------


def _event_context(
    request: HttpRequest,
    art: ART,
    event: CalendarEvent,
    *,
    form: EventEditForm | None = None,
    notice: str = "",
    error: str = "",
) -> dict:
    links = event_links([event])
    can_manage = has_capability(request.user, "art.manage", art=art)
    if can_manage and form is None:
        form = EventEditForm(initial=EventForm.initial_of(event), tz=art.tz)
    return {
        "art": art,
        "event": event,
        "shown": layout.shown_events([event], tz=art.tz, urls=links)[0],
        "page_link": links[event.pk] if links[event.pk] != event_url(event) else "",
        "can_manage": can_manage,
        "form": form,
        "notice": notice,
        "error": error,
        "calendar_url": calendar_url(art, first_day=event.begins(art.tz).astimezone(art.tz).date()),
    }


def _show_event(request: HttpRequest, art: ART, event: CalendarEvent, **context):
    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        template = partial(request, EVENT_TEMPLATE, "event-panel")
        full = _event_context(request, art, event, error=error, notice=notice, **context)
        return render(request, template, full, status=status)

    return show


@art_capability_required("art.view")
@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
def calendar_event(request: HttpRequest, event_id: int) -> HttpResponse:
    """One event: when and where, and for the RTE the form that changes or moves it."""
    art: ART = request.art
    event = _event_of(art, event_id)
    if request.method != "POST":
        return render(request, partial(request, EVENT_TEMPLATE, "event-panel"), _event_context(request, art, event))
    # The capability before the input: a member who may not edit learns nothing from validation.
    require(request.user, "art.manage", art=art)
    form = EventEditForm(request.POST, tz=art.tz)

    def save() -> CalendarEvent:
        version = form.cleaned_data["version"]
        return services.edit_event(event, by=request.user, expected_version=version, **form.changes())

    outcome = attempt(form, save, refusal=f"“{event.title}” was not saved")
    # Refused: the form as typed, with its errors. Done or a conflict: the event as it is now.
    shown = outcome.result or outcome.current or event
    show = _show_event(request, art, shown, form=form if outcome.status not in (OK, 409) else None)

    def saved(changed: CalendarEvent) -> str:
        when = layout.shown_events([changed], tz=art.tz, urls={changed.pk: ""})[0]
        return f"“{changed.title}” saved: {when.first_day:%a %-d %b %Y}, {when.when}."

    return answer(request, outcome, show=show, redirect_to=event_url(event), notice=saved)


def _change_status(request: HttpRequest, event_id: int, change, done: str, refusal: str) -> HttpResponse:
    art: ART = request.art
    event = _event_of(art, event_id)
    form = VersionForm(request.POST)
    outcome = attempt(
        form,
        lambda: change(event, by=request.user, expected_version=form.cleaned_data["version"]),
        refusal=refusal.format(title=event.title),
    )
    show = _show_event(request, art, outcome.result or outcome.current or event)
    return answer(request, outcome, show=show, redirect_to=event_url(event), notice=done.format(title=event.title))


@art_capability_required("art.manage")
@require_POST
def calendar_event_cancel(request: HttpRequest, event_id: int) -> HttpResponse:
    """Cancel one event: it stays on the calendar, struck through, and in the feed as cancelled."""
    return _change_status(
        request,
        event_id,
        services.cancel_event,
        done="“{title}” cancelled: subscribed calendars remove it at their next refresh.",
        refusal="“{title}” was not cancelled",
    )


@art_capability_required("art.manage")
@require_POST
def calendar_event_restore(request: HttpRequest, event_id: int) -> HttpResponse:
    """Hold a cancelled event after all."""
    return _change_status(
        request,
        event_id,
        services.restore_event,
        done="“{title}” restored: it is held after all.",
        refusal="“{title}” was not restored",
    )


@art_capability_required("art.manage")
@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
def calendar_event_add(request: HttpRequest) -> HttpResponse:
    """Add an event by hand: a community of practice session, an extra sync, anything."""
    art: ART = request.art
    initial = {"kind": CalendarEvent.Kind.COMMUNITY_OF_PRACTICE}
    context = {"art": art, "calendar_url": calendar_url(art)}
    if request.method != "POST":
        return render(request, ADD_TEMPLATE, {**context, "form": EventForm(initial=initial, tz=art.tz)})
    form = EventForm(request.POST, tz=art.tz)

    def add() -> CalendarEvent:
        changes = form.changes()
        first_day = changes["start_date"] or changes["starts_at"].astimezone(art.tz).date()
        pi = ProgramIncrement.objects.for_art(art).containing(first_day).first()
        return services.add_event(art, by=request.user, pi=pi, **changes)

    outcome = attempt(form, add, refusal="The event was not added")

    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        shown_form = EventForm(initial=initial, tz=art.tz) if outcome.done else form
        full = {**context, "form": shown_form, "error": error, "notice": notice, "added": outcome.result}
        return render(request, partial(request, ADD_TEMPLATE, "event-form"), full, status=status)

    redirect_to = event_url(outcome.result) if outcome.done else calendar_url(art)
    return answer(request, outcome, show=show, redirect_to=redirect_to, notice=lambda e: f"“{e.title}” added.")


# --- the cadence settings ---------------------------------------------------------------------


@art_capability_required("art.manage")
@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """When the train holds its ART Sync, PO and Coach Syncs, System Demos, I&A and PI Planning."""
    art: ART = request.art
    cadence = CalendarCadence.of(art)
    context = {"art": art, "calendar_url": calendar_url(art)}
    if request.method != "POST":
        form = CadenceForm(initial=CadenceForm.initial_of(cadence))
        return render(request, SETTINGS_TEMPLATE, {**context, "form": form})
    form = CadenceForm(request.POST)

    def save() -> CalendarCadence:
        changes = dict(form.cleaned_data)
        version = changes.pop("version")
        return services.update_calendar_cadence(art, by=request.user, expected_version=version, **changes)

    outcome = attempt(form, save, refusal="The calendar settings were not saved")

    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        shown_form = form
        if outcome.status != 422:  # saved, or changed meanwhile: the settings as they are now
            shown_form = CadenceForm(initial=CadenceForm.initial_of(outcome.result or outcome.current))
        full = {**context, "form": shown_form, "error": error, "notice": notice}
        return render(request, partial(request, SETTINGS_TEMPLATE, "cadence-form"), full, status=status)

    notice = "Calendar settings saved. Generate a PI's calendar again to apply them to its future events."
    return answer(request, outcome, show=show, redirect_to=calendar_url(art), notice=notice)
