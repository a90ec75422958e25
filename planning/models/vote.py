"""The confidence vote of PI Planning: rounds of fist of five, votes, and a round's tally."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Q, Value

from artops.models import ART, ProgramIncrement, Team
from planning.models.text import bounded_text

VOTE_VALUES = (1, 2, 3, 4, 5)
REPLAN_BELOW = 3


@dataclass(frozen=True)
class Tally:
    """A round's result: how many chose each value of the fist of five, their number and average,
    and the concerns, sorted by their text so that their order says nothing of who wrote them."""

    counts: dict[int, int]
    concerns: tuple[str, ...] = ()

    @classmethod
    def of(cls, counts: Mapping[int, int], concerns=()) -> Tally:
        return cls({value: counts.get(value, 0) for value in VOTE_VALUES}, tuple(sorted(concerns)))

    @property
    def votes(self) -> int:
        return sum(self.counts.values())

    @property
    def average(self) -> Decimal | None:
        """The average vote to two decimals; ``None`` before any vote."""
        if not self.votes:
            return None
        total = sum(value * count for value, count in self.counts.items())
        return (Decimal(total) / self.votes).quantize(Decimal("0.01"))

    def as_dict(self) -> dict:
        return {"counts": self.counts, "votes": self.votes, "average": self.average, "concerns": list(self.concerns)}


class VoteRoundQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(pi__art__in=ART.objects.visible_to(user))

    def open(self) -> VoteRoundQuerySet:
        return self.filter(closed_at__isnull=True)

    def with_tally(self) -> VoteRoundQuerySet:
        """Each round with its votes counted per value and its concerns, in the same statement:
        read them as ``round.tally``. Who voted what is not read."""
        counts = {f"votes_{value}": Count("votes", filter=Q(votes__value=value)) for value in VOTE_VALUES}
        # ``> ''`` leaves out both the empty concerns and the NULL of a round without votes.
        concerns = ArrayAgg("votes__concern", filter=Q(votes__concern__gt=""), default=Value([]))
        return self.annotate(**counts, concern_texts=concerns)


class VoteRound(models.Model):
    """A round of the confidence vote (fist of five): of one team, or of the whole train.

    A team round is voted by the team's members, Scrum Master and Product Owner; a train round
    by every member. An average below 3 marks the round "re-plan", and a new round may open.
    """

    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="vote_rounds", verbose_name="PI")
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="vote_rounds",
        help_text="Empty for a vote of the whole train.",
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    # Set when the round closes.
    average = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    replan = models.BooleanField(default=False)

    objects = VoteRoundQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pi", "team"],
                condition=Q(closed_at__isnull=True),
                nulls_distinct=False,
                name="vote_one_open_round_per_pi_and_team",
                violation_error_message="A round of this vote is already open.",
            ),
        ]

    def __str__(self) -> str:
        return f"Confidence vote of {self.team or 'the train'} in {self.pi_id}"

    def get_art(self) -> ART:
        return self.pi.art

    def get_team(self) -> Team | None:
        return self.team

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def scope_name(self) -> str:
        return self.team.name if self.team_id else "the whole train"

    @property
    def tally(self) -> Tally:
        """The round's result, as ``VoteRound.objects.with_tally()`` read it."""
        if not hasattr(self, "concern_texts"):
            raise AttributeError("Read the round with VoteRound.objects.with_tally() to have its tally.")
        return Tally.of({value: getattr(self, f"votes_{value}") for value in VOTE_VALUES}, self.concern_texts)


class Vote(models.Model):
    """One person's vote in a round, changeable until the round closes.

    Who voted what is never shown to anyone but the voter: pages and the API read only the
    tally (counts per value, average) and the concerns without their authors.
    """

    round = models.ForeignKey(VoteRound, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    value = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        error_messages={"min_value": "Vote from 1 to 5.", "max_value": "Vote from 1 to 5."},
    )
    concern = bounded_text(1000, blank=True, help_text="Invited when voting 1 or 2.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "voter"], name="vote_one_per_person_and_round"),
            models.CheckConstraint(
                condition=Q(value__gte=1, value__lte=5),
                name="vote_value_1_to_5",
                violation_error_message="Vote from 1 to 5.",
            ),
        ]

    def __str__(self) -> str:
        return f"Vote in round {self.round_id}"
