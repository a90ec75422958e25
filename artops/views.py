"""Pages of the core: my trains, the ART home, PIs, teams, members, settings, profile.

Each page works with a plain full-page load; with htmx, writes answer with the changed
fragment (or the form and its errors, status 422).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from rest_framework.authtoken.models import Token

from artops import extensions, services
from artops.calendar.feed_links import feed_links_context
from artops.forms import ARTSettingsForm, MembershipForm, PIForm, ProfileForm, TeamForm, add_service_errors
from artops.models import ART, Iteration, Membership, ProgramIncrement, Role, Team
from artops.onboarding import services as onboarding
from artops.onboarding.views import profile_context
from artops.permissions import art_capability_required, can_create_trains, has_capability, require

UNPROCESSABLE = 422


def _partial(request: HttpRequest, template: str, name: str) -> str:
    """The whole page for a plain request, one of its partials for an htmx request."""
    if request.htmx and not request.htmx.boosted:
        return f"{template}#{name}"
    return template


# --- my trains ----------------------------------------------------------------------------


@login_required
@require_GET
def my_trains(request: HttpRequest) -> HttpResponse:
    arts = (
        ART.objects.visible_to(request.user)
        .annotate(team_count=Count("teams", distinct=True), people_count=Count("memberships__user", distinct=True))
        .prefetch_related(Prefetch("pis", queryset=ProgramIncrement.objects.chronological()))
    )
    trains = []
    for art in arts:
        today = art.today()
        trains.append({"art": art, "pi": current_pi(list(art.pis.all()), today)})
    can_create = can_create_trains(request.user)
    if len(trains) == 1 and not can_create:
        # One train is the usual case: go straight to it (those who create trains stay, to find the button).
        return redirect(trains[0]["art"])
    return render(request, "artops/my_trains.html", {"trains": trains, "can_create_trains": can_create})


# --- the ART home -------------------------------------------------------------------------


def current_pi(pis: list[ProgramIncrement], today: date) -> ProgramIncrement | None:
    """The PI running today; else the next one; else the most recent. ``pis`` sorted by start.

    The rule of ``ProgramIncrement.objects.current(today)``, over PIs already read: the home page
    lists every PI of the train and "my trains" prefetches them for all trains at once, so asking
    the queryset would cost one query more per page (or per train). The tests check both agree.
    """
    for pi in pis:
        if pi.contains(today):
            return pi
    upcoming = [pi for pi in pis if pi.start_date > today]
    if upcoming:
        return upcoming[0]
    return pis[-1] if pis else None


@dataclass(frozen=True)
class TimelineSlot:
    iteration: Iteration
    left: float  # percent of the PI
    width: float
    is_current: bool
    is_past: bool


def timeline(pi: ProgramIncrement, iterations: list[Iteration], today: date) -> dict:
    """Positions of the iterations and of today on a bar as wide as the PI."""
    total_days = (pi.end_date - pi.start_date).days + 1
    slots = [
        TimelineSlot(
            iteration=iteration,
            left=round(100 * (iteration.start_date - pi.start_date).days / total_days, 3),
            width=round(100 * ((iteration.end_date - iteration.start_date).days + 1) / total_days, 3),
            is_current=iteration.contains(today),
            is_past=iteration.end_date < today,
        )
        for iteration in iterations
    ]
    today_at = None
    if pi.contains(today):
        today_at = round(100 * ((today - pi.start_date).days + 0.5) / total_days, 3)
    return {"slots": slots, "today_at": today_at}


def upcoming_pis(pis: list[ProgramIncrement], after: ProgramIncrement | None, count: int) -> list[ProgramIncrement]:
    """The ``count`` PIs that follow ``after`` (``pis`` sorted by start)."""
    if after is None:
        return []
    return [pi for pi in pis if pi.start_date > after.start_date][:count]


@dataclass(frozen=True)
class Countdown:
    """Days left in a timebox, today counted: a cockpit figure of the train's home."""

    name: str
    days: int
    ends: date
    starts_in: int = 0  # days until it starts, when it has not yet


def countdown(name: str, start: date, end: date, today: date) -> Countdown:
    if today < start:
        return Countdown(name, (end - start).days + 1, end, starts_in=(start - today).days)
    return Countdown(name, max(0, (end - today).days + 1), end)


