"""The reads that several pages and endpoints share, as queryset methods and model rules:
the vote tally, load against capacity, the board clock, dependency health, capacity bounds."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from artops.models import ProgramIncrement
from planning import services
from planning.models import BoardClock, Health, Tally, TeamCapacity, Vote, VoteRound, load_percent
from tests.planning.factories import CapacityFactory, StoryFactory

# --- the vote tally ----------------------------------------------------------------------------


def test_with_tally_counts_each_rounds_votes_in_one_query(pi, rte, team_member, django_assert_num_queries):
    voted = services.open_vote(pi, by=rte)
    Vote.objects.create(round=voted, voter=rte, value=5)
    Vote.objects.create(round=voted, voter=team_member, value=2, concern="Zebra crossing")
    empty = VoteRound.objects.create(
        pi=pi, team=None, opened_by=rte, opened_at=voted.opened_at, closed_at=voted.opened_at
    )
    with django_assert_num_queries(1):
        tallies = {vote_round.pk: vote_round.tally for vote_round in VoteRound.objects.with_tally()}
    assert tallies[voted.pk] == Tally({1: 0, 2: 1, 3: 0, 4: 0, 5: 1}, ("Zebra crossing",))
    assert (tallies[voted.pk].votes, tallies[voted.pk].average) == (2, Decimal("3.50"))
    assert (tallies[empty.pk].votes, tallies[empty.pk].average, tallies[empty.pk].concerns) == (0, None, ())
    assert services.tally(voted) == tallies[voted.pk].as_dict()


def test_a_tally_is_read_only_where_it_was_annotated(pi, rte):
    vote_round = services.open_vote(pi, by=rte)
    with pytest.raises(AttributeError, match="with_tally"):
        vote_round.tally  # noqa: B018


def test_concerns_are_sorted_by_their_text():
    assert Tally.of({3: 2}, ["b", "a"]) == Tally({1: 0, 2: 0, 3: 2, 4: 0, 5: 0}, ("a", "b"))
    assert Tally.of({1: 1, 2: 1}).average == Decimal("1.50")


# --- load against capacity ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "capacity", "percent", "overloaded"),
    [(0, Decimal(40), 0, False), (20, Decimal(40), 50, False), (41, Decimal(40), 103, True),
     (1, Decimal(3), 33, False), (1, Decimal(2), 50, False), (5, Decimal(0), None, True), (0, Decimal(0), None, False)],
)  # fmt: skip
def test_load_percent_and_overload(team, pi, points, capacity, percent, overloaded):
    first = pi.iterations.development().first()
    CapacityFactory(team=team, iteration=first, fte=0, velocity=int(capacity))
    if points:
        StoryFactory(team=team, pi=pi, iteration=first, points=points)
    row = TeamCapacity.objects.with_load().get()
    assert (row.load, row.load_percent, row.overloaded) == (points, percent, overloaded)
    assert load_percent(points, capacity) == percent


def test_with_load_counts_only_the_rows_team_and_iteration(team, other_team, pi, django_assert_num_queries):
    first, second = pi.iterations.development()[:2]
    for capacity_team, iteration in ((team, first), (team, second), (other_team, first)):
        CapacityFactory(team=capacity_team, iteration=iteration)
    StoryFactory(team=team, pi=pi, iteration=first, points=5)
    StoryFactory(team=team, pi=pi, iteration=first, points=8)
    StoryFactory(team=other_team, pi=pi, iteration=second, points=3)
    StoryFactory(team=team, pi=pi, iteration=None, points=13)
    with django_assert_num_queries(1):
        loads = {(row.team_id, row.iteration_id): row.load for row in TeamCapacity.objects.with_load()}
    assert loads == {(team.pk, first.pk): 13, (team.pk, second.pk): 0, (other_team.pk, first.pk): 0}


# --- capacity bounds: on the model only --------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("fte", Decimal("50.01"), "A team has at most 50 full-time developers and testers."),
        ("fte", Decimal("-1"), "People and days off cannot be negative."),
        ("vacation_days", Decimal("500.5"), "At most 500 vacation person-days."),
        ("holiday_days", Decimal("501"), "At most 500 holiday person-days."),
        ("velocity", 1000, "Measured velocity is at most 999 points."),
    ],
)
def test_capacity_bounds_are_the_models(team, pi, field, value, message):
    capacity = TeamCapacity(team=team, iteration=pi.iterations.development().first(), **{field: value})
    with pytest.raises(ValidationError) as refused:
        capacity.full_clean()
    assert message in refused.value.message_dict[field]
    # The field's validators carry the bound and its message, for forms and serializers to reuse.
    with pytest.raises(ValidationError, match=message):
        TeamCapacity._meta.get_field(field).run_validators(value)


def test_the_database_refuses_a_capacity_out_of_bounds(team, pi):
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamCapacity.objects.create(team=team, iteration=pi.iterations.development().first(), velocity=1000)


# --- the board clock ---------------------------------------------------------------------------


def test_the_board_version_is_read_with_the_pi(art, pi, django_assert_num_queries):
    later = ProgramIncrement.objects.create(
        art=art, name="Later", start_date=date(2027, 1, 4), end_date=date(2027, 3, 14), iteration_weeks=2,
        development_iterations=4,
    )  # fmt: skip
    BoardClock.tick(pi.pk)
    BoardClock.tick(pi.pk)
    with django_assert_num_queries(1):
        versions = dict(
            ProgramIncrement.objects.annotate(board_version=BoardClock.version_of()).values_list("pk", "board_version")
        )
    assert versions == {pi.pk: 2, later.pk: 0}
    assert BoardClock.read(pi.pk) == 2 and BoardClock.read(later.pk) == 0
    by_outer_field = ProgramIncrement.objects.filter(pk=pi.pk).annotate(v=BoardClock.version_of("id"))
    assert by_outer_field.get().v == 2


# --- dependency health: one rule ---------------------------------------------------------------

MONDAY = date(2026, 10, 5)


@pytest.mark.parametrize(
    ("state", "planned", "expected"),
    [
        ("requested", MONDAY - timedelta(14), Health.GREEN),
        ("committed", MONDAY, Health.AMBER),
        ("at_risk", MONDAY + timedelta(14), Health.RED),
        ("blocked", None, Health.UNPLANNED),
        ("delivered", MONDAY + timedelta(14), Health.GREEN),
        ("cancelled", MONDAY - timedelta(14), Health.CLOSED),
    ],
)
def test_health_of_a_plan_against_its_need(state, planned, expected):
    assert Health.of(state, planned, MONDAY) is expected
