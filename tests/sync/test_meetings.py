"""Sync meetings: opening one (one open per kind), the facilitator's timer, closing, decisions and action items,
their carry-over into the next sync of the same kind, and team status."""

import itertools
from datetime import date, time, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from artops.services import StaleVersion
from sync import agenda, services
from sync.models import ActionItem, Decision, SyncMeeting, TeamStatus
from tests.conftest import make_member
from tests.factories import UserFactory
from tests.sync.conftest import closed
from tests.sync.factories import ActionItemFactory, ClosedSyncMeetingFactory, SyncMeetingFactory

pytestmark = pytest.mark.django_db

Kind = SyncMeeting.Kind
TUESDAY = date(2026, 10, 13)


def open_sync(art, rte, *, kind=Kind.ART_SYNC, day=TUESDAY, **extra) -> SyncMeeting:
    return services.open_meeting(art, kind=kind, date=day, start_time=time(10), by=rte, **extra)


# --- opening ---------------------------------------------------------------------------------------


def test_open_meeting_finds_the_pi_of_its_date(art, pi, rte):
    meeting = open_sync(art, rte)
    assert (meeting.pi, meeting.state, meeting.facilitator, meeting.version) == (pi, "planned", rte, 1)
    assert meeting.starts_at.isoformat() == "2026-10-13T10:00:00+02:00"


def test_second_open_sync_of_the_same_kind_is_refused_and_nothing_saved(art, pi, rte):
    first = open_sync(art, rte)
    with pytest.raises(ValidationError, match=r"already has an open ART Sync \(13 Oct 2026, planned\): close it"):
        open_sync(art, rte, day=TUESDAY + timedelta(days=7))
    assert list(SyncMeeting.objects.all()) == [first]


def test_the_database_refuses_a_second_open_sync_of_a_kind(art, pi, rte, art_sync):
    with pytest.raises(IntegrityError), transaction.atomic():
        SyncMeetingFactory(art=art, pi=pi, facilitator=rte, date=TUESDAY + timedelta(days=7))


def test_other_kinds_and_other_trains_open_alongside(art, pi, rte, art_sync, other_art, outsider):
    assert open_sync(art, rte, kind=Kind.COACH_SYNC).kind == Kind.COACH_SYNC
    assert open_sync(art, rte, kind=Kind.PO_SYNC).kind == Kind.PO_SYNC
    assert SyncMeeting.objects.for_art(art).open().count() == 3


def test_after_closing_the_next_one_opens(art, pi, rte, art_sync):
    closed(art_sync)
    assert open_sync(art, rte, day=TUESDAY + timedelta(days=7)).is_open


def test_open_meeting_refusals(art, pi, rte, other_art, product_manager):
    with pytest.raises(ValidationError, match="No PI of Payments ART runs on 01 Jan 2030"):
        open_sync(art, rte, day=date(2030, 1, 1))
    with pytest.raises(ValidationError, match="A sync is an ART Sync, a Coach Sync or a PO Sync"):
        open_sync(art, rte, kind="stand_up")
    with pytest.raises(ValidationError, match=r"is not in PI 2026\.4"):
        open_sync(art, rte, day=date(2027, 3, 1), pi=pi)
    with pytest.raises(PermissionDenied, match="Only the Release Train Engineer runs"):
        open_sync(art, product_manager)
    assert not SyncMeeting.objects.exists()


# --- the timer ---------------------------------------------------------------------------------------


def test_timer_start_pause_resume_advance(art, pi, rte, art_sync):
    with time_machine.travel("2026-10-13 08:00Z", tick=False) as clock:
        meeting = services.start_meeting(art_sync, by=rte, expected_version=1)
        assert (meeting.state, meeting.current_section, meeting.version) == ("running", "metrics", 2)

        clock.shift(timedelta(minutes=4))
        now = meeting.section_started_at + timedelta(minutes=4)
        assert agenda.timer(meeting, now).elapsed == 240
        meeting = services.pause_timer(meeting, by=rte, expected_version=2)
        assert (meeting.section_elapsed, meeting.section_started_at, meeting.timer_running) == (240, None, False)

        clock.shift(timedelta(minutes=10))  # paused: the clock of the section does not move
        assert agenda.timer(meeting, now + timedelta(minutes=10)).elapsed == 240
        meeting = services.resume_timer(meeting, by=rte, expected_version=3)
        clock.shift(timedelta(minutes=7))
        # Read back from the stored row, as another person's page would.
        stored = SyncMeeting.objects.get(pk=meeting.pk)
        running = agenda.timer(stored, meeting.section_started_at + timedelta(minutes=7))
        assert (running.elapsed, running.remaining, running.overrun, running.running) == (660, -60, True, True)

        meeting = services.advance_timer(stored, by=rte, expected_version=4)
        assert (meeting.current_section, meeting.section_elapsed, meeting.timer_running) == ("blockers", 0, True)
        section = agenda.timer(meeting, meeting.section_started_at).section
        assert (section.title, section.start, section.end, section.timebox) == (
            "Cross-team blockers and dependencies (top 5)",
            10,
            40,
            1800,
        )


