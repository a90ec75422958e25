"""Inspect & Adapt: the event of a PI, its workshop (problems, causes, dot votes, solutions) and
the improvement items it leaves the train with.

An improvement item's state is never stored: it follows the feature it became in the ART backlog
(``ImprovementItemQuerySet.with_state``), except "dropped", which is the item's own decision.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, Value, When

from artops.models import ART, ARTScopedQuerySet, ProgramIncrement, Team
from artops.parsing import unstorable_reason
from planning.models import Feature, FeaturePlacement, FeatureStateChange

__all__ = [
    "Bone",
    "Cause",
    "DotVote",
    "ImprovementItem",
    "ImprovementState",
    "InspectAdapt",
    "Problem",
    "Solution",
    "Step",
]

MAX_VOTES = 12
DEFAULT_VOTES_PER_PERSON = 5
DEFAULT_VOTES_PER_CAUSE = 3
MAX_WHYS = 5


def storable(value: str) -> None:
    """Refuse text PostgreSQL cannot store (a NUL character, a lone surrogate) with a clear message."""
    reason = unstorable_reason(str(value))
    if reason is not None:
        raise ValidationError(reason, code="unstorable")


def bounded(verbose_name: str, max_length: int, *, blank: bool = False, help_text: str = "") -> models.TextField:
    """Free text with its bound checked by validation (forms, API, services), storable by PostgreSQL."""
    return models.TextField(
        verbose_name,
        max_length=max_length,
        blank=blank,
        help_text=help_text,
        validators=[
            MaxLengthValidator(max_length, message=f"Keep the {verbose_name} under {max_length} characters."),
            storable,
        ],
    )


class Step(models.TextChoices):
    """The screens of an I&A in order: the opening, the three parts before the workshop, its six steps."""

    OPENING = "opening", "Last PI's improvements"
    DEMO = "demo", "PI System Demo"
    REVIEW = "review", "Quantitative review"
    RETRO = "retro", "Retrospective"
    PROBLEMS = "problems", "1. Agree on problems"
    CAUSES = "causes", "2. Root causes"
    VOTE = "vote", "3. Dot voting"
    RESTATE = "restate", "4. Restate the problem"
    BRAINSTORM = "brainstorm", "5. Brainstorm solutions"
    IMPROVEMENTS = "improvements", "6. Improvement items"


STEPS = list(Step)


class InspectAdaptQuerySet(ARTScopedQuerySet):
    def with_related(self) -> InspectAdaptQuerySet:
        return self.select_related("art", "pi", "opened_by", "chosen_cause")


class InspectAdapt(models.Model):
    """The Inspect & Adapt event at the end of a PI: one per PI, opened and facilitated by the RTE.

    ``step`` is the screen the facilitator shows, which everyone follows live; ``version``
    counts every change of the event and its workshop, so that a page polls cheaply. The
    quantitative review is computed live until it is frozen: from then on ``review`` holds a
    copy of the figures as they stood, which a later recomputation of the metrics never
    changes.
    """

    class State(models.TextChoices):
        SCHEDULED = "scheduled", "Not yet held"
        RUNNING = "running", "Running"
        HELD = "held", "Held"

    art = models.ForeignKey(ART, on_delete=models.CASCADE, related_name="+")
    pi = models.OneToOneField(
        ProgramIncrement,
        on_delete=models.CASCADE,
        related_name="inspect_adapt",
        verbose_name="PI",
        error_messages={"unique": "This PI already has its Inspect & Adapt."},
    )
    held_on = models.DateField(help_text="The day of the I&A (usually in the IP iteration).")
    state = models.CharField(max_length=16, choices=State.choices, default=State.SCHEDULED)
    step = models.CharField(max_length=16, choices=Step.choices, default=Step.OPENING)
    votes_per_person = models.PositiveSmallIntegerField(
        default=DEFAULT_VOTES_PER_PERSON,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_VOTES)],
        help_text=f"Dot votes each participant has, 1 to {MAX_VOTES}.",
    )
    votes_per_cause = models.PositiveSmallIntegerField(
        default=DEFAULT_VOTES_PER_CAUSE,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_VOTES)],
        help_text="Dot votes one participant may put on one cause; never above the allowance.",
    )
    demo_note = bounded("note on the PI System Demo", 2000, blank=True)
    retrospective = bounded("retrospective", 5000, blank=True)
    review = models.JSONField(null=True, blank=True, editable=False, help_text="The frozen quantitative review.")
    review_frozen_at = models.DateTimeField(null=True, blank=True, editable=False)
    chosen_cause = models.ForeignKey(
        "Cause", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="The cause restated."
    )
    restated_problem = bounded("restated problem", 1000, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InspectAdaptQuerySet.as_manager()

    class Meta:
        verbose_name = "Inspect & Adapt"
        verbose_name_plural = "Inspect & Adapt events"
        ordering = ["art", "held_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(votes_per_person__gte=1, votes_per_person__lte=MAX_VOTES),
                name="ia_votes_per_person_range",
            ),
            models.CheckConstraint(
                condition=Q(votes_per_cause__gte=1, votes_per_cause__lte=F("votes_per_person")),
                name="ia_votes_per_cause_within_allowance",
                violation_error_message="The limit per cause cannot be above the votes each person has.",
            ),
            models.CheckConstraint(condition=Q(state__in=["scheduled", "running", "held"]), name="ia_state_valid"),
            models.CheckConstraint(condition=Q(step__in=[str(s) for s in Step.values]), name="ia_step_valid"),
        ]

    def __str__(self) -> str:
        return f"Inspect & Adapt of {self.pi}"

    def get_art(self) -> ART:
        return self.art

    @property
    def is_held(self) -> bool:
        return self.state == self.State.HELD

    @property
    def step_index(self) -> int:
        return STEPS.index(Step(self.step))


class Problem(models.Model):
    """A problem statement of the workshop's first step: what, where, when and the impact it has."""

    event = models.ForeignKey(InspectAdapt, on_delete=models.CASCADE, related_name="problems")
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="The team that drafted it."
    )
    what = bounded("what", 300, help_text="What is the problem?")
    where = bounded("where", 200, blank=True)
    when = bounded("when", 200, blank=True)
    impact = bounded("impact", 500, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "created_at", "id"]

    def __str__(self) -> str:
        return self.what[:60]

    def get_art(self) -> ART:
        return self.event.art


