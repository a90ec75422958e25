"""The API of the program board: the whole board, its cards (feature placements) and its milestones.

- ``/api/boards/{pi_id}/``: the whole program board of a PI in a constant number of queries,
  with its clock version; ``?since=<version>`` answers 204 while nothing changed. It takes the
  page's filters (``planning.filters.ProgramBoardFilter``).
- ``/api/placements/``: feature placements, the cards of the board. ``PATCH …/{id}/`` moves
  one (iteration and/or team, and the version read); ``GET …/{id}/history/`` lists every
  change of the placements of that card's feature (all teams, so that a card handed to
  another team keeps its past).
- ``/api/milestones/``: the board's milestones and events, with the iteration their date falls in.

The board draws the open dependencies of ``risks``: like the page, this endpoint composes
both apps and reads risks' queryset itself (DESIGN.md, "Architecture").
"""

from __future__ import annotations

from typing import ClassVar

from django.db.models import OuterRef, QuerySet, Subquery
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from artops.api_base import (
    VERSION_PARAMETER,
    ApiViewSet,
    VisibleIterationField,
    VisiblePIField,
    VisibleTeamField,
    version_field,
    version_of,
)
from artops.models import ART, Iteration, ProgramIncrement
from artops.parsing import BIGINT_MAX, SINCE_MAX, BadNumber, parse_since
from artops.permissions import require
from planning import live_board, services
from planning.api.fields import VisibleFeatureField, api_text
from planning.filters import MilestoneFilter, PlacementFilter, ProgramBoardFilter
from planning.models import BoardClock, Feature, FeaturePlacement, Milestone, PlacementChange
from planning.program_board import HEALTHS
from planning.program_board_layout import program_board
from risks.models import Dependency

# --- feature placements --------------------------------------------------------------------------


class PlacementSerializer(serializers.ModelSerializer):
    """Where a team will deliver a feature: a card of the program board."""

    feature_key = serializers.CharField(source="feature.key", read_only=True)
    feature_title = serializers.CharField(source="feature.title", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)
    pi = serializers.IntegerField(source="iteration.pi_id", read_only=True, help_text="Id of the PI.")
    iteration_name = serializers.CharField(source="iteration.name", read_only=True)

    class Meta:
        model = FeaturePlacement
        fields = (
            "id",
            "feature",
            "feature_key",
            "feature_title",
            "team",
            "team_name",
            "pi",
            "iteration",
            "iteration_name",
            "version",
            "updated_at",
        )
        read_only_fields = fields


class PlacementCreateSerializer(serializers.Serializer):
    feature = VisibleFeatureField(help_text="Id of a feature planned for a PI.")
    team = VisibleTeamField(help_text="Id of the team that delivers it.")
    iteration = VisibleIterationField(help_text="Id of a development iteration of the feature's PI.")


class PlacementMoveSerializer(serializers.Serializer):
    iteration = VisibleIterationField(required=False, help_text="Id of the iteration to move the card to.")
    team = VisibleTeamField(required=False, help_text="Id of the team to hand the card to.")
    version = version_field()

    def validate(self, attrs: dict) -> dict:
        if "iteration" not in attrs and "team" not in attrs:
            raise serializers.ValidationError("Give the iteration or the team (or both) to move the card to.")
        return attrs


