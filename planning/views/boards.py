"""The team board (the Scrum Master's page) and the train's PI plan.

The board shows one column per iteration with its capacity and load, the stories as cards,
and the team's feature placements with the warnings of ``planning.boards``. Every change is a
plain form POST that works without JavaScript (it redirects back to the board with a
message); with htmx the same POST answers the re-rendered board fragment, so that both
columns' load bars change after a move.

Answers: invalid input 422 with the message in the fragment (or the page), a stale version 409
with the message and the current board, a role without the capability 403, another train's
PI, team or story 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from artops.forms import add_service_errors
from artops.models import ART, ProgramIncrement, Team
from artops.permissions import art_capability_required, has_capability, require
from planning import services
from planning.boards import pi_plan as build_pi_plan
from planning.boards import points_text
from planning.boards import team_board as build_team_board
from planning.forms_board import (
    CapacityForm,
    PlacementForm,
    PlacementRemoveForm,
    StoryCreateForm,
    StoryDeleteForm,
    StoryEditForm,
    StoryMoveForm,
    error_text,
)
from planning.models import FeaturePlacement, Story
from planning.views.common import CONFLICT, UNPROCESSABLE, current_pi, partial, pi_of, team_of
from planning.views.readiness import readiness_progress

NAV_SECTION = "plan"

BOARD_TEMPLATE = "planning/team_board.html"


# --- the PI plan -------------------------------------------------------------------------------


@art_capability_required("art.view")
@require_GET
def planning_home(request: HttpRequest) -> HttpResponse:
    """The PI plan of the current PI; a page that says so when the train has no PI yet."""
    art: ART = request.art
    pi = current_pi(art)
    if pi is not None:
        return redirect("pi_plan", art_slug=art.slug, pi_id=pi.pk)
    return render(
        request,
        "planning/pi_plan.html",
        {
            "art": art,
            "pi": None,
            "plan": None,
            "pis": [],
            "can_manage": has_capability(request.user, "art.manage", art=art),
        },
    )


@art_capability_required("art.view")
@require_GET
def pi_plan(request: HttpRequest, pi_id: int) -> HttpResponse:
    """Every active team × every development iteration: load / capacity, overloads flagged."""
    art: ART = request.art
    pi = pi_of(art, pi_id)
    return render(
        request,
        "planning/pi_plan.html",
        {
            "art": art,
            "pi": pi,
            "plan": build_pi_plan(pi),
            "pis": ProgramIncrement.objects.for_art(art).order_by("start_date"),
            "can_manage": has_capability(request.user, "art.manage", art=art),
            "readiness": readiness_progress([pi])[pi.pk],
        },
    )


# --- the team board ---------------------------------------------------------------------------


def board_url(art: ART, pi: ProgramIncrement, team: Team) -> str:
    return reverse("team_board", kwargs={"art_slug": art.slug, "pi_id": pi.pk, "team_id": team.pk})


def _board_context(
    request: HttpRequest,
    art: ART,
    pi: ProgramIncrement,
    team: Team,
    *,
    board_error: str = "",
    board_notice: str = "",
    typed: dict | None = None,
) -> dict:
    """The board and the permission booleans of the template.

    ``typed``: what a refused quick add held, shown again in the column it was typed in.
    """
    user = request.user
    board = build_team_board(team, pi)
    can_edit_plan = has_capability(user, "planning.edit_team_plan", art=art, team=team)
    for story in board.stories:
        story.editable = can_edit_plan or services.can_edit_story(user, story)
    for column in board.columns:
        column.typed = typed if typed is not None and typed["column"] == column.value else None
    return {
        "art": art,
        "pi": pi,
        "team": team,
        "board": board,
        "can_edit_plan": can_edit_plan,
        "can_add_story": can_edit_plan or has_capability(user, "planning.edit_own_stories", art=art, team=team),
        "story_states": Story.State.choices,
        # Read only when the whole page is rendered, not for the board fragment.
        "pis": ProgramIncrement.objects.for_art(art).order_by("start_date"),
        "board_error": board_error,
        "board_notice": board_notice,
    }


@art_capability_required("art.view")
@require_GET
@vary_on_headers("HX-Request")
def team_board(request: HttpRequest, pi_id: int, team_id: int) -> HttpResponse:
    """A team's board for one PI; with htmx, the board fragment alone."""
    art: ART = request.art
    pi, team = pi_of(art, pi_id), team_of(art, team_id)
    context = _board_context(request, art, pi, team)
    return render(request, partial(request, BOARD_TEMPLATE, "board"), context)


