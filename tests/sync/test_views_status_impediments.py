"""Team status before a sync (who has not posted), and the impediments page: aging, filters, raising,
escalating (the capability table decides who may), closing, and the CSV."""

import csv
import io
from datetime import UTC, date, datetime, time

import pytest
import time_machine

from sync import services
from sync.models import Impediment, ImpedimentEscalation, TeamStatus
from tests.helpers import HTMX, url
from tests.sync.factories import ImpedimentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel("2026-10-13 08:05Z", tick=False):
        yield


@pytest.fixture
def meeting(art, pi, rte, team, other_team, everyone):
    return services.open_meeting(art, kind="art_sync", date=date(2026, 10, 13), start_time=time(10), by=rte)


# --- team status --------------------------------------------------------------------------------------


def test_a_scrum_master_posts_the_status_of_their_team(client, art, team, other_team, meeting, scrum_master):
    client.force_login(scrum_master)
    status_url = url("sync_team_status", art, meeting_id=meeting.pk)
    page = client.get(status_url).content.decode()
    assert "Status of Falcons" in page and "Status of Otters" not in page
    response = client.post(
        status_url, {"team": team.pk, "status": "at_risk", "note": "Certification slot not booked"}, headers=HTMX
    )
    assert response.status_code == 200 and "Falcons: at risk, posted." in response.content.decode()
    stored = TeamStatus.objects.get()
    assert (stored.team, stored.status, stored.posted_by, stored.note) == (
        team,
        "at_risk",
        scrum_master,
        "Certification slot not booked",
    )
    sync_page = client.get(url("sync_meeting", art, meeting_id=meeting.pk)).content.decode()
    assert "Not posted:</strong> Otters." in sync_page


def test_a_scrum_master_may_not_post_for_another_team(client, art, other_team, meeting, scrum_master):
    client.force_login(scrum_master)
    response = client.post(
        url("sync_team_status", art, meeting_id=meeting.pk), {"team": other_team.pk, "status": "on_track"}
    )
    assert response.status_code == 422 and "Choose a team you post the status of." in response.content.decode()
    assert not TeamStatus.objects.exists()


def test_a_team_member_reads_but_does_not_post(client, art, team, meeting, team_member):
    client.force_login(team_member)
    status_url = url("sync_team_status", art, meeting_id=meeting.pk)
    assert client.get(status_url).status_code == 200
    assert client.post(status_url, {"team": team.pk, "status": "on_track"}).status_code == 403
    assert not TeamStatus.objects.exists()


def test_correcting_a_status_needs_the_version_read(client, art, team, meeting, scrum_master, product_owner):
    services.post_team_status(meeting, team=team, status="on_track", by=product_owner)
    client.force_login(scrum_master)
    response = client.post(
        url("sync_team_status", art, meeting_id=meeting.pk), {"team": team.pk, "status": "off_track"}, headers=HTMX
    )
    assert response.status_code == 409 and "a moment ago" in response.content.decode()
    assert TeamStatus.objects.get().status == "on_track"


def test_raising_an_impediment_with_the_status(client, art, team, meeting, scrum_master):
    client.force_login(scrum_master)
    response = client.post(
        url("sync_team_impediment", art, meeting_id=meeting.pk), {"team": team.pk, "description": "No test data"}
    )
    assert response.status_code == 302
    impediment = Impediment.objects.get()
    assert (impediment.team, impediment.level, impediment.owner) == (team, "team", scrum_master)


# --- the impediments page ---------------------------------------------------------------------------


@pytest.fixture
def impediments(art, team, other_team, scrum_master, rte):
    old = ImpedimentFactory(art=art, team=team, raised_by=scrum_master, description="Old and open",
                            raised_at=datetime(2026, 9, 20, 10, tzinfo=UTC))  # fmt: skip
    young = ImpedimentFactory(art=art, team=other_team, raised_by=rte, description="=cmd|' /C calc'!A0",
                              raised_at=datetime(2026, 10, 12, 10, tzinfo=UTC))  # fmt: skip
    return old, young