class PlacementChangeSerializer(serializers.ModelSerializer):
    """One change of a placement of the feature: placed (no “from”), moved, handed over, removed (no “to”)."""

    from_team_name = serializers.CharField(source="from_team.name", read_only=True, allow_null=True, default=None)
    from_iteration_name = serializers.CharField(
        source="from_iteration.name", read_only=True, allow_null=True, default=None
    )
    to_team_name = serializers.CharField(source="to_team.name", read_only=True, allow_null=True, default=None)
    to_iteration_name = serializers.CharField(source="to_iteration.name", read_only=True, allow_null=True, default=None)
    by_name = serializers.CharField(source="by.display_name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = PlacementChange
        fields = (
            "id",
            "feature",
            "from_team",
            "from_team_name",
            "from_iteration",
            "from_iteration_name",
            "to_team",
            "to_team_name",
            "to_iteration",
            "to_iteration_name",
            "by",
            "by_name",
            "at",
        )
        read_only_fields = fields


@extend_schema_view(destroy=extend_schema(parameters=[VERSION_PARAMETER]))
class PlacementViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, ApiViewSet
):
    """Feature placements of your trains: in which iteration each team delivers its part of a feature.

    The team's Scrum Master and Product Owner (and the RTE) place, move and remove the team's
    cards; handing a card to another team needs that right for both teams. Every move and
    removal passes the ``version`` it read.
    """

    filterset_class = PlacementFilter
    capabilities: ClassVar[dict[str, str]] = {
        "partial_update": "planning.edit_team_plan",
        "destroy": "planning.edit_team_plan",
    }
    ordering_fields = ("iteration__number", "feature__key", "team__name", "updated_at")

    def get_queryset(self):
        placements = FeaturePlacement.objects.visible_to(self.request.user).with_related()
        return placements.select_related("team__art").order_by("iteration__start_date", "feature_id", "team__name")

    def get_serializer_class(self):
        if self.action == "create":
            return PlacementCreateSerializer
        if self.action == "partial_update":
            return PlacementMoveSerializer
        if self.action == "history":
            return PlacementChangeSerializer
        return PlacementSerializer

    @extend_schema(request=PlacementCreateSerializer, responses={201: PlacementSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = self.validated(PlacementCreateSerializer)
        placement = services.place_feature(
            data["feature"], team=data["team"], iteration=data["iteration"], by=request.user
        )
        return self.answer(placement, PlacementSerializer, status.HTTP_201_CREATED)

    @extend_schema(request=PlacementMoveSerializer, responses=PlacementSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        """Move the card to another iteration, or hand it to another team (or both)."""
        placement = self.get_object()
        data = self.validated(PlacementMoveSerializer)
        placement = services.move_placement(
            placement,
            by=request.user,
            expected_version=data["version"],
            iteration=data.get("iteration"),
            team=data.get("team"),
        )
        return self.answer(placement, PlacementSerializer)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        placement = self.get_object()
        services.remove_placement(placement, by=request.user, expected_version=version_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=PlacementChangeSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request: Request, pk: str | None = None) -> Response:
        """Every change of the placements of this card's feature, by every team, oldest first.

        Not paginated: a feature's placements change a handful of times.
        """
        placement = self.get_object()
        changes = PlacementChange.objects.filter(feature_id=placement.feature_id).select_related(
            "from_team", "to_team", "from_iteration", "to_iteration", "by"
        )
        return Response(PlacementChangeSerializer(changes, many=True, context=self.get_serializer_context()).data)


# --- the program board ----------------------------------------------------------------------------


# The board is answered as ``ProgramBoard.as_json()`` builds it: running a thousand cards and
# lines through DRF fields would cost more than building the board. These serializers describe
# that shape for the schema (a test checks that the answer and the description agree).


class BoardPISerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class BoardFiltersSerializer(serializers.Serializer):
    teams = serializers.ListField(child=serializers.IntegerField(), help_text="Ids of the teams shown; empty: all.")
    type = serializers.CharField(allow_blank=True, help_text="business, enabler, or empty for both.")
    only_red = serializers.BooleanField(help_text="Only the lines planned too late or not planned at all.")
    lines = serializers.CharField(help_text="The lines switch: all, red or focus.")


class BoardIterationSerializer(serializers.Serializer):
    """A column: a development iteration, or the IP iteration (last), which takes no feature work."""

    id = serializers.IntegerField()
    number = serializers.IntegerField()
    name = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    is_ip = serializers.BooleanField()


class BoardMilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    date = serializers.DateField()
    description = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField()
    iteration_id = serializers.IntegerField(allow_null=True, help_text="The iteration its date falls in.")


class BoardFeatureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    title = serializers.CharField()
    type = serializers.CharField(help_text=f"One of: {', '.join(Feature.Type.values)}.")
    state = serializers.CharField(help_text=f"One of: {', '.join(Feature.State.values)}.")


class BoardCardSerializer(serializers.Serializer):
    """A feature placement. Move it with ``PATCH /api/placements/{placement_id}/`` and its ``version``."""

    dom_id = serializers.CharField()
    placement_id = serializers.IntegerField()
    version = serializers.IntegerField()
    feature = BoardFeatureSerializer()
    team_id = serializers.IntegerField()
    iteration_id = serializers.IntegerField()
    line_ids = serializers.ListField(child=serializers.CharField(), help_text="dom_id of the lines at this card.")


class BoardCellSerializer(serializers.Serializer):
    dom_id = serializers.CharField()
    iteration_id = serializers.IntegerField()
    cards = BoardCardSerializer(many=True, help_text="Highest WSJF first.")
    stickies = serializers.ListField(
        child=serializers.CharField(), help_text="dom_id of the dependency stickies here: line ends with no card."
    )


class BoardRowSerializer(serializers.Serializer):
    """A team's row, or the row of a party outside the train that provides something."""

    key = serializers.CharField()
    kind = serializers.CharField(help_text="team or party.")
    label = serializers.CharField()
    team_id = serializers.IntegerField(allow_null=True)
    active = serializers.BooleanField()
    is_context = serializers.BooleanField(help_text="Shown because a filtered team depends on it, or it on them.")
    has_unplanned = serializers.BooleanField(help_text="Whether a line starts at the row's “not planned” spot.")
    unplanned_dom_id = serializers.CharField()
    unplanned_stickies = serializers.ListField(
        child=serializers.CharField(), help_text="dom_id of the stickies in the row's “not planned” spot."
    )
    cells = BoardCellSerializer(many=True, help_text="One per iteration, the IP iteration last.")


class BoardAnchorSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="card, or where the end's sticky sits: cell (at iteration_id) or unplanned (the row's spot)."
    )
    dom_id = serializers.CharField(help_text="The card's, or the sticky's.")
    row_key = serializers.CharField()
    iteration_id = serializers.IntegerField(allow_null=True)
    placement_id = serializers.IntegerField(allow_null=True)


class BoardLineSerializer(serializers.Serializer):
    """An open dependency, drawn from the providing anchor (``from``) to the needing one (``to``)."""

    dom_id = serializers.CharField()
    dependency_id = serializers.IntegerField()
    description = serializers.CharField()
    state = serializers.CharField()
    health = serializers.CharField(help_text=f"One of: {', '.join(HEALTHS)}.")
    needing_team_id = serializers.IntegerField()
    providing_team_id = serializers.IntegerField(allow_null=True, help_text="Null for a party outside the train.")
    provider_name = serializers.CharField()
    needing_feature_key = serializers.CharField(allow_null=True)
    providing_feature_key = serializers.CharField(allow_null=True)
    needed_by_id = serializers.IntegerField()
    planned_iteration_id = serializers.IntegerField(allow_null=True)

    def get_fields(self) -> dict:
        # "from" is a Python keyword: declared here rather than as class attributes.
        fields = super().get_fields()
        fields["from"] = BoardAnchorSerializer(help_text="Where the line starts: the provider.")
        fields["to"] = BoardAnchorSerializer(help_text="Where the line ends: the team that needs it.")
        return fields


class BoardSerializer(serializers.Serializer):
    """The whole program board of a PI."""

    version = serializers.IntegerField(help_text="The board clock; send it back as ?since= to poll cheaply.")
    pi = BoardPISerializer()
    filters = BoardFiltersSerializer()
    iterations = BoardIterationSerializer(many=True)
    milestones = BoardMilestoneSerializer(many=True)
    rows = BoardRowSerializer(many=True)
    lines = BoardLineSerializer(many=True)


class BoardChangesSerializer(serializers.Serializer):
    """What changed on a board since a version (``GET /api/boards/{pi_id}/changes/?since=``)."""

    version = serializers.IntegerField(help_text="The board's version now: send it as ?since= next time.")
    since = serializers.IntegerField()
    reload = serializers.BooleanField(help_text="True: read the whole board again (the other fields are left out).")
    cards = BoardCardSerializer(many=True, required=False, help_text="Cards new or changed (moved, renamed…).")
    removed_cards = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="placement_id of the cards gone."
    )
    lines = BoardLineSerializer(many=True, required=False, help_text="Lines new or changed (health, ends…).")
    removed_lines = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="dependency_id of the lines gone."
    )
    milestones = BoardMilestoneSerializer(
        many=True, required=False, allow_null=True, help_text="Every milestone, when they changed; else null."
    )
    health_counts = serializers.DictField(
        child=serializers.IntegerField(), required=False, help_text="Lines per health, on the board now."
    )


