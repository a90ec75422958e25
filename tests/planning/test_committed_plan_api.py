"""The API of the committed plan: who commits it, once; planned vs now; and the query count
of the changes."""

import pytest

from planning import services
from planning.models import BaselinePlacement, FeaturePlacement, PlanBaseline
from tests.api_helpers import api_status, api_url, client_for, expected, grow_board, messages, persona_name
from tests.conftest import PERSONAS
from tests.planning.factories import FeatureFactory, ObjectiveFactory, PlacementFactory


@pytest.fixture
def feature(art, pi):
    return FeatureFactory(art=art, pi=pi, title="Instant payouts")


@pytest.fixture
def placement(feature, team, development):
    return PlacementFactory(feature=feature, team=team, iteration=development[0])


# --- the committed plan --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_commit_permission_matrix(everyone, persona, pi, placement, request):
    name = persona_name(request)
    response = client_for(persona).post(api_url("plan", pi, "commit"))
    allowed = name == "rte"
    assert api_status(response) == expected(name, allowed, 201)
    assert PlanBaseline.objects.exists() == allowed
    if allowed:
        assert (response.json()["pi"], response.json()["placements"], response.json()["objectives"]) == (pi.pk, 1, 0)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_changes_read_permission_matrix(everyone, persona, pi, request):
    name = persona_name(request)
    response = client_for(persona).get(api_url("plan", pi, "changes"))
    assert api_status(response) == expected(name, True, 200)
    if response.status_code == 200:
        assert (response.json()["committed"], response.json()["moved"]) == (False, [])


def test_committing_twice_is_400(rte, pi, placement):
    client = client_for(rte)
    assert client.post(api_url("plan", pi, "commit")).status_code == 201
    again = client.post(api_url("plan", pi, "commit"))
    assert again.status_code == 400 and "already committed" in messages(again)
    assert PlanBaseline.objects.count() == 1 and BaselinePlacement.objects.count() == 1


def test_changes_show_what_moved_was_added_or_dropped(rte, art, pi, team, other_team, development, placement):
    dropped = PlacementFactory(feature=FeatureFactory(art=art, pi=pi), team=other_team, iteration=development[0])
    objective = ObjectiveFactory(team=team, pi=pi, statement="Payouts in seconds", planned_business_value=8)
    client = client_for(rte)
    client.post(api_url("plan", pi, "commit"))
    unchanged = client.get(api_url("plan", pi, "changes")).json()
    assert (unchanged["committed"], unchanged["unchanged"]) == (True, True)

    services.move_placement(placement, by=rte, expected_version=1, iteration=development[2])
    services.remove_placement(dropped, by=rte, expected_version=1)
    added = PlacementFactory(feature=FeatureFactory(art=art, pi=pi), team=team, iteration=development[1])
    services.update_objective(objective, by=rte, expected_version=1, statement="Payouts in a second")

    body = client.get(api_url("plan", pi, "changes")).json()
    assert body["unchanged"] is False and body["committed_by_name"] == "Riley RTE"
    (moved,) = body["moved"]
    assert (moved["feature"], moved["iteration_before"], moved["iteration_after"]) == (
        placement.feature_id,
        development[0].pk,
        development[2].pk,
    )
    assert [row["feature"] for row in body["added"]] == [added.feature_id]
    (gone,) = body["dropped"]
    assert (gone["feature"], gone["team_before_name"], gone["team_after"], gone["iteration_after"]) == (
        dropped.feature_id,
        "Otters",
        None,
        None,
    )
    (changed,) = body["objectives_changed"]
    assert changed["objective"] == objective.pk
    assert changed["changes"] == [
        {"label": "Statement", "before": "Payouts in seconds", "after": "Payouts in a second"}
    ]


# --- query counts: the same at two data sizes ----------------------------------------------------


# Session and user, the PI, the reader's roles, then the baseline and its placements, the
# placements now, the baseline's objectives and the objectives now.
CHANGES_QUERIES = 9


def test_changes_query_count_does_not_grow(rte, art, pi, development, django_assert_num_queries):
    client = client_for(rte)
    grow_board(art, pi, development, rte, teams=2, features=3, dependencies=0)
    ObjectiveFactory(team=FeaturePlacement.objects.first().team, pi=pi)
    services.commit_plan(pi, by=rte)
    with django_assert_num_queries(CHANGES_QUERIES):
        small = client.get(api_url("plan", pi, "changes")).json()
    grow_board(art, pi, development, rte, teams=5, features=30, dependencies=0)
    for placement in FeaturePlacement.objects.order_by("id")[:10]:
        services.move_placement(placement, by=rte, expected_version=placement.version, iteration=development[3])
    with django_assert_num_queries(CHANGES_QUERIES):
        large = client.get(api_url("plan", pi, "changes")).json()
    assert len(large["added"]) > len(small["added"]) == 0
    assert len(large["moved"]) >= 1
