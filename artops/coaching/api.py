"""The API of coaching and playbooks, with the pages' privacy rules.

- ``/api/coaching/observations/``: your observations (as coach or person coached); the coach
  records one (``POST``).
- ``/api/coaching/goals/``: your growth goals; the coach sets one (``POST``); the coach or the
  person coached checks in (``POST …/{id}/check-in/``); the coach carries unfinished goals
  into a later PI (``POST …/carry-over/``).
- ``/api/coaching/cop-sessions/``: the community of practice sessions of your trains; the RTE
  and Scrum Masters schedule (``POST``) and change (``PATCH``) one.
- ``/api/playbooks/``: the playbooks of your trains, with their versions (``…/{id}/versions/``);
  the RTE writes one (``POST``); the RTE and its editors save a new version (``PATCH``).

Lists and objects come from ``visible_to(user)``: someone else's observation or goal answers
404, as another train's object does. Every write goes through ``artops.coaching.services``.
"""

from __future__ import annotations

from typing import ClassVar

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from artops.api_base import (
    ApiViewSet,
    ChoiceField,
    VisibleARTField,
    VisibleMemberField,
    VisiblePIField,
    VisibleTeamField,
    date_field,
    text_field,
    version_field,
)
from artops.coaching import services
from artops.coaching.models import (
    Competency,
    CoPSession,
    EventObserved,
    GoalNote,
    GrowthGoal,
    Observation,
    Playbook,
    PlaybookVersion,
)
from artops.models import User


class CoachingPersonSerializer(serializers.ModelSerializer):
    """A person as coaching shows them: id and name."""

    class Meta:
        model = User
        fields = ("id", "display_name")
        read_only_fields = fields


# --- observations -----------------------------------------------------------------------------


class ObservationSerializer(serializers.ModelSerializer):
    art = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    coach = CoachingPersonSerializer(read_only=True)
    coachee = CoachingPersonSerializer(read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)

    class Meta:
        model = Observation
        fields = ("id", "art", "team", "team_name", "coach", "coachee", "event", "observed_on", "went_well",
                  "suggestion", "created_at")  # fmt: skip
        read_only_fields = fields


class ObservationCreateSerializer(serializers.Serializer):
    art = VisibleARTField()
    team = VisibleTeamField(help_text="Id of the team whose event was observed.")
    coachee = VisibleMemberField(help_text="Id of the Scrum Master or Product Owner coached.")
    event = ChoiceField(choices=EventObserved.choices)
    observed_on = date_field()
    went_well = text_field(Observation, "went_well")
    suggestion = text_field(Observation, "suggestion")


class ObservationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Observations only their coach and the person coached see."""

    serializer_class = ObservationSerializer
    ordering_fields = ("observed_on", "created_at")

    def get_queryset(self) -> QuerySet[Observation]:
        return Observation.objects.visible_to(self.request.user).select_related("art", "team", "coach", "coachee")

    def get_serializer_class(self):
        return ObservationCreateSerializer if self.action == "create" else ObservationSerializer

    @extend_schema(request=ObservationCreateSerializer, responses={201: ObservationSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Record an observation of a team event: the coach (the RTE) only."""
        data = self.validated(ObservationCreateSerializer)
        observation = services.record_observation(data.pop("art"), by=request.user, **data)
        return self.answer(observation, ObservationSerializer, status.HTTP_201_CREATED)


# --- growth goals -----------------------------------------------------------------------------


class GoalNoteSerializer(serializers.ModelSerializer):
    author = CoachingPersonSerializer(read_only=True)

    class Meta:
        model = GoalNote
        fields = ("kind", "text", "author", "created_at")
        read_only_fields = fields


class GrowthGoalSerializer(serializers.ModelSerializer):
    art = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    coach = CoachingPersonSerializer(read_only=True)
    coachee = CoachingPersonSerializer(read_only=True)
    notes = GoalNoteSerializer(many=True, read_only=True)
    carried_over = serializers.BooleanField(read_only=True)

    class Meta:
        model = GrowthGoal
        fields = ("id", "art", "pi", "coach", "coachee", "goal", "competency", "measure_of_done", "next_check_in",
                  "done", "done_at", "carried_from", "carried_over", "notes", "version", "created_at")  # fmt: skip
        read_only_fields = fields


class GrowthGoalCreateSerializer(serializers.Serializer):
    pi = VisiblePIField()
    coachee = VisibleMemberField(help_text="Id of the Scrum Master or Product Owner coached.")
    goal = text_field(GrowthGoal, "goal")
    competency = ChoiceField(choices=Competency.choices)
    measure_of_done = text_field(GrowthGoal, "measure_of_done")
    next_check_in = date_field(required=False, allow_null=True)


