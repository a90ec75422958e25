"""Redis stopped while people use the app: pages and writes keep working, the board keeps
refreshing, and the mail their writes asked for is sent exactly once when Redis is back.

The app runs as deployed (gunicorn) and a real worker sends through a real SMTP server; both use
a Redis server of the test's own, which the test stops and starts again on the same port.
"""

import json
import time

import pytest
from django.db import connection

from artops.models import Membership, OutboxTask, Role
from tests.faults.servers import app_server, private_redis
from tests.mailserver import smtp_server
from tests.workers import database_url_of, worker_process

pytestmark = [pytest.mark.faults, pytest.mark.celery, pytest.mark.django_db(transaction=True)]

# Redis stays down this long while the RTE keeps inviting people and everyone keeps reading pages.
OUTAGE_SECONDS = 10
MINIMUM_WRITES = 3
# Generous for a loaded two-core machine; a send that waited for redis-py's retries took 6 s.
WRITE_SECONDS = 3


def test_writes_while_redis_is_down_keep_their_mail_and_it_is_sent_once_redis_is_back(
    art, pi, team, signed_in, tmp_path
):
    def invite(app, number: int) -> int:
        data = {"art": art.slug, "email": f"person{number}@payments.example", "display_name": f"Person {number}"}
        status, _, body = app.post_json(
            "/api/invitations/", data | {"role": Role.TEAM_MEMBER, "team": team.pk}, signed_in["api"]
        )
        assert status == 201, body
        return status

    pages = [f"/arts/{art.slug}/", f"/arts/{art.slug}/members/", f"/arts/{art.slug}/planning/pis/{pi.pk}/board/"]
    board_poll = f"/arts/{art.slug}/planning/pis/{pi.pk}/board/changes/?since=0"
    with smtp_server() as inbox, private_redis(tmp_path / "redis") as redis:
        mail = {"EMAIL_URL": f"smtp://127.0.0.1:{inbox.port}"}
        database_url = database_url_of(connection.settings_dict)
        with (
            app_server(database_url, tmp_path / "web.log", redis_url=redis.url) as app,
            worker_process(redis.url, tmp_path / "worker.log", queue="celery", env=mail),
        ):
            invite(app, 0)
            assert len(inbox.wait_for(1)) == 1  # with Redis up, at once

            redis.stop()
            down_since, slowest, written = time.monotonic(), 0.0, 0
            while written < MINIMUM_WRITES or time.monotonic() - down_since < OUTAGE_SECONDS:
                written += 1
                started = time.monotonic()
                invite(app, written)
                slowest = max(slowest, time.monotonic() - started)
                for page in pages:
                    assert app.get(page, signed_in["page"])[0] == 200, page
                assert app.get(board_poll, signed_in["page"])[0] in (200, 204)
            assert app.get("/health/live/")[0] == 200
            status, _, body = app.get("/health/ready/")
            assert status == 503 and json.loads(body)["broker"] == "unavailable"
            # Kept in PostgreSQL with the invitations; none could reach a worker.
            assert OutboxTask.objects.filter(sent_at__isnull=True).count() == written
            assert len(inbox.messages) == 1
            # The relay asks Redis once, without retries: a write does not wait for the broker.
            assert slowest < WRITE_SECONDS, f"a write took {slowest:.1f} s while Redis was down"

            redis.start()
            # The next write's commit relays what waited (so would the beat's relay-outbox, every minute).
            invite(app, written + 1)
            everyone = written + 2
            inbox.wait_for(everyone, timeout=90)
            time.sleep(3)  # a second delivery, were there one, would arrive by now

    recipients = sorted(message["To"] for message in inbox.messages)
    assert recipients == sorted(f"person{n}@payments.example" for n in range(everyone))
    assert OutboxTask.objects.filter(done_at__isnull=True).count() == 0
    assert Membership.objects.filter(art=art, role=Role.TEAM_MEMBER).count() == everyone
    log = (tmp_path / "web.log").read_text()
    assert "Traceback" not in log and '" 500 ' not in log  # the status after the request line
