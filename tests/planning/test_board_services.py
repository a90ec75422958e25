"""Services of the program board: milestones, the board clock, the committed plan, the vote, readiness."""

import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from artops import services as core_services
from artops.models import ProgramIncrement
from planning import services
from planning.models import (
    DEFAULT_READINESS,
    BoardClock,
    Milestone,
    PlanBaseline,
    ReadinessItem,
    Vote,
    VoteRound,
)
from tests.factories import make_pi
from tests.planning.factories import FeatureFactory, ObjectiveFactory, PlacementFactory

# --- milestones and the board clock ------------------------------------------------------------


def test_milestone_lies_within_its_pi(product_manager, pi):
    milestone = services.create_milestone(pi, by=product_manager, name="Release 7", date=pi.start_date + timedelta(3))
    assert milestone.pk
    with pytest.raises(ValidationError, match="Choose a day within"):
        services.create_milestone(pi, by=product_manager, name="Too late", date=pi.end_date + timedelta(1))
    assert Milestone.objects.count() == 1


@pytest.mark.parametrize("persona", ["scrum_master", "business_owner", "team_member"])
def test_milestones_belong_to_the_backlog_owners(request, persona, pi):
    with pytest.raises(PermissionDenied):
        services.create_milestone(pi, by=request.getfixturevalue(persona), name="Mine", date=pi.start_date)
    assert not Milestone.objects.exists()


def test_every_board_change_moves_the_clock(rte, team, pi, art):
    feature = FeatureFactory(art=art, pi=pi)
    assert BoardClock.read(pi.pk) == 0
    placement = services.place_feature(feature, team=team, iteration=pi.iterations.development()[0], by=rte)
    services.move_placement(placement, iteration=pi.iterations.development()[1], by=rte, expected_version=1)
    services.create_milestone(pi, by=rte, name="Go-live", date=pi.start_date)
    assert BoardClock.read(pi.pk) == 3


# --- committing the plan -----------------------------------------------------------------------


def test_commit_plan_keeps_placements_and_objectives_once(rte, team, pi, art):
    first = pi.iterations.development()[0]
    PlacementFactory(feature=FeatureFactory(art=art, pi=pi), team=team, iteration=first)
    ObjectiveFactory(team=team, pi=pi, planned_business_value=8)
    baseline = services.commit_plan(pi, by=rte)
    assert baseline.placements.get().iteration == first
    assert baseline.objectives.get().planned_business_value == 8
    with pytest.raises(ValidationError, match="already committed"):
        services.commit_plan(pi, by=rte)
    assert PlanBaseline.objects.count() == 1


def test_only_the_rte_commits_the_plan(product_manager, pi):
    with pytest.raises(PermissionDenied):
        services.commit_plan(pi, by=product_manager)


# --- the confidence vote -----------------------------------------------------------------------


def test_team_round_is_voted_by_the_teams_members_only(rte, team, pi, scrum_master, team_member, business_owner):
    vote_round = services.open_vote(pi, by=rte, team=team)
    services.cast_vote(vote_round, by=scrum_master, value=4)
    services.cast_vote(vote_round, by=team_member, value=2, concern="Too many dependencies on Ledger")
    with pytest.raises(PermissionDenied):
        services.cast_vote(vote_round, by=business_owner, value=5)
    result = services.tally(vote_round)
    assert result["counts"] == {1: 0, 2: 1, 3: 0, 4: 1, 5: 0}
    assert result["average"] == Decimal("3.00")
    assert result["concerns"] == ["Too many dependencies on Ledger"]


def test_a_vote_changes_until_the_round_closes_and_a_low_average_means_replan(
    rte, pi, scrum_master, team_member, business_owner
):
    vote_round = services.open_vote(pi, by=rte)
    services.cast_vote(vote_round, by=scrum_master, value=5)
    services.cast_vote(vote_round, by=scrum_master, value=2)
    services.cast_vote(vote_round, by=team_member, value=2)
    services.cast_vote(vote_round, by=business_owner, value=4)
    assert Vote.objects.filter(round=vote_round).count() == 3
    closed = services.close_vote(vote_round, by=rte)
    assert (closed.average, closed.replan) == (Decimal("2.67"), True)
    with pytest.raises(ValidationError, match="closed"):
        services.cast_vote(vote_round, by=team_member, value=5)
    assert Vote.objects.get(round=vote_round, voter=team_member).value == 2
    # Re-plan: a new round of the same vote may open.
    assert services.open_vote(pi, by=rte).is_open


@pytest.mark.parametrize("value", [0, 6, -1])
def test_a_vote_off_the_fist_of_five_is_refused(rte, pi, team_member, value):
    vote_round = services.open_vote(pi, by=rte)
    with pytest.raises(ValidationError, match="from 1 to 5"):
        services.cast_vote(vote_round, by=team_member, value=value)
    assert not Vote.objects.exists()


def test_one_open_round_per_team_and_for_the_train(rte, team, pi):
    services.open_vote(pi, by=rte)
    services.open_vote(pi, by=rte, team=team)
    with pytest.raises(ValidationError, match="already open"):
        services.open_vote(pi, by=rte)
    with pytest.raises(ValidationError, match="already open"):
        services.open_vote(pi, by=rte, team=team)
    assert VoteRound.objects.count() == 2


def test_only_the_rte_opens_and_closes_rounds(rte, scrum_master, pi):
    with pytest.raises(PermissionDenied):
        services.open_vote(pi, by=scrum_master)
    vote_round = services.open_vote(pi, by=rte)
    with pytest.raises(PermissionDenied):
        services.close_vote(vote_round, by=scrum_master)


