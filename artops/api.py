"""REST API of the core domain: trains, teams, memberships, Planning Intervals and iterations.

Every viewset extends ``artops.api_base.ApiViewSet`` and reads ``visible_to(request.user)``,
so another train's objects answer 404. Who may change what is the capability table
(``HasCapability`` for existing objects; the services' own ``require`` for new ones, whose
train comes from the payload). Serializers only check the shape of the input; every write
goes through ``artops.services``, which validates the domain rules and raises
``ValidationError`` (a 400, see ``artops.api_errors``).
"""

from __future__ import annotations

from typing import ClassVar

from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from artops import cadence, services
from artops.api_base import ApiViewSet, ChoiceField, VisibleARTField, VisibleTeamField, date_field, text_field
from artops.filters import IterationFilter, MembershipFilter, ProgramIncrementFilter, TeamFilter
from artops.models import ART, Iteration, Membership, ProgramIncrement, Role, Team, User, validate_time_zone
from artops.onboarding import services as onboarding
from artops.parsing import ApiIntegerField
from artops.permissions import require

READ = {"list": "art.view", "retrieve": "art.view"}
MANAGE = "art.manage"

# --- fields -------------------------------------------------------------------------------

DATE_ERRORS = {"invalid": "Enter a real calendar date as YYYY-MM-DD (for example 2026-02-28)."}


def first_day_field(**kwargs) -> serializers.DateField:
    """A PI's first day: a real calendar date from 2000 to 2100 (``artops.parsing.validate_sane_date``)."""
    return date_field(help_text="First day of the first iteration.", error_messages=DATE_ERRORS, **kwargs)


# --- serializers --------------------------------------------------------------------------


class ARTSerializer(serializers.ModelSerializer):
    """A train and its settings; the cadence applies to PIs created afterwards."""

    iteration_weeks = ApiIntegerField(
        min_value=cadence.MIN_ITERATION_WEEKS,
        max_value=cadence.MAX_ITERATION_WEEKS,
        help_text="Default length of an iteration for new PIs, in weeks.",
    )
    development_iterations = ApiIntegerField(
        min_value=cadence.MIN_DEVELOPMENT_ITERATIONS,
        max_value=cadence.MAX_DEVELOPMENT_ITERATIONS,
        help_text="Default number of development iterations per PI, before the IP iteration.",
    )
    # The same bounds as the settings page.
    wip_limit = ApiIntegerField(min_value=1, max_value=1000, help_text="Features in progress at once.")

    class Meta:
        model = ART
        fields = ("id", "slug", "name", "time_zone", "iteration_weeks", "development_iterations", "wip_limit")
        read_only_fields = ("id", "slug")
        # Uniqueness and the time zone are the service's to check (with the page's messages).
        extra_kwargs: ClassVar[dict] = {"name": {"validators": []}, "time_zone": {"validators": []}}


class TeamSerializer(serializers.ModelSerializer):
    """An agile team of a train. Teams are never deleted: deactivate them instead."""

    art = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Slug of the train.")

    class Meta:
        model = Team
        fields = ("id", "art", "name", "active", "created_at")
        read_only_fields = ("id", "created_at")
        validators = ()


