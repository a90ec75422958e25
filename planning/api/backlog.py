"""The API of the ART backlog (``/api/features/``): features ranked by WSJF, their edits and state changes.

Business features are edited by the RTE and Product Management, enablers also by System
Architects; every change passes the ``version`` it read.
"""

from __future__ import annotations

from typing import ClassVar

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from artops.api_base import ApiViewSet, VisibleARTField, VisiblePIField, version_field
from planning import services
from planning.api.fields import api_text
from planning.filters import FeatureFilter
from planning.models import FIBONACCI, FIBONACCI_CHOICES, OFF_SCALE_MESSAGE, Feature

SCALE_ERRORS = {"invalid_choice": OFF_SCALE_MESSAGE, "required": OFF_SCALE_MESSAGE, "null": OFF_SCALE_MESSAGE}


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


def fibonacci(**kwargs) -> FibonacciField:
    return FibonacciField(**kwargs)


# --- features ----------------------------------------------------------------------------------


class FeatureSerializer(serializers.ModelSerializer):
    """A feature of the ART backlog with its WSJF inputs and the computed Cost of Delay and WSJF."""

    art = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Slug of the train.")
    pi_name = serializers.CharField(source="pi.name", read_only=True, allow_null=True, default=None)
    state = FeatureStateField(read_only=True)
    user_business_value = fibonacci(read_only=True)
    time_criticality = fibonacci(read_only=True)
    risk_reduction = fibonacci(read_only=True)
    job_size = fibonacci(read_only=True)
    # A number in the answer, so a number in the schema too (not the string a decimal defaults to).
    wsjf = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        coerce_to_string=False,
        read_only=True,
        help_text="Weighted Shortest Job First: Cost of Delay / job size, to two decimals.",
    )

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


def feature_text(name: str, **kwargs) -> serializers.CharField:
    """A feature's free text, bounded as the model bounds it."""
    return api_text(Feature._meta.get_field(name), **kwargs)


class FeatureWriteFields(serializers.Serializer):
    title = feature_text("title")
    type = serializers.ChoiceField(choices=Feature.Type.choices, default=Feature.Type.BUSINESS)
    pi = VisiblePIField(required=False, allow_null=True, help_text="Id of the PI; null while not yet planned.")
    description = feature_text("description", required=False)
    benefit_hypothesis = feature_text("benefit_hypothesis", required=False)
    acceptance_criteria = feature_text("acceptance_criteria", required=False)
    user_business_value = fibonacci(required=False)
    time_criticality = fibonacci(required=False)
    risk_reduction = fibonacci(required=False)
    job_size = fibonacci(required=False)


class FeatureCreateSerializer(FeatureWriteFields):
    art = VisibleARTField()


class FeatureUpdateSerializer(FeatureWriteFields):
    title = feature_text("title", required=False)
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
    ApiViewSet,
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
