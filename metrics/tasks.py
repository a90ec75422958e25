"""Nightly jobs of the metrics. Each is thin: it parses its arguments and calls one service.

Retried with a growing pause when the database is unreachable for a moment; acknowledged
only once done (``acks_late``), so a worker that dies mid-way leaves the task to another.
Safe to run twice: the services take a lock per train and day and upsert (see
``metrics.services``).
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from metrics import services

RETRY = {
    "acks_late": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


def _summary(outcomes: list[services.Outcome]) -> dict[str, int]:
    computed = [outcome for outcome in outcomes if outcome.computed]
    return {"computed": len(computed), "skipped": len(outcomes) - len(computed), "rows": sum(o.rows for o in computed)}


@shared_task(**RETRY)
def recompute_due_metrics() -> dict[str, int]:
    """Hourly: the snapshots of every train whose local night has come and whose day is not done yet."""
    return _summary(services.recompute_due(timezone.now()))


@shared_task(**RETRY)
def recompute_metrics(art_id: int, day: str) -> dict[str, int]:
    """One train's snapshots of one day (an ISO date), on request. Safe to re-run."""
    return _summary([services.recompute_day(art_id, date.fromisoformat(day))])
