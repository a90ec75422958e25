"""Keep calendar feed tokens out of the logs.

A feed URL (``/calendar/<token>.ics``) is a secret: whoever has it reads the calendar. Request
logs write the path: Django's ``django.request`` ("Not Found: /calendar/….ics"), runserver's
``django.server`` and gunicorn's access log (``gunicorn.access``). ``RedactFeedTokens`` is
attached to those loggers in ``settings.LOGGING`` and rewrites the record's message before any
handler sees it.
"""

from __future__ import annotations

import logging
import re

# The path segment after /calendar/ when it names a feed (ends in .ics) or looks like a token
# (20 or more URL-safe characters: a token from secrets.token_urlsafe(32) has 43).
FEED_TOKEN = re.compile(r"/calendar/(?:[^/\s\"'?#]+(?=\.ics)|[A-Za-z0-9_-]{20,})")
REDACTED = "/calendar/[redacted]"


def redact(text: str) -> str:
    return FEED_TOKEN.sub(REDACTED, text)


class RedactFeedTokens(logging.Filter):
    """Replace feed tokens in a log record's message; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record is left for the handler to report
            return True
        redacted = redact(message)
        if redacted != message:
            # The message is now final text: without args, nothing formats it again.
            record.msg, record.args = redacted, None
        return True
