"""The coaching pages of a train: coaching (observations and growth goals), one growth goal with
its history, the community of practice sessions, and the playbooks with their versions.

Every member opens these pages; what each shows of observations and growth goals is what
``visible_to(user)`` gives (the coach's own and the person coached's, nobody else's), so
another person's goal answers 404 like another train's. Writes are plain form posts that
work without JavaScript (they redirect with a message); with htmx they answer the changed
fragment. Answers: invalid input 422 with the message, a stale version 409, a role without
the capability 403 (checked before the input is read).
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from artops.coaching import services
from artops.coaching.forms import (
    CarryOverForm,
    CheckInForm,
    CompareForm,
    CoPForm,
    EditorsForm,
    GoalForm,
    ObservationForm,
    PlaybookForm,
)
from artops.coaching.models import CoPSession, GrowthGoal, Observation, Playbook, PlaybookVersion
from artops.coaching.text import OUTLINE, side_by_side
from artops.coaching.text import render as render_markdown
from artops.models import ART, ProgramIncrement, Team, User
from artops.pages import OK, answer, attempt, csv_day, csv_response, csv_safe, partial
from artops.permissions import art_capability_required, has_capability, require

NAV_SECTION = "coaching"

COACHING_TEMPLATE = "artops/coaching/coaching.html"
GOAL_TEMPLATE = "artops/coaching/goal.html"
COP_TEMPLATE = "artops/coaching/cop.html"
SESSION_TEMPLATE = "artops/coaching/cop_session.html"
PLAYBOOKS_TEMPLATE = "artops/coaching/playbooks.html"
PLAYBOOK_TEMPLATE = "artops/coaching/playbook.html"
PLAYBOOK_EDIT_TEMPLATE = "artops/coaching/playbook_edit.html"
VERSION_TEMPLATE = "artops/coaching/playbook_version.html"
COMPARE_TEMPLATE = "artops/coaching/playbook_compare.html"


def url(name: str, art: ART, **kwargs) -> str:
    return reverse(name, kwargs={"art_slug": art.slug, **kwargs})


def _members(art: ART):
    return User.objects.on_train(art)


# --- coaching: observations and growth goals ----------------------------------------------------


def _pis(art: ART) -> list[ProgramIncrement]:
    return list(ProgramIncrement.objects.for_art(art).chronological())


def _coaching_context(
    request: HttpRequest,
    art: ART,
    *,
    observation_form: ObservationForm | None = None,
    goal_form: GoalForm | None = None,
    carry_form: CarryOverForm | None = None,
    error: str = "",
    notice: str = "",
) -> dict:
    """What the coaching page shows: a constant number of queries whatever the number of records."""
    user = request.user
    today = art.today()
    can_coach = has_capability(user, "coaching.coach", art=art)
    goals = list(
        GrowthGoal.objects.for_art(art)
        .visible_to(user)
        .select_related("pi", "coach", "coachee", "carried_to")
        .order_by("-pi__start_date", "done", "next_check_in", "pk")
    )
    observations = list(Observation.objects.for_art(art).visible_to(user).select_related("team", "coach", "coachee"))
    context = {
        "art": art,
        "today": today,
        "goals": goals,
        "observations": observations,
        "can_coach": can_coach,
        "error": error,
        "notice": notice,
    }
    if can_coach:
        pis = ProgramIncrement.objects.for_art(art).chronological()
        current = ProgramIncrement.objects.for_art(art).current(today)
        coachees = services.coachable(art).order_by("display_name", "email")
        context.update(
            observation_form=observation_form
            or ObservationForm(
                coachees=coachees, teams=Team.objects.for_art(art).active(), initial={"observed_on": today}
            ),
            goal_form=goal_form
            or GoalForm(coachees=coachees, pis=pis, initial={"pi": getattr(current, "pk", None)}, auto_id="goal-%s"),
            carry_form=carry_form or CarryOverForm(pis=pis, auto_id="carry-%s"),
        )
    return context


def _show_coaching(request: HttpRequest, art: ART, **forms):
    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        context = _coaching_context(request, art, error=error, notice=notice, **forms)
        return render(request, partial(request, COACHING_TEMPLATE, "coaching-body"), context, status=status)

    return show


@art_capability_required("art.view")
@require_safe
@vary_on_headers("HX-Request")
def coaching(request: HttpRequest) -> HttpResponse:
    """Your coaching: the observations and growth goals you wrote or that are about you."""
    art: ART = request.art
    return render(request, partial(request, COACHING_TEMPLATE, "coaching-body"), _coaching_context(request, art))


@art_capability_required("coaching.coach")
@require_POST
def observation_add(request: HttpRequest) -> HttpResponse:
    art: ART = request.art
    form = ObservationForm(request.POST, coachees=services.coachable(art), teams=Team.objects.for_art(art))
    outcome = attempt(
        form,
        lambda: services.record_observation(art, by=request.user, **form.cleaned_data),
        refusal="The observation was not recorded",
    )
    show = _show_coaching(request, art, observation_form=None if outcome.done else form)
    notice = "Observation recorded. Only you and the person coached see it."
    return answer(request, outcome, show=show, redirect_to=url("coaching", art), notice=notice)


@art_capability_required("coaching.coach")
@require_POST
def goal_add(request: HttpRequest) -> HttpResponse:
    art: ART = request.art
    pis = ProgramIncrement.objects.for_art(art).select_related("art")
    form = GoalForm(request.POST, coachees=services.coachable(art), pis=pis, auto_id="goal-%s")

    def add() -> GrowthGoal:
        data = dict(form.cleaned_data)
        return services.set_growth_goal(data.pop("pi"), by=request.user, **data)

    outcome = attempt(form, add, refusal="The growth goal was not set")
    show = _show_coaching(request, art, goal_form=None if outcome.done else form)
    return answer(request, outcome, show=show, redirect_to=url("coaching", art), notice="Growth goal set.")


@art_capability_required("coaching.coach")
@require_POST
def goals_carry_over(request: HttpRequest) -> HttpResponse:
    art: ART = request.art
    form = CarryOverForm(
        request.POST, pis=ProgramIncrement.objects.for_art(art).select_related("art"), auto_id="carry-%s"
    )
    outcome = attempt(
        form,
        lambda: services.carry_over_goals(form.cleaned_data["from_pi"], form.cleaned_data["to_pi"], by=request.user),
        refusal="No goal was carried over",
    )
    show = _show_coaching(request, art, carry_form=form)

    def carried(goals: list[GrowthGoal]) -> str:
        if not goals:
            return "Nothing to carry over: every goal of that PI is done or already carried."
        plural = "s" if len(goals) != 1 else ""
        into = form.cleaned_data["to_pi"].name
        return f"{len(goals)} unfinished goal{plural} carried into {into}, with their history."

    return answer(request, outcome, show=show, redirect_to=url("coaching", art), notice=carried)


@art_capability_required("art.view")
@require_safe
def coaching_export(request: HttpRequest) -> HttpResponse:
    """Your observations and growth goals as CSV: only what you may see (``visible_to``)."""
    art: ART = request.art
    user = request.user
    rows = []
    for item in Observation.objects.for_art(art).visible_to(user).select_related("team", "coach", "coachee"):
        rows.append(
            [
                "observation",
                csv_day(item.observed_on),
                str(item.coach),
                str(item.coachee),
                item.team.name,
                item.get_event_display(),
                csv_safe(item.went_well),
                csv_safe(item.suggestion),
                "",
                "",
            ]
        )
    goals = GrowthGoal.objects.for_art(art).visible_to(user).select_related("pi", "coach", "coachee")
    for goal in goals:
        rows.append(
            [
                "growth goal",
                csv_day(goal.next_check_in),
                str(goal.coach),
                str(goal.coachee),
                goal.pi.name,
                goal.get_competency_display(),
                csv_safe(goal.goal),
                csv_safe(goal.measure_of_done),
                "done" if goal.done else "open",
                "",
            ]
        )
    header = [
        "kind",
        "date",
        "coach",
        "person coached",
        "team or PI",
        "event or competency",
        "went well or goal",
        "suggestion or measure of done",
        "state",
        "",
    ]
    return csv_response(f"{art.slug}-coaching.csv", header[:-1], [row[:-1] for row in rows])


# --- one growth goal ------------------------------------------------------------------------------


def _goal_of(request: HttpRequest, art: ART, goal_id: int) -> GrowthGoal:
    """A goal of this train that the user may see (404 otherwise: not yours reads as not there)."""
    goals = GrowthGoal.objects.for_art(art).visible_to(request.user)
    return get_object_or_404(
        goals.select_related("art", "pi", "coach", "coachee", "carried_from__pi", "carried_to__pi"), pk=goal_id
    )


def _goal_context(request: HttpRequest, art: ART, goal: GrowthGoal, *, form=None, error="", notice="") -> dict:
    today = art.today()
    is_coach = goal.coach_id == request.user.pk
    if form is None and not goal.carried_over:
        form = CheckInForm(initial={"version": goal.version, "next_check_in": goal.next_check_in})
    return {
        "art": art,
        "goal": goal,
        "notes": list(goal.notes.select_related("author")),
        "is_coach": is_coach,
        "due": goal.due(today) and not goal.carried_over,
        "form": form,
        "error": error,
        "notice": notice,
    }


@art_capability_required("art.view")
@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
def goal_detail(request: HttpRequest, goal_id: int) -> HttpResponse:
    """One growth goal with its history; the coach and the person coached check in here."""
    art: ART = request.art
    goal = _goal_of(request, art, goal_id)
    if request.method != "POST":
        return render(request, partial(request, GOAL_TEMPLATE, "goal-body"), _goal_context(request, art, goal))
    form = CheckInForm(request.POST)

    def save() -> GrowthGoal:
        data = form.cleaned_data
        return services.check_in(
            goal,
            by=request.user,
            expected_version=data["version"],
            note=data["note"],
            next_check_in=data["next_check_in"],
            done=data["done"],
        )

    outcome = attempt(form, save, refusal="The check-in was not saved")

    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        fresh = _goal_of(request, art, goal_id)
        context = _goal_context(request, art, fresh, form=None if status != 422 else form, error=error, notice=notice)
        return render(request, partial(request, GOAL_TEMPLATE, "goal-body"), context, status=status)

    redirect_to = url("coaching_goal", art, goal_id=goal.pk)
    return answer(request, outcome, show=show, redirect_to=redirect_to, notice="Check-in saved.")


# --- community of practice -----------------------------------------------------------------------


def _cop_context(request: HttpRequest, art: ART, *, form: CoPForm | None = None, error="", notice="") -> dict:
    can_run = has_capability(request.user, "coaching.run_cop", art=art)
    sessions = list(
        CoPSession.objects.for_art(art)
        .visible_to(request.user)
        .with_related()
        .prefetch_related(Prefetch("attendees", queryset=User.objects.order_by("display_name")))
    )
    if can_run and form is None:
        form = CoPForm(members=_members(art), tz=art.tz, initial={"day": art.today()}, auto_id="cop-%s")
    today = art.today()
    return {
        "art": art,
        "upcoming": [s for s in sessions if s.ends_at.astimezone(art.tz).date() >= today][::-1],
        "past": [s for s in sessions if s.ends_at.astimezone(art.tz).date() < today],
        "can_run": can_run,
        "form": form,
        "error": error,
        "notice": notice,
    }


@art_capability_required("art.view")
@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
def cop_sessions(request: HttpRequest) -> HttpResponse:
    """The community of practice sessions, coming and past; the RTE and Scrum Masters schedule one."""
    art: ART = request.art
    if request.method != "POST":
        return render(request, partial(request, COP_TEMPLATE, "cop-body"), _cop_context(request, art))
    require(request.user, "coaching.run_cop", art=art)
    form = CoPForm(request.POST, members=_members(art), tz=art.tz, auto_id="cop-%s")
    outcome = attempt(
        form,
        lambda: services.schedule_cop_session(art, by=request.user, **form.changes()),
        refusal="The session was not scheduled",
    )

    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        context = _cop_context(request, art, form=None if outcome.done else form, error=error, notice=notice)
        return render(request, partial(request, COP_TEMPLATE, "cop-body"), context, status=status)

    redirect_to = url("coaching_cop_session", art, session_id=outcome.result.pk) if outcome.done else ""
    return answer(
        request,
        outcome,
        show=show,
        redirect_to=redirect_to,
        notice=lambda s: f"“{s.topic}” scheduled: it is on the ART calendar.",
    )


@art_capability_required("art.view")
@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
def cop_session(request: HttpRequest, session_id: int) -> HttpResponse:
    """One session: topic, when, where, notes and who came; the RTE and Scrum Masters change it."""
    art: ART = request.art
    sessions = CoPSession.objects.for_art(art).with_related()
    session = get_object_or_404(sessions.prefetch_related("attendees"), pk=session_id)
    can_run = has_capability(request.user, "coaching.run_cop", art=art)
    form = None
    if request.method == "POST":
        require(request.user, "coaching.run_cop", art=art)
        form = CoPForm(request.POST, members=_members(art), tz=art.tz, auto_id="cop-%s")

        def save() -> CoPSession:
            version = form.cleaned_data.get("version")
            if version is None:
                from django.core.exceptions import ValidationError

                raise ValidationError("The version you edited is missing or damaged: reload the page.")
            return services.update_cop_session(session, by=request.user, expected_version=version, **form.changes())

        outcome = attempt(form, save, refusal=f"“{session.topic}” was not saved")
    else:
        outcome = None

    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        fresh = get_object_or_404(sessions.prefetch_related("attendees"), pk=session_id)
        shown_form = form if status == 422 else None
        if can_run and shown_form is None:
            shown_form = CoPForm(members=_members(art), tz=art.tz, initial=CoPForm.initial_of(fresh), auto_id="cop-%s")
        context = {
            "art": art,
            "session": fresh,
            "notes_html": render_markdown(fresh.notes),
            "can_run": can_run,
            "form": shown_form,
            "error": error,
            "notice": notice,
            "calendar_url": reverse("calendar_event", kwargs={"art_slug": art.slug, "event_id": fresh.event_id}),
        }
        return render(request, partial(request, SESSION_TEMPLATE, "session-body"), context, status=status)

    if outcome is None:
        return show()
    redirect_to = url("coaching_cop_session", art, session_id=session.pk)
    return answer(request, outcome, show=show, redirect_to=redirect_to, notice="Session saved.")


# --- playbooks -------------------------------------------------------------------------------------


def _playbook_of(art: ART, playbook_id: int) -> Playbook:
    return get_object_or_404(Playbook.objects.for_art(art).with_related(), pk=playbook_id)


@art_capability_required("art.view")
@require_safe
def playbooks(request: HttpRequest) -> HttpResponse:
    """The train's playbooks: every member reads them."""
    art: ART = request.art
    context = {
        "art": art,
        "playbooks": list(Playbook.objects.for_art(art).visible_to(request.user).with_related()),
        "can_write": has_capability(request.user, "coaching.edit_playbooks", art=art),
    }
    return render(request, PLAYBOOKS_TEMPLATE, context)


