"""PI objectives: a team's objectives page, the ART's objectives page and their CSV export.

A team's page lists its objectives for one PI, committed first, then the uncommitted
(stretch) ones, with their linked features, business value, history and the team's totals
and predictability. The team's Scrum Master and Product Owner (and the RTE) write the
objectives; Business Owners alone give them business value. Every write works as a plain
form post and, with htmx, answers the page's objectives fragment, totals included, so that
a Business Owner sees the totals move as they type.

The ART page shows every team's objectives and totals and the ART's predictability against
the healthy band of 80–100% (DESIGN.md, "PI objectives and predictability").

Both pages read a constant number of queries whatever the number of teams and objectives:
totals come from one aggregate query, objectives with their features and history from one
query each.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from artops.models import ART, ProgramIncrement, Team
from artops.pages import OK, UNPROCESSABLE, Outcome, answer, attempt, csv_response, csv_safe, partial, pi_of, team_of
from artops.permissions import art_capability_required
from planning import services
from planning.forms.objectives import BusinessValueForm, ObjectiveEditForm, ObjectiveForm, VersionForm
from planning.models import BAND_LABELS, HEALTHY_BAND, Feature, ObjectiveChange, PIObjective, band_of

NAV_SECTION = "objectives"

TEAM_TEMPLATE = "planning/team_objectives.html"
TEAM_FRAGMENT = "team-objectives"
ART_TEMPLATE = "planning/art_objectives.html"

# DESIGN.md: the healthy band of predictability, shown next to every predictability value.

CSV_COLUMNS = ("team", "statement", "committed", "planned_business_value", "actual_business_value", "features")


@dataclass(frozen=True)
class Totals:
    """Business value totals of a team (or of the whole ART) for a PI, and its predictability."""

    planned_committed: int = 0
    planned_stretch: int = 0
    actual: int = 0
    assessed: int = 0
    predictability: Decimal | None = None

    @classmethod
    def of(cls, row: dict | None) -> Totals:
        """From a row of ``totals_by_team()`` or from ``art_totals()``; no row: no objectives yet."""
        if not row:
            return cls()
        return cls(
            planned_committed=row["planned_committed"],
            planned_stretch=row["planned_stretch"],
            actual=row["actual"],
            assessed=row["assessed"],
            predictability=row["predictability"],
        )

    @property
    def planned(self) -> int:
        """Planned business value of all objectives, committed or not."""
        return self.planned_committed + self.planned_stretch

    @property
    def band(self) -> str:
        """Where predictability sits against the healthy band: ``in``, ``below``, ``above``, or "" if undefined."""
        return band_of(self.predictability)

    @property
    def band_label(self) -> str:
        return BAND_LABELS.get(self.band, "")

    @property
    def hint(self) -> str:
        """Why predictability is undefined ("—"), or "" when it is defined."""
        if self.predictability is not None:
            return ""
        if not self.planned_committed:
            return "no committed planned business value yet"
        return "no actual business value yet"


@dataclass
class TeamRow:
    """One team on the ART objectives page."""

    team: Team
    objectives: list[PIObjective]
    totals: Totals


# --- reading -----------------------------------------------------------------------------------


def _train_pis(art: ART) -> list[ProgramIncrement]:
    return list(ProgramIncrement.objects.for_art(art).order_by("start_date"))


def _feature_choices(art: ART, pi: ProgramIncrement, team: Team) -> list[Feature]:
    """The features an objective of ``team`` may link: the train's features of the PI.

    Features already linked to the team's objectives of the PI stay choosable even if they
    were moved to another PI since, so that editing an objective never drops them silently.
    """
    linked = Q(objectives__team=team, objectives__pi=pi)
    return list(
        Feature.objects.for_art(art).filter(Q(pi=pi) | linked).distinct().order_by("id").only("id", "key", "title")
    )


def _team_objectives(pi: ProgramIncrement, team: Team) -> list[PIObjective]:
    """The team's objectives of the PI, committed first, with their features and history."""
    return list(
        PIObjective.objects.for_pi(pi)
        .for_team(team)
        .prefetch_related(
            Prefetch("features", queryset=Feature.objects.order_by("id").only("id", "key", "title")),
            Prefetch("changes", queryset=ObjectiveChange.objects.select_related("by").order_by("at", "id")),
        )
    )


