"""What the other sections of a sync read: risks to ROAM since the last sync, scope changes, the PO and Coach Sync."""

from datetime import UTC, date, datetime

import pytest

from planning.models import Feature, FeaturePlacement
from planning.services import commit_plan
from risks.models import Risk, RiskChange
from sync import agenda
from sync.models import SyncMeeting
from tests.planning.factories import FeatureFactory, PlacementFactory
from tests.sync.factories import ClosedSyncMeetingFactory, ImpedimentFactory, SyncMeetingFactory

pytestmark = pytest.mark.django_db


def risk(art, pi, rte, title, state, changed: datetime) -> Risk:
    made = Risk.objects.create(art=art, pi=pi, title=title, raised_by=rte, state=state, owner=rte,
                               rationale="ok", mitigation_plan="plan")  # fmt: skip
    RiskChange.objects.create(risk=made, kind="raised", at=changed, by=rte)
    return made


def test_risks_changed_since_the_last_sync_of_this_kind_and_every_unroamed(art, pi, rte, django_assert_num_queries):
    ClosedSyncMeetingFactory(art=art, pi=pi, facilitator=rte, date=date(2026, 10, 13))  # closed 13 Oct 10:00 UTC
    ClosedSyncMeetingFactory(art=art, pi=pi, facilitator=rte, kind="po_sync", date=date(2026, 10, 19))
    meeting = SyncMeetingFactory(art=art, pi=pi, facilitator=rte, date=date(2026, 10, 20))
    unroamed = risk(art, pi, rte, "Unroamed long ago", "unroamed", datetime(2026, 10, 6, tzinfo=UTC))
    risk(art, pi, rte, "Owned before the last sync", "owned", datetime(2026, 10, 12, tzinfo=UTC))
    moved = risk(art, pi, rte, "Mitigated since", "mitigated", datetime(2026, 10, 15, tzinfo=UTC))
    with django_assert_num_queries(2):
        assert set(agenda.risks_to_roam(meeting)) == {unroamed, moved}
    first = SyncMeetingFactory(art=art, pi=pi, facilitator=rte, kind="coach_sync", date=date(2026, 10, 8))
    assert agenda.changes_since(first) == datetime(2026, 10, 5, tzinfo=art.tz)


def test_scope_changes_since_the_committed_plan(art, pi, team, rte, iterations):
    feature = FeatureFactory(art=art, pi=pi, title="Instant payouts")
    placement = PlacementFactory(feature=feature, team=team, iteration=iterations[2])
    commit_plan(pi, by=rte)
    FeaturePlacement.objects.filter(pk=placement.pk).update(iteration=iterations[3])
    meeting = SyncMeetingFactory(art=art, pi=pi, facilitator=rte, date=date(2026, 10, 20))
    assert [change.feature for change in agenda.scope_changes(meeting).moved] == [feature]


def test_po_and_coach_sync_reads(art, pi, team, other_team, rte, scrum_master):
    in_flight = FeatureFactory(art=art, pi=pi, state=Feature.State.IMPLEMENTING)
    FeatureFactory(art=art, pi=pi, state=Feature.State.BACKLOG)
    meeting = SyncMeetingFactory(art=art, pi=pi, facilitator=rte, kind=SyncMeeting.Kind.PO_SYNC)
    assert list(agenda.features_in_flight(meeting)) == [in_flight]
    otters = ImpedimentFactory(art=art, team=other_team, raised_by=scrum_master)
    falcons = ImpedimentFactory(art=art, team=team, raised_by=scrum_master)
    ImpedimentFactory(art=art, team=team, raised_by=scrum_master, state="resolved", resolution="x",
                      resolved_at=datetime(2026, 10, 9, tzinfo=UTC))  # fmt: skip
    assert list(agenda.team_impediments(meeting)) == [falcons, otters]