def test_advancing_a_paused_timer_stays_paused_and_may_jump(art, pi, rte, art_sync):
    with time_machine.travel("2026-10-13 08:00Z", tick=False):
        meeting = services.start_meeting(art_sync, by=rte, expected_version=1)
        meeting = services.pause_timer(meeting, by=rte, expected_version=2)
        meeting = services.advance_timer(meeting, by=rte, expected_version=3, to="summary")
    assert (meeting.current_section, meeting.timer_running, meeting.section_elapsed) == ("summary", False, 0)
    with pytest.raises(ValidationError, match="This is the last section: close the sync"):
        services.advance_timer(meeting, by=rte, expected_version=4)
    with pytest.raises(ValidationError, match="has no section “lunch”"):
        services.advance_timer(meeting, by=rte, expected_version=4, to="lunch")


def test_timer_refusals(art, pi, rte, art_sync, scrum_master):
    with pytest.raises(ValidationError, match="has not started yet"):
        services.pause_timer(art_sync, by=rte, expected_version=1)
    with pytest.raises(PermissionDenied):
        services.start_meeting(art_sync, by=scrum_master, expected_version=1)
    meeting = services.start_meeting(art_sync, by=rte, expected_version=1)
    with pytest.raises(ValidationError, match="already running"):
        services.start_meeting(meeting, by=rte, expected_version=2)
    with pytest.raises(ValidationError, match="The timer is already running"):
        services.resume_timer(meeting, by=rte, expected_version=2)
    # A second facilitator acting on what they saw before the first one's change.
    with pytest.raises(StaleVersion, match="version 2"):
        services.pause_timer(meeting, by=rte, expected_version=1)


def test_close_keeps_the_time_run_and_refuses_changes_afterwards(art, pi, rte, art_sync):
    with time_machine.travel("2026-10-13 08:00Z", tick=False) as clock:
        meeting = services.start_meeting(art_sync, by=rte, expected_version=1)
        clock.shift(timedelta(minutes=3))
        meeting = services.close_meeting(meeting, by=rte, expected_version=2)
    assert (meeting.state, meeting.section_elapsed, meeting.timer_running) == ("closed", 180, False)
    assert meeting.closed_at is not None
    with pytest.raises(ValidationError, match="is closed"):
        services.close_meeting(meeting, by=rte, expected_version=3)
    with pytest.raises(ValidationError, match="is closed"):
        services.record_decision(meeting, text="Too late", section="summary", by=rte)


def test_a_planned_sync_can_be_called_off(art, pi, rte, art_sync):
    meeting = services.close_meeting(art_sync, by=rte, expected_version=1)
    assert meeting.state == "closed" and meeting.started_at is None


def test_every_kind_has_a_timeboxed_agenda_ending_with_the_summary():
    for kind in Kind.values:
        sections = agenda.sections(kind)
        assert sections[0].start == 0 and sections[-1].key == "summary"
        assert all(a.end == b.start for a, b in itertools.pairwise(sections))
        assert 30 <= agenda.duration(kind) <= 90
    assert agenda.duration(Kind.ART_SYNC) == 90
    assert [(s.start, s.end) for s in agenda.sections(Kind.ART_SYNC)] == [
        (0, 10),
        (10, 40),
        (40, 70),
        (70, 85),
        (85, 90),
    ]


# --- decisions and action items -------------------------------------------------------------------------


def test_record_decision_in_the_current_section(art, pi, rte, art_sync):
    meeting = services.start_meeting(art_sync, by=rte, expected_version=1)
    decision = services.record_decision(meeting, text="  Ledger takes the reporting schema first. ", by=rte)
    assert (decision.section, decision.text, decision.by) == (
        "metrics",
        "Ledger takes the reporting schema first.",
        rte,
    )


