"""REST API of risks and dependencies: the same capabilities as the ROAM board and the dependency pages.

- ``/api/risks/``: risks of your trains, highest severity first. ``POST`` raises one (it starts
  unroamed); ``PATCH …/{id}/`` corrects its content; ``POST …/{id}/roam/`` moves it to another
  ROAM state with what that state needs (an owner, a rationale or a mitigation plan);
  ``GET …/{id}/history/`` lists every recorded change, oldest first.
- ``/api/dependencies/``: dependencies between the teams of your trains (or on a party outside
  the train), oldest first, each with its age and health. ``POST`` raises one with its owner and
  needed-by iteration; ``PATCH …/{id}/`` changes it; ``POST …/{id}/move/`` changes its state;
  ``POST …/{id}/review/`` records the weekly review (the next action; the review date is the
  train's today); ``GET …/{id}/history/`` lists every recorded change.

Every viewset reads ``visible_to(request.user)`` (another train's rows answer 404) and filters
with the FilterSets the pages use; every write goes through ``risks.services``, which checks
the capability, the rules and the version. Who may change an existing risk or dependency is
asked before its input is read, so that a role that may not change it learns nothing from
validation. Ids of another train's PI, team, iteration, feature or person read as unknown
(400). A stale version answers 409.

Wiring (in ``artops/api_urls.py``): ``risks.api.register(router)``.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from artops.api import VisibleARTField
from artops.models import ART
from artops.permissions import CAPABILITY_MESSAGES, has_capability
from planning.api import (
    PlanningViewSet,
    VisibleFeatureField,
    VisibleIterationField,
    VisibleMemberField,
    VisiblePIField,
    VisibleTeamField,
    version_field,
)
from risks import services
from risks.filters import DependencyFilter, RiskFilter
from risks.models import Change, Dependency, DependencyChange, Health, Risk, RiskChange

ROAM_NOT_ALLOWED = CAPABILITY_MESSAGES["risks.roam"]
EDIT_NOT_ALLOWED = services.EDIT_REFUSAL
DEPENDENCY_NOT_ALLOWED = CAPABILITY_MESSAGES["risks.update_dependency"]
SCALE_ERRORS = {
    name: {code: Risk._meta.get_field(name).error_messages[code] for code in ("min_value", "max_value", "invalid")}
    for name in ("probability", "impact")
}


# --- fields --------------------------------------------------------------------------------------


# Plain schemas rather than enums, as in ``planning.api``: risks, dependencies and the planning
# objects all have a ``state``, which drf-spectacular would otherwise report as enum naming collisions.
class StateField(serializers.ChoiceField):
    """A state among ``choices_of``; anything else is refused with the list of the states there are."""

    choices_of: ClassVar[list[tuple[str, str]]] = []
    noun = "state"

    def __init__(self, **kwargs):
        super().__init__(choices=self.choices_of, **kwargs)
        values = ", ".join(value for value, _label in self.choices_of)
        self.error_messages["invalid_choice"] = f"“{{input}}” is not a {self.noun}: use one of {values}."


@extend_schema_field({"type": "string", "description": f"One of: {', '.join(Risk.State.values)}."})
class RiskStateField(StateField):
    choices_of = Risk.State.choices
    noun = "ROAM state"


@extend_schema_field({"type": "string", "description": f"One of: {', '.join(Dependency.State.values)}."})
class DependencyStateField(StateField):
    choices_of = Dependency.State.choices
    noun = "dependency state"


def scale(name: str, **kwargs) -> serializers.IntegerField:
    """Probability or impact, 1 to 5, with the model's message (“Probability is from 1 to 5.”)."""
    return serializers.IntegerField(min_value=1, max_value=5, error_messages=SCALE_ERRORS[name], **kwargs)


def train_today(serializer: serializers.Serializer, art: ART) -> date:
    """The train's today (in its time zone), computed once per train for a whole response."""
    todays: dict[int, date] = serializer.context.setdefault("train_todays", {})
    if art.pk not in todays:
        todays[art.pk] = art.today()
    return todays[art.pk]


def name_of(source: str) -> serializers.CharField:
    return serializers.CharField(source=source, read_only=True, allow_null=True, default=None)


# --- history -------------------------------------------------------------------------------------


class RiskChangeSerializer(serializers.ModelSerializer):
    """One recorded change: its kind, what changed ({field: [before, after]}), by whom and when."""

    kind = serializers.CharField(read_only=True, help_text=f"One of: {', '.join(Change.Kind.values)}.")
    changes = serializers.JSONField(read_only=True, help_text="{field: [before, after]}, as the history shows them.")
    by_name = name_of("by.display_name")

    class Meta:
        model = RiskChange
        fields = ("id", "kind", "changes", "note", "at", "by", "by_name")
        read_only_fields = fields


