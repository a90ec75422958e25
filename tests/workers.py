"""A real Celery worker process for the tests marked ``celery``: on the test database and the real Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection

from artops.celery import app as celery_app

BASE_DIR = Path(__file__).resolve().parents[1]


def database_url_of(settings_dict: dict) -> str:
    """A DATABASE_URL for the database the tests run in (pytest-django's test database)."""
    user = quote(settings_dict["USER"] or "", safe="")
    password = f":{quote(settings_dict['PASSWORD'], safe='')}" if settings_dict.get("PASSWORD") else ""
    host = quote(settings_dict["HOST"] or "", safe="")  # a unix socket directory for the embedded server
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{quote(settings_dict['NAME'], safe='')}"


@contextmanager
def celery_worker_process(redis_url: str, log_path: Path, extra_env: dict | None = None) -> Iterator[Path]:
    """A Celery worker process on the test database, listening on a queue of its own.

    A queue of its own: another test run sharing the Redis must not take this run's task.
    Its output goes to ``log_path`` (shown when a task gets no answer), never to pytest's stdout.
    """
    queue = f"artops-test-{uuid.uuid4().hex[:12]}"
    with worker_process(redis_url, log_path, queue=queue, env=extra_env), sending_to(queue):
        yield log_path


@contextmanager
def sending_to(queue: str) -> Iterator[None]:
    """``.delay()`` (and the outbox's relay) send to ``queue`` through the broker while inside.

    Outside, tests.settings runs tasks in the test process (``CELERY_TASK_ALWAYS_EAGER``).
    """
    default_queue, eager = celery_app.conf.task_default_queue, celery_app.conf.task_always_eager
    celery_app.conf.task_default_queue, celery_app.conf.task_always_eager = queue, False
    try:
        yield
    finally:
        celery_app.conf.task_default_queue, celery_app.conf.task_always_eager = default_queue, eager


@contextmanager
def worker_process(
    redis_url: str, log_path: Path, *, queue: str, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen]:
    """A Celery worker process on the test database and ``queue``; a fault test may kill it."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url_of(connection.settings_dict),
        "REDIS_URL": redis_url,
        "TEST_TASKS_EAGER": "false",  # a task this worker starts goes through the broker too
        **(env or {}),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "artops", "worker",
        "--pool", "solo", "--concurrency", "1",
        "--queues", queue, "--hostname", f"{queue}-{uuid.uuid4().hex[:6]}@%h",
        "--without-mingle", "--without-gossip", "--loglevel", "INFO",
    ]  # fmt: skip
    with log_path.open("w") as log:
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=BASE_DIR, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield worker
    finally:
        if worker.poll() is None:
            worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


@contextmanager
def broker_at(redis_url: str) -> Iterator[None]:
    """This process sends its tasks to the Redis at ``redis_url`` while inside (a fault test's own server).

    A worker that a test kills leaves its task unacknowledged in that Redis, and the short visibility
    timeout of such a test must not hand back the tasks of the other tests running beside it.
    """

    def new_producers() -> None:
        celery_app._pool = None
        if "amqp" in celery_app.__dict__:
            celery_app.amqp._producer_pool = None

    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = redis_url
    new_producers()
    try:
        yield
    finally:
        celery_app.conf.broker_url = saved
        new_producers()
