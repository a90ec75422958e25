"""The sync pages: the list and opening a sync, a sync's page and its live timer, the timer's moves,
the top 5, decisions and action items (owner and due date required), ROAM through the risks service,
closing, carry-over, the minutes, the sync of a calendar event, and the action items' CSV."""

import csv
import io
from datetime import UTC, date, datetime, time

import pytest
import time_machine

from artops.calendar.models import CalendarEvent
from risks.models import Risk, RiskChange
from sync import services
from sync.models import ActionItem, AgendaItem, Decision, SyncMeeting
from tests.factories import RiskFactory
from tests.helpers import HTMX, url
from tests.sync.conftest import closed
from tests.sync.factories import ActionItemFactory, ImpedimentFactory

pytestmark = pytest.mark.django_db

TUESDAY = date(2026, 10, 13)
NOW = "2026-10-13 08:05Z"  # 10:05 in Berlin


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def escalated(art, team, scrum_master):
    """An impediment escalated to the train: the top 5's first candidate."""
    impediment = ImpedimentFactory(art=art, team=team, raised_by=scrum_master, description="No test cards")
    return services.escalate_impediment(impediment, to="train", by=scrum_master, expected_version=1)


@pytest.fixture
def meeting(art, pi, rte, escalated, everyone):
    return services.open_meeting(art, kind="art_sync", date=TUESDAY, start_time=time(10), by=rte)


def meeting_url(meeting, name="sync_meeting", **kwargs):
    return url(name, meeting.art, meeting_id=meeting.pk, **kwargs)


# --- the list and opening a sync -------------------------------------------------------------------------


def test_the_rte_opens_an_art_sync_with_its_top_5(client, art, pi, rte, escalated):
    client.force_login(rte)
    response = client.post(url("sync_home", art), {"kind": "art_sync", "date": "2026-10-13", "start_time": "10:00"})
    meeting = SyncMeeting.objects.get()
    assert response.status_code == 302 and response["Location"] == meeting_url(meeting)
    assert list(AgendaItem.objects.filter(meeting=meeting).values_list("impediment", flat=True)) == [escalated.pk]
    page = client.get(meeting_url(meeting)).content.decode()
    assert "No test cards" in page and "Impediment escalated to the train" in page and "Start the sync" in page


def test_a_second_open_sync_of_the_same_kind_is_refused_with_the_reason(client, art, meeting, rte):
    client.force_login(rte)
    response = client.post(url("sync_home", art), {"kind": "art_sync", "date": "2026-10-20", "start_time": "10:00"})
    assert response.status_code == 422
    assert "already has an open ART Sync (13 Oct 2026, planned): close it before opening another" in (
        response.content.decode()
    )
    assert SyncMeeting.objects.count() == 1


def test_opening_needs_a_kind_a_day_and_a_time(client, art, pi, rte):
    client.force_login(rte)
    response = client.post(url("sync_home", art), {"kind": "stand_up", "date": "", "start_time": "25:00"})
    page = response.content.decode()
    assert response.status_code == 422 and not SyncMeeting.objects.exists()
    for message in ("A sync is an ART Sync, a Coach Sync or a PO Sync.", "Choose the day of the sync.", "HH:MM"):
        assert message in page


# --- the page, its timer, its live poll -------------------------------------------------------------------


def test_the_page_follows_the_90_minute_agenda(client, meeting, rte):
    client.force_login(rte)
    page = client.get(meeting_url(meeting)).content.decode()
    for section in ("0–10", "Metrics snapshot", "10–40", "40–70", "70–85", "85–90", "Summary and owners"):
        assert section in page
    # The metrics app fills the snapshot (artops.extensions.SYNC_METRICS_SNAPSHOT): sync never imports it.
    assert "No metrics provider is installed." not in page
    assert "Dependency age" in page and "WIP" in page


