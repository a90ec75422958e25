"""Filters of the sync lists, shared by the pages, their CSV exports and the API.

Ids are read by ``artops.parsing.IdFilter``: a value that is not an id makes the FilterSet
invalid (the API answers 400; a page says so, or shows nothing, whichever is its convention).
The querysets are already limited to the user's trains, so another train's ids find no rows.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from artops.parsing import IdFilter
from sync.models import (
    ActionItem,
    AgendaItem,
    Decision,
    DemoFeedback,
    DemoItem,
    Impediment,
    SyncMeeting,
    SystemDemo,
    TeamStatus,
)

# The aging bands of the impediments list: open for more than this many days.
AGING_DAYS = (7, 14, 30)


class TrainFilterSet(django_filters.FilterSet):
    """A train by slug, for the API's lists over all of the caller's trains."""

    art = django_filters.CharFilter(field_name="art__slug", help_text="Slug of the train.")


class SyncMeetingFilter(TrainFilterSet):
    """Syncs by train, PI, kind and state."""

    pi = IdFilter(field_name="pi_id", help_text="Id of the PI.")
    kind = django_filters.ChoiceFilter(choices=SyncMeeting.Kind.choices)
    state = django_filters.ChoiceFilter(choices=SyncMeeting.State.choices)

    class Meta:
        model = SyncMeeting
        fields = ("art", "pi", "kind", "state")


class MeetingPartFilter(django_filters.FilterSet):
    """Rows of a sync (agenda items, decisions, team statuses), by the sync."""

    meeting = IdFilter(field_name="meeting_id", help_text="Id of the sync.")
    art = django_filters.CharFilter(field_name="meeting__art__slug", help_text="Slug of the train.")


class AgendaItemFilter(MeetingPartFilter):
    class Meta:
        model = AgendaItem
        fields = ("meeting", "art")


class DecisionFilter(MeetingPartFilter):
    section = django_filters.CharFilter()

    class Meta:
        model = Decision
        fields = ("meeting", "art", "section")


class TeamStatusFilter(MeetingPartFilter):
    team = IdFilter(field_name="team_id", help_text="Id of the team.")
    status = django_filters.ChoiceFilter(choices=TeamStatus.Status.choices)

    class Meta:
        model = TeamStatus
        fields = ("meeting", "art", "team", "status")


class ActionItemFilter(MeetingPartFilter):
    """Action items by sync, owner, state, the kind of sync, and whether they are overdue (the train's today)."""

    owner = IdFilter(field_name="owner_id", help_text="Id of the owner.")
    state = django_filters.ChoiceFilter(choices=ActionItem.State.choices)
    kind = django_filters.ChoiceFilter(field_name="meeting__kind", choices=SyncMeeting.Kind.choices)
    overdue = django_filters.BooleanFilter(method="filter_overdue", help_text="Open and past their due date.")

    class Meta:
        model = ActionItem
        fields = ("meeting", "art", "owner", "state", "kind", "overdue")

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        condition = Q(state=ActionItem.State.OPEN, due_date__lt=self.today or timezone.localdate())
        return queryset.filter(condition) if value else queryset.exclude(condition)


class ImpedimentFilter(TrainFilterSet):
    """Impediments by team, escalation level, state, and age (open for more than N days)."""

    team = IdFilter(field_name="team_id", help_text="Id of the team.")
    level = django_filters.ChoiceFilter(choices=Impediment.Level.choices)
    state = django_filters.ChoiceFilter(choices=Impediment.State.choices)
    older_than = django_filters.TypedChoiceFilter(
        method="filter_older_than",
        choices=[(str(days), f"over {days} days") for days in AGING_DAYS],
        coerce=int,
        help_text=f"Raised more than this many days ago: one of {', '.join(map(str, AGING_DAYS))}.",
    )

    class Meta:
        model = Impediment
        fields = ("art", "team", "level", "state", "older_than")

    def __init__(self, *args, art=None, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.art, self.today = art, today

    def filter_older_than(self, queryset: QuerySet, name: str, value: int | None) -> QuerySet:
        if not value:
            return queryset
        today = self.today or timezone.localdate()
        tz = self.art.tz if self.art is not None else timezone.get_current_timezone()
        cutoff = datetime.combine(today - timedelta(days=value), time.min, tzinfo=tz)
        return queryset.raised_before(cutoff)


class SystemDemoFilter(TrainFilterSet):
    pi = IdFilter(field_name="pi_id", help_text="Id of the PI.")
    iteration = IdFilter(field_name="iteration_id", help_text="Id of the iteration.")

    class Meta:
        model = SystemDemo
        fields = ("art", "pi", "iteration")


class DemoItemFilter(django_filters.FilterSet):
    demo = IdFilter(field_name="demo_id", help_text="Id of the System Demo.")
    team = IdFilter(field_name="team_id", help_text="Id of the team.")
    feature = IdFilter(field_name="feature_id", help_text="Id of the feature.")
    integrated = django_filters.ChoiceFilter(choices=DemoItem.Integrated.choices)

    class Meta:
        model = DemoItem
        fields = ("demo", "team", "feature", "integrated")


class DemoFeedbackFilter(django_filters.FilterSet):
    demo = IdFilter(field_name="demo_id", help_text="Id of the System Demo.")
    state = django_filters.ChoiceFilter(choices=DemoFeedback.State.choices)

    class Meta:
        model = DemoFeedback
        fields = ("demo", "state")
