"""The nightly metrics job: its beat entry, and run by a real Celery worker against Redis and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from celery.exceptions import TimeoutError as CeleryTimeoutError
from celery.schedules import crontab

from artops.celery import app as celery_app
from metrics.models import TeamSnapshot, TrainSnapshot
from metrics.tasks import recompute_due_metrics, recompute_metrics
from tests.factories import ARTFactory, TeamFactory, make_pi
from tests.metrics.conftest import dependency, flowed, objective
from tests.workers import celery_worker_process


def test_the_beat_runs_the_due_trains_every_hour():
    entry = celery_app.conf.beat_schedule["recompute-due-metrics"]
    assert entry["task"] == recompute_due_metrics.name == "metrics.tasks.recompute_due_metrics"
    assert entry["schedule"] == crontab(minute=15)
    assert entry["task"] in celery_app.tasks
    assert recompute_due_metrics.acks_late and recompute_due_metrics.max_retries == 5


@pytest.fixture
def celery_worker(transactional_db, settings, tmp_path):
    with celery_worker_process(settings.REDIS_URL, tmp_path / "worker.log") as log_path:
        yield log_path


def answer(result, log_path):
    try:
        return result.get(timeout=90)
    except CeleryTimeoutError:
        pytest.fail("the worker did not answer within 90 s; its log:\n" + log_path.read_text())


@pytest.mark.celery
def test_a_worker_computes_the_nights_snapshots(celery_worker):
    # The worker reads the wall clock: the data sits around the train's real yesterday.
    art = ARTFactory(slug="tokyo", time_zone="Asia/Tokyo")
    team = TeamFactory(art=art)
    yesterday = art.today() - timedelta(days=1)
    pi = make_pi(art, name="PI now", start=yesterday - timedelta(days=yesterday.weekday() + 7))
    art.alpha = team
    objective(team, pi, planned=10, actual=9, assessed_on=yesterday - timedelta(days=1))
    flowed(art, yesterday - timedelta(days=4), yesterday)
    dependency(art, pi, needing=team, providing=None, raised=yesterday - timedelta(days=20))

    outcome = answer(recompute_due_metrics.delay(), celery_worker)

    assert outcome == {"computed": 1, "skipped": 0, "rows": 2}
    snapshot = TrainSnapshot.objects.get(art=art)
    assert snapshot.day == yesterday
    assert (snapshot.predictability, snapshot.accepted, snapshot.flow_time_median) == (Decimal("90.0"), 1, 4)
    assert (snapshot.open_dependencies, snapshot.dependency_age_max) == (1, 20)
    assert TeamSnapshot.objects.get(team=team).predictability == Decimal("90.0")

    # Nothing is due any more; a day recomputed on request rewrites the same rows.
    assert answer(recompute_due_metrics.delay(), celery_worker) == {"computed": 0, "skipped": 0, "rows": 0}
    again = answer(recompute_metrics.delay(art.pk, yesterday.isoformat()), celery_worker)
    assert again == {"computed": 1, "skipped": 0, "rows": 2}
    assert TrainSnapshot.objects.count() == 1
    # Run by the worker process, not in this one.
    assert "metrics.tasks.recompute_due_metrics" in celery_worker.read_text()
