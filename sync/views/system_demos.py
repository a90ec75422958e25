"""System Demos: the list (and holding a new one), a demo's page and everything recorded on it.

A demo's page shows, per team, what was shown of which feature and PI objective and whether it
ran in the integrated system (anything less is flagged and counted: "refuse theater"), who
attended, the outcome per feature, the stakeholders' feedback (each turned into a backlog item or
closed with the reason no action is taken) and, at the top, the previous demo's feedback still
open. Business Owners record the objectives' actual business value here through the same service
as the objectives page (``planning.services.set_business_value``).
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from artops.models import ART, Iteration
from artops.pages import OK, answer, attempt, partial
from artops.permissions import art_capability_required, has_capability, require, teams_where
from planning import services as planning_services
from planning.models import Feature, PIObjective
from sync import services
from sync.forms.system_demos import (
    ActualValueForm,
    AttendanceForm,
    CloseFeedbackForm,
    DemoCreateForm,
    DemoItemForm,
    FeedbackForm,
    OutcomeForm,
    ToBacklogForm,
)
from sync.models import DemoFeedback, DemoItem, DemoOutcome, SystemDemo
from sync.views.common import active_teams, members, one_of

NAV_SECTION = "sync"
LIST_TEMPLATE = "sync/demos.html"
TEMPLATE = "sync/demo.html"
BODY = "demo-body"


def demo_url(demo: SystemDemo) -> str:
    return reverse("sync_demo", kwargs={"art_slug": demo.art.slug, "demo_id": demo.pk})


def _demo_of(art: ART, demo_id) -> SystemDemo:
    return one_of(SystemDemo.objects.for_art(art).with_related(), demo_id, "That System Demo")


def _fresh(demo: SystemDemo) -> SystemDemo:
    return SystemDemo.objects.with_related().get(pk=demo.pk)


# --- the list ---------------------------------------------------------------------------------------


def _open_iterations(art: ART) -> list[Iteration]:
    """Development iterations of the train that have no System Demo yet, latest PI first."""
    return list(
        Iteration.objects.filter(pi__art=art, is_ip=False, system_demo__isnull=True)
        .select_related("pi")
        .order_by("-pi__start_date", "number")
    )


def _list_context(request: HttpRequest, art: ART, form: DemoCreateForm | None = None, **extra) -> dict:
    demos = list(SystemDemo.objects.for_art(art).with_related().with_counts().order_by("-held_on", "-id"))
    can_facilitate = has_capability(request.user, "sync.facilitate", art=art)
    if form is None and can_facilitate:
        form = DemoCreateForm(iterations=_open_iterations(art))
    return {"art": art, "demos": demos, "can_facilitate": can_facilitate, "form": form, "error": "", **extra}


@art_capability_required("art.view")
@require_http_methods(["GET", "POST"])
def demo_list(request: HttpRequest) -> HttpResponse:
    """The train's System Demos, latest first, with what ran integrated; the RTE holds a new one (POST)."""
    art: ART = request.art
    if request.method == "GET":
        return render(request, LIST_TEMPLATE, _list_context(request, art))
    require(request.user, "sync.facilitate", art=art)
    form = DemoCreateForm(request.POST, iterations=_open_iterations(art))
    outcome = attempt(
        form,
        lambda: services.create_system_demo(art, by=request.user, **form.cleaned_data),
        refusal="The System Demo was not created",
    )
    if outcome.done:
        messages.success(request, f"{outcome.result} created.")
        return redirect(demo_url(outcome.result))
    context = _list_context(request, art, form, error=outcome.error)
    return render(request, LIST_TEMPLATE, context, status=outcome.status)


# --- a demo's page ----------------------------------------------------------------------------------