BOARD_PARAMETERS = [
    OpenApiParameter(
        "since",
        {"type": "integer", "format": "int64", "minimum": 0, "maximum": SINCE_MAX},
        description="The board version you have: an unchanged board answers 204 at once, with no body.",
    ),
    OpenApiParameter(
        "teams",
        {"type": "array", "items": {"type": "integer", "format": "int64", "minimum": 1, "maximum": BIGINT_MAX}},
        description="Ids of teams to show (repeat the parameter for several).",
        explode=True,
    ),
    OpenApiParameter("type", OpenApiTypes.STR, description="Only cards of this feature type: business or enabler."),
    OpenApiParameter("only_red", OpenApiTypes.BOOL, description="Only the lines planned too late or not at all."),
    OpenApiParameter(
        "lines",
        OpenApiTypes.STR,
        enum=["all", "red", "focus"],
        description="The board's lines switch: all, red (as only_red) or focus (all lines; the page shows a"
        " card's lines while it is hovered or focused).",
    ),
]


def board_answer(body: dict | None, version: int) -> Response:
    response = Response(body, status=status.HTTP_200_OK if body is not None else status.HTTP_204_NO_CONTENT)
    response["X-Board-Version"] = str(version)
    return response


class BoardViewSet(mixins.RetrieveModelMixin, ApiViewSet):
    """The program board of a PI, whole, in a constant number of queries.

    ``GET /api/boards/{pi_id}/``: iterations (the IP iteration last), milestones, one row per
    team and per outside party, the cards in their cells and the lines of the open
    dependencies with their health. ``?since=<version>`` answers 204 when the board has not
    changed since (one query beyond authentication). Cards move with
    ``PATCH /api/placements/{placement_id}/``.
    """

    capabilities: ClassVar[dict[str, str]] = {"retrieve": "art.view", "changes": "art.view"}
    filter_backends = ()
    pagination_class = None
    serializer_class = BoardSerializer
    http_method_names = ("get", "head", "options")

    def get_queryset(self):
        pis = ProgramIncrement.objects.visible_to(self.request.user).select_related("art")
        return pis.annotate(board_version=BoardClock.version_of())

    @extend_schema(
        parameters=BOARD_PARAMETERS,
        responses={
            200: BoardSerializer,
            204: OpenApiResponse(description="Unchanged since the version named by ?since=."),
        },
    )
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        if "since" in request.query_params:
            try:
                since = parse_since(request.query_params["since"])
            except BadNumber as error:
                message = f"Name the board version you have: ?since=<number> ({error.reason})"
                raise exceptions.ValidationError({"since": [message]}) from None
            # Being a member of the PI's train is all that reading needs, and ``visible_to`` checks it.
            version = self.get_queryset().filter(pk=kwargs["pk"]).values_list("board_version", flat=True).first()
            if version is not None and version == since:
                return board_answer(None, version)
        filters = ProgramBoardFilter(request.query_params)
        if filters.error_text:
            raise exceptions.ValidationError({"filters": [filters.error_text]})
        pi = self.get_object()
        # The clock was read with the PI, before the board: a change in between shows at the next poll.
        board = program_board(pi, dependencies=Dependency.objects.for_pi(pi).open(), filters=filters.board_filters)
        return board_answer({"version": pi.board_version, **board.as_json()}, pi.board_version)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "since",
                {"type": "integer", "format": "int64", "minimum": 0, "maximum": SINCE_MAX},
                required=True,
                description="The board version you have (``version`` of the board or of the last change set).",
            ),
            *BOARD_PARAMETERS[1:],
        ],
        responses={200: BoardChangesSerializer},
    )
    @action(detail=True, methods=["get"], url_path="changes")
    def changes(self, request: Request, *args, **kwargs) -> Response:
        """What changed on the board since ``?since=``: the cards and lines that are new or
        different, the ids of those gone, the milestones if they changed, and the health counts;
        ``reload: true`` when the board must be read whole again (far behind, its frame changed, or
        no one has asked from that version yet). The same change set as the live page's, as data.

        A change set starts from a version whose state was kept: by the page, by an earlier change
        set, or by this endpoint's "reload" answer, which keeps the state of the version it names.
        """
        try:
            since = parse_since(request.query_params.get("since", ""))
        except BadNumber as error:
            message = f"Name the board version you have: ?since=<number> ({error.reason})"
            raise exceptions.ValidationError({"since": [message]}) from None
        filters = ProgramBoardFilter(request.query_params)
        if filters.error_text:
            raise exceptions.ValidationError({"filters": [filters.error_text]})
        pi = self.get_object()
        board_filters = filters.board_filters
        change = live_board.changes_since(
            pi.pk,
            board_filters.query_string(),
            since,
            pi.board_version,
            lambda: program_board(pi, dependencies=Dependency.objects.for_pi(pi).open(), filters=board_filters),
        )
        body = {"version": change.version, "since": since, "reload": change.reload}
        if change.reload:
            # Keep the state of the version this answer names: the board read next (at that version,
            # unless the board moves meanwhile) is one that ``changes/?since=`` can start from.
            board = program_board(pi, dependencies=Dependency.objects.for_pi(pi).open(), filters=board_filters)
            live_board.keep_state(pi.pk, board_filters.query_string(), board, change.version)
        else:
            data = change.region_data
            milestones_changed = live_board.MILESTONES_REGION in change.regions
            body.update(
                cards=[card.as_json() for card in change.cards],
                removed_cards=change.removed_placement_ids,
                lines=[line.as_json() for line in change.lines],
                removed_lines=change.removed_dependency_ids,
                milestones=[
                    milestone.as_json()
                    for milestone in (
                        *(m for _, cell in data.milestone_cells for m in cell),
                        *data.unscheduled_milestones,
                    )
                ]
                if milestones_changed
                else None,
                health_counts=data.summary.health_counts,
            )
        return board_answer(body, change.version)


