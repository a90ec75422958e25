"""Who may do what on the sync pages, their htmx endpoints and the API, over every role, an outsider (the
RTE of another train: 404) and an anonymous person (pages: 302 to log in; API: 401).

Each write names the personas the capability table lets do it; everyone else on the train gets 403 and
nothing changes. Writes run once as a plain form post (302 when done) and once through htmx (200).
"""

from datetime import date, time

import pytest
from django.urls import reverse

from artops.calendar.models import CalendarEvent
from sync import services
from sync.models import AgendaItem, DemoFeedback, Impediment
from tests.api_helpers import api_status, client_for
from tests.api_helpers import expected as api_expected
from tests.conftest import PERSONAS
from tests.factories import RiskFactory
from tests.helpers import HTMX, expected, login, url
from tests.planning.factories import FeatureFactory, ObjectiveFactory
from tests.sync.factories import ActionItemFactory, DemoFeedbackFactory, DemoItemFactory, ImpedimentFactory

pytestmark = pytest.mark.django_db

ROLES = {"rte", "product_manager", "system_architect", "business_owner", "scrum_master", "product_owner", "team_member"}
RTE = {"rte"}
LEADS = {"rte", "scrum_master", "product_owner"}
PROPOSERS = {"rte", "product_manager", "system_architect", "business_owner"}
BACKLOG = {"rte", "product_manager"}
ROAMERS = {"rte", "product_manager", "system_architect", "business_owner", "scrum_master", "product_owner"}


@pytest.fixture
def world(art, pi, team, iterations, everyone, rte, scrum_master, team_member):
    """An open ART Sync with a top 5 item and an action of the Scrum Master, a risk, an impediment owned
    by the team member, a System Demo with an item and feedback, an objective and a calendar event."""
    escalated = ImpedimentFactory(art=art, team=team, raised_by=scrum_master, description="Escalated")
    services.escalate_impediment(escalated, to="train", by=scrum_master, expected_version=1)
    meeting = services.open_meeting(art, kind="art_sync", date=date(2026, 10, 13), start_time=time(10), by=rte)
    feature = FeatureFactory(art=art, pi=pi)
    demo = services.create_system_demo(art, iteration=iterations[1], by=rte)
    DemoItemFactory(demo=demo, team=team, feature=feature, added_by=rte)
    services.record_decision(meeting, text="Pair on it", section="blockers", by=rte)
    services.post_team_status(meeting, team=team, status="on_track", by=scrum_master)
    return {
        "meeting": meeting,
        "item": AgendaItem.objects.get(meeting=meeting),
        "action": ActionItemFactory(meeting=meeting, owner=scrum_master, raised_by=rte),
        "risk": RiskFactory(art=art, pi=pi, team=team, raised_by=rte),
        "impediment": ImpedimentFactory(art=art, team=team, raised_by=team_member),
        "demo": demo,
        "feature": feature,
        "feedback": DemoFeedbackFactory(demo=demo, by=team_member),
        "objective": ObjectiveFactory(team=team, pi=pi, planned_business_value=5),
        "event": CalendarEvent.objects.create(
            art=art, pi=pi, kind="po_sync", title="PO Sync", start_date=date(2026, 10, 15), end_date=date(2026, 10, 16)
        ),
        "iteration": iterations[2],
    }


def m(w, name, **kwargs):
    return url(name, w["meeting"].art, meeting_id=w["meeting"].pk, **kwargs)


def d(w, name, **kwargs):
    return url(name, w["demo"].art, demo_id=w["demo"].pk, **kwargs)


PAGES = {
    "syncs": lambda w, art: url("sync_home", art),
    "sync page": lambda w, art: m(w, "sync_meeting"),
    "live poll": lambda w, art: (
        m(w, "sync_meeting_live") + "?version=0" if False else m(w, "sync_meeting_live") + "?version=1"
    ),
    "minutes": lambda w, art: m(w, "sync_minutes"),
    "minutes.md": lambda w, art: m(w, "sync_minutes_md"),
    "team status": lambda w, art: m(w, "sync_team_status"),
    "impediments": lambda w, art: url("sync_impediments", art),
    "impediments.csv": lambda w, art: url("sync_impediments_csv", art),
    "action-items.csv": lambda w, art: url("sync_action_items_csv", art),
    "demos": lambda w, art: url("sync_demos", art),
    "demo": lambda w, art: d(w, "sync_demo"),
    "calendar event": lambda w, art: url("sync_calendar_event", art, event_id=w["event"].pk),
}

