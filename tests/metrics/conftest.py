"""Builders of metric data with a known history: features moved on given days, objectives, dependencies.

Everything is written directly (no capability checks): the metrics read history, they do
not make it. Moments are at 10:00 in the train's time zone unless said otherwise.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from artops.models import ART, Iteration, ProgramIncrement, Role, Team
from planning.models import Feature, FeatureStateChange, ObjectiveChange, PIObjective
from risks.models import Dependency
from tests.conftest import make_member
from tests.factories import ARTFactory, TeamFactory, make_pi
from tests.planning.factories import FeatureFactory

F = Feature.State


def at(art: ART, day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=art.tz)


def feature_with_moves(art: ART, moves: list[tuple[str, date]], *, type=Feature.Type.BUSINESS, job_size=1, pi=None):
    """A feature created on the first day, then moved one step at a time on the days given.

    ``moves``: [(state, day)], the first being the state it was created in.
    """
    feature = FeatureFactory(art=art, state=moves[-1][0], type=type, job_size=job_size, pi=pi)
    Feature.objects.filter(pk=feature.pk).update(created_at=at(art, moves[0][1], 9))
    previous = ""
    changes = []
    for state, day in moves:
        changes.append(FeatureStateChange(feature=feature, from_state=previous, to_state=state, at=at(art, day)))
        previous = state
    FeatureStateChange.objects.bulk_create(changes)
    return feature


def flowed(art: ART, started: date, done: date | None, **fields) -> Feature:
    """A feature that went funnel → … → implementing on ``started``, and to done on ``done`` (if given)."""
    before = started - timedelta(days=3)
    moves = [(F.FUNNEL, before), (F.ANALYZING, before), (F.BACKLOG, before), (F.IMPLEMENTING, started)]
    if done is not None:
        moves += [(F.VALIDATING, done), (F.DONE, done)]
    return feature_with_moves(art, moves, **fields)


def objective(team: Team, pi: ProgramIncrement, *, planned, actual=None, committed=True, assessed_on=None):
    """An objective with its business value; ``assessed_on``: the day the actual value was recorded."""
    obj = PIObjective.objects.create(
        team=team,
        pi=pi,
        statement="Objective",
        committed=committed,
        planned_business_value=planned,
        actual_business_value=actual,
    )
    PIObjective.objects.filter(pk=obj.pk).update(created_at=at(team.art, pi.start_date, 8))
    if actual is not None and assessed_on is not None:
        ObjectiveChange.objects.create(
            objective=obj,
            field=ObjectiveChange.Field.ACTUAL_BV,
            old_value="",
            new_value=str(actual),
            at=at(team.art, assessed_on),
        )
    return obj


def dependency(art: ART, pi: ProgramIncrement, *, needing: Team, providing: Team | None, raised: date, closed=None):
    """A dependency raised on ``raised`` (and delivered on ``closed``, if given)."""
    owner = make_member(art, Role.RTE)
    return Dependency.objects.create(
        art=art,
        pi=pi,
        needing_team=needing,
        providing_team=providing,
        external_party="" if providing else "Card Vendor",
        description="An interface",
        needed_by=Iteration.objects.filter(pi=pi, is_ip=False).order_by("number").last(),
        owner=owner,
        state=Dependency.State.DELIVERED if closed else Dependency.State.REQUESTED,
        created_at=at(art, raised),
        closed_at=at(art, closed) if closed else None,
    )


@pytest.fixture
def train(db):
    """A train in Berlin with two teams and a PI from Monday 5 January 2026 (4 × 2 weeks + IP, to 15 March)."""
    art = ARTFactory(name="Metrics ART", slug="metrics", time_zone="Europe/Berlin", wip_limit=3)
    art.alpha = TeamFactory(art=art, name="Alpha")
    art.beta = TeamFactory(art=art, name="Beta")
    art.pi = make_pi(art, name="PI 2026.1", start=date(2026, 1, 5), state=ProgramIncrement.State.EXECUTING)
    return art
