"""Coaching data: observations, growth goals and their notes, community of practice sessions,
playbooks and their versions.

Imported at the end of ``artops/models.py``, so these models belong to the ``artops`` app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from artops.calendar.models import CalendarEvent
from artops.models import ART, ARTScopedQuerySet, ProgramIncrement, Team, bounded_text
from artops.parsing import validate_sane_date, validate_storable_text

TEXT_MAX = 4000
BODY_MAX = 60_000


class Competency(models.TextChoices):
    """The competency areas a Scrum Master's or Product Owner's growth goal works on."""

    FACILITATION = "facilitation", "Facilitation"
    SYSTEMS_THINKING = "systems_thinking", "Systems thinking"
    COACHING = "coaching", "Coaching"
    FLOW_LITERACY = "flow_literacy", "Flow literacy"
    CROSS_TEAM = "cross_team_collaboration", "Cross-team collaboration"
    CONFLICT_RESOLUTION = "conflict_resolution", "Conflict resolution"


class EventObserved(models.TextChoices):
    """The team events a coach sits in on."""

    ITERATION_PLANNING = "iteration_planning", "Iteration Planning"
    DAILY_STANDUP = "daily_standup", "Team sync (daily stand-up)"
    ITERATION_REVIEW = "iteration_review", "Iteration Review"
    RETROSPECTIVE = "retrospective", "Iteration Retrospective"
    BACKLOG_REFINEMENT = "backlog_refinement", "Backlog refinement"
    PI_PLANNING_BREAKOUT = "pi_planning_breakout", "PI Planning team breakout"
    ART_SYNC = "art_sync", "ART Sync / Coach Sync / PO Sync"
    SYSTEM_DEMO = "system_demo", "System Demo"
    OTHER = "other", "Other"


class PrivateCoachingQuerySet(ARTScopedQuerySet):
    """Coaching records that only their coach and the person coached may see."""

    def visible_to(self, user):
        """THE rule for observations and growth goals: the coach who wrote it and the person
        coached, while they are members of its train. Nobody else: not another RTE, not an
        admin page of a non-superuser, not the API, not an export."""
        if user is None or not user.is_authenticated:
            return self.none()
        return super().visible_to(user).filter(Q(coach=user) | Q(coachee=user))

    def coached_by(self, user):
        return self.filter(coach=user)


class Observation(models.Model):
    """What a coach saw at one team event: what went well and one specific suggestion.

    Private to the coach and the person coached (``visible_to``).
    """

    art = models.ForeignKey(ART, on_delete=models.CASCADE, related_name="observations")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="observations")
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="observations_made")
    coachee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="observations_received"
    )
    event = models.CharField(max_length=32, choices=EventObserved.choices)
    observed_on = models.DateField(validators=[validate_sane_date])
    went_well = bounded_text("What went well", max_length=TEXT_MAX)
    suggestion = bounded_text("One specific suggestion", max_length=TEXT_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PrivateCoachingQuerySet.as_manager()

    class Meta:
        ordering = ["-observed_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(coach=F("coachee")), name="observation_not_of_oneself"),
            models.CheckConstraint(condition=Q(event__in=EventObserved.values), name="observation_event_valid"),
            models.CheckConstraint(condition=~Q(went_well=""), name="observation_went_well_not_empty"),
            models.CheckConstraint(condition=~Q(suggestion=""), name="observation_suggestion_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} of {self.team} on {self.observed_on}"

    def get_art(self) -> ART:
        return self.art


class GrowthGoalQuerySet(PrivateCoachingQuerySet):
    def open(self):
        """Goals still worked on: not done, not carried into a later PI."""
        return self.filter(done=False, carried_to__isnull=True)

    def check_in_due(self, today):
        """Open goals whose next check-in is today or past."""
        return self.open().filter(next_check_in__lte=today)


class GrowthGoal(models.Model):
    """A Scrum Master's or Product Owner's growth goal for one PI, agreed with their coach.

    Unfinished goals are carried into the next PI (``services.carry_over_goals``): the new goal
    points back at this one (``carried_from``) and takes its notes with it.
    """

    Competency = Competency

    art = models.ForeignKey(ART, on_delete=models.CASCADE, related_name="growth_goals")
    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="growth_goals", verbose_name="PI")
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="goals_coached")
    coachee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="growth_goals")
    goal = bounded_text(max_length=1000)
    competency = models.CharField(max_length=32, choices=Competency.choices)
    measure_of_done = bounded_text(max_length=1000)
    next_check_in = models.DateField(null=True, blank=True, validators=[validate_sane_date])
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    carried_from = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="carried_to", editable=False
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GrowthGoalQuerySet.as_manager()

    class Meta:
        ordering = ["done", F("next_check_in").asc(nulls_last=True), "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(coach=F("coachee")), name="growth_goal_not_of_oneself"),
            models.CheckConstraint(condition=Q(competency__in=Competency.values), name="growth_goal_competency_valid"),
            models.CheckConstraint(condition=~Q(goal=""), name="growth_goal_goal_not_empty"),
            models.CheckConstraint(condition=~Q(measure_of_done=""), name="growth_goal_measure_not_empty"),
            models.CheckConstraint(condition=Q(done=False) | Q(done_at__isnull=False), name="growth_goal_done_at"),
            models.CheckConstraint(condition=Q(version__gte=1), name="growth_goal_version_positive"),
        ]

    def __str__(self) -> str:
        return self.goal[:80]

    def get_art(self) -> ART:
        return self.art

    @property
    def carried_over(self) -> bool:
        """Moved on into a later PI (read through ``carried_to``: select it with the goal)."""
        try:
            return self.carried_to is not None
        except GrowthGoal.DoesNotExist:
            return False

    def due(self, today) -> bool:
        return not self.done and self.next_check_in is not None and self.next_check_in <= today


class GoalNote(models.Model):
    """One entry of a growth goal's history: a progress note, a check-in, done, carried over."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", "Progress"
        DONE = "done", "Done"
        REOPENED = "reopened", "Reopened"
        CARRIED = "carried", "Carried over"

    goal = models.ForeignKey(GrowthGoal, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PROGRESS)
    text = bounded_text(max_length=TEXT_MAX, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["progress", "done", "reopened", "carried"]), name="goal_note_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"


