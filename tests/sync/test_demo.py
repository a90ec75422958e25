"""The demo train's execution weeks: impediments at every level, past syncs and the next one, System Demos."""

import time_machine
from django.core.management import call_command

from artops.models import ART
from planning.models import Feature
from sync import agenda
from sync.models import (
    ActionItem,
    Decision,
    DemoFeedback,
    DemoItem,
    DemoOutcome,
    Impediment,
    ImpedimentEscalation,
    SyncMeeting,
    SystemDemo,
    TeamStatus,
)


def counts(art):
    return [
        model.objects.count()
        for model in (
            Impediment,
            ImpedimentEscalation,
            SyncMeeting,
            Decision,
            ActionItem,
            TeamStatus,
            SystemDemo,
            DemoItem,
            DemoFeedback,
            DemoOutcome,
            Feature,
        )
    ]


@time_machine.travel("2026-11-26 09:00Z", tick=False)
def test_seed_demo_runs_the_trains_execution_weeks_once(db):
    call_command("seed_demo", verbosity=0)
    art = ART.objects.get(slug="payments")
    today = art.today()

    # Open impediments at every escalation level, with their history; one resolved, one dropped.
    impediments = Impediment.objects.for_art(art)
    assert {i.level for i in impediments.open()} == {"team", "train", "beyond"}
    beyond = impediments.open().get(level="beyond")
    assert [(e.from_level, e.to_level) for e in beyond.escalations.all()] == [("team", "train"), ("train", "beyond")]
    assert impediments.get(state="resolved").time_to_resolve.days == 3
    assert impediments.filter(state="dropped").count() == 1

    # Past syncs, closed, with decisions and action items: some done, one dropped, some open, one overdue.
    meetings = SyncMeeting.objects.for_art(art)
    past = meetings.filter(state="closed")
    assert {m.kind for m in past} == {"art_sync", "coach_sync", "po_sync"}
    assert past.filter(kind="art_sync").count() >= 2
    assert Decision.objects.for_art(art).count() >= 5
    actions = ActionItem.objects.for_art(art)
    assert {a.state for a in actions} == {"open", "done", "dropped"}
    assert actions.overdue(today).count() == 1

    # The next ART Sync: planned, its top 5 chosen from the data, open actions carried over, who has not posted.
    upcoming = meetings.open().get(kind="art_sync")
    assert upcoming.date >= today and upcoming.state == "planned"
    items = agenda.agenda_items(upcoming)
    assert [item.position for item in items] == [1, 2, 3, 4, 5]
    assert items[0].impediment == beyond
    assert {item.impediment.level for item in items if item.impediment} == {"train", "beyond"}
    carried = ActionItem.objects.open_for(upcoming)
    assert carried.count() == 2 and carried.overdue(today).count() == 1
    assert TeamStatus.objects.filter(meeting=upcoming).count() == 4
    assert sorted(t.name for t in upcoming.teams_not_posted()) == ["Platform", "Wallet"]

    # System Demos: the first iteration's, with a non-integrated item, feedback and outcomes; the closed PI's last.
    demo = SystemDemo.objects.for_art(art).with_counts().get(pi__state="executing")
    assert demo.iteration.number == 1 and demo.iteration.end_date < today
    # Three items of the sync demo, and the I&A demo's improvement that was demoed there, integrated.
    assert (demo.items_count, demo.integrated_count, demo.not_integrated_count) == (4, 2, 2)
    assert demo.items.filter(integrated="no").get().reason
    assert demo.attendees.count() == 5
    assert {f.state for f in demo.feedback.all()} == {"open", "closed"}
    assert {o.outcome for o in demo.outcomes.all()} == {"accepted", "needs_work"}
    assert DemoFeedback.objects.open().from_previous_demo(demo).count() == 1
    assert not SystemDemo.objects.for_art(art).nothing_integrated().filter(pk=demo.pk).exists()

    first = counts(art)
    call_command("seed_demo", verbosity=0)
    assert counts(art) == first