def _done(request: HttpRequest, art: ART, pi: ProgramIncrement, team: Team, notice: str) -> HttpResponse:
    """A change went through: the fresh board fragment for htmx, a redirect with a message otherwise."""
    if not request.htmx:
        messages.success(request, notice)
        return redirect(board_url(art, pi, team))
    context = _board_context(request, art, pi, team, board_notice=notice)
    return render(request, f"{BOARD_TEMPLATE}#board", context)


def _refused(
    request: HttpRequest,
    art: ART,
    pi: ProgramIncrement,
    team: Team,
    error: str,
    *,
    status: int = UNPROCESSABLE,
    **extra,
) -> HttpResponse:
    """Nothing changed: the board (fragment for htmx, whole page otherwise) with the reason, 422 or 409."""
    context = _board_context(request, art, pi, team, board_error=error, **extra)
    template = f"{BOARD_TEMPLATE}#board" if request.htmx else BOARD_TEMPLATE
    return render(request, template, context, status=status)


def _stale(request: HttpRequest, art: ART, pi: ProgramIncrement, team: Team, message: str) -> HttpResponse:
    return _refused(request, art, pi, team, message, status=CONFLICT)


def _story_of(team: Team, pi: ProgramIncrement, story_id: int) -> Story:
    """A story of this team's plan for this PI (404 otherwise), with the team and PI at hand."""
    story = get_object_or_404(Story.objects.for_team(team).for_pi(pi).select_related("feature"), pk=story_id)
    story.team, story.pi = team, pi
    return story


def _where(iteration) -> str:
    return iteration.name if iteration else "Unplanned"


@art_capability_required("art.view")
@require_POST
def board_capacity(request: HttpRequest, pi_id: int, team_id: int) -> HttpResponse:
    """Enter or correct the team's capacity for one development iteration."""
    art: ART = request.art
    pi, team = pi_of(art, pi_id), team_of(art, team_id)
    require(request.user, "planning.edit_team_plan", art=art, team=team)
    form = CapacityForm(request.POST, pi=pi)
    if form.is_valid():
        data = form.cleaned_data
        try:
            capacity = services.set_capacity(
                team,
                data["iteration"],
                by=request.user,
                fte=data["fte"],
                vacation_days=data["vacation_days"],
                holiday_days=data["holiday_days"],
                velocity=data["velocity"],
                expected_version=data["version"],
            )
        except services.StaleVersion as stale:
            return _stale(request, art, pi, team, str(stale))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            notice = f"Capacity of {capacity.iteration.name}: {points_text(capacity.capacity)} points."
            return _done(request, art, pi, team, notice)
    return _refused(request, art, pi, team, f"The capacity was not saved: {error_text(form)}")


@art_capability_required("art.view")
@require_POST
def board_story_create(request: HttpRequest, pi_id: int, team_id: int) -> HttpResponse:
    """Quick add of a story to a column (an iteration, or unplanned)."""
    art: ART = request.art
    pi, team = pi_of(art, pi_id), team_of(art, team_id)
    if not has_capability(request.user, "planning.edit_team_plan", art=art, team=team):
        require(request.user, "planning.edit_own_stories", art=art, team=team)
    form = StoryCreateForm(request.POST, pi=pi)
    if form.is_valid():
        data = form.cleaned_data
        try:
            story = services.create_story(
                team,
                pi,
                by=request.user,
                title=data["title"],
                points=data["points"],
                iteration=data["iteration"],
                feature=data["feature"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, art, pi, team, f"“{story.title}” added to {_where(story.iteration)}.")
    typed = {
        "column": request.POST.get("iteration", ""),
        "title": request.POST.get("title", ""),
        "points": request.POST.get("points", ""),
        "feature": request.POST.get("feature", ""),
    }
    return _refused(request, art, pi, team, f"The story was not added: {error_text(form)}", typed=typed)


@art_capability_required("art.view")
@require_POST
def board_story_edit(request: HttpRequest, pi_id: int, team_id: int, story_id: int) -> HttpResponse:
    """Inline edit of a story's title, points, state and feature."""
    art: ART = request.art
    pi, team = pi_of(art, pi_id), team_of(art, team_id)
    story = _story_of(team, pi, story_id)
    services.require_story_edit(request.user, story)
    form = StoryEditForm(request.POST, story=story)
    if form.is_valid():
        changes = dict(form.cleaned_data)
        version = changes.pop("version")
        try:
            story = services.update_story(story, by=request.user, expected_version=version, **changes)
        except services.StaleVersion as stale:
            return _stale(request, art, pi, team, str(stale))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, art, pi, team, f"“{story.title}” saved.")
    return _refused(request, art, pi, team, f"“{story.title}” was not changed: {error_text(form)}")


