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

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from artops.forms import add_service_errors
from artops.models import ART, Iteration, Membership, ProgramIncrement, Team
from artops.pages import CONFLICT, UNPROCESSABLE, partial, pi_of
from artops.permissions import CAPABILITY_MESSAGES, art_capability_required, has_capability, require, teams_where
from planning import services
from planning.filters import ProgramBoardFilter
from planning.models import BoardClock, FeaturePlacement, Milestone
from planning.program_board import BoardFilters
from planning.program_board_html import BoardLinks
from planning.program_board_layout import program_board
from risks.models import Dependency

NAV_SECTION = "board"

TEMPLATE = "planning/program_board.html"
MOVE_CAPABILITY = "planning.edit_team_plan"
VERSION_MISSING = "The version of the card you moved is missing: reload the board."


# --- filters ---------------------------------------------------------------------------------


def board_filters(query) -> tuple[BoardFilters, str]:
    """The board's filters from a query string, and what was wrong with it ("" if nothing)."""
    filterset = ProgramBoardFilter(query)
    return filterset.board_filters, filterset.error_text


def filter_query(filters: BoardFilters) -> str:
    """The filters as a query string, to carry them through moves and the live check."""
    pairs = [("teams", team_id) for team_id in sorted(filters.team_ids or ())]
    if filters.feature_type:
        pairs.append(("type", filters.feature_type))
    if filters.only_red:
        pairs.append(("only_red", "1"))
    return urlencode(pairs)


def _with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


# --- forms -----------------------------------------------------------------------------------


class MoveForm(forms.Form):
    """A card's move: the iteration and (optionally) the team, with the version the mover saw.

    The choices are the board's own PI and train: an iteration of another PI or a team of
    another train is "not one of the choices" (422). The IP iteration is a choice, so that
    the service refuses it with its own message.
    """

    version = forms.IntegerField(
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={"required": VERSION_MISSING, "invalid": VERSION_MISSING, "min_value": VERSION_MISSING},
    )
    iteration = forms.ModelChoiceField(queryset=Iteration.objects.none(), required=False)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False)

    def __init__(self, *args, pi: ProgramIncrement, art: ART, **kwargs):
        super().__init__(*args, **kwargs)
        iteration_message = f"Choose an iteration of {pi.name}."
        self.fields["iteration"].queryset = Iteration.objects.filter(pi=pi)
        self.fields["iteration"].error_messages["invalid_choice"] = iteration_message
        self.fields["team"].queryset = Team.objects.for_art(art)
        self.fields["team"].error_messages["invalid_choice"] = "Choose a team of this train."

    def clean_team(self):
        team = self.cleaned_data["team"]
        if team is not None and not team.active:
            raise ValidationError(f"{team.name} is inactive: it takes no new work.")
        return team


class MilestoneForm(forms.Form):
    name = forms.CharField(max_length=120, error_messages={"required": "Give the milestone a name."})
    date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Give the milestone its date.", "invalid": "Enter a date like 2026-11-20."},
    )
    description = forms.CharField(max_length=300, required=False)


class MilestoneDeleteForm(forms.Form):
    version = forms.IntegerField(
        min_value=1,
        error_messages={
            "required": "The version of the milestone is missing: reload the board.",
            "invalid": "The version of the milestone is missing: reload the board.",
            "min_value": "The version of the milestone is missing: reload the board.",
        },
    )


def error_text(form: forms.Form) -> str:
    """Every message of an invalid form, once each (the form-wide ones first)."""
    found: list[str] = []
    for field_errors in [form.non_field_errors(), *(form.errors.get(name, []) for name in form.fields)]:
        for message in field_errors:
            if message not in found:
                found.append(message)
    return " ".join(found)


# --- rendering -------------------------------------------------------------------------------


def board_url(art: ART, pi: ProgramIncrement) -> str:
    return reverse("program_board", kwargs={"art_slug": art.slug, "pi_id": pi.pk})


