"""The program board of a PI: the page, card moves, milestones and the live "has anything changed" check.

The page is the whole board; with htmx (filters, moves, the live check) the board fragment
alone. Every write works as a plain form post (it redirects back to the board with a message)
and, with htmx, answers the re-rendered board fragment.

Answers of a move: invalid input (the IP iteration, an iteration of another PI, a missing
version) 422 with the message in the board; a role without the capability 403 (text for htmx);
a stale version 409 with the message and the current board; an unknown card or another
train 404. Nothing is written on any refusal.

Live board: the page polls ``program_board_changes`` with the board clock's value it shows.
While nothing changed the answer is 204 and costs three queries: the session, the user, and
one query that checks membership of the PI's train and reads the clock together.
"""

from __future__ import annotations

import json
from dataclasses import replace

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from artops import fastcache
from artops.models import ART, ProgramIncrement, Team
from artops.pages import UNPROCESSABLE, Outcome, answer, attempt, csv_response, partial, pi_of, refused
from artops.parsing import BadNumber, id_or_nothing, parse_since
from artops.permissions import CAPABILITY_MESSAGES, art_capability_required, has_capability, require, teams_where
from planning import live_board, services
from planning.filters import ProgramBoardFilter
from planning.forms.program_board import MilestoneDeleteForm, MilestoneForm, MoveForm
from planning.models import BoardClock, FeaturePlacement, Milestone
from planning.program_board import LEGEND, BoardFilters
from planning.program_board_export import CSV_HEADER, board_svg, csv_rows
from planning.program_board_html import BoardLinks, card_html, dependency_row_html, line_path_html, sticky_html
from planning.program_board_layout import program_board
from risks.models import Dependency

NAV_SECTION = "board"

TEMPLATE = "planning/program_board.html"
MOVE_CAPABILITY = "planning.edit_team_plan"
SINCE_MISSING = "Say which version of the board you have: ?since=<number>."


# --- filters ---------------------------------------------------------------------------------


def board_filters(query) -> tuple[BoardFilters, str]:
    """The board's filters from a query string, and what was wrong with it ("" if nothing)."""
    filterset = ProgramBoardFilter(query)
    return filterset.board_filters, filterset.error_text


def filter_query(filters: BoardFilters) -> str:
    """The filters as a query string, to carry them through moves and the live check."""
    return filters.query_string()


def _with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


# --- rendering -------------------------------------------------------------------------------


def board_url(art: ART, pi: ProgramIncrement) -> str:
    return reverse("program_board", kwargs={"art_slug": art.slug, "pi_id": pi.pk})


def _rights(user, art: ART) -> tuple[set[int] | None, bool, str]:
    """What a person may do on the board: the teams whose cards they move (``None``: every team),
    whether they edit milestones, and both as the name of their kind of viewer, for the shared
    render's key and the poll token ("all", "t3-5" or "none", then "edit" or "read")."""
    editable = teams_where(user, MOVE_CAPABILITY, art=art)
    can_edit_backlog = has_capability(user, "planning.edit_backlog", art=art)
    teams = "all" if editable is None else "t" + "-".join(map(str, sorted(editable))) if editable else "none"
    return editable, can_edit_backlog, f"{teams}.{'edit' if can_edit_backlog else 'read'}"


def _page_context(request: HttpRequest, art: ART, pi: ProgramIncrement, filters: BoardFilters, **extra) -> dict:
    """What the page shows around the board: the toolbar, the PI switcher, the milestone form."""
    query = filter_query(filters)
    kwargs = {"art_slug": art.slug, "pi_id": pi.pk}
    return {
        "art": art,
        "pi": pi,
        "filters": filters,
        "selected_team_ids": set(filters.team_ids or ()),
        "filter_query": query,
        "filter_teams": list(Team.objects.for_art(art).order_by("name", "id")),
        "board_url": board_url(art, pi),
        "milestone_url": _with_query(reverse("program_board_milestone_create", kwargs=kwargs), query),
        "csv_url": _with_query(reverse("program_board_csv", kwargs=kwargs), query),
        "svg_url": _with_query(reverse("program_board_svg", kwargs=kwargs), query),
        "can_edit_backlog": has_capability(request.user, "planning.edit_backlog", art=art),
        "milestone_form": extra.pop("milestone_form", None) or MilestoneForm(),
        "pis": ProgramIncrement.objects.for_art(art).order_by("start_date"),
        **extra,
    }


