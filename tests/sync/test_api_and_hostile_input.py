"""The sync API's answers to bad input (400 with the reason, nothing saved), stale versions (409) and
hostile ids ("²", 5,000 digits, NUL, a number past bigint) on every route of the sync pages and the API:
never a 500."""

from datetime import date, time

import pytest
import time_machine
from django.urls import reverse

from sync import services
from sync.models import ActionItem, DemoItem, Impediment, ImpedimentEscalation, SyncMeeting
from tests.api_helpers import client_for, messages
from tests.factories import make_pi
from tests.planning.factories import FeatureFactory
from tests.sync.factories import ImpedimentFactory

pytestmark = pytest.mark.django_db

HOSTILE = ["²", "1" * 5000, "\x00", "99999999999999999999", "-1", "0", "١٢"]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel("2026-10-13 08:05Z", tick=False):
        yield


@pytest.fixture
def meeting(art, pi, rte, everyone):
    return services.open_meeting(art, kind="art_sync", date=date(2026, 10, 13), start_time=time(10), by=rte)


@pytest.fixture
def demo(art, pi, iterations, rte):
    return services.create_system_demo(art, iteration=iterations[1], by=rte)


def test_the_api_refuses_a_second_open_sync_of_a_kind(meeting, rte):
    payload = {"art": "payments", "kind": "art_sync", "date": "2026-10-20", "start_time": "10:00"}
    response = client_for(rte).post("/api/sync-meetings/", payload, format="json")
    assert response.status_code == 400 and "close it before opening another" in messages(response)
    assert SyncMeeting.objects.count() == 1


def test_the_api_refuses_an_action_item_without_owner_or_due_date(meeting, rte):
    response = client_for(rte).post("/api/sync-action-items/", {"meeting": meeting.pk, "text": "Do"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["owner"] == ["Every action item has an owner: choose who will do it."]
    assert body["due_date"] == ["Every action item has a due date."]
    assert not ActionItem.objects.exists()


def test_the_api_refuses_a_demo_item_for_a_feature_of_another_pi(art, demo, team, rte):
    later = make_pi(art, name="PI 2027.1", start=date(2026, 12, 14))
    elsewhere = FeatureFactory(art=art, pi=later)
    payload = {"demo": demo.pk, "team": team.pk, "feature": elsewhere.pk, "shown": "It", "integrated": "yes"}
    response = client_for(rte).post("/api/demo-items/", payload, format="json")
    assert response.status_code == 400
    assert "is planned for PI 2027.1: the System Demo of PI 2026.4 shows features of PI 2026.4" in messages(response)
    assert not DemoItem.objects.exists()


def test_the_api_refuses_an_escalation_by_someone_not_allowed(art, team, scrum_master, team_member):
    impediment = ImpedimentFactory(art=art, team=team, raised_by=team_member)
    response = client_for(team_member).post(
        f"/api/impediments/{impediment.pk}/escalate/", {"to": "train", "version": 1}, format="json"
    )
    assert response.status_code == 403 and "escalate its impediment to the train" in messages(response)
    response = client_for(scrum_master).post(
        f"/api/impediments/{impediment.pk}/escalate/", {"to": "beyond", "version": 1}, format="json"
    )
    assert response.status_code == 403 and "Only the Release Train Engineer escalates" in messages(response)
    assert not ImpedimentEscalation.objects.exists() and Impediment.objects.get().level == "team"


def test_a_stale_version_answers_409(meeting, rte):
    client = client_for(rte)
    assert client.post(f"/api/sync-meetings/{meeting.pk}/start/", {"version": 1}, format="json").status_code == 200
    response = client.post(f"/api/sync-meetings/{meeting.pk}/pause/", {"version": 1}, format="json")
    assert response.status_code == 409 and "a moment ago" in messages(response)
    response = client.post(f"/api/sync-meetings/{meeting.pk}/advance/", {"version": 2, "to": "scope"}, format="json")
    assert response.status_code == 200 and response.json()["current_section"] == "scope"


def test_the_api_reads_a_meeting_with_its_timer(meeting, rte):
    body = client_for(rte).get(f"/api/sync-meetings/{meeting.pk}/").json()
    assert (body["kind"], body["state"], body["version"], body["elapsed"], body["art"]) == (
        "art_sync",
        "planned",
        1,
        0,
        "payments",
    )


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_ids_in_api_payloads_and_filters_answer_400(meeting, rte, value):
    client = client_for(rte)
    response = client.post("/api/sync-decisions/", {"meeting": value, "text": "Go"}, format="json")
    assert response.status_code == 400
    response = client.get("/api/sync-action-items/", {"owner": value})
    assert response.status_code == 400
    response = client.post(f"/api/sync-meetings/{meeting.pk}/start/", {"version": value}, format="json")
    assert response.status_code == 400
    assert SyncMeeting.objects.get().state == "planned"


def test_text_that_cannot_be_stored_is_refused(meeting, rte):
    response = client_for(rte).post("/api/sync-decisions/", {"meeting": meeting.pk, "text": "Go\x00"}, format="json")
    assert response.status_code == 400 and "NUL" in messages(response)
    response = client_for(rte).post("/api/sync-decisions/", {"meeting": meeting.pk, "text": "x" * 1001}, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize("value", ["²", "1" * 5000, "%00", "99999999999999999999", "١٢"])
def test_hostile_ids_in_page_and_api_routes_answer_404(
    client, api_client, art, meeting, demo, rte, business_owner, value
):
    client.force_login(rte)
    api_client.force_login(rte)
    base = f"/arts/{art.slug}/sync"
    for path in (
        f"{base}/meetings/{value}/",
        f"{base}/meetings/{value}/live/?version=1",
        f"{base}/meetings/{meeting.pk}/agenda/{value}/pin/",
        f"{base}/meetings/{meeting.pk}/actions/{value}/done/",
        f"{base}/meetings/{meeting.pk}/risks/{value}/roam/",
        f"{base}/impediments/{value}/escalate/",
        f"{base}/demos/{value}/",
        f"{base}/demos/{demo.pk}/feedback/{value}/backlog/",
        f"{base}/events/{value}/",
    ):
        method = client.get if path.endswith(("/", "=1")) and "/pin/" not in path else client.post
        if any(part in path for part in ("/done/", "/roam/", "/escalate/", "/backlog/", "/business-value/")):
            method = client.post
        assert method(path).status_code == 404, path
    client.force_login(business_owner)  # business value is theirs: the capability is checked first
    assert client.post(f"{base}/demos/{demo.pk}/objectives/{value}/business-value/").status_code == 404
    for kind in ("sync-meeting", "impediment", "system-demo", "demo-feedback"):
        detail = reverse(f"api-{kind}-list") + f"{value}/"
        assert api_client.get(detail).status_code == 404, detail


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_in_page_forms_answer_422_and_save_nothing(client, art, meeting, rte, value):
    client.force_login(rte)
    base = f"/arts/{art.slug}/sync/meetings/{meeting.pk}"
    data = {"text": "Do", "owner": value, "due_date": "2026-10-20", "agenda_item": value}
    assert client.post(f"{base}/actions/", data).status_code == 422
    assert client.post(f"{base}/timer/", {"action": "start", "version": value}).status_code == 422
    assert client.post(f"{base}/agenda/pick/", {"version": value}).status_code == 422
    assert not ActionItem.objects.exists() and SyncMeeting.objects.get().state == "planned"