class Bone(models.TextChoices):
    """SAFe's five bones of the fishbone (Ishikawa) diagram."""

    PEOPLE = "people", "People"
    PROCESS = "process", "Process"
    TOOLS = "tools", "Tools"
    PROGRAM = "program", "Program"
    ENVIRONMENT = "environment", "Environment"


class CauseQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(problem__event__art__in=ART.objects.visible_to(user))

    def for_event(self, event: InspectAdapt) -> CauseQuerySet:
        return self.filter(problem__event=event)

    def pareto(self) -> CauseQuerySet:
        """Most dot votes first; ties: the cause added earlier first (then the lower id)."""
        return self.annotate(tally=Count("votes")).order_by("-tally", "created_at", "id")


class Cause(models.Model):
    """A root cause on the fishbone of a problem, on one of its five bones, with its chain of "5 whys"."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="causes")
    bone = models.CharField(max_length=16, choices=Bone.choices)
    text = bounded("cause", 200)
    whys = ArrayField(
        models.CharField(max_length=300, validators=[storable]),
        size=MAX_WHYS,
        default=list,
        blank=True,
        help_text='The "5 whys": each answer asks why again, at most five.',
    )
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CauseQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(bone__in=[str(b) for b in Bone.values]), name="ia_cause_bone_valid"),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    def get_art(self) -> ART:
        return self.problem.event.art


class DotVote(models.Model):
    """One dot a participant put on a cause. Several dots of one person on one cause are several rows.

    Anonymous: pages and the API show the tally per cause, and to each person their own dots.
    """

    cause = models.ForeignKey(Cause, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["voter", "cause"])]

    def __str__(self) -> str:
        return f"dot on {self.cause_id}"


class Solution(models.Model):
    """A solution brainstormed for the restated problem (the workshop's fifth step)."""

    event = models.ForeignKey(InspectAdapt, on_delete=models.CASCADE, related_name="solutions")
    text = bounded("solution", 500)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]

    def get_art(self) -> ART:
        return self.event.art