def _context(
    request: HttpRequest,
    art: ART,
    pi: ProgramIncrement,
    filters: BoardFilters,
    *,
    version: int,
    board_error: str = "",
    board_notice: str = "",
    milestone_added: bool = False,
) -> dict:
    """The board fragment's context: the board, the permission booleans and the URLs."""
    user = request.user
    board = program_board(pi, dependencies=Dependency.objects.for_pi(pi).open(), filters=filters)
    editable, can_edit_backlog, viewer = _rights(user, art)  # editable None: every team of the train
    for row in board.team_rows:
        row.editable = row.active and (editable is None or row.team_id in editable)
    for card in board.cards:
        card.movable = editable is None or card.team_id in editable
    query = filter_query(filters)
    kwargs = {"art_slug": art.slug, "pi_id": pi.pk}
    move_url = reverse("program_board_move", kwargs=kwargs)
    # The card menus' links add ``placement=<id>``.
    move_link_base = f"{move_url}?{query}&" if query else f"{move_url}?"
    regions = live_board.regions_of(board)
    return {
        "art": art,
        "pi": pi,
        "board": board,
        "summary": regions.summary,
        "milestone_cells": regions.milestone_cells,
        "unscheduled_milestones": regions.unscheduled_milestones,
        "version": version,
        "filters": filters,
        "filter_query": query,
        "board_url_filtered": _with_query(board_url(art, pi), query),
        "move_url": _with_query(move_url, query),
        # The cards, lines and dependency rows are rendered in Python, with these links (for speed).
        "board_links": BoardLinks(art.slug, move_link_base),
        "changes_url": _with_query(reverse("program_board_changes", kwargs=kwargs), query),
        "milestone_url": _with_query(reverse("program_board_milestone_create", kwargs=kwargs), query),
        "poll_token": live_board.poll_token(user.pk, art.slug, pi.pk, viewer=viewer, filter_query=query),
        "legend": LEGEND,
        "can_move": editable is None or bool(editable),
        "can_edit_backlog": can_edit_backlog,
        "board_error": board_error,
        "board_notice": board_notice,
        # After an added milestone the fragment also carries a fresh, empty form.
        "milestone_added": milestone_added,
        "milestone_form": MilestoneForm(),
    }


# The parts of the shared render that are each person's own, put in for each answer.
CSRF_MARKER = "__artops_csrf_token__"
TOKEN_MARKER = "__artops_poll_token__"  # noqa: S105 (a marker, not a secret)


def _shared_board(request: HttpRequest, art: ART, pi: ProgramIncrement, filters: BoardFilters) -> tuple[str, int]:
    """The board fragment and its version, rendered once for everyone who may do the same on it.

    Kept in Redis under the PI, the version, the filters and what the viewer may do (``_rights``),
    with the CSRF and poll tokens left as markers that each answer fills in for its person. Only
    kept when the clock did not move while the board was read.
    """
    user = request.user
    version = BoardClock.read(pi.pk)
    query = filter_query(filters)
    _, _, viewer = _rights(user, art)
    key = live_board.html_key(pi.pk, query, version, viewer)
    html = fastcache.get_object(key)
    if html is None:
        context = _context(request, art, pi, filters, version=version)
        context.update(csrf_token=CSRF_MARKER, poll_token=TOKEN_MARKER)
        html = render_to_string(f"{TEMPLATE}#board", context, request)
        if live_board.keep_state(pi.pk, query, context["board"], version):
            fastcache.set_object(key, html, ttl=live_board.STATE_SECONDS)
    token = live_board.poll_token(user.pk, art.slug, pi.pk, viewer=viewer, filter_query=query)
    return html.replace(CSRF_MARKER, get_token(request)).replace(TOKEN_MARKER, token), version


