"""REST API of PI Planning: backlog, team plans, objectives, program board, vote, readiness, committed plan.

- ``/api/features/``: features ranked by WSJF, their edits and state changes.
- ``/api/capacities/``: a team's capacity per iteration (a POST is an upsert), with the
  iteration's load (the points of the team's stories planned in it) against it.
- ``/api/stories/``: the stories of the teams' plans; ``POST …/{id}/move/`` plans one into
  another iteration (or back to unplanned).
- ``/api/placements/``: feature placements, the cards of the program board;
  ``GET …/{id}/history/`` lists every change of the placements of that card's feature (all
  teams, so that a card handed to another team keeps its past).
- ``/api/objectives/``: team PI objectives; ``GET …/{id}/`` includes their history.
  ``POST …/{id}/business-value/`` gives business value; ``GET …/totals/?pi=<id>`` gives the
  business value totals and predictability per team and for the train.
- ``/api/boards/{pi_id}/``: the whole program board of a PI in a constant number of queries,
  with its clock version; ``?since=<version>`` answers 204 while nothing changed. Its cards
  move with ``PATCH /api/placements/{id}/`` (iteration and/or team, and the version read).
- ``/api/milestones/``: the board's milestones and events, with the iteration their date falls in.
- ``/api/vote-rounds/``: rounds of the confidence vote with their tally; ``POST …/{id}/close/``
  (the RTE), ``POST …/{id}/vote/`` and ``GET …/{id}/my-vote/``. Nobody reads who voted what.
- ``/api/readiness/``: the PI readiness checklists.
- ``/api/plans/{pi_id}/``: ``POST …/commit/`` keeps the plan as the baseline,
  ``GET …/changes/`` shows planned vs now.

Every viewset reads ``visible_to(request.user)`` (another train's rows answer 404) and filters
with the FilterSets of ``planning.filters``; every write goes through ``planning.services``: the
same capability checks, validation and version checks as the pages. Who may change an existing
object is asked before its input is read, so that a role that may not edit learns nothing from
validation. A stale version answers 409; a deletion names the version it read with
``?version=`` (or in the body).

Business value is guarded field by field: a PATCH of an objective that names
``planned_business_value`` or ``actual_business_value`` needs ``planning.set_business_value``
(Business Owners), and its statement, commitment and features need
``planning.write_objectives`` (the team's Scrum Master and Product Owner, the RTE). Either
refusal is a 403 and changes nothing.

Wiring (in ``artops/api_urls.py``): ``planning.api.register(router)``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import ClassVar

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import models, transaction
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.fields import empty
from rest_framework.relations import MANY_RELATION_KWARGS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils import html

from artops.api import VisibleARTField, _request_user
from artops.models import ART, Iteration, ProgramIncrement, Team, User
from artops.permissions import HasCapability, require
from planning import services
from planning.baseline import plan_changes
from planning.filters import (
    CapacityFilter,
    FeatureFilter,
    MilestoneFilter,
    ObjectiveFilter,
    PlacementFilter,
    ReadinessFilter,
    StoryFilter,
    VoteRoundFilter,
)
from planning.models import (
    ACTUAL_BV_RANGE,
    FIBONACCI,
    FIBONACCI_CHOICES,
    OFF_SCALE_MESSAGE,
    PLANNED_BV_RANGE,
    VOTE_VALUES,
    BoardClock,
    Feature,
    FeaturePlacement,
    Milestone,
    ObjectiveChange,
    PIObjective,
    PlacementChange,
    ReadinessItem,
    Story,
    TeamCapacity,
    Vote,
    VoteRound,
)
from planning.program_board import HEALTHS
from planning.views.program_board import build_board, parse_filters

SCALE_ERRORS = {"invalid_choice": OFF_SCALE_MESSAGE, "required": OFF_SCALE_MESSAGE, "null": OFF_SCALE_MESSAGE}
VERSION_HELP = "The version you read; a newer one answers 409."


class VersionConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Someone changed this a moment ago; read it again and retry."
    default_code = "version_conflict"


# --- fields shared by the endpoints ------------------------------------------------------------


# Plain schemas rather than enums: four fields share the scale and PIs, features and stories
# all have states, which drf-spectacular would otherwise report as enum naming collisions
# (failing `check --deploy`).
@extend_schema_field({"type": "integer", "description": f"Modified Fibonacci scale: {', '.join(map(str, FIBONACCI))}."})
class FibonacciField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=FIBONACCI_CHOICES, error_messages=SCALE_ERRORS, **kwargs)


@extend_schema_field({"type": "string", "description": f"One of: {', '.join(Feature.State.values)}."})
class FeatureStateField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Feature.State.choices, **kwargs)


@extend_schema_field({"type": "string", "description": f"One of: {', '.join(Story.State.values)}."})
class StoryStateField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Story.State.choices, **kwargs)


def fibonacci(**kwargs) -> FibonacciField:
    return FibonacciField(**kwargs)


class KeptBooleanField(serializers.BooleanField):
    """A boolean that a form post leaves out is left alone (DRF would otherwise read it as false)."""

    default_empty_html = empty


class KeptListField(serializers.ManyRelatedField):
    """A list of ids that a form post leaves out is left alone (DRF would otherwise read it as empty)."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and self.field_name not in dictionary:
            return empty
        return super().get_value(dictionary)


class VisibleObjectField(serializers.PrimaryKeyRelatedField):
    """An object by id, among those of the requesting user's trains; any other id reads as unknown."""

    model: ClassVar[type[models.Model]]

    def __init__(self, **kwargs):
        super().__init__(queryset=self.model.objects.all(), **kwargs)

    def get_queryset(self):
        user = _request_user(self)
        return self.visible(user) if user is not None else self.model.objects.none()

    def visible(self, user) -> QuerySet:
        return self.model.objects.visible_to(user)


class VisiblePIField(VisibleObjectField):
    """A PI by id, among the PIs of the requesting user's trains (the service checks it is the right train's)."""

    model = ProgramIncrement
    default_error_messages: ClassVar[dict[str, str]] = {
        "does_not_exist": "There is no PI with id {pk_value} on your trains."
    }

    def visible(self, user) -> QuerySet:
        return ProgramIncrement.objects.visible_to(user).select_related("art")


class VisibleTeamField(VisibleObjectField):
    model = Team
    default_error_messages: ClassVar[dict[str, str]] = {
        "does_not_exist": "There is no team with id {pk_value} on your trains."
    }

    def visible(self, user) -> QuerySet:
        return Team.objects.visible_to(user).select_related("art")


class VisibleIterationField(VisibleObjectField):
    model = Iteration
    default_error_messages: ClassVar[dict[str, str]] = {
        "does_not_exist": "There is no iteration with id {pk_value} on your trains."
    }

    def visible(self, user) -> QuerySet:
        return Iteration.objects.visible_to(user).select_related("pi")


class VisibleFeatureField(VisibleObjectField):
    model = Feature
    default_error_messages: ClassVar[dict[str, str]] = {
        "does_not_exist": "There is no feature with id {pk_value} on your trains."
    }

    @classmethod
    def many_init(cls, *args, **kwargs) -> KeptListField:
        list_kwargs = {key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS}
        return KeptListField(child_relation=cls(*args, **kwargs), **list_kwargs)


