"""The demo's Inspect & Adapt: a finished one for the PI that closed last, the running PI's not yet held."""

import pytest
import time_machine
from django.core.management import call_command

from artops.models import ART, ProgramIncrement
from metrics.ia import follow_through, services
from metrics.ia.models import Cause, DotVote, ImprovementItem, InspectAdapt, Problem, Solution


@pytest.fixture(autouse=True)
def clock():
    """The demo is seeded on a day of its own, not the I&A tests' day."""
    with time_machine.travel("2026-11-26 09:00Z", tick=False) as traveller:
        yield traveller


@pytest.mark.django_db
def test_the_demo_has_a_finished_ia_and_the_running_pis_ia_not_yet_held():
    call_command("seed_demo", verbosity=0)
    art = ART.objects.get(slug="payments")
    current = ProgramIncrement.objects.get(art=art, state="executing")
    finished, upcoming = InspectAdapt.objects.order_by("held_on")
    assert finished.pi.end_date < current.start_date and finished.state == "held"
    assert finished.review is not None and finished.restated_problem
    assert Problem.objects.filter(event=finished).count() == 2
    assert Cause.objects.filter(problem__event=finished).exclude(whys=[]).exists()
    assert DotVote.objects.filter(cause__problem__event=finished).count() == 26
    assert Solution.objects.filter(event=finished).count() == 3
    # The tie at the top of the Pareto goes to the cause added first.
    top, second = services.pareto(finished)[:2]
    assert (top.votes, second.votes) == (8, 8) and top.cause.created_at <= second.cause.created_at
    items = ImprovementItem.objects.filter(event=finished).with_state().order_by("pk")
    assert [(item.target_pi, item.state) for item in items] == [(current, "done"), (current, "planned")]
    rate = follow_through.follow_through(art, today=art.today()).rates[0]
    assert (rate.items, rate.planned, rate.done, rate.demoed) == (2, 2, 1, 1)
    assert (upcoming.pi, upcoming.state) == (current, "scheduled")
    assert Problem.objects.filter(event=upcoming, team__name="Ledger").exists()

    call_command("seed_demo", verbosity=0)  # again: nothing more
    assert (InspectAdapt.objects.count(), ImprovementItem.objects.count()) == (2, 2)
