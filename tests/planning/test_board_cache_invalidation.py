"""Every write that changes what the program board shows makes the shared render and the change sets follow.

The board's shared render and its states (``planning.live_board``) are kept in Redis under the
board clock's version: a write invalidates them by moving the clock. Here, for each write path
(the services that pages, the API, imports and jobs all call), the board is read (and kept),
the write is made, and the board is read again: the clock has moved, the kept render is not
served, the fresh board shows the change, and a poll from the old version gets it as a change
set (or a reload when the board's frame changed).
"""

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from artops import services as core
from planning import services
from planning.models import BoardClock, Milestone
from risks import services as risks
from risks.models import Dependency
from tests.factories import make_board_dependency
from tests.helpers import HTMX
from tests.planning.factories import FeatureFactory, PlacementFactory


@pytest.fixture
def board(art, pi, team, other_team, rte):
    """Falcons deliver “Instant payouts”; Otters need Falcons' “Ledger API” by Iteration 3."""
    iterations = list(pi.iterations.development())
    payouts = PlacementFactory(
        feature=FeatureFactory(art=art, pi=pi, title="Instant payouts"), team=team, iteration=iterations[0]
    )
    ledger = PlacementFactory(
        feature=FeatureFactory(art=art, pi=pi, title="Ledger API"), team=team, iteration=iterations[1]
    )
    dependency = make_board_dependency(
        pi,
        needing_team=other_team,
        needed_by=iterations[2],
        owner=rte,
        providing_team=team,
        providing_feature=ledger.feature,
        description="Ledger API for refunds",
    )
    # Ranked below “Instant payouts” in the same cell (WSJF orders a cell's cards, highest first).
    refunds = PlacementFactory(
        feature=FeatureFactory(art=art, pi=pi, title="Refund portal", user_business_value=1, job_size=13),
        team=team,
        iteration=iterations[0],
    )
    milestone = Milestone.objects.create(pi=pi, name="Beta launch", date=iterations[1].start_date)
    return {
        "iterations": iterations,
        "payouts": payouts,
        "ledger": ledger,
        "refunds": refunds,
        "dependency": dependency,
        "milestone": milestone,
    }


def fresh(obj):
    obj.refresh_from_db()
    return obj


# Each write path: what it does, and a text the board shows only after it.
WRITES = {
    "move a card": (
        lambda b, rte, art, pi, team, other: services.move_placement(
            fresh(b["payouts"]), by=rte, expected_version=1, iteration=b["iterations"][3], team=team
        ),
        lambda b, team, other: f'id="cell-team-{team.pk}-{b["iterations"][3].pk}"',
    ),
    "hand a card to another team": (
        lambda b, rte, art, pi, team, other: services.move_placement(
            fresh(b["payouts"]), by=rte, expected_version=1, iteration=b["iterations"][0], team=other
        ),
        lambda b, team, other: f'data-team-id="{other.pk}" data-iteration-id="{b["iterations"][0].pk}"',
    ),
    "place a feature": (
        lambda b, rte, art, pi, team, other: services.place_feature(
            FeatureFactory(art=art, pi=pi, title="Chargeback desk"), team=other, iteration=b["iterations"][2], by=rte
        ),
        lambda b, team, other: "Chargeback desk",
    ),
    "remove a card": (
        lambda b, rte, art, pi, team, other: services.remove_placement(fresh(b["payouts"]), by=rte, expected_version=1),
        lambda b, team, other: "0 red",  # the summary is counted afresh; the card's title is gone (checked below)
    ),
    "rename a feature": (
        lambda b, rte, art, pi, team, other: services.update_feature(
            fresh(b["payouts"].feature), by=rte, expected_version=1, title="Instant payouts v2"
        ),
        lambda b, team, other: "Instant payouts v2",
    ),
    "turn a feature into an enabler": (
        lambda b, rte, art, pi, team, other: services.update_feature(
            fresh(b["payouts"].feature), by=rte, expected_version=1, type="enabler"
        ),
        lambda b, team, other: "pb-card type-enabler",
    ),
    "rank a feature higher (WSJF)": (
        lambda b, rte, art, pi, team, other: services.update_feature(
            fresh(b["refunds"].feature), by=rte, expected_version=1, user_business_value=20, job_size=1
        ),
        lambda b, team, other: f'id="card-{b["refunds"].pk}"',
    ),
    "cancel a feature": (
        lambda b, rte, art, pi, team, other: [
            services.change_feature_state(fresh(b["payouts"].feature), to=state, by=rte, expected_version=version)
            for version, state in ((1, "cancelled"),)
        ],
        lambda b, team, other: "is-cancelled",
    ),
    "add a milestone": (
        lambda b, rte, art, pi, team, other: services.create_milestone(
            pi, by=rte, name="Go-live rehearsal", date=b["iterations"][2].start_date
        ),
        lambda b, team, other: "Go-live rehearsal",
    ),
    "rename a milestone": (
        lambda b, rte, art, pi, team, other: services.update_milestone(
            fresh(b["milestone"]), by=rte, expected_version=1, name="Public beta"
        ),
        lambda b, team, other: "Public beta",
    ),
    "delete a milestone": (
        lambda b, rte, art, pi, team, other: services.delete_milestone(
            fresh(b["milestone"]), by=rte, expected_version=1
        ),
        lambda b, team, other: "Milestones &amp; events",
    ),
    "raise a dependency": (
        lambda b, rte, art, pi, team, other: risks.raise_dependency(
            art,
            by=rte,
            pi=pi,
            needing_team=team,
            providing_team=other,
            description="Fraud scores for payouts",
            needed_by=b["iterations"][1],
            owner=rte,
        ),
        lambda b, team, other: "Fraud scores for payouts",
    ),
    "edit a dependency": (
        lambda b, rte, art, pi, team, other: risks.update_dependency(
            fresh(b["dependency"]), by=rte, expected_version=1, description="Ledger API for refunds and payouts"
        ),
        lambda b, team, other: "Ledger API for refunds and payouts",
    ),
    "close a dependency": (
        lambda b, rte, art, pi, team, other: risks.move_dependency(
            fresh(b["dependency"]), to=Dependency.State.CANCELLED, by=rte, expected_version=1
        ),
        lambda b, team, other: "0 dependencies",
    ),
    "rename a team": (
        lambda b, rte, art, pi, team, other: core.update_team(team, by=rte, name="Peregrines"),
        lambda b, team, other: "Peregrines",
    ),
    "make a team inactive": (
        lambda b, rte, art, pi, team, other: core.update_team(other, by=rte, active=False),
        lambda b, team, other: "inactive",
    ),
    "add a team": (
        lambda b, rte, art, pi, team, other: core.create_team(art, name="Pumas", by=rte),
        lambda b, team, other: "Pumas",
    ),
    "rename the PI": (
        lambda b, rte, art, pi, team, other: core.update_pi(pi, by=rte, name="PI 2026.4 (extended)"),
        lambda b, team, other: "PI 2026.4 (extended)",
    ),
}


