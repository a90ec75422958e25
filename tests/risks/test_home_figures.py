"""The cockpit of the train's home: what planning, risks and metrics count there, and where each leads."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from artops.models import ProgramIncrement
from planning.models import VoteRound
from risks.models import Dependency, Risk
from tests import helpers
from tests.conftest import make_member
from tests.factories import RiskFactory, make_dependency
from tests.helpers import url

pytestmark = pytest.mark.django_db

# Wednesday 21 October 2026, in Iteration 2 (19 Oct – 1 Nov) of PI 2026.4 (from 5 Oct).
NOW = datetime(2026, 10, 21, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def fill(art, pi, team, other_team, owner, copies: int = 1) -> None:
    """Per copy: a red, an unplanned and an on-track dependency (one raised 40 days ago), an unroamed,
    a quiet (untouched for 20 days) and a resolved risk."""
    first, second, third = pi.iterations.development()[:3]
    for _ in range(copies):
        make_dependency(art, pi, needing=team, providing=other_team, owner=owner, needed_by=first, planned=second)
        make_dependency(art, pi, needing=team, external="Card vendor", owner=owner, needed_by=second)
        make_dependency(
            art, pi, needing=team, providing=other_team, owner=owner, needed_by=third, planned=first,
            state=Dependency.State.COMMITTED, created_at=NOW - timedelta(days=40),
        )  # fmt: skip
        RiskFactory(pi=pi, raised_by=owner)
        quiet = RiskFactory(pi=pi, raised_by=owner, owner=owner, state=Risk.State.OWNED)
        Risk.objects.filter(pk=quiet.pk).update(updated_at=NOW - timedelta(days=20))
        RiskFactory(pi=pi, raised_by=owner, state=Risk.State.RESOLVED)


def figures_of(client, art) -> dict:
    return {figure.key: figure for figure in client.get(url("art_home", art)).context["figures"]}


def test_the_cockpit_counts_red_and_aging_dependencies_and_unroamed_and_quiet_risks(
    client, art, pi, team, other_team, rte
):
    fill(art, pi, team, other_team, rte)
    client.force_login(rte)

    figures = figures_of(client, art)

    red = figures["red-dependencies"]
    assert (red.value, red.note, red.tone) == (1, "planned too late · 1 not planned", "alert")
    assert red.url == f"{url('dependency_list', art)}?pi={pi.pk}&status=open&health=red"
    aging = figures["aging-dependencies"]
    assert (aging.value, aging.note) == (1, "open over 30 days")
    assert aging.url == f"{url('dependency_list', art)}?pi={pi.pk}&status=open&age=31%2B"
    assert (figures["unroamed-risks"].value, figures["quiet-risks"].value) == (1, 1)
    assert figures["quiet-risks"].url == f"{url('roam_board', art)}?pi={pi.pk}&quiet=true"
    # Each leads to a page that lists exactly what it counts.
    assert client.get(red.url).content.decode().count("<tr data-dependency=") == 1
    assert client.get(aging.url).content.decode().count("<tr data-dependency=") == 1


def test_an_open_vote_and_readiness_lead_to_their_pages(client, art, pi, team, rte):
    client.force_login(rte)
    figures = figures_of(client, art)
    assert "vote" not in figures
    readiness = figures["readiness"]
    assert readiness.label == "Readiness for PI 2026.4"
    assert readiness.url == reverse("pi_readiness", kwargs={"art_slug": art.slug, "pi_id": pi.pk})

    round_ = VoteRound.objects.create(pi=pi, team=None, opened_at=NOW, opened_by=rte)
    vote = figures_of(client, art)["vote"]
    assert (vote.value, vote.note) == (1, "for the whole train, PI 2026.4")
    assert vote.url == reverse("vote_round", kwargs={"art_slug": art.slug, "round_id": round_.pk})

    # Once the PI runs, its readiness is behind it: no readiness figure.
    ProgramIncrement.objects.filter(pk=pi.pk).update(state=ProgramIncrement.State.EXECUTING)
    assert "readiness" not in figures_of(client, art)


def test_the_home_costs_the_same_queries_with_a_full_and_a_large_train(client, art, pi, team, other_team, rte):
    client.force_login(rte)
    VoteRound.objects.create(pi=pi, team=team, opened_at=NOW, opened_by=rte)
    fill(art, pi, team, other_team, rte)
    make_member(art, "team_member", team)
    small, _ = helpers.count_queries(client.get, url("art_home", art))
    fill(art, pi, team, other_team, rte, copies=6)
    for _ in range(10):
        make_member(art, "team_member", other_team)
    large, response = helpers.count_queries(client.get, url("art_home", art))
    assert response.status_code == 200
    figures = {figure.key: figure for figure in response.context["figures"]}
    assert figures["red-dependencies"].value == 7 and figures["quiet-risks"].value == 7
    # session, user, train, own memberships, PIs, iterations; vote, readiness; dependencies, risks;
    # predictability, WIP; the sync panel; the coaching panel (the RTE's due check-ins)
    assert small == large == 14