def test_the_metrics_section_shows_the_provider_panel(client, meeting, rte, monkeypatch):
    from artops import extensions

    seen = {}

    def provider(*, art, pi, today, **_):
        seen.update(art=art, pi=pi, today=today)
        return extensions.Panel(template="sync/sections/summary.html", context={})

    monkeypatch.setitem(extensions._providers, extensions.SYNC_METRICS_SNAPSHOT, [provider])
    client.force_login(rte)
    page = client.get(meeting_url(meeting)).content.decode()
    assert "No metrics provider is installed." not in page
    assert seen == {"art": meeting.art, "pi": meeting.pi, "today": TUESDAY}


def test_timer_start_and_next_section_through_htmx(client, meeting, rte, clock):
    client.force_login(rte)
    response = client.post(meeting_url(meeting, "sync_meeting_timer"), {"action": "start", "version": 1}, headers=HTMX)
    assert response.status_code == 200 and b"<html" not in response.content
    assert "The sync has started." in response.content.decode()
    clock.shift(300)
    page = client.get(meeting_url(meeting)).content.decode()
    assert 'id="timer-section">Metrics snapshot' in page and 'data-remaining="300"' in page
    response = client.post(meeting_url(meeting, "sync_meeting_timer"), {"action": "advance", "version": 2})
    assert response.status_code == 302
    stored = SyncMeeting.objects.get(pk=meeting.pk)
    assert (stored.current_section, stored.version, stored.state) == ("blockers", 3, "running")


def test_a_stale_timer_move_is_a_conflict_showing_the_sync_as_it_is(client, meeting, rte):
    client.force_login(rte)
    services.start_meeting(meeting, by=rte, expected_version=1)
    response = client.post(meeting_url(meeting, "sync_meeting_timer"), {"action": "start", "version": 1}, headers=HTMX)
    assert response.status_code == 409
    assert "a moment ago" in response.content.decode() and 'id="timer-section">Metrics snapshot' in (
        response.content.decode()
    )


