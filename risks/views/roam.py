"""The ROAM board of a PI, the ROAM move of one risk, and the risk's own page.

The board shows one column per ROAM state with the risks as cards. A risk moves with the
"Move" menu of its card (a plain form POST that works without JavaScript and redirects back
with a message) or by dragging its card onto another column (``static/js/roam.js``), which
posts the same form; with htmx the answer is the re-rendered board fragment.

Answers: invalid input 422 with the message (the model's own, such as "An owned risk needs an
owner."), a stale version 409 with the message and the current board, a role without the
capability 403 (checked before the input is read), another train's risk or PI 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from artops.forms import add_service_errors
from artops.models import ART, ProgramIncrement, Team, User
from artops.permissions import CAPABILITY_MESSAGES, art_capability_required, has_capability, require
from planning.forms_board import error_text
from planning.views.common import CONFLICT, UNPROCESSABLE, current_pi, partial, pi_of
from risks import services
from risks.filters import SEVERITY_BANDS, WHOLE_TRAIN, RiskFilter, severity_band
from risks.forms import RiskEditForm, RiskForm, RoamForm
from risks.models import QUIET_DAYS, Risk, RiskChange

NAV_SECTION = "risks"

BOARD_TEMPLATE = "risks/board.html"
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

FIELD_LABELS = {
    "state": "State",
    "severity": "Severity",
    "title": "Title",
    "description": "Description",
    "team": "Team",
    "owner": "Owner",
    "probability": "Probability",
    "impact": "Impact",
    "due_date": "Due date",
    "rationale": "Rationale",
    "mitigation_plan": "Mitigation plan",
}


# --- what the pages share ---------------------------------------------------------------------


def _members(art: ART) -> list[User]:
    """The people of the train, each once: the owners a risk may have."""
    return list(User.objects.filter(memberships__art=art).distinct().order_by("display_name", "email"))


def _teams(art: ART) -> list[Team]:
    return list(Team.objects.for_art(art).active().order_by("name"))


def _risk_of(art: ART, risk_id: int) -> Risk:
    """A risk of this train (404 otherwise), with its train, PI, team and people at hand."""
    return get_object_or_404(Risk.objects.for_art(art).with_related(), pk=risk_id)


def _board_pi(art: ART, value: str | None) -> ProgramIncrement | None:
    """The PI named by ``?pi=`` (404 when it is not one of this train's), else the current one."""
    if not value:
        return current_pi(art)
    if not value.isdigit():
        raise Http404("No such PI on this train.")
    return pi_of(art, int(value))


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
    members = _members(art)
    context = {
        "art": art,
        "pi": pi,
        "columns": columns,
        "count": len(risks),
        "members": members,
        "quiet_days": QUIET_DAYS,
        "query": board_url(art, pi, filters).partition("?")[2],
        "filters": {key: filters.get(key, "") for key in FILTERS},
        "board_error": board_error,
        "board_notice": board_notice,
    }
    if full_page:
        teams = _teams(art)
        if raise_form is None and can_raise and pi is not None:
            raise_form = RiskForm(teams=teams, members=members)
        context.update(
            {
                "teams": teams,
                "whole_train": WHOLE_TRAIN,
                "severity_bands": [(value, label) for value, label, _low, _high in SEVERITY_BANDS],
                "pis": ProgramIncrement.objects.for_art(art).order_by("start_date"),
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
    pi = _board_pi(art, request.GET.get("pi"))
    filters = _filters(request.GET)
    if request.method == "POST":
        return _raise(request, art, pi, filters)
    template = partial(request, BOARD_TEMPLATE, "roam-board")
    context = _board_context(request, art, pi, filters=filters, full_page=template == BOARD_TEMPLATE)
    return render(request, template, context)


def _raise(request: HttpRequest, art: ART, pi: ProgramIncrement | None, filters: QueryDict) -> HttpResponse:
    """Raise a risk on the board's PI: a plain form post whose errors show on the whole page."""
    require(request.user, "risks.raise", art=art)
    teams, members = _teams(art), _members(art)
    form = RiskForm(request.POST, teams=teams, members=members)
    if pi is None:
        form.add_error(None, "This train has no PI yet: the RTE creates one first.")
    elif form.is_valid():
        try:
            risk = services.raise_risk(art, by=request.user, pi=pi, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Risk “{risk.title}” raised on {pi.name}: it starts unroamed.")
            return redirect(board_url(art, pi, filters))
    context = _board_context(request, art, pi, filters=filters, full_page=True, raise_form=form)
    return render(request, BOARD_TEMPLATE, context, status=UNPROCESSABLE)


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
    if form.is_valid():
        data = form.cleaned_data
        try:
            risk = services.roam_risk(
                risk,
                to=data["to"],
                by=request.user,
                expected_version=data["version"],
                note=data["note"],
                **form.needs(),
            )
        except services.StaleVersion as stale:
            current = stale.current
            message = f"{stale} It is {current.get_state_display()} now."
            return _roam_refused(request, art, current, message, status=CONFLICT)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _roam_done(request, art, risk, f"“{risk.title}” moved to {risk.get_state_display()}.")
    return _roam_refused(request, art, risk, f"“{risk.title}” was not moved: {error_text(form)}")


def _back_to_risk(request: HttpRequest) -> bool:
    """A move made on the risk's own page (without htmx) answers with that page."""
    return request.POST.get("return_to") == "risk" and not request.htmx


def _roam_done(request: HttpRequest, art: ART, risk: Risk, notice: str) -> HttpResponse:
    """The move went through: the fresh board fragment for htmx, a redirect with a message otherwise."""
    filters = _filters(request.GET)
    if not request.htmx:
        messages.success(request, notice)
        if _back_to_risk(request):
            return redirect(risk)
        return redirect(board_url(art, risk.pi, filters))
    context = _board_context(request, art, risk.pi, filters=filters, full_page=False, board_notice=notice)
    return render(request, f"{BOARD_TEMPLATE}#roam-board", context)


def _roam_refused(
    request: HttpRequest, art: ART, risk: Risk, error: str, *, status: int = UNPROCESSABLE
) -> HttpResponse:
    """Nothing changed: the board (or the risk's page) as it is now, with the reason; 422 or 409."""
    if _back_to_risk(request):
        context = _risk_context(request, art, risk, teams=_teams(art), members=_members(art), roam_error=error)
        return render(request, RISK_TEMPLATE, context, status=status)
    full_page = not request.htmx
    context = _board_context(
        request, art, risk.pi, filters=_filters(request.GET), full_page=full_page, board_error=error
    )
    template = BOARD_TEMPLATE if full_page else f"{BOARD_TEMPLATE}#roam-board"
    return render(request, template, context, status=status)


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


def _shown(field: str, value) -> str:
    """A value of the history as a person reads it: state labels, "—" for nothing."""
    if value is None or value == "":
        return "—"
    if field == "state" and value in Risk.State.values:
        return Risk.State(value).label
    return str(value)


def _history(risk: Risk) -> list[dict]:
    """Every recorded change, oldest first, with each field's before → after."""
    return [
        {
            "change": change,
            "fields": [
                {
                    "label": FIELD_LABELS.get(field, field),
                    "before": _shown(field, before),
                    "after": _shown(field, after),
                }
                for field, (before, after) in change.changes.items()
            ],
        }
        for change in RiskChange.objects.filter(risk=risk).select_related("by").order_by("at", "id")
    ]


def _risk_context(
    request: HttpRequest,
    art: ART,
    risk: Risk,
    *,
    teams: list[Team],
    members: list[User],
    form: RiskEditForm | None = None,
    conflict: str = "",
    roam_error: str = "",
) -> dict:
    user = request.user
    _decorate(risk, user, art.today())
    can_edit = services.can_edit_risk(user, risk)
    if form is None and can_edit:
        form = RiskEditForm(initial=_initial(risk), teams=teams, members=members)
    return {
        "art": art,
        "risk": risk,
        "members": members,
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
    teams, members = _teams(art), _members(art)
    if risk.team is not None and risk.team not in teams:
        # An inactive team still shows as this risk's team.
        teams = sorted([*teams, risk.team], key=lambda team: team.name)
    form = None
    conflict = ""
    status = 200
    if request.method == "POST":
        if not services.can_edit_risk(request.user, risk):
            raise PermissionDenied(EDIT_NOT_ALLOWED)
        form = RiskEditForm(request.POST, teams=teams, members=members)
        if form.is_valid():
            changes = dict(form.cleaned_data)
            version = changes.pop("version")
            try:
                risk = services.update_risk(risk, by=request.user, expected_version=version, **changes)
            except services.StaleVersion as stale:
                risk = stale.current
                form = RiskEditForm(initial=_initial(risk), teams=teams, members=members)
                conflict = f"{stale}"
                status = CONFLICT
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"“{risk.title}” saved.")
                return redirect(risk)
        if status == 200 and form.errors:
            status = UNPROCESSABLE
    context = _risk_context(request, art, risk, teams=teams, members=members, form=form, conflict=conflict)
    return render(request, RISK_TEMPLATE, context, status=status)