# intent: (who may, url, form data)
WRITES = {
    "open a sync": (RTE, lambda w, art: url("sync_home", art),
                    lambda w: {"kind": "po_sync", "date": "2026-10-14", "start_time": "09:00"}),
    "start the timer": (RTE, lambda w, art: m(w, "sync_meeting_timer"), lambda w: {"action": "start", "version": 1}),
    "close the sync": (RTE, lambda w, art: m(w, "sync_meeting_close"), lambda w: {"version": 1}),
    "choose the top 5 again": (RTE, lambda w, art: m(w, "sync_agenda_pick"), lambda w: {"version": 1}),
    "pin a top 5 item": (RTE, lambda w, art: m(w, "sync_agenda_pin", agenda_item_id=w["item"].pk),
                         lambda w: {"pinned": "true", "version": 1}),
    "move a top 5 item": (RTE, lambda w, art: m(w, "sync_agenda_move", agenda_item_id=w["item"].pk),
                          lambda w: {"position": 1, "version": 1}),
    "record a decision": (RTE, lambda w, art: m(w, "sync_decision_add"), lambda w: {"text": "Go", "section": "risks"}),
    "add an action item": (RTE, lambda w, art: m(w, "sync_action_add"),
                           lambda w: {"text": "Do", "owner": w["action"].owner_id, "due_date": "2026-10-20"}),
    "mark an action done": ({"rte", "scrum_master"}, lambda w, art: m(w, "sync_action_done", action_id=w["action"].pk),
                            lambda w: {"version": 1}),
    "drop an action": ({"rte", "scrum_master"}, lambda w, art: m(w, "sync_action_drop", action_id=w["action"].pk),
                       lambda w: {"reason": "Moot", "version": 1}),
    "ROAM a risk": (ROAMERS, lambda w, art: m(w, "sync_risk_roam", risk_id=w["risk"].pk),
                    lambda w: {"to": "resolved", "version": 1}),
    "post team status": (LEADS, lambda w, art: m(w, "sync_team_status"),
                         lambda w: {"team": w["impediment"].team_id, "status": "at_risk", "version": 1}),
    "raise with the status": (LEADS, lambda w, art: m(w, "sync_team_impediment"),
                              lambda w: {"team": w["impediment"].team_id, "description": "Blocked"}),
    "raise an impediment": (ROLES, lambda w, art: url("sync_impediments", art),
                            lambda w: {"team": w["impediment"].team_id, "description": "Blocked"}),
    "escalate to the train": (LEADS, lambda w, art: url("sync_impediment_escalate", art,
                                                        impediment_id=w["impediment"].pk),
                              lambda w: {"to": "train", "version": 1}),
    "escalate beyond the train": (RTE, lambda w, art: url("sync_impediment_escalate", art,
                                                          impediment_id=w["impediment"].pk),
                                  lambda w: {"to": "beyond", "version": 1}),
    "resolve an impediment": ({"rte", "scrum_master", "product_owner", "team_member"},
                              lambda w, art: url("sync_impediment_close", art, impediment_id=w["impediment"].pk),
                              lambda w: {"outcome": "resolved", "text": "Done", "version": 1}),
    "hold a System Demo": (RTE, lambda w, art: url("sync_demos", art), lambda w: {"iteration": w["iteration"].pk}),
    "record what a team showed": (LEADS, lambda w, art: d(w, "sync_demo_item_add"),
                                  lambda w: {"team": w["impediment"].team_id,
                                             "feature": FeatureFactory(art=w["demo"].art, pi=w["demo"].pi).pk,
                                             "shown": "It", "integrated": "yes"}),
    "record attendance": (RTE, lambda w, art: d(w, "sync_demo_attendance"), lambda w: {"version": 1}),
    "give feedback": (ROLES, lambda w, art: d(w, "sync_feedback_add"), lambda w: {"text": "Nice"}),
    "feedback to the backlog": (PROPOSERS, lambda w, art: d(w, "sync_feedback_backlog", feedback_id=w["feedback"].pk),
                                lambda w: {"version": 1}),
    "close feedback": (BACKLOG, lambda w, art: d(w, "sync_feedback_close", feedback_id=w["feedback"].pk),
                       lambda w: {"reason": "No", "version": 1}),
    "feature outcome": (BACKLOG, lambda w, art: d(w, "sync_demo_outcome"),
                        lambda w: {"feature": w["feature"].pk, "outcome": "accepted"}),
    "actual business value": ({"business_owner"},
                              lambda w, art: d(w, "sync_demo_business_value", objective_id=w["objective"].pk),
                              lambda w: {"actual_business_value": 4, "version": 1}),
    "open the sync of an event": (RTE, lambda w, art: url("sync_calendar_event", art, event_id=w["event"].pk),
                                  lambda w: {}),
}  # fmt: skip