# --- milestones ----------------------------------------------------------------------------------


def with_iteration(milestones: QuerySet) -> QuerySet:
    """Each milestone with the iteration its date falls in (null: in none), in the same statement."""
    containing = Iteration.objects.filter(
        pi=OuterRef("pi"), start_date__lte=OuterRef("date"), end_date__gte=OuterRef("date")
    ).order_by("start_date")
    return milestones.annotate(
        derived_iteration=Subquery(containing.values("pk")[:1]),
        derived_iteration_name=Subquery(containing.values("name")[:1]),
    )


MILESTONE_NAME = Milestone._meta.get_field("name")
MILESTONE_DESCRIPTION = Milestone._meta.get_field("description")
MILESTONE_DATE_ERRORS = {"invalid": "Enter a date like 2026-11-20.", "required": "Give the milestone its date."}


class MilestoneSerializer(serializers.ModelSerializer):
    """A milestone or event on the program board's top row, in the iteration its date falls in."""

    pi_name = serializers.CharField(source="pi.name", read_only=True)
    iteration = serializers.IntegerField(
        source="derived_iteration", read_only=True, allow_null=True, help_text="Derived from the date."
    )
    iteration_name = serializers.CharField(source="derived_iteration_name", read_only=True, allow_null=True)

    class Meta:
        model = Milestone
        fields = (
            "id",
            "pi",
            "pi_name",
            "name",
            "date",
            "description",
            "iteration",
            "iteration_name",
            "version",
            "created_at",
        )
        read_only_fields = fields


