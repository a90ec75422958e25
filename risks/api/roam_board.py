"""The API of the ROAM board (``/api/risks/``): risks of your trains, highest severity first.

``POST`` raises one (it starts unroamed); ``PATCH …/{id}/`` corrects its content;
``POST …/{id}/roam/`` moves it to another ROAM state with what that state needs (an owner, a
rationale or a mitigation plan); ``GET …/{id}/history/`` lists every recorded change, oldest first.
"""

from __future__ import annotations

from typing import ClassVar

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from artops.api_base import (
    ApiViewSet,
    VisibleARTField,
    VisibleMemberField,
    VisiblePIField,
    VisibleTeamField,
    date_field,
    text_field,
    version_field,
)
from artops.parsing import ApiIntegerField
from artops.permissions import CAPABILITY_MESSAGES
from risks import services
from risks.api.fields import RiskChangeSerializer, RiskStateField, name_of, train_today
from risks.filters import RiskFilter
from risks.models import Risk, RiskChange

ROAM_NOT_ALLOWED = CAPABILITY_MESSAGES["risks.roam"]
EDIT_NOT_ALLOWED = services.EDIT_REFUSAL
SCALE_ERRORS = {
    name: {code: Risk._meta.get_field(name).error_messages[code] for code in ("min_value", "max_value", "invalid")}
    for name in ("probability", "impact")
}


class ScaleField(ApiIntegerField):
    """Probability or impact, 1 to 5 in ASCII digits, with the model's message (“Probability is from 1 to 5.”)."""

    def __init__(self, name: str, **kwargs):
        super().__init__(min_value=1, max_value=5, error_messages=SCALE_ERRORS[name], **kwargs)

    def to_internal_value(self, data) -> int:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            self.fail("invalid")


def scale(name: str, **kwargs) -> ScaleField:
    return ScaleField(name, **kwargs)


class RiskSerializer(serializers.ModelSerializer):
    """A risk to the train's PI objectives, with its ROAM state and severity (probability × impact)."""

    art = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Slug of the train.")
    pi_name = serializers.CharField(source="pi.name", read_only=True)
    team = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Id of the team; null for the whole train."
    )
    team_name = name_of("team.name")
    raised_by_name = name_of("raised_by.display_name")
    owner_name = name_of("owner.display_name")
    severity = serializers.IntegerField(read_only=True, help_text="Probability × impact, 1 to 25.")
    state = RiskStateField(read_only=True)
    is_quiet = serializers.SerializerMethodField(help_text="Open and untouched for 14 days or more.")

    class Meta:
        model = Risk
        fields = (
            "id",
            "art",
            "pi",
            "pi_name",
            "team",
            "team_name",
            "title",
            "description",
            "raised_by",
            "raised_by_name",
            "owner",
            "owner_name",
            "probability",
            "impact",
            "severity",
            "due_date",
            "state",
            "rationale",
            "mitigation_plan",
            "is_quiet",
            "version",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_quiet(self, risk: Risk) -> bool:
        return risk.is_quiet(train_today(self, risk.art))


class RiskFields(serializers.Serializer):
    title = text_field(Risk, "title", required=False)
    description = text_field(Risk, "description", required=False, allow_blank=True)
    team = VisibleTeamField(required=False, allow_null=True, help_text="Id of the team; null for the whole train.")
    owner = VisibleMemberField(required=False, allow_null=True, help_text="Id of a member of the train; null: nobody.")
    probability = scale("probability", required=False)
    impact = scale("impact", required=False)
    due_date = date_field(required=False, allow_null=True)


class RiskCreateSerializer(RiskFields):
    art = VisibleARTField()
    pi = VisiblePIField(help_text="Id of a PI of the train.")
    title = text_field(Risk, "title")


class RiskUpdateSerializer(RiskFields):
    version = version_field()


class RoamSerializer(serializers.Serializer):
    state = RiskStateField(help_text=f"The state to move the risk to. One of: {', '.join(Risk.State.values)}.")
    owner = VisibleMemberField(required=False, allow_null=True, help_text="Needed to move it to owned.")
    rationale = text_field(
        Risk, "rationale", required=False, allow_blank=True, help_text="Needed to move it to accepted."
    )
    mitigation_plan = text_field(
        Risk, "mitigation_plan", required=False, allow_blank=True, help_text="Needed to move it to mitigated."
    )
    note = text_field(RiskChange, "note", required=False, allow_blank=True, default="")
    version = version_field()


class RiskViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ApiViewSet,
):
    """Risks of your trains, highest severity first (ties: older first).

    Every member raises risks. The RTE, Product Management, System Architects and Business Owners
    ROAM and edit any risk; a Scrum Master or Product Owner those of their own team; whoever
    raised a risk may correct its content. Every change passes the ``version`` it read.
    """

    filterset_class = RiskFilter
    # Reading needs membership; who may change a risk is asked of the risk (services.can_edit_risk, can_roam).
    capabilities: ClassVar[dict[str, str]] = {}
    ordering_fields = ("severity", "created_at", "updated_at", "due_date", "title", "state")
    http_method_names = ("get", "post", "patch", "head", "options")

    def get_queryset(self) -> QuerySet[Risk]:
        return Risk.objects.visible_to(self.request.user).with_related()

    def get_serializer_class(self):
        if self.action == "create":
            return RiskCreateSerializer
        if self.action == "partial_update":
            return RiskUpdateSerializer
        if self.action == "roam":
            return RoamSerializer
        if self.action == "history":
            return RiskChangeSerializer
        return RiskSerializer

    @extend_schema(request=RiskCreateSerializer, responses={201: RiskSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Raise a risk for a team (or the whole train, ``team`` null); it starts unroamed."""
        data = self.validated(RiskCreateSerializer)
        risk = services.raise_risk(data.pop("art"), by=request.user, **data)
        return self.answer(risk, RiskSerializer, status.HTTP_201_CREATED)

    @extend_schema(request=RiskUpdateSerializer, responses=RiskSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        """Correct the title, description, team, owner, probability, impact or due date."""
        risk = self.get_object()
        # The capability before the input: a role that may not edit learns nothing from validation.
        if not services.can_edit_risk(request.user, risk):
            raise PermissionDenied(EDIT_NOT_ALLOWED)
        data = self.validated(RiskUpdateSerializer)
        version = data.pop("version")
        risk = services.update_risk(risk, by=request.user, expected_version=version, **data)
        return self.answer(risk, RiskSerializer)

    @extend_schema(request=RoamSerializer, responses=RiskSerializer)
    @action(detail=True, methods=["post"])
    def roam(self, request: Request, pk: str | None = None) -> Response:
        """Move the risk to another ROAM state. Owned needs an ``owner``, accepted a ``rationale``,
        mitigated a ``mitigation_plan``; a resolved risk may only be reopened (unroamed)."""
        risk = self.get_object()
        if not services.can_roam(request.user, risk):
            raise PermissionDenied(ROAM_NOT_ALLOWED)
        data = self.validated(RoamSerializer)
        risk = services.roam_risk(
            risk,
            to=data.pop("state"),
            by=request.user,
            expected_version=data.pop("version"),
            note=data.pop("note"),
            **data,
        )
        return self.answer(risk, RiskSerializer)

    @extend_schema(responses=RiskChangeSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request: Request, pk: str | None = None) -> Response:
        """Every recorded change of the risk, oldest first. Not paginated: a risk changes a handful of times."""
        risk = self.get_object()
        changes = RiskChange.objects.filter(risk=risk).select_related("by").order_by("at", "id")
        return Response(RiskChangeSerializer(changes, many=True, context=self.get_serializer_context()).data)
