"""Sending mail: the task talks to a real SMTP server (aiosmtpd) and tries again when the server says "later"."""

from __future__ import annotations

import pytest
from django.db import transaction

from artops.celery import app as celery_app
from artops.mail import send_after_commit
from artops.tasks import send_email
from tests.mailserver import Inbox, free_port, smtp_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_settings(settings, monkeypatch):
    # Run in this process, a retry is run at once (a worker waits its backoff first), and its
    # outcome is kept in the result rather than raised (as a worker keeps it).
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)

    def use(port: int):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5

    return use


def test_a_busy_server_is_tried_again_until_it_takes_the_message(smtp_settings):
    with smtp_server(refuse_first=2) as inbox:
        smtp_settings(inbox.port)
        result = send_email.apply(args=["ada@example.com", "Hello", "Body text"], throw=False)
    assert result.successful()
    assert inbox.refused == 2
    [message] = inbox.messages
    assert (message["Subject"], message["X-Envelope-To"], Inbox.body_of(message).strip()) == (
        "Hello",
        "ada@example.com",
        "Body text",
    )


def test_an_unreachable_server_makes_the_task_retry(smtp_settings):
    smtp_settings(free_port())  # nobody listens there
    result = send_email.apply(args=["ada@example.com", "Hello", "Body"], throw=False)
    assert result.failed()  # after its 8 retries
    assert isinstance(result.result, ConnectionRefusedError)


def test_mail_waits_for_the_commit_and_is_dropped_by_a_rollback(django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            send_after_commit(to="kept@example.com", subject="Kept", body="…")
        try:
            with transaction.atomic():
                send_after_commit(to="dropped@example.com", subject="Dropped", body="…")
                raise RuntimeError("the change is refused")
        except RuntimeError:
            pass
        assert mailoutbox == []  # nothing before the commit
    assert len(callbacks) == 1
    assert [message.to for message in mailoutbox] == [["kept@example.com"]]