@art_capability_required("coaching.edit_playbooks")
@require_http_methods(["GET", "HEAD", "POST"])
def playbook_add(request: HttpRequest) -> HttpResponse:
    """A new playbook, starting from the outline of Scaled Agile's guides."""
    art: ART = request.art
    if request.method != "POST":
        form = PlaybookForm(initial={"body": OUTLINE})
        return render(request, PLAYBOOK_EDIT_TEMPLATE, {"art": art, "form": form, "playbook": None})
    form = PlaybookForm(request.POST)
    outcome = attempt(
        form,
        lambda: services.create_playbook(
            art,
            by=request.user,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            note=form.cleaned_data["note"],
        ),
        refusal="The playbook was not saved",
    )

    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        context = {"art": art, "form": form, "playbook": None, "error": error}
        return render(request, PLAYBOOK_EDIT_TEMPLATE, context, status=status)

    redirect_to = url("playbook", art, playbook_id=outcome.result.pk) if outcome.done else ""
    return answer(request, outcome, show=show, redirect_to=redirect_to, notice=lambda p: f"“{p.title}” saved.")


def _playbook_context(request: HttpRequest, art: ART, playbook: Playbook, *, editors_form=None, error="", notice=""):
    editor_ids = set(playbook.editors.values_list("pk", flat=True))
    can_manage = has_capability(request.user, "coaching.edit_playbooks", art=art)
    versions = list(playbook.versions.select_related("author"))
    if can_manage and editors_form is None:
        editors_form = EditorsForm(members=_members(art), initial={"editors": list(editor_ids)})
    return {
        "art": art,
        "playbook": playbook,
        "body_html": render_markdown(playbook.body),
        "versions": versions,
        "editors": list(User.objects.filter(pk__in=editor_ids).order_by("display_name")),
        "can_edit": services.can_edit_playbook(request.user, playbook, editor_ids),
        "can_manage": can_manage,
        "editors_form": editors_form,
        "error": error,
        "notice": notice,
    }


