"""Two people changing the same risk at the same moment, from the same version, in two real
transactions on two database connections: one wins, the other is told, nothing is lost."""

import threading

import pytest
from django.db import connection

from risks import services
from risks.models import Risk, RiskChange
from risks.services import StaleVersion

pytestmark = pytest.mark.django_db(transaction=True)

State = Risk.State


def race(*changes):
    """Run each ``change(risk)`` in its own thread and connection, all from version 1 read first.

    The barrier holds every thread until all have read the risk, so that both writes are based
    on the same version. Returns what each call returned or raised, in order.
    """
    barrier = threading.Barrier(len(changes), timeout=10)
    outcomes: list = [None] * len(changes)

    def run(index, change):
        try:
            risk = Risk.objects.with_related().get(title="Card provider may slip")
            assert risk.version == 1
            barrier.wait()
            outcomes[index] = change(risk)
        except Exception as error:  # the outcome, returned or raised, is what the test compares
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, change)) for index, change in enumerate(changes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


@pytest.fixture
def risk(art, pi, rte, team):
    return services.raise_risk(art, by=rte, pi=pi, title="Card provider may slip", team=team)


def split(outcomes):
    winners = [outcome for outcome in outcomes if isinstance(outcome, Risk)]
    losers = [outcome for outcome in outcomes if isinstance(outcome, StaleVersion)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    return winners[0], losers[0]


def test_two_moves_from_the_same_version_one_wins_the_other_is_stale(risk, rte, product_owner):
    outcomes = race(
        lambda current: services.roam_risk(
            current, to=State.OWNED, by=product_owner, expected_version=1, owner=product_owner
        ),
        lambda current: services.roam_risk(
            current, to=State.MITIGATED, by=rte, expected_version=1, mitigation_plan="Second supplier."
        ),
    )
    winner, stale = split(outcomes)

    # The loser learns what the risk is now: the winner's move.
    assert (stale.current.state, stale.current.version) == (winner.state, 2)
    assert "a moment ago" in str(stale)
    stored = Risk.objects.get(pk=risk.pk)
    assert (stored.state, stored.version) == (winner.state, 2)
    if winner.state == State.OWNED:
        assert (stored.owner, stored.mitigation_plan) == (product_owner, "")
    else:
        assert (stored.owner, stored.mitigation_plan) == (None, "Second supplier.")
    moves = RiskChange.objects.filter(risk=risk, kind=RiskChange.Kind.MOVED)
    assert [move.changes["state"] for move in moves] == [["unroamed", winner.state]]


def test_an_edit_and_a_move_from_the_same_version_one_wins_the_other_is_stale(risk, rte, product_owner):
    outcomes = race(
        lambda current: services.update_risk(current, by=rte, expected_version=1, probability=5, impact=5),
        lambda current: services.roam_risk(current, to=State.RESOLVED, by=product_owner, expected_version=1),
    )
    winner, stale = split(outcomes)

    assert (stale.current.version, stale.current.state, stale.current.severity) == (
        2,
        winner.state,
        winner.severity,
    )
    stored = Risk.objects.get(pk=risk.pk)
    assert (stored.state, stored.severity, stored.version) == (winner.state, winner.severity, 2)
    # Exactly one change recorded after the raise: the winner's.
    kinds = list(RiskChange.objects.filter(risk=risk).order_by("at", "id").values_list("kind", flat=True))
    assert kinds[0] == RiskChange.Kind.RAISED and len(kinds) == 2
    assert kinds[1] == (RiskChange.Kind.MOVED if winner.state == State.RESOLVED else RiskChange.Kind.EDITED)