def cockpit(art: ART, current: ProgramIncrement | None, iterations: list[Iteration], today: date) -> list:
    """The train's own figures: days left in the PI and in its running iteration (no query)."""
    if current is None:
        return []
    found = []
    pi_left = countdown(current.name, current.start_date, current.end_date, today)
    found.append(
        extensions.Figure(
            key="pi-days",
            label=f"Days left in {current.name}" if not pi_left.starts_in else f"Days to {current.name}",
            value=pi_left.days if not pi_left.starts_in else pi_left.starts_in,
            note=f"ends {pi_left.ends:%a %-d %b}"
            if not pi_left.starts_in
            else f"starts {current.start_date:%a %-d %b}",
            url=reverse("pi_plan", kwargs={"art_slug": art.slug, "pi_id": current.pk}),
            order=1,
        )
    )
    running = next((iteration for iteration in iterations if iteration.contains(today)), None)
    if running is not None:
        left = countdown(running.name, running.start_date, running.end_date, today)
        found.append(
            extensions.Figure(
                key="iteration-days",
                label=f"Days left in {running.name}",
                value=left.days,
                note=f"ends {left.ends:%a %-d %b}",
                url=reverse("art_calendar", kwargs={"art_slug": art.slug}),
                order=2,
            )
        )
    return found


@art_capability_required("art.view")
@require_GET
def art_home(request: HttpRequest) -> HttpResponse:
    """The train's cockpit: how the PI is going, in numbers that each lead to their page.

    The train's own figures (days left) come from what the page reads anyway; the higher apps
    add theirs (readiness, the vote, dependencies, risks, predictability) through
    ``ART_HOME_FIGURES`` and their panels through ``ART_HOME_PANELS``. People are on the People page.
    """
    art: ART = request.art
    today = art.today()
    pis = list(ProgramIncrement.objects.for_art(art).chronological())
    current = current_pi(pis, today)
    # The roadmap horizon: the current PI and the next two.
    shown = [current, *upcoming_pis(pis, current, 2)] if current else []
    iterations: dict[int, list[Iteration]] = defaultdict(list)
    for iteration in Iteration.objects.filter(pi__in=shown).order_by("number"):
        iterations[iteration.pi_id].append(iteration)
    next_pi = shown[1] if len(shown) > 1 else None
    context = {"art": art, "pi": current, "next_pi": next_pi, "user": request.user, "today": today}
    figures = [
        *cockpit(art, current, iterations[current.pk] if current else [], today),
        *extensions.figures(extensions.ART_HOME_FIGURES, **context),
    ]
    return render(
        request,
        "artops/art_home.html",
        {
            "art": art,
            "today": today,
            "pis": pis,
            "current": current,
            "timelines": [
                {"pi": pi, "is_current": index == 0, **timeline(pi, iterations[pi.pk], today)}
                for index, pi in enumerate(shown)
            ],
            "figures": sorted(figures, key=lambda figure: figure.order),
            "can_manage": has_capability(request.user, "art.manage", art=art),
            # What the higher apps show on the train's home (artops.extensions).
            "panels": extensions.panels(extensions.ART_HOME_PANELS, **context),
        },
    )


# --- Planning Intervals -------------------------------------------------------------------


def _pi_form_page(request: HttpRequest, pi: ProgramIncrement | None) -> HttpResponse:
    """Create (``pi`` None) or edit a PI; "Preview iterations" re-renders without saving."""
    art: ART = request.art
    if request.method == "GET":
        source = pi or art
        initial = {"iteration_weeks": source.iteration_weeks, "development_iterations": source.development_iterations}
        if pi:
            initial.update(name=pi.name, start_date=pi.start_date)
        preview = pi.planned_iterations() if pi else []
        return render(
            request, "artops/pi_form.html", {"art": art, "form": PIForm(initial=initial), "pi": pi, "preview": preview}
        )

    form = PIForm(request.POST)
    previewing = "preview" in request.POST
    if form.is_valid() and not previewing:
        try:
            if pi is None:
                saved = services.create_pi(art, by=request.user, **form.cleaned_data)
                message = f"{saved.name} created with {saved.development_iterations} iterations and IP."
            else:
                saved = services.update_pi(pi, by=request.user, **form.cleaned_data)
                message = f"{saved.name} saved."
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, message)
            return redirect(art)
    status = 200 if previewing and form.is_valid() else UNPROCESSABLE
    context = {"art": art, "form": form, "pi": pi, "preview": form.preview()}
    return render(request, "artops/pi_form.html", context, status=status)


