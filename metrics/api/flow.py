"""The API of a train's flow metrics (``/api/flow/{art_slug}/``), computed live as the flow dashboard does.

One answer holds the flow metrics of DESIGN.md: throughput per iteration of a PI and per PI
(the last six up to it), flow time percentiles and distribution over a period, WIP against the
WIP limit, the flow distribution of the PI (business features and enablers accepted), and the
dependency age of the open dependencies with its aging histogram and the team × team view.

``?pi=`` names a PI of the train (default: the current one); ``?first=`` and ``?last=`` the
period of the flow time (default: the 90 days up to today, in the train's time zone). A
constant number of queries, whatever the size of the train.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import ClassVar

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from artops.api_base import ApiViewSet
from artops.models import ART, ProgramIncrement, Team
from artops.parsing import ApiIdField
from metrics import flow
from metrics.dependencies import dependency_age, dependency_matrix

# The longest period of flow time one answer covers.
MAX_PERIOD_DAYS = 3 * 366
PER_PI_COUNT = 6


def art_by_slug(viewset: ApiViewSet) -> ART:
    """The train the URL names, among the caller's trains (404 otherwise)."""
    return viewset.get_object()


def pi_of_train(art: ART, pi_id: int | None, today: date) -> ProgramIncrement | None:
    """The PI ``pi_id`` names among the train's (400 when it is not one of them), else the current one."""
    pis = ProgramIncrement.objects.for_art(art).select_related("art")
    if pi_id is None:
        return pis.current(today)
    pi = pis.filter(pk=pi_id).first()
    if pi is None:
        raise exceptions.ValidationError({"pi": [f"There is no PI with id {pi_id} on this train."]})
    return pi


class FlowQuerySerializer(serializers.Serializer):
    pi = ApiIdField(required=False, help_text="Id of a PI of the train; default: the current one.")
    first = serializers.DateField(required=False, help_text="First day of the flow time period (YYYY-MM-DD).")
    last = serializers.DateField(required=False, help_text="Last day of the flow time period (YYYY-MM-DD).")

    def validate(self, attrs: dict) -> dict:
        first, last = attrs.get("first"), attrs.get("last")
        if first and last:
            if first > last:
                raise serializers.ValidationError({"first": ["The period starts after it ends."]})
            if (last - first).days >= MAX_PERIOD_DAYS:
                raise serializers.ValidationError({"first": [f"Ask about {MAX_PERIOD_DAYS} days at most."]})
        return attrs


# --- the answer's shape (for the schema; the answer is built as plain data) ----------------------


class TimeboxThroughputSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Id of the iteration or the PI.")
    name = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    accepted = serializers.IntegerField(help_text="Features accepted (moved to done) within its dates.")
    size = serializers.IntegerField(help_text="Σ job size of those features.")


class ThroughputSerializer(serializers.Serializer):
    per_iteration = TimeboxThroughputSerializer(many=True, help_text="Each iteration of the PI, the IP one last.")
    per_pi = TimeboxThroughputSerializer(many=True, help_text=f"The last {PER_PI_COUNT} PIs up to the PI.")


class DistributionBinSerializer(serializers.Serializer):
    days = serializers.IntegerField(help_text="Flow time in days.")
    features = serializers.IntegerField(help_text="Features that took that long.")


class FlowTimeSerializer(serializers.Serializer):
    first = serializers.DateField()
    last = serializers.DateField()
    count = serializers.IntegerField(help_text="Features accepted in the period with a recorded start.")
    median = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True)
    p85 = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True, help_text="85th percentile.")
    p95 = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True, help_text="95th percentile.")
    distribution = DistributionBinSerializer(many=True, help_text="Shortest first.")


class WipSerializer(serializers.Serializer):
    wip = serializers.IntegerField(help_text="Features implementing or validating now.")
    limit = serializers.IntegerField(help_text="The train's WIP limit.")
    over_limit = serializers.BooleanField()


class FlowDistributionSerializer(serializers.Serializer):
    business = serializers.IntegerField(help_text="Business features accepted in the PI.")
    enablers = serializers.IntegerField(help_text="Enablers accepted in the PI.")
    total = serializers.IntegerField()
    enabler_share = serializers.DecimalField(
        max_digits=7, decimal_places=1, allow_null=True, help_text="Percent of enablers; null when nothing accepted."
    )


class AgeBucketSerializer(serializers.Serializer):
    age = serializers.CharField(help_text="The aging bucket, as the dependency list names it.")
    count = serializers.IntegerField()


class TeamPairSerializer(serializers.Serializer):
    needing_team = serializers.IntegerField()
    needing_team_name = serializers.CharField()
    providing_team = serializers.IntegerField(allow_null=True, help_text="Null for a party outside the train.")
    providing_team_name = serializers.CharField(allow_null=True)
    external_party = serializers.CharField(allow_blank=True)
    open = serializers.IntegerField()
    median_age = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True)


