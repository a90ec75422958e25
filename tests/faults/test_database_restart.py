"""PostgreSQL restarted under a running app: a clear 503 while it is down, and recovery by itself.

The app runs as deployed (gunicorn, DEBUG off) on a PostgreSQL server of the test's own, which
the test stops and starts again. Nothing is restarted but PostgreSQL.
"""

import json

import pytest
from django.conf import settings

from tests.faults.servers import app_server, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

RECOVERY_SECONDS = 15


def test_requests_during_a_postgresql_restart_answer_503_and_the_app_recovers_by_itself(
    art, team, signed_in, copy_of_the_test_database, tmp_path
):
    database = copy_of_the_test_database
    teams_page = f"/arts/{art.slug}/teams/"
    with app_server(database.url, tmp_path / "web.log", redis_url=settings.REDIS_URL) as app:
        assert app.get("/api/arts/", signed_in["api"])[0] == 200
        assert app.get(teams_page, signed_in["page"])[0] == 200  # the connection is now kept open

        database.stop()

        status, headers, body = app.get("/api/arts/", signed_in["api"])
        assert status == 503 and headers["Retry-After"] == "5"
        assert json.loads(body)["code"] == "database_unavailable"
        status, headers, body = app.get(teams_page, signed_in["page"])
        assert status == 503 and b"Back in a moment" in body and b"Traceback" not in body
        # The orchestrator: the process lives, but it is not ready to serve.
        assert app.get("/health/live/")[0] == 200
        status, _, body = app.get("/health/ready/")
        assert status == 503 and json.loads(body)["database"] == "unavailable"

        database.start()

        wait_for(lambda: app.get("/api/arts/", signed_in["api"])[0] == 200, seconds=RECOVERY_SECONDS, what="API")
        status, _, body = app.get(teams_page, signed_in["page"])
        assert status == 200 and team.name.encode() in body
        assert json.loads(app.get("/health/ready/")[2]) == {"database": "ok", "broker": "ok", "status": "ok"}
    assert "Traceback" not in (tmp_path / "web.log").read_text()
