"""The I&A pages: the train's I&A events, one event screen by screen, its live fragment, the writes,
the follow-through list and the CSV of the improvement items.

The event's page shows one screen (``?step=``, else the one the facilitator shows everyone). Its
shared part (``#ia-live``: the lists, the fishbone, the tally and the Pareto chart) polls
``live/`` every two seconds: 204 while nothing changed, the fresh fragment when something did,
and a full reload (``HX-Refresh``) when the facilitator moved everyone to another screen. The
forms sit outside the fragment, so that a poll never wipes what someone is typing.

Every write is a plain form post (a redirect back with a message; errors show on the whole page,
422) through one view, ``ia_write``, and a table of what each write needs (``WRITES``). The dot
votes also answer htmx with the fresh fragment. A role without the capability gets 403 before its
input is read; another train's PI, event or row is 404; a bad id or value is 422 with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from artops.models import ART, ProgramIncrement, User
from artops.pages import OK, UNPROCESSABLE, csv_day, csv_response, csv_safe, pi_of
from artops.pages import attempt as attempt_write
from artops.parsing import BadNumber, parse_since
from metrics.ia import follow_through, forms, review, services
from metrics.ia.models import STEPS, Bone, Cause, ImprovementItem, InspectAdapt, Problem, Step
from planning.models import HEALTHY_BAND
from sync.models import SystemDemo

NAV_SECTION = "ia"
EVENT_TEMPLATE = "metrics/ia/event.html"
HOME_TEMPLATE = "metrics/ia/home.html"
FOLLOW_TEMPLATE = "metrics/ia/follow_through.html"
POLL_SECONDS = 2


# --- reading --------------------------------------------------------------------------------------


def member_view(view: Callable) -> Callable:
    """Log in first; then the view gets the train (``request.art``) among the person's trains, else 404."""
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login

    @wraps(view)
    def wrapped(request: HttpRequest, *args, art_slug: str, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        request.art = get_object_or_404(ART.objects.visible_to(request.user), slug=art_slug)
        return view(request, *args, **kwargs)

    return wrapped


def _event_of(art: ART, pi: ProgramIncrement) -> InspectAdapt | None:
    return InspectAdapt.objects.filter(pi=pi).select_related("art", "pi", "chosen_cause__problem").first()


def _members(art: ART):
    return User.objects.filter(memberships__art=art).distinct().order_by("display_name", "email")


def _pis(art: ART) -> list[ProgramIncrement]:
    return list(ProgramIncrement.objects.for_art(art).order_by("start_date"))


def event_url(art: ART, pi: ProgramIncrement, step: str = "") -> str:
    url = reverse("ia_event", kwargs={"art_slug": art.slug, "pi_id": pi.pk})
    return f"{url}?step={step}" if step else url


def _system_demo_url(demo: SystemDemo) -> str:
    """The System Demo's page, once the sync app has one."""
    try:
        return reverse("system_demo", kwargs={"art_slug": demo.art.slug, "demo_id": demo.pk})
    except NoReverseMatch:
        return ""


def _previous_pi(pis: list[ProgramIncrement], pi: ProgramIncrement) -> ProgramIncrement | None:
    earlier = [other for other in pis if other.start_date < pi.start_date]
    return earlier[-1] if earlier else None


def _screen(request: HttpRequest, art: ART, event: InspectAdapt, step: str, pis: list[ProgramIncrement]) -> dict:
    """What the screen ``step`` shows: a constant number of queries for each."""
    today = art.today()
    user = request.user
    if step == Step.OPENING:
        previous = _previous_pi(pis, event.pi)
        items = follow_through.items_of(art).filter(event__pi=previous) if previous else ImprovementItem.objects.none()
        result = follow_through.follow_through(art, today=today, items=items)
        return {"previous_pi": previous, "previous_items": result.items, "previous_rate": (result.rates or [None])[0]}
    if step == Step.DEMO:
        demo = (
            SystemDemo.objects.filter(pi=event.pi).with_counts().select_related("art", "iteration")
            .order_by("-held_on", "-id").first()
        )  # fmt: skip
        return {"system_demo": demo, "system_demo_url": _system_demo_url(demo) if demo else ""}
    if step == Step.REVIEW:
        figures, frozen = review.review_of(event, today=today)
        return {"review": figures, "frozen": frozen, "healthy_band": HEALTHY_BAND}
    if step in (Step.PROBLEMS, Step.CAUSES):
        problems = list(Problem.objects.filter(event=event).select_related("team", "added_by"))
        if step == Step.CAUSES:
            causes = list(Cause.objects.for_event(event))
            for problem in problems:
                mine = [cause for cause in causes if cause.problem_id == problem.pk]
                problem.bones = [(bone, label, [c for c in mine if c.bone == bone]) for bone, label in Bone.choices]
                problem.cause_count = len(mine)
        return {"problems": problems}
    if step in (Step.VOTE, Step.RESTATE):
        bars = services.pareto(event)
        left, mine = services.votes_left(event, user)
        for bar in bars:
            bar.mine = mine.get(bar.cause.pk, 0)
            bar.dots = "●" * bar.mine
        return {"bars": bars, "votes_left": left, "total_votes": sum(bar.votes for bar in bars), "chart": _chart(bars)}
    if step == Step.BRAINSTORM:
        return {"solutions": list(event.solutions.select_related("added_by"))}
    if step == Step.IMPROVEMENTS:
        items = ImprovementItem.objects.filter(event=event).with_related().with_state()
        return {"items": list(items)}
    return {}


@dataclass(frozen=True)
class Chart:
    """The Pareto chart's geometry: a bar per cause and the cumulative share as a line, in SVG units."""

    width: int
    height: int
    top: int
    baseline: int
    bars: list[dict]
    line: str

    @property
    def middle(self) -> int:
        return (self.top + self.baseline) // 2


def _chart(bars: list, *, height: int = 240, bar_width: int = 56, top: int = 24) -> Chart | None:
    """Bars in descending order of votes, scaled to the top one; the cumulative share on a 0–100% scale."""
    if not bars or not any(bar.votes for bar in bars):
        return None
    most = max(bar.votes for bar in bars)
    baseline = height - 24
    plot = baseline - top
    shapes, points = [], []
    for index, bar in enumerate(bars):
        x = 40 + index * bar_width
        bar_height = round(plot * bar.votes / most)
        shapes.append(
            {"x": x + 6, "y": baseline - bar_height, "height": bar_height, "width": bar_width - 12, "bar": bar,
             "label_x": x + bar_width // 2, "rank": index + 1}
        )  # fmt: skip
        points.append(f"{x + bar_width // 2},{baseline - round(plot * bar.cumulative / 100)}")
    width = 40 + len(bars) * bar_width + 44
    return Chart(width=width, height=height, top=top, baseline=baseline, bars=shapes, line=" ".join(points))


def _context(
    request: HttpRequest,
    art: ART,
    pi: ProgramIncrement,
    event: InspectAdapt | None,
    *,
    step: str,
    bound: dict[str, django_forms.Form] | None = None,
    error: str = "",
    notice: str = "",
) -> dict:
    user = request.user
    pis = _pis(art)
    can_facilitate = services.can(user, services.FACILITATE, art)
    can_contribute = services.can(user, services.CONTRIBUTE, art)
    context = {
        "art": art,
        "pi": pi,
        "pis": pis,
        "event": event,
        "nav_section": NAV_SECTION,
        "can_facilitate": can_facilitate,
        "can_contribute": can_contribute,
        "error": error,
        "notice": notice,
        "poll_seconds": POLL_SECONDS,
    }
    if event is None:
        if can_facilitate:
            context["open_form"] = (bound or {}).get("open") or forms.OpenForm(
                initial={"pi": pi.pk}, pis=ProgramIncrement.objects.filter(pk=pi.pk)
            )
        return context
    step = step if step in Step.values else event.step
    index = STEPS.index(Step(step))
    writable = not event.is_held
    context.update(
        {
            "step": step,
            "step_label": Step(step).label,
            "following": step == event.step,
            "steps": [{"value": s.value, "label": s.label, "live": s == event.step, "shown": s == step} for s in STEPS],
            "previous_step": STEPS[index - 1] if index else None,
            "next_step": STEPS[index + 1] if index + 1 < len(STEPS) else None,
            "live_url": reverse("ia_live", kwargs={"art_slug": art.slug, "pi_id": pi.pk}),
            "writable": writable,
            **_screen(request, art, event, step, pis),
        }
    )
    if writable:
        context["forms"] = _forms(art, event, step, bound or {}, can_facilitate, can_contribute, pis)
    return context


def _forms(art, event, step, bound, can_facilitate, can_contribute, pis) -> dict:
    """The forms the screen offers to this person; a refused one comes back ``bound`` with its errors."""
    made: dict[str, Any] = {}

    def offer(name: str, allowed: bool, build: Callable[[], Any]) -> None:
        if allowed:
            made[name] = bound.get(name) or build()

    offer("problem", can_contribute and step == Step.PROBLEMS, lambda: forms.ProblemForm(event=event))
    offer("cause", can_contribute and step == Step.CAUSES, lambda: forms.CauseForm(event=event))
    offer("why", can_contribute and step == Step.CAUSES, lambda: forms.WhyForm(event=event))
    offer(
        "allowance",
        can_facilitate and step == Step.VOTE,
        lambda: forms.AllowanceForm(
            initial={"votes_per_person": event.votes_per_person, "votes_per_cause": event.votes_per_cause}
        ),
    )
    offer(
        "restate",
        can_facilitate and step == Step.RESTATE,
        lambda: forms.RestateForm(
            event=event, initial={"cause": event.chosen_cause_id, "text": event.restated_problem}
        ),
    )
    offer("solution", can_contribute and step == Step.BRAINSTORM, lambda: forms.SolutionForm())
    offer(
        "notes",
        can_facilitate and step in (Step.DEMO, Step.RETRO),
        lambda: forms.NotesForm(initial={"demo_note": event.demo_note, "retrospective": event.retrospective}),
    )
    offer(
        "improvement",
        can_facilitate and step == Step.IMPROVEMENTS,
        lambda: forms.ImprovementForm(event=event, members=_members(art), pis=pis, today=art.today()),
    )
    return made


def _render(request: HttpRequest, context: dict, status: int = OK, *, fragment: bool = False) -> HttpResponse:
    template = f"{EVENT_TEMPLATE}#ia-live" if fragment else EVENT_TEMPLATE
    return render(request, template, context, status=status)


# --- pages ------------------------------------------------------------------------------------------


@member_view
@require_GET
def ia_home(request: HttpRequest) -> HttpResponse:
    """Every PI of the train with its I&A (held, not yet held, or not opened), newest first."""
    art: ART = request.art
    pis = _pis(art)
    events = {event.pi_id: event for event in InspectAdapt.objects.for_art(art)}
    rows = [{"pi": pi, "event": events.get(pi.pk)} for pi in reversed(pis)]
    context = {
        "art": art,
        "rows": rows,
        "nav_section": NAV_SECTION,
        "current": ProgramIncrement.objects.for_art(art).current(art.today()),
        "can_facilitate": services.can(request.user, services.FACILITATE, art),
    }
    return render(request, HOME_TEMPLATE, context)


@member_view
@require_GET
@vary_on_headers("HX-Request")
def ia_event(request: HttpRequest, pi_id: int) -> HttpResponse:
    """One I&A, screen by screen (``?step=``, else the screen the facilitator shows everyone)."""
    art: ART = request.art
    pi = pi_of(art, pi_id)
    event = _event_of(art, pi)
    step = request.GET.get("step", "")
    if step and step not in Step.values:
        raise Http404("No such step of the I&A.")
    context = _context(request, art, pi, event, step=step)
    return _render(request, context, fragment=bool(request.htmx and event is not None))


@member_view
@require_GET
def ia_live(request: HttpRequest, pi_id: int) -> HttpResponse:
    """Has the I&A changed since ``?since=``? 204 if not; the fresh fragment of ``?step=`` if so; a reload
    (``HX-Refresh``) when the page follows the facilitator (``follow=1``) and they moved to another screen."""
    art: ART = request.art
    pi = pi_of(art, pi_id)
    event = get_object_or_404(InspectAdapt.objects.filter(pi=pi).select_related("art", "pi"))
    try:
        since = parse_since(request.GET.get("since", ""))
    except BadNumber as bad:
        return HttpResponseBadRequest(str(bad), content_type="text/plain; charset=utf-8")
    shown = request.GET.get("step", "")
    if shown not in Step.values:
        shown = event.step
    if request.GET.get("follow") == "1" and shown != event.step:
        response = HttpResponse(status=OK)
        response["HX-Refresh"] = "true"
        return response
    if event.version == since:
        return HttpResponse(status=204)
    event = _event_of(art, pi)
    return _render(request, _context(request, art, pi, event, step=shown), fragment=True)


# --- writes -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    """One write of the event page: who may, the form it reads, the service it calls, what it says."""

    capability: str
    form: Callable[..., django_forms.Form] | None
    call: Callable[[HttpRequest, InspectAdapt, dict], Any]
    notice: Callable[[Any], str]
    step: str = ""  # the screen to go back to; empty: the screen the post came from


def _allowance(request, event, data):
    return services.set_vote_allowance(event, by=request.user, **data)


def _allowance_notice(change) -> str:
    text = f"Each person has {change.event.votes_per_person} votes, at most {change.event.votes_per_cause} per cause."
    if change.removed == 1:
        text += " 1 vote beyond it was taken back, the newest first."
    elif change.removed:
        text += f" {change.removed} votes beyond it were taken back, the newest first."
    return text


WRITES: dict[str, Write] = {
    "step": Write(
        services.FACILITATE, lambda *a, **k: forms.StepForm(*a),
        lambda r, e, d: services.move_to_step(e, step=d["step"], by=r.user),
        lambda event: f"Everyone now sees “{Step(event.step).label}”.",
    ),
    "notes": Write(
        services.FACILITATE, lambda *a, **k: forms.NotesForm(*a),
        lambda r, e, d: services.update_event(e, by=r.user, **d), lambda event: "Saved.",
    ),
    "allowance": Write(
        services.FACILITATE, lambda *a, **k: forms.AllowanceForm(*a), _allowance, _allowance_notice,
    ),
    "freeze": Write(
        services.FACILITATE, None, lambda r, e, d: services.freeze_review(e, by=r.user),
        lambda event: "The review is frozen: it stays as it is now, whatever the metrics say later.",
    ),
    "close": Write(
        services.FACILITATE, None, lambda r, e, d: services.close_ia(e, by=r.user),
        lambda event: "The Inspect & Adapt is held. Its improvement items are followed in the next PI.",
    ),
    "problem": Write(
        services.CONTRIBUTE, forms.ProblemForm,
        lambda r, e, d: services.add_problem(e, by=r.user, **d), lambda problem: "Problem added.",
    ),
    "cause": Write(
        services.CONTRIBUTE, forms.CauseForm,
        lambda r, e, d: services.add_cause(d["problem"], by=r.user, bone=d["bone"], text=d["text"]),
        lambda cause: f"Cause added on the {cause.get_bone_display()} bone.",
    ),
    "why": Write(
        services.CONTRIBUTE, forms.WhyForm,
        lambda r, e, d: services.add_why(d["cause"], by=r.user, text=d["text"]),
        lambda cause: f"Why {len(cause.whys)} added.",
    ),
    "vote": Write(
        services.CONTRIBUTE, forms.CauseChoiceForm, lambda r, e, d: services.cast_vote(d["cause"], by=r.user),
        lambda vote: "Your vote is in.",
    ),
    "withdraw": Write(
        services.CONTRIBUTE, forms.CauseChoiceForm, lambda r, e, d: services.withdraw_vote(d["cause"], by=r.user),
        lambda _: "Your vote is taken back.",
    ),
    "restate": Write(
        services.FACILITATE, forms.RestateForm,
        lambda r, e, d: services.restate_problem(e, cause=d["cause"], text=d["text"], by=r.user),
        lambda event: "The problem is restated.",
    ),
    "solution": Write(
        services.CONTRIBUTE, lambda *a, **k: forms.SolutionForm(*a),
        lambda r, e, d: services.add_solution(e, text=d["text"], by=r.user), lambda solution: "Solution added.",
    ),
    "improvement": Write(
        services.FACILITATE,
        lambda *a, event, **k: forms.ImprovementForm(
            *a, event=event, members=_members(event.art), pis=_pis(event.art), today=event.art.today()
        ),
        lambda r, e, d: services.add_improvement(e, by=r.user, **d),
        lambda item: f"“{item.title}” is {item.feature.key} in the backlog of {item.target_pi.name}.",
    ),
    "drop": Write(
        services.FACILITATE, forms.DropForm,
        lambda r, e, d: services.drop_improvement(d["item"], reason=d["drop_reason"], by=r.user),
        lambda item: f"“{item.title}” is dropped.", Step.IMPROVEMENTS,
    ),
}  # fmt: skip

# Writes whose form is shown on the screen under this name when it is refused.
SHOWN_AS = {"why": "why", "cause": "cause", "problem": "problem", "allowance": "allowance", "restate": "restate"}


@member_view
@require_POST
def ia_open(request: HttpRequest) -> HttpResponse:
    """The RTE opens the I&A of a PI."""
    art: ART = request.art
    services.require(request.user, services.FACILITATE, art)
    form = forms.OpenForm(request.POST, pis=ProgramIncrement.objects.for_art(art))
    outcome = attempt_write(form, lambda: services.open_ia(form.cleaned_data["pi"], by=request.user, **_held(form)))
    if outcome.done:
        messages.success(request, f"The Inspect & Adapt of {outcome.result.pi.name} is open.")
        return redirect(event_url(art, outcome.result.pi))
    pi = form.cleaned_data.get("pi") if hasattr(form, "cleaned_data") else None
    if pi is None:
        return HttpResponse(outcome.error, status=UNPROCESSABLE, content_type="text/plain; charset=utf-8")
    context = _context(request, art, pi, _event_of(art, pi), step="", bound={"open": form}, error=outcome.error)
    return _render(request, context, outcome.status)


def _held(form: forms.OpenForm) -> dict:
    return {"held_on": form.cleaned_data["held_on"]} if form.cleaned_data.get("held_on") else {}


@member_view
@require_POST
def ia_write(request: HttpRequest, pi_id: int, action: str) -> HttpResponse:
    """One write of the event page (``WRITES[action]``): the capability, the form, the service, the answer."""
    art: ART = request.art
    write = WRITES.get(action)
    if write is None:
        raise Http404("No such action.")
    pi = pi_of(art, pi_id)
    event = get_object_or_404(InspectAdapt.objects.filter(pi=pi).select_related("art", "pi"))
    # The capability before the input: a role that may not learns nothing from validation.
    services.require(request.user, write.capability, art)
    form = write.form(request.POST, event=event) if write.form else None
    outcome = attempt_write(form, lambda: write.call(request, event, form.cleaned_data if form else {}))
    back = write.step or request.POST.get("return_step", "")
    back = back if back in Step.values else ""
    if outcome.done:
        text = write.notice(outcome.result)
        if request.htmx:
            context = _context(request, art, pi, _event_of(art, pi), step=back, notice=text)
            return _render(request, context, fragment=True)
        messages.success(request, text)
        return redirect(event_url(art, pi, back if back and back != _event_of(art, pi).step else ""))
    bound = {SHOWN_AS[action]: form} if action in SHOWN_AS and form is not None else {}
    context = _context(request, art, pi, _event_of(art, pi), step=back, bound=bound, error=outcome.error)
    return _render(request, context, outcome.status, fragment=bool(request.htmx))


# --- the follow-through --------------------------------------------------------------------------------


@member_view
@require_GET
def ia_follow_through(request: HttpRequest) -> HttpResponse:
    """Every improvement item of the train across PIs, and the follow-through rate of each PI."""
    art: ART = request.art
    result = follow_through.follow_through(art, today=art.today())
    context = {"art": art, "nav_section": NAV_SECTION, "items": result.items, "rates": result.rates}
    return render(request, FOLLOW_TEMPLATE, context)


CSV_COLUMNS = (
    "id", "pi_of_origin", "title", "owner", "target_pi", "feature", "state", "measure_of_done",
    "planned_into_next_pi", "demoed", "age_days", "drop_reason", "created_on",
)  # fmt: skip


@member_view
@require_GET
def ia_improvements_csv(request: HttpRequest) -> HttpResponse:
    """The improvement items of every I&A of the train, one per row: one query whatever their number."""
    art: ART = request.art
    result = follow_through.follow_through(art, today=art.today())
    rows = (
        [
            item.pk,
            csv_safe(item.event.pi.name),
            csv_safe(item.title),
            csv_safe(item.owner.display_name),
            csv_safe(item.target_pi.name),
            item.feature.key,
            item.state,
            csv_safe(item.measure_of_done),
            "yes" if item.planned_next else "no",
            "yes" if item.demoed else "no",
            item.age,
            csv_safe(item.drop_reason),
            csv_day(item.created_at.astimezone(art.tz).date()),
        ]
        for item in result.items
    )
    return csv_response(f"{art.slug}-improvement-items.csv", CSV_COLUMNS, rows)
