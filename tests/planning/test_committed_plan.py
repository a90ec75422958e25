"""Planned vs now: ``plan_changes`` against the committed baseline, its page and committing the plan."""

import re
from datetime import date

import pytest

from artops.models import Role
from planning import services
from planning.baseline import plan_changes
from planning.models import BaselineObjective, BaselinePlacement, FeaturePlacement, PIObjective, PlanBaseline
from tests.conftest import PERSONAS, make_member
from tests.factories import TeamFactory, make_pi
from tests.helpers import expected, login, url
from tests.planning.factories import FeatureFactory, ObjectiveFactory, PlacementFactory


@pytest.fixture
def plan(art, pi, team, other_team):
    """Two features on the board (one delivered by both teams) and two objectives, before commitment."""
    first, second = pi.iterations.development()[:2]
    payouts = FeatureFactory(art=art, pi=pi, title="Payouts")
    refunds = FeatureFactory(art=art, pi=pi, title="Refunds")
    return {
        "art": art,
        "pi": pi,
        "teams": {"Falcons": team, "Otters": other_team},
        "iterations": pi.iterations.development(),
        "features": {"Payouts": payouts, "Refunds": refunds},
        "placements": {
            ("Payouts", "Falcons"): PlacementFactory(feature=payouts, team=team, iteration=first),
            ("Payouts", "Otters"): PlacementFactory(feature=payouts, team=other_team, iteration=second),
            ("Refunds", "Falcons"): PlacementFactory(feature=refunds, team=team, iteration=second),
        },
        "objectives": {
            "Fast payouts": ObjectiveFactory(team=team, pi=pi, statement="Fast payouts", planned_business_value=8),
            "Refunds in a click": ObjectiveFactory(
                team=other_team, pi=pi, statement="Refunds in a click", planned_business_value=5
            ),
        },
    }


def text(content: bytes) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", content.decode()).split())


def placements(changes) -> list[tuple]:
    """(feature, team before, iteration before, team after, iteration after) by name, None where absent."""
    return [
        (
            change.feature.title,
            change.team_before and change.team_before.name,
            change.iteration_before and change.iteration_before.number,
            change.team_after and change.team_after.name,
            change.iteration_after and change.iteration_after.number,
        )
        for change in changes
    ]


def objectives(changes) -> list[tuple]:
    return [
        (change.team.name, change.statement, [(c.label, c.before, c.after) for c in change.changes])
        for change in changes
    ]


# --- what changed: one scenario per row ------------------------------------------------------------


def move_iteration(plan):
    placement = plan["placements"][("Refunds", "Falcons")]
    placement.iteration = plan["iterations"][3]
    placement.save()


def hand_to_other_team(plan):
    placement = plan["placements"][("Refunds", "Falcons")]
    placement.team = plan["teams"]["Otters"]
    placement.save()


def hand_over_and_move(plan):
    placement = plan["placements"][("Refunds", "Falcons")]
    placement.team, placement.iteration = plan["teams"]["Otters"], plan["iterations"][0]
    placement.save()


def add_placement(plan):
    PlacementFactory(feature=plan["features"]["Refunds"], team=plan["teams"]["Otters"], iteration=plan["iterations"][2])


def add_new_feature(plan):
    feature = FeatureFactory(art=plan["art"], pi=plan["pi"], title="Chargebacks")
    PlacementFactory(feature=feature, team=plan["teams"]["Otters"], iteration=plan["iterations"][0])


def drop_placement(plan):
    plan["placements"][("Payouts", "Otters")].delete()


def change_planned_business_value(plan):
    PIObjective.objects.filter(pk=plan["objectives"]["Fast payouts"].pk).update(planned_business_value=10)


def clear_planned_business_value(plan):
    PIObjective.objects.filter(pk=plan["objectives"]["Fast payouts"].pk).update(planned_business_value=None)


def change_statement_and_commitment(plan):
    PIObjective.objects.filter(pk=plan["objectives"]["Refunds in a click"].pk).update(
        statement="Refunds in two clicks", committed=False
    )


def add_objective(plan):
    ObjectiveFactory(team=plan["teams"]["Otters"], pi=plan["pi"], statement="Chargebacks handled", committed=False)