def _edit_initial(objective: PIObjective) -> dict:
    return {
        "statement": objective.statement,
        "committed": objective.committed,
        "features": [feature.pk for feature in objective.linked],
        "version": objective.version,
    }


def _business_value_initial(objective: PIObjective) -> dict:
    return {
        "planned_business_value": objective.planned_business_value,
        "actual_business_value": objective.actual_business_value,
        "version": objective.version,
    }


def _team_context(
    request: HttpRequest,
    art: ART,
    pi: ProgramIncrement,
    team: Team,
    *,
    features: list[Feature] | None = None,
    add_form: ObjectiveForm | None = None,
    bound: dict[int, dict[str, forms.Form]] | None = None,
    error: str = "",
    notice: str = "",
) -> dict:
    """What the team page and its fragment show; ``bound`` holds refused forms per objective id."""
    user = request.user
    can_write = services.can_change_objective(user, team, services.OBJECTIVE_FIELDS)
    can_set_business_value = services.can_change_objective(user, team, services.BUSINESS_VALUE_FIELDS)
    bound = bound or {}
    if can_write and features is None:
        features = _feature_choices(art, pi, team)
    objectives = _team_objectives(pi, team)
    for objective in objectives:
        objective.linked = list(objective.features.all())
        objective.history = list(objective.changes.all())
        forms_ = bound.get(objective.pk, {})
        if can_write:
            objective.edit_form = forms_.get("edit") or ObjectiveEditForm(
                features=features, initial=_edit_initial(objective), auto_id=f"objective-{objective.pk}-%s"
            )
            objective.delete_form = VersionForm(
                initial={"version": objective.version}, auto_id=f"objective-{objective.pk}-delete-%s"
            )
        if can_set_business_value:
            objective.bv_form = forms_.get("business_value") or BusinessValueForm(
                initial=_business_value_initial(objective), auto_id=f"objective-{objective.pk}-bv-%s"
            )
    if can_write and add_form is None:
        add_form = ObjectiveForm(features=features, auto_id="new-objective-%s")
    totals = PIObjective.objects.for_pi(pi).for_team(team).totals_by_team().get(team.pk)
    return {
        "art": art,
        "pi": pi,
        "team": team,
        "pis": _train_pis(art),
        "committed": [objective for objective in objectives if objective.committed],
        "stretch": [objective for objective in objectives if not objective.committed],
        "totals": Totals.of(totals),
        "healthy_band": HEALTHY_BAND,
        "can_write": can_write,
        "can_set_business_value": can_set_business_value,
        "add_form": add_form,
        "error": error,
        "notice": notice,
    }


@art_capability_required("art.view")
@require_GET
@vary_on_headers("HX-Request")
def team_objectives(request: HttpRequest, pi_id: int, team_id: int) -> HttpResponse:
    """A team's PI objectives with their business value, totals, predictability and history."""
    art: ART = request.art
    pi, team = pi_of(art, pi_id), team_of(art, team_id)
    context = _team_context(request, art, pi, team)
    return render(request, partial(request, TEAM_TEMPLATE, TEAM_FRAGMENT), context)


@art_capability_required("art.view")
@require_GET
def objectives_home(request: HttpRequest) -> HttpResponse:
    """The train's objectives of the current PI (the PI plan's empty state when there is no PI)."""
    art: ART = request.art
    pi = ProgramIncrement.objects.for_art(art).current(art.today())
    if pi is None:
        return redirect("planning_home", art_slug=art.slug)
    return redirect("art_objectives", art_slug=art.slug, pi_id=pi.pk)