class MilestoneCreateSerializer(serializers.Serializer):
    pi = VisiblePIField(help_text="Id of the PI.")
    name = api_text(MILESTONE_NAME)
    date = serializers.DateField(help_text="A day within the PI.", error_messages=MILESTONE_DATE_ERRORS)
    description = api_text(MILESTONE_DESCRIPTION, required=False, default="")


class MilestoneUpdateSerializer(serializers.Serializer):
    name = api_text(MILESTONE_NAME, required=False)
    date = serializers.DateField(required=False, help_text="A day within the PI.", error_messages=MILESTONE_DATE_ERRORS)
    description = api_text(MILESTONE_DESCRIPTION, required=False)
    version = version_field()

    def validate(self, attrs: dict) -> dict:
        if not set(attrs) - {"version"}:
            raise serializers.ValidationError("Name what to change: name, date, description.")
        return attrs


@extend_schema_view(destroy=extend_schema(parameters=[VERSION_PARAMETER]))
class MilestoneViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, ApiViewSet
):
    """Milestones and events of your trains' program boards, by date.

    The RTE and Product Management add, change and delete them; a change or a deletion passes
    the ``version`` it read.
    """

    filterset_class = MilestoneFilter
    capabilities: ClassVar[dict[str, str]] = {
        "partial_update": "planning.edit_backlog",
        "destroy": "planning.edit_backlog",
    }
    ordering_fields = ("date", "name", "created_at")

    def get_queryset(self):
        milestones = Milestone.objects.filter(pi__art__in=ART.objects.visible_to(self.request.user))
        return with_iteration(milestones.select_related("pi__art")).order_by("date", "id")

    def get_serializer_class(self):
        if self.action == "create":
            return MilestoneCreateSerializer
        if self.action == "partial_update":
            return MilestoneUpdateSerializer
        return MilestoneSerializer

    def _saved(self, milestone: Milestone, status_code: int = status.HTTP_200_OK) -> Response:
        return self.answer(self.get_queryset().get(pk=milestone.pk), MilestoneSerializer, status_code)

    @extend_schema(request=MilestoneCreateSerializer, responses={201: MilestoneSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = self.validated(MilestoneCreateSerializer)
        pi = data.pop("pi")
        require(request.user, "planning.edit_backlog", art=pi.art)
        milestone = services.create_milestone(pi, by=request.user, **data)
        return self._saved(milestone, status.HTTP_201_CREATED)

    @extend_schema(request=MilestoneUpdateSerializer, responses=MilestoneSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        milestone = self.get_object()
        data = self.validated(MilestoneUpdateSerializer)
        version = data.pop("version")
        milestone = services.update_milestone(milestone, by=request.user, expected_version=version, **data)
        return self._saved(milestone)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        milestone = self.get_object()
        services.delete_milestone(milestone, by=request.user, expected_version=version_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