class DependencyChangeSerializer(RiskChangeSerializer):
    class Meta(RiskChangeSerializer.Meta):
        model = DependencyChange


# --- risks ---------------------------------------------------------------------------------------


class RiskSerializer(serializers.ModelSerializer):
    """A risk to the train's PI objectives, with its ROAM state and severity (probability × impact)."""

    art = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Slug of the train.")
    pi_name = serializers.CharField(source="pi.name", read_only=True)
    team = serializers.PrimaryKeyRelatedField(read_only=True, help_text="Id of the team; null for the whole train.")
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
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    team = VisibleTeamField(required=False, allow_null=True, help_text="Id of the team; null for the whole train.")
    owner = VisibleMemberField(required=False, allow_null=True, help_text="Id of a member of the train; null: nobody.")
    probability = scale("probability", required=False)
    impact = scale("impact", required=False)
    due_date = serializers.DateField(required=False, allow_null=True)


class RiskCreateSerializer(RiskFields):
    art = VisibleARTField()
    pi = VisiblePIField(help_text="Id of a PI of the train.")
    title = serializers.CharField(max_length=200)


class RiskUpdateSerializer(RiskFields):
    version = version_field()


class RoamSerializer(serializers.Serializer):
    state = RiskStateField(help_text=f"The state to move the risk to. One of: {', '.join(Risk.State.values)}.")
    owner = VisibleMemberField(required=False, allow_null=True, help_text="Needed to move it to owned.")
    rationale = serializers.CharField(required=False, allow_blank=True, help_text="Needed to move it to accepted.")
    mitigation_plan = serializers.CharField(
        required=False, allow_blank=True, help_text="Needed to move it to mitigated."
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    version = version_field()


class RiskViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    PlanningViewSet,
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


# --- dependencies --------------------------------------------------------------------------------


class DependencySerializer(serializers.ModelSerializer):
    """What one team needs from another team (or a party outside the train), by when, and how it stands."""

    art = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Slug of the train.")
    pi_name = serializers.CharField(source="pi.name", read_only=True)
    needing_team_name = serializers.CharField(source="needing_team.name", read_only=True)
    providing_team = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="Id of the providing team; null when an external party provides it."
    )
    providing_team_name = name_of("providing_team.name")
    provider_name = serializers.CharField(read_only=True, help_text="The providing team or the external party.")
    needing_feature_key = name_of("needing_feature.key")
    providing_feature_key = name_of("providing_feature.key")
    needed_by_name = serializers.CharField(source="needed_by.name", read_only=True)
    planned_iteration = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="Id of the iteration it is planned for; null while not planned."
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
    description = serializers.CharField(max_length=2000, required=False, help_text="What is needed.")
    providing_team = VisibleTeamField(
        required=False, allow_null=True, help_text="Id of the providing team; null when an external party provides it."
    )
    external_party = serializers.CharField(
        max_length=120, required=False, allow_blank=True, help_text="Another train or a vendor, instead of a team."
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
    description = serializers.CharField(max_length=2000, help_text="What is needed.")
    needed_by = VisibleIterationField(help_text="Id of the iteration of the PI it is needed by.")
    owner = VisibleMemberField(help_text="Id of the member of the train who owns it.")


class DependencyUpdateSerializer(DependencyFields):
    version = version_field()


class DependencyMoveSerializer(serializers.Serializer):
    state = DependencyStateField(
        help_text="requested → committed → delivered, or at_risk / blocked / cancelled on the way."
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    version = version_field()


class DependencyReviewSerializer(serializers.Serializer):
    next_action = serializers.CharField(max_length=300, allow_blank=True, help_text="The next step agreed.")
    version = version_field()


class DependencyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    PlanningViewSet,
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
        """The dependency, once the capability is checked: before the input is read, so that a role
        that may not change it learns nothing from validation. The RTE also reviews (ART Sync)."""
        dependency = self.get_object()
        user = self.request.user
        allowed = services.can_update_dependency(user, dependency) or (
            review and has_capability(user, "sync.facilitate", art=dependency.art)
        )
        if not allowed:
            raise PermissionDenied(DEPENDENCY_NOT_ALLOWED)
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


def register(router) -> None:
    """Add the risks endpoints to the API router of ``artops/api_urls.py``."""
    router.register("risks", RiskViewSet, basename="api-risk")
    router.register("dependencies", DependencyViewSet, basename="api-dependency")
