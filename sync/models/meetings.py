"""Sync meetings (ART Sync, Coach Sync, PO Sync): agenda, timer, decisions, action items, team status."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Deferrable, Q

from artops.models import ART, ARTScopedQuerySet, ProgramIncrement, Team
from sync.models.common import MeetingScopedQuerySet, bounded_text, choice_values


class MeetingKind(models.TextChoices):
    """The three syncs of a train."""

    ART_SYNC = "art_sync", "ART Sync"
    COACH_SYNC = "coach_sync", "Coach Sync (Scrum of Scrums)"
    PO_SYNC = "po_sync", "PO Sync"


class MeetingState(models.TextChoices):
    """planned → running → closed."""

    PLANNED = "planned", "Planned"
    RUNNING = "running", "Running"
    CLOSED = "closed", "Closed"


class SyncMeetingQuerySet(ARTScopedQuerySet):
    def open(self) -> SyncMeetingQuerySet:
        return self.filter(state__in=SyncMeeting.OPEN)

    def of_kind(self, kind: str) -> SyncMeetingQuerySet:
        return self.filter(kind=kind)

    def before(self, meeting: SyncMeeting) -> SyncMeetingQuerySet:
        """Meetings of the same train held earlier than ``meeting`` (by date, start time, then id)."""
        return self.filter(art_id=meeting.art_id).filter(
            Q(date__lt=meeting.date)
            | Q(date=meeting.date, start_time__lt=meeting.start_time)
            | Q(date=meeting.date, start_time=meeting.start_time, pk__lt=meeting.pk)
        )

    def with_related(self) -> SyncMeetingQuerySet:
        return self.select_related("art", "pi", "facilitator")


class SyncMeeting(models.Model):
    """One ART Sync, Coach Sync (Scrum of Scrums) or PO Sync of a train.

    The ART Sync is the RTE's weekly 90 minutes on problems and decisions, not status: the
    top 5 cross-team blockers, risks to ROAM, scope to rebalance, each leaving with a decision
    or an action item with an owner and a due date. The Coach Sync (Scrum Masters) looks at
    each team's impediments and who is in whose way; the PO Sync (Product Owners, Product
    Management) at features in flight, scope and progress towards the PI objectives.

    A meeting is planned, then running (the facilitator's timer moves through its agenda's
    sections), then closed. A train has at most one open (planned or running) meeting of a kind
    at a time. The timer is stored, not kept in a browser, so that every page can follow it:
    the current section, when it last started running, and the seconds it had run before
    (while paused, ``section_started_at`` is empty).
    """

    Kind = MeetingKind
    State = MeetingState

    OPEN = (State.PLANNED, State.RUNNING)

    art = models.ForeignKey(ART, on_delete=models.CASCADE, related_name="sync_meetings")
    pi = models.ForeignKey(ProgramIncrement, on_delete=models.PROTECT, related_name="sync_meetings", verbose_name="PI")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ART_SYNC)
    date = models.DateField(help_text="In the train's time zone.")
    start_time = models.TimeField(help_text="In the train's time zone.")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PLANNED)
    facilitator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The facilitator's timer: see the class docstring and ``sync.agenda.timer``.
    current_section = models.CharField(max_length=32, blank=True)
    section_started_at = models.DateTimeField(null=True, blank=True)
    section_elapsed = models.PositiveIntegerField(default=0, help_text="Seconds run in the section before it paused.")
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The ART calendar's event this meeting was opened from, if any (one meeting per event).
    calendar_event = models.OneToOneField(
        "artops.CalendarEvent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sync_meeting",
        error_messages={"unique": "This calendar event already has its meeting."},
    )
    # The timer and the agenda are changed by whoever facilitates: two of them are refused, not merged.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SyncMeetingQuerySet.as_manager()

    class Meta:
        ordering = ["date", "start_time", "id"]
        indexes = [models.Index(fields=["art", "kind", "date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["art", "kind"],
                condition=Q(state__in=["planned", "running"]),
                name="sync_one_open_meeting_per_kind",
                violation_error_message="This train already has an open meeting of this kind: close it first.",
            ),
            models.CheckConstraint(condition=Q(kind__in=choice_values(MeetingKind)), name="sync_meeting_kind_valid"),
            models.CheckConstraint(condition=Q(state__in=choice_values(MeetingState)), name="sync_meeting_state_valid"),
            # Planned: the timer has not started.
            models.CheckConstraint(
                condition=~Q(state="planned")
                | Q(current_section="", section_started_at__isnull=True, section_elapsed=0, started_at__isnull=True),
                name="sync_meeting_planned_has_no_timer",
            ),
            # Running: the timer stands in a section; it runs (started_at set) or is paused.
            models.CheckConstraint(
                condition=~Q(state="running") | (~Q(current_section="") & Q(started_at__isnull=False)),
                name="sync_meeting_running_has_section",
            ),
            models.CheckConstraint(
                condition=Q(section_started_at__isnull=True) | Q(state="running"),
                name="sync_meeting_timer_runs_only_while_running",
            ),
            models.CheckConstraint(
                condition=Q(state="closed", closed_at__isnull=False) | (~Q(state="closed") & Q(closed_at__isnull=True)),
                name="sync_meeting_closed_at_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%d %b %Y}"

    def get_art(self) -> ART:
        return self.art

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN

    @property
    def timer_running(self) -> bool:
        return self.section_started_at is not None

    @property
    def starts_at(self) -> datetime:
        """When it is scheduled to start, as an aware datetime in the train's time zone."""
        return datetime.combine(self.date, self.start_time, tzinfo=zoneinfo.ZoneInfo(self.art.time_zone))

    def previous(self) -> SyncMeeting | None:
        """The last meeting of the same kind of this train before this one."""
        return SyncMeeting.objects.before(self).of_kind(self.kind).order_by("-date", "-start_time", "-id").first()

    def teams_not_posted(self):
        """The train's active teams that have not posted their status for this meeting."""
        return Team.objects.for_art(self.art).active().exclude(pk__in=self.team_statuses.values("team_id"))

    def clean(self) -> None:
        super().clean()
        if self.pi_id and self.art_id and self.pi.art_id != self.art_id:
            raise ValidationError({"pi": "That PI belongs to another train."})