def drop_objective(plan):
    plan["objectives"]["Refunds in a click"].delete()


def touch_without_change(plan):
    placement = plan["placements"][("Payouts", "Falcons")]
    placement.version += 1
    placement.save()
    objective = plan["objectives"]["Fast payouts"]
    objective.actual_business_value = 7
    objective.save()


@pytest.mark.parametrize(
    ("change", "moved", "added", "dropped", "objectives_changed", "objectives_added", "objectives_dropped"),
    [
        pytest.param(touch_without_change, [], [], [], [], [], [], id="nothing-planned-changed"),
        pytest.param(move_iteration, [("Refunds", "Falcons", 2, "Falcons", 4)], [], [], [], [], [], id="moved"),
        pytest.param(
            hand_to_other_team, [("Refunds", "Falcons", 2, "Otters", 2)], [], [], [], [], [], id="team-change"
        ),
        pytest.param(
            hand_over_and_move, [("Refunds", "Falcons", 2, "Otters", 1)], [], [], [], [], [], id="team-and-iteration"
        ),
        pytest.param(add_placement, [], [("Refunds", None, None, "Otters", 3)], [], [], [], [], id="added"),
        pytest.param(
            add_new_feature, [], [("Chargebacks", None, None, "Otters", 1)], [], [], [], [], id="added-feature"
        ),
        pytest.param(drop_placement, [], [], [("Payouts", "Otters", 2, None, None)], [], [], [], id="dropped"),
        pytest.param(
            change_planned_business_value,
            [],
            [],
            [],
            [("Falcons", "Fast payouts", [("Planned business value", "8", "10")])],
            [],
            [],
            id="objective-bv-changed",
        ),
        pytest.param(
            clear_planned_business_value,
            [],
            [],
            [],
            [("Falcons", "Fast payouts", [("Planned business value", "8", "—")])],
            [],
            [],
            id="objective-bv-cleared",
        ),
        pytest.param(
            change_statement_and_commitment,
            [],
            [],
            [],
            [
                (
                    "Otters",
                    "Refunds in two clicks",
                    [
                        ("Statement", "Refunds in a click", "Refunds in two clicks"),
                        ("Commitment", "committed", "uncommitted"),
                    ],
                )
            ],
            [],
            [],
            id="objective-statement-and-commitment",
        ),
        pytest.param(add_objective, [], [], [], [], [("Otters", "Chargebacks handled", [])], [], id="objective-added"),
        pytest.param(
            drop_objective, [], [], [], [], [], [("Otters", "Refunds in a click", [])], id="objective-dropped"
        ),
    ],
)
def test_plan_changes(
    plan, rte, change, moved, added, dropped, objectives_changed, objectives_added, objectives_dropped
):
    services.commit_plan(plan["pi"], by=rte)
    change(plan)
    result = plan_changes(plan["pi"])
    assert result.committed
    assert placements(result.moved) == moved
    assert placements(result.added) == added
    assert placements(result.dropped) == dropped
    assert objectives(result.objectives_changed) == objectives_changed
    assert objectives(result.objectives_added) == objectives_added
    assert objectives(result.objectives_dropped) == objectives_dropped
    assert result.unchanged is (change is touch_without_change)


def test_team_changes_pair_lost_and_gained_teams_and_leave_the_rest(art, pi, team, other_team, rte):
    """A feature that lost two teams and gained one: one card moved to the new team, one dropped."""
    herons = TeamFactory(art=art, name="Herons")
    first, second = pi.iterations.development()[:2]
    feature = FeatureFactory(art=art, pi=pi, title="Payouts")
    falcons = PlacementFactory(feature=feature, team=team, iteration=first)
    otters = PlacementFactory(feature=feature, team=other_team, iteration=second)
    services.commit_plan(pi, by=rte)
    falcons.delete()
    otters.team = herons
    otters.save()
    result = plan_changes(pi)
    assert placements(result.moved) == [("Payouts", "Falcons", 1, "Herons", 2)]
    assert placements(result.dropped) == [("Payouts", "Otters", 2, None, None)]
    assert result.added == []


