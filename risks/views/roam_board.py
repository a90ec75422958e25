"""The ROAM board of a PI, the ROAM move of one risk, the risk's own page, and the risks' CSV export.

The board shows one column per ROAM state with the risks as cards. A risk moves with the
"Move" menu of its card (a plain form POST that works without JavaScript and redirects back
with a message) or by dragging its card onto another column (``static/js/roam.js``), which
posts the same form; with htmx the answer is the re-rendered board fragment.

Answers: invalid input 422 with the message (the model's own, such as "An owned risk needs an
owner."), a stale version 409 with the message and the current board, a role without the
capability 403 (checked before the input is read), another train's risk or PI 404.
"""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from artops.models import ART, Membership, ProgramIncrement, Team, User
from artops.pages import (
    OK,
    answer,
    attempt,
    bad_filters,
    conflict,
    csv_day,
    csv_moment,
    csv_response,
    csv_safe,
    partial,
    pi_of_query,
)
from artops.permissions import CAPABILITY_MESSAGES, art_capability_required, has_capability, require
from risks import services
from risks.filters import SEVERITY_BANDS, WHOLE_TRAIN, RiskFilter, severity_band
from risks.forms.roam_board import RiskEditForm, RiskForm, RoamForm
from risks.history import risk_change_lines
from risks.models import QUIET_DAYS, Risk, RiskChange

NAV_SECTION = "risks"

BOARD_TEMPLATE = "risks/roam_board.html"
RISK_TEMPLATE = "risks/risk.html"

# The board's columns, left to right. Unroamed comes first: every risk starts there and it is
# what the train still has to ROAM. Then the three ways of keeping an open risk in hand (Owned,
# Accepted, Mitigated), and Resolved last, as the end of the flow, rather than second as the
# letters of R-O-A-M would have it: the open risks are read first.
COLUMNS = (
    Risk.State.UNROAMED,
    Risk.State.OWNED,
    Risk.State.ACCEPTED,
    Risk.State.MITIGATED,
    Risk.State.RESOLVED,
)
# The filters of the board, kept across htmx re-renders and moves; the PI is chosen apart.
FILTERS = ("team", "severity", "quiet")
ROAM_NOT_ALLOWED = CAPABILITY_MESSAGES["risks.roam"]
EDIT_NOT_ALLOWED = services.EDIT_REFUSAL

CSV_COLUMNS = (
    "id",
    "pi",
    "team",
    "title",
    "description",
    "state",
    "probability",
    "impact",
    "severity",
    "owner",
    "raised_by",
    "due_date",
    "rationale",
    "mitigation_plan",
    "quiet",
    "created_at",
    "updated_at",
)


# --- what the pages share ---------------------------------------------------------------------


def _members(art: ART) -> list[User]:
    """The people of the train, each once: the owners a risk may have."""
    return list(User.objects.on_train(art))


def _people(art: ART) -> tuple[list[User], list[tuple[str, list[User]]]]:
    """The people of the train by name, and grouped by team for the owner choice, in one query.

    Each person shows once: under the first of their teams by name, or under "Train roles"
    (the RTE, Product Management, Business Owners…) when they belong to no team.
    """
    memberships = Membership.objects.filter(art=art).select_related("user", "team")
    home: dict[int, tuple[str, User]] = {}
    for membership in memberships:
        team_name = membership.team.name if membership.team_id else ""
        known = home.get(membership.user_id)
        if known is None or (team_name and (not known[0] or team_name < known[0])):
            home[membership.user_id] = (team_name, membership.user)
    by_name = sorted((user for _team, user in home.values()), key=lambda user: (user.display_name, user.email))
    groups: dict[str, list[User]] = {}
    for user in by_name:
        groups.setdefault(home[user.pk][0], []).append(user)
    ordered = [(team or "Train roles", groups[team]) for team in sorted(groups, key=lambda name: (not name, name))]
    return by_name, ordered


def _teams(art: ART) -> list[Team]:
    return list(Team.objects.for_art(art).active().order_by("name"))