class CheckInSerializer(serializers.Serializer):
    version = version_field()
    note = text_field(GoalNote, "text", required=False, allow_blank=True, default="")
    next_check_in = date_field(required=False, allow_null=True, default=None)
    done = serializers.BooleanField(required=False, allow_null=True, default=None)


class CarryOverSerializer(serializers.Serializer):
    from_pi = VisiblePIField()
    to_pi = VisiblePIField()


class GrowthGoalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Growth goals only their coach and the person coached see."""

    serializer_class = GrowthGoalSerializer
    ordering_fields = ("next_check_in", "created_at")

    def get_queryset(self) -> QuerySet[GrowthGoal]:
        notes = Prefetch("notes", queryset=GoalNote.objects.select_related("author"))
        return (
            GrowthGoal.objects.visible_to(self.request.user)
            .select_related("art", "coach", "coachee", "carried_to")
            .prefetch_related(notes)
            .order_by("pk")
        )

    def get_serializer_class(self):
        return {
            "create": GrowthGoalCreateSerializer,
            "check_in": CheckInSerializer,
            "carry_over": CarryOverSerializer,
        }.get(self.action, GrowthGoalSerializer)

    @extend_schema(request=GrowthGoalCreateSerializer, responses={201: GrowthGoalSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Set a growth goal for a PI: the coach (the RTE) only."""
        data = self.validated(GrowthGoalCreateSerializer)
        goal = services.set_growth_goal(data.pop("pi"), by=request.user, **data)
        return self.answer(goal, GrowthGoalSerializer, status.HTTP_201_CREATED)

    @extend_schema(request=CheckInSerializer, responses=GrowthGoalSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, pk: str | None = None) -> Response:
        """A progress note (coach or person coached); the next check-in and done (the coach)."""
        goal = self.get_object()
        data = self.validated(CheckInSerializer)
        goal = services.check_in(goal, by=request.user, expected_version=data.pop("version"), **data)
        return self.answer(self.get_queryset().get(pk=goal.pk), GrowthGoalSerializer)

    @extend_schema(request=CarryOverSerializer, responses=GrowthGoalSerializer(many=True))
    @action(detail=False, methods=["post"], url_path="carry-over", filter_backends=[], pagination_class=None)
    def carry_over(self, request: Request) -> Response:
        """Carry your unfinished goals of a PI into a later PI, with their history."""
        data = self.validated(CarryOverSerializer)
        goals = services.carry_over_goals(data["from_pi"], data["to_pi"], by=request.user)
        fresh = self.get_queryset().filter(pk__in=[goal.pk for goal in goals])
        return Response(GrowthGoalSerializer(fresh, many=True, context=self.get_serializer_context()).data)


# --- community of practice ----------------------------------------------------------------------


class CoPSessionSerializer(serializers.ModelSerializer):
    art = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    attendees = CoachingPersonSerializer(many=True, read_only=True)
    calendar_event = serializers.IntegerField(source="event_id", read_only=True)

    class Meta:
        model = CoPSession
        fields = ("id", "art", "topic", "starts_at", "ends_at", "location", "notes", "attendees", "calendar_event",
                  "version", "created_at")  # fmt: skip
        read_only_fields = fields


class CoPFields(serializers.Serializer):
    topic = text_field(CoPSession, "topic", required=False)
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)
    location = text_field(CoPSession, "location", required=False, allow_blank=True)
    notes = text_field(CoPSession, "notes", required=False, allow_blank=True)
    attendees = VisibleMemberField(many=True, required=False)

    def validate_starts_at(self, value):
        return _in_range(value)

    def validate_ends_at(self, value):
        return _in_range(value)


def _in_range(value):
    if value is not None and not 2000 <= value.year <= 2100:
        raise serializers.ValidationError("Give a time between 2000 and 2100.")
    return value


class CoPCreateSerializer(CoPFields):
    art = VisibleARTField()
    topic = text_field(CoPSession, "topic")
    starts_at = serializers.DateTimeField(validators=[_in_range])
    ends_at = serializers.DateTimeField(validators=[_in_range])


class CoPUpdateSerializer(CoPFields):
    version = version_field()


class CoPSessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Community of practice sessions of your trains (each is on the ART calendar)."""

    serializer_class = CoPSessionSerializer
    capabilities: ClassVar[dict[str, str]] = {"partial_update": "coaching.run_cop"}
    http_method_names = ("get", "post", "patch", "head", "options")

    def get_queryset(self) -> QuerySet[CoPSession]:
        return CoPSession.objects.visible_to(self.request.user).select_related("art").prefetch_related("attendees")

    def get_serializer_class(self):
        return {"create": CoPCreateSerializer, "partial_update": CoPUpdateSerializer}.get(
            self.action, CoPSessionSerializer
        )

    @extend_schema(request=CoPCreateSerializer, responses={201: CoPSessionSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = self.validated(CoPCreateSerializer)
        session = services.schedule_cop_session(data.pop("art"), by=request.user, **data)
        return self.answer(self.get_queryset().get(pk=session.pk), CoPSessionSerializer, status.HTTP_201_CREATED)

    @extend_schema(request=CoPUpdateSerializer, responses=CoPSessionSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        session = self.get_object()
        data = self.validated(CoPUpdateSerializer)
        version = data.pop("version")
        session = services.update_cop_session(session, by=request.user, expected_version=version, **data)
        return self.answer(self.get_queryset().get(pk=session.pk), CoPSessionSerializer)


# --- playbooks ------------------------------------------------------------------------------------


class PlaybookVersionSerializer(serializers.ModelSerializer):
    author = CoachingPersonSerializer(read_only=True)

    class Meta:
        model = PlaybookVersion
        fields = ("number", "title", "body", "author", "note", "created_at")
        read_only_fields = fields


class PlaybookSerializer(serializers.ModelSerializer):
    art = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    updated_by = CoachingPersonSerializer(read_only=True)

    class Meta:
        model = Playbook
        fields = ("id", "art", "title", "body", "version", "updated_by", "updated_at", "created_at")
        read_only_fields = fields


class PlaybookCreateSerializer(serializers.Serializer):
    art = VisibleARTField()
    title = text_field(Playbook, "title")
    body = text_field(Playbook, "body", required=False, help_text="Markdown; without it, the outline.")
    note = text_field(PlaybookVersion, "note", required=False, allow_blank=True, default="")


class PlaybookUpdateSerializer(serializers.Serializer):
    version = version_field()
    title = text_field(Playbook, "title")
    body = text_field(Playbook, "body")
    note = text_field(PlaybookVersion, "note", required=False, allow_blank=True, default="")


class PlaybookViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The playbooks of your trains: every member reads; the RTE and each playbook's editors write."""

    serializer_class = PlaybookSerializer
    http_method_names = ("get", "post", "patch", "head", "options")

    def get_queryset(self) -> QuerySet[Playbook]:
        return Playbook.objects.visible_to(self.request.user).with_related().order_by("pk")

    def get_serializer_class(self):
        return {"create": PlaybookCreateSerializer, "partial_update": PlaybookUpdateSerializer}.get(
            self.action, PlaybookSerializer if self.action != "versions" else PlaybookVersionSerializer
        )

    @extend_schema(request=PlaybookCreateSerializer, responses={201: PlaybookSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = self.validated(PlaybookCreateSerializer)
        playbook = services.create_playbook(data.pop("art"), by=request.user, **data)
        return self.answer(playbook, PlaybookSerializer, status.HTTP_201_CREATED)

    @extend_schema(request=PlaybookUpdateSerializer, responses=PlaybookSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        """Save a new version (give the ``version`` you read); the previous one is kept."""
        playbook = self.get_object()
        if not services.can_edit_playbook(request.user, playbook):
            services.require(request.user, "coaching.edit_playbooks", art=playbook.art)
        data = self.validated(PlaybookUpdateSerializer)
        version = data.pop("version")
        playbook = services.edit_playbook(playbook, by=request.user, expected_version=version, **data)
        return self.answer(playbook, PlaybookSerializer)

    @extend_schema(responses=PlaybookVersionSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def versions(self, request: Request, pk: str | None = None) -> Response:
        """Every version of the playbook, the newest first, with who saved it and when."""
        playbook = self.get_object()
        page = self.paginate_queryset(playbook.versions.select_related("author").order_by("-number"))
        if page is None:
            raise NotFound()
        return self.get_paginated_response(
            PlaybookVersionSerializer(page, many=True, context=self.get_serializer_context()).data
        )


def register(router) -> None:
    """Add the coaching endpoints to the API router of ``artops/api_urls.py``."""
    router.register("coaching/observations", ObservationViewSet, basename="api-observation")
    router.register("coaching/goals", GrowthGoalViewSet, basename="api-growth-goal")
    router.register("coaching/cop-sessions", CoPSessionViewSet, basename="api-cop-session")
    router.register("playbooks", PlaybookViewSet, basename="api-playbook")