@pytest.mark.parametrize(
    ("change", "team_changed", "iteration_changed"),
    [(move_iteration, False, True), (hand_to_other_team, True, False), (hand_over_and_move, True, True)],
)
def test_moved_cards_say_what_moved(plan, rte, change, team_changed, iteration_changed):
    services.commit_plan(plan["pi"], by=rte)
    change(plan)
    [move] = plan_changes(plan["pi"]).moved
    assert (move.team_changed, move.iteration_changed) == (team_changed, iteration_changed)


def test_without_a_baseline_nothing_is_compared(pi, django_assert_num_queries):
    with django_assert_num_queries(1):
        result = plan_changes(pi)
    assert (result.committed, result.unchanged, result.moved, result.objectives_added) == (False, False, [], [])


def test_another_pi_is_not_compared(art, plan, rte, team):
    later = make_pi(art, name="PI 2027.1", start=date(2027, 1, 4))
    services.commit_plan(plan["pi"], by=rte)
    feature = FeatureFactory(art=art, pi=later)
    PlacementFactory(feature=feature, team=team, iteration=later.iterations.development()[0])
    ObjectiveFactory(team=team, pi=later)
    assert plan_changes(plan["pi"]).unchanged


def grow(art, pi, teams, size: int) -> None:
    """``size`` more features placed by every team and ``size`` objectives per team."""
    iterations = list(pi.iterations.development())
    for n in range(size):
        feature = FeatureFactory(art=art, pi=pi)
        for team in teams:
            PlacementFactory(feature=feature, team=team, iteration=iterations[n % len(iterations)])
            ObjectiveFactory(team=team, pi=pi, planned_business_value=1 + n % 10)


def shake(pi) -> None:
    """Move, drop and change a share of everything, so that every list has entries."""
    placements_now = list(FeaturePlacement.objects.for_pi(pi).order_by("id"))
    iterations = list(pi.iterations.development())
    for placement in placements_now[::3]:
        placement.iteration = iterations[(placement.iteration.number) % len(iterations)]
        placement.save()
    for placement in placements_now[1::3]:
        placement.delete()
    PIObjective.objects.for_pi(pi).filter(pk__in=[o.pk for o in PIObjective.objects.for_pi(pi)[::2]]).update(
        planned_business_value=10
    )


# The baseline, its placements, the placements now, its objectives, the objectives now.
PLAN_CHANGES_QUERIES = 5


@pytest.mark.parametrize("size", [2, 12])
def test_plan_changes_reads_a_constant_number_of_queries(
    art, pi, team, other_team, rte, size, django_assert_num_queries
):
    grow(art, pi, [team, other_team], size)
    services.commit_plan(pi, by=rte)
    shake(pi)
    grow(art, pi, [team, other_team], size)
    with django_assert_num_queries(PLAN_CHANGES_QUERIES):
        result = plan_changes(pi)
        # Reading what the page shows runs no more queries.
        for change in [*result.moved, *result.added, *result.dropped]:
            for item in (change.feature, change.team_before, change.team_after):
                str(item)
            for iteration in (change.iteration_before, change.iteration_after):
                str(iteration and iteration.name)
        for change in [*result.objectives_added, *result.objectives_changed, *result.objectives_dropped]:
            str(change.team)
    assert result.moved and result.added and result.dropped and result.objectives_changed


