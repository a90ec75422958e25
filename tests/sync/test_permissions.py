"""Who may do what in the sync app, service by service, over every role, an outsider and an anonymous user.

The capability table itself is checked against DESIGN.md in tests/artops/test_permissions.py; here
each service asks the right capability (for the right team) and refuses with PermissionDenied.
"""

from datetime import date, time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from sync import services
from sync.models import SyncMeeting
from tests.conftest import PERSONAS
from tests.planning.factories import FeatureFactory
from tests.sync.factories import DemoFeedbackFactory, SystemDemoFactory

pytestmark = pytest.mark.django_db

ROLES = {"rte", "product_manager", "system_architect", "business_owner", "scrum_master", "product_owner", "team_member"}
TEAM_LEADS = {"rte", "scrum_master", "product_owner"}
BACKLOG = {"rte", "product_manager"}
# planning.propose_feature: the backlog's owners, architects and Business Owners (issue 12).
PROPOSERS = {"rte", "product_manager", "system_architect", "business_owner"}


@pytest.fixture
def setting(art, pi, team, iterations, rte, business_owner):
    demo = SystemDemoFactory(art=art, pi=pi, iteration=iterations[1], created_by=rte)
    return {
        "meeting": SyncMeeting.objects.create(
            art=art, pi=pi, facilitator=rte, date=date(2026, 10, 13), start_time=time(10)
        ),
        "demo": demo,
        "feature": FeatureFactory(art=art, pi=pi),
        "feedback": DemoFeedbackFactory(demo=demo, by=business_owner),
    }


CALLS = {
    "open a sync": ({"rte"}, lambda s, u, art, team: services.open_meeting(
        art, kind="po_sync", date=date(2026, 10, 14), start_time=time(9), by=u)),
    "start a sync": ({"rte"}, lambda s, u, art, team: services.start_meeting(s["meeting"], by=u, expected_version=1)),
    "record a decision": ({"rte"}, lambda s, u, art, team: services.record_decision(
        s["meeting"], text="Go", section="risks", by=u)),
    "post team status": (TEAM_LEADS, lambda s, u, art, team: services.post_team_status(
        s["meeting"], team=team, status="on_track", by=u)),
    "raise an impediment": (ROLES, lambda s, u, art, team: services.raise_impediment(
        art, team=team, description="Blocked", by=u)),
    "create a System Demo": ({"rte"}, lambda s, u, art, team: services.create_system_demo(
        art, iteration=s["demo"].iteration.pi.iterations.get(number=2), by=u)),
    "record what a team showed": (TEAM_LEADS, lambda s, u, art, team: services.add_demo_item(
        s["demo"], team=team, feature=s["feature"], shown="It", integrated="yes", by=u)),
    "give feedback": (ROLES, lambda s, u, art, team: services.add_feedback(s["demo"], text="Nice", by=u)),
    "turn feedback into a backlog item": (PROPOSERS, lambda s, u, art, team: services.turn_feedback_into_backlog_item(
        s["feedback"], by=u, expected_version=1)),
    "close feedback": (BACKLOG, lambda s, u, art, team: services.close_feedback(
        s["feedback"], reason="No", by=u, expected_version=1)),
}  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("intent", sorted(CALLS))
def test_sync_services_permission_matrix(intent, persona, request, setting, art, team, everyone, outsider):
    allowed, call = CALLS[intent]
    user = AnonymousUser() if persona == "anonymous" else request.getfixturevalue(persona)
    if persona in allowed:
        assert call(setting, user, art, team) is not None
    else:
        with pytest.raises(PermissionDenied):
            call(setting, user, art, team)
