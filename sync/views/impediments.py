"""The train's impediments: a list with their age and filters (team, level, state, age), raising one,
escalating one (team → train → beyond the train: the capability table decides who may), resolving or
dropping one; and the list as CSV.

Escalating to the train needs ``sync.escalate_to_train`` for the impediment's team (its Scrum Master
or PO, or the RTE), beyond the train ``sync.escalate_beyond`` (the RTE). A person without it gets
403 with the reason, and nothing changes.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Value, When
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from artops.models import ART
from artops.pages import OK, answer, attempt, bad_filters, csv_day, csv_moment, csv_response, csv_safe, partial
from artops.parsing import filtered_or_nothing
from artops.permissions import art_capability_required, has_capability, require
from sync import services
from sync.filters import AGING_DAYS, ImpedimentFilter
from sync.forms.impediments import CloseImpedimentForm, EscalateForm, ImpedimentForm
from sync.models import Impediment
from sync.views.common import active_teams, members, one_of

NAV_SECTION = "sync"
TEMPLATE = "sync/impediments.html"
FILTERS = ("team", "level", "state", "older_than")
CSV_COLUMNS = (
    "id",
    "team",
    "description",
    "level",
    "state",
    "raised_by",
    "owner",
    "raised_at",
    "age_days",
    "due_date",
    "resolution",
    "resolved_at",
    "days_to_resolve",
)


def _filters(query: QueryDict) -> QueryDict:
    kept = QueryDict(mutable=True)
    for key in FILTERS:
        if query.get(key):
            kept[key] = query[key]
    return kept


def list_url(art: ART, filters: QueryDict | None = None) -> str:
    base = reverse("sync_impediments", kwargs={"art_slug": art.slug})
    return f"{base}?{filters.urlencode()}" if filters else base


def _decorate(impediment: Impediment, user, today) -> Impediment:
    impediment.age_days = impediment.age(today)
    impediment.escalate_to = (
        [
            (level.value, level.label)
            for level in Impediment.LEVELS
            if Impediment.LEVELS.index(level) > Impediment.LEVELS.index(impediment.level)
            and services.can_escalate(user, impediment, level)
        ]
        if impediment.is_open
        else []
    )
    impediment.can_close = impediment.is_open and services.can_close(user, impediment)
    impediment.overdue = impediment.is_open and impediment.due_date is not None and impediment.due_date < today
    return impediment


def _context(request: HttpRequest, art: ART, filters: QueryDict, *, raise_form=None, **extra) -> dict:
    user = request.user
    today = art.today()
    # Open ones first, then the closed; oldest first within each.
    closed_last = Case(When(state=Impediment.State.OPEN, then=Value(0)), default=Value(1))
    queryset = Impediment.objects.for_art(art).with_related().order_by(closed_last, "raised_at", "id")
    filterset = ImpedimentFilter(filters, queryset=queryset, art=art, today=today)
    impediments = [_decorate(impediment, user, today) for impediment in filtered_or_nothing(filterset)]
    teams = active_teams(art)
    can_raise = has_capability(user, "risks.raise", art=art)
    if raise_form is None and can_raise:
        raise_form = ImpedimentForm(teams=teams, members=members(art))
    return {
        "art": art,
        "today": today,
        "impediments": impediments,
        "open_count": sum(1 for impediment in impediments if impediment.is_open),
        "filters": {key: filters.get(key, "") for key in FILTERS},
        "filters_invalid": not filterset.is_valid(),
        "query": filters.urlencode(),
        "teams": teams,
        "levels": Impediment.Level.choices,
        "states": Impediment.State.choices,
        "aging": AGING_DAYS,
        "raise_form": raise_form,
        "error": "",
        "notice": "",
        "error_at": "",
        **extra,
    }


@art_capability_required("art.view")
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def impediment_list(request: HttpRequest) -> HttpResponse:
    """The impediments, open ones first, oldest first; a POST raises one (at its team's level)."""
    art: ART = request.art
    filters = _filters(request.GET)
    if request.method == "GET":
        return render(request, partial(request, TEMPLATE, "impediment-list"), _context(request, art, filters))
    require(request.user, "risks.raise", art=art)
    form = ImpedimentForm(request.POST, teams=active_teams(art), members=members(art))
    outcome = attempt(
        form,
        lambda: services.raise_impediment(art, by=request.user, **form.cleaned_data),
        refusal="The impediment was not raised",
    )

    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        context = _context(request, art, filters, raise_form=form if status != OK else None, error=error, notice=notice)
        return render(request, TEMPLATE, context, status=status)

    return answer(
        request,
        outcome,
        show=show,
        redirect_to=list_url(art, filters),
        notice=lambda raised: f"Impediment of {raised.team.name} raised, at the team's level.",
    )


def _impediment_of(art: ART, impediment_id) -> Impediment:
    return one_of(Impediment.objects.for_art(art).with_related(), impediment_id, "That impediment")


def _show_list(request: HttpRequest, art: ART, error_at: str):
    filters = _filters(request.GET)

    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        context = _context(request, art, filters, error=error, notice=notice, error_at=error_at)
        return render(request, partial(request, TEMPLATE, "impediment-list"), context, status=status)

    return show, list_url(art, filters)


@art_capability_required("art.view")
@require_POST
def impediment_escalate(request: HttpRequest, impediment_id: int) -> HttpResponse:
    """Escalate to the train or beyond: who may is the capability table's call (403 otherwise)."""
    art: ART = request.art
    impediment = _impediment_of(art, impediment_id)
    form = EscalateForm(request.POST)
    # The capability before anything else: a role that may not escalate learns nothing from validation.
    level = request.POST.get("to", "")
    if level in services.impediments.ESCALATION_CAPABILITY:
        services.common.require(
            request.user, services.impediments.ESCALATION_CAPABILITY[level], art=art, team=impediment.team
        )

    def escalate() -> Impediment:
        data = form.cleaned_data
        return services.escalate_impediment(
            impediment, to=data["to"], by=request.user, expected_version=data["version"], note=data["note"]
        )

    outcome = attempt(form, escalate, refusal="The impediment was not escalated")
    show, back = _show_list(request, art, f"impediment-{impediment.pk}")
    return answer(
        request,
        outcome,
        show=show,
        redirect_to=back,
        notice=lambda up: f"Escalated to the level “{up.get_level_display()}”: {up.description[:60]}",
    )


@art_capability_required("art.view")
@require_POST
def impediment_close(request: HttpRequest, impediment_id: int) -> HttpResponse:
    """Resolve (how) or drop (why) an impediment: its owner, its team's Scrum Master or PO, or the RTE."""
    art: ART = request.art
    impediment = _impediment_of(art, impediment_id)
    if not services.can_close(request.user, impediment):
        raise PermissionDenied(services.impediments.CLOSE_REFUSAL)
    form = CloseImpedimentForm(request.POST)

    def close() -> Impediment:
        data = form.cleaned_data
        call = services.resolve_impediment if data["outcome"] == Impediment.State.RESOLVED else services.drop_impediment
        text_name = "resolution" if data["outcome"] == Impediment.State.RESOLVED else "reason"
        return call(impediment, by=request.user, expected_version=data["version"], **{text_name: data["text"]})

    outcome = attempt(form, close, refusal="The impediment was not closed")
    show, back = _show_list(request, art, f"impediment-{impediment.pk}")
    return answer(
        request,
        outcome,
        show=show,
        redirect_to=back,
        notice=lambda closed: f"{closed.get_state_display()}: {closed.description[:60]}",
    )


@art_capability_required("art.view")
@require_GET
def impediments_csv(request: HttpRequest) -> HttpResponse:
    """The impediments (filtered like the list), one per row, in one query whatever their number."""
    art: ART = request.art
    today = art.today()
    queryset = Impediment.objects.for_art(art).with_related().order_by("raised_at", "id")
    filterset = ImpedimentFilter(request.GET, queryset=queryset, art=art, today=today)
    if not filterset.is_valid():
        return bad_filters(filterset)

    def days_to_resolve(impediment: Impediment) -> str:
        spent = impediment.time_to_resolve
        return "" if spent is None else str(spent.days)

    rows = (
        [
            impediment.pk,
            csv_safe(impediment.team.name),
            csv_safe(impediment.description),
            impediment.level,
            impediment.state,
            csv_safe(impediment.raised_by.display_name),
            csv_safe(impediment.owner.display_name),
            csv_moment(impediment.raised_at, art),
            impediment.age(today),
            csv_day(impediment.due_date),
            csv_safe(impediment.resolution),
            csv_moment(impediment.resolved_at, art),
            days_to_resolve(impediment),
        ]
        for impediment in filterset.qs
    )
    return csv_response(f"{art.slug}-impediments.csv", CSV_COLUMNS, rows)
