"""The API of the committed plan (``/api/plans/{pi_id}/``).

``POST …/commit/`` keeps the plan as the baseline, ``GET …/changes/`` shows planned vs now.
"""

from __future__ import annotations

from typing import ClassVar

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from artops.api_base import ApiViewSet
from artops.models import ProgramIncrement
from planning import services
from planning.baseline import plan_changes


class BaselineSerializer(serializers.Serializer):
    """The plan of a PI as the train committed it: its placements and objectives were kept."""

    pi = serializers.IntegerField(source="pi_id", help_text="Id of the PI.")
    committed_at = serializers.DateTimeField()
    committed_by = serializers.IntegerField(source="committed_by_id", allow_null=True)
    committed_by_name = serializers.CharField(source="committed_by.display_name", allow_null=True, default=None)
    placements = serializers.IntegerField(source="placement_count", help_text="Cards kept.")
    objectives = serializers.IntegerField(source="objective_count", help_text="PI objectives kept.")


class PlannedPlacementChangeSerializer(serializers.Serializer):
    """A card compared with the committed plan.

    The “before” fields are null for an added card, the “after” ones for a dropped card.
    """

    feature = serializers.IntegerField(source="feature.pk")
    feature_key = serializers.CharField(source="feature.key")
    feature_title = serializers.CharField(source="feature.title")
    team_before = serializers.IntegerField(source="team_before.pk", allow_null=True, default=None)
    team_before_name = serializers.CharField(source="team_before.name", allow_null=True, default=None)
    iteration_before = serializers.IntegerField(source="iteration_before.pk", allow_null=True, default=None)
    iteration_before_name = serializers.CharField(source="iteration_before.name", allow_null=True, default=None)
    team_after = serializers.IntegerField(source="team_after.pk", allow_null=True, default=None)
    team_after_name = serializers.CharField(source="team_after.name", allow_null=True, default=None)
    iteration_after = serializers.IntegerField(source="iteration_after.pk", allow_null=True, default=None)
    iteration_after_name = serializers.CharField(source="iteration_after.name", allow_null=True, default=None)


class PlannedFieldChangeSerializer(serializers.Serializer):
    label = serializers.CharField()
    before = serializers.CharField()
    after = serializers.CharField()


class PlannedObjectiveChangeSerializer(serializers.Serializer):
    """An objective compared with the committed plan; ``objective`` is null when it was deleted since."""

    team = serializers.IntegerField(source="team.pk")
    team_name = serializers.CharField(source="team.name")
    statement = serializers.CharField()
    objective = serializers.IntegerField(source="objective.pk", allow_null=True, default=None)
    changes = PlannedFieldChangeSerializer(many=True, help_text="What differs (for a changed objective).")


class PlanChangesSerializer(serializers.Serializer):
    """Planned vs now: what moved, was added or dropped since the plan was committed."""

    pi = serializers.IntegerField(help_text="Id of the PI.")
    pi_name = serializers.CharField()
    committed = serializers.BooleanField(help_text="False while the plan is not committed (every list is empty).")
    committed_at = serializers.DateTimeField(source="baseline.committed_at", allow_null=True, default=None)
    committed_by_name = serializers.CharField(
        source="baseline.committed_by.display_name", allow_null=True, default=None
    )
    unchanged = serializers.BooleanField(help_text="Committed, and nothing moved, was added or dropped since.")
    moved = PlannedPlacementChangeSerializer(many=True, help_text="Cards in another iteration or team.")
    added = PlannedPlacementChangeSerializer(many=True)
    dropped = PlannedPlacementChangeSerializer(many=True)
    objectives_added = PlannedObjectiveChangeSerializer(many=True)
    objectives_dropped = PlannedObjectiveChangeSerializer(many=True)
    objectives_changed = PlannedObjectiveChangeSerializer(many=True)


PLAN_CHANGE_LISTS = ("moved", "added", "dropped", "objectives_added", "objectives_dropped", "objectives_changed")


class PlanViewSet(ApiViewSet):
    """The committed plan of a PI (the Planning Interval's id names it).

    ``POST /api/plans/{pi_id}/commit/``: the RTE commits the plan at the end of PI Planning;
    the board's placements and the PI objectives are kept as the baseline (once per PI).
    ``GET /api/plans/{pi_id}/changes/``: planned vs now.
    """

    capabilities: ClassVar[dict[str, str]] = {"commit": "planning.facilitate", "changes": "art.view"}
    filter_backends = ()
    pagination_class = None
    http_method_names = ("get", "post", "head", "options")

    def get_queryset(self):
        return ProgramIncrement.objects.visible_to(self.request.user).select_related("art")

    def get_serializer_class(self):
        if self.action == "commit":
            return BaselineSerializer
        return PlanChangesSerializer

    @extend_schema(request=None, responses={201: BaselineSerializer})
    @action(detail=True, methods=["post"])
    def commit(self, request: Request, pk: str | None = None) -> Response:
        """Commit the plan: keep the board and the objectives as they are now."""
        baseline = services.commit_plan(self.get_object(), by=request.user)
        baseline.placement_count = baseline.placements.count()
        baseline.objective_count = baseline.objectives.count()
        return self.answer(baseline, BaselineSerializer, status.HTTP_201_CREATED)

    @extend_schema(responses=PlanChangesSerializer)
    @action(detail=True, methods=["get"])
    def changes(self, request: Request, pk: str | None = None) -> Response:
        """What moved, was added or dropped since the plan was committed, cards and objectives alike."""
        pi = self.get_object()
        changes = plan_changes(pi)
        body = {
            "pi": pi.pk,
            "pi_name": pi.name,
            "committed": changes.committed,
            "baseline": changes.baseline,
            "unchanged": changes.unchanged,
            **{
                name: getattr(changes, name)
                for name in (
                    "moved",
                    "added",
                    "dropped",
                    "objectives_added",
                    "objectives_dropped",
                    "objectives_changed",
                )
            },
        }
        return self.answer(body, PlanChangesSerializer)