def _respond(
    request: HttpRequest, art: ART, pi: ProgramIncrement, filters: BoardFilters, board_html: str, version: int, **extra
) -> HttpResponse:
    """The board fragment for htmx, the whole page around it otherwise."""
    status = extra.pop("status", 200)
    if request.htmx:
        response = HttpResponse(board_html, status=status)
    else:
        context = _page_context(request, art, pi, filters, board_html=mark_safe(board_html), **extra)  # noqa: S308 (rendered by the template)
        response = render(request, TEMPLATE, context, status=status)
    response["X-Board-Version"] = str(version)
    return response


def _board(request: HttpRequest, art: ART, pi: ProgramIncrement, filters: BoardFilters, *, status: int = 200, **extra):
    """The board after a write: the fragment for htmx, the whole page otherwise, with the write's
    notice or reason (rendered for this answer, not shared)."""
    # Read before the board: a change made in between shows again at the next poll, never lost.
    version = BoardClock.read(pi.pk)
    milestone_form = extra.pop("milestone_form", None)
    context = _context(request, art, pi, filters, version=version, **extra)
    if milestone_form is not None:
        context["milestone_form"] = milestone_form
    board_html = render_to_string(f"{TEMPLATE}#board", context, request)
    return _respond(request, art, pi, filters, board_html, version, status=status, milestone_form=milestone_form)


def _answer(
    request: HttpRequest,
    art: ART,
    pi: ProgramIncrement,
    filters: BoardFilters,
    outcome: Outcome,
    notice="",
    **extra,
) -> HttpResponse:
    """A write's answer (``artops.pages.answer``): the board with the notice or the reason (the
    fragment for htmx, the whole page otherwise), or a redirect to the filtered board."""

    def show(status: int, *, error: str = "", notice: str = "") -> HttpResponse:
        return _board(request, art, pi, filters, status=status, board_error=error, board_notice=notice, **extra)

    redirect_to = _with_query(board_url(art, pi), filter_query(filters))
    return answer(request, outcome, show=show, redirect_to=redirect_to, notice=notice)


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    """403: a plain text reason that the page shows for htmx, the 403 page otherwise."""
    if request.htmx:
        return HttpResponse(message, status=403, content_type="text/plain; charset=utf-8")
    raise PermissionDenied(message)


# --- the page --------------------------------------------------------------------------------


@art_capability_required("art.view")
@require_GET
def program_board_home(request: HttpRequest) -> HttpResponse:
    """The program board of the current PI (the PI plan's empty state when there is no PI)."""
    pi = ProgramIncrement.objects.for_art(request.art).current(request.art.today())
    if pi is None:
        return redirect("planning_home", art_slug=request.art.slug)
    return redirect("program_board", art_slug=request.art.slug, pi_id=pi.pk)


@art_capability_required("art.view")
@require_GET
@vary_on_headers("HX-Request")
def program_board_page(request: HttpRequest, pi_id: int) -> HttpResponse:
    """The program board of a PI; with htmx (the filters, a reload of the live board), the board fragment alone."""
    art: ART = request.art
    pi = pi_of(art, pi_id)
    filters, error = board_filters(request.GET)
    if error:
        return _board(request, art, pi, filters, status=UNPROCESSABLE, board_error=error)
    board_html, version = _shared_board(request, art, pi, filters)
    return _respond(request, art, pi, filters, board_html, version)


# --- print and export ----------------------------------------------------------------------------


def _export_board(request: HttpRequest, pi_id: int):
    """The board to export, with the page's filters; ``None`` and the reason when they are not valid."""
    art: ART = request.art
    pi = pi_of(art, pi_id)
    filters, error = board_filters(request.GET)
    if error:
        return art, pi, None, HttpResponseBadRequest(error, content_type="text/plain; charset=utf-8")
    return art, pi, program_board(pi, dependencies=Dependency.objects.for_pi(pi).open(), filters=filters), None


def _export_name(art: ART, pi: ProgramIncrement, extension: str) -> str:
    return f"program-board-{slugify(art.slug)}-{slugify(pi.name)}.{extension}"


@art_capability_required("art.view")
@require_GET
def program_board_csv(request: HttpRequest, pi_id: int) -> HttpResponse:
    """The board as CSV: its cards, dependencies and milestones (who may read the board may take it)."""
    art, pi, board, refusal = _export_board(request, pi_id)
    if refusal:
        return refusal
    return csv_response(_export_name(art, pi, "csv"), CSV_HEADER, csv_rows(board))