class ImprovementState(models.TextChoices):
    """Where an improvement item stands: derived from its feature, except "dropped"."""

    PROPOSED = "proposed", "Proposed"
    PLANNED = "planned", "Planned"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


class ImprovementItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(event__art__in=ART.objects.visible_to(user))

    def for_art(self, art: ART) -> ImprovementItemQuerySet:
        return self.filter(event__art=art)

    def with_related(self) -> ImprovementItemQuerySet:
        return self.select_related("event__art", "event__pi", "owner", "target_pi", "feature")

    def with_state(self) -> ImprovementItemQuerySet:
        """``state`` as the item's feature says it: planned once the feature has a card on a program board
        (a placement, which is always in the feature's PI), done once the feature is done. Dropped is the
        item's own decision; a feature cancelled in the backlog drops it too."""
        placed = Exists(FeaturePlacement.objects.filter(feature_id=OuterRef("feature_id")))
        return self.annotate(
            state=Case(
                When(dropped=True, then=Value(ImprovementState.DROPPED.value)),
                When(feature__state=Feature.State.CANCELLED, then=Value(ImprovementState.DROPPED.value)),
                When(feature__state=Feature.State.DONE, then=Value(ImprovementState.DONE.value)),
                When(placed, then=Value(ImprovementState.PLANNED.value)),
                default=Value(ImprovementState.PROPOSED.value),
                output_field=models.CharField(),
            )
        )

    def with_follow_through(self) -> ImprovementItemQuerySet:
        """What the follow-through rate counts, per item, in the same query:

        - ``planned_next``: its feature has a card on the board of the PI right after the PI of origin;
        - ``demoed``: its feature was shown at a System Demo (a demo item of ``sync``);
        - ``done_at``: when its feature was last moved to done (None while not done).
        """
        from sync.models import DemoItem  # sync sits below metrics; imported here to keep models light

        next_pi = (
            ProgramIncrement.objects.filter(
                art_id=OuterRef("event__art_id"), start_date__gt=OuterRef("event__pi__start_date")
            )
            .order_by("start_date")
            .values("pk")[:1]
        )
        done_at = (
            FeatureStateChange.objects.filter(feature_id=OuterRef("feature_id"), to_state=Feature.State.DONE)
            .order_by("-at")
            .values("at")[:1]
        )
        return self.annotate(next_pi_id=Subquery(next_pi)).annotate(
            planned_next=Exists(
                FeaturePlacement.objects.filter(
                    feature_id=OuterRef("feature_id"), iteration__pi_id=OuterRef("next_pi_id")
                )
            ),
            demoed=Exists(DemoItem.objects.filter(feature_id=OuterRef("feature_id"))),
            done_at=Subquery(done_at),
        )


class ImprovementItem(models.Model):
    """An improvement backlog item of an I&A: a feature or enabler of the ART backlog in its target PI.

    It has an owner (a member of the train) and a measure of done. Its state follows the
    feature (``ImprovementItemQuerySet.with_state``): proposed, planned once placed on the
    program board, done once the feature is done; or dropped, with a reason.
    """

    State = ImprovementState

    event = models.ForeignKey(InspectAdapt, on_delete=models.CASCADE, related_name="improvements")
    title = models.CharField(max_length=200, validators=[storable])
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    target_pi = models.ForeignKey(
        ProgramIncrement, on_delete=models.PROTECT, related_name="+", verbose_name="target PI"
    )
    measure_of_done = bounded("measure of done", 500)
    feature = models.OneToOneField(Feature, on_delete=models.PROTECT, related_name="improvement_item")
    cause = models.ForeignKey(Cause, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    dropped = models.BooleanField(default=False)
    drop_reason = bounded("reason", 500, blank=True)
    dropped_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ImprovementItemQuerySet.as_manager()

    class Meta:
        ordering = ["event", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(dropped=False, dropped_at__isnull=True, drop_reason="")
                | (Q(dropped=True, dropped_at__isnull=False) & ~Q(drop_reason="")),
                name="ia_improvement_dropped_has_reason",
                violation_error_message="Say why the item is dropped.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_art(self) -> ART:
        return self.event.art