# Writes that answer with a page of their own (a redirect) even for htmx: they open or create something.
CREATES = {"open a sync", "hold a System Demo", "open the sync of an event"}


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("page", sorted(PAGES))
def test_sync_pages_permission_matrix(client, art, world, persona, page, request):
    name = request.node.callspec.params["persona"]
    response = login(client, persona).get(PAGES[page](world, art))
    if page == "live poll" and name == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        return
    # The poll of a sync that has not changed since the version shown answers 204, nothing to swap.
    assert response.status_code == expected(name, True, 204 if page == "live poll" else 200)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("intent", sorted(WRITES))
@pytest.mark.parametrize("mode", ["plain", "htmx"])
def test_sync_writes_permission_matrix(client, art, world, persona, intent, mode, request):
    name = request.node.callspec.params["persona"]
    allowed, to, data = WRITES[intent]
    headers = HTMX if mode == "htmx" else {}
    ok = 302 if mode == "plain" or intent in CREATES else 200
    response = login(client, persona).post(to(world, art), data(world), headers=headers)
    assert response.status_code == expected(name, name in allowed, ok), response.content[:300]
    if name not in allowed:
        assert Impediment.objects.filter(level="team", pk=world["impediment"].pk).exists()
        assert DemoFeedback.objects.get(pk=world["feedback"].pk).state == "open"


# --- the API ------------------------------------------------------------------------------------------


def api(kind, obj=None, action=""):
    if obj is None:
        return reverse(f"api-{kind}-{action or 'list'}")
    return reverse(f"api-{kind}-{action or 'detail'}", kwargs={"pk": obj.pk})


LISTS = ["sync-meeting", "sync-agenda-item", "sync-decision", "sync-action-item", "sync-team-status", "impediment",
         "system-demo", "demo-item", "demo-feedback"]  # fmt: skip