def test_record_decision_refusals(art, pi, rte, art_sync, business_owner):
    with pytest.raises(ValidationError, match="Choose the section"):
        services.record_decision(art_sync, text="Something", by=rte)
    with pytest.raises(ValidationError, match="Write the decision"):
        services.record_decision(art_sync, text="  ", section="risks", by=rte)
    with pytest.raises(ValidationError, match="no section “features”"):
        services.record_decision(art_sync, text="Something", section="features", by=rte)
    with pytest.raises(PermissionDenied):
        services.record_decision(art_sync, text="Something", section="risks", by=business_owner)
    assert not Decision.objects.exists()


def test_action_item_needs_an_owner_and_a_due_date_and_nothing_is_saved(art, pi, rte, art_sync):
    with pytest.raises(ValidationError) as refused:
        services.add_action_item(art_sync, text="Book the certification slot", owner=None, due_date=None, by=rte)
    assert refused.value.message_dict == {
        "owner": ["Every action item has an owner: choose who will do it."],
        "due_date": ["Every action item has a due date."],
    }
    with pytest.raises(ValidationError, match="Every action item has a due date"):
        services.add_action_item(art_sync, text="Book it", owner=rte, due_date=None, by=rte)
    with pytest.raises(ValidationError, match="Every action item has an owner"):
        services.add_action_item(art_sync, text="Book it", owner=None, due_date=date(2026, 10, 20), by=rte)
    with pytest.raises(ValidationError, match="Say what is to be done"):
        services.add_action_item(art_sync, text="", owner=rte, due_date=date(2026, 10, 20), by=rte)
    with pytest.raises(ValidationError, match="before the sync"):
        services.add_action_item(art_sync, text="Book it", owner=rte, due_date=date(2026, 10, 1), by=rte)
    assert not ActionItem.objects.exists()


def test_action_item_owner_is_a_member_of_the_train(art, pi, rte, art_sync, outsider):
    with pytest.raises(ValidationError, match="is not a member of this train"):
        services.add_action_item(art_sync, text="Book it", owner=outsider, due_date=date(2026, 10, 20), by=rte)
    assert not ActionItem.objects.exists()


def test_complete_and_drop_action_items(art, pi, rte, art_sync, scrum_master, team_member):
    due = date(2026, 10, 20)
    mine = services.add_action_item(art_sync, text="Ask the vendor", owner=scrum_master, due_date=due, by=rte)
    other = services.add_action_item(art_sync, text="Check quota", owner=scrum_master, due_date=due, by=rte)
    with pytest.raises(PermissionDenied, match="Only the action's owner or the RTE"):
        services.complete_action_item(mine, by=team_member, expected_version=1)
    done = services.complete_action_item(mine, by=scrum_master, expected_version=1)
    assert (done.state, done.version) == ("done", 2) and done.done_at is not None
    with pytest.raises(ValidationError, match="already done"):
        services.complete_action_item(done, by=rte, expected_version=2)
    with pytest.raises(ValidationError, match="Say why the action is dropped"):
        services.drop_action_item(other, reason=" ", by=rte, expected_version=1)
    dropped = services.drop_action_item(other, reason="The quota came anyway", by=rte, expected_version=1)
    assert (dropped.state, dropped.drop_reason) == ("dropped", "The quota came anyway")


