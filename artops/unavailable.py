"""When the database cannot be reached: a clear 503 that says "try again", never a traceback.

While PostgreSQL restarts, the first query of a request raises ``OperationalError`` (or
``InterfaceError`` on a connection that died with the server) wherever it happens: in a view,
in the session or authentication middleware, in the API. Each path ends here:

- the API's exception handler (``artops.api_errors``) answers 503 JSON;
- a page's view: ``DatabaseUnavailableMiddleware`` answers the 503 page (and the log gets one
  line per request, not a traceback: the cause is known);
- anything else (a middleware's own query) reaches Django's ``handler500``, ``server_error`` below.

Recovery needs no restart: ``CONN_HEALTH_CHECKS`` (settings) tests a kept connection at the
start of each request and opens a new one once the server is back.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
MESSAGE = "The database is unavailable for a moment. Nothing was saved; please try again in a few seconds."


def wants_json(request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def unavailable_response(request) -> HttpResponse:
    if wants_json(request):
        response = JsonResponse({"detail": MESSAGE, "code": "database_unavailable"}, status=503)
    else:
        # Rendered without the request: the context processors must not reach for the database.
        response = HttpResponse(loader.get_template("503.html").render({"message": MESSAGE}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """Turns a view's ``OperationalError`` / ``InterfaceError`` into the 503 answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_UNAVAILABLE):
            return unavailable_response(request)
        return None


def server_error(request, template_name: str = defaults.ERROR_500_TEMPLATE_NAME) -> HttpResponse:
    """handler500: a 503 when the database is the cause (Django calls this inside its ``except``)."""
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return unavailable_response(request)
    return defaults.server_error(request, template_name)
