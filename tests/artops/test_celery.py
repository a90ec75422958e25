"""Background jobs: the login-record housekeeping as a service, and run by a real Celery worker
against real Redis and the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt, AccessLog
from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.db import connection
from django.utils import timezone

from artops import housekeeping
from artops.celery import app as celery_app
from artops.tasks import prune_login_records

BASE_DIR = Path(__file__).resolve().parents[2]
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


def database_url_of(settings_dict: dict) -> str:
    """A DATABASE_URL for the database the tests run in (pytest-django's test database)."""
    user = quote(settings_dict["USER"] or "", safe="")
    password = f":{quote(settings_dict['PASSWORD'], safe='')}" if settings_dict.get("PASSWORD") else ""
    host = quote(settings_dict["HOST"] or "", safe="")  # a unix socket directory for the embedded server
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{quote(settings_dict['NAME'], safe='')}"


@pytest.fixture
def celery_worker(transactional_db, settings, tmp_path):
    """A Celery worker process on the test database, listening on a queue of its own.

    A queue of its own: another test run sharing the Redis must not take this run's task.
    Its output goes to a file (shown when the task gets no answer), never to pytest's stdout.
    """
    queue = f"artops-test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url_of(connection.settings_dict),
        "REDIS_URL": settings.REDIS_URL,
    }
    log_path = tmp_path / "worker.log"
    command = [
        sys.executable, "-m", "celery", "-A", "artops", "worker",
        "--pool", "solo", "--concurrency", "1",
        "--queues", queue, "--hostname", f"{queue}@%h",
        "--without-mingle", "--without-gossip", "--loglevel", "INFO",
    ]  # fmt: skip
    with log_path.open("w") as log:
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=BASE_DIR, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue  # where .delay() sends
    try:
        yield log_path
    finally:
        celery_app.conf.task_default_queue = default_queue
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


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
