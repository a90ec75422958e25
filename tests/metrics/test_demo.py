"""The demo's history: a year of daily snapshots computed from dated data, several closed PIs, a forecast."""

from datetime import timedelta

import time_machine
from django.core.management import call_command

from artops.models import ART, ProgramIncrement
from metrics import forecast
from metrics.demo import HISTORY_PIS
from metrics.models import TeamSnapshot, TrainSnapshot
from metrics.predictability import pi_predictability


def test_seed_demo_fills_a_year_of_snapshots_once_and_then_only_the_new_days(db):
    with time_machine.travel("2026-11-26 09:00Z", tick=False):
        call_command("seed_demo", verbosity=0)
        art = ART.objects.get(slug="payments")
        today = art.today()
        snapshots = TrainSnapshot.objects.filter(art=art).order_by("day")
        days = list(snapshots.values_list("day", flat=True))
        assert days[-1] == today - timedelta(days=1)
        assert len(days) >= 360 and len(days) == len(set(days))
        assert TeamSnapshot.objects.filter(art=art).count() == 6 * len(days)

        # Several closed PIs, each with a final figure; the train's in or near the healthy band.
        closed = list(ProgramIncrement.objects.for_art(art).filter(state="closed").order_by("start_date"))
        assert len(closed) == HISTORY_PIS + 1
        for pi in closed:
            figures = pi_predictability(pi).train
            assert figures.final and 80 <= figures.predictability <= 105, (pi.name, figures.predictability)
        # The snapshots agree with the objectives as they stand once a PI is over ...
        last_day = snapshots.get(day=closed[-2].end_date)
        assert last_day.final and last_day.predictability == pi_predictability(closed[-2]).train.predictability
        # ... and read "so far" while it ran, over fewer objectives assessed.
        midway = snapshots.get(day=closed[-2].start_date + timedelta(days=30))
        assert not midway.final and 0 < midway.objectives_assessed < midway.objectives
        # Flow has history: features accepted in every earlier PI, a cumulative flow, dependencies aging.
        assert snapshots.filter(accepted__gt=0).count() >= 25
        assert snapshots.filter(open_dependencies__gt=0).count() >= 100
        assert snapshots.last().wip > 0
        assert forecast.forecast_when_done(art, 5).dates[85] > today

        before = list(snapshots.values())
        call_command("seed_demo", verbosity=0)
        assert list(snapshots.values()) == before

    with time_machine.travel("2026-11-29 09:00Z", tick=False):
        call_command("seed_demo", verbosity=0)
        assert list(snapshots.values())[: len(before)] == before
        assert snapshots.count() == len(before) + 3
