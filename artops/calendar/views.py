"""The calendar's iCal feed, served behind a private token: no login, no session.

A wrong or revoked token (or a per-train link of someone no longer on that train) answers
404 with an empty body, the same in every case, so that nothing tells which it was. The
token is part of the URL path: ``artops.calendar.log_filters`` keeps it out of the logs.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from artops.calendar.feed import build_feed, feed_window
from artops.calendar.models import CalendarEvent
from artops.calendar.services import find_feed_token
from artops.models import ART

# The train's calendar page, once it exists; the feed links to it from each event.
CALENDAR_PAGE = "art_calendar"


def not_found() -> HttpResponse:
    return HttpResponseNotFound(b"", content_type="text/plain; charset=utf-8")


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed of one train, or of all the person's trains: a constant number of queries."""
    feed_token = find_feed_token(token)
    if feed_token is None or not feed_token.user.is_active:
        return not_found()
    user = feed_token.user
    trains = ART.objects.visible_to(user)
    if feed_token.art_id is not None:
        if not trains.filter(pk=feed_token.art_id).exists():
            return not_found()
        events = CalendarEvent.objects.for_art(feed_token.art)
        name = f"{feed_token.art.name} — ART calendar"
    else:
        events = CalendarEvent.objects.filter(art__in=trains)
        name = f"ARTops — {user.display_name or user.email}"

    now = timezone.now()
    start, end = feed_window(now)
    events = events.between(start, end).select_related("art")
    body = build_feed(
        events,
        name=name,
        now=now,
        time_zone=feed_token.calendar_time_zone(),
        page_url=page_url_builder(request),
        label_trains=feed_token.art_id is None,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="artops.ics"'
    # Private: a shared cache must never keep one person's feed.
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    return response


def page_url_builder(request: HttpRequest):
    """A function giving the absolute address of a train's calendar page, or None while the
    page does not exist; computed once per train."""
    cache: dict[int, str | None] = {}

    def page_url(art: ART) -> str | None:
        if art.pk not in cache:
            try:
                cache[art.pk] = request.build_absolute_uri(reverse(CALENDAR_PAGE, kwargs={"art_slug": art.slug}))
            except NoReverseMatch:
                cache[art.pk] = None
        return cache[art.pk]

    return page_url
