"""Cross-team dependencies: the list with its aging buckets, one dependency's page, the weekly review, the map.

Every page works with a plain full-page load; htmx only makes it faster (the list's filters
replace the table, a review replaces its row, a change on a dependency's page replaces its
content). Answers: invalid input 422 with the message, a stale version 409 with the current
state, a role without the capability 403 (nothing changed), another train's dependency or PI 404.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from artops.forms import add_service_errors
from artops.models import ART, ProgramIncrement, Team
from artops.permissions import CAPABILITY_MESSAGES, art_capability_required, has_capability, memberships_of
from planning.forms_board import error_text
from planning.views.common import CONFLICT, UNPROCESSABLE, current_pi, pi_of
from risks import services
from risks.dependency_filters import (
    AGE_CHOICES,
    OLDEST,
    OPEN,
    SORT_CHOICES,
    STATUS_CHOICES,
    DependencyFilter,
    age_bucket_counts,
    with_age,
)
from risks.dependency_views_helpers import MapColumn, build_map, change_lines
from risks.forms_dependencies import DependencyEditForm, DependencyOptions, MoveForm, RaiseDependencyForm, ReviewForm
from risks.models import Dependency, Health

NAV_SECTION = "dependencies"

LIST_TEMPLATE = "risks/dependencies.html"
DETAIL_TEMPLATE = "risks/dependency.html"
REVIEW_TEMPLATE = "risks/review.html"
MAP_TEMPLATE = "risks/map.html"

UPDATE_REFUSAL = CAPABILITY_MESSAGES["risks.update_dependency"]
REVIEW_REFUSAL = services.REVIEW_REFUSAL
# The map's colours, worst first.
LEGEND = [(health.value, health.label) for health in (Health.RED, Health.UNPLANNED, Health.AMBER, Health.GREEN)]
FILTERS = ("needing_team", "providing_team", "external_party", "team", "state", "status", "health", "age", "sort")


def may_review(user, dependency: Dependency) -> bool:
    """Those who may change it, and the RTE who runs the weekly review."""
    return services.can_review_dependency(user, dependency)


def list_url(art: ART, **query) -> str:
    url = reverse("dependency_list", kwargs={"art_slug": art.slug})
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def _pi_of_query(request: HttpRequest, art: ART) -> ProgramIncrement | None:
    """The PI named by ``?pi=`` (404 when not one of this train's), else the current one."""
    value = request.GET.get("pi", "")
    if not value:
        return current_pi(art)
    if not value.isdigit():
        raise Http404("No such PI.")
    return pi_of(art, int(value))


def _dependency_of(art: ART, dependency_id: int) -> Dependency:
    """A dependency of this train (404 otherwise), with everything its page shows."""
    return get_object_or_404(Dependency.objects.for_art(art).with_related(), pk=dependency_id)


def _pis(art: ART) -> list[ProgramIncrement]:
    return list(ProgramIncrement.objects.for_art(art).order_by("start_date"))


def _no_pi(request: HttpRequest, art: ART, template: str) -> HttpResponse:
    return render(request, template, {"art": art, "pi": None, "pis": []})


# --- the list ----------------------------------------------------------------------------------


def _list_context(request: HttpRequest, art: ART, pi: ProgramIncrement) -> dict:
    """The filtered rows and the aging buckets: all that the table fragment shows."""
    now = timezone.now()
    data = request.GET.copy()
    data["pi"] = str(pi.pk)
    if not data.get("sort"):
        data["sort"] = OLDEST
    queryset = with_age(Dependency.objects.for_art(art).with_related(), now=now)
    filterset = DependencyFilter(data, queryset=queryset, request=request, now=now)
    filters = {name: data.get(name, "") for name in FILTERS}
    query = {"pi": pi.pk, **filters}
    buckets = [
        {
            "key": bucket.key,
            "label": bucket.label,
            "count": bucket.count,
            "url": list_url(art, pi=pi.pk, status=OPEN, age=bucket.key),
            "current": filters["age"] == bucket.key and filters["status"] == OPEN,
        }
        for bucket in age_bucket_counts(Dependency.objects.for_art(art).for_pi(pi), now=now)
    ]
    return {
        "art": art,
        "pi": pi,
        "dependencies": list(filterset.qs),
        "buckets": buckets,
        "filters": filters,
        "query": urlencode({key: value for key, value in query.items() if value}),
        "states": Dependency.State.choices,
        "statuses": STATUS_CHOICES,
        "healths": Health.choices,
        "ages": AGE_CHOICES,
        "sorts": SORT_CHOICES,
    }


def _raise_initial(request: HttpRequest, art: ART, options: DependencyOptions) -> dict:
    """The needing team from ``?needing_team=`` (the team board's link), else the user's own team."""
    team_ids = {team.pk for team in options.teams}
    wanted = request.GET.get("needing_team", "")
    needing = int(wanted) if wanted.isdigit() and int(wanted) in team_ids else None
    if needing is None:
        own = [m.team_id for m in memberships_of(request.user, art) if m.team_id in team_ids]
        needing = own[0] if own else None
    return {"needing_team": needing, "owner": request.user.pk}


@art_capability_required("art.view")
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def dependency_list(request: HttpRequest) -> HttpResponse:
    """The PI's dependencies: filters, aging buckets, the table, and the form to raise one."""
    art: ART = request.art
    pi = _pi_of_query(request, art)
    if pi is None:
        return _no_pi(request, art, LIST_TEMPLATE)
    if request.method == "GET" and request.htmx and not request.htmx.boosted:
        return render(request, f"{LIST_TEMPLATE}#dependency-table", _list_context(request, art, pi))
    options = DependencyOptions.load(art, pi)
    status = 200
    if request.method == "POST":
        form = RaiseDependencyForm(request.POST, options=options)
        if form.is_valid():
            try:
                dependency = services.raise_dependency(art, by=request.user, pi=pi, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    f"Dependency of {dependency.needing_team.name} on {dependency.provider_name} raised: "
                    f"{dependency.health.label.lower()}.",
                )
                return redirect(list_url(art, **{"pi": pi.pk, **request.GET.dict()}))
        status = UNPROCESSABLE
    else:
        form = RaiseDependencyForm(options=options, initial=_raise_initial(request, art, options))
    context = _list_context(request, art, pi)
    context.update(
        teams=options.teams,
        pis=_pis(art),
        form=form,
        raise_error=error_text(form) if form.errors else "",
        can_raise=has_capability(request.user, "risks.raise", art=art),
    )
    # A raise is a plain form post: its errors show on the whole page.
    return render(request, LIST_TEMPLATE, context, status=status)


# --- one dependency ----------------------------------------------------------------------------


def _detail_context(
    request: HttpRequest,
    art: ART,
    dependency: Dependency,
    *,
    form: DependencyEditForm | None = None,
    move_error: str = "",
    conflict: str = "",
    notice: str = "",
) -> dict:
    can_update = services.can_update_dependency(request.user, dependency)
    editable = can_update and dependency.is_open
    if editable and form is None:
        options = DependencyOptions.load(art, dependency.pi, keep=dependency)
        form = DependencyEditForm(options=options, initial=DependencyEditForm.initial_of(dependency))
    history = [
        {"change": change, "lines": change_lines(change.changes)}
        for change in dependency.changes.select_related("by").order_by("-at", "-id")
    ]
    return {
        "art": art,
        "pi": dependency.pi,
        "dependency": dependency,
        "age": dependency.age(art.today()),
        "health": dependency.health,
        "can_update": can_update,
        "form": form if editable else None,
        "transitions": [
            (state.value, state.label) for state in Dependency.TRANSITIONS[Dependency.State(dependency.state)]
        ]
        if can_update
        else [],
        "history": history,
        "move_error": move_error,
        "conflict": conflict,
        "notice": notice,
    }


def _detail(request: HttpRequest, art: ART, dependency: Dependency, *, status: int = 200, **extra) -> HttpResponse:
    """The page, or its ``dependency`` fragment for htmx."""
    context = _detail_context(request, art, dependency, **extra)
    template = f"{DETAIL_TEMPLATE}#dependency" if request.htmx else DETAIL_TEMPLATE
    return render(request, template, context, status=status)


def _changed(request: HttpRequest, art: ART, dependency: Dependency, notice: str) -> HttpResponse:
    """A change went through: the fresh fragment for htmx, a redirect with a message otherwise."""
    if request.htmx:
        return _detail(request, art, dependency, notice=notice)
    messages.success(request, notice)
    return redirect(dependency)


def _stale(request: HttpRequest, art: ART, stale: services.StaleVersion) -> HttpResponse:
    """409 with the current state: the page for a plain request; htmx shows the message and reloads."""
    if request.htmx:
        response = HttpResponse(str(stale), status=CONFLICT, content_type="text/plain; charset=utf-8")
        response["HX-Trigger"] = "dependency-stale"
        return response
    return _detail(request, art, stale.current, status=CONFLICT, conflict=str(stale))


@art_capability_required("art.view")
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def dependency_detail(request: HttpRequest, dependency_id: int) -> HttpResponse:
    """One dependency: its fields, age and health, the edit form, its state moves and its history."""
    art: ART = request.art
    dependency = _dependency_of(art, dependency_id)
    if request.method == "GET":
        return _detail(request, art, dependency)
    # The capability before the input: a role that may not change it learns nothing from validation.
    if not services.can_update_dependency(request.user, dependency):
        raise PermissionDenied(UPDATE_REFUSAL)
    form = DependencyEditForm(request.POST, options=DependencyOptions.load(art, dependency.pi, keep=dependency))
    if form.is_valid():
        changes = dict(form.cleaned_data)
        version = changes.pop("version")
        try:
            dependency = services.update_dependency(dependency, by=request.user, expected_version=version, **changes)
        except services.StaleVersion as stale:
            return _stale(request, art, stale)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _changed(request, art, dependency, f"Saved: {dependency.health.label.lower()}.")
    return _detail(request, art, dependency, status=UNPROCESSABLE, form=form)


@art_capability_required("art.view")
@require_POST
def dependency_move(request: HttpRequest, dependency_id: int) -> HttpResponse:
    """Move a dependency to another state: requested → committed → delivered, or at risk, blocked, cancelled."""
    art: ART = request.art
    dependency = _dependency_of(art, dependency_id)
    if not services.can_update_dependency(request.user, dependency):
        raise PermissionDenied(UPDATE_REFUSAL)
    form = MoveForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            dependency = services.move_dependency(
                dependency, to=data["to"], by=request.user, expected_version=data["version"], note=data["note"]
            )
        except services.StaleVersion as stale:
            return _stale(request, art, stale)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _changed(request, art, dependency, f"Now {dependency.get_state_display().lower()}.")
    return _detail(request, art, dependency, status=UNPROCESSABLE, move_error=f"Not moved: {error_text(form)}")


# --- the weekly review -------------------------------------------------------------------------


def _review_rows(request: HttpRequest, art: ART, pi: ProgramIncrement) -> list[Dependency]:
    """The PI's open dependencies, oldest first, each knowing whether this user may review it."""
    queryset = with_age(Dependency.objects.for_art(art).for_pi(pi).open().with_related())
    rows = list(queryset.order_by("-age_days", "created_at", "id"))
    for row in rows:
        row.can_review = may_review(request.user, row)
    return rows


def _review_row(request: HttpRequest, art: ART, dependency: Dependency, **extra) -> Dependency:
    """One row of the review as it is now (age from the model, the same as the list's SQL)."""
    dependency.age_days = dependency.age(art.today())
    dependency.can_review = may_review(request.user, dependency)
    for name, value in extra.items():
        setattr(dependency, name, value)
    return dependency


def review_url(art: ART, pi: ProgramIncrement) -> str:
    return f"{reverse('dependency_review', kwargs={'art_slug': art.slug})}?pi={pi.pk}"


def _review_page(request: HttpRequest, art: ART, pi: ProgramIncrement, *, status: int = 200, **replace) -> HttpResponse:
    """The review page; ``replace`` puts one row with its error (``row``) in place of the stored one."""
    rows = _review_rows(request, art, pi)
    row = replace.get("row")
    if row is not None:
        rows = [row if item.pk == row.pk else item for item in rows]
    context = {
        "art": art,
        "pi": pi,
        "pis": _pis(art),
        "rows": rows,
        "today": art.today(),
        "message": replace.get("message", ""),
    }
    return render(request, REVIEW_TEMPLATE, context, status=status)


@art_capability_required("art.view")
@require_GET
def dependency_review(request: HttpRequest) -> HttpResponse:
    """The weekly review: the PI's open dependencies, oldest first, each with its next action."""
    art: ART = request.art
    pi = _pi_of_query(request, art)
    if pi is None:
        return _no_pi(request, art, REVIEW_TEMPLATE)
    return _review_page(request, art, pi)


@art_capability_required("art.view")
@require_POST
def dependency_review_record(request: HttpRequest, dependency_id: int) -> HttpResponse:
    """Record a review: the next action, reviewed on the train's today (set here, never posted)."""
    art: ART = request.art
    dependency = _dependency_of(art, dependency_id)
    if not may_review(request.user, dependency):
        raise PermissionDenied(REVIEW_REFUSAL)
    form = ReviewForm(request.POST)
    status, error = UNPROCESSABLE, ""
    if form.is_valid():
        try:
            dependency = services.review_dependency(
                dependency,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                next_action=form.cleaned_data["next_action"],
                reviewed_on=art.today(),
            )
        except services.StaleVersion as stale:
            if request.htmx:
                response = HttpResponse(str(stale), status=CONFLICT, content_type="text/plain; charset=utf-8")
                response["HX-Trigger"] = "review-stale"
                return response
            return _review_page(request, art, dependency.pi, status=CONFLICT, message=str(stale))
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            if not request.htmx:
                messages.success(request, f"Reviewed: {dependency.description[:60]}")
                return redirect(review_url(art, dependency.pi))
            row = _review_row(request, art, dependency)
            return render(request, f"{REVIEW_TEMPLATE}#review-row", {"art": art, "row": row, "today": art.today()})
    error = error or error_text(form)
    row = _review_row(request, art, dependency, error=error, typed=request.POST.get("next_action", ""))
    if request.htmx:
        return render(
            request, f"{REVIEW_TEMPLATE}#review-row", {"art": art, "row": row, "today": art.today()}, status=status
        )
    return _review_page(request, art, dependency.pi, status=status, row=row)


# --- the map -----------------------------------------------------------------------------------


@art_capability_required("art.view")
@require_GET
def dependency_map(request: HttpRequest) -> HttpResponse:
    """Needing team × provider: how many open dependencies, coloured by the worst health."""
    art: ART = request.art
    pi = _pi_of_query(request, art)
    if pi is None:
        return _no_pi(request, art, MAP_TEMPLATE)
    values = (
        Dependency.objects.for_art(art)
        .for_pi(pi)
        .open()
        .values_list(
            "needing_team_id",
            "providing_team_id",
            "external_party",
            "planned_iteration__start_date",
            "needed_by__start_date",
            "state",
        )
    )

    def link(needing_team_id: int, column: MapColumn) -> str:
        provider = {"providing_team": column.team_id} if column.team_id else {"external_party": column.external_party}
        return list_url(art, pi=pi.pk, needing_team=needing_team_id, **provider, status=OPEN)

    teams = list(Team.objects.for_art(art).order_by("name"))
    context = {"art": art, "pi": pi, "pis": _pis(art), "map": build_map(teams, values, link), "legend": LEGEND}
    return render(request, MAP_TEMPLATE, context)
