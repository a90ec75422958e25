"""A team's plan for a PI: its capacity per iteration and its stories (the team board's data)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Greatest

from artops.models import ART, Iteration, ProgramIncrement, Team
from planning.models.backlog import Feature
from planning.models.text import storable_text

IP_REFUSAL = "The IP iteration takes no planned work: choose a development iteration."
POINTS_PER_FTE = 8
POINTS = models.DecimalField(max_digits=7, decimal_places=2)


class TeamScopedQuerySet(models.QuerySet):
    """Rows that belong to a train through their team."""

    def visible_to(self, user):
        return self.filter(team__art__in=ART.objects.visible_to(user))

    def for_art(self, art: ART):
        return self.filter(team__art=art)

    def for_team(self, team: Team):
        return self.filter(team=team)


def normalised_capacity(fte, vacation_days, holiday_days):
    """SAFe's normalised capacity: 8 points per full-time developer/tester, minus a point per day off.

    ``fte`` counts part-timers by their fraction and leaves out the PO and Scrum Master unless
    they also develop. Never below zero. The same formula as ``TeamCapacity.normalised``.
    """
    return max(0, POINTS_PER_FTE * fte - vacation_days - holiday_days)


NORMALISED_CAPACITY = Greatest(
    Value(0, output_field=POINTS),
    Cast(Value(POINTS_PER_FTE) * F("fte") - F("vacation_days") - F("holiday_days"), POINTS),
)

# The bounds of a capacity entry, here only: the model's validators and constraint read them,
# and so do the form and the serializer (through the fields' validators or these names).
FTE_RANGE = (Decimal(0), Decimal(50))
DAYS_OFF_RANGE = (Decimal(0), Decimal(500))
VELOCITY_RANGE = (0, 999)
NEGATIVE_MESSAGE = "People and days off cannot be negative."
FTE_MAX_MESSAGE = f"A team has at most {FTE_RANGE[1]} full-time developers and testers."
VACATION_MAX_MESSAGE = f"At most {DAYS_OFF_RANGE[1]} vacation person-days."
HOLIDAY_MAX_MESSAGE = f"At most {DAYS_OFF_RANGE[1]} holiday person-days."
VELOCITY_MIN_MESSAGE = "Measured velocity cannot be negative."
VELOCITY_MAX_MESSAGE = f"Measured velocity is at most {VELOCITY_RANGE[1]} points."


def load_percent(points, capacity) -> int | None:
    """Load / capacity × 100, rounded half up; ``None`` without a positive capacity (DESIGN.md, "Capacity")."""
    if not capacity:
        return None
    exact = Decimal(points) * 100 / Decimal(capacity)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def is_overloaded(points, capacity) -> bool:
    """More points than capacity; any points at all against no (or zero) capacity."""
    if not capacity:
        return points > 0
    return points > capacity


class TeamCapacityQuerySet(TeamScopedQuerySet):
    def for_pi(self, pi: ProgramIncrement) -> TeamCapacityQuerySet:
        return self.filter(iteration__pi=pi)

    def with_load(self) -> TeamCapacityQuerySet:
        """Each capacity with its ``load``: the points of its team's stories planned into its iteration.

        One correlated subquery in the same statement, whatever the number of rows; read the
        percentage and the overload flag from ``TeamCapacity.load_percent`` and ``.overloaded``.
        """
        planned = (
            Story.objects.filter(team=OuterRef("team"), iteration=OuterRef("iteration"))
            .order_by()
            .values("team")
            .annotate(points=Sum("points"))
            .values("points")
        )
        return self.annotate(load=Coalesce(Subquery(planned), 0, output_field=models.IntegerField()))


class TeamCapacity(models.Model):
    """A team's capacity for one development iteration, in story points.

    Normalised from the people available (DESIGN.md, "Capacity"): 3 developers + 2 testers,
    no time off → 40; 7 developers with 2 holidays each and 3 vacation days → 56 − 14 − 3 = 39.
    A team that knows its measured velocity may use it instead.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="capacities")
    iteration = models.ForeignKey(Iteration, on_delete=models.PROTECT, related_name="team_capacities")
    fte = models.DecimalField(
        "full-time developers and testers",
        max_digits=4,
        decimal_places=2,
        default=0,
        validators=[
            MinValueValidator(FTE_RANGE[0], NEGATIVE_MESSAGE),
            MaxValueValidator(FTE_RANGE[1], FTE_MAX_MESSAGE),
        ],
        help_text="Part-timers count their fraction; the PO and Scrum Master only if they also develop.",
    )
    vacation_days = models.DecimalField(
        "vacation person-days",
        max_digits=5,
        decimal_places=1,
        default=0,
        validators=[
            MinValueValidator(DAYS_OFF_RANGE[0], NEGATIVE_MESSAGE),
            MaxValueValidator(DAYS_OFF_RANGE[1], VACATION_MAX_MESSAGE),
        ],
    )
    holiday_days = models.DecimalField(
        "holiday person-days",
        max_digits=5,
        decimal_places=1,
        default=0,
        validators=[
            MinValueValidator(DAYS_OFF_RANGE[0], NEGATIVE_MESSAGE),
            MaxValueValidator(DAYS_OFF_RANGE[1], HOLIDAY_MAX_MESSAGE),
        ],
        help_text="Public holidays times the people they apply to.",
    )
    velocity = models.PositiveSmallIntegerField(
        "measured velocity",
        null=True,
        blank=True,
        validators=[
            MinValueValidator(VELOCITY_RANGE[0], VELOCITY_MIN_MESSAGE),
            MaxValueValidator(VELOCITY_RANGE[1], VELOCITY_MAX_MESSAGE),
        ],
        help_text="When set, used instead of the normalised capacity.",
    )
    normalised = models.GeneratedField(expression=NORMALISED_CAPACITY, output_field=POINTS, db_persist=True)
    capacity = models.GeneratedField(
        expression=Coalesce(Cast("velocity", POINTS), NORMALISED_CAPACITY),
        output_field=POINTS,
        db_persist=True,
        help_text="The measured velocity if set, else the normalised capacity.",
    )
    # Checked when an editor says which version they corrected: two corrections never silently overwrite.
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TeamCapacityQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "team capacities"
        ordering = ["team", "iteration"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "iteration"],
                name="capacity_one_per_team_iteration",
                violation_error_message="This team already has a capacity for that iteration.",
            ),
            models.CheckConstraint(
                condition=Q(fte__gte=0, vacation_days__gte=0, holiday_days__gte=0),
                name="capacity_not_negative",
                violation_error_message=NEGATIVE_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(
                    fte__lte=FTE_RANGE[1],
                    vacation_days__lte=DAYS_OFF_RANGE[1],
                    holiday_days__lte=DAYS_OFF_RANGE[1],
                )
                & (Q(velocity__isnull=True) | Q(velocity__lte=VELOCITY_RANGE[1])),
                name="capacity_within_bounds",
                violation_error_message="A capacity entry is out of its bounds.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.iteration}: {self.capacity}"

    @property
    def load_percent(self) -> int | None:
        """Load as a whole percentage of capacity (``None`` if the capacity is 0); needs ``with_load()``."""
        return load_percent(self.load, self.capacity)

    @property
    def overloaded(self) -> bool:
        """Whether the load exceeds the capacity; needs ``with_load()``."""
        return is_overloaded(self.load, self.capacity)

    def get_art(self) -> ART:
        return self.team.art

    def get_team(self) -> Team:
        return self.team


class StoryQuerySet(TeamScopedQuerySet):
    def for_pi(self, pi: ProgramIncrement) -> StoryQuerySet:
        return self.filter(pi=pi)

    def with_related(self) -> StoryQuerySet:
        return self.select_related("team", "pi", "iteration", "feature", "owner")

    def loads(self) -> dict[tuple[int, int], int]:
        """Points planned per (team id, iteration id): the load, in one query."""
        rows = self.filter(iteration__isnull=False).values("team_id", "iteration_id").annotate(points=Sum("points"))
        return {(row["team_id"], row["iteration_id"]): row["points"] for row in rows.order_by()}


class Story(models.Model):
    """A story of a team's PI plan: a small piece of a feature (or of the team's own work), in points.

    Planned into one development iteration of the PI, or still unplanned in the PI. The IP
    iteration takes no stories.
    """

    class State(models.TextChoices):
        TODO = "todo", "To do"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    MAX_POINTS = 100

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="stories")
    pi = models.ForeignKey(ProgramIncrement, on_delete=models.PROTECT, related_name="stories", verbose_name="PI")
    iteration = models.ForeignKey(
        Iteration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stories",
        help_text="Empty while the story is not yet planned into an iteration.",
    )
    feature = models.ForeignKey(
        Feature, on_delete=models.SET_NULL, null=True, blank=True, related_name="stories", help_text="Optional."
    )
    title = models.CharField(max_length=200, validators=[storable_text])
    points = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(MAX_POINTS)],
        error_messages={"min_value": "Points cannot be negative.", "max_value": "Points are between 0 and 100."},
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.TODO)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="stories"
    )
    # The Jira issue this story was imported from, and the train that imported it: the unique
    # constraint must hold per train, and a story reaches its train only through its team, which a
    # newer export may change. Both set together by the import, both NULL for stories made here.
    jira_art = models.ForeignKey(ART, on_delete=models.CASCADE, null=True, blank=True, editable=False, related_name="+")
    jira_key = models.CharField(max_length=32, null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "stories"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["team", "pi"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(points__gte=0, points__lte=100),
                name="story_points_range",
                violation_error_message="Points are between 0 and 100.",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["todo", "in_progress", "done"]),
                name="story_state_valid",
                violation_error_message="A story is to do, in progress or done.",
            ),
            models.UniqueConstraint(
                fields=["jira_art", "jira_key"],
                name="story_jira_key_unique_per_art",
                violation_error_message="A story of this train was already imported from that Jira issue.",
            ),
            models.CheckConstraint(
                condition=Q(jira_art__isnull=True, jira_key__isnull=True)
                | Q(jira_art__isnull=False, jira_key__isnull=False),
                name="story_jira_key_with_its_train",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_art(self) -> ART:
        return self.team.art

    def get_team(self) -> Team:
        return self.team

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.team_id and self.pi_id and self.team.art_id != self.pi.art_id:
            errors["pi"] = "That PI belongs to another train."
        if self.iteration_id and self.pi_id and self.iteration.pi_id != self.pi_id:
            errors["iteration"] = f"Choose an iteration of {self.pi.name}."
        elif self.iteration_id and self.iteration.is_ip:
            errors["iteration"] = IP_REFUSAL
        if self.feature_id and self.team_id and self.feature.art_id != self.team.art_id:
            errors["feature"] = "That feature belongs to another train."
        if errors:
            raise ValidationError(errors)
