"""The demo train's PI Planning data: plans with one overloaded team, objectives with business value."""

import time_machine
from django.core.management import call_command

from artops.models import ART, ProgramIncrement
from planning.baseline import plan_changes
from planning.models import FeaturePlacement, Milestone, PIObjective, ReadinessItem, Story, TeamCapacity, VoteRound


def plan_counts(art):
    return (
        TeamCapacity.objects.for_art(art).count(),
        Story.objects.for_art(art).count(),
        FeaturePlacement.objects.for_art(art).count(),
        PIObjective.objects.for_art(art).count(),
        Milestone.objects.filter(pi__art=art).count(),
        VoteRound.objects.filter(pi__art=art).count(),
        ReadinessItem.objects.filter(pi__art=art, done=True).count(),
    )


@time_machine.travel("2026-11-26 09:00Z", tick=False)
def test_seed_demo_plans_the_current_pi_with_one_overloaded_team(db):
    call_command("seed_demo", verbosity=0)
    art = ART.objects.get(slug="payments")
    current = ProgramIncrement.objects.get(art=art, state="executing")
    # The last closed PI (the metrics' demo adds earlier ones as history).
    closed = ProgramIncrement.objects.filter(art=art, state="closed").latest("start_date")

    loads = Story.objects.for_pi(current).loads()
    capacities = TeamCapacity.objects.for_pi(current).select_related("team")
    overloaded = {c.team.name for c in capacities if loads.get((c.team_id, c.iteration_id), 0) > c.capacity}
    assert overloaded == {"Checkout"}
    # Every team has a capacity for every development iteration, and the IP iteration none.
    assert capacities.count() == 6 * current.development_iterations
    assert not capacities.filter(iteration__is_ip=True).exists()
    assert not Story.objects.filter(iteration__is_ip=True).exists()

    # Business Owners gave planned value in the running PI and actual value in the closed one.
    running = PIObjective.objects.for_pi(current)
    assert running.filter(planned_business_value__isnull=False).count() == running.count() > 6
    assert not running.filter(actual_business_value__isnull=False).exists()
    assert PIObjective.objects.for_pi(current).art_totals()["predictability"] is None
    assessed = PIObjective.objects.for_pi(closed).art_totals()
    assert 80 <= assessed["predictability"] <= 100
    per_team = PIObjective.objects.for_pi(closed).totals_by_team()
    assert any(totals["predictability"] > 100 for totals in per_team.values())
    assert any(totals["predictability"] < 80 for totals in per_team.values())

    assert Milestone.objects.filter(pi=current).count() == 3

    # Checkout re-planned after its first vote; the train then voted with confidence.
    rounds = list(VoteRound.objects.filter(pi=current).order_by("opened_at", "id"))
    assert [(r.team.name if r.team else None, r.replan) for r in rounds] == [
        ("Checkout", True),
        ("Checkout", False),
        (None, False),
    ]
    assert rounds[-1].average >= 3
    # The committed plan, and what moved since.
    moved = plan_changes(current).moved
    assert [change.feature.title for change in moved] == ["Refunds in the mobile app"]
    # Readiness: the running PI was ready, the next one is being prepared.
    upcoming = ProgramIncrement.objects.get(art=art, state="preparing")
    assert ReadinessItem.objects.filter(pi=current, done=False).count() == 0
    assert ReadinessItem.objects.filter(pi=upcoming, done=True).count() == 2

    first = plan_counts(art)
    call_command("seed_demo", verbosity=0)
    assert plan_counts(art) == first