@art_capability_required("art.view")
@require_GET
def program_board_svg(request: HttpRequest, pi_id: int) -> HttpResponse:
    """The board as an SVG image: the cards, stickies and lines as the page draws them."""
    art, pi, board, refusal = _export_board(request, pi_id)
    if refusal:
        return refusal
    title = f"Program board · {pi.name} · {art.name}"
    response = HttpResponse(board_svg(board, title=title), content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(art, pi, "svg")}"'
    return response


# --- moves ---------------------------------------------------------------------------------------


def _placement_of(art: ART, pi: ProgramIncrement, value: str) -> FeaturePlacement:
    """A card of this PI's board, with its feature, team and iteration; 404 for anything else
    (an id of no card here, or a value that is no id at all)."""
    placement_id = id_or_nothing(value)
    if placement_id is None:
        raise Http404("No such card on this board.")
    placements = FeaturePlacement.objects.for_art(art).for_pi(pi).select_related("feature", "team__art", "iteration")
    return get_object_or_404(placements, pk=placement_id)


@art_capability_required("art.view")
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def program_board_move(request: HttpRequest, pi_id: int) -> HttpResponse:
    """Move a card to another iteration, or hand it to another team.

    GET shows the card's move menu (a small page, or the menu fragment for htmx); POST moves
    it through the same service as the team board and the API. A move to the cell the card is
    already in changes nothing, and says so.
    """
    art: ART = request.art
    pi = pi_of(art, pi_id)
    user = request.user
    filters, _ = board_filters(request.GET)
    editable = teams_where(user, MOVE_CAPABILITY, art=art)
    if editable is not None and not editable:
        return _forbidden(request, CAPABILITY_MESSAGES[MOVE_CAPABILITY])
    data = request.POST if request.method == "POST" else request.GET
    value = data.get("placement", "")
    if not value:
        if request.method == "GET":
            raise Http404("Choose a card to move.")
        return _answer(request, art, pi, filters, refused("Choose a card to move: reload the board."))
    placement = _placement_of(art, pi, value)
    if not has_capability(user, MOVE_CAPABILITY, art=art, team=placement.team):
        return _forbidden(request, CAPABILITY_MESSAGES[MOVE_CAPABILITY])

    if request.method == "GET":
        return _move_menu(request, art, pi, filters, placement, editable)

    label = f"{placement.feature.key} ({placement.team.name})"
    form = MoveForm(request.POST, pi=pi, art=art)

    def move() -> FeaturePlacement:
        data = form.cleaned_data
        return services.move_placement(
            placement, by=user, expected_version=data["version"], iteration=data["iteration"], team=data["team"]
        )

    def moved(result: FeaturePlacement) -> str:
        if not result.moved:
            return f"{label} is already in {result.iteration.name}."
        same_team = result.team_id == placement.team_id
        where = result.iteration.name if same_team else f"{result.team.name}, {result.iteration.name}"
        return f"{result.feature.key} moved to {where}."

    try:
        outcome = attempt(form, move, refusal=f"{label} was not moved")
    except PermissionDenied as denied:
        # Handing the card to a team whose plan the mover may not change.
        return _forbidden(request, str(denied))
    return _answer(request, art, pi, filters, outcome, moved)


def _move_menu(
    request: HttpRequest,
    art: ART,
    pi: ProgramIncrement,
    filters: BoardFilters,
    placement: FeaturePlacement,
    editable: set[int] | None,
) -> HttpResponse:
    """The card's menu: its iteration and the teams it may be handed to."""
    teams = [
        team
        for team in Team.objects.for_art(art).active().order_by("name")
        if editable is None or team.pk in editable or team.pk == placement.team_id
    ]
    query = filter_query(filters)
    context = {
        "art": art,
        "pi": pi,
        "placement": placement,
        "iterations": pi.iterations.development().order_by("number"),
        "teams": teams,
        "move_url": _with_query(reverse("program_board_move", kwargs={"art_slug": art.slug, "pi_id": pi.pk}), query),
        "board_url_filtered": _with_query(board_url(art, pi), query),
        "moving": True,
    }
    return render(request, partial(request, TEMPLATE, "move-form"), context)