@art_capability_required("art.view")
@require_safe
def playbook(request: HttpRequest, playbook_id: int) -> HttpResponse:
    art: ART = request.art
    found = _playbook_of(art, playbook_id)
    return render(request, PLAYBOOK_TEMPLATE, _playbook_context(request, art, found))


@art_capability_required("art.view")
@require_http_methods(["GET", "HEAD", "POST"])
def playbook_edit(request: HttpRequest, playbook_id: int) -> HttpResponse:
    """Edit a playbook: saving keeps the previous version, which stays readable and comparable."""
    art: ART = request.art
    found = _playbook_of(art, playbook_id)
    if not services.can_edit_playbook(request.user, found):
        require(request.user, "coaching.edit_playbooks", art=art)
    if request.method != "POST":
        form = PlaybookForm(initial={"version": found.version, "title": found.title, "body": found.body})
        return render(request, PLAYBOOK_EDIT_TEMPLATE, {"art": art, "form": form, "playbook": found})
    form = PlaybookForm(request.POST)

    def save() -> Playbook:
        data = form.cleaned_data
        if data.get("version") is None:
            from django.core.exceptions import ValidationError

            raise ValidationError("The version you edited is missing or damaged: reload the page.")
        return services.edit_playbook(
            found,
            by=request.user,
            expected_version=data["version"],
            title=data["title"],
            body=data["body"],
            note=data["note"],
        )

    outcome = attempt(form, save, refusal="The playbook was not saved")

    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        context = {"art": art, "form": form, "playbook": outcome.current or found, "error": error}
        return render(request, PLAYBOOK_EDIT_TEMPLATE, context, status=status)

    return answer(
        request,
        outcome,
        show=show,
        redirect_to=url("playbook", art, playbook_id=found.pk),
        notice=lambda p: f"“{p.title}” saved as version {p.version}; version {p.version - 1} is kept.",
    )


