"""The API of team PI objectives and their business value (``/api/objectives/``).

``GET …/{id}/`` includes an objective's history; ``POST …/{id}/business-value/`` gives business
value; ``GET …/totals/?pi=<id>`` gives the business value totals and predictability per team and
for the train.

Business value is guarded field by field: a PATCH of an objective that names
``planned_business_value`` or ``actual_business_value`` needs ``planning.set_business_value``
(Business Owners), and its statement, commitment and features need
``planning.write_objectives`` (the team's Scrum Master and Product Owner, the RTE). Either
refusal is a 403 and changes nothing.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import transaction
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from artops.api_base import (
    VERSION_PARAMETER,
    ApiViewSet,
    KeptBooleanField,
    VisiblePIField,
    VisibleTeamField,
    version_field,
    version_of,
)
from artops.models import ProgramIncrement, Team
from artops.parsing import BIGINT_MAX, BadNumber, read_id
from planning import services
from planning.api.fields import RangeIntegerField, VisibleFeatureField, api_text
from planning.filters import ObjectiveFilter
from planning.models import ACTUAL_BV_RANGE, PLANNED_BV_RANGE, Feature, ObjectiveChange, PIObjective

# A field of the API → the argument of ``services.set_business_value`` it is.
BUSINESS_VALUE_FIELDS = {"planned_business_value": "planned", "actual_business_value": "actual"}
OBJECTIVE_FIELDS = services.OBJECTIVE_FIELDS
OBJECTIVE_AND_VALUE_FIELDS = frozenset({*services.OBJECTIVE_FIELDS, *services.BUSINESS_VALUE_FIELDS})


def business_value_field(name: str, value_range: tuple[int, int], **kwargs) -> RangeIntegerField:
    """A business value field with the model's range and messages; null clears it."""
    errors = PIObjective._meta.get_field(name).error_messages
    low, high = value_range
    return RangeIntegerField(
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


STATEMENT = PIObjective._meta.get_field("statement")


class ObjectiveUpdateSerializer(serializers.Serializer):
    statement = api_text(STATEMENT, required=False)
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


class ObjectiveTeamSerializer(serializers.Serializer):
    """The team of a new objective, read first: who may write its objectives is asked before the rest."""

    team = VisibleTeamField(help_text="Id of the team.")


class ObjectiveCreateSerializer(serializers.Serializer):
    team = VisibleTeamField(help_text="Id of the team.")
    pi = VisiblePIField(help_text="Id of the PI.")
    statement = api_text(STATEMENT)
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


ID_SCHEMA = {"type": "integer", "format": "int64", "minimum": 1, "maximum": BIGINT_MAX}
NO_TOTALS = {"planned_committed": 0, "planned_stretch": 0, "actual": 0, "assessed": 0, "predictability": None}


def business_values(data: dict) -> dict:
    """The business values of validated input, named as ``services.set_business_value`` takes them."""
    return {argument: data.pop(field) for field, argument in BUSINESS_VALUE_FIELDS.items() if field in data}


@extend_schema_view(destroy=extend_schema(parameters=[VERSION_PARAMETER]))
class ObjectiveViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, ApiViewSet
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

    def _require_fields(self, team: Team, *, always=()) -> None:
        """The capabilities of the fields the request names (and of ``always``), asked before its input is read."""
        named = set(self.request.data.keys() if hasattr(self.request.data, "keys") else ())
        services.require_change_objective(self.request.user, team, {*always, *(named & OBJECTIVE_AND_VALUE_FIELDS)})

    @extend_schema(request=ObjectiveCreateSerializer, responses={201: ObjectiveDetailSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Write an objective; naming its business value too needs a Business Owner who also writes objectives."""
        # The team first, then who may write its objectives (and their business value), then the rest.
        # A new objective has a statement, a commitment and features, whatever the request names.
        self._require_fields(self.validated(ObjectiveTeamSerializer)["team"], always=OBJECTIVE_FIELDS)
        data = self.validated(ObjectiveCreateSerializer)
        team, pi = data.pop("team"), data.pop("pi")
        values = business_values(data)
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
        self._require_fields(objective.team)
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
        parameters=[OpenApiParameter("pi", ID_SCHEMA, required=True, description="Id of the PI.")],
        responses=ObjectiveTotalsSerializer,
        filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def totals(self, request: Request) -> Response:
        """Business value totals and predictability of each team and of the train, for one PI.

        Predictability = Σ actual business value (all objectives) / Σ planned business value
        (committed objectives) × 100; null while nothing is committed or nothing assessed yet.
        """
        try:
            pi_id = read_id(request.query_params, "pi", required=True)
        except BadNumber as error:
            raise exceptions.ValidationError({"pi": [f"Name the PI by its id: ?pi=<id> ({error.reason})"]}) from None
        pi = get_object_or_404(ProgramIncrement.objects.visible_to(request.user), pk=pi_id)
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
