"""factory_boy factories of the sync app: rows written directly, without capability checks.

Pass the train's objects (``art``, ``pi``, ``team``, people); dates default to the shared
``pi`` fixture's first weeks (PI 2026.4 starts on Monday 5 October 2026).
"""

from datetime import UTC, date, datetime, time

import factory

from risks.models import Dependency
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

RAISED = datetime(2026, 10, 6, 10, tzinfo=UTC)


class SyncMeetingFactory(factory.django.DjangoModelFactory):
    """A planned ART Sync. Pass ``art``, ``pi`` and ``facilitator``."""

    class Meta:
        model = SyncMeeting

    kind = SyncMeeting.Kind.ART_SYNC
    date = date(2026, 10, 13)
    start_time = time(10, 0)


class ClosedSyncMeetingFactory(SyncMeetingFactory):
    """A sync held and closed at its start time."""

    state = SyncMeeting.State.CLOSED
    current_section = "summary"
    started_at = factory.LazyAttribute(lambda m: datetime.combine(m.date, m.start_time, tzinfo=UTC))
    closed_at = factory.SelfAttribute("started_at")


class ImpedimentFactory(factory.django.DjangoModelFactory):
    """An open impediment at the team's level. Pass ``art``, ``team``, ``raised_by`` (owner defaults to it)."""

    class Meta:
        model = Impediment

    description = factory.Sequence(lambda n: f"Impediment {n}")
    owner = factory.SelfAttribute("raised_by")
    raised_at = RAISED


class DependencyFactory(factory.django.DjangoModelFactory):
    """A dependency written directly. Pass ``art``, ``pi``, ``needing_team``, ``providing_team``,
    ``needed_by`` and ``owner``; it is requested and unplanned unless said otherwise."""

    class Meta:
        model = Dependency

    description = factory.Sequence(lambda n: f"Dependency {n}")
    created_at = RAISED


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    reason = AgendaItem.Reason.BLOCKED


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    section = "blockers"
    text = factory.Sequence(lambda n: f"Decision {n}")
    at = RAISED


class ActionItemFactory(factory.django.DjangoModelFactory):
    """An open action item. Pass ``meeting``, ``owner`` and ``raised_by``."""

    class Meta:
        model = ActionItem

    text = factory.Sequence(lambda n: f"Action {n}")
    due_date = date(2026, 10, 20)
    created_at = RAISED


class TeamStatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamStatus

    status = TeamStatus.Status.ON_TRACK
    posted_at = RAISED


class SystemDemoFactory(factory.django.DjangoModelFactory):
    """Pass ``art``, ``pi``, ``iteration`` and ``created_by``; held on the iteration's last day."""

    class Meta:
        model = SystemDemo

    held_on = factory.LazyAttribute(lambda demo: demo.iteration.end_date)


class DemoItemFactory(factory.django.DjangoModelFactory):
    """Shown fully integrated. Pass ``demo``, ``team``, ``feature`` and ``added_by``."""

    class Meta:
        model = DemoItem

    shown = "The increment, end to end in staging"
    integrated = DemoItem.Integrated.YES


class DemoFeedbackFactory(factory.django.DjangoModelFactory):
    """Open feedback. Pass ``demo`` and ``by``."""

    class Meta:
        model = DemoFeedback

    text = factory.Sequence(lambda n: f"Feedback {n}")
    created_at = RAISED