@art_capability_required("coaching.edit_playbooks")
@require_POST
def playbook_editors(request: HttpRequest, playbook_id: int) -> HttpResponse:
    art: ART = request.art
    found = _playbook_of(art, playbook_id)
    form = EditorsForm(request.POST, members=_members(art))
    outcome = attempt(
        form,
        lambda: services.set_playbook_editors(found, by=request.user, editors=form.cleaned_data["editors"]),
        refusal="The editors were not changed",
    )

    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        context = _playbook_context(
            request, art, found, editors_form=form if status == 422 else None, error=error, notice=notice
        )
        return render(request, PLAYBOOK_TEMPLATE, context, status=status)

    return answer(
        request, outcome, show=show, redirect_to=url("playbook", art, playbook_id=found.pk), notice="Editors saved."
    )


def _version_of(playbook: Playbook, number: int) -> PlaybookVersion:
    return get_object_or_404(playbook.versions.select_related("author"), number=number)


@art_capability_required("art.view")
@require_safe
def playbook_version(request: HttpRequest, playbook_id: int, number: int) -> HttpResponse:
    """One version of a playbook as it was saved."""
    art: ART = request.art
    found = _playbook_of(art, playbook_id)
    version = _version_of(found, number)
    context = {
        "art": art,
        "playbook": found,
        "version": version,
        "body_html": render_markdown(version.body),
        "previous": version.number - 1 if version.number > 1 else None,
    }
    return render(request, VERSION_TEMPLATE, context)


