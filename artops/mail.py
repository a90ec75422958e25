"""Outgoing mail: rendered now, sent by a Celery worker once the transaction that caused it commits.

``send_after_commit`` is THE one way the app sends mail (invitations, password resets, assignment
notices), through the transactional outbox (``artops.outbox``). A message is
rendered when it is asked for (the worker needs neither the request nor the database) from a text
template whose first line is the subject, then a blank line, then the body.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string


def absolute_url(path: str) -> str:
    """A link for a message: ``SITE_URL`` and ``path`` (mail is sent by a worker, which has no request)."""
    return f"{settings.SITE_URL}{path}"


def render_mail(template: str, context: dict) -> tuple[str, str]:
    """(subject, body) of ``template``: its first line is the subject, the rest after a blank line the body."""
    text = render_to_string(template, context).lstrip("\n")
    subject, _, body = text.partition("\n")
    return " ".join(subject.split()), body.lstrip("\n")


def send_after_commit(*, to: str, subject: str, body: str) -> None:
    """Send a plain-text message to ``to`` once the current transaction commits (never if it rolls back).

    The message is recorded in the transactional outbox with the change that asked for it, so it
    survives a Redis outage; the Celery task ``artops.tasks.send_email`` sends it through the
    configured server, once, and retries when the server cannot be reached.
    """
    from artops import outbox

    outbox.enqueue("artops.tasks.send_email", to, subject, body)


def send_template_after_commit(*, to: str, template: str, context: dict) -> None:
    subject, body = render_mail(template, context)
    send_after_commit(to=to, subject=subject, body=body)
