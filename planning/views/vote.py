"""The confidence vote of PI Planning: fist of five, first per team, then for the whole train.

The vote page of a PI lists the open rounds a person may vote in, with big 1–5 buttons that
work on a phone, and the past rounds with their results. The RTE opens a round for one team
or for the whole train and closes it. A round's page shows the live tally: a fragment that
htmx polls every two seconds while the round is open.

Votes are anonymous to everyone but the voter: no page or fragment renders who voted what.
Pages read only counts per value, the average and the concerns, sorted by their text so that
their order says nothing about who wrote them or when. A voter sees their own vote only.

Answers: a vote off the fist of five or in a closed round 422 with the message, nothing
saved; a person outside a team voting in the team's round 403; opening or closing by anyone
but the RTE 403; another train's PI or round 404.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from artops.models import ART, Membership, ProgramIncrement, Team, User
from artops.pages import OK, answer, attempt, partial, pi_of, refused
from artops.permissions import art_capability_required, has_capability, require
from planning import services
from planning.forms.vote import VOTE_MEANINGS, OpenRoundForm, VoteForm
from planning.models import VOTE_VALUES, Tally, Vote, VoteRound

NAV_SECTION = "plan"

HOME_TEMPLATE = "planning/vote.html"
ROUND_TEMPLATE = "planning/vote_round.html"
POLL_SECONDS = 2


@dataclass(frozen=True)
class Bar:
    """One value of the fist of five in a tally: how many chose it, and its share of the votes."""

    value: int
    meaning: str
    count: int
    percent: int


def bars(tally: Tally) -> list[Bar]:
    """The tally as the round's page draws it: one bar per value, its share of the votes."""
    total = tally.votes
    return [
        Bar(value, VOTE_MEANINGS[value], count, round(100 * count / total) if total else 0)
        for value, count in tally.counts.items()
    ]


@dataclass
class Ballot:
    """A round as one person sees it: may they vote, what they chose, the form and its messages."""

    round: VoteRound
    # Shown beside the ballot on the vote page; the ballot itself never needs it.
    tally: Tally | None = None
    can_vote: bool = False
    my_value: int | None = None
    form: VoteForm | None = None
    error: str = ""
    notice: str = ""
    buttons: list[tuple[int, str]] = field(default_factory=list)

    @property
    def concern_invited(self) -> bool:
        return self.my_value is not None and self.my_value <= 2


@dataclass(frozen=True)
class Electorate:
    """How many people may vote: in a round of the whole train, and in each team's round."""

    train: int
    teams: dict[int, int]

    @classmethod
    def of(cls, art: ART) -> Electorate:
        """Read in one query whatever the number of rounds: the train's active members, by team."""
        rows = set(
            Membership.objects.filter(art=art, user__is_active=True).values_list("user_id", "team_id").distinct()
        )
        teams = Counter(team_id for _user, team_id in {(user, team) for user, team in rows if team is not None})
        return cls(train=len({user for user, _team in rows}), teams=dict(teams))

    def of_round(self, vote_round: VoteRound) -> int:
        return self.train if vote_round.team_id is None else self.teams.get(vote_round.team_id, 0)


def turnout(vote_round: VoteRound, electorate: Electorate) -> str:
    """ "k of n members voted": the votes of a round against who may vote in it."""
    return f"{vote_round.tally.votes} of {electorate.of_round(vote_round)} members voted"


def label_rounds(rounds: list[VoteRound]) -> None:
    """Give each round a label that tells it from the others of its scope: "Checkout, round 2".

    Rounds are numbered per team (or the whole train) in the order they were opened; a scope
    with one round keeps its plain name.
    """
    totals = Counter(vote_round.team_id for vote_round in rounds)
    seen: Counter = Counter()
    for vote_round in sorted(rounds, key=lambda r: (r.opened_at, r.pk)):
        seen[vote_round.team_id] += 1
        name = vote_round.scope_name[:1].upper() + vote_round.scope_name[1:]
        vote_round.label = f"{name}, round {seen[vote_round.team_id]}" if totals[vote_round.team_id] > 1 else name


def _buttons() -> list[tuple[int, str]]:
    return [(value, VOTE_MEANINGS[value]) for value in VOTE_VALUES]


def _ballot(
    user: User,
    vote_round: VoteRound,
    *,
    tally: Tally | None = None,
    my_vote: tuple[int, str] | None,
    form: VoteForm | None = None,
    error: str = "",
    notice: str = "",
) -> Ballot:
    can_vote = vote_round.is_open and services.can_vote_in(user, vote_round)
    my_value, my_concern = my_vote or (None, "")
    if can_vote and form is None:
        form = VoteForm(initial={"concern": my_concern}, auto_id=f"round-{vote_round.pk}-%s")
    return Ballot(
        round=vote_round,
        tally=tally,
        can_vote=can_vote,
        my_value=my_value,
        form=form,
        error=error,
        notice=notice,
        buttons=_buttons(),
    )