def test_the_live_poll_answers_204_until_the_sync_changes(client, meeting, rte, team_member):
    client.force_login(team_member)
    live = meeting_url(meeting, "sync_meeting_live")
    assert client.get(live, {"version": 1}, headers=HTMX).status_code == 204
    services.start_meeting(meeting, by=rte, expected_version=1)
    response = client.get(live, {"version": 1}, headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and 'id="sync-body"' in page and "Metrics snapshot" in page
    assert "?version=2" in page and "Start the sync" not in page  # a team member follows, without controls


@pytest.mark.parametrize("version", ["", "²", "1" * 5000, "\x00", "-1", "0"])
def test_the_live_poll_refuses_a_version_that_is_not_one(client, meeting, team_member, version):
    client.force_login(team_member)
    response = client.get(meeting_url(meeting, "sync_meeting_live"), {"version": version})
    assert response.status_code == 400 and b"Say which version" in response.content


def test_the_live_poll_of_an_anonymous_htmx_request_redirects_the_whole_page(client, meeting):
    response = client.get(meeting_url(meeting, "sync_meeting_live"), {"version": 1}, headers=HTMX)
    assert response.status_code == 401 and response["HX-Redirect"].startswith("/accounts/login/")


def test_the_live_poll_of_another_train_is_404(client, meeting, outsider):
    client.force_login(outsider)
    assert client.get(meeting_url(meeting, "sync_meeting_live"), {"version": 1}).status_code == 404


# --- decisions and action items ---------------------------------------------------------------------


def test_an_action_item_without_owner_or_due_date_is_refused_and_nothing_saved(client, meeting, rte):
    client.force_login(rte)
    response = client.post(meeting_url(meeting, "sync_action_add"), {"text": "Book the slot"}, headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 422
    assert "Every action item has an owner: choose who will do it." in page
    assert "Every action item has a due date." in page
    assert 'value="Book the slot"' in page  # what was typed stays
    assert not ActionItem.objects.exists()


def test_an_action_item_of_a_stranger_or_before_the_sync_is_refused(client, meeting, rte, outsider):
    client.force_login(rte)
    data = {"text": "Book", "owner": outsider.pk, "due_date": "2026-10-20"}
    response = client.post(meeting_url(meeting, "sync_action_add"), data)
    assert response.status_code == 422 and "Choose the owner among the train&#x27;s members." in (
        response.content.decode()
    )
    data.update(owner=rte.pk, due_date="2026-10-01")
    response = client.post(meeting_url(meeting, "sync_action_add"), data)
    assert response.status_code == 422 and "The due date is before the sync (13 Oct 2026)." in response.content.decode()
    assert not ActionItem.objects.exists()


def test_a_decision_and_an_action_on_a_top_5_item(client, meeting, rte, scrum_master):
    client.force_login(rte)
    item = AgendaItem.objects.get(meeting=meeting)
    response = client.post(
        meeting_url(meeting, "sync_decision_add"),
        {"text": "Buy test cards from the second acquirer", "section": "blockers", "agenda_item": item.pk},
        headers=HTMX,
    )
    assert response.status_code == 200 and "Decision recorded." in response.content.decode()
    response = client.post(
        meeting_url(meeting, "sync_action_add"),
        {"text": "Order the cards", "owner": scrum_master.pk, "due_date": "2026-10-16", "agenda_item": item.pk},
    )
    assert response.status_code == 302
    decision, action = Decision.objects.get(), ActionItem.objects.get()
    assert (decision.agenda_item, decision.section, decision.by) == (item, "blockers", rte)
    assert (action.owner, action.due_date, action.agenda_item, action.raised_by) == (
        scrum_master,
        date(2026, 10, 16),
        item,
        rte,
    )
    page = client.get(meeting_url(meeting)).content.decode()
    assert "Needs a decision or a next action." not in page
    assert "Order the cards" in page and "Sam Master" in page


def test_open_actions_carry_into_the_next_sync_and_overdue_ones_stand_out(client, art, pi, rte, meeting, scrum_master):
    ActionItemFactory(meeting=meeting, owner=scrum_master, raised_by=rte, text="Late one", due_date=date(2026, 10, 12))
    ActionItemFactory(meeting=meeting, owner=scrum_master, raised_by=rte, text="Done one", state="done",
                      done_at=datetime(2026, 10, 13, tzinfo=UTC))  # fmt: skip
    closed(meeting)
    following = services.open_meeting(art, kind="art_sync", date=date(2026, 10, 20), start_time=time(10), by=rte)
    client.force_login(rte)
    page = client.get(meeting_url(following)).content.decode()
    carried = page[page.index('id="carried"') : page.index('id="section-metrics"')]
    assert "Late one" in carried and "Done one" not in carried
    assert 'class="is-overdue"' in carried and "overdue</span>" in carried


def test_the_owner_marks_a_carried_action_done(client, art, pi, rte, meeting, scrum_master, team_member):
    action = ActionItemFactory(meeting=meeting, owner=scrum_master, raised_by=rte, text="Call the acquirer")
    client.force_login(team_member)
    done = url("sync_action_done", art, meeting_id=meeting.pk, action_id=action.pk)
    assert client.post(done, {"version": 1}).status_code == 403
    client.force_login(scrum_master)
    assert client.post(done, {"version": 1}).status_code == 302
    assert ActionItem.objects.get(pk=action.pk).state == "done"


# --- the top 5 --------------------------------------------------------------------------------------


def test_pin_move_and_swap_from_the_page(client, art, pi, team, rte, scrum_master, meeting):
    second = ImpedimentFactory(art=art, team=team, raised_by=scrum_master, description="Staging down")
    services.escalate_impediment(second, to="train", by=scrum_master, expected_version=1)
    third = ImpedimentFactory(art=art, team=team, raised_by=scrum_master, description="No GPUs")
    services.escalate_impediment(third, to="train", by=scrum_master, expected_version=1)
    client.force_login(rte)
    assert client.post(meeting_url(meeting, "sync_agenda_pick"), {"version": 1}).status_code == 302
    first, other = AgendaItem.objects.filter(meeting=meeting).order_by("position")[:2]
    move = url("sync_agenda_move", art, meeting_id=meeting.pk, agenda_item_id=other.pk)
    assert client.post(move, {"position": 1, "version": 2}, headers=HTMX).status_code == 200
    assert AgendaItem.objects.get(pk=other.pk).position == 1 and AgendaItem.objects.get(pk=other.pk).pinned
    pin = url("sync_agenda_pin", art, meeting_id=meeting.pk, agenda_item_id=first.pk)
    assert client.post(pin, {"pinned": "true", "version": 3}).status_code == 302
    assert AgendaItem.objects.get(pk=first.pk).pinned
    # A position out of range, and a stale version.
    response = client.post(move, {"position": 6, "version": 4}, headers=HTMX)
    assert response.status_code == 422 and "out of range" in response.content.decode()
    assert client.post(move, {"position": 2, "version": 1}, headers=HTMX).status_code == 409


def test_swap_refuses_what_is_not_a_candidate(client, art, team, rte, scrum_master, meeting):
    not_escalated = ImpedimentFactory(art=art, team=team, raised_by=scrum_master)
    item = AgendaItem.objects.get(meeting=meeting)
    client.force_login(rte)
    swap = url("sync_agenda_swap", art, meeting_id=meeting.pk, agenda_item_id=item.pk)
    response = client.post(swap, {"candidate": f"impediment-{not_escalated.pk}", "version": 1}, headers=HTMX)
    assert response.status_code == 422 and "Only a candidate comes onto the top 5" in response.content.decode()
    for hostile in ("impediment-²", "impediment-" + "9" * 5000, "risk-1", "impediment-\x00"):
        assert client.post(swap, {"candidate": hostile, "version": 1}).status_code == 422
    assert AgendaItem.objects.get(pk=item.pk).impediment_id != not_escalated.pk


# --- ROAM during the sync ---------------------------------------------------------------------------


def test_roam_a_risk_through_the_same_service_as_the_roam_board(client, art, pi, rte, meeting, product_owner):
    risk = RiskFactory(art=art, pi=pi, raised_by=rte, title="Card network slips")
    client.force_login(rte)
    page = client.get(meeting_url(meeting)).content.decode()
    assert "Card network slips" in page
    roam = url("sync_risk_roam", art, meeting_id=meeting.pk, risk_id=risk.pk)
    response = client.post(roam, {"to": "owned", "owner": "", "version": 1}, headers=HTMX)
    assert response.status_code == 422 and "An owned risk needs an owner." in response.content.decode()
    response = client.post(roam, {"to": "owned", "owner": product_owner.pk, "version": 1}, headers=HTMX)
    assert response.status_code == 200 and "is Owned now" in response.content.decode()
    stored = Risk.objects.get(pk=risk.pk)
    assert (stored.state, stored.owner) == ("owned", product_owner)
    assert RiskChange.objects.filter(risk=risk, by=rte).exists()


def test_a_team_member_may_not_roam(client, art, pi, rte, meeting, team_member):
    risk = RiskFactory(art=art, pi=pi, raised_by=rte)
    client.force_login(team_member)
    roam = url("sync_risk_roam", art, meeting_id=meeting.pk, risk_id=risk.pk)
    assert client.post(roam, {"to": "resolved", "version": 1}).status_code == 403
    assert Risk.objects.get(pk=risk.pk).state == "unroamed"


# --- closing, minutes ---------------------------------------------------------------------------------


def test_close_and_the_minutes(client, meeting, rte, scrum_master):
    services.record_decision(meeting, text="Second acquirer", section="blockers", by=rte)
    services.add_action_item(meeting, text="Order =cards", owner=scrum_master, due_date=date(2026, 10, 16), by=rte)
    client.force_login(rte)
    response = client.post(meeting_url(meeting, "sync_meeting_close"), {"version": 1})
    assert response.status_code == 302 and SyncMeeting.objects.get(pk=meeting.pk).state == "closed"
    minutes = client.get(meeting_url(meeting, "sync_minutes")).content.decode()
    assert "Second acquirer" in minutes and "Order =cards" in minutes and "Sam Master" in minutes
    markdown = client.get(meeting_url(meeting, "sync_minutes_md"))
    assert markdown["Content-Type"] == "text/markdown; charset=utf-8"
    assert markdown["Content-Disposition"] == 'attachment; filename="payments-art-sync-2026-10-13.md"'
    text = markdown.content.decode()
    assert text.startswith("# ART Sync — Payments ART, Tue 13 Oct 2026 10:00")
    assert "- Second acquirer" in text and "- [ ] Order =cards — **Sam Master**, due 2026-10-16" in text


def test_minutes_have_a_print_stylesheet(client, meeting, rte):
    from django.contrib.staticfiles import finders

    client.force_login(rte)
    assert "css/sync.css" in client.get(meeting_url(meeting, "sync_minutes")).content.decode()
    with open(finders.find("css/sync.css")) as stylesheet:
        assert "@media print" in stylesheet.read()


# --- the action items' CSV ---------------------------------------------------------------------------------


def test_action_items_csv_neutralises_formulas_and_filters(client, art, meeting, rte, scrum_master):
    ActionItemFactory(meeting=meeting, owner=scrum_master, raised_by=rte, text="=HYPERLINK(\"x\")",
                      due_date=date(2026, 10, 12))  # fmt: skip
    ActionItemFactory(meeting=meeting, owner=rte, raised_by=rte, text="Fine", due_date=date(2026, 10, 30))
    client.force_login(scrum_master)
    response = client.get(url("sync_action_items_csv", art), {"overdue": "true"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["id", "sync", "sync_date", "action"]
    assert len(rows) == 2 and rows[1][3] == '\'=HYPERLINK("x")' and rows[1][7] == "yes"
    response = client.get(url("sync_action_items_csv", art), {"owner": "²"})
    assert response.status_code == 400 and b"owner" in response.content


# --- the sync of a calendar event --------------------------------------------------------------------------


@pytest.fixture
def event(art, pi):
    return CalendarEvent.objects.create(
        art=art,
        pi=pi,
        kind="art_sync",
        title="ART Sync",
        starts_at=datetime(2026, 10, 20, 8, tzinfo=UTC),
        ends_at=datetime(2026, 10, 20, 9, 30, tzinfo=UTC),
    )


def test_the_rte_opens_the_sync_of_a_calendar_event_once(client, art, rte, team_member, event, escalated, everyone):
    client.force_login(team_member)
    event_url = url("sync_calendar_event", art, event_id=event.pk)
    page = client.get(event_url).content.decode()
    assert "has not opened this sync yet" in page
    assert client.post(event_url).status_code == 403
    client.force_login(rte)
    response = client.post(event_url)
    meeting = SyncMeeting.objects.get()
    assert response.status_code == 302 and response["Location"] == meeting_url(meeting)
    assert (meeting.calendar_event, meeting.date, meeting.start_time) == (event, date(2026, 10, 20), time(10))
    assert client.get(event_url)["Location"] == meeting_url(meeting)
    client.force_login(team_member)
    assert client.get(event_url)["Location"] == meeting_url(meeting)
    assert SyncMeeting.objects.count() == 1


def test_a_calendar_event_that_is_no_sync_is_404(client, art, rte, pi):
    demo_event = CalendarEvent.objects.create(
        art=art, kind="system_demo", title="System Demo", start_date=date(2026, 10, 16), end_date=date(2026, 10, 17)
    )
    client.force_login(rte)
    assert client.get(url("sync_calendar_event", art, event_id=demo_event.pk)).status_code == 404