def test_the_list_shows_age_and_filters(client, art, team, impediments, team_member):
    client.force_login(team_member)
    page = client.get(url("sync_impediments", art)).content.decode()
    assert "Old and open" in page and "23 d" in page and "aging" in page
    filtered = client.get(url("sync_impediments", art), {"team": team.pk, "older_than": 14}, headers=HTMX)
    assert "Old and open" in filtered.content.decode() and "calc" not in filtered.content.decode()
    none = client.get(url("sync_impediments", art), {"team": "²"}).content.decode()
    assert "These filters are not valid: nothing matches." in none and "Old and open" not in none


def test_a_scrum_master_escalates_their_team_impediment_to_the_train(client, art, impediments, scrum_master):
    old, _young = impediments
    client.force_login(scrum_master)
    escalate = url("sync_impediment_escalate", art, impediment_id=old.pk)
    response = client.post(escalate, {"to": "train", "version": 1, "note": "Needs the platform team"}, headers=HTMX)
    assert response.status_code == 200 and "Escalated to the level “Train”" in response.content.decode()
    escalation = ImpedimentEscalation.objects.get()
    assert (escalation.from_level, escalation.to_level, escalation.by) == ("team", "train", scrum_master)


def test_an_impediment_escalated_by_someone_not_allowed_is_refused_and_nothing_saved(
    client, art, impediments, scrum_master, team_member, product_manager
):
    old, young = impediments
    client.force_login(team_member)
    response = client.post(url("sync_impediment_escalate", art, impediment_id=old.pk), {"to": "train", "version": 1})
    assert response.status_code == 403
    client.force_login(scrum_master)  # of the Falcons, not of the Otters
    response = client.post(url("sync_impediment_escalate", art, impediment_id=young.pk), {"to": "train", "version": 1})
    assert response.status_code == 403
    response = client.post(url("sync_impediment_escalate", art, impediment_id=old.pk), {"to": "beyond", "version": 1})
    assert response.status_code == 403  # beyond the train: the RTE alone
    assert not ImpedimentEscalation.objects.exists()
    assert set(Impediment.objects.values_list("level", flat=True)) == {"team"}


def test_escalating_downwards_or_nowhere_is_refused(client, art, impediments, rte):
    old, _young = impediments
    client.force_login(rte)
    escalate = url("sync_impediment_escalate", art, impediment_id=old.pk)
    assert client.post(escalate, {"to": "beyond", "version": 1}).status_code == 302
    response = client.post(escalate, {"to": "train", "version": 2}, headers=HTMX)
    assert response.status_code == 422 and "escalated upwards only" in response.content.decode()
    response = client.post(escalate, {"to": "the moon", "version": 2}, headers=HTMX)
    assert response.status_code == 422 and "escalated to the train or beyond" in response.content.decode()


def test_resolving_needs_how(client, art, impediments, scrum_master):
    old, _young = impediments
    client.force_login(scrum_master)
    close = url("sync_impediment_close", art, impediment_id=old.pk)
    response = client.post(close, {"outcome": "resolved", "text": "", "version": 1}, headers=HTMX)
    assert response.status_code == 422 and "Say how it was resolved" in response.content.decode()
    assert client.post(close, {"outcome": "resolved", "text": "Cards arrived", "version": 1}).status_code == 302
    stored = Impediment.objects.get(pk=old.pk)
    assert (stored.state, stored.resolution) == ("resolved", "Cards arrived")


def test_impediments_csv_neutralises_formulas(client, art, impediments, team_member):
    client.force_login(team_member)
    response = client.get(url("sync_impediments_csv", art))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["id", "team", "description", "level", "state"]
    assert rows[2][2] == "'=cmd|' /C calc'!A0" and rows[1][8] == "23"
    assert client.get(url("sync_impediments_csv", art), {"older_than": "5"}).status_code == 400