class TeamCreateSerializer(serializers.Serializer):
    art = VisibleARTField()
    name = text_field(Team, "name")


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ("id", "email", "display_name")
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    """One role one person holds on one train (for a team, where the role is team-scoped)."""

    art = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Slug of the train.")
    user = PersonSerializer(read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Membership
        fields = ("id", "art", "user", "role", "role_display", "team", "team_name", "created_at")
        read_only_fields = fields


class MembershipCreateSerializer(serializers.Serializer):
    art = VisibleARTField()
    user = serializers.EmailField(help_text="Email address of the person; a new one needs display_name too.")
    display_name = text_field(
        User, "display_name", required=False, default="", help_text="Name of a person who has no account yet."
    )
    role = ChoiceField(choices=Role.choices)
    team = VisibleTeamField(
        required=False, allow_null=True, default=None, help_text="Id of the team, for a team-scoped role."
    )


class IterationSerializer(serializers.ModelSerializer):
    """A timebox of a PI: a development iteration or the final Innovation & Planning one."""

    class Meta:
        model = Iteration
        fields = ("id", "pi", "number", "name", "start_date", "end_date", "is_ip")
        read_only_fields = fields


class ProgramIncrementSerializer(serializers.ModelSerializer):
    """A Planning Interval with its iterations, generated from its start and cadence."""

    art = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Slug of the train.")
    start_date = first_day_field()
    iteration_weeks = ApiIntegerField(min_value=cadence.MIN_ITERATION_WEEKS, max_value=cadence.MAX_ITERATION_WEEKS)
    development_iterations = ApiIntegerField(
        min_value=cadence.MIN_DEVELOPMENT_ITERATIONS, max_value=cadence.MAX_DEVELOPMENT_ITERATIONS
    )
    iterations = IterationSerializer(many=True, read_only=True)

    class Meta:
        model = ProgramIncrement
        fields = (
            "id",
            "art",
            "name",
            "start_date",
            "end_date",
            "iteration_weeks",
            "development_iterations",
            "state",
            "iterations",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "end_date", "state", "created_at", "updated_at")
        validators = ()


class ProgramIncrementCreateSerializer(serializers.Serializer):
    art = VisibleARTField()
    name = text_field(ProgramIncrement, "name")
    start_date = first_day_field()
    iteration_weeks = ApiIntegerField(
        min_value=cadence.MIN_ITERATION_WEEKS,
        max_value=cadence.MAX_ITERATION_WEEKS,
        required=False,
        help_text="Defaults to the train's cadence.",
    )
    development_iterations = ApiIntegerField(
        min_value=cadence.MIN_DEVELOPMENT_ITERATIONS,
        max_value=cadence.MAX_DEVELOPMENT_ITERATIONS,
        required=False,
        help_text="Defaults to the train's cadence.",
    )


class ProgramIncrementAdvanceSerializer(serializers.Serializer):
    state = ChoiceField(
        choices=ProgramIncrement.State.choices,
        help_text="The next state: preparing → planning → executing → closed.",
    )


class ARTCreateSerializer(serializers.Serializer):
    """A new train and its first Release Train Engineer (an account, or a new person who is invited)."""

    name = text_field(ART, "name")
    slug = serializers.SlugField(max_length=ART._meta.get_field("slug").max_length, help_text="The train's key.")
    time_zone = serializers.CharField(max_length=64, validators=[validate_time_zone], default="UTC")
    iteration_weeks = ApiIntegerField(
        min_value=cadence.MIN_ITERATION_WEEKS, max_value=cadence.MAX_ITERATION_WEEKS, default=2
    )
    development_iterations = ApiIntegerField(
        min_value=cadence.MIN_DEVELOPMENT_ITERATIONS, max_value=cadence.MAX_DEVELOPMENT_ITERATIONS, default=4
    )
    rte_email = serializers.EmailField(help_text="Email of the first RTE: an account, or a new person to invite.")
    rte_name = text_field(User, "display_name", required=False, default="", help_text="Needed for a new person.")


# --- viewsets -----------------------------------------------------------------------------

# The core endpoints take DRF's default lookup rather than ``ApiViewSet``'s numeric one: so they
# were published, and the schema types their ids from the model (an integer, a train's slug).
DEFAULT_LOOKUP = "[^/.]+"


class ARTViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ApiViewSet
):
    """The trains you are a member of. Their RTE changes their settings; superusers, and those an
    administrator granted "Can add ART", create trains."""

    serializer_class = ARTSerializer
    lookup_field = "slug"
    lookup_value_regex = DEFAULT_LOOKUP
    capabilities: ClassVar[dict[str, str]] = {**READ, "update": MANAGE, "partial_update": MANAGE}
    ordering_fields = ("name",)

    def get_queryset(self):
        return ART.objects.visible_to(self.request.user)

    def get_serializer_class(self):
        return ARTCreateSerializer if self.action == "create" else ARTSerializer

    @extend_schema(request=ARTCreateSerializer, responses={201: ARTSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Create a train with its key (slug), time zone, cadence and first RTE (invited when new)."""
        data = self.validated(ARTCreateSerializer)
        art = onboarding.create_art(by=request.user, **data)
        return self.answer(art, ARTSerializer, status.HTTP_201_CREATED)

    def perform_update(self, serializer: ARTSerializer) -> None:
        serializer.instance = services.update_art(
            serializer.instance, by=self.request.user, **serializer.validated_data
        )


class TeamViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ApiViewSet
):
    """Agile teams of your trains. There is no delete: a team leaves the train by being deactivated."""

    lookup_value_regex = DEFAULT_LOOKUP
    filterset_class = TeamFilter
    capabilities: ClassVar[dict[str, str]] = {**READ, "create": MANAGE, "update": MANAGE, "partial_update": MANAGE}
    ordering_fields = ("name", "active", "created_at")

    def get_queryset(self):
        return Team.objects.visible_to(self.request.user).select_related("art")

    def get_serializer_class(self):
        return TeamCreateSerializer if self.action == "create" else TeamSerializer

    @extend_schema(request=TeamCreateSerializer, responses={201: TeamSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        team = services.create_team(data["art"], name=data["name"], by=request.user)
        return self.answer(team, TeamSerializer, status.HTTP_201_CREATED)

    def perform_update(self, serializer: TeamSerializer) -> None:
        serializer.instance = services.update_team(
            serializer.instance, by=self.request.user, **serializer.validated_data
        )


class MembershipViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, ApiViewSet
):
    """Who holds which role on your trains. A change of role is a removal and an addition."""

    lookup_value_regex = DEFAULT_LOOKUP
    filterset_class = MembershipFilter
    capabilities: ClassVar[dict[str, str]] = {**READ, "create": MANAGE, "destroy": MANAGE}
    ordering_fields = ("role", "created_at", "user__display_name", "user__email", "team__name")

    def get_queryset(self):
        return Membership.objects.visible_to(self.request.user).with_related().select_related("art")

    def get_serializer_class(self):
        return MembershipCreateSerializer if self.action == "create" else MembershipSerializer

    @extend_schema(request=MembershipCreateSerializer, responses={201: MembershipSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # Checked before looking the person up, so that only the RTE learns whether an email has an account.
        require(request.user, self.capabilities["create"], art=data["art"])
        # One transaction: a new person is not kept when the membership is refused.
        with transaction.atomic():
            person = services.find_or_create_person(email=data["user"], display_name=data["display_name"])
            membership = services.add_membership(
                data["art"], user=person, role=data["role"], team=data["team"], by=request.user
            )
        return self.answer(membership, MembershipSerializer, status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Membership) -> None:
        services.remove_membership(instance, by=self.request.user)


@extend_schema_view(
    advance=extend_schema(request=ProgramIncrementAdvanceSerializer, responses=ProgramIncrementSerializer)
)
class ProgramIncrementViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ApiViewSet
):
    """Planning Intervals of your trains, each with its iterations."""

    lookup_value_regex = DEFAULT_LOOKUP
    filterset_class = ProgramIncrementFilter
    capabilities: ClassVar[dict[str, str]] = {
        **READ,
        "create": MANAGE,
        "update": MANAGE,
        "partial_update": MANAGE,
        "advance": MANAGE,
    }
    ordering_fields = ("start_date", "name", "state")

    def get_queryset(self):
        iterations = Prefetch("iterations", queryset=Iteration.objects.order_by("number"))
        return ProgramIncrement.objects.visible_to(self.request.user).select_related("art").prefetch_related(iterations)

    def get_serializer_class(self):
        if self.action == "create":
            return ProgramIncrementCreateSerializer
        if self.action == "advance":
            return ProgramIncrementAdvanceSerializer
        return ProgramIncrementSerializer

    @extend_schema(request=ProgramIncrementCreateSerializer, responses={201: ProgramIncrementSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        pi = services.create_pi(data.pop("art"), by=request.user, **data)
        return self.answer(pi, ProgramIncrementSerializer, status.HTTP_201_CREATED)

    def perform_update(self, serializer: ProgramIncrementSerializer) -> None:
        serializer.instance = services.update_pi(serializer.instance, by=self.request.user, **serializer.validated_data)

    @action(detail=True, methods=["post"])
    def advance(self, request: Request, pk: str | None = None) -> Response:
        """Move the PI to its next state; a PI never skips a state nor goes back."""
        pi = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pi = services.advance_pi(pi, to=serializer.validated_data["state"], by=request.user)
        return self.answer(pi, ProgramIncrementSerializer)


class IterationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Iterations of your trains' PIs. They follow from their PI's schedule: change the PI to change them."""

    lookup_value_regex = DEFAULT_LOOKUP
    serializer_class = IterationSerializer
    filterset_class = IterationFilter
    capabilities: ClassVar[dict[str, str]] = READ
    ordering_fields = ("start_date", "number")

    def get_queryset(self):
        return Iteration.objects.visible_to(self.request.user).select_related("pi__art")