def _risk_of(art: ART, risk_id: int) -> Risk:
    """A risk of this train (404 otherwise), with its train, PI, team and people at hand."""
    return get_object_or_404(Risk.objects.for_art(art).with_related(), pk=risk_id)


def _filters(query: QueryDict) -> QueryDict:
    """The board's filters from a query string, without anything else (the PI included)."""
    kept = QueryDict(mutable=True)
    for key in FILTERS:
        if query.get(key):
            kept[key] = query[key]
    return kept


def board_url(art: ART, pi: ProgramIncrement | None, filters: QueryDict | None = None) -> str:
    query = filters.copy() if filters is not None else QueryDict(mutable=True)
    if pi is not None:
        query["pi"] = str(pi.pk)
    base = reverse("roam_board", kwargs={"art_slug": art.slug})
    return f"{base}?{query.urlencode()}" if query else base


def _targets(risk: Risk) -> list[tuple[str, str]]:
    """Where the rules let this risk go, as (value, label), in the board's column order."""
    allowed = Risk.TRANSITIONS[Risk.State(risk.state)]
    return [(state.value, state.label) for state in COLUMNS if state in allowed]


def _decorate(risk: Risk, user, today) -> Risk:
    """What a card or the page shows besides the risk's own fields."""
    risk.can_roam = services.can_roam(user, risk)
    risk.targets = _targets(risk)
    risk.band = severity_band(risk.severity)
    risk.quiet = risk.is_quiet(today)
    return risk


# --- the board ------------------------------------------------------------------------------


def _board_context(
    request: HttpRequest,
    art: ART,
    pi: ProgramIncrement | None,
    *,
    filters: QueryDict,
    full_page: bool,
    board_error: str = "",
    board_notice: str = "",
    raise_form: RiskForm | None = None,
) -> dict:
    """The board's columns and the permission booleans; the page's selects and forms when ``full_page``."""
    user = request.user
    today = art.today()
    risks: list[Risk] = []
    if pi is not None:
        queryset = Risk.objects.for_art(art).for_pi(pi).with_related()
        risks = [_decorate(risk, user, today) for risk in RiskFilter(filters, queryset=queryset, today=today).qs]
    columns = [
        {
            "state": state.value,
            "label": state.label,
            "needs": Risk.NEEDS.get(state, ("", ""))[0],
            "risks": [risk for risk in risks if risk.state == state],
        }
        for state in COLUMNS
    ]
    can_raise = has_capability(user, "risks.raise", art=art)
    members, owner_groups = _people(art)
    context = {
        "art": art,
        "pi": pi,
        "columns": columns,
        "count": len(risks),
        "members": members,
        "owner_groups": owner_groups,
        "quiet_days": QUIET_DAYS,
        "query": board_url(art, pi, filters).partition("?")[2],
        "filters": {key: filters.get(key, "") for key in FILTERS},
        "board_error": board_error,
        "board_notice": board_notice,
    }
    if full_page:
        teams = _teams(art)
        if raise_form is None and can_raise and pi is not None:
            raise_form = RiskForm(teams=teams, members=members, owner_groups=owner_groups)
        context.update(
            {
                "teams": teams,
                "whole_train": WHOLE_TRAIN,
                "severity_bands": [(value, label) for value, label, _low, _high in SEVERITY_BANDS],
                "pis": ProgramIncrement.objects.for_art(art).chronological(),
                "can_raise": can_raise and pi is not None,
                "raise_form": raise_form,
            }
        )
    return context


@art_capability_required("art.view")
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def roam_board(request: HttpRequest) -> HttpResponse:
    """The ROAM board of a PI (``?pi=``, else the current one); a POST raises a risk on it."""
    art: ART = request.art
    pi = pi_of_query(art, request.GET.get("pi"))
    filters = _filters(request.GET)
    if request.method == "POST":
        return _raise(request, art, pi, filters)
    template = partial(request, BOARD_TEMPLATE, "roam-board")
    context = _board_context(request, art, pi, filters=filters, full_page=template == BOARD_TEMPLATE)
    return render(request, template, context)