def _demo_context(request: HttpRequest, demo: SystemDemo, *, forms: dict | None = None, **extra) -> dict:
    art, pi, user = demo.art, demo.pi, request.user
    forms = forms or {}
    items = list(
        DemoItem.objects.filter(demo=demo).with_related().select_related("added_by").order_by("team__name", "id")
    )
    outcomes = {
        outcome.feature_id: outcome for outcome in DemoOutcome.objects.filter(demo=demo).select_related("decided_by")
    }
    feedback = list(DemoFeedback.objects.filter(demo=demo).with_related().select_related("item__team", "item__feature"))
    previous_open = list(DemoFeedback.objects.from_previous_demo(demo).open().with_related())
    attendees = list(demo.attendees.order_by("display_name", "email"))

    can_facilitate = has_capability(user, "sync.facilitate", art=art)
    can_decide = has_capability(user, "planning.edit_backlog", art=art)
    can_propose = has_capability(user, "planning.propose_feature", art=art)
    can_give = has_capability(user, "sync.give_feedback", art=art)
    can_set_value = has_capability(user, "planning.set_business_value", art=art)
    team_ids = teams_where(user, "sync.post_status", art=art)
    teams = active_teams(art)
    my_teams = teams if team_ids is None else [team for team in teams if team.pk in team_ids]

    by_team: dict[int, dict] = {}
    features_shown: dict[int, Feature] = {}
    for item in items:
        by_team.setdefault(item.team_id, {"team": item.team, "items": []})["items"].append(item)
        features_shown.setdefault(item.feature_id, item.feature)
    feature_rows = [
        {"feature": feature, "outcome": outcomes.get(feature.pk)}
        for feature in sorted(features_shown.values(), key=lambda f: f.key)
    ]
    for entry in (*feedback, *previous_open):
        entry.can_backlog = entry.state == DemoFeedback.State.OPEN and can_propose
        entry.can_close = entry.state == DemoFeedback.State.OPEN and can_decide

    objectives = list(
        PIObjective.objects.for_pi(pi)
        .filter(team__art=art)
        .select_related("team")
        .order_by("team__name", "-committed", "id")
    )
    objectives_by_team: dict[int, list[PIObjective]] = defaultdict(list)
    for objective in objectives:
        objectives_by_team[objective.team_id].append(objective)
        if can_set_value:
            objective.value_form = forms.get(f"value-{objective.pk}") or ActualValueForm(
                initial={"actual_business_value": objective.actual_business_value, "version": objective.version},
                auto_id=f"objective-{objective.pk}-%s",
            )

    not_integrated = [item for item in items if item.integrated in DemoItem.NOT_INTEGRATED]
    context = {
        "art": art,
        "demo": demo,
        "pi": pi,
        "teams_shown": list(by_team.values()),
        "items": items,
        "not_integrated": not_integrated,
        "integrated_count": len(items) - len(not_integrated),
        "nothing_integrated": bool(items) and len(not_integrated) == len(items),
        "feature_rows": feature_rows,
        "feedback": feedback,
        "previous_open": previous_open,
        "attendees": attendees,
        "objective_groups": [
            {"team": team, "objectives": objectives_by_team[team.pk]} for team in teams if objectives_by_team[team.pk]
        ],
        "can_facilitate": can_facilitate,
        "can_decide": can_decide,
        "can_give": can_give,
        "can_set_value": can_set_value,
        "error": "",
        "notice": "",
        "error_at": "",
        **extra,
    }
    if my_teams:
        features = list(Feature.objects.for_art(art).filter(pi=pi).order_by("key"))
        context["item_form"] = forms.get("item") or DemoItemForm(
            teams=my_teams, features=features, objectives=[o for o in objectives if o.team in my_teams]
        )
    if can_give:
        context["feedback_form"] = forms.get("feedback") or FeedbackForm(items=items)
    if can_facilitate:
        context["attendance_form"] = forms.get("attendance") or AttendanceForm(
            initial={"attendees": [person.pk for person in attendees], "version": demo.version}, members=members(art)
        )
    if can_decide and feature_rows:
        context["outcome_form"] = forms.get("outcome") or OutcomeForm(features=list(features_shown.values()))
    return context


def render_demo(request: HttpRequest, demo: SystemDemo, status: int = OK, **extra) -> HttpResponse:
    template = partial(request, TEMPLATE, BODY)
    return render(request, template, _demo_context(request, demo, **extra), status=status)


@art_capability_required("art.view")
@require_http_methods(["GET"])
@vary_on_headers("HX-Request")
def demo_page(request: HttpRequest, demo_id: int) -> HttpResponse:
    return render_demo(request, _demo_of(request.art, demo_id))


def _value(value: int | None) -> str:
    return "—" if value is None else str(value)


def _answer(request, demo, outcome, *, notice="", forms=None, error_at=""):
    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        kept = forms if status != OK else None
        return render_demo(request, _fresh(demo), status, forms=kept, error=error, notice=notice, error_at=error_at)

    return answer(request, outcome, show=show, redirect_to=demo_url(demo), notice=notice)


# --- what is recorded on it --------------------------------------------------------------------------


@art_capability_required("art.view")
@require_POST
def demo_item_add(request: HttpRequest, demo_id: int) -> HttpResponse:
    """What a team showed: the team's Scrum Master or PO (or the RTE) records it."""
    art: ART = request.art
    demo = _demo_of(art, demo_id)
    team_ids = teams_where(request.user, "sync.post_status", art=art)
    teams = active_teams(art)
    my_teams = teams if team_ids is None else [team for team in teams if team.pk in team_ids]
    if not my_teams:
        raise PermissionDenied(
            "Only the team's Scrum Master and Product Owner (or the RTE) record what the team showed."
        )
    objectives = list(PIObjective.objects.for_pi(demo.pi).filter(team__in=my_teams))
    features = list(Feature.objects.for_art(art).filter(pi=demo.pi))
    form = DemoItemForm(request.POST, teams=my_teams, features=features, objectives=objectives)
    outcome = attempt(
        form,
        lambda: services.add_demo_item(demo, by=request.user, **form.cleaned_data),
        refusal="The demo item was not recorded",
    )
    return _answer(
        request,
        demo,
        outcome,
        notice=lambda item: f"{item.team.name} showed {item.feature.key}: {item.get_integrated_display().lower()}.",
        forms={"item": form},
        error_at="item-form",
    )