class AgendaItem(models.Model):
    """One of the top 5 cross-team blockers of an ART Sync: an impediment or a dependency.

    Chosen from the data (``sync.agenda``) and stored, so that the minutes say what was on the
    agenda. ``pinned`` items are the RTE's own choice and stay where they are when the agenda
    is chosen again. Each item should leave the sync with a decision or a next action
    (``decisions`` and ``action_items`` that point to it).
    """

    class Reason(models.IntegerChoices):
        """Why it is on the agenda, most severe first: the ranking of ``sync.agenda``."""

        ESCALATED_BEYOND = 1, "Impediment escalated beyond the train"
        BLOCKED = 2, "Blocked dependency"
        ESCALATED_TO_TRAIN = 3, "Impediment escalated to the train"
        RED = 4, "Dependency planned too late or not planned"
        AT_RISK = 5, "Dependency at risk"
        AGING = 6, "Dependency open for over 14 days"

    TOP = 5

    meeting = models.ForeignKey(SyncMeeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField()
    impediment = models.ForeignKey(
        "Impediment", on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    dependency = models.ForeignKey(
        "risks.Dependency", on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    reason = models.PositiveSmallIntegerField(choices=Reason.choices)
    pinned = models.BooleanField(default=False)

    objects = MeetingScopedQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [
            # Deferred, so that two items can exchange their positions in one transaction.
            models.UniqueConstraint(
                fields=["meeting", "position"],
                name="agenda_item_position_unique",
                deferrable=Deferrable.DEFERRED,
            ),
            models.UniqueConstraint(
                fields=["meeting", "impediment"], condition=Q(impediment__isnull=False), name="agenda_impediment_once"
            ),
            models.UniqueConstraint(
                fields=["meeting", "dependency"], condition=Q(dependency__isnull=False), name="agenda_dependency_once"
            ),
            models.CheckConstraint(
                condition=Q(impediment__isnull=True, dependency__isnull=False)
                | Q(impediment__isnull=False, dependency__isnull=True),
                name="agenda_item_one_subject",
            ),
            models.CheckConstraint(condition=Q(position__gte=1, position__lte=5), name="agenda_item_top_five"),
            models.CheckConstraint(condition=Q(reason__gte=1, reason__lte=6), name="agenda_item_reason_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.subject}"

    @property
    def subject(self):
        return self.impediment if self.impediment_id else self.dependency

    def get_art(self) -> ART:
        return self.meeting.art


class Decision(models.Model):
    """A decision taken in a sync, in the section where it was taken (on an agenda item, perhaps)."""

    meeting = models.ForeignKey(SyncMeeting, on_delete=models.CASCADE, related_name="decisions")
    section = models.CharField(max_length=32)
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions"
    )
    text = bounded_text("decision", 1000)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    objects = MeetingScopedQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "at", "id"]

    def __str__(self) -> str:
        return self.text[:60]

    def get_art(self) -> ART:
        return self.meeting.art


class ActionState(models.TextChoices):
    """An action item is open until it is done or dropped."""

    OPEN = "open", "Open"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


class ActionItemQuerySet(MeetingScopedQuerySet):
    def open(self) -> ActionItemQuerySet:
        return self.filter(state=ActionItem.State.OPEN)

    def overdue(self, today: date) -> ActionItemQuerySet:
        """Open, and due before ``today`` (the train's)."""
        return self.open().filter(due_date__lt=today)

    def open_for(self, meeting: SyncMeeting) -> ActionItemQuerySet:
        """The open items raised in earlier meetings of the same kind of the same train: they carry over."""
        earlier = SyncMeeting.objects.before(meeting).of_kind(meeting.kind)
        return self.open().filter(meeting__in=earlier)

    def with_related(self) -> ActionItemQuerySet:
        return self.select_related("meeting", "owner")


class ActionItem(models.Model):
    """An action item of a sync: what is to be done, by whom (a member of the train), by when.

    Both owner and due date are required ("assign owners, set due dates immediately"). An open
    item carries into the next sync of the same kind until it is done or dropped (with a reason).
    """

    State = ActionState

    meeting = models.ForeignKey(SyncMeeting, on_delete=models.CASCADE, related_name="action_items")
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items"
    )
    text = bounded_text("action", 500)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sync_action_items")
    due_date = models.DateField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    drop_reason = models.CharField(max_length=300, blank=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "created_at", "id"]
        indexes = [models.Index(fields=["meeting", "state"])]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=choice_values(ActionState)), name="action_item_state_valid"),
            models.CheckConstraint(
                condition=Q(state="done", done_at__isnull=False) | (~Q(state="done") & Q(done_at__isnull=True)),
                name="action_item_done_at_iff_done",
            ),
            models.CheckConstraint(
                condition=~Q(state="dropped") | ~Q(drop_reason=""),
                name="action_item_dropped_has_reason",
                violation_error_message="Say why the action is dropped.",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    def get_art(self) -> ART:
        return self.meeting.art

    def is_overdue(self, today: date) -> bool:
        return self.state == self.State.OPEN and self.due_date < today


class TeamHealth(models.TextChoices):
    """A team's status before a sync."""

    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"


class TeamStatusQuerySet(MeetingScopedQuerySet):
    def with_related(self) -> TeamStatusQuerySet:
        return self.select_related("team", "posted_by")


class TeamStatus(models.Model):
    """A team's status for a sync, posted beforehand by its Scrum Master or Product Owner.

    On track, at risk or off track, with a short note: the sync reads these instead of going
    round the table, and shows which teams have not posted.
    """

    Status = TeamHealth
    NOTE_LENGTH = 280

    meeting = models.ForeignKey(SyncMeeting, on_delete=models.CASCADE, related_name="team_statuses")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="sync_statuses")
    status = models.CharField(max_length=16, choices=Status.choices)
    note = models.CharField(
        max_length=NOTE_LENGTH,
        blank=True,
        error_messages={"max_length": f"Keep the note short: at most {NOTE_LENGTH} characters."},
    )
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    posted_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = TeamStatusQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "team statuses"
        ordering = ["meeting", "team__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "team"],
                name="team_status_one_per_meeting",
                violation_error_message="This team has already posted its status for this sync.",
            ),
            models.CheckConstraint(condition=Q(status__in=choice_values(TeamHealth)), name="team_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.team}: {self.get_status_display()}"

    def get_art(self) -> ART:
        return self.meeting.art

    def get_team(self) -> Team:
        return self.team
