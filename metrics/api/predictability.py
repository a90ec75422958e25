"""The API of predictability (``/api/predictability/``): per team and for the train, per PI.

``GET /api/predictability/?art=<slug>``: the PIs of your trains, each with the train's figure
and every team's; ``GET /api/predictability/{pi_id}/``: one PI. The figures are DESIGN.md's:
team = Σ actual business value of all its objectives / Σ planned business value of its
committed ones × 100; the train's is the ratio of the train's sums. While a PI runs a figure
is *so far* (over the objectives assessed so far, with k of n); once it is closed, *final*.
``predictability`` is null where there is no figure ("—"), never 0.

Computed live from the objectives, like the Business Owner dashboard: the list costs one
query for its page of PIs, whatever their number of teams and objectives.
"""

from __future__ import annotations

from typing import ClassVar

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from artops.api_base import ApiViewSet
from artops.filters import ProgramIncrementFilter
from artops.models import ProgramIncrement, Team
from metrics.predictability import Figures, PIPredictability, pi_predictability, predictability_trend

PREDICTABILITY_HELP = (
    "Percent of the committed planned business value, one decimal; null when there is no figure "
    "(no committed planned business value, or nothing assessed yet): shown as “—”, never 0."
)


class FiguresSerializer(serializers.Serializer):
    """The business value behind one predictability figure (a team's or the train's)."""

    objectives = serializers.IntegerField(help_text="Objectives of the PI (n).")
    objectives_assessed = serializers.IntegerField(help_text="Objectives with an actual business value (k).")
    planned_committed_bv = serializers.IntegerField(help_text="Σ planned business value of the committed objectives.")
    planned_committed_assessed_bv = serializers.IntegerField(
        help_text="Σ planned business value of the committed objectives assessed so far."
    )
    actual_bv = serializers.IntegerField(help_text="Σ actual business value of every objective, committed or not.")
    predictability = serializers.DecimalField(
        max_digits=7, decimal_places=1, allow_null=True, read_only=True, help_text=PREDICTABILITY_HELP
    )
    final = serializers.BooleanField(help_text="The PI is closed: the figure covers every objective.")
    label = serializers.CharField(help_text="“final”, or “so far” while the PI runs.")
    assessed_text = serializers.CharField(help_text="“k of n objectives assessed”.")


class TeamFiguresSerializer(FiguresSerializer):
    team = serializers.IntegerField(help_text="Id of the team.")
    team_name = serializers.CharField()


class PIPredictabilitySerializer(serializers.Serializer):
    """Predictability in one PI: the train's figure and every team's."""

    pi = serializers.IntegerField(help_text="Id of the PI.")
    pi_name = serializers.CharField()
    art = serializers.CharField(help_text="Slug of the train.")
    state = serializers.CharField(help_text=f"One of: {', '.join(ProgramIncrement.State.values)}.")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    train = FiguresSerializer(help_text="The ratio of the train's sums, never the mean of its teams' figures.")
    teams = TeamFiguresSerializer(many=True, help_text="Teams with objectives in the PI, by name.")


def _team_row(team: Team, figures: Figures) -> dict:
    return {"team": team.pk, "team_name": team.name, **_figures(figures)}


def _figures(figures: Figures) -> dict:
    return {name: getattr(figures, name) for name in FiguresSerializer._declared_fields}


def as_json(pi: ProgramIncrement, figures: PIPredictability, teams: dict[int, Team]) -> dict:
    """One PI's predictability in the shape of ``PIPredictabilitySerializer``."""
    rows = [_team_row(teams[team_id], team_figures) for team_id, team_figures in figures.teams.items()]
    return {
        "pi": pi.pk,
        "pi_name": pi.name,
        "art": pi.art.slug,
        "state": pi.state,
        "start_date": pi.start_date,
        "end_date": pi.end_date,
        "train": _figures(figures.train),
        "teams": sorted(rows, key=lambda row: (row["team_name"], row["team"])),
    }


@extend_schema_view(
    list=extend_schema(summary="Predictability per PI of your trains"),
    retrieve=extend_schema(summary="Predictability in one PI, per team and for the train"),
)
class PredictabilityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Predictability per team and for the train, per PI (the PI's id names it).

    *So far* while the PI runs (over the objectives assessed so far, with k of n assessed),
    *final* once it is closed. Filter the list by train (``?art=<slug>``) or state; oldest PI first.
    """

    serializer_class = PIPredictabilitySerializer
    filterset_class = ProgramIncrementFilter
    capabilities: ClassVar[dict[str, str]] = {"list": "art.view", "retrieve": "art.view"}
    ordering_fields = ("start_date", "name")
    http_method_names = ("get", "head", "options")

    def get_queryset(self):
        return ProgramIncrement.objects.visible_to(self.request.user).select_related("art").order_by("start_date", "id")

    def _teams(self, pis: list[ProgramIncrement]) -> dict[int, Team]:
        return {team.pk: team for team in Team.objects.filter(art__in={pi.art_id for pi in pis})}

    def list(self, request: Request, *args, **kwargs) -> Response:
        pis = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(pis)
        shown = list(page if page is not None else pis)
        by_pi = predictability_trend(shown)
        teams = self._teams(shown)
        data = PIPredictabilitySerializer([as_json(pi, by_pi[pi.pk], teams) for pi in shown], many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        pi = self.get_object()
        return Response(PIPredictabilitySerializer(as_json(pi, pi_predictability(pi), self._teams([pi]))).data)
