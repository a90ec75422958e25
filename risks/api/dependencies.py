"""The API of dependencies (``/api/dependencies/``) between the teams of your trains (or on a
party outside the train), oldest first, each with its age and health.

``POST`` raises one with its owner and needed-by iteration; ``PATCH …/{id}/`` changes it;
``POST …/{id}/move/`` changes its state; ``POST …/{id}/review/`` records the weekly review (the
next action; the review date is the train's today); ``GET …/{id}/history/`` lists every
recorded change.
"""

from __future__ import annotations

from typing import ClassVar

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
    VisibleIterationField,
    VisibleMemberField,
    VisiblePIField,
    VisibleTeamField,
    text_field,
    version_field,
)
from planning.api.fields import VisibleFeatureField
from risks import services
from risks.api.fields import DependencyStateField, RiskChangeSerializer, name_of, train_today
from risks.filters import DependencyFilter
from risks.models import Dependency, DependencyChange, Health


# Its schema description is the risk's (a docstring here would change it).
class DependencyChangeSerializer(RiskChangeSerializer):
    class Meta(RiskChangeSerializer.Meta):
        model = DependencyChange


class DependencySerializer(serializers.ModelSerializer):
    """What one team needs from another team (or a party outside the train), by when, and how it stands."""

    art = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Slug of the train.")
    pi_name = serializers.CharField(source="pi.name", read_only=True)
    needing_team_name = serializers.CharField(source="needing_team.name", read_only=True)
    providing_team = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Id of the providing team; null when an external party provides it."
    )
    providing_team_name = name_of("providing_team.name")
    provider_name = serializers.CharField(read_only=True, help_text="The providing team or the external party.")
    needing_feature_key = name_of("needing_feature.key")
    providing_feature_key = name_of("providing_feature.key")
    needed_by_name = serializers.CharField(source="needed_by.name", read_only=True)
    planned_iteration = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Id of the iteration it is planned for; null while not planned."
    )
    planned_iteration_name = name_of("planned_iteration.name")
    owner_name = serializers.CharField(source="owner.display_name", read_only=True)
    state = DependencyStateField(read_only=True)
    age_days = serializers.SerializerMethodField(
        help_text="Days from creation to delivery or cancellation, or to the train's today while open."
    )
    health = serializers.SerializerMethodField(
        help_text=f"One of: {', '.join(Health.values)}. Green: delivered or planned before the iteration it is "
        "needed in; amber: planned in that iteration; red: planned after it."
    )

    class Meta:
        model = Dependency
        fields = (
            "id",
            "art",
            "pi",
            "pi_name",
            "needing_team",
            "needing_team_name",
            "providing_team",
            "providing_team_name",
            "external_party",
            "provider_name",
            "description",
            "needing_feature",
            "needing_feature_key",
            "providing_feature",
            "providing_feature_key",
            "needed_by",
            "needed_by_name",
            "planned_iteration",
            "planned_iteration_name",
            "owner",
            "owner_name",
            "state",
            "next_action",
            "reviewed_on",
            "age_days",
            "health",
            "version",
            "created_at",
            "closed_at",
            "updated_at",
        )
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_age_days(self, dependency: Dependency) -> int:
        return dependency.age(train_today(self, dependency.art))

    @extend_schema_field(OpenApiTypes.STR)
    def get_health(self, dependency: Dependency) -> str:
        return dependency.health.value


class DependencyFields(serializers.Serializer):
    description = text_field(Dependency, "description", required=False, help_text="What is needed.")
    providing_team = VisibleTeamField(
        required=False, allow_null=True, help_text="Id of the providing team; null when an external party provides it."
    )
    external_party = text_field(
        Dependency,
        "external_party",
        required=False,
        allow_blank=True,
        help_text="Another train or a vendor, instead of a team.",
    )
    needing_feature = VisibleFeatureField(required=False, allow_null=True, help_text="Id of the feature that needs it.")
    providing_feature = VisibleFeatureField(
        required=False, allow_null=True, help_text="Id of the feature that provides it."
    )
    needed_by = VisibleIterationField(required=False, help_text="Id of the iteration of the PI it is needed by.")
    planned_iteration = VisibleIterationField(
        required=False, allow_null=True, help_text="Id of the iteration the provider plans it for; null: not planned."
    )
    owner = VisibleMemberField(required=False, help_text="Id of the member of the train who owns it.")


