"""What the sync app contributes to pages of the lower apps (``artops.extensions``).

- On the train's home: a System Demo of the PI where nothing was shown integrated says so
  ("refuse theater"), and the next sync says who has not posted their status and how many
  action items are open (and overdue).
- On the calendar: each ART Sync, PO Sync or Coach Sync event leads to its sync (or to the
  page that opens it), each System Demo event to the demo of its iteration (or to the list of
  demos while it has none; nothing is created).

Registered in ``SyncConfig.ready()``. Each provider answers in a constant number of queries.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.urls import reverse

from artops.extensions import Panel
from artops.models import ART
from sync.models import ActionItem, DemoItem, SyncMeeting, SystemDemo
from sync.services.meetings import EVENT_KINDS

SYSTEM_DEMO_EVENT = "system_demo"


def _nothing_integrated(art: ART, pi) -> QuerySet[SystemDemo]:
    """The PI's System Demos where items were shown but none ran integrated."""
    return (
        SystemDemo.objects.for_art(art)
        .filter(pi=pi)
        .filter(Exists(DemoItem.objects.filter(demo=OuterRef("pk"))))
        .exclude(Exists(DemoItem.objects.filter(demo=OuterRef("pk"), integrated=DemoItem.Integrated.YES)))
    )


def _next_sync(art: ART) -> QuerySet[SyncMeeting]:
    return SyncMeeting.objects.for_art(art).open().of_kind(SyncMeeting.Kind.ART_SYNC).order_by("date", "start_time")


def home_panel(*, art: ART, pi=None, user=None, today=None, **_) -> Panel | None:
    """The train's home: a System Demo of the PI where nothing ran integrated, and the next ART Sync.

    One query when there is neither; a few more to show them.
    """
    found = (
        ART.objects.filter(pk=art.pk)
        .annotate(
            next_sync=Subquery(_next_sync(art).values("pk")[:1]),
            flagged=Exists(_nothing_integrated(art, pi)) if pi is not None else Value(False),
        )
        .values_list("next_sync", "flagged")
        .first()
    )
    next_sync, flagged = found or (None, False)
    if next_sync is None and not flagged:
        return None
    context: dict = {"demos": [], "meeting": None}
    if flagged:
        context["demos"] = list(_nothing_integrated(art, pi).with_related().with_counts().order_by("held_on"))
    if next_sync is not None:
        today = today or art.today()
        meeting = SyncMeeting.objects.with_related().get(pk=next_sync)
        context.update(
            meeting=meeting,
            not_posted=list(meeting.teams_not_posted().order_by("name")),
            **ActionItem.objects.for_art(art).aggregate(
                open=Count("pk", filter=Q(state=ActionItem.State.OPEN)),
                overdue=Count("pk", filter=Q(state=ActionItem.State.OPEN, due_date__lt=today)),
            ),
        )
    return Panel(template="sync/_home_panel.html", context=context, order=20)


def calendar_links(*, events, **_) -> dict[int, str]:
    """``{event id: url}`` for the sync and System Demo events among ``events`` (three queries at most)."""
    events = [event for event in events if event.kind in EVENT_KINDS or event.kind == SYSTEM_DEMO_EVENT]
    if not events:
        return {}
    trains = {
        pk: (slug, zone)
        for pk, slug, zone in ART.objects.filter(pk__in={event.art_id for event in events}).values_list(
            "pk", "slug", "time_zone"
        )
    }
    slugs = {pk: slug for pk, (slug, _zone) in trains.items()}
    links: dict[int, str] = {}
    syncs = [event for event in events if event.kind in EVENT_KINDS]
    if syncs:
        opened = dict(
            SyncMeeting.objects.filter(calendar_event__in=[event.pk for event in syncs]).values_list(
                "calendar_event_id", "pk"
            )
        )
        for event in syncs:
            slug = slugs[event.art_id]
            if event.pk in opened:
                links[event.pk] = reverse("sync_meeting", kwargs={"art_slug": slug, "meeting_id": opened[event.pk]})
            else:
                links[event.pk] = reverse("sync_calendar_event", kwargs={"art_slug": slug, "event_id": event.pk})
    demos = [event for event in events if event.kind == SYSTEM_DEMO_EVENT]
    if demos:
        held = list(
            SystemDemo.objects.filter(art_id__in={event.art_id for event in demos}).values_list(
                "pk", "art_id", "iteration__start_date", "iteration__end_date"
            )
        )
        for event in demos:
            slug = slugs[event.art_id]
            day = event.start_date or event.starts_at.astimezone(ZoneInfo(trains[event.art_id][1])).date()
            found = next(
                (pk for pk, art_id, start, end in held if art_id == event.art_id and start <= day <= end), None
            )
            links[event.pk] = (
                reverse("sync_demo", kwargs={"art_slug": slug, "demo_id": found})
                if found is not None
                else reverse("sync_demos", kwargs={"art_slug": slug})
            )
    return links
