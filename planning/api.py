"""REST API of PI Planning: the ART backlog, the teams' plans and their PI objectives.

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

from django.db import models, transaction
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
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
from planning.filters import CapacityFilter, FeatureFilter, ObjectiveFilter, PlacementFilter, StoryFilter
from planning.models import (
    ACTUAL_BV_RANGE,
    FIBONACCI,
    FIBONACCI_CHOICES,
    OFF_SCALE_MESSAGE,
    PLANNED_BV_RANGE,
    Feature,
    FeaturePlacement,
    ObjectiveChange,
    PIObjective,
    PlacementChange,
    Story,
    TeamCapacity,
)

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
        capacity = services.set_capacity(team, iteration, by=request.user, **data)
        return self._saved(capacity, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(request=CapacityUpdateSerializer, responses=CapacitySerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        capacity = self.get_object()
        data = self.validated(CapacityUpdateSerializer)
        # What the request leaves out keeps its current value.
        current = {field: getattr(capacity, field) for field in ("fte", "vacation_days", "holiday_days", "velocity")}
        capacity = services.set_capacity(capacity.team, capacity.iteration, by=request.user, **{**current, **data})
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


def register(router) -> None:
    """Add the planning endpoints to the API router of ``artops/api_urls.py``."""
    router.register("features", FeatureViewSet, basename="api-feature")
    router.register("capacities", CapacityViewSet, basename="api-capacity")
    router.register("stories", StoryViewSet, basename="api-story")
    router.register("placements", PlacementViewSet, basename="api-placement")
    router.register("objectives", ObjectiveViewSet, basename="api-objective")
