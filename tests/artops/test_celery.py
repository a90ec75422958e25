"""Background jobs: the login-record housekeeping as a service, and run by a real Celery worker
against real Redis and the test database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.utils import timezone

from artops import housekeeping
from artops.tasks import prune_login_records
from tests.workers import celery_worker_process

NOW = datetime(2026, 3, 2, 0, 5, tzinfo=UTC)


def make_attempt(username: str, at: datetime) -> AccessAttempt:
    attempt = AccessAttempt.objects.create(
        username=username,
        ip_address="192.0.2.10",
        user_agent="pytest",
        http_accept="text/html",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=3,
    )
    # attempt_time is filled in on insert; move it to the moment under test.
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=at)
    return attempt


def make_log(username: str, at: datetime) -> AccessLog:
    log = AccessLog.objects.create(
        username=username,
        ip_address="192.0.2.10",
        user_agent="pytest",
        http_accept="text/html",
        path_info="/accounts/login/",
    )
    AccessLog.objects.filter(pk=log.pk).update(attempt_time=at)
    return log


def remaining_attempts() -> set[str]:
    return set(AccessAttempt.objects.values_list("username", flat=True))


def remaining_logs() -> set[str]:
    return set(AccessLog.objects.values_list("username", flat=True))


# --- the service --------------------------------------------------------------------------


@pytest.mark.django_db
def test_prune_deletes_exactly_what_is_past_its_window_and_is_idempotent(settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.LOGIN_RECORD_RETENTION_DAYS = 90
    make_attempt("expired", NOW - timedelta(minutes=15, seconds=1))
    make_attempt("at-the-limit", NOW - timedelta(minutes=15))
    make_attempt("locked", NOW - timedelta(minutes=1))
    make_log("old", NOW - timedelta(days=90, seconds=1))
    make_log("at-the-limit", NOW - timedelta(days=90))
    make_log("recent", NOW - timedelta(days=1))

    assert housekeeping.prune_login_records(NOW) == {"attempts": 1, "logs": 1}
    assert remaining_attempts() == {"at-the-limit", "locked"}
    assert remaining_logs() == {"at-the-limit", "recent"}

    assert housekeeping.prune_login_records(NOW) == {"attempts": 0, "logs": 0}
    assert remaining_attempts() == {"at-the-limit", "locked"}
    assert remaining_logs() == {"at-the-limit", "recent"}


@pytest.mark.django_db
def test_prune_follows_the_configured_windows(settings):
    settings.AXES_COOLOFF_TIME = timedelta(hours=2)
    settings.LOGIN_RECORD_RETENTION_DAYS = 30
    make_attempt("one-hour-ago", NOW - timedelta(hours=1))
    make_attempt("three-hours-ago", NOW - timedelta(hours=3))
    make_log("last-week", NOW - timedelta(days=7))
    make_log("two-months-ago", NOW - timedelta(days=60))

    assert housekeeping.prune_login_records(NOW) == {"attempts": 1, "logs": 1}
    assert remaining_attempts() == {"one-hour-ago"}
    assert remaining_logs() == {"last-week"}


@pytest.mark.django_db
def test_prune_runs_on_an_empty_table():
    assert housekeeping.prune_login_records(NOW) == {"attempts": 0, "logs": 0}


# --- a real worker ------------------------------------------------------------------------


@pytest.fixture
def celery_worker(transactional_db, settings, tmp_path):
    """A Celery worker process on the test database (see ``tests.workers``)."""
    with celery_worker_process(settings.REDIS_URL, tmp_path / "worker.log") as log_path:
        yield log_path


@pytest.mark.celery
def test_worker_prunes_login_records(celery_worker, settings):
    # The worker reads the wall clock (timezone.now()), so the rows sit well clear of the limits.
    now = timezone.now()
    cooloff = settings.AXES_COOLOFF_TIME
    retention = timedelta(days=settings.LOGIN_RECORD_RETENTION_DAYS)
    make_attempt("expired", now - cooloff - timedelta(hours=1))
    make_attempt("locked", now - timedelta(minutes=1))
    make_log("old", now - retention - timedelta(days=1))
    make_log("recent", now - retention + timedelta(days=1))

    result = prune_login_records.delay()
    try:
        outcome = result.get(timeout=90)
    except CeleryTimeoutError:
        pytest.fail("the worker did not answer within 90 s; its log:\n" + celery_worker.read_text())

    assert outcome == {"attempts": 1, "logs": 1}
    assert result.successful()
    # Run by the worker process, not in this one (its "succeeded" line may come after the result).
    assert f"prune_login_records[{result.id}] received" in celery_worker.read_text()
    assert remaining_attempts() == {"locked"}
    assert remaining_logs() == {"recent"}
