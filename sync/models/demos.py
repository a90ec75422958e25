"""System Demos: demo items (integrated or not), outcomes per feature and feedback."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q

from artops.models import ART, ARTScopedQuerySet, Iteration, ProgramIncrement, Team
from planning.models import Feature, PIObjective
from sync.models.common import bounded_text, choice_values


class SystemDemoQuerySet(ARTScopedQuerySet):
    def with_counts(self) -> SystemDemoQuerySet:
        """Each demo with its number of items, of fully integrated ones and of the rest (partly or not)."""
        yes = DemoItem.Integrated.YES
        return self.annotate(
            items_count=Count("items", distinct=True),
            integrated_count=Count("items", filter=Q(items__integrated=yes), distinct=True),
            not_integrated_count=Count("items", filter=Q(items__integrated__in=DemoItem.NOT_INTEGRATED), distinct=True),
        )

    def nothing_integrated(self) -> SystemDemoQuerySet:
        """Demos where no item was shown fully integrated: the train's home says so ("refuse theater")."""
        return self.exclude(items__integrated=DemoItem.Integrated.YES)

    def with_related(self) -> SystemDemoQuerySet:
        return self.select_related("art", "pi", "iteration__pi")


class SystemDemo(models.Model):
    """The System Demo at the end of a development iteration: the integrated increment of the whole train.

    What each team showed of which feature (integrated or not: "refuse theater"), who attended,
    the outcome per feature and the stakeholders' feedback. One per iteration.
    """

    art = models.ForeignKey(ART, on_delete=models.CASCADE, related_name="system_demos")
    pi = models.ForeignKey(ProgramIncrement, on_delete=models.PROTECT, related_name="system_demos", verbose_name="PI")
    iteration = models.OneToOneField(
        Iteration,
        on_delete=models.PROTECT,
        related_name="system_demo",
        error_messages={"unique": "This iteration already has its System Demo."},
    )
    held_on = models.DateField()
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="attended_demos")
    notes = bounded_text("notes", 5000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SystemDemoQuerySet.as_manager()

    class Meta:
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"System Demo {self.iteration}"

    def get_art(self) -> ART:
        return self.art

    def previous(self) -> SystemDemo | None:
        """The train's System Demo before this one."""
        return (
            SystemDemo.objects.for_art(self.art)
            .filter(Q(held_on__lt=self.held_on) | Q(held_on=self.held_on, pk__lt=self.pk))
            .order_by("-held_on", "-id")
            .first()
        )

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.pi_id and self.art_id and self.pi.art_id != self.art_id:
            errors["pi"] = "That PI belongs to another train."
        if self.iteration_id and self.pi_id and self.iteration.pi_id != self.pi_id:
            errors["iteration"] = f"Choose an iteration of {self.pi.name}."
        elif self.iteration_id and self.iteration.is_ip:
            errors["iteration"] = (
                "A System Demo closes a development iteration; the IP iteration has the PI System Demo at I&A."
            )
        if errors:
            raise ValidationError(errors)


class Integration(models.TextChoices):
    """How far a demo item was shown in the integrated system."""

    YES = "yes", "Integrated"
    PARTLY = "partly", "Partly integrated"
    NO = "no", "Not integrated"


class DemoItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(demo__art__in=ART.objects.visible_to(user))

    def for_art(self, art: ART):
        return self.filter(demo__art=art)

    def not_integrated(self) -> DemoItemQuerySet:
        """Shown partly integrated or not integrated at all: flagged and counted."""
        return self.filter(integrated__in=DemoItem.NOT_INTEGRATED)

    def with_related(self) -> DemoItemQuerySet:
        return self.select_related("team", "feature", "objective")


class DemoItem(models.Model):
    """What one team showed at a System Demo of one feature (and the PI objective it serves).

    Integrated means shown working in the integrated system, not on a laptop or on slides;
    anything less than fully integrated says why.
    """

    Integrated = Integration

    NOT_INTEGRATED = (Integrated.PARTLY, Integrated.NO)

    demo = models.ForeignKey(SystemDemo, on_delete=models.CASCADE, related_name="items")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="demo_items")
    feature = models.ForeignKey(Feature, on_delete=models.PROTECT, related_name="demo_items")
    objective = models.ForeignKey(
        PIObjective, on_delete=models.SET_NULL, null=True, blank=True, related_name="demo_items"
    )
    shown = bounded_text("what was shown", 1000)
    integrated = models.CharField(max_length=8, choices=Integrated.choices)
    reason = bounded_text("reason", 500, blank=True, help_text="Why it is not (fully) integrated.")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DemoItemQuerySet.as_manager()

    class Meta:
        ordering = ["demo", "team__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["demo", "team", "feature"],
                name="demo_item_once_per_team_and_feature",
                violation_error_message="This team has already shown this feature at this demo.",
            ),
            models.CheckConstraint(
                condition=Q(integrated__in=choice_values(Integration)), name="demo_item_integrated_valid"
            ),
            models.CheckConstraint(
                condition=Q(integrated="yes") | ~Q(reason=""),
                name="demo_item_not_integrated_has_reason",
                violation_error_message="Say why it is not fully integrated.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team}: {self.feature.key}"

    def get_art(self) -> ART:
        return self.demo.art

    def get_team(self) -> Team:
        return self.team

    @property
    def is_integrated(self) -> bool:
        return self.integrated == self.Integrated.YES


class FeatureOutcome(models.TextChoices):
    """What the System Demo concluded about a feature."""

    ACCEPTED = "accepted", "Accepted"
    NEEDS_WORK = "needs_work", "Needs work"


class DemoOutcome(models.Model):
    """The outcome of a feature at a System Demo: accepted, or needs work."""

    Outcome = FeatureOutcome

    demo = models.ForeignKey(SystemDemo, on_delete=models.CASCADE, related_name="outcomes")
    feature = models.ForeignKey(Feature, on_delete=models.PROTECT, related_name="demo_outcomes")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    note = models.CharField(max_length=300, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["demo", "feature__key"]
        constraints = [
            models.UniqueConstraint(fields=["demo", "feature"], name="demo_outcome_one_per_feature"),
            models.CheckConstraint(condition=Q(outcome__in=choice_values(FeatureOutcome)), name="demo_outcome_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.feature_id}: {self.outcome}"


class FeedbackState(models.TextChoices):
    """Feedback stays open until it becomes a backlog item or is closed with a reason."""

    OPEN = "open", "Open"
    BACKLOG = "backlog", "Turned into a backlog item"
    CLOSED = "closed", "Closed, no action"


class DemoFeedbackQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(demo__art__in=ART.objects.visible_to(user))

    def for_art(self, art: ART):
        return self.filter(demo__art=art)

    def open(self) -> DemoFeedbackQuerySet:
        return self.filter(state=DemoFeedback.State.OPEN)

    def from_previous_demo(self, demo: SystemDemo) -> DemoFeedbackQuerySet:
        """Feedback of the train's demo before ``demo`` (one query: the previous demo is a subquery)."""
        previous = (
            SystemDemo.objects.filter(art_id=demo.art_id)
            .filter(Q(held_on__lt=demo.held_on) | Q(held_on=demo.held_on, pk__lt=demo.pk))
            .order_by("-held_on", "-id")
            .values("pk")[:1]
        )
        return self.filter(demo=models.Subquery(previous))

    def with_related(self) -> DemoFeedbackQuerySet:
        return self.select_related("by", "item", "backlog_feature", "handled_by")


class DemoFeedback(models.Model):
    """A stakeholder's feedback at a System Demo, followed until it is handled.

    Every feedback item ends either turned into a backlog item (a feature in the funnel of the
    ART backlog) or closed with the reason no action is taken. Open feedback of the previous
    demo is shown at the top of the next one.
    """

    State = FeedbackState

    demo = models.ForeignKey(SystemDemo, on_delete=models.CASCADE, related_name="feedback")
    item = models.ForeignKey(DemoItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = bounded_text("feedback", 1000)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    backlog_feature = models.ForeignKey(
        Feature, on_delete=models.PROTECT, null=True, blank=True, related_name="demo_feedback"
    )
    close_reason = models.CharField(max_length=300, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField()

    objects = DemoFeedbackQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "demo feedback"
        ordering = ["demo", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=choice_values(FeedbackState)), name="demo_feedback_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state="backlog", backlog_feature__isnull=False)
                | (~Q(state="backlog") & Q(backlog_feature__isnull=True)),
                name="demo_feedback_backlog_has_feature",
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | ~Q(close_reason=""),
                name="demo_feedback_closed_has_reason",
                violation_error_message="Say why no action is taken.",
            ),
            models.CheckConstraint(
                condition=Q(state="open", handled_at__isnull=True) | (~Q(state="open") & Q(handled_at__isnull=False)),
                name="demo_feedback_handled_at_iff_handled",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    def get_art(self) -> ART:
        return self.demo.art