# --- milestones ----------------------------------------------------------------------------------


def _milestone_editor(request: HttpRequest, art: ART) -> HttpResponse | None:
    """403 (text for htmx) unless the person edits the board's milestones (Product Management, the RTE)."""
    try:
        require(request.user, "planning.edit_backlog", art=art)
    except PermissionDenied as denied:
        return _forbidden(request, str(denied))
    return None


@art_capability_required("art.view")
@require_POST
def program_board_milestone_create(request: HttpRequest, pi_id: int) -> HttpResponse:
    """Put a milestone or event on the board's top row (Product Management and the RTE)."""
    art: ART = request.art
    pi = pi_of(art, pi_id)
    filters, _ = board_filters(request.GET)
    forbidden = _milestone_editor(request, art)
    if forbidden is not None:
        return forbidden
    form = MilestoneForm(request.POST)
    outcome = attempt(
        form,
        lambda: services.create_milestone(pi, by=request.user, **form.cleaned_data),
        refusal="The milestone was not added",
    )
    if outcome.status == UNPROCESSABLE and request.htmx:
        # A refused milestone stays in its form, with the reasons beside the fields.
        context = _page_context(request, art, pi, filters, milestone_form=form)
        response = render(request, f"{TEMPLATE}#milestone-form", context, status=UNPROCESSABLE)
        response["HX-Retarget"] = "#milestone-form"
        response["HX-Reswap"] = "outerHTML"
        return response
    return _answer(
        request,
        art,
        pi,
        filters,
        outcome,
        lambda milestone: f"Milestone “{milestone.name}” added on {milestone.date:%d %b %Y}.",
        # After an added milestone the fragment also carries a fresh, empty form.
        milestone_added=outcome.done,
        milestone_form=None if outcome.done else form,
    )


@art_capability_required("art.view")
@require_POST
def program_board_milestone_delete(request: HttpRequest, pi_id: int, milestone_id: int) -> HttpResponse:
    """Take a milestone off the board, with the version its deleter saw."""
    art: ART = request.art
    pi = pi_of(art, pi_id)
    filters, _ = board_filters(request.GET)
    forbidden = _milestone_editor(request, art)
    if forbidden is not None:
        return forbidden
    milestone = get_object_or_404(Milestone.objects.filter(pi=pi), pk=milestone_id)
    milestone.pi = pi
    form = MilestoneDeleteForm(request.POST)
    outcome = attempt(
        form,
        lambda: services.delete_milestone(milestone, by=request.user, expected_version=form.cleaned_data["version"]),
        refusal=f"“{milestone.name}” was not deleted",
    )
    return _answer(request, art, pi, filters, outcome, f"Milestone “{milestone.name}” deleted.")


# --- the live check ------------------------------------------------------------------------------


def _unchanged(version: int, token: str = "") -> HttpResponse:
    response = HttpResponse(status=204)
    response["X-Board-Version"] = str(version)
    if token:
        response["X-Board-Token"] = token
    return response


