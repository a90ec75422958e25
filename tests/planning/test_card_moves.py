"""A card moved to the cell it is already in: one rule in ``services.move_placement``, every interface.

Such a move changes nothing: not the placement's version, not its history, not the program
board's clock, so that watching browsers are not told the board changed. The service says so
(``moved`` is False); the API and the team board answer as for any saved move, without a 500.
"""

import pytest
from django.urls import reverse

from planning import services
from planning.models import BoardClock, FeaturePlacement, PlacementChange
from planning.signals import placement_planned
from tests.helpers import HTMX, login, url
from tests.planning.factories import FeatureFactory, PlacementFactory


@pytest.fixture
def placement(art, pi, team):
    feature = FeatureFactory(art=art, pi=pi)
    return PlacementFactory(feature=feature, team=team, iteration=pi.iterations.development().first())


def unchanged(placement: FeaturePlacement) -> bool:
    """Version, history and board clock as they were before the no-op."""
    current = FeaturePlacement.objects.get(pk=placement.pk)
    return (
        (current.iteration_id, current.team_id, current.version) == (placement.iteration_id, placement.team_id, 1)
        and not PlacementChange.objects.exists()
        and BoardClock.read(placement.iteration.pi_id) == 0
    )


def test_a_no_op_move_changes_nothing_and_says_so(placement, scrum_master, team):
    heard = []

    def listener(sender, placement, **kwargs):
        heard.append(placement)

    placement_planned.connect(listener)
    try:
        same_iteration = services.move_placement(
            placement, by=scrum_master, expected_version=1, iteration=placement.iteration
        )
        same_team = services.move_placement(placement, by=scrum_master, expected_version=1, team=team)
        nothing_named = services.move_placement(placement, by=scrum_master, expected_version=1)
    finally:
        placement_planned.disconnect(listener)
    assert [moved.moved for moved in (same_iteration, same_team, nothing_named)] == [False, False, False]
    assert same_iteration.version == 1 and same_iteration.iteration == placement.iteration
    assert unchanged(placement)
    # Followers (the dependencies of ``risks``) are not told about a move that did not happen.
    assert heard == []


def test_a_no_op_move_from_an_older_version_is_still_stale(placement, scrum_master, pi):
    second = pi.iterations.development()[1]
    services.move_placement(placement, by=scrum_master, expected_version=1, iteration=second)
    with pytest.raises(services.StaleVersion):
        services.move_placement(placement, by=scrum_master, expected_version=1, iteration=second)


def test_a_real_move_says_it_moved(placement, scrum_master, pi):
    second = pi.iterations.development()[1]
    moved = services.move_placement(placement, by=scrum_master, expected_version=1, iteration=second)
    assert (moved.moved, moved.version, moved.iteration) == (True, 2, second)


def test_a_no_op_move_through_the_api_changes_nothing(api_client, placement, scrum_master):
    api_client.force_login(scrum_master)
    response = api_client.patch(
        reverse("api-placement-detail", kwargs={"pk": placement.pk}),
        {"iteration": placement.iteration_id, "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 1
    assert unchanged(placement)


def test_a_no_op_move_on_the_team_board_changes_nothing(client, art, pi, team, placement, scrum_master):
    response = login(client, scrum_master).post(
        url("board_placement_set", art, pi_id=pi.pk, team_id=team.pk),
        {"feature": placement.feature_id, "iteration": placement.iteration_id, "version": "1"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert unchanged(placement)
