"""The demo train as the hardening tests' target: real ids for every URL kwarg, and the app tables to watch."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import quote

from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from rest_framework.request import Request

from artops.calendar.models import CalendarEvent
from artops.calendar.services import create_feed_token
from artops.models import ART, Membership, ProgramIncrement, Role, Team, User
from planning.models import Feature, JiraUpload, Milestone, PIObjective, ReadinessItem, Story, VoteRound
from risks.models import Dependency, Risk

TODAY = date(2026, 11, 26)  # a Thursday in Iteration 2 of the demo's current PI
NOW = "2026-11-26 09:00Z"
WATCHED_APPS = ("artops", "planning", "risks", "sync", "metrics", "authtoken")


def seed_train() -> ART:
    """The demo train ("Payments ART"): every kind of object, in every state, about 800 rows, and a
    Jira export awaiting its import (for the Jira import's preview page and endpoints)."""
    call_command("seed_demo", verbosity=0)
    art = ART.objects.get(slug="payments")
    JiraUpload.objects.create(
        art=art,
        uploaded_by=rte_of(art),
        filename="jira.csv",
        text=(
            "Summary,Issue key,Issue Type,Status,Team,Story Points,Sprint,Sprint,Outward issue link (Blocks)\n"
            "Instant payouts,PAY-1,Epic,To Do,,,,,\n"
            "Payout API,PAY-2,Story,In Progress,Ledger,5,,,PAY-3\n"
            "Replica reader,PAY-3,Story,Done,Checkout,3,,,\n"
        ),
    )
    return art


def rte_of(art: ART) -> User:
    return User.objects.get(memberships__art=art, memberships__role=Role.RTE)


def page_kwargs(art: ART, rte: User) -> dict[str, str]:
    """A real value for every URL kwarg of the pages, all consistent (the story is the team's, in the PI)."""
    pi = ProgramIncrement.objects.get(art=art, state=ProgramIncrement.State.EXECUTING)
    team = Team.objects.get(art=art, name="Ledger")
    story = Story.objects.filter(team=team, pi=pi).order_by("pk").first()
    feature = Feature.objects.filter(art=art, placements__iteration__pi=pi).order_by("pk").first()
    values = {
        "art_slug": art.slug,
        "pi_id": pi.pk,
        "team_id": team.pk,
        "story_id": story.pk,
        "key": feature.key,
        "membership_id": Membership.objects.filter(art=art).exclude(user=rte).order_by("pk").first().pk,
        "objective_id": PIObjective.objects.filter(pi=pi, team=team).order_by("pk").first().pk,
        "milestone_id": Milestone.objects.filter(pi=pi).order_by("pk").first().pk,
        "round_id": VoteRound.objects.filter(pi=pi).order_by("pk").first().pk,
        "item_id": ReadinessItem.objects.filter(pi=pi).order_by("pk").first().pk,
        "risk_id": Risk.objects.filter(art=art).order_by("pk").first().pk,
        "dependency_id": Dependency.objects.filter(art=art).order_by("pk").first().pk,
        "upload_id": JiraUpload.objects.filter(art=art).order_by("pk").first().pk,
        "slug": art.slug,
        # A calendar feed's secret (``calendar/<token>.ics``): an unknown one answers 404 like a hostile one.
        "token": "no-such-feed-token",
        "event_id": CalendarEvent.objects.for_art(art).order_by("pk").first().pk,
        "token_id": create_feed_token(rte, art=art).pk,
        "invitation_id": pending_invitation(art, rte).pk,
        # An invitation's link (``accounts/welcome/<uidb64>/<token>/``): a person's id, base64-encoded.
        "uidb64": "MQ",
        **sync_kwargs(art),
        **coaching_kwargs(art, rte),
    }
    return {name: str(value) for name, value in values.items()}


def pending_invitation(art: ART, rte: User):
    """An invitation not yet accepted, of somebody the RTE put on the train."""
    from django.utils import timezone

    from artops.onboarding.models import Invitation

    person = User.objects.create_user("invited@payments.example", None, display_name="Ivy Invited")
    Membership.objects.create(user=person, art=art, role=Role.BUSINESS_OWNER)
    return Invitation.objects.create(art=art, user=person, invited_by=rte, last_sent_at=timezone.now())


def coaching_kwargs(art: ART, rte: User) -> dict:
    """Real values for the coaching pages: the RTE's growth goal, a CoP session, a playbook and its first version."""
    from artops.coaching.models import CoPSession, GrowthGoal, Playbook

    return {
        "goal_id": GrowthGoal.objects.filter(art=art, coach=rte).order_by("pk").first().pk,
        "session_id": CoPSession.objects.filter(art=art).order_by("pk").first().pk,
        "playbook_id": Playbook.objects.filter(art=art).order_by("pk").first().pk,
        "number": 1,
    }


def sync_kwargs(art: ART) -> dict:
    """Real values for the URL kwargs of the sync pages: the open ART Sync and its parts, an impediment,
    the latest System Demo and its feedback, an ART Sync event of the calendar (when the calendar has one)."""
    from artops.calendar.models import CalendarEvent
    from sync.models import ActionItem, AgendaItem, DemoFeedback, Impediment, SyncMeeting, SystemDemo

    meeting = SyncMeeting.objects.filter(art=art, kind="art_sync", state__in=["planned", "running"]).get()
    demo = SystemDemo.objects.filter(art=art).order_by("-held_on").first()
    event = CalendarEvent.objects.filter(art=art, kind="art_sync").order_by("pk").first()
    return {
        "meeting_id": meeting.pk,
        "agenda_item_id": AgendaItem.objects.filter(meeting=meeting).order_by("position").first().pk,
        "action_id": ActionItem.objects.filter(meeting__art=art, state="open").order_by("pk").first().pk,
        "impediment_id": Impediment.objects.filter(art=art, state="open").order_by("pk").first().pk,
        "demo_id": demo.pk,
        "feedback_id": DemoFeedback.objects.filter(demo=demo, state="open").order_by("pk").first().pk,
        "event_id": event.pk if event is not None else 1,
    }


def api_pk(view_class, rte: User, *, exclude_user: User | None = None) -> str:
    """The id of the first object the viewset shows the RTE (its own ``get_queryset``)."""
    request = Request(RequestFactory().get("/"))
    request.user = rte
    view = view_class(request=request, kwargs={}, format_kwarg=None, action="list")
    queryset = view.get_queryset()
    if exclude_user is not None and queryset.model is Membership:
        queryset = queryset.exclude(user=exclude_user)
    return str(queryset.order_by("pk").values_list("pk", flat=True).first())


def build_path(route: str, values: dict[str, str]) -> str:
    """A URL path from a route text (``<int:pi_id>`` or ``(?P<pk>…)``), each value percent-encoded."""
    path = route.replace("^", "").replace("$", "")
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: quote(values[m[1]], safe=""), path)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: quote(values[m[1]], safe=""), path)
    return "/" + path.replace("\\", "")


def watched_tables() -> list[str]:
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.app_label in WATCHED_APPS and model._meta.managed and not model._meta.proxy
    )


def row_counts(tables: list[str]) -> tuple[int, ...]:
    """How many rows each watched table holds: one query."""
    # The table names are the apps' own, from their models: nothing from outside reaches this SQL.
    selects = ", ".join(f'(SELECT count(*) FROM "{table}")' for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selects}")
        return tuple(cursor.fetchone())


def rows_written() -> int:
    """Rows inserted or deleted so far in this transaction, in every table: one cheap query.

    PostgreSQL counts each insert and delete of the transaction, those of rolled-back savepoints
    too, so the number never goes down: while it stays the same, no table's row count changed
    and ``row_counts`` (a count of every table) need not be asked.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(sum(n_tup_ins + n_tup_del), 0) FROM pg_stat_xact_user_tables")
        return int(cursor.fetchone()[0])


def longest_row(tables: list[str]) -> int:
    """The longest row of any watched table, as text: a stored 100,000-character value shows here."""
    selects = " UNION ALL ".join(f'SELECT max(length(t::text)) FROM "{table}" t' for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(m), 0) FROM ({selects}) AS lengths(m)")  # noqa: S608
        return cursor.fetchone()[0]