class CoPSessionQuerySet(ARTScopedQuerySet):
    def with_related(self):
        return self.select_related("art", "event", "organiser")


class CoPSession(models.Model):
    """A community of practice session (Scrum Masters, POs, anyone): topic, when, notes, who came.

    It is on the ART calendar as an event of the kind "Community of practice" (``event``),
    kept in step by the services, and that event leads back here.
    """

    art = models.ForeignKey(ART, on_delete=models.CASCADE, related_name="cop_sessions")
    topic = models.CharField(max_length=200, validators=[validate_storable_text])
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True, validators=[validate_storable_text])
    notes = bounded_text(max_length=TEXT_MAX, blank=True)
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="cop_sessions")
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    event = models.OneToOneField(CalendarEvent, on_delete=models.PROTECT, related_name="cop_session", editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CoPSessionQuerySet.as_manager()

    class Meta:
        verbose_name = "community of practice session"
        ordering = ["-starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="cop_session_ends_after_start"),
            models.CheckConstraint(condition=~Q(topic=""), name="cop_session_topic_not_empty"),
        ]

    def __str__(self) -> str:
        return self.topic

    def get_art(self) -> ART:
        return self.art


class PlaybookQuerySet(ARTScopedQuerySet):
    def with_related(self):
        return self.select_related("art", "updated_by")


class Playbook(models.Model):
    """One of the train's playbooks (PI Planning, ART Sync, PI readiness…): a Markdown page in the
    shape of Scaled Agile's guides (purpose and agenda, preparation checklist, tips, overcoming
    challenges), with every version kept (``PlaybookVersion``).

    Every member reads it; the RTE (``coaching.edit_playbooks``) and the people in ``editors``
    edit it. ``title`` and ``body`` are the current version's, kept here so lists read one row.
    """

    art = models.ForeignKey(ART, on_delete=models.CASCADE, related_name="playbooks")
    title = models.CharField(max_length=120, validators=[validate_storable_text])
    body = bounded_text(max_length=BODY_MAX)
    editors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="playbooks_edited")
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlaybookQuerySet.as_manager()

    class Meta:
        ordering = ["title", "pk"]
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("title"),
                "art",
                name="playbook_title_unique_per_art",
                violation_error_message="This train already has a playbook of that title.",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="playbook_title_not_empty"),
            models.CheckConstraint(condition=Q(version__gte=1), name="playbook_version_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_art(self) -> ART:
        return self.art


class PlaybookVersion(models.Model):
    """One version of a playbook as it was saved: its text, who saved it and when. Never changed."""

    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=120)
    body = bounded_text(max_length=BODY_MAX)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    note = models.CharField(max_length=200, blank=True, validators=[validate_storable_text])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["playbook", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["playbook", "number"], name="playbook_version_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="playbook_version_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"
