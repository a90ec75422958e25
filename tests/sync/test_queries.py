"""Query counts of the sync pages, the lists and the API lists: pinned, and the same at two sizes of train."""

from datetime import UTC, date, datetime, time

import pytest
import time_machine

from artops.models import Role
from risks.models import Dependency
from sync import services
from sync.models import SyncMeeting
from tests.conftest import make_member
from tests.factories import RiskFactory, TeamFactory
from tests.helpers import count_queries, url
from tests.planning.factories import FeatureFactory, ObjectiveFactory
from tests.sync.factories import (
    ActionItemFactory,
    DecisionFactory,
    DemoFeedbackFactory,
    DemoItemFactory,
    DependencyFactory,
    ImpedimentFactory,
    TeamStatusFactory,
)

pytestmark = pytest.mark.django_db

RAISED = datetime(2026, 10, 1, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel("2026-10-13 08:05Z", tick=False):
        yield


def grow(art, pi, iterations, rte, meeting, demo, number: int) -> None:
    """``number`` teams, each with a member, an impediment escalated to the train, a red dependency, a risk,
    a team status, an action item carried in, a decision, an objective and what it showed at the demo."""
    earlier = SyncMeeting.objects.filter(art=art, state="closed").first()
    provider = art.teams.order_by("pk").first()
    for index in range(number):
        team = TeamFactory(art=art, name=f"Team {SyncMeeting.objects.count()}-{index}-{art.teams.count()}")
        person = make_member(art, Role.SCRUM_MASTER, team)
        ImpedimentFactory(art=art, team=team, raised_by=person, level="train", raised_at=RAISED)
        DependencyFactory(art=art, pi=pi, needing_team=team, providing_team=provider, needed_by=iterations[2],
                          owner=person, state=Dependency.State.BLOCKED)  # fmt: skip
        RiskFactory(art=art, pi=pi, team=team, raised_by=person)
        TeamStatusFactory(meeting=meeting, team=team, posted_by=person)
        ActionItemFactory(meeting=earlier, owner=person, raised_by=rte)
        ActionItemFactory(meeting=meeting, owner=person, raised_by=rte)
        DecisionFactory(meeting=meeting, by=rte)
        ObjectiveFactory(team=team, pi=pi, planned_business_value=3)
        feature = FeatureFactory(art=art, pi=pi)
        item = DemoItemFactory(demo=demo, team=team, feature=feature, added_by=rte)
        DemoFeedbackFactory(demo=demo, by=person, item=item)


@pytest.fixture
def train(art, pi, iterations, rte, team, everyone):
    earlier = services.open_meeting(art, kind="art_sync", date=date(2026, 10, 6), start_time=time(10), by=rte)
    services.close_meeting(earlier, by=rte, expected_version=1)
    meeting = services.open_meeting(art, kind="art_sync", date=date(2026, 10, 13), start_time=time(10), by=rte)
    demo = services.create_system_demo(art, iteration=iterations[1], by=rte)
    return {"meeting": meeting, "demo": demo}


def pages(art, train):
    meeting, demo = train["meeting"], train["demo"]
    return {
        "syncs": url("sync_home", art),
        "sync page": url("sync_meeting", art, meeting_id=meeting.pk),
        "minutes": url("sync_minutes", art, meeting_id=meeting.pk),
        "team status": url("sync_team_status", art, meeting_id=meeting.pk),
        "impediments": url("sync_impediments", art),
        "impediments.csv": url("sync_impediments_csv", art),
        "action-items.csv": url("sync_action_items_csv", art),
        "demos": url("sync_demos", art),
        "demo": url("sync_demo", art, demo_id=demo.pk),
        "api meetings": "/api/sync-meetings/",
        "api agenda items": "/api/sync-agenda-items/",
        "api decisions": "/api/sync-decisions/",
        "api action items": "/api/sync-action-items/",
        "api team statuses": "/api/sync-team-statuses/",
        "api impediments": "/api/impediments/",
        "api demos": "/api/system-demos/",
        "api demo items": "/api/demo-items/",
        "api feedback": "/api/demo-feedback/",
    }


# The pinned counts, for the RTE. Session and user, then the train and the RTE's memberships, then the page's
# own reads: each a constant whatever the number of teams, impediments, dependencies, actions or items.
PINNED = {
    "syncs": 7,
    # The ART Sync opens with the metrics snapshot (artops.extensions.SYNC_METRICS_SNAPSHOT), which
    # the metrics app reads in six queries whatever the size of the train.
    "sync page": 24,
    "minutes": 24,
    "team status": 9,
    "impediments": 7,
    "impediments.csv": 5,
    "action-items.csv": 5,
    "demos": 6,
    "demo": 14,
    "api meetings": 4,
    "api agenda items": 3,
    "api decisions": 4,
    "api action items": 4,
    "api team statuses": 4,
    "api impediments": 4,
    "api demos": 5,
    "api demo items": 4,
    "api feedback": 4,
}


@pytest.mark.parametrize("page", sorted(PINNED))
def test_query_counts_are_pinned_and_do_not_grow(client, art, pi, iterations, rte, train, page):
    client.force_login(rte)
    address = pages(art, train)[page]

    def get():
        response = client.get(address)
        assert response.status_code == 200
        return response

    grow(art, pi, iterations, rte, train["meeting"], train["demo"], 2)
    small, _ = count_queries(get)
    grow(art, pi, iterations, rte, train["meeting"], train["demo"], 8)
    large, _ = count_queries(get)
    assert (small, large) == (PINNED[page], PINNED[page])


def test_the_live_poll_of_a_quiet_sync_costs_three_queries(client, art, rte, train, team_member):
    client.force_login(team_member)
    poll = url("sync_meeting_live", art, meeting_id=train["meeting"].pk)
    queries, response = count_queries(client.get, poll, {"version": train["meeting"].version})
    # session, user, and the meeting's version joined with the membership
    assert (response.status_code, queries) == (204, 3)