def _raise(request: HttpRequest, art: ART, pi: ProgramIncrement | None, filters: QueryDict) -> HttpResponse:
    """Raise a risk on the board's PI: a plain form post whose errors show on the whole page."""
    require(request.user, "risks.raise", art=art)
    teams, (members, owner_groups) = _teams(art), _people(art)
    form = RiskForm(request.POST, teams=teams, members=members, owner_groups=owner_groups)
    if pi is None:
        form.add_error(None, "This train has no PI yet: the RTE creates one first.")
    outcome = attempt(form, lambda: services.raise_risk(art, by=request.user, pi=pi, **form.cleaned_data))
    if outcome.done:
        risk = outcome.result
        messages.success(request, f"Risk “{risk.title}” raised on {pi.name}: it starts unroamed.")
        return redirect(board_url(art, pi, filters))
    context = _board_context(request, art, pi, filters=filters, full_page=True, raise_form=form)
    return render(request, BOARD_TEMPLATE, context, status=outcome.status)


# --- moving a risk ------------------------------------------------------------------------------


@art_capability_required("art.view")
@require_POST
def risk_roam(request: HttpRequest, risk_id: int) -> HttpResponse:
    """Move a risk to another ROAM state with what that state needs (the card's menu, or a drop)."""
    art: ART = request.art
    risk = _risk_of(art, risk_id)
    # The capability before the input: a role that may not ROAM learns nothing from validation.
    if not services.can_roam(request.user, risk):
        raise PermissionDenied(ROAM_NOT_ALLOWED)
    form = RoamForm(request.POST, members=_members(art))

    def roam() -> Risk:
        data = form.cleaned_data
        return services.roam_risk(
            risk, to=data["to"], by=request.user, expected_version=data["version"], note=data["note"], **form.needs()
        )

    if form.is_valid() and form.cleaned_data["risk"] not in (None, risk.pk):
        # The form of one card posted to another risk's address: refused, nothing moves.
        outcome = conflict(
            f"That move was made on another card than “{risk.title}”: nothing was moved. "
            "The board shows the current state; move the risk again.",
            current=risk,
        )
    else:
        outcome = attempt(form, roam, refusal=f"“{risk.title}” was not moved")
    if outcome.conflict:
        outcome = replace(outcome, error=f"{outcome.error} It is {outcome.current.get_state_display()} now.")
    filters = _filters(request.GET)

    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        """The board as it is now (its fragment for htmx), or the risk's page when the move was made there."""
        shown = outcome.result if outcome.done else (outcome.current or risk)
        if _back_to_risk(request):
            members, owner_groups = _people(art)
            context = _risk_context(
                request, art, shown, teams=_teams(art), members=members, owner_groups=owner_groups, roam_error=error
            )
            return render(request, RISK_TEMPLATE, context, status=status)
        template = partial(request, BOARD_TEMPLATE, "roam-board")
        context = _board_context(
            request,
            art,
            shown.pi,
            filters=filters,
            full_page=template == BOARD_TEMPLATE,
            board_error=error,
            board_notice=notice,
        )
        return render(request, template, context, status=status)

    redirect_to = risk.get_absolute_url() if _back_to_risk(request) else board_url(art, risk.pi, filters)
    return answer(
        request,
        outcome,
        show=show,
        redirect_to=redirect_to,
        notice=lambda moved: f"“{moved.title}” moved to {moved.get_state_display()}.",
    )


def _back_to_risk(request: HttpRequest) -> bool:
    """A move made on the risk's own page (without htmx) answers with that page."""
    return request.POST.get("return_to") == "risk" and not request.htmx


# --- the risk's page --------------------------------------------------------------------------


def _initial(risk: Risk) -> dict:
    return {
        "title": risk.title,
        "description": risk.description,
        "team": risk.team_id,
        "owner": risk.owner_id,
        "probability": risk.probability,
        "impact": risk.impact,
        "due_date": risk.due_date,
        "version": risk.version,
    }


def _history(risk: Risk) -> list[dict]:
    """Every recorded change, oldest first, with each field's before → after."""
    return [
        {"change": change, "fields": risk_change_lines(change.changes)}
        for change in RiskChange.objects.filter(risk=risk).select_related("by").order_by("at", "id")
    ]


