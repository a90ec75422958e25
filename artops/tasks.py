"""Background jobs of the core. A job is thin: it calls one service."""

import smtplib

from celery import shared_task
from django.core.mail import EmailMessage
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


# A server that is down, refuses the connection or answers "try later" is tried again: after about
# 10 s, 20 s, 40 s … up to 10 minutes apart, eight times; a refused recipient (SMTPRecipientsRefused
# is an SMTPException too) is retried as well, since servers also use it for temporary refusals.
@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=10,
    retry_backoff_max=600,
    max_retries=8,
)
def send_email(self, to: str, subject: str, body: str) -> int:
    """Send one plain-text message (enqueued through the outbox by ``artops.mail.send_after_commit``).

    At most once: the message is claimed before it is sent, so a second delivery of the task (a
    worker killed before acknowledging it) sends nothing; a refused send releases it for the retry.
    1 once sent, 0 when it had been sent already.
    """
    message = EmailMessage(subject=subject, body=body, to=[to])
    return outbox.run_once(self.request.id, message.send, claim_first=True) or 0
