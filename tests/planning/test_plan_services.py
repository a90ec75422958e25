"""Services of the team plans and PI objectives: the SAFe rules, the capabilities, the versions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from artops import services as core_services
from planning import services
from planning.models import (
    FeaturePlacement,
    ObjectiveChange,
    PIObjective,
    PlacementChange,
    Story,
    TeamCapacity,
    normalised_capacity,
    predictability,
)
from tests.factories import TeamFactory, make_pi
from tests.planning.factories import FeatureFactory, ObjectiveFactory, PlacementFactory, StoryFactory

# --- capacity --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fte", "vacation", "holiday", "velocity", "normalised", "capacity"),
    [
        # DESIGN.md: 3 developers + 2 testers + 1 PO (not developing), no time off.
        (Decimal(5), 0, 0, None, 40, 40),
        # DESIGN.md: 7 developers, 2 holidays each, 3 vacation days.
        (Decimal(7), 3, 14, None, 39, 39),
        # Part-timers count their fraction.
        (Decimal("4.5"), 0, 0, None, 36, 36),
        (Decimal("2.25"), Decimal("0.5"), 0, None, Decimal("17.5"), Decimal("17.5")),
        # Never below zero.
        (Decimal(1), 10, 0, None, 0, 0),
        # A measured velocity replaces the normalised capacity.
        (Decimal(5), 0, 0, 31, 40, 31),
        (Decimal(5), 0, 0, 0, 40, 0),
    ],
)
def test_capacity_is_normalised_or_measured(rte, team, pi, fte, vacation, holiday, velocity, normalised, capacity):
    iteration = pi.iterations.development()[0]
    saved = services.set_capacity(
        team, iteration, by=rte, fte=fte, vacation_days=vacation, holiday_days=holiday, velocity=velocity
    )
    assert saved.normalised == normalised == normalised_capacity(fte, vacation, holiday)
    assert saved.capacity == capacity


def test_capacity_is_one_row_per_team_and_iteration(scrum_master, team, pi):
    iteration = pi.iterations.development()[0]
    services.set_capacity(team, iteration, by=scrum_master, fte=5)
    services.set_capacity(team, iteration, by=scrum_master, fte=6, holiday_days=2)
    assert TeamCapacity.objects.get(team=team, iteration=iteration).capacity == 46


def test_capacity_refused_in_the_ip_iteration_and_when_negative(rte, team, pi):
    with pytest.raises(ValidationError, match="IP iteration"):
        services.set_capacity(team, pi.iterations.ip().get(), by=rte, fte=5)
    with pytest.raises(ValidationError):
        services.set_capacity(team, pi.iterations.development()[0], by=rte, fte=-1)
    assert not TeamCapacity.objects.exists()


def test_scrum_master_sets_only_their_own_teams_capacity(scrum_master, other_team, pi):
    with pytest.raises(PermissionDenied):
        services.set_capacity(other_team, pi.iterations.development()[0], by=scrum_master, fte=5)
    assert not TeamCapacity.objects.exists()


# --- stories ---------------------------------------------------------------------------------


def test_loads_sum_points_per_team_and_iteration(team, other_team, pi):
    first, second = pi.iterations.development()[:2]
    StoryFactory(team=team, pi=pi, iteration=first, points=5)
    StoryFactory(team=team, pi=pi, iteration=first, points=8)
    StoryFactory(team=team, pi=pi, iteration=second, points=2)
    StoryFactory(team=other_team, pi=pi, iteration=first, points=13)
    StoryFactory(team=team, pi=pi, iteration=None, points=20)
    assert Story.objects.for_pi(pi).loads() == {
        (team.pk, first.pk): 13,
        (team.pk, second.pk): 2,
        (other_team.pk, first.pk): 13,
    }


def test_story_refused_in_the_ip_iteration(scrum_master, team, pi):
    with pytest.raises(ValidationError, match="IP iteration"):
        services.create_story(
            team, pi, by=scrum_master, title="Hardening", points=3, iteration=pi.iterations.ip().get()
        )
    story = StoryFactory(team=team, pi=pi, iteration=pi.iterations.development()[0])
    with pytest.raises(ValidationError, match="IP iteration"):
        services.move_story(story, iteration=pi.iterations.ip().get(), by=scrum_master, expected_version=1)
    story.refresh_from_db()
    assert story.iteration == pi.iterations.development()[0] and story.version == 1
    assert Story.objects.count() == 1


@pytest.mark.parametrize(("points", "message"), [(-1, "cannot be negative"), (101, "between 0 and 100")])
def test_story_points_out_of_range_are_refused(scrum_master, team, pi, points, message):
    with pytest.raises(ValidationError, match=message):
        services.create_story(team, pi, by=scrum_master, title="Spike", points=points)
    assert not Story.objects.exists()


def test_story_refused_into_another_pis_iteration(scrum_master, team, art, pi):
    later = make_pi(art, name="PI 2027.1", start=pi.end_date + timedelta(days=1))
    other_iteration = later.iterations.development()[0]
    with pytest.raises(ValidationError, match="Choose an iteration of"):
        services.create_story(team, pi, by=scrum_master, title="Wrong PI", iteration=other_iteration)


def test_move_story_changes_the_iteration_and_the_version(scrum_master, team, pi):
    first, second = pi.iterations.development()[:2]
    story = StoryFactory(team=team, pi=pi, iteration=first)
    moved = services.move_story(story, iteration=second, by=scrum_master, expected_version=1)
    assert (moved.iteration, moved.version) == (second, 2)
    with pytest.raises(services.StaleVersion, match="a moment ago"):
        services.move_story(story, iteration=first, by=scrum_master, expected_version=1)
    assert Story.objects.get().iteration == second


def test_scrum_master_cannot_change_another_teams_board(scrum_master, other_team, pi):
    story = StoryFactory(team=other_team, pi=pi, iteration=pi.iterations.development()[0])
    with pytest.raises(PermissionDenied):
        services.move_story(story, iteration=pi.iterations.development()[1], by=scrum_master, expected_version=1)
    with pytest.raises(PermissionDenied):
        services.create_story(other_team, pi, by=scrum_master, title="Sneaky")
    assert Story.objects.get().iteration == pi.iterations.development()[0]


def test_team_member_changes_only_the_stories_they_own(team_member, scrum_master, team, pi):
    own = services.create_story(team, pi, by=team_member, title="Mine", points=2)
    assert own.owner == team_member
    services.update_story(own, by=team_member, expected_version=1, state=Story.State.IN_PROGRESS)
    theirs = StoryFactory(team=team, pi=pi, owner=scrum_master)
    with pytest.raises(PermissionDenied, match="only the stories you own"):
        services.update_story(theirs, by=team_member, expected_version=1, points=13)
    with pytest.raises(PermissionDenied):
        services.update_story(own, by=team_member, expected_version=2, owner=scrum_master)


def test_business_owner_cannot_touch_a_team_plan(business_owner, team, pi):
    with pytest.raises(PermissionDenied):
        services.create_story(team, pi, by=business_owner, title="Mine")


def test_pi_schedule_is_frozen_once_stories_are_planned(rte, team, pi):
    StoryFactory(team=team, pi=pi, iteration=pi.iterations.development()[0])
    with pytest.raises(ValidationError, match="already planned"):
        core_services.update_pi(pi, by=rte, development_iterations=5)
    assert pi.iterations.count() == 5


def test_pi_schedule_may_change_while_stories_are_unplanned(rte, team, pi):
    StoryFactory(team=team, pi=pi, iteration=None)
    core_services.update_pi(pi, by=rte, development_iterations=5)
    assert pi.iterations.count() == 6


# --- feature placements ----------------------------------------------------------------------


@pytest.fixture
def feature(art, pi):
    return FeatureFactory(art=art, pi=pi)


def test_place_and_move_a_feature_records_every_change(scrum_master, team, pi, feature):
    first, second = pi.iterations.development()[:2]
    placement = services.place_feature(feature, team=team, iteration=first, by=scrum_master)
    moved = services.move_placement(placement, iteration=second, by=scrum_master, expected_version=1)
    assert (moved.iteration, moved.version) == (second, 2)
    services.remove_placement(moved, by=scrum_master, expected_version=2)
    history = list(PlacementChange.objects.filter(feature=feature).values_list("from_iteration", "to_iteration"))
    assert history == [(None, first.pk), (first.pk, second.pk), (second.pk, None)]
    assert all(change.by == scrum_master for change in PlacementChange.objects.all())


def test_one_placement_per_feature_and_team(scrum_master, team, pi, feature):
    services.place_feature(feature, team=team, iteration=pi.iterations.development()[0], by=scrum_master)
    with pytest.raises(ValidationError, match="already placed"):
        services.place_feature(feature, team=team, iteration=pi.iterations.development()[1], by=scrum_master)
    assert FeaturePlacement.objects.count() == 1


def test_placement_refused_in_ip_outside_the_features_pi_or_unplanned(scrum_master, team, pi, art, feature):
    with pytest.raises(ValidationError, match="IP iteration"):
        services.place_feature(feature, team=team, iteration=pi.iterations.ip().get(), by=scrum_master)
    unplanned = FeatureFactory(art=art, pi=None)
    with pytest.raises(ValidationError, match="not planned for a PI"):
        services.place_feature(unplanned, team=team, iteration=pi.iterations.development()[0], by=scrum_master)
    assert not FeaturePlacement.objects.exists() and not PlacementChange.objects.exists()


def test_stale_placement_move_is_refused(rte, team, pi, feature):
    placement = PlacementFactory(feature=feature, team=team, iteration=pi.iterations.development()[0])
    services.move_placement(placement, iteration=pi.iterations.development()[1], by=rte, expected_version=1)
    with pytest.raises(services.StaleVersion):
        services.move_placement(placement, iteration=pi.iterations.development()[2], by=rte, expected_version=1)
    assert FeaturePlacement.objects.get().iteration == pi.iterations.development()[1]


def test_handing_a_card_to_another_team_needs_both_teams(scrum_master, rte, team, other_team, pi, feature):
    placement = PlacementFactory(feature=feature, team=team, iteration=pi.iterations.development()[0])
    with pytest.raises(PermissionDenied):
        services.move_placement(placement, team=other_team, by=scrum_master, expected_version=1)
    moved = services.move_placement(placement, team=other_team, by=rte, expected_version=1)
    assert moved.team == other_team


# --- objectives and business value ------------------------------------------------------------


@pytest.mark.parametrize(
    ("objectives", "expected"),
    [
        # (committed, planned, actual)
        ([(True, 10, 8), (True, 5, 5)], Decimal("86.7")),
        # DESIGN.md: a stretch objective's actual value counts, so it may exceed 100%.
        ([(True, 8, 8), (False, 5, 5)], Decimal("162.5")),
        ([(True, 10, None), (True, 5, 0)], Decimal("0.0")),
        # Not assessed yet (the PI is running): undefined, not 0%.
        ([(True, 10, None), (True, 5, None)], None),
        # No committed planned value: undefined, not 0 and not an error.
        ([(False, 5, 5)], None),
        ([(True, None, 3)], None),
        ([], None),
    ],
)
def test_team_predictability(team, pi, objectives, expected):
    for committed, planned, actual in objectives:
        ObjectiveFactory(
            team=team, pi=pi, committed=committed, planned_business_value=planned, actual_business_value=actual
        )
    totals = PIObjective.objects.for_pi(pi).totals_by_team().get(team.pk)
    assert (totals["predictability"] if totals else predictability(0, 0)) == expected


def test_art_predictability_divides_all_actual_by_committed_planned(team, other_team, pi):
    ObjectiveFactory(team=team, pi=pi, planned_business_value=10, actual_business_value=8)
    ObjectiveFactory(team=team, pi=pi, committed=False, planned_business_value=5, actual_business_value=5)
    ObjectiveFactory(team=other_team, pi=pi, planned_business_value=10, actual_business_value=9)
    assert PIObjective.objects.for_pi(pi).art_totals()["predictability"] == Decimal("110.0")
    assert predictability(actual=0, planned_committed=0) is None
    assert predictability(actual=None, planned_committed=10) is None


def test_scrum_master_writes_objectives_but_cannot_set_business_value(scrum_master, team, pi):
    objective = services.create_objective(team, pi, by=scrum_master, statement="Pay out in seconds")
    with pytest.raises(PermissionDenied, match="Only Business Owners"):
        services.set_business_value(objective, by=scrum_master, expected_version=1, planned=8)
    objective.refresh_from_db()
    assert objective.planned_business_value is None and objective.version == 1


def test_rte_cannot_set_business_value_either(rte, team, pi):
    objective = ObjectiveFactory(team=team, pi=pi)
    with pytest.raises(PermissionDenied):
        services.set_business_value(objective, by=rte, expected_version=1, planned=8)


def test_business_owner_sets_business_value_and_it_is_recorded(business_owner, team, pi):
    objective = ObjectiveFactory(team=team, pi=pi)
    objective = services.set_business_value(objective, by=business_owner, expected_version=1, planned=8)
    objective = services.set_business_value(objective, by=business_owner, expected_version=2, planned=9, actual=7)
    changes = list(objective.changes.values_list("field", "old_value", "new_value", "by"))
    assert changes == [
        ("planned_business_value", "", "8", business_owner.pk),
        ("planned_business_value", "8", "9", business_owner.pk),
        ("actual_business_value", "", "7", business_owner.pk),
    ]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"planned": 11}, "from 1 to 10"),
        ({"planned": 0}, "from 1 to 10"),
        ({"actual": 11}, "from 0 to 10"),
        ({"actual": -1}, "from 0 to 10"),
    ],
)
def test_business_value_out_of_range_is_refused(business_owner, team, pi, values, message):
    objective = ObjectiveFactory(team=team, pi=pi)
    with pytest.raises(ValidationError, match=message):
        services.set_business_value(objective, by=business_owner, expected_version=1, **values)
    objective.refresh_from_db()
    assert (objective.planned_business_value, objective.actual_business_value, objective.version) == (None, None, 1)
    assert not ObjectiveChange.objects.exists()


def test_objective_changes_are_recorded_field_by_field(product_owner, team, pi, art):
    feature = FeatureFactory(art=art, pi=pi)
    objective = services.create_objective(team, pi, by=product_owner, statement="First draft", committed=True)
    services.update_objective(
        objective,
        by=product_owner,
        expected_version=1,
        statement="Merchants see payouts in real time",
        committed=False,
        features=[feature],
    )
    fields = list(objective.changes.values_list("field", flat=True))
    assert fields == ["created", "statement", "committed", "features"]
    assert objective.changes.get(field="features").new_value == feature.key


def test_objective_of_another_team_is_refused_to_its_scrum_master(scrum_master, other_team, pi):
    with pytest.raises(PermissionDenied):
        services.create_objective(other_team, pi, by=scrum_master, statement="Not ours")
    assert not PIObjective.objects.exists()


def test_objective_cannot_link_another_trains_feature(scrum_master, team, pi, other_art):
    foreign = FeatureFactory(art=other_art)
    with pytest.raises(ValidationError, match="this train"):
        services.create_objective(team, pi, by=scrum_master, statement="Borrowed", features=[foreign])
    assert not PIObjective.objects.exists()


def test_team_of_another_train_is_not_a_team_of_this_one(rte, pi):
    stranger = TeamFactory()
    with pytest.raises((PermissionDenied, ValidationError)):
        services.create_story(stranger, pi, by=rte, title="Elsewhere")


def test_a_capacity_correction_from_an_older_version_is_refused(scrum_master, rte, team, pi):
    iteration = pi.iterations.development()[0]
    first = services.set_capacity(team, iteration, by=scrum_master, fte=5)
    services.set_capacity(team, iteration, by=rte, fte=6, expected_version=first.version)
    with pytest.raises(services.StaleVersion, match="a moment ago"):
        services.set_capacity(team, iteration, by=scrum_master, fte=4, expected_version=first.version)
    assert TeamCapacity.objects.get().capacity == 48