@art_capability_required("art.view")
@require_safe
def playbook_compare(request: HttpRequest, playbook_id: int) -> HttpResponse:
    """Two versions side by side (``?old=1&new=2``): what was removed, changed and added."""
    art: ART = request.art
    found = _playbook_of(art, playbook_id)
    form = CompareForm(request.GET)
    if not form.is_valid():
        from artops.forms import error_text

        return HttpResponse(
            f"Choose two versions to compare: {error_text(form)}", status=400, content_type="text/plain; charset=utf-8"
        )
    numbers = {form.cleaned_data["old"], form.cleaned_data["new"]}
    versions = {v.number: v for v in found.versions.filter(number__in=numbers).select_related("author")}
    if len(versions) != len(numbers):
        raise Http404("This playbook has no such version.")
    old, new = versions[form.cleaned_data["old"]], versions[form.cleaned_data["new"]]
    rows = side_by_side(f"# {old.title}\n\n{old.body}", f"# {new.title}\n\n{new.body}")
    context = {
        "art": art,
        "playbook": found,
        "old": old,
        "new": new,
        "rows": rows,
        "changed": sum(1 for row in rows if row.kind != "same"),
        "all_versions": list(found.versions.values_list("number", flat=True)),
    }
    return render(request, COMPARE_TEMPLATE, context)