def test_open_action_items_carry_into_the_next_sync_of_the_same_kind_only(art, pi, rte, scrum_master):
    def meeting(kind, day):
        return closed(SyncMeetingFactory(art=art, pi=pi, facilitator=rte, kind=kind, date=day))

    first = meeting(Kind.ART_SYNC, date(2026, 10, 6))
    coach = meeting(Kind.COACH_SYNC, date(2026, 10, 8))
    second = meeting(Kind.ART_SYNC, date(2026, 10, 13))
    current = SyncMeetingFactory(art=art, pi=pi, facilitator=rte, date=date(2026, 10, 20))

    def action(in_meeting, **fields):
        return ActionItemFactory(meeting=in_meeting, owner=scrum_master, raised_by=rte, **fields)

    open_first = action(first, due_date=date(2026, 10, 9))
    open_second = action(second, due_date=date(2026, 10, 27))
    action(second, state="done", done_at=second.closed_at)
    action(second, state="dropped", drop_reason="Not needed")
    action(coach)  # a Coach Sync action stays with the Coach Syncs
    action(current)  # raised in this very sync: in its summary, not carried over

    carried = ActionItem.objects.open_for(current).with_related()
    assert list(carried) == [open_first, open_second]
    assert list(ActionItem.objects.open_for(current).overdue(date(2026, 10, 20))) == [open_first]
    assert open_first.is_overdue(date(2026, 10, 20)) and not open_second.is_overdue(date(2026, 10, 20))
    assert list(ActionItem.objects.open_for(second)) == [open_first]
    next_coach = SyncMeetingFactory(art=art, pi=pi, facilitator=rte, kind=Kind.COACH_SYNC, date=date(2026, 10, 15))
    assert [item.meeting for item in ActionItem.objects.open_for(next_coach)] == [coach]


def test_open_items_read_has_constant_queries(art, pi, rte, scrum_master, django_assert_num_queries):
    current = SyncMeetingFactory(art=art, pi=pi, facilitator=rte, date=date(2026, 10, 27))
    for size in (2, 12):
        for day in range(size):
            earlier = ClosedSyncMeetingFactory(
                art=art, pi=pi, facilitator=rte, date=date(2026, 10, 5) + timedelta(days=day)
            )
            ActionItemFactory(meeting=earlier, owner=UserFactory(), raised_by=rte)
        with django_assert_num_queries(1):
            items = list(ActionItem.objects.open_for(current).with_related())
            names = {item.owner.display_name for item in items} | {str(item.meeting) for item in items}
        assert names
        SyncMeeting.objects.exclude(pk=current.pk).delete()


# --- team status ------------------------------------------------------------------------------------


def test_post_team_status_then_correct_it(art, pi, rte, art_sync, team, other_team, scrum_master, product_owner):
    posted = services.post_team_status(art_sync, team=team, status="at_risk", note="Waiting on GPUs", by=scrum_master)
    assert (posted.status, posted.note, posted.version, posted.posted_by) == (
        "at_risk",
        "Waiting on GPUs",
        1,
        scrum_master,
    )
    assert list(art_sync.teams_not_posted()) == [other_team]

    # The PO saw no status and posts anyway: refused, the Scrum Master's status is kept.
    with pytest.raises(StaleVersion):
        services.post_team_status(art_sync, team=team, status="on_track", by=product_owner)
    corrected = services.post_team_status(
        art_sync, team=team, status="on_track", note="GPUs arrived", by=product_owner, expected_version=1
    )
    assert (corrected.pk, corrected.status, corrected.version) == (posted.pk, "on_track", 2)
    assert TeamStatus.objects.count() == 1


def test_post_team_status_refusals(art, pi, rte, art_sync, team, other_team, scrum_master, team_member):
    with pytest.raises(PermissionDenied, match="post the team's status"):
        services.post_team_status(art_sync, team=other_team, status="on_track", by=scrum_master)
    with pytest.raises(PermissionDenied):
        services.post_team_status(art_sync, team=team, status="on_track", by=team_member)
    with pytest.raises(ValidationError, match="on track, at risk or off track"):
        services.post_team_status(art_sync, team=team, status="green", by=scrum_master)
    with pytest.raises(ValidationError, match="at most 280 characters"):
        services.post_team_status(art_sync, team=team, status="on_track", note="x" * 281, by=scrum_master)
    closed(art_sync)
    with pytest.raises(ValidationError, match="is closed"):
        services.post_team_status(art_sync, team=team, status="on_track", by=scrum_master)
    assert not TeamStatus.objects.exists()


def test_teams_not_posted_leaves_out_inactive_teams(art, pi, rte, art_sync, team, other_team):
    other_team.active = False
    other_team.save()
    assert list(art_sync.teams_not_posted()) == [team]


def test_scrum_master_of_two_teams_posts_for_both(art, pi, rte, art_sync, team, other_team):
    from artops.models import Membership, Role

    both = make_member(art, Role.SCRUM_MASTER, team)
    Membership.objects.create(user=both, art=art, role=Role.SCRUM_MASTER, team=other_team)
    for each in (team, other_team):
        services.post_team_status(art_sync, team=each, status="on_track", by=both)
    assert not art_sync.teams_not_posted().exists()