class VisibleMemberField(VisibleObjectField):
    """A person by id, among the members of the requesting user's trains (the service checks the story's train)."""

    model = User
    default_error_messages: ClassVar[dict[str, str]] = {
        "does_not_exist": "There is no person with id {pk_value} on your trains."
    }

    def visible(self, user) -> QuerySet:
        return User.objects.filter(memberships__art__in=ART.objects.visible_to(user)).distinct()


def version_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, help_text=VERSION_HELP, **kwargs)


class VersionSerializer(serializers.Serializer):
    version = version_field()


def version_of(request: Request) -> int:
    """The version a deletion read: ``?version=`` or ``version`` in the body (400 without it)."""
    version = request.query_params.get("version")
    if version is None and hasattr(request.data, "get"):
        version = request.data.get("version")
    serializer = VersionSerializer(data={} if version is None else {"version": version})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data["version"]


VERSION_PARAMETER = OpenApiParameter(
    "version", OpenApiTypes.INT, required=True, description="The version you read; a newer one answers 409."
)


class PlanningViewSet(viewsets.GenericViewSet):
    """What the planning endpoints share: capabilities per action, numeric ids, 409 for stale versions."""

    permission_classes = (HasCapability,)
    # Action → capability, asked by HasCapability of existing objects (the services ask it too).
    capabilities: ClassVar[dict[str, str]] = {}
    http_method_names = ("get", "post", "patch", "delete", "head", "options")
    lookup_value_regex = r"\d+"

    def handle_exception(self, exc):
        if isinstance(exc, services.StaleVersion):
            exc = VersionConflict(str(exc))
        return super().handle_exception(exc)

    def validated(self, serializer_class: type[serializers.Serializer]) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def answer(self, obj, serializer_class, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(serializer_class(obj, context=self.get_serializer_context()).data, status=status_code)


# --- the ART backlog -----------------------------------------------------------------------------


class FeatureSerializer(serializers.ModelSerializer):
    """A feature of the ART backlog with its WSJF inputs and the computed Cost of Delay and WSJF."""

    art = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Slug of the train.")
    pi_name = serializers.CharField(source="pi.name", read_only=True, allow_null=True, default=None)
    state = FeatureStateField(read_only=True)
    user_business_value = fibonacci(read_only=True)
    time_criticality = fibonacci(read_only=True)
    risk_reduction = fibonacci(read_only=True)
    job_size = fibonacci(read_only=True)

    class Meta:
        model = Feature
        fields = (
            "id",
            "key",
            "art",
            "title",
            "type",
            "state",
            "pi",
            "pi_name",
            "description",
            "benefit_hypothesis",
            "acceptance_criteria",
            "user_business_value",
            "time_criticality",
            "risk_reduction",
            "job_size",
            "cost_of_delay",
            "wsjf",
            "version",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class FeatureWriteFields(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    type = serializers.ChoiceField(choices=Feature.Type.choices, default=Feature.Type.BUSINESS)
    pi = VisiblePIField(required=False, allow_null=True, help_text="Id of the PI; null while not yet planned.")
    description = serializers.CharField(required=False, allow_blank=True)
    benefit_hypothesis = serializers.CharField(required=False, allow_blank=True)
    acceptance_criteria = serializers.CharField(required=False, allow_blank=True)
    user_business_value = fibonacci(required=False)
    time_criticality = fibonacci(required=False)
    risk_reduction = fibonacci(required=False)
    job_size = fibonacci(required=False)


class FeatureCreateSerializer(FeatureWriteFields):
    art = VisibleARTField()


class FeatureUpdateSerializer(FeatureWriteFields):
    title = serializers.CharField(max_length=200, required=False)
    type = serializers.ChoiceField(choices=Feature.Type.choices, required=False)
    version = version_field()


class FeatureTransitionSerializer(serializers.Serializer):
    state = FeatureStateField()
    version = version_field()


class FeatureViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    PlanningViewSet,
):
    """Features of your trains' backlogs, highest WSJF first (ties: higher Cost of Delay, then older).

    Business features are edited by the RTE and Product Management; enablers also by System
    Architects. Every change passes the ``version`` it read.
    """

    filterset_class = FeatureFilter
    # Reading needs membership; writing needs the capability of the feature's type, asked below.
    capabilities: ClassVar[dict[str, str]] = {
        "list": "art.view",
        "retrieve": "art.view",
        "partial_update": "art.view",
        "transition": "art.view",
    }
    ordering_fields = ("wsjf", "cost_of_delay", "created_at", "key", "title", "state")
    http_method_names = ("get", "post", "patch", "head", "options")

    def get_queryset(self):
        return Feature.objects.visible_to(self.request.user).with_related().ranked()

    def get_serializer_class(self):
        if self.action == "create":
            return FeatureCreateSerializer
        if self.action == "partial_update":
            return FeatureUpdateSerializer
        if self.action == "transition":
            return FeatureTransitionSerializer
        return FeatureSerializer

    @extend_schema(request=FeatureCreateSerializer, responses={201: FeatureSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = self.validated(FeatureCreateSerializer)
        art = data.pop("art")
        services.require_edit(request.user, art, data["type"])
        feature = services.create_feature(art, by=request.user, **data)
        return self.answer(feature, FeatureSerializer, status.HTTP_201_CREATED)

    @extend_schema(request=FeatureUpdateSerializer, responses=FeatureSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        feature = self.get_object()
        # The capability before the input: a role that may not edit learns nothing from validation.
        services.require_edit(request.user, feature.art, feature.type)
        data = self.validated(FeatureUpdateSerializer)
        version = data.pop("version")
        feature = services.update_feature(feature, by=request.user, expected_version=version, **data)
        return self.answer(feature, FeatureSerializer)

    @extend_schema(request=FeatureTransitionSerializer, responses=FeatureSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Move the feature along the ART Kanban (funnel → analyzing → backlog → implementing → validating → done,
        one step forward or back, or cancelled)."""
        feature = self.get_object()
        services.require_edit(request.user, feature.art, feature.type)
        data = self.validated(FeatureTransitionSerializer)
        feature = services.change_feature_state(
            feature, to=data["state"], by=request.user, expected_version=data["version"]
        )
        return self.answer(feature, FeatureSerializer)


# --- capacity ------------------------------------------------------------------------------------


def with_load(capacities: QuerySet) -> QuerySet:
    """Each capacity with its load: the points of its team's stories planned into its iteration.

    One correlated subquery in the same statement, whatever the number of rows.
    """
    planned = (
        Story.objects.filter(team=OuterRef("team"), iteration=OuterRef("iteration"))
        .order_by()
        .values("team")
        .annotate(points=Sum("points"))
        .values("points")
    )
    return capacities.annotate(load=Coalesce(Subquery(planned), 0, output_field=models.IntegerField()))


def percent_of(load: int, capacity: Decimal) -> int | None:
    """Load as a whole percentage of capacity; undefined (None) when the capacity is zero."""
    if not capacity:
        return None
    return int((Decimal(100) * Decimal(load) / Decimal(capacity)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def decimal_field(max_digits: int, decimal_places: int, **kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=max_digits, decimal_places=decimal_places, coerce_to_string=False, **kwargs
    )


class CapacitySerializer(serializers.ModelSerializer):
    """A team's capacity for one development iteration, and the load planned into it."""

    team_name = serializers.CharField(source="team.name", read_only=True)
    pi = serializers.IntegerField(source="iteration.pi_id", read_only=True, help_text="Id of the PI.")
    iteration_name = serializers.CharField(source="iteration.name", read_only=True)
    fte = decimal_field(4, 2, read_only=True, help_text="Full-time developers and testers.")
    vacation_days = decimal_field(5, 1, read_only=True)
    holiday_days = decimal_field(5, 1, read_only=True)
    normalised = decimal_field(7, 2, read_only=True, help_text="8 points per FTE minus a point per day off.")
    capacity = decimal_field(
        7, 2, read_only=True, help_text="The measured velocity if set, else the normalised capacity."
    )
    load = serializers.IntegerField(
        read_only=True, help_text="Points of the team's stories planned into the iteration."
    )
    load_percent = serializers.SerializerMethodField(help_text="Load as a percentage of capacity; null if it is 0.")
    overloaded = serializers.SerializerMethodField(help_text="Whether the load exceeds the capacity.")

    class Meta:
        model = TeamCapacity
        fields = (
            "id",
            "team",
            "team_name",
            "pi",
            "iteration",
            "iteration_name",
            "fte",
            "vacation_days",
            "holiday_days",
            "velocity",
            "normalised",
            "capacity",
            "load",
            "load_percent",
            "overloaded",
            "version",
            "updated_at",
        )
        read_only_fields = fields

    def get_load_percent(self, capacity: TeamCapacity) -> int | None:
        return percent_of(capacity.load, capacity.capacity)

    def get_overloaded(self, capacity: TeamCapacity) -> bool:
        return capacity.load > capacity.capacity


def fte_field(**kwargs) -> serializers.DecimalField:
    return decimal_field(
        4,
        2,
        min_value=Decimal(0),
        max_value=Decimal(50),
        help_text="Full-time developers and testers; part-timers count their fraction, the PO and Scrum Master "
        "only if they also develop.",
        **kwargs,
    )


class CapacityUpdateSerializer(serializers.Serializer):
    fte = fte_field(required=False)
    vacation_days = decimal_field(5, 1, min_value=Decimal(0), max_value=Decimal(500), required=False)
    holiday_days = decimal_field(
        5,
        1,
        min_value=Decimal(0),
        max_value=Decimal(500),
        required=False,
        help_text="Public holidays times the people they apply to.",
    )
    velocity = serializers.IntegerField(
        min_value=0,
        max_value=999,
        required=False,
        allow_null=True,
        help_text="Measured velocity, used instead of the normalised capacity; null to use the normalised one.",
    )
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The version you read; a newer one answers 409. Without it, last wins."
    )


class CapacityCreateSerializer(CapacityUpdateSerializer):
    team = VisibleTeamField(help_text="Id of the team.")
    iteration = VisibleIterationField(help_text="Id of a development iteration.")
    fte = fte_field()


class CapacityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PlanningViewSet):
    """Team capacities per development iteration, with the load planned into each.

    A POST enters a team's capacity for an iteration, or corrects the one entered before (201
    when new, 200 when corrected). The team's Scrum Master and Product Owner, and the RTE,
    change it.
    """

    filterset_class = CapacityFilter
    capabilities: ClassVar[dict[str, str]] = {"partial_update": "planning.edit_team_plan"}
    ordering_fields = ("team__name", "iteration__number", "capacity", "load")
    http_method_names = ("get", "post", "patch", "head", "options")

    def get_queryset(self):
        capacities = TeamCapacity.objects.visible_to(self.request.user).select_related("team__art", "iteration")
        return with_load(capacities).order_by("team__name", "team_id", "iteration__start_date", "id")

    def get_serializer_class(self):
        if self.action == "create":
            return CapacityCreateSerializer
        if self.action == "partial_update":
            return CapacityUpdateSerializer
        return CapacitySerializer

    def _saved(self, capacity: TeamCapacity, status_code: int) -> Response:
        return self.answer(self.get_queryset().get(pk=capacity.pk), CapacitySerializer, status_code)

    @extend_schema(request=CapacityCreateSerializer, responses={201: CapacitySerializer, 200: CapacitySerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = self.validated(CapacityCreateSerializer)
        team, iteration = data.pop("team"), data.pop("iteration")
        existed = TeamCapacity.objects.filter(team=team, iteration=iteration).exists()
        capacity = services.set_capacity(
            team, iteration, by=request.user, expected_version=data.pop("version", None), **data
        )
        return self._saved(capacity, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(request=CapacityUpdateSerializer, responses=CapacitySerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        capacity = self.get_object()
        data = self.validated(CapacityUpdateSerializer)
        # What the request leaves out keeps its current value.
        current = {field: getattr(capacity, field) for field in ("fte", "vacation_days", "holiday_days", "velocity")}
        version = data.pop("version", None)
        capacity = services.set_capacity(
            capacity.team, capacity.iteration, by=request.user, expected_version=version, **{**current, **data}
        )
        return self._saved(capacity, status.HTTP_200_OK)


# --- stories -------------------------------------------------------------------------------------

POINTS_ERRORS = {code: Story._meta.get_field("points").error_messages[code] for code in ("min_value", "max_value")}


def story_points(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=Story.MAX_POINTS, error_messages=POINTS_ERRORS, **kwargs)


class StorySerializer(serializers.ModelSerializer):
    """A story of a team's PI plan, planned into an iteration or not yet."""

    team_name = serializers.CharField(source="team.name", read_only=True)
    iteration_name = serializers.CharField(source="iteration.name", read_only=True, allow_null=True, default=None)
    feature_key = serializers.CharField(source="feature.key", read_only=True, allow_null=True, default=None)
    state = StoryStateField(read_only=True)
    owner_name = serializers.CharField(source="owner.display_name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Story
        fields = (
            "id",
            "team",
            "team_name",
            "pi",
            "iteration",
            "iteration_name",
            "feature",
            "feature_key",
            "title",
            "points",
            "state",
            "owner",
            "owner_name",
            "version",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class StoryFields(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    points = story_points(required=False)
    state = StoryStateField(required=False)
    iteration = VisibleIterationField(
        required=False, allow_null=True, help_text="Id of a development iteration of the story's PI; null: unplanned."
    )
    feature = VisibleFeatureField(required=False, allow_null=True, help_text="Id of the feature; null for none.")
    owner = VisibleMemberField(
        required=False,
        allow_null=True,
        help_text="Id of the person who owns it; team members may name only themselves.",
    )


class StoryCreateSerializer(StoryFields):
    team = VisibleTeamField(help_text="Id of the team.")
    pi = VisiblePIField(help_text="Id of the PI.")
    title = serializers.CharField(max_length=200)


class StoryUpdateSerializer(StoryFields):
    version = version_field()


class StoryMoveSerializer(serializers.Serializer):
    iteration = VisibleIterationField(
        allow_null=True, help_text="Id of a development iteration of the story's PI; null: back to unplanned."
    )
    version = version_field()


@extend_schema_view(destroy=extend_schema(parameters=[VERSION_PARAMETER]))
class StoryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, PlanningViewSet
):
    """Stories of your trains' team plans.

    The team's Scrum Master and Product Owner (and the RTE) change every story of the team; a
    team member adds and changes the stories they own. Every change passes the ``version`` it read.
    """

    filterset_class = StoryFilter
    # Reading needs membership; who may change a story is asked of the story (require_story_edit).
    capabilities: ClassVar[dict[str, str]] = {}
    ordering_fields = ("created_at", "points", "title", "state", "iteration__number")

    def get_queryset(self):
        stories = Story.objects.visible_to(self.request.user).with_related().select_related("team__art")
        return stories.order_by("created_at", "id")

    def get_serializer_class(self):
        if self.action == "create":
            return StoryCreateSerializer
        if self.action == "partial_update":
            return StoryUpdateSerializer
        if self.action == "move":
            return StoryMoveSerializer
        return StorySerializer

    def _editable(self) -> Story:
        story = self.get_object()
        # The capability before the input: a role that may not edit learns nothing from validation.
        services.require_story_edit(self.request.user, story)
        return story

    @extend_schema(request=StoryCreateSerializer, responses={201: StorySerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = self.validated(StoryCreateSerializer)
        team, pi = data.pop("team"), data.pop("pi")
        story = services.create_story(team, pi, by=request.user, **data)
        return self.answer(story, StorySerializer, status.HTTP_201_CREATED)

    @extend_schema(request=StoryUpdateSerializer, responses=StorySerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        story = self._editable()
        data = self.validated(StoryUpdateSerializer)
        version = data.pop("version")
        story = services.update_story(story, by=request.user, expected_version=version, **data)
        return self.answer(story, StorySerializer)

    @extend_schema(request=StoryMoveSerializer, responses=StorySerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Plan the story into another development iteration of its PI, or back to unplanned (null)."""
        story = self._editable()
        data = self.validated(StoryMoveSerializer)
        story = services.move_story(
            story, iteration=data["iteration"], by=request.user, expected_version=data["version"]
        )
        return self.answer(story, StorySerializer)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        story = self._editable()
        services.delete_story(story, by=request.user, expected_version=version_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


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
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, PlanningViewSet
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


# --- PI objectives and business value ------------------------------------------------------------

BUSINESS_VALUE_FIELDS = {"planned_business_value": "planned", "actual_business_value": "actual"}
OBJECTIVE_FIELDS = ("statement", "committed", "features")


def business_value_field(name: str, value_range: tuple[int, int], **kwargs) -> serializers.IntegerField:
    """A business value field with the model's range and messages; null clears it."""
    errors = PIObjective._meta.get_field(name).error_messages
    low, high = value_range
    return serializers.IntegerField(
        min_value=low,
        max_value=high,
        allow_null=True,
        required=False,
        error_messages={"min_value": errors["min_value"], "max_value": errors["max_value"]},
        help_text=f"From {low} to {high}; null clears it. Business Owners only.",
        **kwargs,
    )


class ObjectiveChangeSerializer(serializers.ModelSerializer):
    """One change of an objective: what changed, from what to what, by whom, when."""

    field = serializers.CharField(read_only=True, help_text=f"One of: {', '.join(ObjectiveChange.Field.values)}.")
    by_name = serializers.CharField(source="by.display_name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ObjectiveChange
        fields = ("field", "old_value", "new_value", "by", "by_name", "at")
        read_only_fields = fields


class ObjectiveSerializer(serializers.ModelSerializer):
    """A team's PI objective, committed or uncommitted (stretch), with its business value."""

    team_name = serializers.CharField(source="team.name", read_only=True)
    features = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text="Ids of the linked features.")
    feature_keys = serializers.SlugRelatedField(source="features", slug_field="key", many=True, read_only=True)

    class Meta:
        model = PIObjective
        fields = (
            "id",
            "team",
            "team_name",
            "pi",
            "statement",
            "committed",
            "planned_business_value",
            "actual_business_value",
            "features",
            "feature_keys",
            "version",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class ObjectiveDetailSerializer(ObjectiveSerializer):
    """An objective with its history, oldest change first."""

    changes = ObjectiveChangeSerializer(many=True, read_only=True)

    class Meta(ObjectiveSerializer.Meta):
        fields = (*ObjectiveSerializer.Meta.fields, "changes")
        read_only_fields = fields


class ObjectiveUpdateSerializer(serializers.Serializer):
    statement = serializers.CharField(max_length=1000, required=False)
    committed = KeptBooleanField(required=False, help_text="False: an uncommitted (stretch) objective.")
    features = VisibleFeatureField(many=True, required=False, help_text="Ids of the features it relies on.")
    planned_business_value = business_value_field("planned_business_value", PLANNED_BV_RANGE)
    actual_business_value = business_value_field("actual_business_value", ACTUAL_BV_RANGE)
    version = version_field()

    def validate(self, attrs: dict) -> dict:
        if not set(attrs) & {*OBJECTIVE_FIELDS, *BUSINESS_VALUE_FIELDS}:
            raise serializers.ValidationError(
                f"Name what to change: {', '.join((*OBJECTIVE_FIELDS, *BUSINESS_VALUE_FIELDS))}."
            )
        return attrs


class ObjectiveCreateSerializer(serializers.Serializer):
    team = VisibleTeamField(help_text="Id of the team.")
    pi = VisiblePIField(help_text="Id of the PI.")
    statement = serializers.CharField(max_length=1000)
    committed = KeptBooleanField(default=True, help_text="False: an uncommitted (stretch) objective.")
    features = VisibleFeatureField(many=True, default=list, help_text="Ids of the features it relies on.")
    planned_business_value = business_value_field("planned_business_value", PLANNED_BV_RANGE)
    actual_business_value = business_value_field("actual_business_value", ACTUAL_BV_RANGE)


class BusinessValueSerializer(serializers.Serializer):
    planned_business_value = business_value_field("planned_business_value", PLANNED_BV_RANGE)
    actual_business_value = business_value_field("actual_business_value", ACTUAL_BV_RANGE)
    version = version_field()

    def validate(self, attrs: dict) -> dict:
        if not set(attrs) & set(BUSINESS_VALUE_FIELDS):
            raise serializers.ValidationError("Give planned_business_value, actual_business_value or both.")
        return attrs


class TotalsSerializer(serializers.Serializer):
    planned_committed = serializers.IntegerField(help_text="Σ planned business value of committed objectives.")
    planned_stretch = serializers.IntegerField(help_text="Σ planned business value of uncommitted objectives.")
    actual = serializers.IntegerField(help_text="Σ actual business value of all objectives.")
    assessed = serializers.IntegerField(help_text="How many objectives have an actual business value.")
    predictability = serializers.DecimalField(
        max_digits=None,
        decimal_places=1,
        coerce_to_string=False,
        allow_null=True,
        help_text="Σ actual / Σ planned (committed) × 100; null while undefined (nothing committed or assessed).",
    )


class TeamTotalsSerializer(TotalsSerializer):
    team = serializers.IntegerField(help_text="Id of the team.")
    team_name = serializers.CharField()


class ObjectiveTotalsSerializer(serializers.Serializer):
    pi = serializers.IntegerField(help_text="Id of the PI.")
    pi_name = serializers.CharField()
    teams = TeamTotalsSerializer(many=True, help_text="Active teams, and teams with objectives in the PI.")
    art = TotalsSerializer(help_text="The whole train: Σ actual of every team / Σ planned committed of every team.")


NO_TOTALS = {"planned_committed": 0, "planned_stretch": 0, "actual": 0, "assessed": 0, "predictability": None}


def business_values(data: dict) -> dict:
    """The business values of validated input, named as ``services.set_business_value`` takes them."""
    return {argument: data.pop(field) for field, argument in BUSINESS_VALUE_FIELDS.items() if field in data}


@extend_schema_view(destroy=extend_schema(parameters=[VERSION_PARAMETER]))
class ObjectiveViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, PlanningViewSet
):
    """PI objectives of your trains' teams; one objective (GET by id) comes with its history.

    The team's Scrum Master and Product Owner (and the RTE) write the statement, commitment and
    linked features; Business Owners alone give planned (1–10) and actual (0–10) business value,
    here in a PATCH or with ``POST …/{id}/business-value/``. Every change passes the ``version`` it read.
    """

    filterset_class = ObjectiveFilter
    # Reading needs membership; a PATCH asks the capability of each field it names (_require_fields).
    capabilities: ClassVar[dict[str, str]] = {
        "destroy": "planning.write_objectives",
        "business_value": "planning.set_business_value",
    }
    ordering_fields = ("created_at", "committed", "planned_business_value", "actual_business_value", "team__name")

    def get_queryset(self):
        objectives = PIObjective.objects.visible_to(self.request.user).select_related("team__art", "pi")
        features = Prefetch("features", queryset=Feature.objects.only("id", "key").order_by("id"))
        objectives = objectives.prefetch_related(features)
        if self.action != "list":
            changes = ObjectiveChange.objects.select_related("by").order_by("at", "id")
            objectives = objectives.prefetch_related(Prefetch("changes", queryset=changes))
        return objectives.order_by("team__name", "team_id", "-committed", "created_at", "id")

    def get_serializer_class(self):
        if self.action == "list":
            return ObjectiveSerializer
        if self.action == "create":
            return ObjectiveCreateSerializer
        if self.action == "partial_update":
            return ObjectiveUpdateSerializer
        if self.action == "business_value":
            return BusinessValueSerializer
        if self.action == "totals":
            return ObjectiveTotalsSerializer
        return ObjectiveDetailSerializer

    def _saved(self, objective: PIObjective, status_code: int = status.HTTP_200_OK) -> Response:
        return self.answer(self.get_queryset().get(pk=objective.pk), ObjectiveDetailSerializer, status_code)

    def _require_fields(self, objective: PIObjective, fields) -> None:
        """Field-level capabilities, asked before the input is read and before anything is written."""
        team = objective.team
        if set(fields) & set(BUSINESS_VALUE_FIELDS):
            require(self.request.user, "planning.set_business_value", art=team.art)
        if set(fields) & set(OBJECTIVE_FIELDS):
            require(self.request.user, "planning.write_objectives", art=team.art, team=team)

    @extend_schema(request=ObjectiveCreateSerializer, responses={201: ObjectiveDetailSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Write an objective; naming its business value too needs a Business Owner who also writes objectives."""
        data = self.validated(ObjectiveCreateSerializer)
        team, pi = data.pop("team"), data.pop("pi")
        values = business_values(data)
        if values:
            require(request.user, "planning.set_business_value", art=team.art)
        with transaction.atomic():
            objective = services.create_objective(team, pi, by=request.user, **data)
            if values:
                services.set_business_value(objective, by=request.user, expected_version=objective.version, **values)
        return self._saved(objective, status.HTTP_201_CREATED)

    @extend_schema(request=ObjectiveUpdateSerializer, responses=ObjectiveDetailSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        """Change the statement, commitment or features (writers of the team's objectives) and the
        business value (Business Owners); a field the caller may not change refuses the whole request."""
        objective = self.get_object()
        self._require_fields(objective, request.data.keys() if hasattr(request.data, "keys") else ())
        data = self.validated(ObjectiveUpdateSerializer)
        version = data.pop("version")
        values = business_values(data)
        # One transaction: a refused business value keeps the statement from changing alone.
        with transaction.atomic():
            if data:
                objective = services.update_objective(objective, by=request.user, expected_version=version, **data)
                version = objective.version
            if values:
                objective = services.set_business_value(objective, by=request.user, expected_version=version, **values)
        return self._saved(objective)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        objective = self.get_object()
        services.delete_objective(objective, by=request.user, expected_version=version_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=BusinessValueSerializer, responses=ObjectiveDetailSerializer)
    @action(detail=True, methods=["post"], url_path="business-value")
    def business_value(self, request: Request, pk: str | None = None) -> Response:
        """A Business Owner gives the objective its planned (1–10) and/or actual (0–10) business value."""
        objective = self.get_object()
        data = self.validated(BusinessValueSerializer)
        version = data.pop("version")
        objective = services.set_business_value(
            objective, by=request.user, expected_version=version, **business_values(data)
        )
        return self._saved(objective)

    @extend_schema(
        parameters=[OpenApiParameter("pi", OpenApiTypes.INT, required=True, description="Id of the PI.")],
        responses=ObjectiveTotalsSerializer,
        filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def totals(self, request: Request) -> Response:
        """Business value totals and predictability of each team and of the train, for one PI.

        Predictability = Σ actual business value (all objectives) / Σ planned business value
        (committed objectives) × 100; null while nothing is committed or nothing assessed yet.
        """
        pi_id = request.query_params.get("pi", "")
        if not pi_id.isdigit():
            raise exceptions.ValidationError({"pi": ["Name the PI by its id: ?pi=<id>."]})
        pi = get_object_or_404(ProgramIncrement.objects.visible_to(request.user), pk=int(pi_id))
        objectives = PIObjective.objects.for_pi(pi)
        # Active teams, and teams since deactivated whose objectives of this PI count all the same.
        teams = (
            Team.objects.filter(art_id=pi.art_id)
            .filter(Q(active=True) | Q(objectives__pi=pi))
            .distinct()
            .order_by("name", "id")
        )
        by_team = objectives.totals_by_team()
        rows = [
            {"team": team.pk, "team_name": team.name, **{**NO_TOTALS, **by_team.get(team.pk, {})}} for team in teams
        ]
        body = {"pi": pi.pk, "pi_name": pi.name, "teams": rows, "art": objectives.art_totals()}
        return Response(ObjectiveTotalsSerializer(body).data)


# --- the program board ----------------------------------------------------------------------------


def with_board_version(pis: QuerySet) -> QuerySet:
    """Each PI with its board clock (0 before the first change), read in the same statement."""
    clock = BoardClock.objects.filter(pi_id=OuterRef("pk")).values("version")[:1]
    return pis.annotate(board_version=Coalesce(Subquery(clock), Value(0), output_field=models.BigIntegerField()))


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


class BoardRowSerializer(serializers.Serializer):
    """A team's row, or the row of a party outside the train that provides something."""

    key = serializers.CharField()
    kind = serializers.CharField(help_text="team or party.")
    label = serializers.CharField()
    team_id = serializers.IntegerField(allow_null=True)
    active = serializers.BooleanField()
    is_context = serializers.BooleanField(help_text="Shown because a filtered team depends on it, or it on them.")
    has_unplanned = serializers.BooleanField(help_text="Whether a line starts at the row's “not planned” marker.")
    unplanned_dom_id = serializers.CharField()
    cells = BoardCellSerializer(many=True, help_text="One per iteration, the IP iteration last.")


class BoardAnchorSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="card, cell or unplanned.")
    dom_id = serializers.CharField()
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


BOARD_PARAMETERS = [
    OpenApiParameter(
        "since",
        OpenApiTypes.INT,
        description="The board version you have: an unchanged board answers 204 at once, with no body.",
    ),
    OpenApiParameter(
        "teams", OpenApiTypes.INT, many=True, description="Ids of teams to show (repeat the parameter for several)."
    ),
    OpenApiParameter("type", OpenApiTypes.STR, description="Only cards of this feature type: business or enabler."),
    OpenApiParameter("only_red", OpenApiTypes.BOOL, description="Only the lines planned too late or not at all."),
]


def board_answer(body: dict | None, version: int) -> Response:
    response = Response(body, status=status.HTTP_200_OK if body is not None else status.HTTP_204_NO_CONTENT)
    response["X-Board-Version"] = str(version)
    return response


class BoardViewSet(mixins.RetrieveModelMixin, PlanningViewSet):
    """The program board of a PI, whole, in a constant number of queries.

    ``GET /api/boards/{pi_id}/``: iterations (the IP iteration last), milestones, one row per
    team and per outside party, the cards in their cells and the lines of the open
    dependencies with their health. ``?since=<version>`` answers 204 when the board has not
    changed since (one query beyond authentication). Cards move with
    ``PATCH /api/placements/{placement_id}/``.
    """

    capabilities: ClassVar[dict[str, str]] = {"retrieve": "art.view"}
    filter_backends = ()
    pagination_class = None
    serializer_class = BoardSerializer
    http_method_names = ("get", "head", "options")

    def get_queryset(self):
        return with_board_version(ProgramIncrement.objects.visible_to(self.request.user).select_related("art"))

    @extend_schema(
        parameters=BOARD_PARAMETERS,
        responses={
            200: BoardSerializer,
            204: OpenApiResponse(description="Unchanged since the version named by ?since=."),
        },
    )
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        since = request.query_params.get("since")
        if since is not None:
            if not since.isdecimal():
                raise exceptions.ValidationError({"since": ["Name the board version you have: ?since=<number>."]})
            # Being a member of the PI's train is all that reading needs, and ``visible_to`` checks it.
            version = self.get_queryset().filter(pk=kwargs["pk"]).values_list("board_version", flat=True).first()
            if version is not None and version == int(since):
                return board_answer(None, version)
        filters, error = parse_filters(request.query_params)
        if error:
            raise exceptions.ValidationError({"filters": [error]})
        pi = self.get_object()
        # The clock was read with the PI, before the board: a change in between shows at the next poll.
        board = build_board(pi, **filters)
        return board_answer({"version": pi.board_version, **board.as_json()}, pi.board_version)


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
    name = serializers.CharField(max_length=120)
    date = serializers.DateField(help_text="A day within the PI.", error_messages=MILESTONE_DATE_ERRORS)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class MilestoneUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    date = serializers.DateField(required=False, help_text="A day within the PI.", error_messages=MILESTONE_DATE_ERRORS)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    version = version_field()

    def validate(self, attrs: dict) -> dict:
        if not set(attrs) - {"version"}:
            raise serializers.ValidationError("Name what to change: name, date, description.")
        return attrs


@extend_schema_view(destroy=extend_schema(parameters=[VERSION_PARAMETER]))
class MilestoneViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, PlanningViewSet
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


# --- the confidence vote -------------------------------------------------------------------------
#
# Who voted what is read by no endpoint: rounds carry the tally (counts per value, the number
# of votes, the average) and the concerns sorted by their text, never who wrote them; a person
# reads back their own vote only (``my-vote``).

VOTE_MESSAGE = Vote._meta.get_field("value").error_messages["max_value"]
VOTE_ERRORS = dict.fromkeys(("invalid", "required", "null", "min_value", "max_value"), VOTE_MESSAGE)


def with_tally(rounds: QuerySet) -> QuerySet:
    """Each round with its votes counted per value and its concerns (sorted by text): one statement."""
    counts = {f"votes_{value}": Count("votes", filter=Q(votes__value=value)) for value in VOTE_VALUES}
    concerns = ArrayAgg("votes__concern", filter=~Q(votes__concern=""), order_by="votes__concern", default=Value([]))
    return rounds.annotate(**counts, concern_texts=concerns)


def tally_of(vote_round: VoteRound) -> dict:
    """The tally of a round read ``with_tally``: the same numbers as ``services.tally``."""
    counts = {str(value): getattr(vote_round, f"votes_{value}") for value in VOTE_VALUES}
    votes = sum(counts.values())
    average = None
    if votes:
        total = sum(int(value) * count for value, count in counts.items())
        average = (Decimal(total) / votes).quantize(Decimal("0.01"))
    return {"counts": counts, "votes": votes, "average": average, "concerns": list(vote_round.concern_texts)}


class TallySerializer(serializers.Serializer):
    """A round's result so far. Concerns are sorted by their text: their order tells nothing of who wrote them."""

    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Votes per value, keys “1” to “5”.")
    votes = serializers.IntegerField(help_text="How many people voted.")
    average = serializers.DecimalField(
        max_digits=3, decimal_places=2, coerce_to_string=False, allow_null=True, help_text="Null before any vote."
    )
    concerns = serializers.ListField(child=serializers.CharField(), help_text="Concerns of those who voted 1 or 2.")


class VoteRoundSerializer(serializers.ModelSerializer):
    """A round of the confidence vote (fist of five), of one team or of the whole train, with its tally."""

    pi_name = serializers.CharField(source="pi.name", read_only=True)
    team = serializers.IntegerField(
        source="team_id", read_only=True, allow_null=True, help_text="Null for a vote of the whole train."
    )
    scope = serializers.CharField(source="scope_name", read_only=True, help_text="The team's name, or the whole train.")
    opened_by_name = serializers.CharField(
        source="opened_by.display_name", read_only=True, allow_null=True, default=None
    )
    is_open = serializers.BooleanField(read_only=True)
    replan = serializers.BooleanField(read_only=True, help_text="Closed with an average below 3: re-plan.")
    tally = serializers.SerializerMethodField()

    class Meta:
        model = VoteRound
        fields = (
            "id",
            "pi",
            "pi_name",
            "team",
            "scope",
            "opened_by",
            "opened_by_name",
            "opened_at",
            "closed_at",
            "is_open",
            "replan",
            "tally",
        )
        read_only_fields = fields

    @extend_schema_field(TallySerializer)
    def get_tally(self, vote_round: VoteRound) -> dict:
        return TallySerializer(tally_of(vote_round)).data


class VoteRoundCreateSerializer(serializers.Serializer):
    pi = VisiblePIField(help_text="Id of the PI.")
    team = VisibleTeamField(
        required=False, allow_null=True, default=None, help_text="Id of the team that votes; null: the whole train."
    )


class CastVoteSerializer(serializers.Serializer):
    value = serializers.IntegerField(
        min_value=VOTE_VALUES[0], max_value=VOTE_VALUES[-1], error_messages=VOTE_ERRORS, help_text="Fist of five: 1–5."
    )
    concern = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Invited when voting 1 or 2; dropped for a higher vote.",
    )


class OwnVoteSerializer(serializers.ModelSerializer):
    """Your own vote in a round: nobody else can read it."""

    class Meta:
        model = Vote
        fields = ("round", "value", "concern", "updated_at")
        read_only_fields = fields


class VoteRoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, PlanningViewSet):
    """Rounds of the confidence vote of your trains, newest first, each with its tally.

    The RTE opens a round (for a team, or the whole train with no team) and closes it; an
    average below 3 marks it re-plan, and a new round may open. ``POST …/{id}/vote/`` votes
    1–5 (voting again changes the vote while the round is open: 201 for a first vote, 200 for
    a change); ``GET …/{id}/my-vote/`` reads back your own vote. Nobody can read anyone
    else's vote.
    """

    filterset_class = VoteRoundFilter
    capabilities: ClassVar[dict[str, str]] = {
        "close": "planning.facilitate",
        "vote": "planning.vote",
        "my_vote": "planning.vote",
    }
    ordering_fields = ("opened_at", "closed_at")
    http_method_names = ("get", "post", "head", "options")

    def get_queryset(self):
        rounds = VoteRound.objects.visible_to(self.request.user).select_related("pi__art", "team", "opened_by")
        return with_tally(rounds).order_by("-opened_at", "-id")

    def get_serializer_class(self):
        if self.action == "create":
            return VoteRoundCreateSerializer
        if self.action == "vote":
            return CastVoteSerializer
        if self.action == "my_vote":
            return OwnVoteSerializer
        return VoteRoundSerializer

    def _saved(self, vote_round: VoteRound, status_code: int = status.HTTP_200_OK) -> Response:
        return self.answer(self.get_queryset().get(pk=vote_round.pk), VoteRoundSerializer, status_code)

    @extend_schema(request=VoteRoundCreateSerializer, responses={201: VoteRoundSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = self.validated(VoteRoundCreateSerializer)
        pi = data["pi"]
        require(request.user, "planning.facilitate", art=pi.art)
        vote_round = services.open_vote(pi, by=request.user, team=data["team"])
        return self._saved(vote_round, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=VoteRoundSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Close the round and keep its result; an average below 3 marks it re-plan."""
        vote_round = services.close_vote(self.get_object(), by=request.user)
        return self._saved(vote_round)

    @extend_schema(request=CastVoteSerializer, responses={201: OwnVoteSerializer, 200: OwnVoteSerializer})
    @action(detail=True, methods=["post"])
    def vote(self, request: Request, pk: str | None = None) -> Response:
        """Vote 1–5 in an open round you belong to; voting again replaces your vote."""
        vote_round = self.get_object()
        # Who may vote before the input: a person outside the round learns nothing from validation.
        if not services.can_vote_in(request.user, vote_round):
            raise exceptions.PermissionDenied(f"This round is for the members of {vote_round.scope_name}.")
        data = self.validated(CastVoteSerializer)
        existed = Vote.objects.filter(round=vote_round, voter=request.user).exists()
        vote = services.cast_vote(vote_round, by=request.user, **data)
        return self.answer(vote, OwnVoteSerializer, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(responses=OwnVoteSerializer, filters=False)
    @action(detail=True, methods=["get"], url_path="my-vote", pagination_class=None)
    def my_vote(self, request: Request, pk: str | None = None) -> Response:
        """Your own vote in this round (404 while you have not voted)."""
        vote_round = self.get_object()
        vote = Vote.objects.filter(round=vote_round, voter=request.user).first()
        if vote is None:
            raise exceptions.NotFound("You have not voted in this round.")
        return self.answer(vote, OwnVoteSerializer)


# --- PI readiness --------------------------------------------------------------------------------

DUPLICATE_ITEM = "This checklist already has that item."


class ReadinessSerializer(serializers.ModelSerializer):
    """An item of a PI's readiness checklist for PI Planning, with its owner and done state."""

    owner_name = serializers.CharField(source="owner.display_name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ReadinessItem
        fields = ("id", "pi", "title", "owner", "owner_name", "done", "done_at", "position", "version")
        read_only_fields = fields


class ReadinessCreateSerializer(serializers.Serializer):
    pi = VisiblePIField(help_text="Id of the PI.")
    title = serializers.CharField(max_length=200)
    owner = VisibleMemberField(required=False, allow_null=True, default=None, help_text="Id of a member of the train.")


class ReadinessUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    owner = VisibleMemberField(required=False, allow_null=True, help_text="Id of a member of the train; null: nobody.")
    done = KeptBooleanField(required=False)
    version = version_field()

    def validate(self, attrs: dict) -> dict:
        if not set(attrs) - {"version"}:
            raise serializers.ValidationError("Name what to change: title, owner, done.")
        return attrs


def _refuse_duplicate(pi: ProgramIncrement, title: str, item: ReadinessItem | None = None) -> None:
    others = ReadinessItem.objects.filter(pi=pi, title__iexact=title.strip())
    if item is not None:
        others = others.exclude(pk=item.pk)
    if others.exists():
        raise exceptions.ValidationError({"title": [DUPLICATE_ITEM]})


class ReadinessViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, PlanningViewSet):
    """PI readiness checklists of your trains, in checklist order.

    The RTE adds items and changes them; an item's owner may tick (or untick) their own item.
    A change passes the ``version`` it read.
    """

    filterset_class = ReadinessFilter
    # Reading needs membership; who may change an item is asked of the item (_require_edit).
    capabilities: ClassVar[dict[str, str]] = {}
    ordering_fields = ("position", "title", "done")
    http_method_names = ("get", "post", "patch", "head", "options")

    def get_queryset(self):
        items = ReadinessItem.objects.filter(pi__art__in=ART.objects.visible_to(self.request.user))
        return items.select_related("pi__art", "owner").order_by("pi__start_date", "pi_id", "position", "id")

    def get_serializer_class(self):
        if self.action == "create":
            return ReadinessCreateSerializer
        if self.action == "partial_update":
            return ReadinessUpdateSerializer
        return ReadinessSerializer

    def _require_edit(self, item: ReadinessItem) -> None:
        """The rule of ``services.update_readiness_item``, asked before the input is read."""
        named = set(self.request.data.keys() if hasattr(self.request.data, "keys") else ()) - {"version"}
        if item.owner_id != self.request.user.pk or not named <= {"done"}:
            require(self.request.user, "planning.facilitate", art=item.pi.art)

    @extend_schema(request=ReadinessCreateSerializer, responses={201: ReadinessSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = self.validated(ReadinessCreateSerializer)
        pi = data.pop("pi")
        require(request.user, "planning.facilitate", art=pi.art)
        _refuse_duplicate(pi, data["title"])
        item = services.add_readiness_item(pi, by=request.user, **data)
        return self.answer(self.get_queryset().get(pk=item.pk), ReadinessSerializer, status.HTTP_201_CREATED)

    @extend_schema(request=ReadinessUpdateSerializer, responses=ReadinessSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        item = self.get_object()
        self._require_edit(item)
        data = self.validated(ReadinessUpdateSerializer)
        version = data.pop("version")
        if "title" in data:
            _refuse_duplicate(item.pi, data["title"], item)
        item = services.update_readiness_item(item, by=request.user, expected_version=version, **data)
        return self.answer(self.get_queryset().get(pk=item.pk), ReadinessSerializer)


# --- the committed plan --------------------------------------------------------------------------


class BaselineSerializer(serializers.Serializer):
    """The plan of a PI as the train committed it: its placements and objectives were kept."""

    pi = serializers.IntegerField(source="pi_id", help_text="Id of the PI.")
    committed_at = serializers.DateTimeField()
    committed_by = serializers.IntegerField(source="committed_by_id", allow_null=True)
    committed_by_name = serializers.CharField(source="committed_by.display_name", allow_null=True, default=None)
    placements = serializers.IntegerField(source="placement_count", help_text="Cards kept.")
    objectives = serializers.IntegerField(source="objective_count", help_text="PI objectives kept.")


class PlannedPlacementChangeSerializer(serializers.Serializer):
    """A card compared with the committed plan.

    The “before” fields are null for an added card, the “after” ones for a dropped card.
    """

    feature = serializers.IntegerField(source="feature.pk")
    feature_key = serializers.CharField(source="feature.key")
    feature_title = serializers.CharField(source="feature.title")
    team_before = serializers.IntegerField(source="team_before.pk", allow_null=True, default=None)
    team_before_name = serializers.CharField(source="team_before.name", allow_null=True, default=None)
    iteration_before = serializers.IntegerField(source="iteration_before.pk", allow_null=True, default=None)
    iteration_before_name = serializers.CharField(source="iteration_before.name", allow_null=True, default=None)
    team_after = serializers.IntegerField(source="team_after.pk", allow_null=True, default=None)
    team_after_name = serializers.CharField(source="team_after.name", allow_null=True, default=None)
    iteration_after = serializers.IntegerField(source="iteration_after.pk", allow_null=True, default=None)
    iteration_after_name = serializers.CharField(source="iteration_after.name", allow_null=True, default=None)


class PlannedFieldChangeSerializer(serializers.Serializer):
    label = serializers.CharField()
    before = serializers.CharField()
    after = serializers.CharField()


class PlannedObjectiveChangeSerializer(serializers.Serializer):
    """An objective compared with the committed plan; ``objective`` is null when it was deleted since."""

    team = serializers.IntegerField(source="team.pk")
    team_name = serializers.CharField(source="team.name")
    statement = serializers.CharField()
    objective = serializers.IntegerField(source="objective.pk", allow_null=True, default=None)
    changes = PlannedFieldChangeSerializer(many=True, help_text="What differs (for a changed objective).")


class PlanChangesSerializer(serializers.Serializer):
    """Planned vs now: what moved, was added or dropped since the plan was committed."""

    pi = serializers.IntegerField(help_text="Id of the PI.")
    pi_name = serializers.CharField()
    committed = serializers.BooleanField(help_text="False while the plan is not committed (every list is empty).")
    committed_at = serializers.DateTimeField(source="baseline.committed_at", allow_null=True, default=None)
    committed_by_name = serializers.CharField(
        source="baseline.committed_by.display_name", allow_null=True, default=None
    )
    unchanged = serializers.BooleanField(help_text="Committed, and nothing moved, was added or dropped since.")
    moved = PlannedPlacementChangeSerializer(many=True, help_text="Cards in another iteration or team.")
    added = PlannedPlacementChangeSerializer(many=True)
    dropped = PlannedPlacementChangeSerializer(many=True)
    objectives_added = PlannedObjectiveChangeSerializer(many=True)
    objectives_dropped = PlannedObjectiveChangeSerializer(many=True)
    objectives_changed = PlannedObjectiveChangeSerializer(many=True)


PLAN_CHANGE_LISTS = ("moved", "added", "dropped", "objectives_added", "objectives_dropped", "objectives_changed")


class PlanViewSet(PlanningViewSet):
    """The committed plan of a PI (the Planning Interval's id names it).

    ``POST /api/plans/{pi_id}/commit/``: the RTE commits the plan at the end of PI Planning;
    the board's placements and the PI objectives are kept as the baseline (once per PI).
    ``GET /api/plans/{pi_id}/changes/``: planned vs now.
    """

    capabilities: ClassVar[dict[str, str]] = {"commit": "planning.facilitate", "changes": "art.view"}
    filter_backends = ()
    pagination_class = None
    http_method_names = ("get", "post", "head", "options")

    def get_queryset(self):
        return ProgramIncrement.objects.visible_to(self.request.user).select_related("art")

    def get_serializer_class(self):
        if self.action == "commit":
            return BaselineSerializer
        return PlanChangesSerializer

    @extend_schema(request=None, responses={201: BaselineSerializer})
    @action(detail=True, methods=["post"])
    def commit(self, request: Request, pk: str | None = None) -> Response:
        """Commit the plan: keep the board and the objectives as they are now."""
        baseline = services.commit_plan(self.get_object(), by=request.user)
        baseline.placement_count = baseline.placements.count()
        baseline.objective_count = baseline.objectives.count()
        return self.answer(baseline, BaselineSerializer, status.HTTP_201_CREATED)

    @extend_schema(responses=PlanChangesSerializer)
    @action(detail=True, methods=["get"])
    def changes(self, request: Request, pk: str | None = None) -> Response:
        """What moved, was added or dropped since the plan was committed, cards and objectives alike."""
        pi = self.get_object()
        changes = plan_changes(pi)
        body = {
            "pi": pi.pk,
            "pi_name": pi.name,
            "committed": changes.committed,
            "baseline": changes.baseline,
            "unchanged": changes.unchanged,
            **{
                name: getattr(changes, name)
                for name in (
                    "moved",
                    "added",
                    "dropped",
                    "objectives_added",
                    "objectives_dropped",
                    "objectives_changed",
                )
            },
        }
        return self.answer(body, PlanChangesSerializer)


def register(router) -> None:
    """Add the planning endpoints to the API router of ``artops/api_urls.py``."""
    router.register("features", FeatureViewSet, basename="api-feature")
    router.register("capacities", CapacityViewSet, basename="api-capacity")
    router.register("stories", StoryViewSet, basename="api-story")
    router.register("placements", PlacementViewSet, basename="api-placement")
    router.register("objectives", ObjectiveViewSet, basename="api-objective")
    router.register("boards", BoardViewSet, basename="api-board")
    router.register("milestones", MilestoneViewSet, basename="api-milestone")
    router.register("vote-rounds", VoteRoundViewSet, basename="api-vote-round")
    router.register("readiness", ReadinessViewSet, basename="api-readiness")
    router.register("plans", PlanViewSet, basename="api-plan")
