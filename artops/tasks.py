"""Background jobs of the core. A job is thin: it calls one service."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from artops import housekeeping, outbox


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def prune_login_records() -> dict[str, int]:
    """Nightly. Safe to re-run."""
    return housekeeping.prune_login_records(timezone.now())


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def relay_outbox() -> int:
    """Every minute: hand to Celery the outbox's tasks that waited while Redis was down."""
    return outbox.relay()
