"""What coaching contributes to the core's pages (``artops.extensions``).

- On the train's home: the coach's growth goals whose check-in is due today or overdue (one
  query, for coaches only), and for everyone the links to coaching, the community of practice
  and the playbooks.
- On the calendar: each community of practice event leads to its session (one query).

Registered in ``ArtopsConfig.ready()``.
"""

from __future__ import annotations

from django.urls import reverse

from artops.coaching.models import CoPSession, GrowthGoal
from artops.extensions import Panel
from artops.models import ART
from artops.permissions import has_capability

COP_KIND = "community_of_practice"


def due_check_ins(art: ART, user, today) -> list[GrowthGoal]:
    """The open goals ``user`` coaches on ``art`` whose check-in is today or past, the oldest first."""
    # Only coaches have check-ins to hold: everyone else's home asks nothing more.
    if user is None or not has_capability(user, "coaching.coach", art=art):
        return []
    return list(
        GrowthGoal.objects.for_art(art)
        .visible_to(user)
        .coached_by(user)
        .check_in_due(today)
        .select_related("coachee")
        .order_by("next_check_in", "pk")
    )


def home_panel(*, art: ART, user=None, today=None, **_) -> Panel | None:
    """For a coach with check-ins due: those goals, high on the page. For everyone: the way to
    coaching, the community of practice and the playbooks, low on the page (no query)."""
    today = today or art.today()
    goals = due_check_ins(art, user, today)
    return Panel(
        template="artops/coaching/_home_panel.html",
        context={"goals": goals, "art": art, "today": today},
        order=15 if goals else 90,
    )


def calendar_links(*, events, **_) -> dict[int, str]:
    """``{event id: session page}`` for the community of practice events among ``events``."""
    ids = [event.pk for event in events if event.kind == COP_KIND]
    if not ids:
        return {}
    rows = CoPSession.objects.filter(event_id__in=ids).values_list("event_id", "pk", "art__slug")
    return {
        event_id: reverse("coaching_cop_session", kwargs={"art_slug": slug, "session_id": pk})
        for event_id, pk, slug in rows
    }
