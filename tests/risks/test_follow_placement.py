"""A dependency provided by a feature's card is planned where that card is: one truth for its health."""

from planning import services as planning_services
from risks.models import Dependency, Health
from tests.factories import make_dependency
from tests.planning.factories import FeatureFactory, PlacementFactory


def test_moving_the_providing_card_earlier_turns_its_dependency_green(art, pi, team, other_team, rte, scrum_master):
    first, second, third = pi.iterations.development()[:3]
    feature = FeatureFactory(art=art, pi=pi)
    card = PlacementFactory(feature=feature, team=other_team, iteration=third)
    dependency = make_dependency(art, pi, needing=team, providing=other_team, owner=scrum_master, needed_by=second)
    dependency.providing_feature = feature
    dependency.planned_iteration = third
    dependency.save()
    assert dependency.health == Health.RED

    planning_services.move_placement(card, by=rte, expected_version=1, iteration=first)

    dependency = Dependency.objects.with_related().get(pk=dependency.pk)
    assert (dependency.planned_iteration, dependency.health, dependency.version) == (first, Health.GREEN, 2)
    change = dependency.changes.get()
    assert change.by == rte and feature.key in change.note
    assert change.changes == {"planned_iteration": [f"{pi.name} {third.name}", f"{pi.name} {first.name}"]}


def test_placing_a_card_plans_its_unplanned_dependencies(art, pi, team, other_team, rte, scrum_master):
    first, second = pi.iterations.development()[:2]
    feature = FeatureFactory(art=art, pi=pi)
    dependency = make_dependency(art, pi, needing=team, providing=other_team, owner=scrum_master, needed_by=second)
    dependency.providing_feature = feature
    dependency.save()
    assert dependency.health == Health.UNPLANNED

    planning_services.place_feature(feature, team=other_team, iteration=first, by=rte)

    assert Dependency.objects.with_related().get(pk=dependency.pk).health == Health.GREEN


def test_only_open_dependencies_of_that_feature_and_team_follow(art, pi, team, other_team, rte, scrum_master):
    first, _, third = pi.iterations.development()[:3]
    feature = FeatureFactory(art=art, pi=pi)
    card = PlacementFactory(feature=feature, team=other_team, iteration=third)
    other_teams_need = make_dependency(art, pi, needing=other_team, providing=team, owner=rte, planned=third)
    other_teams_need.providing_feature = feature
    other_teams_need.save()
    delivered = make_dependency(
        art, pi, needing=team, providing=other_team, owner=scrum_master, planned=third, state="delivered"
    )
    delivered.providing_feature = feature
    delivered.save()

    planning_services.move_placement(card, by=rte, expected_version=1, iteration=first)

    for untouched in (other_teams_need, delivered):
        untouched.refresh_from_db()
        assert (untouched.planned_iteration, untouched.version) == (third, 1)
