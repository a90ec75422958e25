"""/health/live/ and /health/ready/: what an orchestrator asks, answered without a login."""

import pytest

from tests.faults.servers import free_port

pytestmark = pytest.mark.django_db


def test_liveness_answers_without_a_login_or_a_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readiness_checks_the_database_and_the_broker(client):
    response = client.get("/health/ready/")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "status": "ok"}


def test_readiness_fails_while_the_broker_is_unreachable_and_liveness_does_not(client, settings):
    # A loopback port where nothing listens: the connection is really refused.
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/health/ready/")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "unavailable", "status": "unavailable"}
    assert client.get("/health/live/").status_code == 200


@pytest.mark.parametrize("path", ["/health/live/", "/health/ready/"])
def test_health_endpoints_only_read(client, path):
    assert client.post(path).status_code == 405