def test_a_high_vote_withdraws_the_concern(rte, pi, team_member):
    vote_round = services.open_vote(pi, by=rte)
    services.cast_vote(vote_round, by=team_member, value=1, concern="No capacity left")
    services.cast_vote(vote_round, by=team_member, value=4, concern="ignored")
    assert services.tally(vote_round)["concerns"] == []


# --- readiness ---------------------------------------------------------------------------------


def test_a_new_pi_gets_the_default_readiness_checklist(rte, art):
    pi = core_services.create_pi(art, name="PI 2031.1", start_date=date(2031, 1, 6), by=rte)
    assert list(ReadinessItem.objects.filter(pi=pi).values_list("title", flat=True)) == list(DEFAULT_READINESS)


def test_rte_adds_items_and_owners_tick_their_own(rte, product_manager, team_member, pi):
    item = services.add_readiness_item(pi, by=rte, title="Room booked for 120 people", owner=product_manager)
    item = services.update_readiness_item(item, by=product_manager, expected_version=1, done=True)
    assert item.done and item.done_at
    with pytest.raises(PermissionDenied):
        services.update_readiness_item(item, by=team_member, expected_version=2, done=False)
    with pytest.raises(PermissionDenied):
        services.add_readiness_item(pi, by=team_member, title="Snacks")
    with pytest.raises(services.StaleVersion):
        services.update_readiness_item(item, by=rte, expected_version=1, done=False)


def test_the_checklist_comes_from_create_pi_not_from_any_save(art):
    """An explicit hook (``artops.signals.pi_created``), not a ``post_save`` receiver: a PI row saved
    directly, as a data migration or the admin would, gets no checklist behind anyone's back."""
    bare = ProgramIncrement.objects.create(
        art=art,
        name="Bare",
        start_date=date(2033, 1, 3),
        end_date=date(2033, 3, 1),
        iteration_weeks=2,
        development_iterations=3,
    )
    assert not ReadinessItem.objects.filter(pi=bare).exists()
    assert services.create_default_readiness(bare) and services.create_default_readiness(bare) is not None
    assert ReadinessItem.objects.filter(pi=bare).count() == len(DEFAULT_READINESS)


def test_a_refused_checklist_rolls_the_new_pi_back(rte, art, monkeypatch):
    def broken(pi):
        raise ValidationError("The checklist could not be written.")

    monkeypatch.setattr(services, "create_default_readiness", broken)
    with pytest.raises(ValidationError, match="checklist could not"):
        core_services.create_pi(art, name="PI 2031.1", start_date=date(2031, 1, 6), by=rte)
    assert not ProgramIncrement.objects.filter(name="PI 2031.1").exists()


def test_planning_signals_import_nothing_of_planning():
    """The former services ↔ signals import cycle: the signals module stands alone."""
    code = (
        "import sys, planning.signals; print(sorted(m for m in sys.modules if m.startswith(('planning.', 'risks.'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603 (our own interpreter and code)
    assert result.stdout.strip() == "['planning.signals']"


def test_make_pi_does_not_skip_the_checklist(art):
    pi = make_pi(art, name="PI 2032.1", start=date(2032, 1, 5))
    assert ReadinessItem.objects.filter(pi=pi).count() == len(DEFAULT_READINESS)


def test_a_checklist_item_is_not_added_twice(rte, pi):
    with pytest.raises(ValidationError, match="already has that item"):
        services.add_readiness_item(pi, by=rte, title="capacities ENTERED")
    assert ReadinessItem.objects.filter(pi=pi).count() == len(DEFAULT_READINESS)


def test_renaming_an_item_to_a_title_the_checklist_has_is_refused_with_the_reason(rte, pi):
    """From the shell or a task too (no form or serializer checks first): the real reason, not a conflict."""
    item = ReadinessItem.objects.get(pi=pi, title="Capacities entered")
    with pytest.raises(ValidationError) as refused:
        services.update_readiness_item(item, by=rte, expected_version=1, title=" vision AND roadmap ready ")
    assert refused.value.message_dict == {
        "title": [
            "This checklist already has that item: a readiness item titled “Vision and roadmap ready” "
            "already exists for this PI."
        ]
    }
    item.refresh_from_db()
    assert (item.title, item.version) == ("Capacities entered", 1)
    # Its own title in another case is a rename, not a duplicate.
    renamed = services.update_readiness_item(item, by=rte, expected_version=1, title="CAPACITIES entered")
    assert renamed.title == "CAPACITIES entered"


def test_objective_statement_is_at_most_a_thousand_characters(scrum_master, team, pi):
    with pytest.raises(ValidationError, match="at most 1000"):
        services.create_objective(team, pi, by=scrum_master, statement="x" * 1001)


def test_renaming_or_moving_a_feature_on_the_board_moves_the_clock(product_manager, team, pi, art):
    feature = FeatureFactory(art=art, pi=pi)
    PlacementFactory(feature=feature, team=team, iteration=pi.iterations.development()[0])
    feature = services.update_feature(feature, by=product_manager, expected_version=1, description="Why")
    assert BoardClock.read(pi.pk) == 0  # the description is not on the card
    # WSJF orders the cards of a cell, highest first.
    feature = services.update_feature(feature, by=product_manager, expected_version=2, time_criticality=8)
    assert BoardClock.read(pi.pk) == 1
    feature = services.update_feature(feature, by=product_manager, expected_version=3, title="Renamed")
    assert BoardClock.read(pi.pk) == 2
    services.change_feature_state(feature, to="analyzing", by=product_manager, expected_version=4)
    assert BoardClock.read(pi.pk) == 3