def _risk_context(
    request: HttpRequest,
    art: ART,
    risk: Risk,
    *,
    teams: list[Team],
    members: list[User],
    owner_groups: list[tuple[str, list[User]]] = (),
    form: RiskEditForm | None = None,
    conflict: str = "",
    roam_error: str = "",
) -> dict:
    user = request.user
    _decorate(risk, user, art.today())
    can_edit = services.can_edit_risk(user, risk)
    if form is None and can_edit:
        form = RiskEditForm(initial=_initial(risk), teams=teams, members=members, owner_groups=owner_groups)
    return {
        "art": art,
        "risk": risk,
        "members": members,
        "owner_groups": owner_groups,
        "form": form,
        "can_edit": can_edit,
        "quiet_days": QUIET_DAYS,
        "conflict": conflict,
        "roam_error": roam_error,
        "history": _history(risk),
        "query": "",
    }


@art_capability_required("art.view")
@require_http_methods(["GET", "POST"])
def risk_detail(request: HttpRequest, risk_id: int) -> HttpResponse:
    """One risk: everything about it, its history, the form to correct it and the ROAM form."""
    art: ART = request.art
    risk = _risk_of(art, risk_id)
    teams, (members, owner_groups) = _teams(art), _people(art)
    if risk.team is not None and risk.team not in teams:
        # An inactive team still shows as this risk's team.
        teams = sorted([*teams, risk.team], key=lambda team: team.name)
    form = None
    conflict = ""
    status = OK
    if request.method == "POST":
        if not services.can_edit_risk(request.user, risk):
            raise PermissionDenied(EDIT_NOT_ALLOWED)
        form = RiskEditForm(request.POST, teams=teams, members=members, owner_groups=owner_groups)

        def save() -> Risk:
            changes = dict(form.cleaned_data)
            version = changes.pop("version")
            return services.update_risk(risk, by=request.user, expected_version=version, **changes)

        outcome = attempt(form, save)
        if outcome.done:
            messages.success(request, f"“{outcome.result.title}” saved.")
            return redirect(outcome.result)
        status = outcome.status
        if outcome.conflict:
            # The page shows the risk as it is now, with the reason.
            risk, conflict = outcome.current, outcome.error
            form = RiskEditForm(initial=_initial(risk), teams=teams, members=members, owner_groups=owner_groups)
    context = _risk_context(
        request, art, risk, teams=teams, members=members, owner_groups=owner_groups, form=form, conflict=conflict
    )
    return render(request, RISK_TEMPLATE, context, status=status)


# --- the CSV export ---------------------------------------------------------------------------


@art_capability_required("art.view")
@require_GET
def risks_csv(request: HttpRequest) -> HttpResponse:
    """The train's risks (filtered like the ROAM board: ``?pi=``, team, severity, state, quiet), one per row.

    Read in one query whatever their number; a filter value that is not one (``?pi=abc``)
    answers 400 with the reason, rather than an export of everything.
    """
    art: ART = request.art
    today = art.today()
    filterset = RiskFilter(request.GET, queryset=Risk.objects.for_art(art).with_related(), today=today)
    if not filterset.is_valid():
        return bad_filters(filterset)
    rows = (
        [
            risk.pk,
            csv_safe(risk.pi.name),
            csv_safe(risk.team.name) if risk.team_id else "",
            csv_safe(risk.title),
            csv_safe(risk.description),
            risk.state,
            risk.probability,
            risk.impact,
            risk.severity,
            csv_safe(risk.owner.display_name) if risk.owner_id else "",
            csv_safe(risk.raised_by.display_name),
            csv_day(risk.due_date),
            csv_safe(risk.rationale),
            csv_safe(risk.mitigation_plan),
            "yes" if risk.is_quiet(today) else "no",
            csv_moment(risk.created_at, art),
            csv_moment(risk.updated_at, art),
        ]
        for risk in filterset.qs
    )
    return csv_response(f"{art.slug}-risks.csv", CSV_COLUMNS, rows)
