"""The live program board's polls, answered before the rest of the request's work when they can be.

In a PI Planning room every browser asks every two seconds whether the board changed. Almost
always it has not; and when it has, a hundred browsers ask for the same change within two
seconds. Neither answer needs a session, a user, URL resolution, a Content Security Policy or
the database: only a valid poll token (``planning.live_board``: it names the person, the board,
what they may do on it and their filters) and Redis, which holds the board clock's copy and the
change as the first browser of each kind of viewer received it (``live_board.answer_key``).
Answered here, right after Django's security middleware, a poll costs a few tens of
microseconds of the server's time, and never waits behind the work of a render.

Anything else — no token, an expired or foreign one, a change not yet answered for this kind
of viewer, Redis unavailable, a bad ``since`` — goes on to the view
(``planning.views.program_board.program_board_changes``), which answers it through the session
and the database like any page, and keeps its answer for the others.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.text import compress_string

from artops import fastcache
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
            answered = self.answer(request, token)
            if answered is not None:
                return answered
        return self.get_response(request)

    def answer(self, request: HttpRequest, token: str) -> HttpResponse | None:
        """204 for an unchanged board, the kept change set for a changed one; ``None``: ask the view."""
        match = self.pattern().match(request.path_info)
        if match is None:
            return None
        slug, pi_id = match["slug"], int(match["pi"])
        grant = live_board.token_grant(token, slug, pi_id)
        if grant is None:
            return None
        try:
            since = parse_since(request.GET.get("since", ""))
        except BadNumber:
            return None
        version = BoardClock.cached(pi_id)
        if version is None or version < since:
            return None
        if version == since:
            response = HttpResponse(status=204)
        else:
            kept = fastcache.get_bytes(live_board.answer_key(pi_id, grant.filters_key, since, version, grant.viewer))
            if kept is None:
                return None
            response = HttpResponse(kept, content_type="application/json")
            if len(kept) > 200 and "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", ""):
                response.content = compress_string(kept)
                response["Content-Encoding"] = "gzip"
                response["Vary"] = "Accept-Encoding"
        response["X-Board-Version"] = str(version)
        response["Cache-Control"] = "max-age=0, no-cache, no-store, must-revalidate, private"
        return response
