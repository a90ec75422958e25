"""The problem-solving workshop's rules, through the services: problems, causes and whys, dot voting
(allowance, limit per cause, lowering them), the Pareto order with ties, and the event's steps."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from metrics.ia import services
from metrics.ia.models import Bone, Cause, DotVote, InspectAdapt, Problem, Step
from tests.metrics.ia.conftest import causes_of

pytestmark = pytest.mark.django_db


# --- the event ---------------------------------------------------------------------------------------


def test_one_ia_per_pi(event, pi, rte):
    assert (event.held_on, event.state, event.step) == (pi.end_date, "scheduled", "opening")
    with pytest.raises(ValidationError, match="already has its Inspect & Adapt"):
        services.open_ia(pi, by=rte)
    assert InspectAdapt.objects.count() == 1


def test_only_the_rte_opens_and_moves_it(pi, product_manager, event, team_member):
    with pytest.raises(PermissionDenied, match="Release Train Engineer"):
        services.move_to_step(event, step=Step.PROBLEMS, by=team_member)
    event.delete()
    with pytest.raises(PermissionDenied):
        services.open_ia(pi, by=product_manager)


def test_the_first_move_starts_it_and_every_change_moves_the_version(event, rte, team_member):
    moved = services.move_to_step(event, step=Step.PROBLEMS, by=rte)
    assert (moved.state, moved.step, moved.version) == ("running", "problems", 2)
    services.add_problem(moved, by=team_member, what="Builds are slow")
    assert InspectAdapt.objects.get().version == 3
    with pytest.raises(ValidationError, match="not a step"):
        services.move_to_step(moved, step="party", by=rte)


def test_once_held_the_workshop_no_longer_changes(event, rte, problem, team_member):
    held = services.close_ia(event, by=rte)
    assert held.state == "held" and held.review is not None
    with pytest.raises(ValidationError, match="held"):
        services.add_problem(held, by=team_member, what="Too late")
    with pytest.raises(ValidationError, match="held"):
        services.add_cause(problem, by=team_member, bone=Bone.TOOLS, text="Too late")
    assert Problem.objects.count() == 1


# --- 1. problems, 2. causes and whys ------------------------------------------------------------------


@pytest.mark.parametrize("what", ["", "   ", None])
def test_a_problem_needs_its_what(event, team_member, what):
    with pytest.raises(ValidationError) as refused:
        services.add_problem(event, by=team_member, what=what, where="Team boards", impact="Late")
    assert refused.value.message_dict == {"what": ["Say what the problem is."]}
    assert not Problem.objects.exists()


def test_every_member_adds_problems_and_causes_outsiders_do_not(event, team_member, business_owner, outsider):
    problem = services.add_problem(event, by=business_owner, what="Demos show slides", when="Every System Demo")
    services.add_cause(problem, by=team_member, bone=Bone.ENVIRONMENT, text="No integration environment")
    with pytest.raises(PermissionDenied):
        services.add_problem(event, by=outsider, what="Intruding")
    with pytest.raises(PermissionDenied):
        services.add_cause(problem, by=outsider, bone=Bone.TOOLS, text="Intruding")


def test_a_cause_sits_on_one_of_the_five_bones(problem, team_member):
    with pytest.raises(ValidationError, match="Choose a bone"):
        services.add_cause(problem, by=team_member, bone="luck", text="Bad luck")
    assert not Cause.objects.exists()


def test_five_whys_at_most(problem, team_member):
    (cause,) = causes_of(problem, team_member, "Stories are too big")
    for number in range(1, 6):
        cause = services.add_why(cause, by=team_member, text=f"Why {number}")
    assert cause.whys == [f"Why {n}" for n in range(1, 6)]
    with pytest.raises(ValidationError, match="already has its 5 whys"):
        services.add_why(cause, by=team_member, text="Why 6")
    assert len(Cause.objects.get().whys) == 5


# --- 3. dot voting -------------------------------------------------------------------------------------


def test_votes_beyond_the_allowance_are_refused(voting, problem, team_member):
    causes = causes_of(problem, team_member, "A", "B", "C")
    for cause in (causes[0], causes[0], causes[1], causes[1], causes[2]):
        services.cast_vote(cause, by=team_member)
    with pytest.raises(ValidationError, match="You have used all 5 of your votes"):
        services.cast_vote(causes[2], by=team_member)
    assert DotVote.objects.count() == 5


def test_votes_beyond_the_limit_per_cause_are_refused(voting, problem, team_member):
    (cause,) = causes_of(problem, team_member, "A")
    for _ in range(3):
        services.cast_vote(cause, by=team_member)
    with pytest.raises(ValidationError, match="already put 3 votes on this cause"):
        services.cast_vote(cause, by=team_member)
    assert DotVote.objects.count() == 3


def test_voting_is_open_at_step_three_only(event, problem, team_member):
    (cause,) = causes_of(problem, team_member, "A")
    with pytest.raises(ValidationError, match="step 3 only"):
        services.cast_vote(cause, by=team_member)


def test_a_vote_is_taken_back_newest_first(voting, problem, team_member, rte):
    (cause,) = causes_of(problem, team_member, "A")
    first = services.cast_vote(cause, by=team_member)
    services.cast_vote(cause, by=team_member)
    services.withdraw_vote(cause, by=team_member)
    assert list(DotVote.objects.values_list("pk", flat=True)) == [first.pk]
    with pytest.raises(ValidationError, match="no vote on this cause"):
        services.withdraw_vote(cause, by=rte)


def test_lowering_the_allowance_takes_back_the_excess_newest_first(voting, problem, team_member, scrum_master, rte):
    a, b, c = causes_of(problem, team_member, "A", "B", "C")
    for cause in (a, a, a, b, c):
        services.cast_vote(cause, by=team_member)
    for cause in (b, b):
        services.cast_vote(cause, by=scrum_master)
    change = services.set_vote_allowance(voting, votes_per_person=3, votes_per_cause=2, by=rte)
    # Team member: the third vote on A goes (limit 2), then the newest beyond 3 (C); scrum master keeps both.
    assert change.removed == 2
    mine = sorted(DotVote.objects.filter(voter=team_member).values_list("cause__text", flat=True))
    assert mine == ["A", "A", "B"]
    assert DotVote.objects.filter(voter=scrum_master).count() == 2
    assert (change.event.votes_per_person, change.event.votes_per_cause) == (3, 2)


@pytest.mark.parametrize(
    ("per_person", "per_cause", "field", "message"),
    [
        (0, 1, "votes_per_person", "1 to 12 votes"),
        (13, 3, "votes_per_person", "1 to 12 votes"),
        (3, 4, "votes_per_cause", "cannot be above the votes each person has"),
        (5, 0, "votes_per_cause", "1 to 12"),
    ],
)
def test_the_allowance_stays_in_its_bounds(voting, rte, per_person, per_cause, field, message):
    with pytest.raises(ValidationError) as refused:
        services.set_vote_allowance(voting, votes_per_person=per_person, votes_per_cause=per_cause, by=rte)
    assert message in " ".join(refused.value.message_dict[field])
    assert InspectAdapt.objects.values_list("votes_per_person", "votes_per_cause").get() == (5, 3)


def test_only_the_facilitator_sets_the_allowance(voting, scrum_master):
    with pytest.raises(PermissionDenied):
        services.set_vote_allowance(voting, votes_per_person=3, votes_per_cause=1, by=scrum_master)


def test_pareto_most_votes_first_ties_to_the_cause_added_first(voting, problem, team_member, scrum_master, rte):
    _, b, c, d = causes_of(problem, team_member, "A", "B", "C", "D")
    for voter, cause in [(team_member, c), (team_member, c), (scrum_master, b), (scrum_master, d), (rte, d)]:
        services.cast_vote(cause, by=voter)
    bars = services.pareto(voting)
    # C and D tie at 2 votes: C was added first. Then B with 1, then A with none.
    assert [(bar.cause.text, bar.votes, bar.cumulative) for bar in bars] == [
        ("C", 2, 40),
        ("D", 2, 80),
        ("B", 1, 100),
        ("A", 0, 100),
    ]


def test_pareto_without_votes(event, problem, team_member):
    causes_of(problem, team_member, "A", "B")
    assert [(bar.cause.text, bar.votes, bar.cumulative) for bar in services.pareto(event)] == [("A", 0, 0), ("B", 0, 0)]


def test_votes_left_reads_only_ones_own_votes(voting, problem, team_member, rte, django_assert_num_queries):
    a, b = causes_of(problem, team_member, "A", "B")
    services.cast_vote(a, by=team_member)
    services.cast_vote(a, by=rte)
    services.cast_vote(b, by=rte)
    with django_assert_num_queries(1):
        assert services.votes_left(voting, team_member) == (4, {a.pk: 1})


# --- 4. restatement, 5. solutions ----------------------------------------------------------------------


def test_restate_the_chosen_cause(event, problem, team_member, rte, other_art):
    (cause,) = causes_of(problem, team_member, "A")
    restated = services.restate_problem(event, cause=cause, text="How might we slice stories thinner?", by=rte)
    assert (restated.chosen_cause, restated.restated_problem) == (cause, "How might we slice stories thinner?")
    with pytest.raises(ValidationError, match="Write the restated problem"):
        services.restate_problem(event, cause=cause, text=" ", by=rte)
    with pytest.raises(PermissionDenied):
        services.restate_problem(event, cause=cause, text="Mine", by=team_member)


def test_brainstormed_solutions(event, team_member):
    solution = services.add_solution(event, text="Story-splitting workshop", by=team_member)
    assert solution.text == "Story-splitting workshop"
    with pytest.raises(ValidationError, match="Write the solution"):
        services.add_solution(event, text="", by=team_member)
