from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from artops import broker
from artops.outbox.models import OutboxTask

log = logging.getLogger(__name__)
T = TypeVar("T")
PREFIX = "outbox-"
# How many waiting rows one relay hands over; the next relay takes the rest.
BATCH = 500


def enqueue(task: str, *args) -> OutboxTask:
    """Record ``task(*args)`` in the current transaction; it is handed to Celery after the commit."""
    row = OutboxTask.objects.create(task=task, args=list(args))
    # robust: the change is committed whatever happens to the relay; a failed relay is logged, the row waits.
    transaction.on_commit(relay, robust=True)
    return row


def relay(limit: int = BATCH) -> int:
    """Hand the waiting rows to the broker, oldest first; the number handed over.

    Rows locked by a concurrent relay are skipped, not waited for. When the broker cannot be
    reached, nothing is marked and the rows wait for the next relay: the caller's request goes on.
    """
    from artops.celery import app

    eager = app.conf.task_always_eager
    if not eager and not broker.reachable():
        # Asked first, without retries: a send to a Redis that is down waits seconds before failing.
        waiting = OutboxTask.objects.filter(sent_at__isnull=True).count()
        log.warning("outbox: the broker is unavailable; %d task(s) wait", waiting)
        return 0
    sent = 0
    with transaction.atomic():
        rows = list(OutboxTask.objects.filter(sent_at__isnull=True).select_for_update(skip_locked=True)[:limit])
        for row in rows:
            if eager:  # the tests' default: the task runs here, as .delay() would
                if row.task not in app.tasks:
                    app.loader.import_default_modules()  # the apps' tasks modules, as a worker loads them
                app.tasks[row.task].apply(args=row.args, task_id=row.celery_id, throw=True)
                sent += 1
                continue
            try:
                # No result is awaited: ignore_result keeps the result store (Redis too) out of the send.
                app.send_task(row.task, args=row.args, task_id=row.celery_id, retry=False, ignore_result=True)
            except (BrokerUnavailable, OSError) as error:
                log.warning("outbox: the broker is unavailable (%s); %d task(s) wait", error, len(rows) - sent)
                break
            sent += 1
        if sent:
            OutboxTask.objects.filter(pk__in=[row.pk for row in rows[:sent]]).update(sent_at=timezone.now())
    return sent


def row_id(celery_id: str | None) -> int | None:
    """The outbox row of a task id such as ``outbox-42``; None for a task sent some other way."""
    digits = (celery_id or "").removeprefix(PREFIX)
    if celery_id and celery_id.startswith(PREFIX) and digits.isascii() and digits.isdigit():
        return int(digits)
    return None


def run_once(celery_id: str | None, work: Callable[[], T], *, claim_first: bool = False) -> T | None:
    """Run ``work`` unless the outbox row of ``celery_id`` is done; a task not from the outbox just runs.

    By default the row is marked done in the same transaction as ``work``'s writes: exactly once.
    ``claim_first`` (for work that leaves the database, such as mail): the row is marked done and
    committed first, and released again if ``work`` raises, so that a retry can run it.
    """
    pk = row_id(celery_id)
    if pk is None:
        return work()
    if not claim_first:
        with transaction.atomic():
            if not _claim(pk):
                return None
            return work()
    with transaction.atomic():
        if not _claim(pk):
            return None
    try:
        return work()
    except BaseException:
        OutboxTask.objects.filter(pk=pk).update(done_at=None)
        raise


def _claim(pk: int) -> bool:
    return bool(OutboxTask.objects.filter(pk=pk, done_at__isnull=True).update(done_at=timezone.now()))
