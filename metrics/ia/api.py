"""The API of Inspect & Adapt, beside its pages: the same services, the same capabilities.

- ``/api/ia-events/``: the I&A of each PI; ``POST`` opens one (the RTE). Actions on one:
  ``step``, ``allowance`` (says how many votes were taken back), ``notes``, ``freeze``,
  ``close``, ``restate``, and ``GET pareto`` (the tally per cause, most first; ties: the cause
  added first; ``mine`` is the caller's own votes).
- ``/api/ia-problems/``, ``/api/ia-causes/`` (with their ``whys``; ``POST …/whys/`` asks why
  once more; ``POST …/vote/`` and ``…/withdraw/`` cast or take back one of the caller's dots),
  ``/api/ia-solutions/``: every member adds them.
- ``/api/ia-improvements/``: the improvement items with their derived state, follow-through and
  age; ``POST`` adds one (the RTE: it becomes a feature of its target PI), ``POST …/drop/``.
- ``/api/ia-follow-through/``: the follow-through rate of each PI of a train (``?art=``).

Votes are anonymous: no endpoint names a voter; a cause shows its tally and the caller's own
votes. Rows of another train answer 404; ids of another train's rows read as unknown (400).
"""

from __future__ import annotations

from typing import ClassVar

import django_filters
from django.db.models import Count, Q, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from artops.api_base import (
    ApiViewSet,
    VisibleARTField,
    VisibleMemberField,
    VisibleObjectField,
    VisiblePIField,
    VisibleTeamField,
)
from artops.models import ART
from artops.parsing import ApiIntegerField, IdFilter
from metrics.ia import follow_through, services
from metrics.ia.models import MAX_VOTES, Bone, Cause, ImprovementItem, InspectAdapt, Problem, Solution, Step
from planning.models import Feature

FACILITATE, CONTRIBUTE = services.FACILITATE, services.CONTRIBUTE


# --- fields of the caller's I&A rows ---------------------------------------------------------------


class VisibleEventField(VisibleObjectField):
    model = InspectAdapt
    default_error_messages: ClassVar[dict[str, str]] = {
        "does_not_exist": "There is no Inspect & Adapt with id {pk_value} on your trains."
    }

    def visible(self, user) -> QuerySet:
        return InspectAdapt.objects.visible_to(user).select_related("art", "pi")


class VisibleProblemField(VisibleObjectField):
    model = Problem
    default_error_messages: ClassVar[dict[str, str]] = {
        "does_not_exist": "There is no problem with id {pk_value} on your trains."
    }

    def visible(self, user) -> QuerySet:
        return Problem.objects.filter(event__art__in=ART.objects.visible_to(user)).select_related("event__art")


class VisibleCauseField(VisibleObjectField):
    model = Cause
    default_error_messages: ClassVar[dict[str, str]] = {
        "does_not_exist": "There is no cause with id {pk_value} on your trains."
    }

    def visible(self, user) -> QuerySet:
        return Cause.objects.visible_to(user).select_related("problem__event__art")


def _text(max_length: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, **kwargs)


# --- the event ----------------------------------------------------------------------------------------


class EventSerializer(serializers.ModelSerializer):
    """The I&A of a PI: its screen, its dot votes, its notes, its frozen review, its restated problem."""

    art = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    pi_name = serializers.CharField(source="pi.name", read_only=True)
    review = serializers.JSONField(read_only=True, help_text="The frozen quantitative review; null until frozen.")
    state = serializers.CharField(read_only=True, help_text="scheduled (not yet held), running or held.")

    class Meta:
        model = InspectAdapt
        fields = (
            "id", "art", "pi", "pi_name", "held_on", "state", "step", "votes_per_person", "votes_per_cause",
            "demo_note", "retrospective", "review", "review_frozen_at", "chosen_cause", "restated_problem",
            "version", "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = fields


class OpenSerializer(serializers.Serializer):
    pi = VisiblePIField(help_text="Id of a PI of your train.")
    held_on = serializers.DateField(required=False, help_text="Default: the PI's last day.")


class StepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=Step.choices)