@art_capability_required("art.view")
@require_GET
def art_objectives(request: HttpRequest, pi_id: int) -> HttpResponse:
    """Every team's objectives of the PI, their totals and predictability, and the ART's."""
    art: ART = request.art
    pi = pi_of(art, pi_id)
    # Active teams, and teams since deactivated whose objectives of this PI count all the same.
    teams = list(
        Team.objects.for_art(art).filter(Q(active=True) | Q(objectives__pi=pi)).distinct().order_by("name", "id")
    )
    objectives = PIObjective.objects.for_pi(pi).for_art(art)
    by_team: dict[int, list[PIObjective]] = defaultdict(list)
    for objective in objectives:
        by_team[objective.team_id].append(objective)
    totals = objectives.totals_by_team()
    rows = [TeamRow(team, by_team[team.pk], Totals.of(totals.get(team.pk))) for team in teams]
    context = {
        "art": art,
        "pi": pi,
        "pis": _train_pis(art),
        "rows": rows,
        "art_totals": Totals.of(objectives.art_totals()),
        "healthy_band": HEALTHY_BAND,
    }
    return render(request, ART_TEMPLATE, context)


@art_capability_required("art.view")
@require_GET
def objectives_csv(request: HttpRequest, pi_id: int) -> HttpResponse:
    """The PI's objectives of every team as CSV, one row per objective."""
    art: ART = request.art
    pi = pi_of(art, pi_id)
    objectives = (
        PIObjective.objects.for_pi(pi)
        .for_art(art)
        .select_related("team")
        .prefetch_related(Prefetch("features", queryset=Feature.objects.order_by("id").only("id", "key")))
        .order_by("team__name", "team_id", "-committed", "created_at", "id")
    )
    rows = (
        [
            csv_safe(objective.team.name),
            csv_safe(objective.statement),
            "committed" if objective.committed else "uncommitted",
            _blank_if_none(objective.planned_business_value),
            _blank_if_none(objective.actual_business_value),
            " ".join(csv_safe(feature.key) for feature in objective.features.all()),
        ]
        for objective in objectives
    )
    return csv_response(f"{art.slug}-{slugify(pi.name) or pi.pk}-objectives.csv", CSV_COLUMNS, rows)


def _blank_if_none(value) -> str:
    return "" if value is None else str(value)


# --- writing -----------------------------------------------------------------------------------


def _objective_of(art: ART, objective_id: int) -> PIObjective:
    """An objective of this train (404 otherwise), with its team and PI."""
    return get_object_or_404(PIObjective.objects.for_art(art).select_related("team__art", "pi__art"), pk=objective_id)


def _team_url(pi: ProgramIncrement, team: Team) -> str:
    return reverse("team_objectives", kwargs={"art_slug": team.art.slug, "pi_id": pi.pk, "team_id": team.pk})


def _show(
    request: HttpRequest,
    pi: ProgramIncrement,
    team: Team,
    status: int = OK,
    *,
    error: str = "",
    notice: str = "",
    **context_kwargs,
) -> HttpResponse:
    """The team's objectives with a message: the fragment for htmx, the whole page otherwise."""
    context = _team_context(request, team.art, pi, team, error=error, notice=notice, **context_kwargs)
    return render(request, partial(request, TEAM_TEMPLATE, TEAM_FRAGMENT), context, status=status)


def _answer(
    request: HttpRequest,
    pi: ProgramIncrement,
    team: Team,
    outcome: Outcome,
    notice,
    *,
    refused: dict | None = None,
) -> HttpResponse:
    """A write's answer (``artops.pages.answer``) on the team's objectives.

    ``refused``: how the page shows a refused write instead of a message at the top (the
    refused form, open, with its messages).
    """

    def show(status: int, *, error: str = "", notice: str = "") -> HttpResponse:
        if status == UNPROCESSABLE and refused is not None:
            return _show(request, pi, team, status, **refused)
        return _show(request, pi, team, status, error=error, notice=notice)

    return answer(request, outcome, show=show, redirect_to=_team_url(pi, team), notice=notice)