@art_capability_required("sync.facilitate")
@require_POST
def demo_attendance(request: HttpRequest, demo_id: int) -> HttpResponse:
    demo = _demo_of(request.art, demo_id)
    form = AttendanceForm(request.POST, members=members(demo.art))

    def record() -> SystemDemo:
        data = form.cleaned_data
        return services.record_attendance(
            demo, attendees=data["attendees"], by=request.user, expected_version=data["version"]
        )

    outcome = attempt(form, record, refusal="The attendance was not recorded")
    return _answer(
        request, demo, outcome, notice="Attendance recorded.", forms={"attendance": form}, error_at="attendance"
    )


@art_capability_required("sync.give_feedback")
@require_POST
def feedback_add(request: HttpRequest, demo_id: int) -> HttpResponse:
    """Every member gives feedback, on the demo as a whole or on one item shown."""
    demo = _demo_of(request.art, demo_id)
    items = list(DemoItem.objects.filter(demo=demo).select_related("team", "feature"))
    form = FeedbackForm(request.POST, items=items)
    outcome = attempt(
        form,
        lambda: services.add_feedback(demo, by=request.user, **form.cleaned_data),
        refusal="The feedback was not added",
    )
    return _answer(request, demo, outcome, notice="Feedback added.", forms={"feedback": form}, error_at="feedback-form")


def _feedback_of(art: ART, demo: SystemDemo, feedback_id) -> DemoFeedback:
    return one_of(
        DemoFeedback.objects.for_art(art).select_related("demo__art", "demo__iteration"), feedback_id, "That feedback"
    )


@art_capability_required("planning.propose_feature")
@require_POST
def feedback_to_backlog(request: HttpRequest, demo_id: int, feedback_id: int) -> HttpResponse:
    """Turn feedback into a feature in the funnel of the ART backlog (Business Owners, PM, architects, RTE)."""
    demo = _demo_of(request.art, demo_id)
    feedback = _feedback_of(request.art, demo, feedback_id)
    form = ToBacklogForm(request.POST)

    def turn() -> DemoFeedback:
        data = form.cleaned_data
        return services.turn_feedback_into_backlog_item(
            feedback,
            by=request.user,
            expected_version=data["version"],
            title=data["title"],
            type=data["type"] or Feature.Type.BUSINESS,
        )

    outcome = attempt(form, turn, refusal="The feedback did not become a backlog item")
    return _answer(
        request,
        demo,
        outcome,
        notice=lambda turned: (
            f"{turned.backlog_feature.key} “{turned.backlog_feature.title}” is in the backlog's funnel."
        ),
        error_at=f"feedback-{feedback.pk}",
    )


@art_capability_required("planning.edit_backlog")
@require_POST
def feedback_close(request: HttpRequest, demo_id: int, feedback_id: int) -> HttpResponse:
    demo = _demo_of(request.art, demo_id)
    feedback = _feedback_of(request.art, demo, feedback_id)
    form = CloseFeedbackForm(request.POST)

    def close() -> DemoFeedback:
        data = form.cleaned_data
        return services.close_feedback(
            feedback, reason=data["reason"], by=request.user, expected_version=data["version"]
        )

    outcome = attempt(form, close, refusal="The feedback was not closed")
    return _answer(request, demo, outcome, notice="Feedback closed: no action.", error_at=f"feedback-{feedback.pk}")


@art_capability_required("planning.edit_backlog")
@require_POST
def demo_outcome(request: HttpRequest, demo_id: int) -> HttpResponse:
    """Accept a feature shown, or send it back as needing work."""
    demo = _demo_of(request.art, demo_id)
    shown = list(Feature.objects.filter(demo_items__demo=demo).distinct())
    form = OutcomeForm(request.POST, features=shown)
    outcome = attempt(
        form,
        lambda: services.set_demo_outcome(
            demo,
            feature=form.cleaned_data["feature"],
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            by=request.user,
            expected_version=form.cleaned_data["version"],
        ),
        refusal="The outcome was not recorded",
    )
    return _answer(
        request,
        demo,
        outcome,
        notice=lambda decided: f"{decided.feature.key}: {decided.get_outcome_display().lower()}.",
        forms={"outcome": form},
        error_at="outcomes",
    )


@art_capability_required("planning.set_business_value")
@require_POST
def demo_business_value(request: HttpRequest, demo_id: int, objective_id: int) -> HttpResponse:
    """A Business Owner records an objective's actual business value: ``planning.services.set_business_value``."""
    art: ART = request.art
    demo = _demo_of(art, demo_id)
    objective = one_of(
        PIObjective.objects.filter(pi=demo.pi, team__art=art).select_related("team__art", "pi"),
        objective_id,
        "That objective",
    )
    form = ActualValueForm(request.POST, auto_id=f"objective-{objective.pk}-%s")

    def save() -> PIObjective:
        data = form.cleaned_data
        return planning_services.set_business_value(
            objective, by=request.user, expected_version=data["version"], actual=data["actual_business_value"]
        )

    outcome = attempt(form, save, refusal="The business value was not recorded")
    return _answer(
        request,
        demo,
        outcome,
        notice=lambda saved: f"{saved.team.name}: actual business value {_value(saved.actual_business_value)}.",
        forms={f"value-{objective.pk}": form},
        error_at=f"objective-{objective.pk}",
    )