class AllowanceSerializer(serializers.Serializer):
    votes_per_person = ApiIntegerField(min_value=1, max_value=MAX_VOTES)
    votes_per_cause = ApiIntegerField(min_value=1, max_value=MAX_VOTES)


class NotesSerializer(serializers.Serializer):
    demo_note = _text(2000, required=False, allow_blank=True)
    retrospective = _text(5000, required=False, allow_blank=True)
    held_on = serializers.DateField(required=False)


class RestateSerializer(serializers.Serializer):
    cause = VisibleCauseField()
    text = _text(1000)


class ParetoSerializer(serializers.Serializer):
    cause = serializers.IntegerField(source="cause.pk")
    text = serializers.CharField(source="cause.text")
    bone = serializers.CharField(source="cause.bone")
    problem = serializers.IntegerField(source="cause.problem_id")
    votes = serializers.IntegerField()
    cumulative = serializers.IntegerField(help_text="Cumulative share of all votes up to this cause, in percent.")
    mine = serializers.IntegerField(help_text="Your own votes on this cause.")


class EventFilter(django_filters.FilterSet):
    art = django_filters.CharFilter(field_name="art__slug", help_text="Slug of the train.")
    pi = IdFilter(field_name="pi_id")

    class Meta:
        model = InspectAdapt
        fields: ClassVar[list[str]] = []


class InspectAdaptViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The Inspect & Adapt of each PI of your trains. The RTE opens and facilitates it."""

    serializer_class = EventSerializer
    filterset_class = EventFilter
    capabilities: ClassVar[dict[str, str]] = dict.fromkeys(
        ("step", "allowance", "notes", "freeze", "close", "restate"), FACILITATE
    )

    def get_queryset(self) -> QuerySet[InspectAdapt]:
        return InspectAdapt.objects.visible_to(self.request.user).select_related("art", "pi").order_by("held_on", "id")

    @extend_schema(request=OpenSerializer, responses={201: EventSerializer})
    def create(self, request: Request) -> Response:
        """Open the I&A of a PI (one per PI)."""
        data = self.validated(OpenSerializer)
        return self.answer(services.open_ia(data.pop("pi"), by=request.user, **data), EventSerializer, 201)

    @extend_schema(request=StepSerializer, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def step(self, request: Request, pk=None) -> Response:
        """Show everyone another screen (the first move starts the event)."""
        event = self.get_object()
        data = self.validated(StepSerializer)
        return self.answer(services.move_to_step(event, step=data["step"], by=request.user), EventSerializer)

    @extend_schema(request=AllowanceSerializer, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def allowance(self, request: Request, pk=None) -> Response:
        """Set the votes per person and the limit per cause; ``removed_votes`` says how many were taken back."""
        event = self.get_object()
        change = services.set_vote_allowance(event, by=request.user, **self.validated(AllowanceSerializer))
        body = EventSerializer(change.event, context=self.get_serializer_context()).data
        return Response({**body, "removed_votes": change.removed})

    @extend_schema(request=NotesSerializer, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, pk=None) -> Response:
        """Change the day, the note on the PI System Demo or the retrospective's notes."""
        event = self.get_object()
        return self.answer(
            services.update_event(event, by=request.user, **self.validated(NotesSerializer)), EventSerializer
        )

    @extend_schema(request=None, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def freeze(self, request: Request, pk=None) -> Response:
        """Freeze the quantitative review as it stands now."""
        return self.answer(services.freeze_review(self.get_object(), by=request.user), EventSerializer)

    @extend_schema(request=None, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk=None) -> Response:
        """The I&A is held: the workshop no longer changes (the review is frozen if it was not)."""
        return self.answer(services.close_ia(self.get_object(), by=request.user), EventSerializer)

    @extend_schema(request=RestateSerializer, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def restate(self, request: Request, pk=None) -> Response:
        """Restate the problem for the cause the vote chose."""
        event = self.get_object()
        data = self.validated(RestateSerializer)
        return self.answer(services.restate_problem(event, by=request.user, **data), EventSerializer)

    @extend_schema(responses=ParetoSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None)
    def pareto(self, request: Request, pk=None) -> Response:
        """The causes by votes, most first (ties: added first), with the cumulative share and your own votes."""
        event = self.get_object()
        bars = services.pareto(event)
        _, mine = services.votes_left(event, request.user)
        for bar in bars:
            bar.mine = mine.get(bar.cause.pk, 0)
        return Response(ParetoSerializer(bars, many=True).data)


# --- problems, causes, solutions ------------------------------------------------------------------------


class EventRowFilter(django_filters.FilterSet):
    event = IdFilter(field_name="event_id", help_text="Id of the I&A.")


class ProblemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Problem
        fields = ("id", "event", "team", "what", "where", "when", "impact", "added_by", "created_at")
        read_only_fields = fields


class ProblemCreateSerializer(serializers.Serializer):
    event = VisibleEventField()
    what = _text(300)
    where = _text(200, required=False, allow_blank=True)
    when = _text(200, required=False, allow_blank=True)
    impact = _text(500, required=False, allow_blank=True)
    team = VisibleTeamField(required=False, allow_null=True)


class ProblemFilter(EventRowFilter):
    class Meta:
        model = Problem
        fields: ClassVar[list[str]] = []


class ProblemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Problem statements of the workshop's first step. Every member adds them."""

    serializer_class = ProblemSerializer
    filterset_class = ProblemFilter

    def get_queryset(self) -> QuerySet[Problem]:
        return Problem.objects.filter(event__art__in=ART.objects.visible_to(self.request.user)).select_related(
            "event__art"
        )

    @extend_schema(request=ProblemCreateSerializer, responses={201: ProblemSerializer})
    def create(self, request: Request) -> Response:
        data = self.validated(ProblemCreateSerializer)
        return self.answer(services.add_problem(data.pop("event"), by=request.user, **data), ProblemSerializer, 201)


class CauseSerializer(serializers.ModelSerializer):
    """A cause on the fishbone, its whys, its tally of dot votes and how many of them are yours."""

    votes = serializers.IntegerField(source="tally", read_only=True, help_text="Dot votes on this cause (anonymous).")
    my_votes = serializers.IntegerField(read_only=True, help_text="Your own dot votes on this cause.")

    class Meta:
        model = Cause
        fields = ("id", "problem", "bone", "text", "whys", "votes", "my_votes", "added_by", "created_at")
        read_only_fields = fields


class CauseCreateSerializer(serializers.Serializer):
    problem = VisibleProblemField()
    bone = serializers.ChoiceField(choices=Bone.choices)
    text = _text(200)


class WhySerializer(serializers.Serializer):
    text = _text(300)


class CauseFilter(django_filters.FilterSet):
    event = IdFilter(field_name="problem__event_id", help_text="Id of the I&A.")
    problem = IdFilter(field_name="problem_id")

    class Meta:
        model = Cause
        fields: ClassVar[list[str]] = []


class CauseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Causes on the fishbones, with their "5 whys"; every member adds them and dot-votes on them."""

    serializer_class = CauseSerializer
    filterset_class = CauseFilter
    capabilities: ClassVar[dict[str, str]] = {"whys": CONTRIBUTE, "vote": CONTRIBUTE, "withdraw": CONTRIBUTE}

    def get_queryset(self) -> QuerySet[Cause]:
        user = self.request.user
        if getattr(self, "swagger_fake_view", False):  # the schema is made without a person
            return Cause.objects.none()
        return (
            Cause.objects.visible_to(user)
            .select_related("problem__event__art")
            .annotate(tally=Count("votes", distinct=True), my_votes=Count("votes", filter=Q(votes__voter=user)))
            .order_by("created_at", "id")
        )

    def _fresh(self, cause: Cause) -> Response:
        return self.answer(self.get_queryset().get(pk=cause.pk), CauseSerializer)

    @extend_schema(request=CauseCreateSerializer, responses={201: CauseSerializer})
    def create(self, request: Request) -> Response:
        data = self.validated(CauseCreateSerializer)
        cause = services.add_cause(data.pop("problem"), by=request.user, **data)
        return Response(CauseSerializer(self.get_queryset().get(pk=cause.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WhySerializer, responses=CauseSerializer)
    @action(detail=True, methods=["post"])
    def whys(self, request: Request, pk=None) -> Response:
        """Ask why once more: the answer goes at the end of the chain (five at most)."""
        cause = self.get_object()
        return self._fresh(services.add_why(cause, by=request.user, **self.validated(WhySerializer)))

    @extend_schema(request=None, responses=CauseSerializer)
    @action(detail=True, methods=["post"])
    def vote(self, request: Request, pk=None) -> Response:
        """Put one of your dots on this cause (refused beyond your votes or the limit per cause)."""
        cause = self.get_object()
        services.cast_vote(cause, by=request.user)
        return self._fresh(cause)

    @extend_schema(request=None, responses=CauseSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk=None) -> Response:
        """Take back your newest dot on this cause."""
        cause = self.get_object()
        services.withdraw_vote(cause, by=request.user)
        return self._fresh(cause)


class SolutionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Solution
        fields = ("id", "event", "text", "added_by", "created_at")
        read_only_fields = fields


class SolutionCreateSerializer(serializers.Serializer):
    event = VisibleEventField()
    text = _text(500)


class SolutionFilter(EventRowFilter):
    class Meta:
        model = Solution
        fields: ClassVar[list[str]] = []


class SolutionViewSet(mixins.ListModelMixin, ApiViewSet):
    """Solutions brainstormed for the restated problem; every member adds them."""

    serializer_class = SolutionSerializer
    filterset_class = SolutionFilter

    def get_queryset(self) -> QuerySet[Solution]:
        return Solution.objects.filter(event__art__in=ART.objects.visible_to(self.request.user)).order_by("id")

    @extend_schema(request=SolutionCreateSerializer, responses={201: SolutionSerializer})
    def create(self, request: Request) -> Response:
        data = self.validated(SolutionCreateSerializer)
        return self.answer(services.add_solution(data.pop("event"), by=request.user, **data), SolutionSerializer, 201)


# --- improvement items and the follow-through -----------------------------------------------------------


class ImprovementSerializer(serializers.ModelSerializer):
    """An improvement item, its feature in the ART backlog, and where it stands (derived from the feature)."""

    pi_of_origin = serializers.CharField(source="event.pi.name", read_only=True)
    owner_name = serializers.CharField(source="owner.display_name", read_only=True)
    target_pi_name = serializers.CharField(source="target_pi.name", read_only=True)
    feature_key = serializers.CharField(source="feature.key", read_only=True)
    state = serializers.CharField(read_only=True, help_text="proposed, planned, done or dropped.")
    planned_next = serializers.BooleanField(read_only=True, help_text="Placed on the next PI's program board.")
    demoed = serializers.BooleanField(read_only=True, help_text="Shown at a System Demo.")
    age = serializers.IntegerField(read_only=True, help_text="Days open (until done or dropped).")

    class Meta:
        model = ImprovementItem
        fields = (
            "id", "event", "pi_of_origin", "title", "owner", "owner_name", "target_pi", "target_pi_name",
            "measure_of_done", "feature", "feature_key", "cause", "state", "planned_next", "demoed", "age",
            "dropped", "drop_reason", "dropped_at", "created_at",
        )  # fmt: skip
        read_only_fields = fields


class ImprovementCreateSerializer(serializers.Serializer):
    event = VisibleEventField()
    title = _text(200)
    owner = VisibleMemberField(help_text="Id of a member of the train.")
    target_pi = VisiblePIField(help_text="A PI of the train that has not ended.")
    measure_of_done = _text(500)
    type = serializers.ChoiceField(choices=Feature.Type.choices, default=Feature.Type.ENABLER)
    cause = VisibleCauseField(required=False, allow_null=True)


class DropSerializer(serializers.Serializer):
    reason = _text(500)


class ImprovementFilter(django_filters.FilterSet):
    art = django_filters.CharFilter(field_name="event__art__slug", help_text="Slug of the train.")
    event = IdFilter(field_name="event_id", help_text="Id of the I&A of origin.")

    class Meta:
        model = ImprovementItem
        fields: ClassVar[list[str]] = []


class ImprovementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Every improvement item of your trains across PIs, newest PI of origin first: the follow-through list."""

    serializer_class = ImprovementSerializer
    filterset_class = ImprovementFilter
    capabilities: ClassVar[dict[str, str]] = {"drop": FACILITATE}

    def get_queryset(self) -> QuerySet[ImprovementItem]:
        return (
            ImprovementItem.objects.visible_to(self.request.user)
            .with_related()
            .with_state()
            .with_follow_through()
            .order_by("-event__pi__start_date", "created_at", "id")
        )

    def _aged(self, items):
        for item in items:
            item.age = follow_through.age_in_days(item, item.event.art, item.event.art.today())
        return items

    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ImprovementSerializer(self._aged(page), many=True).data)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return Response(ImprovementSerializer(self._aged([self.get_object()])[0]).data)

    @extend_schema(request=ImprovementCreateSerializer, responses={201: ImprovementSerializer})
    def create(self, request: Request) -> Response:
        """Add an improvement item: it becomes a feature (or enabler) of its target PI's backlog."""
        data = self.validated(ImprovementCreateSerializer)
        item = services.add_improvement(data.pop("event"), by=request.user, **data)
        return Response(self._one(item), status=status.HTTP_201_CREATED)

    def _one(self, item: ImprovementItem) -> dict:
        return ImprovementSerializer(self._aged([self.get_queryset().get(pk=item.pk)])[0]).data

    @extend_schema(request=DropSerializer, responses=ImprovementSerializer)
    @action(detail=True, methods=["post"])
    def drop(self, request: Request, pk=None) -> Response:
        """Drop the item, saying why (its feature stays in the backlog)."""
        item = self.get_object()
        services.drop_improvement(item, by=request.user, **self.validated(DropSerializer))
        return Response(self._one(item))


class RateSerializer(serializers.Serializer):
    pi = serializers.IntegerField(source="pi.pk")
    pi_name = serializers.CharField(source="pi.name")
    items = serializers.IntegerField()
    planned = serializers.IntegerField(help_text="Items placed on the next PI's program board.")
    done = serializers.IntegerField()
    demoed = serializers.IntegerField()
    planned_percent = serializers.IntegerField(allow_null=True)
    done_percent = serializers.IntegerField(allow_null=True)
    demoed_percent = serializers.IntegerField(allow_null=True)


class FollowThroughQuery(serializers.Serializer):
    art = VisibleARTField()


class FollowThroughViewSet(ApiViewSet):
    """The follow-through rate of each PI of a train (``?art=<slug>``), newest first: one query."""

    @extend_schema(parameters=[FollowThroughQuery], responses=RateSerializer(many=True), filters=False)
    def list(self, request: Request) -> Response:
        query = FollowThroughQuery(data=request.query_params, context=self.get_serializer_context())
        query.is_valid(raise_exception=True)
        art = query.validated_data["art"]
        result = follow_through.follow_through(art, today=art.today())
        return Response(RateSerializer(result.rates, many=True).data)


def register(router) -> None:
    """Add the I&A endpoints to the API router of ``artops/api_urls.py``."""
    router.register("ia-events", InspectAdaptViewSet, basename="api-ia-event")
    router.register("ia-problems", ProblemViewSet, basename="api-ia-problem")
    router.register("ia-causes", CauseViewSet, basename="api-ia-cause")
    router.register("ia-solutions", SolutionViewSet, basename="api-ia-solution")
    router.register("ia-improvements", ImprovementViewSet, basename="api-ia-improvement")
    router.register("ia-follow-through", FollowThroughViewSet, basename="api-ia-follow-through")