def _context(
    request: HttpRequest,
    art: ART,
    pi: ProgramIncrement,
    filters: BoardFilters,
    *,
    version: int,
    board_error: str = "",
    board_notice: str = "",
    milestone_form: MilestoneForm | None = None,
    milestone_added: bool = False,
) -> dict:
    """The board, the permission booleans and the URLs of the template."""
    user = request.user
    board = program_board(pi, dependencies=Dependency.objects.for_pi(pi).open(), filters=filters)
    editable = teams_where(user, MOVE_CAPABILITY, art=art)  # None: every team of the train
    for row in board.team_rows:
        row.editable = row.active and (editable is None or row.team_id in editable)
    for card in board.cards:
        card.movable = editable is None or card.team_id in editable
    query = filter_query(filters)
    kwargs = {"art_slug": art.slug, "pi_id": pi.pk}
    move_url = reverse("program_board_move", kwargs=kwargs)
    changes_url = reverse("program_board_changes", kwargs=kwargs)
    # The card menus' links add ``placement=<id>``.
    move_link_base = f"{move_url}?{query}&" if query else f"{move_url}?"
    return {
        "art": art,
        "pi": pi,
        "board": board,
        "version": version,
        "filters": filters,
        "selected_team_ids": set(filters.team_ids or ()),
        "filter_query": query,
        "board_url": board_url(art, pi),
        "board_url_filtered": _with_query(board_url(art, pi), query),
        "move_url": _with_query(move_url, query),
        # The cards, lines and dependency rows are rendered in Python, with these links (for speed).
        "board_links": BoardLinks(art.slug, move_link_base),
        "changes_url": f"{changes_url}?{urlencode({'since': version})}" + (f"&{query}" if query else ""),
        "milestone_url": _with_query(reverse("program_board_milestone_create", kwargs=kwargs), query),
        "can_move": editable is None or bool(editable),
        "can_edit_backlog": has_capability(user, "planning.edit_backlog", art=art),
        "milestone_form": milestone_form or MilestoneForm(),
        # After an added milestone the fragment also carries a fresh, empty form.
        "milestone_added": milestone_added,
        # Read only when the whole page is rendered, not for the board fragment.
        "pis": ProgramIncrement.objects.for_art(art).order_by("start_date"),
        "board_error": board_error,
        "board_notice": board_notice,
    }


def _board(request: HttpRequest, art: ART, pi: ProgramIncrement, filters: BoardFilters, *, status: int = 200, **extra):
    """The board: the fragment for htmx, the whole page otherwise."""
    # Read before the board: a change made in between shows again at the next poll, never lost.
    version = BoardClock.read(pi.pk)
    context = _context(request, art, pi, filters, version=version, **extra)
    template = f"{TEMPLATE}#board" if request.htmx else TEMPLATE
    response = render(request, template, context, status=status)
    response["X-Board-Version"] = str(version)
    return response


def _done(request: HttpRequest, art: ART, pi: ProgramIncrement, filters: BoardFilters, notice: str) -> HttpResponse:
    """A change went through: the fresh board fragment for htmx, a redirect with a message otherwise."""
    if not request.htmx:
        messages.success(request, notice)
        return redirect(_with_query(board_url(art, pi), filter_query(filters)))
    return _board(request, art, pi, filters, board_notice=notice)


def _refused(
    request: HttpRequest,
    art: ART,
    pi: ProgramIncrement,
    filters: BoardFilters,
    error: str,
    *,
    status=UNPROCESSABLE,
    **extra,
) -> HttpResponse:
    """Nothing changed: the board with the reason (fragment for htmx, whole page otherwise), 422 or 409."""
    return _board(request, art, pi, filters, status=status, board_error=error, **extra)


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
    """The program board of a PI; with htmx (the filters), the board fragment alone."""
    art: ART = request.art
    pi = pi_of(art, pi_id)
    filters, error = board_filters(request.GET)
    version = BoardClock.read(pi.pk)
    context = _context(request, art, pi, filters, version=version, board_error=error)
    status = UNPROCESSABLE if error else 200
    response = render(request, partial(request, TEMPLATE, "board"), context, status=status)
    response["X-Board-Version"] = str(version)
    return response


