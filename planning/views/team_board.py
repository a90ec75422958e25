"""The team board: the Scrum Master's page of a team's plan for one PI.

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

from functools import partial as bind

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from artops.models import ART, ProgramIncrement, Team
from artops.pages import OK, Outcome, answer, attempt, conflict, partial, pi_of, team_of
from artops.parsing import shown
from artops.permissions import art_capability_required, has_capability, require
from planning import services
from planning.boards import points_text
from planning.boards import team_board as build_team_board
from planning.forms.team_board import (
    CapacityForm,
    PlacementForm,
    PlacementRemoveForm,
    StoryCreateForm,
    StoryDeleteForm,
    StoryEditForm,
    StoryMoveForm,
)
from planning.models import FeaturePlacement, Story

NAV_SECTION = "plan"

BOARD_TEMPLATE = "planning/team_board.html"


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

    ``typed``: what a refused add held, shown again in the board's one add form.
    """
    user = request.user
    board = build_team_board(team, pi)
    can_edit_plan = has_capability(user, "planning.edit_team_plan", art=art, team=team)
    for story in board.stories:
        story.editable = can_edit_plan or services.can_edit_story(user, story)
    checks = _story_checks(board, art.today())
    return {
        "checks": checks,
        # The features this team has not placed: one "place a feature" form, not a row each.
        "unplaced_rows": [row for row in board.feature_rows if row.placement is None],
        "typed": typed or {},
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


def _show(
    request: HttpRequest,
    art: ART,
    pi: ProgramIncrement,
    team: Team,
    status: int = OK,
    *,
    error: str = "",
    notice: str = "",
    typed: dict | None = None,
) -> HttpResponse:
    """The board with a message: its fragment for htmx, the whole page otherwise."""
    context = _board_context(request, art, pi, team, board_error=error, board_notice=notice, typed=typed)
    return render(request, partial(request, BOARD_TEMPLATE, "board"), context, status=status)


def _answer(
    request: HttpRequest,
    art: ART,
    pi: ProgramIncrement,
    team: Team,
    outcome: Outcome,
    notice="",
    *,
    typed: dict | None = None,
) -> HttpResponse:
    """A write's answer (``artops.pages.answer``): the fresh board, or a redirect back to it."""
    show = bind(_show, request, art, pi, team, typed=typed)
    return answer(request, outcome, show=show, redirect_to=board_url(art, pi, team), notice=notice)


def _story_of(team: Team, pi: ProgramIncrement, story_id: int) -> Story:
    """A story of this team's plan for this PI (404 otherwise), with the team and PI at hand."""
    story = get_object_or_404(Story.objects.for_team(team).for_pi(pi).select_related("feature"), pk=story_id)
    story.team, story.pi = team, pi
    return story


def _story_checks(board, today) -> dict:
    """What the cards warn about besides ``late_for`` (planning.boards): marks each story, lists them.

    ``early_for``: the story sits in an iteration before its feature's placement there (the team
    plans work ahead of the feature it serves). ``unfinished_past``: the story's iteration is
    over and it is not done. Read from the board's objects: no query.
    """
    placed = {placement.feature_id: placement for placement in board.placements}
    early, unfinished, late = [], [], []
    for story in board.stories:
        placement = placed.get(story.feature_id) if story.feature_id else None
        planned = story.iteration if story.iteration_id else None
        story.early_for = placement if placement and planned and planned.number < placement.iteration.number else None
        story.unfinished_past = bool(planned and planned.end_date < today and story.state != Story.State.DONE)
        story.warned = bool(story.late_for or story.early_for or story.unfinished_past)
        if story.late_for:
            late.append(story)
        if story.early_for:
            early.append(story)
        if story.unfinished_past:
            unfinished.append(story)
    return {
        "late": late,
        "early": early,
        "unfinished": unfinished,
        "count": len(late) + len(early) + len(unfinished) + len(board.notes),
    }


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

    def save():
        data = form.cleaned_data
        return services.set_capacity(
            team,
            data["iteration"],
            by=request.user,
            fte=data["fte"],
            vacation_days=data["vacation_days"],
            holiday_days=data["holiday_days"],
            velocity=data["velocity"],
            expected_version=data["version"],
        )

    outcome = attempt(form, save, refusal="The capacity was not saved")
    return _answer(
        request,
        art,
        pi,
        team,
        outcome,
        lambda capacity: f"Capacity of {capacity.iteration.name}: {points_text(capacity.capacity)} points.",
    )


@art_capability_required("art.view")
@require_POST
def board_story_create(request: HttpRequest, pi_id: int, team_id: int) -> HttpResponse:
    """Add a story with the board's one add form: to an iteration, or unplanned."""
    art: ART = request.art
    pi, team = pi_of(art, pi_id), team_of(art, team_id)
    if not has_capability(request.user, "planning.edit_team_plan", art=art, team=team):
        require(request.user, "planning.edit_own_stories", art=art, team=team)
    form = StoryCreateForm(request.POST, pi=pi)

    def create():
        data = form.cleaned_data
        return services.create_story(
            team,
            pi,
            by=request.user,
            title=data["title"],
            points=data["points"],
            iteration=data["iteration"],
            feature=data["feature"],
        )

    outcome = attempt(form, create, refusal="The story was not added")
    # A refused add shows what was typed again in the add form, the iteration chosen included.
    typed = None
    if not outcome.done:
        # Shown again escaped and cut (``shown``): a refused value never comes back raw, nor 100,000 characters long.
        limits = {"title": Story._meta.get_field("title").max_length, "points": 20, "feature": 20}
        typed = {name: shown(request.POST.get(name, ""), limit) for name, limit in limits.items()}
        typed["iteration"] = shown(request.POST.get("iteration", ""), 20)
    return _answer(
        request,
        art,
        pi,
        team,
        outcome,
        lambda story: f"“{story.title}” added to {_where(story.iteration)}.",
        typed=typed,
    )


@art_capability_required("art.view")
@require_POST
def board_story_edit(request: HttpRequest, pi_id: int, team_id: int, story_id: int) -> HttpResponse:
    """Inline edit of a story's title, points, state and feature."""
    art: ART = request.art
    pi, team = pi_of(art, pi_id), team_of(art, team_id)
    story = _story_of(team, pi, story_id)
    services.require_story_edit(request.user, story)
    form = StoryEditForm(request.POST, story=story)

    def save():
        changes = dict(form.cleaned_data)
        version = changes.pop("version")
        return services.update_story(story, by=request.user, expected_version=version, **changes)

    outcome = attempt(form, save, refusal=f"“{story.title}” was not changed")
    return _answer(request, art, pi, team, outcome, lambda saved: f"“{saved.title}” saved.")


@art_capability_required("art.view")
@require_POST
def board_story_move(request: HttpRequest, pi_id: int, team_id: int, story_id: int) -> HttpResponse:
    """Move a story to another iteration (the menu of its card, or a drop on a column)."""
    art: ART = request.art
    pi, team = pi_of(art, pi_id), team_of(art, team_id)
    story = _story_of(team, pi, story_id)
    services.require_story_edit(request.user, story)
    form = StoryMoveForm(request.POST, pi=pi)

    def move():
        data = form.cleaned_data
        return services.move_story(
            story, iteration=data["iteration"], by=request.user, expected_version=data["version"]
        )

    outcome = attempt(form, move, refusal=f"“{story.title}” was not moved")
    return _answer(
        request,
        art,
        pi,
        team,
        outcome,
        lambda moved: f"“{moved.title}” moved to {_where(form.cleaned_data['iteration'])}.",
    )


@art_capability_required("art.view")
@require_POST
def board_story_delete(request: HttpRequest, pi_id: int, team_id: int, story_id: int) -> HttpResponse:
    """Delete a story from the team's plan (with its version)."""
    art: ART = request.art
    pi, team = pi_of(art, pi_id), team_of(art, team_id)
    story = _story_of(team, pi, story_id)
    services.require_story_edit(request.user, story)
    form = StoryDeleteForm(request.POST)
    outcome = attempt(
        form,
        lambda: services.delete_story(story, by=request.user, expected_version=form.cleaned_data["version"]),
        refusal=f"“{story.title}” was not deleted",
    )
    return _answer(request, art, pi, team, outcome, f"“{story.title}” deleted.")


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
    placement = None
    if form.is_valid():
        feature, version = form.cleaned_data["feature"], form.cleaned_data["version"]
        placement = _placement_of(feature, team)
        if placement is None and version is not None:
            removed = conflict(f"{_removed_meanwhile(team, feature)} Place it again.")
            return _answer(request, art, pi, team, removed)

    def place():
        data = form.cleaned_data
        if placement is None:
            return services.place_feature(data["feature"], team=team, iteration=data["iteration"], by=request.user)
        # Without a version the page showed it unplaced: someone placed it since, so it is stale.
        expected = data["version"] if data["version"] is not None else 0
        return services.move_placement(
            placement, iteration=data["iteration"], by=request.user, expected_version=expected
        )

    outcome = attempt(form, place, refusal="The placement was not saved")
    return _answer(
        request,
        art,
        pi,
        team,
        outcome,
        lambda placed: f"{placed.feature.key} placed in {placed.iteration.name} for {team.name}.",
    )


@art_capability_required("art.view")
@require_POST
def board_placement_remove(request: HttpRequest, pi_id: int, team_id: int) -> HttpResponse:
    """Remove the team's placement of a feature (with its version)."""
    art: ART = request.art
    pi, team = pi_of(art, pi_id), team_of(art, team_id)
    require(request.user, "planning.edit_team_plan", art=art, team=team)
    form = PlacementRemoveForm(request.POST, pi=pi, team=team)
    placement = None
    if form.is_valid():
        feature = form.cleaned_data["feature"]
        placement = _placement_of(feature, team)
        if placement is None:
            return _answer(request, art, pi, team, conflict(_removed_meanwhile(team, feature)))
    outcome = attempt(
        form,
        lambda: services.remove_placement(placement, by=request.user, expected_version=form.cleaned_data["version"]),
        refusal="The placement was not removed",
    )
    return _answer(
        request,
        art,
        pi,
        team,
        outcome,
        lambda _removed: f"{team.name}'s placement of {form.cleaned_data['feature'].key} removed.",
    )
