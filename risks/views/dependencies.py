"""Cross-team dependencies: the list with its aging buckets, one dependency's page, the weekly review,
the map, and the CSV export.

Every page works with a plain full-page load; htmx only makes it faster (the list's filters
replace the table, a review replaces its row, a change on a dependency's page replaces its
content). Answers: invalid input 422 with the message, a stale version 409 with the message and
the current state, a role without the capability 403 (nothing changed), another train's
dependency or PI 404.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from artops.forms import error_text
from artops.models import ART, ProgramIncrement, Team
from artops.pages import (
    OK,
    UNPROCESSABLE,
    answer,
    attempt,
    bad_filters,
    csv_day,
    csv_moment,
    csv_response,
    csv_safe,
    partial,
    pi_of_query,
)
from artops.parsing import id_or_nothing
from artops.permissions import art_capability_required, has_capability, memberships_of
from risks import services
from risks.dependency_map import MapColumn, build_map
from risks.filters import AGE_CHOICES, OLDEST, OPEN, SORT_CHOICES, STATUS_CHOICES, DependencyFilter
from risks.forms.dependencies import DependencyEditForm, DependencyOptions, MoveForm, RaiseDependencyForm, ReviewForm
from risks.history import dependency_change_lines
from risks.models import Dependency, Health

NAV_SECTION = "dependencies"

LIST_TEMPLATE = "risks/dependencies.html"
DETAIL_TEMPLATE = "risks/dependency.html"
REVIEW_TEMPLATE = "risks/review.html"
MAP_TEMPLATE = "risks/map.html"

# The map's colours, worst first.
LEGEND = [(health.value, health.label) for health in (Health.RED, Health.UNPLANNED, Health.AMBER, Health.GREEN)]
FILTERS = ("needing_team", "providing_team", "external_party", "team", "state", "status", "health", "age", "sort")
CSV_COLUMNS = (
    "id",
    "pi",
    "needing_team",
    "provider",
    "description",
    "needing_feature",
    "providing_feature",
    "needed_by",
    "planned_iteration",
    "owner",
    "state",
    "health",
    "age_days",
    "next_action",
    "reviewed_on",
    "created_at",
    "closed_at",
)


def list_url(art: ART, **query) -> str:
    url = reverse("dependency_list", kwargs={"art_slug": art.slug})
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def _dependency_of(art: ART, dependency_id: int) -> Dependency:
    """A dependency of this train (404 otherwise), with everything its page shows."""
    return get_object_or_404(Dependency.objects.for_art(art).with_related(), pk=dependency_id)


def _pis(art: ART) -> list[ProgramIncrement]:
    return list(ProgramIncrement.objects.for_art(art).chronological())


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
    queryset = Dependency.objects.for_art(art).with_related().with_age(now)
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
        for bucket in Dependency.objects.for_art(art).for_pi(pi).age_bucket_counts(now)
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
    wanted = id_or_nothing(request.GET.get("needing_team", ""))
    needing = wanted if wanted in team_ids else None
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
    pi = pi_of_query(art, request.GET.get("pi"))
    if pi is None:
        return _no_pi(request, art, LIST_TEMPLATE)
    if request.method == "GET":
        template = partial(request, LIST_TEMPLATE, "dependency-table")
        if template != LIST_TEMPLATE:
            return render(request, template, _list_context(request, art, pi))
    options = DependencyOptions.load(art, pi, not_over=True)
    status = OK
    if request.method == "POST":
        form = RaiseDependencyForm(request.POST, options=options)
        outcome = attempt(form, lambda: services.raise_dependency(art, by=request.user, pi=pi, **form.cleaned_data))
        if outcome.done:
            dependency = outcome.result
            messages.success(
                request,
                f"Dependency of {dependency.needing_team.name} on {dependency.provider_name} raised: "
                f"{dependency.health.label.lower()}.",
            )
            kept = {key: value for key, value in request.GET.dict().items() if key != "raise"}
            return redirect(list_url(art, **{"pi": pi.pk, **kept}))
        status = outcome.status
    else:
        form = RaiseDependencyForm(options=options, initial=_raise_initial(request, art, options))
    context = _list_context(request, art, pi)
    context.update(
        teams=options.teams,
        pis=_pis(art),
        form=form,
        raise_error=error_text(form) if form.errors else "",
        # The raise form opens at the top where it is asked for (``?raise=1``, the team board's
        # link) or when it was refused; otherwise it is one line above the list.
        raise_open=bool(form.errors) or request.GET.get("raise") == "1",
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
        {"change": change, "lines": dependency_change_lines(change.changes)}
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


def _detail(
    request: HttpRequest,
    art: ART,
    dependency: Dependency,
    status: int = OK,
    *,
    error: str = "",
    notice: str = "",
    **extra,
) -> HttpResponse:
    """The page, or its ``dependency`` fragment for htmx; ``error`` is a conflict's message."""
    context = _detail_context(request, art, dependency, conflict=error, notice=notice, **extra)
    return render(request, partial(request, DETAIL_TEMPLATE, "dependency"), context, status=status)


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
    services.require_update_dependency(request.user, dependency)
    form = DependencyEditForm(request.POST, options=DependencyOptions.load(art, dependency.pi, keep=dependency))

    def save() -> Dependency:
        changes = dict(form.cleaned_data)
        version = changes.pop("version")
        return services.update_dependency(dependency, by=request.user, expected_version=version, **changes)

    outcome = attempt(form, save)

    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        if status == UNPROCESSABLE:
            # The edit form shows its own messages.
            return _detail(request, art, dependency, status, form=form)
        return _detail(request, art, outcome.result or outcome.current, status, error=error, notice=notice)

    return answer(
        request,
        outcome,
        show=show,
        redirect_to=dependency.get_absolute_url(),
        notice=lambda saved: f"Saved: {saved.health.label.lower()}.",
    )