@art_capability_required("art.view")
@require_POST
def board_story_move(request: HttpRequest, pi_id: int, team_id: int, story_id: int) -> HttpResponse:
    """Move a story to another iteration (the menu of its card, or a drop on a column)."""
    art: ART = request.art
    pi, team = pi_of(art, pi_id), team_of(art, team_id)
    story = _story_of(team, pi, story_id)
    services.require_story_edit(request.user, story)
    form = StoryMoveForm(request.POST, pi=pi)
    if form.is_valid():
        iteration = form.cleaned_data["iteration"]
        try:
            story = services.move_story(
                story, iteration=iteration, by=request.user, expected_version=form.cleaned_data["version"]
            )
        except services.StaleVersion as stale:
            return _stale(request, art, pi, team, str(stale))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, art, pi, team, f"“{story.title}” moved to {_where(iteration)}.")
    return _refused(request, art, pi, team, f"“{story.title}” was not moved: {error_text(form)}")


@art_capability_required("art.view")
@require_POST
def board_story_delete(request: HttpRequest, pi_id: int, team_id: int, story_id: int) -> HttpResponse:
    """Delete a story from the team's plan (with its version)."""
    art: ART = request.art
    pi, team = pi_of(art, pi_id), team_of(art, team_id)
    story = _story_of(team, pi, story_id)
    services.require_story_edit(request.user, story)
    form = StoryDeleteForm(request.POST)
    if form.is_valid():
        try:
            services.delete_story(story, by=request.user, expected_version=form.cleaned_data["version"])
        except services.StaleVersion as stale:
            return _stale(request, art, pi, team, str(stale))
        return _done(request, art, pi, team, f"“{story.title}” deleted.")
    return _refused(request, art, pi, team, f"“{story.title}” was not deleted: {error_text(form)}")


def _removed_meanwhile(team: Team, feature) -> str:
    return f"Someone removed {team.name}'s placement of {feature.key} a moment ago. The board shows the current state."


def _placement_of(feature, team: Team) -> FeaturePlacement | None:
    placement = FeaturePlacement.objects.filter(feature=feature, team=team).select_related("iteration").first()
    if placement is not None:
        placement.feature, placement.team = feature, team
    return placement


@art_capability_required("art.view")
@require_POST
def board_placement_set(request: HttpRequest, pi_id: int, team_id: int) -> HttpResponse:
    """Place a feature in an iteration, or move the team's placement of it (with its version)."""
    art: ART = request.art
    pi, team = pi_of(art, pi_id), team_of(art, team_id)
    require(request.user, "planning.edit_team_plan", art=art, team=team)
    form = PlacementForm(request.POST, pi=pi, team=team)
    if form.is_valid():
        feature, iteration, version = (form.cleaned_data[name] for name in ("feature", "iteration", "version"))
        placement = _placement_of(feature, team)
        if placement is None and version is not None:
            return _stale(request, art, pi, team, f"{_removed_meanwhile(team, feature)} Place it again.")
        try:
            if placement is None:
                placement = services.place_feature(feature, team=team, iteration=iteration, by=request.user)
            else:
                # Without a version the page showed it unplaced: someone placed it since, so it is stale.
                expected = version if version is not None else 0
                placement = services.move_placement(
                    placement, iteration=iteration, by=request.user, expected_version=expected
                )
        except services.StaleVersion as stale:
            return _stale(request, art, pi, team, str(stale))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            notice = f"{feature.key} placed in {placement.iteration.name} for {team.name}."
            return _done(request, art, pi, team, notice)
    return _refused(request, art, pi, team, f"The placement was not saved: {error_text(form)}")


@art_capability_required("art.view")
@require_POST
def board_placement_remove(request: HttpRequest, pi_id: int, team_id: int) -> HttpResponse:
    """Remove the team's placement of a feature (with its version)."""
    art: ART = request.art
    pi, team = pi_of(art, pi_id), team_of(art, team_id)
    require(request.user, "planning.edit_team_plan", art=art, team=team)
    form = PlacementRemoveForm(request.POST, pi=pi, team=team)
    if form.is_valid():
        feature = form.cleaned_data["feature"]
        placement = _placement_of(feature, team)
        if placement is None:
            return _stale(request, art, pi, team, _removed_meanwhile(team, feature))
        try:
            services.remove_placement(placement, by=request.user, expected_version=form.cleaned_data["version"])
        except services.StaleVersion as stale:
            return _stale(request, art, pi, team, str(stale))
        return _done(request, art, pi, team, f"{team.name}'s placement of {feature.key} removed.")
    return _refused(request, art, pi, team, f"The placement was not removed: {error_text(form)}")
