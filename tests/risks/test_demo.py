"""The demo train's risks and dependencies: every ROAM state, dependencies of every age and health."""

from collections import Counter

import time_machine
from django.core.management import call_command

from artops.models import ART, ProgramIncrement
from risks.models import Dependency, Health, Risk, age_bucket


@time_machine.travel("2026-11-26 09:00Z", tick=False)
def test_seed_demo_raises_risks_and_dependencies_once(db):
    call_command("seed_demo", verbosity=0)
    art = ART.objects.get(slug="payments")
    today = art.today()
    risks = list(Risk.objects.for_art(art).with_related())
    # The running PI's (the metrics' demo adds delivered ones to earlier PIs as history).
    pi = ProgramIncrement.objects.for_art(art).containing(today).get()
    dependencies = list(Dependency.objects.for_art(art).for_pi(pi).with_related())

    assert len(risks) == 15
    assert {risk.state for risk in risks} == set(Risk.State.values)
    assert any(risk.is_quiet(today) for risk in risks)
    assert len(dependencies) == 40
    assert any(dependency.external_party for dependency in dependencies)
    health = Counter(dependency.health for dependency in dependencies)
    assert health[Health.RED] >= 3 and health[Health.GREEN] >= 3 and health[Health.UNPLANNED] >= 3
    assert health[Health.AMBER] >= 3
    buckets = {age_bucket(dependency.age(today)) for dependency in dependencies if dependency.is_open}
    assert buckets == {"0–7 days", "8–14 days", "15–30 days", "over 30 days"}
    assert {dependency.state for dependency in dependencies} == set(Dependency.State.values)

    call_command("seed_demo", verbosity=0)
    assert Risk.objects.for_art(art).count() == 15
    assert Dependency.objects.for_art(art).for_pi(pi).count() == 40