# intent: (who may, url, payload, ok status)
API_WRITES = {
    "open a sync": (RTE, lambda w: api("sync-meeting"),
                    lambda w: {"art": "payments", "kind": "po_sync", "date": "2026-10-14", "start_time": "09:00"}, 201),
    "start the timer": (RTE, lambda w: api("sync-meeting", w["meeting"], "start"), lambda w: {"version": 1}, 200),
    "close the sync": (RTE, lambda w: api("sync-meeting", w["meeting"], "close"), lambda w: {"version": 1}, 200),
    "pin a top 5 item": (RTE, lambda w: api("sync-agenda-item", w["item"], "pin"), lambda w: {"version": 1}, 200),
    "move a top 5 item": (RTE, lambda w: api("sync-agenda-item", w["item"], "move"),
                          lambda w: {"position": 1, "version": 1}, 200),
    "record a decision": (RTE, lambda w: api("sync-decision"),
                          lambda w: {"meeting": w["meeting"].pk, "text": "Go", "section": "risks"}, 201),
    "add an action item": (RTE, lambda w: api("sync-action-item"),
                           lambda w: {"meeting": w["meeting"].pk, "text": "Do", "owner": w["action"].owner_id,
                                      "due_date": "2026-10-20"}, 201),
    "mark an action done": ({"rte", "scrum_master"}, lambda w: api("sync-action-item", w["action"], "complete"),
                            lambda w: {"version": 1}, 200),
    "drop an action": ({"rte", "scrum_master"}, lambda w: api("sync-action-item", w["action"], "drop"),
                       lambda w: {"reason": "Moot", "version": 1}, 200),
    "post team status": (LEADS, lambda w: api("sync-team-status"),
                         lambda w: {"meeting": w["meeting"].pk, "team": w["impediment"].team_id,
                                    "status": "at_risk", "version": 1}, 201),
    "raise an impediment": (ROLES, lambda w: api("impediment"),
                            lambda w: {"art": "payments", "team": w["impediment"].team_id, "description": "X"}, 201),
    "escalate to the train": (LEADS, lambda w: api("impediment", w["impediment"], "escalate"),
                              lambda w: {"to": "train", "version": 1}, 200),
    "escalate beyond the train": (RTE, lambda w: api("impediment", w["impediment"], "escalate"),
                                  lambda w: {"to": "beyond", "version": 1}, 200),
    "resolve an impediment": ({"rte", "scrum_master", "product_owner", "team_member"},
                              lambda w: api("impediment", w["impediment"], "resolve"),
                              lambda w: {"resolution": "Done", "version": 1}, 200),
    "hold a System Demo": (RTE, lambda w: api("system-demo"),
                           lambda w: {"art": "payments", "iteration": w["iteration"].pk}, 201),
    "record what a team showed": (LEADS, lambda w: api("demo-item"),
                                  lambda w: {"demo": w["demo"].pk, "team": w["impediment"].team_id,
                                             "feature": FeatureFactory(art=w["demo"].art, pi=w["demo"].pi).pk,
                                             "shown": "It", "integrated": "yes"}, 201),
    "record attendance": (RTE, lambda w: api("system-demo", w["demo"], "attendance"),
                          lambda w: {"attendees": [], "version": 1}, 200),
    "feature outcome": (BACKLOG, lambda w: api("system-demo", w["demo"], "outcome"),
                        lambda w: {"feature": w["feature"].pk, "outcome": "needs_work"}, 200),
    "give feedback": (ROLES, lambda w: api("demo-feedback"), lambda w: {"demo": w["demo"].pk, "text": "Nice"}, 201),
    "feedback to the backlog": (PROPOSERS, lambda w: api("demo-feedback", w["feedback"], "to-backlog"),
                                lambda w: {"version": 1}, 200),
    "close feedback": (BACKLOG, lambda w: api("demo-feedback", w["feedback"], "close"),
                       lambda w: {"reason": "No", "version": 1}, 200),
}  # fmt: skip

# Writes whose payload names the train or the object (not the URL): an outsider's ids read as unknown (400).
NAMED_IN_PAYLOAD = {"open a sync", "record a decision", "add an action item", "post team status", "raise an impediment",
                    "hold a System Demo", "record what a team showed", "give feedback"}  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("kind", LISTS)
def test_sync_api_reads_permission_matrix(world, persona, kind, request):
    name = request.node.callspec.params["persona"]
    client = client_for(persona)
    listing = client.get(api(kind))
    assert api_status(listing) == (401 if name == "anonymous" else 200)
    if name == "outsider":
        assert listing.json()["count"] == 0
    elif name != "anonymous":
        assert listing.json()["count"] >= 1


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("intent", sorted(API_WRITES))
def test_sync_api_writes_permission_matrix(world, persona, intent, request):
    name = request.node.callspec.params["persona"]
    allowed, to, payload, ok = API_WRITES[intent]
    response = client_for(persona).post(to(world), payload(world), format="json")
    outsider = 400 if intent in NAMED_IN_PAYLOAD else 404
    assert api_status(response) == api_expected(name, name in allowed, ok, outsider=outsider), response.content[:300]