# --- the page and committing -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("committed", [False, True], ids=["uncommitted", "committed"])
def test_page_permission_matrix(client, art, pi, everyone, rte, persona, committed, request):
    if committed:
        services.commit_plan(pi, by=rte)
    name = request.node.callspec.params["persona"]
    response = login(client, persona).get(url("plan_changes", art, pi_id=pi.pk))
    assert response.status_code == expected(name, True)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_commit_permission_matrix(client, art, plan, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    response = login(client, persona).post(url("plan_commit", art, pi_id=plan["pi"].pk))
    assert response.status_code == expected(name, name == "rte", ok=302)
    assert PlanBaseline.objects.count() == (1 if name == "rte" else 0)
    assert BaselinePlacement.objects.count() == (3 if name == "rte" else 0)
    assert BaselineObjective.objects.count() == (2 if name == "rte" else 0)


def test_another_trains_pi_is_404(client, art, other_art, rte):
    foreign_pi = make_pi(other_art, name="PI 2026.4", start=date(2026, 10, 5))
    client = login(client, rte)
    assert client.get(url("plan_changes", art, pi_id=foreign_pi.pk)).status_code == 404
    assert client.post(url("plan_commit", art, pi_id=foreign_pi.pk)).status_code == 404
    assert not PlanBaseline.objects.exists()


@pytest.mark.parametrize(("persona", "offered"), [("rte", True), ("product_manager", False), ("team_member", False)])
def test_uncommitted_page_explains_and_offers_the_commit_to_the_rte(client, art, pi, persona, offered, request):
    content = login(client, request.getfixturevalue(persona)).get(url("plan_changes", art, pi_id=pi.pk)).content
    assert "The plan is not committed yet" in text(content)
    form = re.search(
        rf'<form method="post" action="{url("plan_commit", art, pi_id=pi.pk)}" data-confirm="[^"]+">', content.decode()
    )
    assert bool(form) is offered
    assert ("Commit the plan</button>" in content.decode()) is offered


def test_rte_commits_the_plan_and_sees_who_and_when(client, art, plan, rte):
    response = login(client, rte).post(url("plan_commit", art, pi_id=plan["pi"].pk), follow=True)
    assert response.redirect_chain == [(url("plan_changes", art, pi_id=plan["pi"].pk), 302)]
    page = text(response.content)
    baseline = PlanBaseline.objects.get()
    assert baseline.committed_by == rte
    assert "The plan of PI 2026.4 is committed" in page
    assert "by Riley RTE" in page
    assert "Nothing has changed since the plan was committed." in page
    assert "Commit the plan</button>" not in response.content.decode()


def test_committing_twice_is_422_and_keeps_the_first_baseline(client, art, plan, rte):
    first = services.commit_plan(plan["pi"], by=rte)
    move_iteration(plan)
    response = login(client, rte).post(url("plan_commit", art, pi_id=plan["pi"].pk))
    assert response.status_code == 422
    assert "The plan of PI 2026.4 is already committed." in text(response.content)
    assert PlanBaseline.objects.get() == first
    assert BaselinePlacement.objects.get(feature=plan["features"]["Refunds"]).iteration.number == 2


def test_page_lists_moved_added_and_dropped_cards_and_objectives(client, art, plan, rte, team_member):
    services.commit_plan(plan["pi"], by=rte)
    hand_over_and_move(plan)
    add_new_feature(plan)
    drop_placement(plan)
    change_planned_business_value(plan)
    add_objective(plan)
    drop_objective(plan)
    content = login(client, team_member).get(url("plan_changes", art, pi_id=plan["pi"].pk)).content.decode()
    refunds = plan["features"]["Refunds"]
    chargebacks = FeaturePlacement.objects.get(feature__title="Chargebacks").feature
    moved = text(content.split('id="moved"')[1].split("</table>")[0].encode())
    assert f"{refunds.key} Refunds Falcons · Iteration 2 Otters · Iteration 1 other team" in moved
    added = text(content.split('id="added"')[1].split("</ul>")[0].encode())
    assert f"{chargebacks.key} Chargebacks · Otters · Iteration 1" in added
    dropped = text(content.split('id="dropped"')[1].split("</ul>")[0].encode())
    assert f"{plan['features']['Payouts'].key} Payouts · was Otters · Iteration 2" in dropped
    changed = text(content.split('id="objectives-changed"')[1].split("</ul>\n")[0].encode())
    assert "Falcons: Fast payouts Planned business value: 8 → 10" in changed
    assert "Otters: Chargebacks handled" in text(content.split('id="objectives-added"')[1].split("</ul>")[0].encode())
    assert "Otters: Refunds in a click" in text(content.split('id="objectives-dropped"')[1].split("</ul>")[0].encode())


# Session, user, train, own memberships, the PI, then the five queries of plan_changes.
PAGE_QUERIES = 10


@pytest.mark.parametrize("size", [2, 12])
def test_page_query_count_is_constant(client, art, pi, team, other_team, rte, size, django_assert_num_queries):
    grow(art, pi, [team, other_team], size)
    services.commit_plan(pi, by=rte)
    shake(pi)
    grow(art, pi, [team, other_team], size)
    client = login(client, make_member(art, Role.BUSINESS_OWNER))
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(url("plan_changes", art, pi_id=pi.pk))
    assert response.status_code == 200