@art_capability_required("art.view")
@require_POST
def dependency_move(request: HttpRequest, dependency_id: int) -> HttpResponse:
    """Move a dependency to another state: requested → committed → delivered, or at risk, blocked, cancelled."""
    art: ART = request.art
    dependency = _dependency_of(art, dependency_id)
    services.require_update_dependency(request.user, dependency)
    form = MoveForm(request.POST)

    def move() -> Dependency:
        data = form.cleaned_data
        return services.move_dependency(
            dependency, to=data["to"], by=request.user, expected_version=data["version"], note=data["note"]
        )

    outcome = attempt(form, move, refusal="Not moved")

    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        if status == UNPROCESSABLE:
            # The reason shows beside the state buttons.
            return _detail(request, art, dependency, status, move_error=error)
        return _detail(request, art, outcome.result or outcome.current, status, error=error, notice=notice)

    return answer(
        request,
        outcome,
        show=show,
        redirect_to=dependency.get_absolute_url(),
        notice=lambda moved: f"Now {moved.get_state_display().lower()}.",
    )


# --- the weekly review -------------------------------------------------------------------------


def _review_rows(request: HttpRequest, art: ART, pi: ProgramIncrement) -> list[Dependency]:
    """The PI's open dependencies, oldest first, each knowing whether this user may review it."""
    queryset = Dependency.objects.for_art(art).for_pi(pi).open().with_related().with_age()
    rows = list(queryset.order_by("-age_days", "created_at", "id"))
    for row in rows:
        row.can_review = services.can_review_dependency(request.user, row)
    return rows


def _review_row(request: HttpRequest, art: ART, dependency: Dependency, **extra) -> Dependency:
    """One row of the review as it is now (age from the model, the same as the list's SQL)."""
    dependency.age_days = dependency.age(art.today())
    dependency.can_review = services.can_review_dependency(request.user, dependency)
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
    pi = pi_of_query(art, request.GET.get("pi"))
    if pi is None:
        return _no_pi(request, art, REVIEW_TEMPLATE)
    return _review_page(request, art, pi)


@art_capability_required("art.view")
@require_POST
def dependency_review_record(request: HttpRequest, dependency_id: int) -> HttpResponse:
    """Record a review: the next action, reviewed on the train's today (set here, never posted)."""
    art: ART = request.art
    dependency = _dependency_of(art, dependency_id)
    # The capability before the input: a role that may not review learns nothing from validation.
    services.require_review_dependency(request.user, dependency)
    form = ReviewForm(request.POST)

    def review() -> Dependency:
        return services.review_dependency(
            dependency,
            by=request.user,
            expected_version=form.cleaned_data["version"],
            next_action=form.cleaned_data["next_action"],
            reviewed_on=art.today(),
        )

    outcome = attempt(form, review)

    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        """The row (for htmx) or the review page; a refused row keeps what was typed, with the reason."""
        shown = outcome.result or outcome.current or dependency
        extra = {"error": error, "typed": request.POST.get("next_action", "")} if error else {}
        row = _review_row(request, art, shown, **extra)
        if request.htmx:
            return render(
                request, f"{REVIEW_TEMPLATE}#review-row", {"art": art, "row": row, "today": art.today()}, status=status
            )
        return _review_page(request, art, dependency.pi, status=status, row=row)

    return answer(
        request,
        outcome,
        show=show,
        redirect_to=review_url(art, dependency.pi),
        notice=lambda reviewed: f"Reviewed: {reviewed.description[:60]}",
    )


# --- the map -----------------------------------------------------------------------------------


@art_capability_required("art.view")
@require_GET
def dependency_map(request: HttpRequest) -> HttpResponse:
    """Needing team × provider: how many open dependencies, coloured by the worst health."""
    art: ART = request.art
    pi = pi_of_query(art, request.GET.get("pi"))
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


# --- the CSV export ----------------------------------------------------------------------------


@art_capability_required("art.view")
@require_GET
def dependencies_csv(request: HttpRequest) -> HttpResponse:
    """The train's dependencies (filtered like the dependency pages), one per row, with age and health.

    Read in one query whatever their number; a filter value that is not one (``?pi=abc``)
    answers 400 with the reason, rather than an export of everything.
    """
    art: ART = request.art
    today = art.today()
    filterset = DependencyFilter(request.GET, queryset=Dependency.objects.for_art(art).with_related())
    if not filterset.is_valid():
        return bad_filters(filterset)
    rows = (
        [
            dependency.pk,
            csv_safe(dependency.pi.name),
            csv_safe(dependency.needing_team.name),
            csv_safe(dependency.provider_name),
            csv_safe(dependency.description),
            dependency.needing_feature.key if dependency.needing_feature_id else "",
            dependency.providing_feature.key if dependency.providing_feature_id else "",
            csv_safe(dependency.needed_by.name),
            csv_safe(dependency.planned_iteration.name) if dependency.planned_iteration_id else "",
            csv_safe(dependency.owner.display_name),
            dependency.state,
            dependency.health.value,
            dependency.age(today),
            csv_safe(dependency.next_action),
            csv_day(dependency.reviewed_on),
            csv_moment(dependency.created_at, art),
            csv_moment(dependency.closed_at, art),
        ]
        for dependency in filterset.qs
    )
    return csv_response(f"{art.slug}-dependencies.csv", CSV_COLUMNS, rows)
