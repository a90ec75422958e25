"""The demo train: realistic, and seeding it again changes nothing."""

from datetime import date

import time_machine
from django.core.management import call_command

from artops.models import ART, Membership, ProgramIncrement, Role, Team, User
from metrics import demo as metrics_demo
from metrics.ia import demo as ia_demo
from planning.models import Feature


def counts(art):
    return (
        Team.objects.filter(art=art).count(),
        Membership.objects.filter(art=art).count(),
        User.objects.count(),
        list(ProgramIncrement.objects.filter(art=art).values_list("name", "state")),
        Feature.objects.filter(art=art).count(),
    )


@time_machine.travel("2026-11-26 09:00Z", tick=False)
def test_seed_demo_builds_the_payments_train_once(db):
    call_command("seed_demo", verbosity=0)
    art = ART.objects.get(slug="payments")
    first = counts(art)

    call_command("seed_demo", verbosity=0)

    assert counts(art) == first
    teams, memberships, people, pis, features = first
    assert teams == 6
    assert people >= 40
    assert memberships >= 40
    # A closed PI, the running one and the next; before them the metrics' year of closed PIs.
    assert [state for _, state in pis] == ["closed"] * (1 + metrics_demo.HISTORY_PIS) + ["executing", "preparing"]
    current = ProgramIncrement.objects.get(art=art, state="executing")
    assert current.contains(date(2026, 11, 26))
    # The demo's 40, the metrics' history, and the improvement items of the finished I&A.
    assert features == 40 + sum(len(accepted) for accepted in metrics_demo.HISTORY) + len(ia_demo.IMPROVEMENTS)
    for role in Role:
        assert Membership.objects.filter(art=art, role=role).exists(), role
    assert User.objects.get(email="rte@payments.example").check_password("artops-demo")


def test_seed_demo_continues_the_cadence_when_time_moves_on(db):
    with time_machine.travel("2026-11-26 09:00Z", tick=False):
        call_command("seed_demo", verbosity=0)
    with time_machine.travel("2027-03-10 09:00Z", tick=False):
        call_command("seed_demo", verbosity=0)
        art = ART.objects.get(slug="payments")
        running = ProgramIncrement.objects.for_art(art).containing(art.today())
        assert running.count() == 1
        assert ProgramIncrement.objects.filter(art=art, start_date__gt=art.today()).count() == 1


@time_machine.travel("2026-11-26 09:00Z", tick=False)
def test_the_demo_publishes_the_next_quarter_of_the_calendar_once(db):
    from artops.calendar.models import CalendarEvent

    call_command("seed_demo", verbosity=0)
    art = ART.objects.get(slug="payments")
    events = list(CalendarEvent.objects.for_art(art).values_list("uid", "sequence", "kind", "starts_at", "start_date"))

    call_command("seed_demo", verbosity=0)

    assert list(
        CalendarEvent.objects.for_art(art).values_list("uid", "sequence", "kind", "starts_at", "start_date")
    ) == (events)
    kinds = {kind for _, _, kind, _, _ in events}
    assert {"art_sync", "system_demo", "inspect_adapt", "pi_planning"} <= kinds
    upcoming = CalendarEvent.objects.for_art(art).filter(starts_at__date__gte=date(2026, 11, 26))
    # Every event generated starts after the moment of seeding: the past is never invented.
    assert upcoming.count() == CalendarEvent.objects.for_art(art).exclude(starts_at=None).count()