def _home_context(
    request: HttpRequest,
    art: ART,
    pi: ProgramIncrement,
    *,
    open_form: OpenRoundForm | None = None,
    refused: dict[int, dict] | None = None,
) -> dict:
    """What the vote page shows; ``refused`` holds a refused ballot's form and message per round id."""
    user = request.user
    can_facilitate = has_capability(user, "planning.facilitate", art=art)
    rounds = list(VoteRound.objects.filter(pi=pi).with_tally().select_related("team"))
    electorate = Electorate.of(art)
    for vote_round in rounds:
        vote_round.pi = pi
        vote_round.turnout = turnout(vote_round, electorate)
    label_rounds(rounds)
    mine = {
        round_id: (value, concern)
        for round_id, value, concern in Vote.objects.filter(round__pi=pi, voter=user).values_list(
            "round_id", "value", "concern"
        )
    }
    refused = refused or {}
    ballots = [
        _ballot(
            user,
            vote_round,
            tally=vote_round.tally,
            my_vote=mine.get(vote_round.pk),
            **refused.get(vote_round.pk, {}),
        )
        for vote_round in rounds
        if vote_round.is_open
    ]
    if can_facilitate and open_form is None:
        open_form = OpenRoundForm(teams=_active_teams(art), auto_id="open-round-%s")
    return {
        "art": art,
        "pi": pi,
        "mine": [ballot for ballot in ballots if ballot.can_vote],
        "others": [ballot for ballot in ballots if not ballot.can_vote],
        "past": [(vote_round, vote_round.tally) for vote_round in rounds if not vote_round.is_open],
        "values": VOTE_VALUES,
        "can_facilitate": can_facilitate,
        "open_form": open_form,
    }


def _active_teams(art: ART) -> list[Team]:
    return list(Team.objects.for_art(art).active().order_by("name", "id"))


def _round_of(art: ART, round_id: int) -> VoteRound:
    """A round of this train (404 otherwise), with its PI, team and tally."""
    rounds = VoteRound.objects.filter(pi__art=art).with_tally().select_related("pi__art", "team", "opened_by")
    return get_object_or_404(rounds, pk=round_id)


@art_capability_required("art.view")
@require_GET
def vote_home(request: HttpRequest, pi_id: int) -> HttpResponse:
    """The open rounds the person votes in, the others' open rounds, past results; the RTE opens rounds."""
    art: ART = request.art
    pi = pi_of(art, pi_id)
    return render(request, HOME_TEMPLATE, _home_context(request, art, pi))


@art_capability_required("art.view")
@require_POST
def vote_open(request: HttpRequest, pi_id: int) -> HttpResponse:
    """The RTE opens a round for one team or for the whole train."""
    art: ART = request.art
    pi = pi_of(art, pi_id)
    require(request.user, "planning.facilitate", art=art)
    teams = _active_teams(art)
    form = OpenRoundForm(request.POST, teams=teams, auto_id="open-round-%s")
    # Opening is a plain form post: its errors show on the whole page.
    outcome = attempt(form, lambda: services.open_vote(pi, by=request.user, team=form.cleaned_data["team"]))
    if outcome.done:
        vote_round = outcome.result
        messages.success(request, f"The round of {vote_round.scope_name} is open: votes can come in.")
        return redirect("vote_round", art_slug=art.slug, round_id=vote_round.pk)
    context = _home_context(request, art, pi, open_form=form)
    return render(request, HOME_TEMPLATE, context, status=outcome.status)


def _round_context(
    request: HttpRequest, art: ART, vote_round: VoteRound, *, error: str = "", ballot: Ballot | None = None
) -> dict:
    user = request.user
    can_facilitate = has_capability(user, "planning.facilitate", art=art)
    vote_round.turnout = turnout(vote_round, Electorate.of(art))
    return {
        "art": art,
        "pi": vote_round.pi,
        "round": vote_round,
        "tally": vote_round.tally,
        "bars": bars(vote_round.tally),
        "can_facilitate": can_facilitate,
        "poll_seconds": POLL_SECONDS,
        "error": error,
        "ballot": ballot,
    }


def _round_ballot(request: HttpRequest, art: ART, vote_round: VoteRound) -> Ballot | None:
    """The person's ballot on the round's page, when the round is open and theirs to vote in."""
    user = request.user
    if not (vote_round.is_open and services.can_vote_in(user, vote_round)):
        return None
    mine = Vote.objects.filter(round=vote_round, voter=user).values_list("value", "concern").first()
    return _ballot(user, vote_round, my_vote=mine)