class DependencyAgeSerializer(serializers.Serializer):
    open = serializers.IntegerField(help_text="Dependencies open today.")
    median = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True, help_text="Median age, days.")
    max = serializers.IntegerField(allow_null=True, help_text="The oldest one's age, days.")
    over_14 = serializers.IntegerField()
    over_30 = serializers.IntegerField()
    histogram = AgeBucketSerializer(many=True)
    teams = TeamPairSerializer(many=True, help_text="Team × team (and team × outside party): open count, median age.")


class FlowSerializer(serializers.Serializer):
    """A train's flow metrics today."""

    art = serializers.CharField(help_text="Slug of the train.")
    today = serializers.DateField(help_text="The train's today, in its time zone.")
    pi = serializers.IntegerField(allow_null=True, help_text="Id of the PI of the throughput and distribution.")
    pi_name = serializers.CharField(allow_null=True)
    throughput = ThroughputSerializer()
    flow_time = FlowTimeSerializer()
    wip = WipSerializer()
    flow_distribution = FlowDistributionSerializer(allow_null=True)
    dependency_age = DependencyAgeSerializer()


def _timebox(item: flow.Throughput) -> dict:
    box = item.timebox
    return {
        "id": box.pk,
        "name": box.name,
        "start_date": box.start_date,
        "end_date": box.end_date,
        "accepted": item.accepted,
        "size": item.size,
    }


def flow_json(art: ART, pi: ProgramIncrement | None, first: date, last: date, today: date) -> dict:
    """The train's flow metrics in the shape of ``FlowSerializer``: a dozen queries."""
    per_pi = []
    if pi is not None:
        earlier = list(
            ProgramIncrement.objects.for_art(art).filter(start_date__lte=pi.start_date).order_by("-start_date")
        )
        per_pi = flow.throughput_per_pi(art, list(reversed(earlier[:PER_PI_COUNT])))
    times = flow.flow_time(art, first, last)
    load = flow.flow_load(art)
    distribution = flow.flow_distribution(pi) if pi is not None else None
    ages = dependency_age(art, today)
    names = dict(Team.objects.for_art(art).values_list("pk", "name"))
    return {
        "art": art.slug,
        "today": today,
        "pi": pi.pk if pi else None,
        "pi_name": pi.name if pi else None,
        "throughput": {
            "per_iteration": [_timebox(item) for item in flow.throughput_per_iteration(pi)] if pi else [],
            "per_pi": [_timebox(item) for item in per_pi],
        },
        "flow_time": {
            "first": first,
            "last": last,
            "count": times.count,
            "median": times.median,
            "p85": times.p85,
            "p95": times.p95,
            "distribution": [{"days": days, "features": count} for days, count in times.distribution],
        },
        "wip": {"wip": load.wip, "limit": load.limit, "over_limit": load.over_limit},
        "flow_distribution": (
            {
                "business": distribution.business,
                "enablers": distribution.enablers,
                "total": distribution.total,
                "enabler_share": distribution.enabler_share,
            }
            if distribution is not None
            else None
        ),
        "dependency_age": {
            "open": ages.open,
            "median": ages.median,
            "max": ages.max,
            "over_14": ages.over_14,
            "over_30": ages.over_30,
            "histogram": [{"age": label, "count": count} for label, count in ages.histogram],
            "teams": [
                {
                    "needing_team": pair.needing_team_id,
                    "needing_team_name": names.get(pair.needing_team_id, ""),
                    "providing_team": pair.providing_team_id,
                    "providing_team_name": names.get(pair.providing_team_id) if pair.providing_team_id else None,
                    "external_party": pair.external_party,
                    "open": pair.open,
                    "median_age": pair.median,
                }
                for pair in dependency_matrix(art, today)
            ],
        },
    }


FLOW_PARAMETERS = [
    OpenApiParameter("pi", int, description="Id of a PI of the train (throughput, distribution); default: current."),
    OpenApiParameter("first", date, description="First day of the flow time period; default: 89 days before today."),
    OpenApiParameter("last", date, description="Last day of the flow time period; default: today."),
]


class FlowViewSet(mixins.RetrieveModelMixin, ApiViewSet):
    """A train's flow metrics today (the train's slug names it): throughput, flow time, WIP, flow
    distribution and dependency age."""

    serializer_class = FlowSerializer
    capabilities: ClassVar[dict[str, str]] = {"retrieve": "art.view"}
    lookup_field = "slug"
    lookup_value_regex = "[^/.]+"
    filter_backends = ()
    pagination_class = None
    http_method_names = ("get", "head", "options")

    def get_queryset(self):
        return ART.objects.visible_to(self.request.user)

    @extend_schema(parameters=FLOW_PARAMETERS, responses=FlowSerializer)
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        art = art_by_slug(self)
        query = FlowQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = art.today()
        last = query.validated_data.get("last") or today
        first = query.validated_data.get("first") or last - timedelta(days=flow.FLOW_TIME_WINDOW_DAYS - 1)
        if (last - first).days >= MAX_PERIOD_DAYS or first > last:
            raise exceptions.ValidationError(
                {"first": [f"Give a period of 1 to {MAX_PERIOD_DAYS} days, its first day before its last."]}
            )
        pi = pi_of_train(art, query.validated_data.get("pi"), today)
        return Response(FlowSerializer(flow_json(art, pi, first, last, today)).data)
