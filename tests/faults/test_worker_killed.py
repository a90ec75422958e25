"""A worker killed (SIGKILL) in the middle of the nightly recomputation: another worker runs it again,
and the rows are exactly those of an uninterrupted run.

The test holds a write lock on the team snapshots, so the first worker stops mid-task: its train
snapshot written, its team snapshots waiting, nothing committed. Then it is killed. The task was
never acknowledged (``acks_late``), so once the visibility timeout passes, Redis hands it to the
second worker.
"""

import asyncio
import signal
import threading
import time
import uuid
from datetime import date, timedelta

import pytest
from aiosmtpd.controller import Controller
from django.db import connection, transaction
from django.forms.models import model_to_dict

from artops.models import OutboxTask, Role
from artops.onboarding.services import invite_person
from metrics import services
from metrics.models import TeamSnapshot, TrainSnapshot
from metrics.tasks import recompute_metrics
from tests.factories import ARTFactory, TeamFactory, make_pi
from tests.faults.servers import free_port, private_redis, wait_for
from tests.mailserver import Inbox
from tests.metrics.conftest import dependency, flowed, objective
from tests.workers import broker_at, sending_to, worker_process

pytestmark = [pytest.mark.faults, pytest.mark.celery, pytest.mark.django_db(transaction=True)]

DAY = date(2026, 11, 18)
# Short in the test, so that the second worker takes the orphaned task within seconds.
VISIBILITY_SECONDS = 2
VISIBILITY_TIMEOUT = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_SECONDS)}


def outlive_the_visibility_timeout() -> None:
    """A worker restores the unacknowledged tasks older than the timeout when it starts consuming:
    the next worker must start after that."""
    time.sleep(VISIBILITY_SECONDS + 1)


def snapshot_rows() -> list[dict]:
    rows = [model_to_dict(row, exclude=["id"]) for row in TrainSnapshot.objects.order_by("art", "day")]
    return rows + [model_to_dict(row, exclude=["id"]) for row in TeamSnapshot.objects.order_by("team", "day")]


def backends_waiting_on_a_lock() -> list[int]:
    """The backends waiting for the team snapshots (``pg_locks`` is live; ``pg_stat_activity`` would
    be a snapshot frozen for the rest of the test's transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_locks WHERE NOT granted AND relation = 'metrics_teamsnapshot'::regclass")
        return [pid for (pid,) in cursor.fetchall()]


def backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


@pytest.fixture
def train_with_a_history():
    art = ARTFactory(slug="lisbon", time_zone="Europe/Lisbon")
    teams = [TeamFactory(art=art, name=name) for name in ("Falcons", "Otters", "Herons")]
    pi = make_pi(art, name="PI 2026.4", start=date(2026, 10, 5))
    for number, team in enumerate(teams):
        objective(team, pi, planned=10, actual=7 + number, assessed_on=DAY - timedelta(days=1))
        dependency(art, pi, needing=team, providing=teams[number - 1], raised=DAY - timedelta(days=5 * number))
    art.alpha = teams[0]
    for started in range(4):
        flowed(art, DAY - timedelta(days=10 + started), DAY - timedelta(days=started))
    return art


def test_a_killed_worker_leaves_the_nightly_job_to_another_with_identical_rows(train_with_a_history, tmp_path):
    art = train_with_a_history
    services.recompute_day(art.pk, DAY)
    uninterrupted = snapshot_rows()
    assert len(uninterrupted) == 4
    TeamSnapshot.objects.all().delete()
    TrainSnapshot.objects.all().delete()

    queue = f"artops-fault-{uuid.uuid4().hex[:12]}"
    with private_redis(tmp_path / "redis") as redis, broker_at(redis.url), sending_to(queue):
        redis_url = redis.url
        with transaction.atomic():
            # Writes to the team snapshots wait until this transaction ends.
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE metrics_teamsnapshot IN EXCLUSIVE MODE")
            with worker_process(redis_url, tmp_path / "first.log", queue=queue, env=VISIBILITY_TIMEOUT) as first:
                recompute_metrics.delay(art.pk, DAY.isoformat())
                wait_for(lambda: backends_waiting_on_a_lock(), seconds=60, what="the first worker to reach the lock")
                orphans = backends_waiting_on_a_lock()
                first.send_signal(signal.SIGKILL)
                first.wait(timeout=10)
        # The lock is released: the killed worker's backend finds its client gone and rolls back.
        wait_for(lambda: not any(backend_alive(pid) for pid in orphans), seconds=30, what="the orphaned backend")
        assert snapshot_rows() == []
        outlive_the_visibility_timeout()

        with worker_process(redis_url, tmp_path / "second.log", queue=queue, env=VISIBILITY_TIMEOUT):
            wait_for(lambda: "succeeded" in (tmp_path / "second.log").read_text(), seconds=90, what="the rerun")

    assert "{'computed': 1, 'skipped': 0, 'rows': 4}" in (tmp_path / "second.log").read_text()
    assert snapshot_rows() == uninterrupted


class HeldInbox(Inbox):
    """An SMTP server that keeps the sender waiting for its "250 accepted" until the test lets go."""

    def __init__(self, port: int):
        super().__init__(port=port)
        self.let_go = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        while not self.let_go.is_set():
            await asyncio.sleep(0.05)
        return answer


def test_a_worker_killed_while_sending_a_mail_never_makes_it_sent_twice(art, team, rte, tmp_path, settings):
    inbox = HeldInbox(port=free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    env = VISIBILITY_TIMEOUT | {"EMAIL_URL": f"smtp://127.0.0.1:{inbox.port}"}
    queue = f"artops-fault-{uuid.uuid4().hex[:12]}"
    try:
        with private_redis(tmp_path / "redis") as redis, broker_at(redis.url), sending_to(queue):
            settings.REDIS_URL = redis.url  # where the outbox's relay asks whether the broker is up
            with worker_process(redis.url, tmp_path / "first.log", queue=queue, env=env) as first:
                invite_person(
                    art, by=rte, email="ada@payments.example", role=Role.TEAM_MEMBER, team=team, display_name="Ada"
                )
                # The server has the message; the worker waits for its answer. Then it dies.
                assert len(inbox.wait_for(1, timeout=60)) == 1
                first.send_signal(signal.SIGKILL)
                first.wait(timeout=10)
            inbox.let_go.set()
            row = OutboxTask.objects.get(task="artops.tasks.send_email")
            assert row.done_at is not None  # claimed before it was sent
            outlive_the_visibility_timeout()

            with worker_process(redis.url, tmp_path / "second.log", queue=queue, env=env):
                # The second worker takes the unacknowledged task once the visibility timeout passes...
                wait_for(
                    lambda: "succeeded" in (tmp_path / "second.log").read_text(), seconds=90, what="the redelivery"
                )
    finally:
        controller.stop()
    # ...finds it claimed, and sends nothing.
    assert "succeeded" in (tmp_path / "second.log").read_text() and ": 0" in (tmp_path / "second.log").read_text()
    assert [message["To"] for message in inbox.messages] == ["ada@payments.example"]