# --- moves -----------------------------------------------------------------------------------


def _placement_of(art: ART, pi: ProgramIncrement, value: str) -> FeaturePlacement:
    """A card of this PI's board (404 otherwise), with its feature, team and iteration."""
    placements = FeaturePlacement.objects.for_art(art).for_pi(pi).select_related("feature", "team__art", "iteration")
    return get_object_or_404(placements, pk=int(value))


@art_capability_required("art.view")
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def program_board_move(request: HttpRequest, pi_id: int) -> HttpResponse:
    """Move a card to another iteration, or hand it to another team.

    GET shows the card's move menu (a small page, or the menu fragment for htmx); POST moves
    it through the same service as the team board.
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
    if not value.isdecimal():
        if request.method == "GET":
            raise Http404("Choose a card to move.")
        return _refused(request, art, pi, filters, "Choose a card to move: reload the board.")
    placement = _placement_of(art, pi, value)
    if not has_capability(user, MOVE_CAPABILITY, art=art, team=placement.team):
        return _forbidden(request, CAPABILITY_MESSAGES[MOVE_CAPABILITY])

    if request.method == "GET":
        return _move_menu(request, art, pi, filters, placement, editable)

    label = f"{placement.feature.key} ({placement.team.name})"
    form = MoveForm(request.POST, pi=pi, art=art)
    if not form.is_valid():
        return _refused(request, art, pi, filters, f"{label} was not moved: {error_text(form)}")
    version = form.cleaned_data["version"]
    iteration = form.cleaned_data["iteration"] or placement.iteration
    team = form.cleaned_data["team"] or placement.team
    if iteration == placement.iteration and team == placement.team:
        if version != placement.version:
            stale = services.StaleVersion(placement, f"the placement of {placement.feature.key} by {team.name}")
            return _refused(request, art, pi, filters, str(stale), status=CONFLICT)
        return _done(request, art, pi, filters, f"{label} is already in {iteration.name}.")
    try:
        moved = services.move_placement(
            placement,
            by=user,
            expected_version=version,
            iteration=iteration if iteration != placement.iteration else None,
            team=team if team != placement.team else None,
        )
    except services.StaleVersion as stale:
        return _refused(request, art, pi, filters, str(stale), status=CONFLICT)
    except PermissionDenied as denied:
        return _forbidden(request, str(denied))
    except ValidationError as error:
        add_service_errors(form, error)
        return _refused(request, art, pi, filters, f"{label} was not moved: {error_text(form)}")
    where = moved.iteration.name if moved.team == placement.team else f"{moved.team.name}, {moved.iteration.name}"
    return _done(request, art, pi, filters, f"{moved.feature.key} moved to {where}.")


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
        "iterations": pi.iterations.filter(is_ip=False).order_by("number"),
        "teams": teams,
        "move_url": _with_query(reverse("program_board_move", kwargs={"art_slug": art.slug, "pi_id": pi.pk}), query),
        "board_url_filtered": _with_query(board_url(art, pi), query),
        "moving": True,
    }
    return render(request, partial(request, TEMPLATE, "move-form"), context)


# --- milestones ------------------------------------------------------------------------------


@art_capability_required("art.view")
@require_POST
def program_board_milestone_create(request: HttpRequest, pi_id: int) -> HttpResponse:
    """Put a milestone or event on the board's top row (Product Management and the RTE)."""
    art: ART = request.art
    pi = pi_of(art, pi_id)
    filters, _ = board_filters(request.GET)
    try:
        require(request.user, "planning.edit_backlog", art=art)
    except PermissionDenied as denied:
        return _forbidden(request, str(denied))
    form = MilestoneForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            milestone = services.create_milestone(
                pi, by=request.user, name=data["name"], date=data["date"], description=data["description"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            notice = f"Milestone “{milestone.name}” added on {milestone.date:%d %b %Y}."
            if not request.htmx:
                messages.success(request, notice)
                return redirect(_with_query(board_url(art, pi), filter_query(filters)))
            return _board(request, art, pi, filters, board_notice=notice, milestone_added=True)
    if request.htmx:
        version = BoardClock.read(pi.pk)
        context = _context(request, art, pi, filters, version=version, milestone_form=form)
        response = render(request, f"{TEMPLATE}#milestone-form", context, status=UNPROCESSABLE)
        response["HX-Retarget"] = "#milestone-form"
        response["HX-Reswap"] = "outerHTML"
        return response
    return _refused(request, art, pi, filters, f"The milestone was not added: {error_text(form)}", milestone_form=form)


@art_capability_required("art.view")
@require_POST
def program_board_milestone_delete(request: HttpRequest, pi_id: int, milestone_id: int) -> HttpResponse:
    """Take a milestone off the board, with the version its deleter saw."""
    art: ART = request.art
    pi = pi_of(art, pi_id)
    filters, _ = board_filters(request.GET)
    try:
        require(request.user, "planning.edit_backlog", art=art)
    except PermissionDenied as denied:
        return _forbidden(request, str(denied))
    milestone = get_object_or_404(Milestone.objects.filter(pi=pi), pk=milestone_id)
    milestone.pi = pi
    form = MilestoneDeleteForm(request.POST)
    if not form.is_valid():
        return _refused(request, art, pi, filters, f"“{milestone.name}” was not deleted: {error_text(form)}")
    try:
        services.delete_milestone(milestone, by=request.user, expected_version=form.cleaned_data["version"])
    except services.StaleVersion as stale:
        return _refused(request, art, pi, filters, str(stale), status=CONFLICT)
    return _done(request, art, pi, filters, f"Milestone “{milestone.name}” deleted.")


# --- the live check --------------------------------------------------------------------------


def _visible_clock(user, art_slug: str, pi_id: int) -> int | None:
    """The PI's board clock if ``user`` is a member of its train (``None`` otherwise): one query."""
    clock = BoardClock.objects.filter(pi_id=OuterRef("pk")).values("version")[:1]
    member = Membership.objects.filter(user=user, art_id=OuterRef("art_id"))
    return (
        ProgramIncrement.objects.filter(pk=pi_id, art__slug=art_slug)
        .filter(Exists(member))
        .annotate(board_version=Coalesce(Subquery(clock), Value(0)))
        .values_list("board_version", flat=True)
        .first()
    )


@never_cache
@require_GET
def program_board_changes(request: HttpRequest, art_slug: str, pi_id: int) -> HttpResponse:
    """Has the board changed since the version the browser shows? 204 if not, the fresh board if so.

    Unchanged costs three queries (session, user, membership and clock together) and no
    rendering, so that a room full of people watching a quiet board costs next to nothing.
    """
    if not request.user.is_authenticated:
        login = redirect_to_login(request.get_full_path())
        if request.htmx:
            # A poll must not swap the login page into the board: send the whole page there.
            response = HttpResponse(status=401)
            response["HX-Redirect"] = login["Location"]
            return response
        return login
    since = request.GET.get("since", "")
    if not since.isdecimal():
        return HttpResponse(
            "Say which version of the board you have: ?since=<number>.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    version = _visible_clock(request.user, art_slug, pi_id)
    if version is None:
        raise Http404("No such board on your trains.")
    if version == int(since):
        response = HttpResponse(status=204)
        response["X-Board-Version"] = str(version)
        return response
    art = get_object_or_404(ART.objects.visible_to(request.user), slug=art_slug)
    pi = pi_of(art, pi_id)
    filters, _ = board_filters(request.GET)
    context = _context(request, art, pi, filters, version=version)
    response = render(request, f"{TEMPLATE}#board", context)
    response["X-Board-Version"] = str(version)
    return response
