"""Health endpoints for an orchestrator (docker compose, Kubernetes, a load balancer).

- ``/health/live/``: the process answers. Touches neither the database nor the broker, so a
  PostgreSQL or Redis outage never makes the orchestrator restart a web process that is fine.
- ``/health/ready/``: the database and the broker answer. 503 (with which one failed) while
  either is down, so a load balancer stops sending people to a replica that cannot serve them.

Neither needs a login, and neither says more than "ok" or "unavailable" about a dependency.
"""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from artops import broker

# Long enough for a busy server, short enough that the orchestrator's own timeout (5 s) is not hit.
CHECK_TIMEOUT_SECONDS = 2


def database_ready() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        # The broken connection is closed so that the next request opens a fresh one.
        connection.close_if_unusable_or_obsolete()
        return False


def broker_ready() -> bool:
    return broker.reachable(CHECK_TIMEOUT_SECONDS)


@require_GET
@never_cache
def live(request):
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def ready(request):
    checks = {"database": database_ready(), "broker": broker_ready()}
    body = {name: "ok" if up else "unavailable" for name, up in checks.items()}
    ok = all(checks.values())
    body["status"] = "ok" if ok else "unavailable"
    return JsonResponse(body, status=200 if ok else 503)
