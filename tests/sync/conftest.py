"""Fixtures of the sync tests, on top of the shared personas (tests/conftest.py).

The train ``art`` (Europe/Berlin) has the teams Falcons (``team``) and Otters
(``other_team``) and PI 2026.4 (``pi``, from Monday 5 October 2026: four two-week
development iterations, then the IP iteration from 30 November).
"""

from datetime import date, time

import pytest

from sync.models import SyncMeeting
from tests.sync.factories import SyncMeetingFactory


@pytest.fixture
def iterations(pi):
    """The PI's iterations by number (5 is the IP iteration)."""
    return {iteration.number: iteration for iteration in pi.iterations.all()}


@pytest.fixture
def art_sync(art, pi, rte):
    """A planned ART Sync on Tuesday 13 October 2026 at 10:00."""
    return SyncMeetingFactory(art=art, pi=pi, facilitator=rte, date=date(2026, 10, 13), start_time=time(10))


def closed(meeting: SyncMeeting) -> SyncMeeting:
    """``meeting`` written as closed (no service), so that another of its kind may open."""
    from datetime import UTC, datetime

    at = datetime.combine(meeting.date, meeting.start_time, tzinfo=UTC)
    SyncMeeting.objects.filter(pk=meeting.pk).update(
        state=SyncMeeting.State.CLOSED, current_section="summary", started_at=at, closed_at=at
    )
    meeting.refresh_from_db()
    return meeting
