"""The transactional outbox: a task is kept exactly when its change is, and its body runs once."""

import pytest
from django.db import transaction

from artops import outbox
from artops.models import ART, OutboxTask
from tests.factories import ARTFactory

pytestmark = pytest.mark.django_db


def rename(art_id: int, name: str):
    def work():
        ART.objects.filter(pk=art_id).update(name=name)
        return name

    return work


def test_a_task_is_kept_only_when_its_change_is(django_capture_on_commit_callbacks):
    with transaction.atomic():
        outbox.enqueue("artops.tasks.prune_login_records")
        transaction.set_rollback(True)
    assert not OutboxTask.objects.exists()

    with django_capture_on_commit_callbacks() as relays, transaction.atomic():
        row = outbox.enqueue("metrics.tasks.recompute_metrics", 7, "2026-11-18")
    assert OutboxTask.objects.get().args == [7, "2026-11-18"]
    assert row.celery_id == f"outbox-{row.pk}" and relays == [outbox.relay]


def test_a_task_from_the_outbox_runs_once_with_its_writes():
    art = ARTFactory(name="Before")
    row = OutboxTask.objects.create(task="artops.tasks.example")

    assert outbox.run_once(row.celery_id, rename(art.pk, "First")) == "First"
    assert outbox.run_once(row.celery_id, rename(art.pk, "Second")) is None  # delivered again: nothing
    art.refresh_from_db()
    row.refresh_from_db()
    assert art.name == "First" and row.done_at is not None


def test_a_task_that_fails_leaves_neither_its_writes_nor_its_mark():
    art = ARTFactory(name="Before")
    row = OutboxTask.objects.create(task="artops.tasks.example")

    def failing():
        rename(art.pk, "Half way")()
        raise ConnectionError("the SMTP server went away")

    with pytest.raises(ConnectionError):
        outbox.run_once(row.celery_id, failing)
    art.refresh_from_db()
    row.refresh_from_db()
    assert art.name == "Before" and row.done_at is None
    assert outbox.run_once(row.celery_id, rename(art.pk, "Retried")) == "Retried"


def test_claimed_work_is_released_for_the_retry_when_it_fails_and_never_run_twice_once_done():
    row = OutboxTask.objects.create(task="artops.tasks.send_email")
    calls = []

    def send(fail: bool):
        def work():
            calls.append(fail)
            if fail:
                raise ConnectionError("refused")
            return "sent"

        return work

    with pytest.raises(ConnectionError):
        outbox.run_once(row.celery_id, send(fail=True), claim_first=True)
    row.refresh_from_db()
    assert row.done_at is None
    assert outbox.run_once(row.celery_id, send(fail=False), claim_first=True) == "sent"
    assert outbox.run_once(row.celery_id, send(fail=False), claim_first=True) is None
    assert calls == [True, False]


@pytest.mark.parametrize("celery_id", [None, "", "4f1c-uuid", "outbox-", "outbox-²", "outbox-12a"])
def test_a_task_not_sent_through_the_outbox_just_runs(celery_id):
    art = ARTFactory(name="Before")
    assert outbox.run_once(celery_id, rename(art.pk, "Ran")) == "Ran"
    assert outbox.run_once(celery_id, rename(art.pk, "Ran again")) == "Ran again"


def test_the_beat_relays_the_outbox_every_minute():
    from celery.schedules import crontab

    from artops import tasks
    from artops.celery import app

    entry = app.conf.beat_schedule["relay-outbox"]
    assert entry["task"] == "artops.tasks.relay_outbox" and entry["schedule"] == crontab()
    assert entry["task"] == tasks.relay_outbox.name and entry["task"] in app.tasks
