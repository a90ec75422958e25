"""The API of the teams' PI plans, the team board's data.

- ``/api/capacities/``: a team's capacity per iteration (a POST is an upsert), with the
  iteration's load (the points of the team's stories planned in it) against it.
- ``/api/stories/``: the stories of the teams' plans; ``POST …/{id}/move/`` plans one into
  another iteration (or back to unplanned).
"""

from __future__ import annotations

from typing import ClassVar

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from artops.api_base import (
    VERSION_PARAMETER,
    ApiViewSet,
    VisibleIterationField,
    VisibleMemberField,
    VisiblePIField,
    VisibleTeamField,
    version_field,
    version_of,
)
from artops.parsing import ApiIntegerField
from planning import services
from planning.api.fields import RangeIntegerField, VisibleFeatureField, api_text
from planning.filters import CapacityFilter, StoryFilter
from planning.models import (
    DAYS_OFF_RANGE,
    FTE_MAX_MESSAGE,
    FTE_RANGE,
    HOLIDAY_MAX_MESSAGE,
    NEGATIVE_MESSAGE,
    VACATION_MAX_MESSAGE,
    Story,
    TeamCapacity,
)

# --- capacity ------------------------------------------------------------------------------------


VACATION_ERRORS = {"min_value": NEGATIVE_MESSAGE, "max_value": VACATION_MAX_MESSAGE}
HOLIDAY_ERRORS = {"min_value": NEGATIVE_MESSAGE, "max_value": HOLIDAY_MAX_MESSAGE}


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
        return capacity.load_percent

    def get_overloaded(self, capacity: TeamCapacity) -> bool:
        return capacity.overloaded


def fte_field(**kwargs) -> serializers.DecimalField:
    return decimal_field(
        4,
        2,
        min_value=FTE_RANGE[0],
        max_value=FTE_RANGE[1],
        error_messages={"min_value": NEGATIVE_MESSAGE, "max_value": FTE_MAX_MESSAGE},
        help_text="Full-time developers and testers; part-timers count their fraction, the PO and Scrum Master "
        "only if they also develop.",
        **kwargs,
    )


class CapacityUpdateSerializer(serializers.Serializer):
    fte = fte_field(required=False)
    vacation_days = decimal_field(
        5, 1, min_value=DAYS_OFF_RANGE[0], max_value=DAYS_OFF_RANGE[1], required=False, error_messages=VACATION_ERRORS
    )
    holiday_days = decimal_field(
        5,
        1,
        min_value=DAYS_OFF_RANGE[0],
        max_value=DAYS_OFF_RANGE[1],
        required=False,
        error_messages=HOLIDAY_ERRORS,
        help_text="Public holidays times the people they apply to.",
    )
    velocity = RangeIntegerField.of_model(
        TeamCapacity._meta.get_field("velocity"),
        required=False,
        allow_null=True,
        help_text="Measured velocity, used instead of the normalised capacity; null to use the normalised one.",
    )
    version = ApiIntegerField(
        min_value=1, required=False, help_text="The version you read; a newer one answers 409. Without it, last wins."
    )


class CapacityCreateSerializer(CapacityUpdateSerializer):
    team = VisibleTeamField(help_text="Id of the team.")
    iteration = VisibleIterationField(help_text="Id of a development iteration.")
    fte = fte_field()


class CapacityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
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
        return capacities.with_load().order_by("team__name", "team_id", "iteration__start_date", "id")

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


# A plain schema rather than an enum, as ``planning.api.backlog.FeatureStateField`` says why.
@extend_schema_field({"type": "string", "description": f"One of: {', '.join(Story.State.values)}."})
class StoryStateField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Story.State.choices, **kwargs)


POINTS_ERRORS = {code: Story._meta.get_field("points").error_messages[code] for code in ("min_value", "max_value")}


def story_points(**kwargs) -> RangeIntegerField:
    return RangeIntegerField(min_value=0, max_value=Story.MAX_POINTS, error_messages=POINTS_ERRORS, **kwargs)


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
    title = api_text(Story._meta.get_field("title"), required=False)
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
    title = api_text(Story._meta.get_field("title"))


class StoryUpdateSerializer(StoryFields):
    version = version_field()


class StoryMoveSerializer(serializers.Serializer):
    iteration = VisibleIterationField(
        allow_null=True, help_text="Id of a development iteration of the story's PI; null: back to unplanned."
    )
    version = version_field()


@extend_schema_view(destroy=extend_schema(parameters=[VERSION_PARAMETER]))
class StoryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, ApiViewSet
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