@art_capability_required("art.manage")
@require_http_methods(["GET", "POST"])
def pi_create(request: HttpRequest) -> HttpResponse:
    return _pi_form_page(request, None)


@art_capability_required("art.manage")
@require_http_methods(["GET", "POST"])
def pi_edit(request: HttpRequest, pi_id: int) -> HttpResponse:
    return _pi_form_page(request, get_object_or_404(ProgramIncrement.objects.for_art(request.art), pk=pi_id))


@art_capability_required("art.manage")
@require_GET
def pi_preview(request: HttpRequest) -> HttpResponse:
    """The iterations the PI form's current values would generate (htmx, as the RTE types)."""
    form = PIForm(request.GET)
    return render(
        request, "artops/pi_form.html#iteration-preview", {"form": form, "preview": form.preview(), "art": request.art}
    )


@art_capability_required("art.manage")
@require_POST
def pi_advance(request: HttpRequest, pi_id: int) -> HttpResponse:
    pi = get_object_or_404(ProgramIncrement.objects.for_art(request.art), pk=pi_id)
    try:
        pi = services.advance_pi(pi, to=request.POST.get("state", ""), by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(request.art) if not request.htmx else _message_response(error, status=400)
    messages.success(request, f"{pi.name} is now in state {pi.get_state_display()}.")
    return redirect(request.art)


def _message_response(error: ValidationError, *, status: int) -> HttpResponse:
    return HttpResponse(" ".join(error.messages), status=status, content_type="text/plain; charset=utf-8")


# --- teams --------------------------------------------------------------------------------


@art_capability_required("art.view")
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def team_list(request: HttpRequest) -> HttpResponse:
    art: ART = request.art
    can_manage = has_capability(request.user, "art.manage", art=art)
    form = TeamForm(initial={"active": True})
    status = 200
    if request.method == "POST":
        require(request.user, "art.manage", art=art)
        form = TeamForm(request.POST)
        if form.is_valid():
            try:
                team = services.create_team(art, name=form.cleaned_data["name"], by=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if not request.htmx:
                    messages.success(request, f"Team {team.name} added.")
                    return redirect("team_list", art_slug=art.slug)
                form = TeamForm(initial={"active": True})
        if form.errors:
            status = UNPROCESSABLE
    teams = Team.objects.for_art(art).annotate(people=Count("memberships__user", distinct=True))
    context = {"art": art, "teams": teams, "form": form, "can_manage": can_manage}
    return render(request, _partial(request, "artops/teams.html", "team-section"), context, status=status)


@art_capability_required("art.manage")
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    art: ART = request.art
    team = get_object_or_404(Team.objects.for_art(art), pk=team_id)
    form = TeamForm(request.POST or None, initial={"name": team.name, "active": team.active})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_team(team, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Team {team.name} saved.")
            return redirect("team_list", art_slug=art.slug)
    status = UNPROCESSABLE if form.errors else 200
    return render(request, "artops/team_form.html", {"art": art, "team": team, "form": form}, status=status)


# --- members ------------------------------------------------------------------------------


# The order of the roles within a group of the People page.
ROLE_ORDER = {role.value: index for index, role in enumerate(Role)}


@dataclass(frozen=True)
class PeopleGroup:
    """A table of the People page: the train's own roles, or one team with its coaches first."""

    key: str
    name: str
    memberships: list[Membership]
    team: Team | None = None


def people_groups(memberships: list[Membership]) -> list[PeopleGroup]:
    """The train's roles (RTE, Product Management…) first, then each team by name, roles in order."""
    by_team: dict[int | None, list[Membership]] = defaultdict(list)
    teams: dict[int, Team] = {}
    for membership in memberships:
        by_team[membership.team_id].append(membership)
        if membership.team_id:
            teams[membership.team_id] = membership.team
    groups = []
    if by_team[None]:
        groups.append(PeopleGroup("train", "Train roles", by_team[None]))
    for team in sorted(teams.values(), key=lambda team: team.name.casefold()):
        groups.append(PeopleGroup(f"team-{team.pk}", team.name, by_team[team.pk], team))
    for group in groups:
        group.memberships.sort(key=lambda m: (ROLE_ORDER[m.role], m.user.display_name.casefold()))
    return groups


def _member_context(request: HttpRequest, form: MembershipForm) -> dict:
    art: ART = request.art
    memberships = list(Membership.objects.for_art(art).with_related().order_by("user__display_name", "role"))
    return {
        "art": art,
        "memberships": memberships,
        "groups": people_groups(memberships),
        "people": len({membership.user_id for membership in memberships}),
        "form": form,
        "can_manage": has_capability(request.user, "art.manage", art=art),
        "can_invite": has_capability(request.user, "art.invite", art=art),
    }


@art_capability_required("art.view")
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def member_list(request: HttpRequest) -> HttpResponse:
    art: ART = request.art
    form = MembershipForm(art=art)
    status = 200
    if request.method == "POST":
        require(request.user, "art.manage", art=art)
        form = MembershipForm(request.POST, art=art)
        if form.is_valid():
            data = form.cleaned_data
            try:
                # One transaction: a refused role leaves no new account behind.
                with transaction.atomic():
                    person = services.find_or_create_person(email=data["email"], display_name=data["display_name"])
                    membership = services.add_membership(
                        art, user=person, role=data["role"], team=data["team"], by=request.user
                    )
                    # Somebody without a password yet receives the link to set one, once this commits.
                    onboarding.invite_if_new(art, person=person, by=request.user, role=data["role"], team=data["team"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if not request.htmx:
                    messages.success(request, f"{membership.user} added as {membership.get_role_display()}.")
                    return redirect("member_list", art_slug=art.slug)
                form = MembershipForm(art=art)
        if form.errors:
            status = UNPROCESSABLE
    template = _partial(request, "artops/members.html", "member-section")
    return render(request, template, _member_context(request, form), status=status)


@art_capability_required("art.manage")
@require_POST
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    art: ART = request.art
    membership = get_object_or_404(Membership.objects.for_art(art).with_related(), pk=membership_id)
    try:
        services.remove_membership(membership, by=request.user)
    except ValidationError as error:
        if request.htmx:
            return _message_response(error, status=400)
        messages.error(request, " ".join(error.messages))
    else:
        if not request.htmx:
            messages.success(request, f"{membership.user} no longer holds {membership.get_role_display()}.")
    if request.htmx:
        template = "artops/members.html#member-section"
        return render(request, template, _member_context(request, MembershipForm(art=art)))
    return redirect("member_list", art_slug=art.slug)


# --- train settings -----------------------------------------------------------------------


@art_capability_required("art.manage")
@require_http_methods(["GET", "POST"])
def art_settings(request: HttpRequest) -> HttpResponse:
    art: ART = request.art
    initial = {field: getattr(art, field) for field in services.ART_SETTINGS}
    form = ARTSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_art(art, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Train settings saved.")
            return redirect(art)
    status = UNPROCESSABLE if form.errors else 200
    return render(request, "artops/art_settings.html", {"art": art, "form": form}, status=status)


# --- profile and API token ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, initial={"display_name": request.user.display_name})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(request.user, display_name=form.cleaned_data["display_name"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Profile saved.")
            return redirect("profile")
    token = Token.objects.filter(user=request.user).first()
    status = UNPROCESSABLE if form.errors else 200
    context = {"form": form, "token": token, **feed_links_context(request), **profile_context(request)}
    return render(request, "artops/profile.html", context, status=status)


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Create (or replace) the person's API token. It is shown in full once, right now."""
    token = services.create_api_token(request.user)
    messages.success(request, "New API token created. Copy it now: it will not be shown again.")
    form = ProfileForm(initial={"display_name": request.user.display_name})
    context = {
        "form": form,
        "token": token,
        "new_token": token.key,
        **feed_links_context(request),
        **profile_context(request),
    }
    return render(request, "artops/profile.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest) -> HttpResponse:
    revoked = services.revoke_api_token(request.user)
    messages.success(request, "API token revoked." if revoked else "You had no API token.")
    return redirect("profile")