def read_board(client, art, pi):
    url = reverse("program_board", kwargs={"art_slug": art.slug, "pi_id": pi.pk})
    response = client.get(url, headers=HTMX)
    assert response.status_code == 200
    return response.content.decode()


def poll(client, art, pi, since):
    url = reverse("program_board_changes", kwargs={"art_slug": art.slug, "pi_id": pi.pk})
    return client.get(url, {"since": since})


@pytest.mark.parametrize("write", WRITES)
def test_every_write_path_moves_the_clock_and_the_board_follows(client, art, pi, team, other_team, rte, board, write):
    do, shows = WRITES[write]
    client.force_login(rte)
    before = read_board(client, art, pi)
    version = BoardClock.read(pi.pk)
    expected = shows(board, team, other_team)

    do(board, rte, art, pi, team, other_team)

    assert BoardClock.read(pi.pk) > version, f"{write} did not move the board clock"
    after = read_board(client, art, pi)
    assert _personal_parts_left_out(after) != _personal_parts_left_out(before) and expected in after
    if write == "rank a feature higher (WSJF)":
        assert after.index(f'id="card-{board["refunds"].pk}"') < after.index(f'id="card-{board["payouts"].pk}"')
    if write == "remove a card":
        assert "Instant payouts" not in after
    # A browser still at the old version gets the change, as a change set or (new frame) a reload.
    body = json.loads(poll(client, art, pi, version).content)
    assert body["version"] == BoardClock.read(pi.pk)
    assert body["reload"] or body["parts"] or body["removed"] or body["regions"] or body["order"]


def test_a_write_that_changes_nothing_on_the_board_leaves_the_render_kept(client, art, pi, rte, board):
    client.force_login(rte)
    before = read_board(client, art, pi)
    version = BoardClock.read(pi.pk)
    services.update_feature(fresh(board["payouts"].feature), by=rte, expected_version=1, description="Why we do it")
    assert BoardClock.read(pi.pk) == version
    assert _personal_parts_left_out(read_board(client, art, pi)) == _personal_parts_left_out(before)


def _personal_parts_left_out(html: str) -> str:
    """The board without what each answer puts in for its person (CSRF and poll tokens)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r'data-poll-token="[^"]*"', "", html)


def test_the_clock_in_redis_follows_the_database_after_commit(transactional_db, art, pi, rte, board):
    services.create_milestone(pi, by=rte, name="Pilot", date=pi.start_date + timedelta(days=2))
    assert BoardClock.cached(pi.pk) == BoardClock.read(pi.pk)
