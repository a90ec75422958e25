"""The API of impediments (``/api/impediments/``): raise, escalate (team → train → beyond), resolve, drop."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from artops.api_base import ApiViewSet, VisibleARTField, VisibleMemberField, VisibleTeamField
from sync import services
from sync.api.fields import choice, name_of, shown_choice, text, version
from sync.filters import ImpedimentFilter
from sync.models import Impediment
from sync.services.impediments import CLOSE_REFUSAL, ESCALATION_CAPABILITY

LEVELS_UP = [(level.value, level.label) for level in (Impediment.Level.TRAIN, Impediment.Level.BEYOND)]


class ImpedimentSerializer(serializers.ModelSerializer):
    """Something that stops a team: its escalation level, state, owner, due date and resolution."""

    art = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Slug of the train.")
    team_name = name_of("team.name")
    owner_name = name_of("owner.display_name")
    raised_by_name = name_of("raised_by.display_name")
    level = shown_choice(Impediment.Level.choices)
    state = shown_choice(Impediment.State.choices)
    age_days = serializers.SerializerMethodField(help_text="Days from raised to resolved (to today while open).")

    class Meta:
        model = Impediment
        fields = (
            "id",
            "art",
            "team",
            "team_name",
            "description",
            "raised_by",
            "raised_by_name",
            "owner",
            "owner_name",
            "level",
            "state",
            "due_date",
            "resolution",
            "raised_at",
            "resolved_at",
            "age_days",
            "version",
        )
        read_only_fields = fields

    def get_age_days(self, impediment: Impediment) -> int:
        todays = self.context.setdefault("train_todays", {})
        if impediment.art_id not in todays:
            todays[impediment.art_id] = impediment.art.today()
        return impediment.age(todays[impediment.art_id])


class ImpedimentCreateSerializer(serializers.Serializer):
    art = VisibleARTField()
    team = VisibleTeamField()
    description = text(1000)
    owner = VisibleMemberField(required=False, allow_null=True, help_text="Whoever raises it if left out.")
    due_date = serializers.DateField(required=False, allow_null=True)


class EscalateSerializer(serializers.Serializer):
    to = choice(LEVELS_UP, "level to escalate to")
    note = text(300, required=False, allow_blank=True, default="")
    version = version()


class ResolveSerializer(serializers.Serializer):
    resolution = text(1000)
    version = version()


class DropImpedimentSerializer(serializers.Serializer):
    reason = text(1000)
    version = version()


class ImpedimentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Impediments of your trains, oldest first. Every member raises them; escalating needs the capability
    of the level (to the train: the team's Scrum Master or PO, or the RTE; beyond: the RTE)."""

    serializer_class = ImpedimentSerializer
    filterset_class = ImpedimentFilter
    ordering_fields = ("raised_at", "due_date")

    def get_queryset(self):
        return Impediment.objects.visible_to(self.request.user).with_related().order_by("raised_at", "id")

    @extend_schema(request=ImpedimentCreateSerializer, responses={201: ImpedimentSerializer})
    def create(self, request: Request) -> Response:
        """Raise an impediment of a team, at the team's level."""
        data = self.validated(ImpedimentCreateSerializer)
        impediment = services.raise_impediment(data.pop("art"), by=request.user, **data)
        return self.answer(impediment, ImpedimentSerializer, status.HTTP_201_CREATED)

    @extend_schema(request=EscalateSerializer, responses=ImpedimentSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request: Request, pk=None) -> Response:
        """Escalate it upwards: ``to`` the train or beyond the train."""
        impediment = self.get_object()
        level = request.data.get("to") if hasattr(request.data, "get") else None
        if level in ESCALATION_CAPABILITY:
            # The capability before the input: a role that may not escalate learns nothing from validation.
            services.common.require(
                request.user, ESCALATION_CAPABILITY[level], art=impediment.art, team=impediment.team
            )
        data = self.validated(EscalateSerializer)
        escalated = services.escalate_impediment(
            impediment, to=data["to"], by=request.user, expected_version=data["version"], note=data["note"]
        )
        return self.answer(escalated, ImpedimentSerializer)

    def _close(self, call, serializer_class) -> Response:
        impediment = self.get_object()
        if not services.can_close(self.request.user, impediment):
            raise PermissionDenied(CLOSE_REFUSAL)
        data = self.validated(serializer_class)
        version = data.pop("version")
        return self.answer(
            call(impediment, by=self.request.user, expected_version=version, **data), ImpedimentSerializer
        )

    @extend_schema(request=ResolveSerializer, responses=ImpedimentSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk=None) -> Response:
        """It no longer stops the team: say how it was resolved."""
        return self._close(services.resolve_impediment, ResolveSerializer)

    @extend_schema(request=DropImpedimentSerializer, responses=ImpedimentSerializer)
    @action(detail=True, methods=["post"])
    def drop(self, request: Request, pk=None) -> Response:
        """It is no longer worth removing: say why."""
        return self._close(services.drop_impediment, DropImpedimentSerializer)
