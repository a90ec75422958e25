"""The API of the nightly snapshots (``/api/train-snapshots/``, ``/api/team-snapshots/``): the history.

One snapshot per train (or team) and day, as the day stood at its end in the train's time zone
(see ``metrics.models``). Filter by train (``?art=<slug>``), team (``?team=<id>``), PI and a range
of days (``?first_day=`` and ``?last_day=``, both included); oldest day first, paginated.
"""

from __future__ import annotations

from typing import ClassVar

import django_filters
from rest_framework import mixins, serializers

from artops.api_base import ApiViewSet
from artops.parsing import IdFilter
from metrics.models import TeamSnapshot, TrainSnapshot

PREDICTABILITY_FIELDS = (
    "objectives",
    "objectives_assessed",
    "planned_committed_bv",
    "planned_committed_assessed_bv",
    "actual_bv",
    "predictability",
    "final",
)
DEPENDENCY_FIELDS = (
    "open_dependencies",
    "dependency_age_median",
    "dependency_age_max",
    "dependencies_over_14",
    "dependencies_over_30",
)


class SnapshotFilter(django_filters.FilterSet):
    art = django_filters.CharFilter(field_name="art__slug", help_text="Slug of the train.")
    pi = IdFilter(field_name="pi", help_text="Id of the PI running that day.")
    first_day = django_filters.DateFilter(
        field_name="day", lookup_expr="gte", help_text="Snapshots of this day (YYYY-MM-DD) and later."
    )
    last_day = django_filters.DateFilter(
        field_name="day", lookup_expr="lte", help_text="Snapshots of this day (YYYY-MM-DD) and earlier."
    )


class TrainSnapshotFilter(SnapshotFilter):
    class Meta:
        model = TrainSnapshot
        fields = ("art", "pi", "first_day", "last_day")


class TeamSnapshotFilter(SnapshotFilter):
    team = IdFilter(field_name="team", help_text="Id of the team.")

    class Meta:
        model = TeamSnapshot
        fields = ("art", "team", "pi", "first_day", "last_day")


class TrainSnapshotSerializer(serializers.ModelSerializer):
    """One day of a train's metrics, as they stood at the end of that day."""

    art = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Slug of the train.")

    class Meta:
        model = TrainSnapshot
        fields = (
            "id",
            "art",
            "day",
            "pi",
            *PREDICTABILITY_FIELDS,
            "accepted",
            "accepted_size",
            "accepted_in_iteration",
            "accepted_in_pi",
            "accepted_business_in_pi",
            "accepted_enablers_in_pi",
            "wip",
            "wip_limit",
            "flow_time_count",
            "flow_time_median",
            "flow_time_p85",
            "flow_time_p95",
            *DEPENDENCY_FIELDS,
            "features_funnel",
            "features_analyzing",
            "features_backlog",
            "features_implementing",
            "features_validating",
            "features_done",
            "features_cancelled",
        )
        read_only_fields = fields


class TeamSnapshotSerializer(serializers.ModelSerializer):
    """One day of a team's metrics: its predictability in the PI and the dependencies it waits on."""

    art = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="Slug of the train.")
    team_name = serializers.CharField(source="team.name", read_only=True)

    class Meta:
        model = TeamSnapshot
        fields = ("id", "art", "team", "team_name", "day", "pi", *PREDICTABILITY_FIELDS, *DEPENDENCY_FIELDS)
        read_only_fields = fields


class TrainSnapshotViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Daily snapshots of your trains' metrics, oldest day first."""

    serializer_class = TrainSnapshotSerializer
    filterset_class = TrainSnapshotFilter
    capabilities: ClassVar[dict[str, str]] = {"list": "art.view", "retrieve": "art.view"}
    ordering_fields = ("day",)
    http_method_names = ("get", "head", "options")

    def get_queryset(self):
        return TrainSnapshot.objects.visible_to(self.request.user).select_related("art").order_by("day", "art_id")


class TeamSnapshotViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Daily snapshots of your trains' teams, oldest day first."""

    serializer_class = TeamSnapshotSerializer
    filterset_class = TeamSnapshotFilter
    capabilities: ClassVar[dict[str, str]] = {"list": "art.view", "retrieve": "art.view"}
    ordering_fields = ("day",)
    http_method_names = ("get", "head", "options")

    def get_queryset(self):
        snapshots = TeamSnapshot.objects.visible_to(self.request.user).select_related("art", "team")
        return snapshots.order_by("day", "team__name", "team_id")
