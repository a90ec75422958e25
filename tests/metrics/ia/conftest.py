"""Fixtures of the Inspect & Adapt tests, on top of the shared personas (tests/conftest.py).

The train ``art`` (Europe/Berlin) runs PI 2026.4 (``pi``: from Monday 5 October 2026, four
two-week iterations, then the IP iteration to Sunday 13 December) and prepares PI 2027.1
(``next_pi``). The clock stands on Tuesday 8 December 2026, the day of the I&A.
"""

from datetime import date

import pytest
import time_machine

from metrics.ia import services
from metrics.ia.models import Bone, Step
from tests.factories import make_pi

IA_DAY = "2026-12-08 09:00Z"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(IA_DAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def next_pi(art):
    return make_pi(art, name="PI 2027.1", start=date(2026, 12, 14))


@pytest.fixture
def event(pi, rte):
    return services.open_ia(pi, by=rte)


@pytest.fixture
def problem(event, team_member):
    return services.add_problem(
        event, by=team_member, what="Stories spill over every iteration", impact="Missed objectives"
    )


def causes_of(problem, by, *texts):
    return [services.add_cause(problem, by=by, bone=Bone.PROCESS, text=text) for text in texts]


@pytest.fixture
def voting(event, rte):
    """The event at step 3, dot voting."""
    return services.move_to_step(event, step=Step.VOTE, by=rte)