class DependencyCreateSerializer(DependencyFields):
    art = VisibleARTField()
    pi = VisiblePIField(help_text="Id of a PI of the train.")
    needing_team = VisibleTeamField(help_text="Id of the team that needs it.")
    description = text_field(Dependency, "description", help_text="What is needed.")
    needed_by = VisibleIterationField(help_text="Id of the iteration of the PI it is needed by.")
    owner = VisibleMemberField(help_text="Id of the member of the train who owns it.")


class DependencyUpdateSerializer(DependencyFields):
    version = version_field()


class DependencyMoveSerializer(serializers.Serializer):
    state = DependencyStateField(
        help_text="requested → committed → delivered, or at_risk / blocked / cancelled on the way."
    )
    note = text_field(DependencyChange, "note", required=False, allow_blank=True, default="")
    version = version_field()


class DependencyReviewSerializer(serializers.Serializer):
    next_action = text_field(Dependency, "next_action", allow_blank=True, help_text="The next step agreed.")
    version = version_field()


class DependencyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ApiViewSet,
):
    """Dependencies of your trains, oldest first, each with its age (days) and health.

    Every member raises dependencies. The Scrum Masters and Product Owners of the needing and of
    the providing team, and the RTE, change them, move them and review them. Every change passes
    the ``version`` it read; a delivered or cancelled dependency no longer changes.
    """

    filterset_class = DependencyFilter
    # Reading needs membership; who may change a dependency is asked of it (services.can_update_dependency).
    capabilities: ClassVar[dict[str, str]] = {}
    ordering_fields = ("created_at", "updated_at", "state", "needed_by__start_date")
    http_method_names = ("get", "post", "patch", "head", "options")

    def get_queryset(self) -> QuerySet[Dependency]:
        return Dependency.objects.visible_to(self.request.user).with_related()

    def get_serializer_class(self):
        if self.action == "create":
            return DependencyCreateSerializer
        if self.action == "partial_update":
            return DependencyUpdateSerializer
        if self.action == "move":
            return DependencyMoveSerializer
        if self.action == "review":
            return DependencyReviewSerializer
        if self.action == "history":
            return DependencyChangeSerializer
        return DependencySerializer

    def _changeable(self, *, review: bool = False) -> Dependency:
        """The dependency, once the service's rule says this caller may change it (or review it):
        asked before the input is read, so that a role that may not learns nothing from validation."""
        dependency = self.get_object()
        if review:
            services.require_review_dependency(self.request.user, dependency)
        else:
            services.require_update_dependency(self.request.user, dependency)
        return dependency

    @extend_schema(request=DependencyCreateSerializer, responses={201: DependencySerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Raise a dependency on a team of the train (``providing_team``) or on an ``external_party``."""
        data = self.validated(DependencyCreateSerializer)
        dependency = services.raise_dependency(data.pop("art"), by=request.user, **data)
        return self.answer(dependency, DependencySerializer, status.HTTP_201_CREATED)

    @extend_schema(request=DependencyUpdateSerializer, responses=DependencySerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        """Change what is needed, who provides it, when it is needed or planned, or its owner."""
        dependency = self._changeable()
        data = self.validated(DependencyUpdateSerializer)
        version = data.pop("version")
        dependency = services.update_dependency(dependency, by=request.user, expected_version=version, **data)
        return self.answer(dependency, DependencySerializer)

    @extend_schema(request=DependencyMoveSerializer, responses=DependencySerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Change the dependency's state; delivered and cancelled close it for good."""
        dependency = self._changeable()
        data = self.validated(DependencyMoveSerializer)
        dependency = services.move_dependency(
            dependency, to=data["state"], by=request.user, expected_version=data["version"], note=data["note"]
        )
        return self.answer(dependency, DependencySerializer)

    @extend_schema(request=DependencyReviewSerializer, responses=DependencySerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        """Record the weekly review: the next action, reviewed on the train's today."""
        dependency = self._changeable(review=True)
        data = self.validated(DependencyReviewSerializer)
        dependency = services.review_dependency(
            dependency,
            by=request.user,
            expected_version=data["version"],
            next_action=data["next_action"],
            reviewed_on=dependency.art.today(),
        )
        return self.answer(dependency, DependencySerializer)

    @extend_schema(responses=DependencyChangeSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request: Request, pk: str | None = None) -> Response:
        """Every recorded change of the dependency, oldest first. Not paginated."""
        dependency = self.get_object()
        changes = DependencyChange.objects.filter(dependency=dependency).select_related("by").order_by("at", "id")
        return Response(DependencyChangeSerializer(changes, many=True, context=self.get_serializer_context()).data)
