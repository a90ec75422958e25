"""The API of System Demos: ``/api/system-demos/`` (+ attendance, outcome), ``/api/demo-items/`` and
``/api/demo-feedback/`` (+ to-backlog, close)."""

from __future__ import annotations

from typing import ClassVar

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from artops.api_base import (
    ApiViewSet,
    VisibleARTField,
    VisibleIterationField,
    VisibleMemberField,
    VisibleTeamField,
)
from planning.api.fields import VisibleFeatureField
from planning.models import Feature
from sync import services
from sync.api.fields import (
    VisibleDemoField,
    VisibleDemoItemField,
    VisibleObjectiveField,
    choice,
    name_of,
    shown_choice,
    text,
    version,
)
from sync.filters import DemoFeedbackFilter, DemoItemFilter, SystemDemoFilter
from sync.models import DemoFeedback, DemoItem, DemoOutcome, SystemDemo


class SystemDemoSerializer(serializers.ModelSerializer):
    """The System Demo of an iteration, with how many items ran integrated."""

    art = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Slug of the train.")
    iteration_name = name_of("iteration.name")
    items_count = serializers.IntegerField(read_only=True)
    integrated_count = serializers.IntegerField(read_only=True)
    not_integrated_count = serializers.IntegerField(read_only=True, help_text="Partly or not integrated: flagged.")

    class Meta:
        model = SystemDemo
        fields = (
            "id",
            "art",
            "pi",
            "iteration",
            "iteration_name",
            "held_on",
            "notes",
            "attendees",
            "items_count",
            "integrated_count",
            "not_integrated_count",
            "version",
        )
        read_only_fields = fields


class SystemDemoCreateSerializer(serializers.Serializer):
    art = VisibleARTField()
    iteration = VisibleIterationField(help_text="A development iteration of the train.")
    held_on = serializers.DateField(required=False, allow_null=True)
    notes = text(5000, required=False, allow_blank=True, default="")


class AttendanceSerializer(serializers.Serializer):
    attendees = VisibleMemberField(many=True)
    version = version()


class OutcomeSerializer(serializers.ModelSerializer):
    outcome = shown_choice(DemoOutcome.Outcome.choices)

    class Meta:
        model = DemoOutcome
        fields = ("id", "demo", "feature", "outcome", "note", "decided_by", "decided_at", "version")
        read_only_fields = fields


class OutcomeCreateSerializer(serializers.Serializer):
    feature = VisibleFeatureField()
    outcome = choice(DemoOutcome.Outcome.choices, "outcome")
    note = text(300, required=False, allow_blank=True, default="")
    version = version(required=False, allow_null=True, default=None)


class DemoItemSerializer(serializers.ModelSerializer):
    """What a team showed of a feature, and whether it ran in the integrated system."""

    team_name = name_of("team.name")
    feature_key = name_of("feature.key")
    integrated = shown_choice(DemoItem.Integrated.choices)

    class Meta:
        model = DemoItem
        fields = (
            "id",
            "demo",
            "team",
            "team_name",
            "feature",
            "feature_key",
            "objective",
            "shown",
            "integrated",
            "reason",
            "added_by",
            "created_at",
        )
        read_only_fields = fields


class DemoItemCreateSerializer(serializers.Serializer):
    demo = VisibleDemoField()
    team = VisibleTeamField()
    feature = VisibleFeatureField()
    objective = VisibleObjectiveField(required=False, allow_null=True)
    shown = text(1000)
    integrated = choice(DemoItem.Integrated.choices, "integration")
    reason = text(500, required=False, allow_blank=True, default="")


class FeedbackSerializer(serializers.ModelSerializer):
    """Feedback at a System Demo: open, turned into a backlog item, or closed with a reason."""

    by_name = name_of("by.display_name")
    state = shown_choice(DemoFeedback.State.choices)

    class Meta:
        model = DemoFeedback
        fields = (
            "id",
            "demo",
            "item",
            "by",
            "by_name",
            "text",
            "state",
            "backlog_feature",
            "close_reason",
            "handled_by",
            "handled_at",
            "version",
            "created_at",
        )
        read_only_fields = fields


class FeedbackCreateSerializer(serializers.Serializer):
    demo = VisibleDemoField()
    text = text(1000)
    item = VisibleDemoItemField(required=False, allow_null=True)


class ToBacklogSerializer(serializers.Serializer):
    title = text(200, required=False, allow_blank=True, default="")
    type = choice(Feature.Type.choices, "feature type", required=False, default=Feature.Type.BUSINESS)
    version = version()


class CloseFeedbackSerializer(serializers.Serializer):
    reason = text(300)
    version = version()


class SystemDemoViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The System Demos of your trains, latest first. The RTE holds them."""

    serializer_class = SystemDemoSerializer
    filterset_class = SystemDemoFilter
    capabilities: ClassVar[dict[str, str]] = {"attendance": "sync.facilitate", "outcome": "planning.edit_backlog"}

    def get_queryset(self):
        return (
            SystemDemo.objects.visible_to(self.request.user)
            .with_related()
            .with_counts()
            .prefetch_related("attendees")
            .order_by("-held_on", "-id")
        )

    def _counted(self, demo: SystemDemo) -> SystemDemo:
        return self.get_queryset().get(pk=demo.pk)

    @extend_schema(request=SystemDemoCreateSerializer, responses={201: SystemDemoSerializer})
    def create(self, request: Request) -> Response:
        """Hold the System Demo of a development iteration (on its last day unless ``held_on`` says otherwise)."""
        data = self.validated(SystemDemoCreateSerializer)
        demo = services.create_system_demo(data.pop("art"), by=request.user, **data)
        return self.answer(self._counted(demo), SystemDemoSerializer, status.HTTP_201_CREATED)

    @extend_schema(request=AttendanceSerializer, responses=SystemDemoSerializer)
    @action(detail=True, methods=["post"])
    def attendance(self, request: Request, pk=None) -> Response:
        """Who attended (members of the train): the list replaces the one recorded."""
        demo = self.get_object()
        data = self.validated(AttendanceSerializer)
        services.record_attendance(demo, attendees=data["attendees"], by=request.user, expected_version=data["version"])
        return self.answer(self._counted(demo), SystemDemoSerializer)

    @extend_schema(request=OutcomeCreateSerializer, responses=OutcomeSerializer)
    @action(detail=True, methods=["post"])
    def outcome(self, request: Request, pk=None) -> Response:
        """Accept a feature shown at the demo, or send it back as needing work."""
        demo = self.get_object()
        data = self.validated(OutcomeCreateSerializer)
        decided = services.set_demo_outcome(
            demo,
            feature=data["feature"],
            outcome=data["outcome"],
            note=data["note"],
            by=request.user,
            expected_version=data["version"],
        )
        return self.answer(decided, OutcomeSerializer)


class DemoItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """What the teams showed at the System Demos of your trains."""

    serializer_class = DemoItemSerializer
    filterset_class = DemoItemFilter

    def get_queryset(self):
        return DemoItem.objects.visible_to(self.request.user).with_related().order_by("demo_id", "team__name", "id")

    @extend_schema(request=DemoItemCreateSerializer, responses={201: DemoItemSerializer})
    def create(self, request: Request) -> Response:
        """Record what a team showed of a feature of the demo's PI; not fully integrated needs the reason."""
        data = self.validated(DemoItemCreateSerializer)
        item = services.add_demo_item(data.pop("demo"), by=request.user, **data)
        return self.answer(item, DemoItemSerializer, status.HTTP_201_CREATED)


class DemoFeedbackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Feedback given at the System Demos of your trains. Every member gives it; Business Owners, Product
    Management, architects and the RTE turn it into a backlog item; PM and the RTE close it."""

    serializer_class = FeedbackSerializer
    filterset_class = DemoFeedbackFilter
    capabilities: ClassVar[dict[str, str]] = {"close": "planning.edit_backlog"}

    def get_queryset(self):
        return DemoFeedback.objects.visible_to(self.request.user).with_related().order_by("demo_id", "created_at", "id")

    @extend_schema(request=FeedbackCreateSerializer, responses={201: FeedbackSerializer})
    def create(self, request: Request) -> Response:
        data = self.validated(FeedbackCreateSerializer)
        feedback = services.add_feedback(data.pop("demo"), by=request.user, **data)
        return self.answer(feedback, FeedbackSerializer, status.HTTP_201_CREATED)

    @extend_schema(request=ToBacklogSerializer, responses=FeedbackSerializer)
    @action(detail=True, methods=["post"], url_path="to-backlog")
    def to_backlog(self, request: Request, pk=None) -> Response:
        """Turn the feedback into a feature in the funnel of the ART backlog."""
        feedback = self.get_object()
        data = self.validated(ToBacklogSerializer)
        turned = services.turn_feedback_into_backlog_item(
            feedback, by=request.user, expected_version=data["version"], title=data["title"], type=data["type"]
        )
        return self.answer(turned, FeedbackSerializer)

    @extend_schema(request=CloseFeedbackSerializer, responses=FeedbackSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk=None) -> Response:
        """No action is taken: say why."""
        feedback = self.get_object()
        data = self.validated(CloseFeedbackSerializer)
        closed = services.close_feedback(
            feedback, reason=data["reason"], by=request.user, expected_version=data["version"]
        )
        return self.answer(closed, FeedbackSerializer)
