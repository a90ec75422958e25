"""The quiet poll of the live program board, answered before the rest of the request's work.

In a PI Planning room every browser asks every two seconds whether the board changed, and
almost always it has not. That answer needs no session, no user, no URL resolution, no
Content Security Policy and no database: only a valid poll token (``planning.live_board``) and
the board clock's copy in Redis. Answered here, right after Django's security middleware, it
costs a few tens of microseconds of the server's time instead of most of a millisecond.

Anything else — no token, an expired or foreign one, a changed board, Redis unavailable, a bad
``since`` — goes on to the view (``planning.views.program_board.program_board_changes``),
which answers it through the session and the database like any page.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from artops.parsing import BadNumber, parse_since
from planning import live_board
from planning.models import BoardClock

# Placeholders for building the poll URL's pattern from the URLconf, so that it is named once.
_SLUG, _PI = "artopsslugplaceholder", 987654321


class QuietBoardPollMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self._pattern: re.Pattern | None = None

    def pattern(self) -> re.Pattern:
        if self._pattern is None:
            path = reverse("program_board_changes", kwargs={"art_slug": _SLUG, "pi_id": _PI})
            escaped = re.escape(path).replace(_SLUG, r"(?P<slug>[-\w]+)").replace(str(_PI), r"(?P<pi>\d{1,18})")
            self._pattern = re.compile(f"^{escaped}$")
        return self._pattern

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request.META.get("HTTP_X_BOARD_TOKEN")
        if token and request.method == "GET":
            unchanged = self.unchanged_version(request, token)
            if unchanged is not None:
                response = HttpResponse(status=204)
                response["X-Board-Version"] = str(unchanged)
                response["Cache-Control"] = "max-age=0, no-cache, no-store, must-revalidate, private"
                return response
        return self.get_response(request)

    def unchanged_version(self, request: HttpRequest, token: str) -> int | None:
        """The board's version if this is a valid quiet poll of an unchanged board, else ``None``."""
        match = self.pattern().match(request.path_info)
        if match is None:
            return None
        slug, pi_id = match["slug"], int(match["pi"])
        if live_board.token_holder(token, slug, pi_id) is None:
            return None
        try:
            since = parse_since(request.GET.get("since", ""))
        except BadNumber:
            return None
        return since if BoardClock.cached(pi_id) == since else None