def _label(objective: PIObjective) -> str:
    statement = objective.statement
    return f"“{statement[:60]}…”" if len(statement) > 60 else f"“{statement}”"


@art_capability_required("art.view")
@require_POST
def objective_create(request: HttpRequest, pi_id: int, team_id: int) -> HttpResponse:
    """Add an objective to the team's PI objectives."""
    art: ART = request.art
    pi, team = pi_of(art, pi_id), team_of(art, team_id)
    # The capability before the input: a role that may not write learns nothing from validation.
    services.require_change_objective(request.user, team, services.OBJECTIVE_FIELDS)
    features = _feature_choices(art, pi, team)
    form = ObjectiveForm(request.POST, features=features, auto_id="new-objective-%s")
    outcome = attempt(form, lambda: services.create_objective(team, pi, by=request.user, **form.cleaned_data))
    return _answer(
        request,
        pi,
        team,
        outcome,
        lambda objective: f"Objective {_label(objective)} added.",
        refused={"features": features, "add_form": form},
    )


@art_capability_required("art.view")
@require_POST
def objective_edit(request: HttpRequest, objective_id: int) -> HttpResponse:
    """Change an objective's statement, commitment or linked features (the version it was read at)."""
    art: ART = request.art
    objective = _objective_of(art, objective_id)
    pi, team = objective.pi, objective.team
    services.require_change_objective(request.user, team, services.OBJECTIVE_FIELDS)
    features = _feature_choices(art, pi, team)
    form = ObjectiveEditForm(request.POST, features=features, auto_id=f"objective-{objective.pk}-%s")

    def save():
        data = form.cleaned_data
        return services.update_objective(
            objective,
            by=request.user,
            expected_version=data["version"],
            statement=data["statement"],
            committed=data["committed"],
            features=data["features"],
        )

    outcome = attempt(form, save)
    return _answer(
        request,
        pi,
        team,
        outcome,
        lambda saved: f"Objective {_label(saved)} saved.",
        refused={"features": features, "bound": {objective.pk: {"edit": form}}},
    )


@art_capability_required("art.view")
@require_POST
def objective_business_value(request: HttpRequest, objective_id: int) -> HttpResponse:
    """A Business Owner gives an objective its planned and actual business value; empty clears one."""
    art: ART = request.art
    objective = _objective_of(art, objective_id)
    pi, team = objective.pi, objective.team
    services.require_change_objective(request.user, team, services.BUSINESS_VALUE_FIELDS)
    form = BusinessValueForm(request.POST, auto_id=f"objective-{objective.pk}-bv-%s")

    def save():
        data = form.cleaned_data
        # A value the request does not name is left alone rather than cleared.
        values = {
            name: data[field]
            for name, field in (("planned", "planned_business_value"), ("actual", "actual_business_value"))
            if field in request.POST
        }
        return services.set_business_value(objective, by=request.user, expected_version=data["version"], **values)

    outcome = attempt(form, save)
    return _answer(
        request,
        pi,
        team,
        outcome,
        lambda saved: f"Business value of {_label(saved)} saved.",
        refused={"bound": {objective.pk: {"business_value": form}}},
    )


@art_capability_required("art.view")
@require_POST
def objective_delete(request: HttpRequest, objective_id: int) -> HttpResponse:
    """Delete an objective (the version it was read at)."""
    art: ART = request.art
    objective = _objective_of(art, objective_id)
    pi, team = objective.pi, objective.team
    services.require_change_objective(request.user, team, services.OBJECTIVE_FIELDS)
    form = VersionForm(request.POST)
    outcome = attempt(
        form,
        lambda: services.delete_objective(objective, by=request.user, expected_version=form.cleaned_data["version"]),
        refusal=f"{_label(objective)} was not deleted",
    )
    return _answer(request, pi, team, outcome, f"Objective {_label(objective)} deleted.")