@art_capability_required("art.view")
@require_GET
@vary_on_headers("HX-Request")
def vote_round(request: HttpRequest, round_id: int) -> HttpResponse:
    """A round's live tally; htmx polls its fragment every two seconds until the round closes."""
    art: ART = request.art
    vote_round = _round_of(art, round_id)
    template = partial(request, ROUND_TEMPLATE, "vote-tally")
    # The polled fragment shows the tally only: the ballot stays as the person left it.
    ballot = None if template != ROUND_TEMPLATE else _round_ballot(request, art, vote_round)
    return render(request, template, _round_context(request, art, vote_round, ballot=ballot))


def _after_vote_url(request: HttpRequest, vote_round: VoteRound) -> str:
    """Where a vote made without JavaScript returns: the round's page, or the round on the vote page."""
    if request.POST.get("return_to") == "round":
        return reverse("vote_round", kwargs={"art_slug": vote_round.pi.art.slug, "round_id": vote_round.pk})
    return f"{_home_url(vote_round)}#round-{vote_round.pk}"


def _home_url(vote_round: VoteRound) -> str:
    return reverse("vote_home", kwargs={"art_slug": vote_round.pi.art.slug, "pi_id": vote_round.pi_id})


def _vote_notice(vote: Vote) -> str:
    notice = f"Your vote of {vote.value} is in. You can change it until the round closes."
    if vote.value <= 2 and not vote.concern:
        notice += " Tell us your concern below if you like."
    return notice


@art_capability_required("art.view")
@require_POST
def vote_cast(request: HttpRequest, round_id: int) -> HttpResponse:
    """Vote 1–5 in an open round (again, to change the vote); a concern is invited for 1 or 2."""
    art: ART = request.art
    user = request.user
    vote_round = _round_of(art, round_id)
    # Who may vote before the input: someone outside the team learns nothing from validation.
    try:
        services.require_vote_in(user, vote_round)
    except PermissionDenied as denied:
        if request.htmx:
            return HttpResponse(str(denied), status=403, content_type="text/plain; charset=utf-8")
        raise
    form = VoteForm(request.POST, auto_id=f"round-{vote_round.pk}-%s")

    def cast() -> Vote:
        data = form.cleaned_data
        return services.cast_vote(vote_round, by=user, value=data["value"], concern=data["concern"])

    if vote_round.is_open:
        outcome = attempt(form, cast)
    else:
        outcome = refused("This round is closed: votes can no longer change.")

    def show(status: int, *, error: str = "", notice: str = "") -> HttpResponse:
        """The ballot for htmx; without JavaScript, the vote page with the refused ballot."""
        if request.htmx:
            if outcome.done:
                my_vote = (outcome.result.value, outcome.result.concern)
            else:
                my_vote = Vote.objects.filter(round=vote_round, voter=user).values_list("value", "concern").first()
            ballot = _ballot(
                user,
                vote_round,
                my_vote=my_vote,
                form=form if error and vote_round.is_open else None,
                error=error,
                notice=notice,
            )
            # The round's count as it is now, swapped in beside the ballot (out of band): the page
            # says "k of n members voted" right after the vote, without a reload.
            counted = _round_of(art, vote_round.pk)
            ballot.turnout = turnout(counted, Electorate.of(art))
            ballot.votes = counted.tally.votes
            context = {"art": art, "ballot": ballot, "with_turnout": True}
            return render(request, f"{HOME_TEMPLATE}#ballot", context, status=status)
        ballots = {vote_round.pk: {"form": form, "error": error}} if vote_round.is_open else {}
        context = _home_context(request, art, vote_round.pi, refused=ballots)
        if not vote_round.is_open:
            context["vote_error"] = error
        return render(request, HOME_TEMPLATE, context, status=status)

    return answer(request, outcome, show=show, redirect_to=_after_vote_url(request, vote_round), notice=_vote_notice)


@art_capability_required("art.view")
@require_POST
def vote_close(request: HttpRequest, round_id: int) -> HttpResponse:
    """The RTE closes a round: its result is kept, and an average below 3 marks it "re-plan"."""
    art: ART = request.art
    vote_round = _round_of(art, round_id)
    require(request.user, "planning.facilitate", art=art)
    outcome = attempt(None, lambda: services.close_vote(vote_round, by=request.user))

    def show(status: int = OK, *, error: str = "", notice: str = "") -> HttpResponse:
        """The tally (for htmx) or the round's page; a refused close reads the round again."""
        # Read again, with the tally (and, once closed, the kept average).
        shown = _round_of(art, round_id)
        template = partial(request, ROUND_TEMPLATE, "vote-tally")
        return render(request, template, _round_context(request, art, shown, error=error), status=status)

    def closed(vote_round: VoteRound) -> str:
        average = "no votes" if vote_round.average is None else f"average {vote_round.average}"
        verdict = ": re-plan" if vote_round.replan else ""
        return f"The round of {vote_round.scope_name} is closed ({average}){verdict}."

    redirect_to = reverse("vote_round", kwargs={"art_slug": art.slug, "round_id": vote_round.pk})
    return answer(request, outcome, show=show, redirect_to=redirect_to, notice=closed)
