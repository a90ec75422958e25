"""The confidence vote: rounds, votes, the tally, re-plan below the threshold."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from artops.models import ProgramIncrement, Team, User
from artops.permissions import has_capability, memberships_of, require
from planning.models import (
    REPLAN_BELOW,
    Vote,
    VoteRound,
)
from planning.services.common import _validated


def can_vote_in(user: User, vote_round: VoteRound) -> bool:
    """A team round: the team's members, Scrum Master and Product Owner. A train round: every member.

    Answered from the person's memberships (read once per request for every capability check).
    """
    art = vote_round.pi.art
    if not has_capability(user, "planning.vote", art=art):
        return False
    if vote_round.team_id is None:
        return True
    return any(membership.team_id == vote_round.team_id for membership in memberships_of(user, art))


def require_vote_in(user: User, vote_round: VoteRound) -> None:
    """Refuse unless ``user`` may vote in ``vote_round``, with the reason."""
    if not can_vote_in(user, vote_round):
        raise PermissionDenied(f"This round is for the members of {vote_round.scope_name}.")


@transaction.atomic
def open_vote(pi: ProgramIncrement, *, by: User, team: Team | None = None) -> VoteRound:
    """Open a round of the confidence vote for one team or for the whole train."""
    require(by, "planning.facilitate", art=pi.art)
    if team is not None and team.art_id != pi.art_id:
        raise ValidationError({"team": "That team belongs to another train."})
    if VoteRound.objects.open().filter(pi=pi, team=team).exists():
        scope = team.name if team else "the whole train"
        raise ValidationError(f"A round of {scope}'s vote is already open: close it first.")
    vote_round = VoteRound(pi=pi, team=team, opened_by=by, opened_at=timezone.now())
    _validated(vote_round)
    return vote_round


def _locked_round(vote_round: VoteRound) -> VoteRound:
    return VoteRound.objects.select_for_update(of=("self",)).select_related("pi__art", "team").get(pk=vote_round.pk)


@transaction.atomic
def cast_vote(vote_round: VoteRound, *, by: User, value: int, concern: str = "") -> Vote:
    """Vote 1–5 in an open round; voting again changes the vote until the round closes."""
    require_vote_in(by, vote_round)
    vote_round = _locked_round(vote_round)
    if not vote_round.is_open:
        raise ValidationError("This round is closed: votes can no longer change.")
    if value not in (1, 2, 3, 4, 5):
        raise ValidationError({"value": "Vote from 1 to 5."})
    vote = Vote.objects.filter(round=vote_round, voter=by).first() or Vote(round=vote_round, voter=by)
    vote.value = value
    # A concern is invited from those who vote 1 or 2; a later, higher vote withdraws it.
    vote.concern = (concern or "").strip() if value <= 2 else ""
    _validated(vote)
    return vote


def tally(vote_round: VoteRound) -> dict:
    """Counts per value, the number of votes and the average; concerns without their authors. One query.

    ``VoteRound.objects.with_tally()`` reads the same for many rounds at once (``round.tally``).
    """
    return VoteRound.objects.with_tally().get(pk=vote_round.pk).tally.as_dict()


@transaction.atomic
def close_vote(vote_round: VoteRound, *, by: User) -> VoteRound:
    """Close a round and keep its result; an average below 3 marks it "re-plan"."""
    require(by, "planning.facilitate", art=vote_round.pi.art)
    vote_round = _locked_round(vote_round)
    if not vote_round.is_open:
        raise ValidationError("This round is already closed.")
    result = tally(vote_round)
    vote_round.closed_at = timezone.now()
    vote_round.average = result["average"]
    vote_round.replan = result["average"] is not None and result["average"] < REPLAN_BELOW
    vote_round.save(update_fields=["closed_at", "average", "replan"])
    return vote_round
