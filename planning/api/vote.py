"""The API of the confidence vote (``/api/vote-rounds/``): rounds with their tally.

``POST …/{id}/close/`` (the RTE), ``POST …/{id}/vote/`` and ``GET …/{id}/my-vote/``.

Who voted what is read by no endpoint: rounds carry the tally (counts per value, the number
of votes, the average) and the concerns sorted by their text, never who wrote them; a person
reads back their own vote only (``my-vote``).
"""

from __future__ import annotations

from typing import ClassVar

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from artops.api_base import ApiViewSet, VisiblePIField, VisibleTeamField
from artops.permissions import require
from planning import services
from planning.api.fields import RangeIntegerField, api_text
from planning.filters import VoteRoundFilter
from planning.models import VOTE_VALUES, Vote, VoteRound

VOTE_MESSAGE = Vote._meta.get_field("value").error_messages["max_value"]
VOTE_ERRORS = dict.fromkeys(("invalid", "required", "null", "min_value", "max_value"), VOTE_MESSAGE)


class TallySerializer(serializers.Serializer):
    """A round's result so far. Concerns are sorted by their text: their order tells nothing of who wrote them."""

    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Votes per value, keys “1” to “5”.")
    votes = serializers.IntegerField(help_text="How many people voted.")
    average = serializers.DecimalField(
        max_digits=3, decimal_places=2, coerce_to_string=False, allow_null=True, help_text="Null before any vote."
    )
    concerns = serializers.ListField(child=serializers.CharField(), help_text="Concerns of those who voted 1 or 2.")


class VoteRoundSerializer(serializers.ModelSerializer):
    """A round of the confidence vote (fist of five), of one team or of the whole train, with its tally."""

    pi_name = serializers.CharField(source="pi.name", read_only=True)
    team = serializers.IntegerField(
        source="team_id", read_only=True, allow_null=True, help_text="Null for a vote of the whole train."
    )
    scope = serializers.CharField(source="scope_name", read_only=True, help_text="The team's name, or the whole train.")
    opened_by_name = serializers.CharField(
        source="opened_by.display_name", read_only=True, allow_null=True, default=None
    )
    is_open = serializers.BooleanField(read_only=True)
    replan = serializers.BooleanField(read_only=True, help_text="Closed with an average below 3: re-plan.")
    tally = serializers.SerializerMethodField()

    class Meta:
        model = VoteRound
        fields = (
            "id",
            "pi",
            "pi_name",
            "team",
            "scope",
            "opened_by",
            "opened_by_name",
            "opened_at",
            "closed_at",
            "is_open",
            "replan",
            "tally",
        )
        read_only_fields = fields

    @extend_schema_field(TallySerializer)
    def get_tally(self, vote_round: VoteRound) -> dict:
        return TallySerializer(vote_round.tally.as_dict()).data


class VoteRoundCreateSerializer(serializers.Serializer):
    pi = VisiblePIField(help_text="Id of the PI.")
    team = VisibleTeamField(
        required=False, allow_null=True, default=None, help_text="Id of the team that votes; null: the whole train."
    )


class CastVoteSerializer(serializers.Serializer):
    value = RangeIntegerField(
        min_value=VOTE_VALUES[0], max_value=VOTE_VALUES[-1], error_messages=VOTE_ERRORS, help_text="Fist of five: 1–5."
    )
    concern = api_text(
        Vote._meta.get_field("concern"),
        required=False,
        allow_blank=True,
        default="",
        help_text="Invited when voting 1 or 2; dropped for a higher vote.",
    )


class OwnVoteSerializer(serializers.ModelSerializer):
    """Your own vote in a round: nobody else can read it."""

    class Meta:
        model = Vote
        fields = ("round", "value", "concern", "updated_at")
        read_only_fields = fields


class VoteRoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet):
    """Rounds of the confidence vote of your trains, newest first, each with its tally.

    The RTE opens a round (for a team, or the whole train with no team) and closes it; an
    average below 3 marks it re-plan, and a new round may open. ``POST …/{id}/vote/`` votes
    1–5 (voting again changes the vote while the round is open: 201 for a first vote, 200 for
    a change); ``GET …/{id}/my-vote/`` reads back your own vote. Nobody can read anyone
    else's vote.
    """

    filterset_class = VoteRoundFilter
    capabilities: ClassVar[dict[str, str]] = {
        "close": "planning.facilitate",
        "vote": "planning.vote",
        "my_vote": "planning.vote",
    }
    ordering_fields = ("opened_at", "closed_at")
    http_method_names = ("get", "post", "head", "options")

    def get_queryset(self):
        rounds = VoteRound.objects.visible_to(self.request.user).with_tally()
        return rounds.select_related("pi__art", "team", "opened_by").order_by("-opened_at", "-id")

    def get_serializer_class(self):
        if self.action == "create":
            return VoteRoundCreateSerializer
        if self.action == "vote":
            return CastVoteSerializer
        if self.action == "my_vote":
            return OwnVoteSerializer
        return VoteRoundSerializer

    def _saved(self, vote_round: VoteRound, status_code: int = status.HTTP_200_OK) -> Response:
        return self.answer(self.get_queryset().get(pk=vote_round.pk), VoteRoundSerializer, status_code)

    @extend_schema(request=VoteRoundCreateSerializer, responses={201: VoteRoundSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = self.validated(VoteRoundCreateSerializer)
        pi = data["pi"]
        require(request.user, "planning.facilitate", art=pi.art)
        vote_round = services.open_vote(pi, by=request.user, team=data["team"])
        return self._saved(vote_round, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=VoteRoundSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Close the round and keep its result; an average below 3 marks it re-plan."""
        vote_round = services.close_vote(self.get_object(), by=request.user)
        return self._saved(vote_round)

    @extend_schema(request=CastVoteSerializer, responses={201: OwnVoteSerializer, 200: OwnVoteSerializer})
    @action(detail=True, methods=["post"])
    def vote(self, request: Request, pk: str | None = None) -> Response:
        """Vote 1–5 in an open round you belong to; voting again replaces your vote."""
        vote_round = self.get_object()
        # Who may vote before the input: a person outside the round learns nothing from validation.
        services.require_vote_in(request.user, vote_round)
        data = self.validated(CastVoteSerializer)
        existed = Vote.objects.filter(round=vote_round, voter=request.user).exists()
        vote = services.cast_vote(vote_round, by=request.user, **data)
        return self.answer(vote, OwnVoteSerializer, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(responses=OwnVoteSerializer, filters=False)
    @action(detail=True, methods=["get"], url_path="my-vote", pagination_class=None)
    def my_vote(self, request: Request, pk: str | None = None) -> Response:
        """Your own vote in this round (404 while you have not voted)."""
        vote_round = self.get_object()
        vote = Vote.objects.filter(round=vote_round, voter=request.user).first()
        if vote is None:
            raise exceptions.NotFound("You have not voted in this round.")
        return self.answer(vote, OwnVoteSerializer)