@never_cache
@require_GET
def program_board_changes(request: HttpRequest, art_slug: str, pi_id: int) -> HttpResponse:
    """What changed on the board since the version the browser shows (``?since=``): 204 if nothing.

    A quiet poll with a valid token (header ``X-Board-Token``, from the board) of an unchanged
    board never gets here: ``planning.middleware.QuietBoardPollMiddleware`` answers it from
    Redis. Here, as any page: the session, the person, and one query for the membership of the
    PI's train and the clock together. What changed is a JSON change set (``live_board``), its
    parts rendered for this person, or ``{"reload": true}`` when the board must be fetched whole.
    """
    if not request.user.is_authenticated:
        login = redirect_to_login(request.get_full_path())
        if request.htmx or request.headers.get("X-Board-Token"):
            # A poll must not take the login page for a board: the page goes there whole.
            response = HttpResponse(status=401)
            response["HX-Redirect"] = login["Location"]
            return response
        return login
    try:
        since = parse_since(request.GET.get("since", ""))
    except BadNumber:
        return HttpResponse(SINCE_MISSING, status=400, content_type="text/plain; charset=utf-8")
    # Membership of the PI's train and the clock, in one query.
    found = (
        ProgramIncrement.objects.visible_to(request.user)
        .filter(pk=pi_id, art__slug=art_slug)
        .annotate(board_version=BoardClock.version_of())
        .values_list("board_version", "art_id")
        .first()
    )
    if found is None:
        raise Http404("No such board on your trains.")
    version, art_id = found
    BoardClock.remember(pi_id, version)
    filters, _ = board_filters(request.GET)
    query = filter_query(filters)
    # What this person may do on the board (their memberships: one query), for the token and the parts.
    _, _, viewer = _rights(request.user, ART(pk=art_id))
    token = live_board.poll_token(request.user.pk, art_slug, pi_id, viewer=viewer, filter_query=query)
    if version == since:
        return _unchanged(version, token)
    art = get_object_or_404(ART.objects.visible_to(request.user), slug=art_slug)
    pi = pi_of(art, pi_id)
    changes = live_board.changes_since(
        pi.pk,
        query,
        since,
        version,
        lambda: program_board(pi, dependencies=Dependency.objects.for_pi(pi).open(), filters=filters),
    )
    body = {"version": changes.version, "since": since, "reload": changes.reload}
    if not changes.reload:
        body.update(_change_set_for(request, art, pi, filters, changes))
    answer = json.dumps(body, separators=(",", ":")).encode()
    if changes.reload or fastcache.exists(live_board.changes_key(pi.pk, query, since, changes.version)):
        # Everyone else who may do the same gets these bytes from the middleware, without a query.
        key = live_board.answer_key(pi.pk, live_board.filters_key(query), since, changes.version, viewer)
        fastcache.set_bytes(key, answer, ttl=live_board.CHANGES_SECONDS)
    response = HttpResponse(answer, content_type="application/json")
    response["X-Board-Version"] = str(changes.version)
    response["X-Board-Token"] = token
    return response


def _change_set_for(
    request: HttpRequest, art: ART, pi: ProgramIncrement, filters: BoardFilters, changes: live_board.ChangeSet
) -> dict:
    """A change set's parts and regions as this person's board shows them (the cards they may move).

    The answer is kept for everyone who may do the same (``live_board.answer_key``): nothing in it
    is this person's own. The milestones' delete forms carry no CSRF field here: the page that
    applies a change set runs htmx, which sends the CSRF header the body declares.
    """
    editable = teams_where(request.user, MOVE_CAPABILITY, art=art)
    query = filter_query(filters)
    move_url = reverse("program_board_move", kwargs={"art_slug": art.slug, "pi_id": pi.pk})
    links = BoardLinks(art.slug, f"{move_url}?{query}&" if query else f"{move_url}?")
    parts = []
    for part in changes.parts:
        if part.kind == "card":
            html = card_html(replace(part.item, movable=editable is None or part.item.team_id in editable), links)
        elif part.kind == "sticky":
            html = sticky_html(part.item, links)
        elif part.kind == "line":
            html = line_path_html(part.item)
        else:
            html = dependency_row_html(part.item, links)
        parts.append({"id": part.id, "container": part.container, "html": html})
    regions = {}
    data = changes.region_data
    if live_board.SUMMARY_REGION in changes.regions:
        regions[live_board.SUMMARY_REGION] = render_to_string(f"{TEMPLATE}#board-summary", {"summary": data.summary})
    if live_board.DEPENDENCY_COUNT_REGION in changes.regions:
        regions[live_board.DEPENDENCY_COUNT_REGION] = render_to_string(
            f"{TEMPLATE}#dependency-count", {"summary": data.summary}
        )
    if live_board.MILESTONES_REGION in changes.regions:
        context = {
            "art": art,
            "pi": pi,
            "filter_query": query,
            "can_edit_backlog": has_capability(request.user, "planning.edit_backlog", art=art),
            "milestone_cells": data.milestone_cells,
            "unscheduled_milestones": data.unscheduled_milestones,
            # Kept for everyone of this kind of viewer: no CSRF field (htmx sends the header).
            "shared_answer": True,
        }
        regions[live_board.MILESTONES_REGION] = render_to_string(f"{TEMPLATE}#milestones-row", context)
    return {"parts": parts, "removed": changes.removed, "order": changes.order, "regions": regions}
