"""PI Planning: the ART backlog, the teams' plans and their PI objectives.

- The ART backlog of features and enablers, ranked by WSJF. WSJF = Cost of Delay / Job Size,
  where Cost of Delay = user-business value + time criticality + risk reduction / opportunity
  enablement, every input on the modified Fibonacci scale (DESIGN.md, "WSJF"). Both are
  computed by the database, so that ranking is an ``ORDER BY`` and never a loop in Python.
- A team's plan for a PI: its capacity per iteration, its stories, and where it places each
  feature it delivers (the cards of the program board).
- The team's PI objectives with the business value Business Owners give them, from which
  predictability is computed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.db.models import Case, CharField, Count, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, Greatest, Lower, Round
from django.urls import reverse

from artops.models import ART, ARTScopedQuerySet, Iteration, ProgramIncrement, Team

# The modified Fibonacci scale of every WSJF input.
FIBONACCI = (1, 2, 3, 5, 8, 13, 20)
FIBONACCI_CHOICES = [(value, str(value)) for value in FIBONACCI]
OFF_SCALE_MESSAGE = "Choose a value on the modified Fibonacci scale: 1, 2, 3, 5, 8, 13 or 20."

WSJF_INPUTS = ("user_business_value", "time_criticality", "risk_reduction", "job_size")

COST_OF_DELAY = F("user_business_value") + F("time_criticality") + F("risk_reduction")
RATIO = models.DecimalField(max_digits=6, decimal_places=2)


def fibonacci_field(verbose_name: str, help_text: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose_name=verbose_name,
        choices=FIBONACCI_CHOICES,
        default=1,
        help_text=help_text,
        error_messages={"invalid_choice": OFF_SCALE_MESSAGE, "invalid": OFF_SCALE_MESSAGE},
    )


def key_prefix(art: ART) -> str:
    """The first three letters of the train's slug, uppercased: ``payments`` → ``PAY``."""
    letters = re.sub(r"[^A-Za-z]", "", art.slug)
    return (letters[:3] or "F").upper()


class FeatureCounter(models.Model):
    """The last feature number handed out on a train, so that keys are never reused."""

    art = models.OneToOneField(ART, on_delete=models.CASCADE, primary_key=True, related_name="+")
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.art}: {self.last_number}"

    @classmethod
    def next_number(cls, art: ART) -> int:
        """Allocate the next number of ``art``: one statement, safe when two people add at once."""
        return cls.reserve(art, 1)[0]

    @classmethod
    def reserve(cls, art: ART, count: int) -> range:
        """Allocate the next ``count`` numbers of ``art`` at once: one statement, whatever ``count``."""
        table = cls._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (art_id, last_number) VALUES (%s, %s) "  # noqa: S608 (table name is ours)
                f"ON CONFLICT (art_id) DO UPDATE SET last_number = {table}.last_number + EXCLUDED.last_number "
                "RETURNING last_number",
                [art.pk, count],
            )
            last = cursor.fetchone()[0]
        return range(last - count + 1, last + 1)


class FeatureQuerySet(ARTScopedQuerySet):
    def ranked(self) -> FeatureQuerySet:
        """Highest WSJF first; ties: higher Cost of Delay first, then older (DESIGN.md)."""
        return self.order_by("-wsjf", "-cost_of_delay", "created_at", "id")

    def with_related(self) -> FeatureQuerySet:
        return self.select_related("art", "pi")


class Feature(models.Model):
    """A feature of the ART backlog: a service that fulfils a stakeholder need, sized to fit in a PI.

    A business feature delivers value to users; an enabler builds the architectural runway
    (infrastructure, exploration, compliance) that future business features need. Product
    Management ranks both by Weighted Shortest Job First (WSJF); System Architects edit the
    enablers.
    """

    class Type(models.TextChoices):
        BUSINESS = "business", "Business feature"
        ENABLER = "enabler", "Enabler"

    class State(models.TextChoices):
        FUNNEL = "funnel", "Funnel"
        ANALYZING = "analyzing", "Analyzing"
        BACKLOG = "backlog", "Backlog"
        IMPLEMENTING = "implementing", "Implementing"
        VALIDATING = "validating", "Validating"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    FLOW = (State.FUNNEL, State.ANALYZING, State.BACKLOG, State.IMPLEMENTING, State.VALIDATING, State.DONE)
    FINAL = frozenset({State.DONE, State.CANCELLED})

    art = models.ForeignKey(ART, on_delete=models.CASCADE, related_name="features")
    key = models.CharField(max_length=20, editable=False)
    title = models.CharField(max_length=200)
    type = models.CharField(max_length=16, choices=Type.choices, default=Type.BUSINESS)
    description = models.TextField(blank=True)
    benefit_hypothesis = models.TextField(blank=True)
    acceptance_criteria = models.TextField(blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.FUNNEL)
    pi = models.ForeignKey(
        ProgramIncrement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="features",
        verbose_name="PI",
        help_text="Empty while the feature is not yet planned.",
    )
    user_business_value = fibonacci_field("user-business value", "Relative value to the users or the business.")
    time_criticality = fibonacci_field("time criticality", "How much the value decays with delay.")
    risk_reduction = fibonacci_field(
        "risk reduction / opportunity enablement", "Risk it reduces or opportunities it enables."
    )
    job_size = fibonacci_field("job size", "Relative size of the work.")
    cost_of_delay = models.GeneratedField(expression=COST_OF_DELAY, output_field=models.IntegerField(), db_persist=True)
    wsjf = models.GeneratedField(
        expression=Round(Cast(COST_OF_DELAY, RATIO) / Cast("job_size", RATIO), 2),
        output_field=RATIO,
        db_persist=True,
        verbose_name="WSJF",
    )
    # Checked on every write: an edit based on an older version is refused, never silently applied.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FeatureQuerySet.as_manager()

    class Meta:
        ordering = ["-wsjf", "-cost_of_delay", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["art", "key"], name="feature_key_unique_per_art", violation_error_message="This key is taken."
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{field}__in": FIBONACCI}),
                    name=f"feature_{field}_fibonacci",
                    violation_error_message=OFF_SCALE_MESSAGE,
                )
                for field in WSJF_INPUTS
            ),
            models.CheckConstraint(
                condition=Q(type__in=["business", "enabler"]),
                name="feature_type_valid",
                violation_error_message="A feature is a business feature or an enabler.",
            ),
            models.CheckConstraint(
                condition=Q(
                    state__in=["funnel", "analyzing", "backlog", "implementing", "validating", "done", "cancelled"]
                ),
                name="feature_state_valid",
                violation_error_message="That is not a feature state.",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="feature_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("feature_detail", kwargs={"art_slug": self.art.slug, "key": self.key})

    def get_art(self) -> ART:
        return self.art

    def get_team(self) -> None:
        return None

    def clean(self) -> None:
        super().clean()
        if self.pi_id and self.art_id and self.pi.art_id != self.art_id:
            raise ValidationError({"pi": "That PI belongs to another train."})

    @property
    def is_enabler(self) -> bool:
        return self.type == self.Type.ENABLER

    def allowed_next_states(self) -> list[Feature.State]:
        """One step along the flow, forward or back; cancel while open; done and cancelled are final."""
        current = self.State(self.state)
        if current in self.FINAL:
            return []
        position = self.FLOW.index(current)
        steps = [self.FLOW[i] for i in (position - 1, position + 1) if 0 <= i < len(self.FLOW)]
        return [*steps, self.State.CANCELLED]


class FeatureStateChange(models.Model):
    """One move of a feature through the ART Kanban; cycle time and throughput are read from these."""

    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="state_changes")
    # Empty for the feature's creation.
    from_state = models.CharField(max_length=16, choices=Feature.State.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=Feature.State.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["feature", "at", "id"]
        indexes = [models.Index(fields=["feature", "at"])]

    def __str__(self) -> str:
        return f"{self.feature_id}: {self.from_state or '—'} → {self.to_state} at {self.at:%Y-%m-%d %H:%M}"


# --- a team's plan for a PI ------------------------------------------------------------------

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
    title = models.CharField(max_length=200)
    points = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(MAX_POINTS)],
        error_messages={"min_value": "Points cannot be negative.", "max_value": "Points are between 0 and 100."},
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.TODO)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="stories"
    )
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


class FeaturePlacementQuerySet(TeamScopedQuerySet):
    def for_pi(self, pi: ProgramIncrement) -> FeaturePlacementQuerySet:
        return self.filter(iteration__pi=pi)

    def with_related(self) -> FeaturePlacementQuerySet:
        return self.select_related("feature", "team", "iteration")


class FeaturePlacement(models.Model):
    """Where a team will deliver a feature: a card of the program board.

    Explicit data, set from the team board or the program board; a feature delivered by
    three teams has three placements. Stories do not move placements: the team board warns
    when a team's stories of a feature sit later than its placement.
    """

    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="placements")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="placements")
    iteration = models.ForeignKey(Iteration, on_delete=models.PROTECT, related_name="placements")
    # Checked on every move: a move based on an older version is refused, never silently applied.
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FeaturePlacementQuerySet.as_manager()

    class Meta:
        ordering = ["iteration__number", "feature__key"]
        constraints = [
            models.UniqueConstraint(
                fields=["feature", "team"],
                name="placement_one_per_feature_and_team",
                violation_error_message="This team has already placed that feature.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.feature.key} by {self.team} in {self.iteration.name}"

    def get_art(self) -> ART:
        return self.team.art

    def get_team(self) -> Team:
        return self.team

    def clean(self) -> None:
        super().clean()
        feature, iteration = self.feature, self.iteration
        if self.team.art_id != feature.art_id:
            raise ValidationError({"team": "That team belongs to another train."})
        if iteration.is_ip:
            raise ValidationError({"iteration": IP_REFUSAL})
        if feature.pi_id is None:
            raise ValidationError(
                {"feature": f"{feature.key} is not planned for a PI yet: Product Management sets its PI first."}
            )
        if iteration.pi_id != feature.pi_id:
            raise ValidationError(
                {"iteration": f"{feature.key} is planned for {feature.pi.name}: choose one of its iterations."}
            )


class PlacementChange(models.Model):
    """One change of a feature placement (placed, moved, handed to another team, removed), with who and when."""

    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="placement_changes")
    # Empty "from" = newly placed; empty "to" = removed.
    from_team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, related_name="+")
    to_team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, related_name="+")
    from_iteration = models.ForeignKey(Iteration, on_delete=models.CASCADE, null=True, related_name="+")
    to_iteration = models.ForeignKey(Iteration, on_delete=models.CASCADE, null=True, related_name="+")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["feature", "at"])]

    def __str__(self) -> str:
        return f"{self.feature_id}: {self.from_iteration_id} → {self.to_iteration_id} at {self.at:%Y-%m-%d %H:%M}"


# --- PI objectives and business value --------------------------------------------------------

PLANNED_BV_RANGE = (1, 10)
ACTUAL_BV_RANGE = (0, 10)


def predictability(actual, planned_committed):
    """Σ actual BV / Σ planned BV of committed objectives × 100, or None when it is undefined.

    Actual BV of uncommitted (stretch) objectives counts in the numerator, so it may exceed
    100%. Undefined — shown as "—", never 0 or a division by zero (DESIGN.md) — when nothing
    was committed with a planned value, or when no actual value has been given yet
    (``actual`` is None): a PI that is still running is not 0% predictable.
    """
    if not planned_committed or actual is None:
        return None
    percent = Decimal(100) * Decimal(actual or 0) / Decimal(planned_committed)
    return percent.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class PIObjectiveQuerySet(TeamScopedQuerySet):
    def for_pi(self, pi: ProgramIncrement) -> PIObjectiveQuerySet:
        return self.filter(pi=pi)

    def totals_by_team(self) -> dict[int, dict]:
        """Per team id, in one query: planned BV (committed, stretch), actual BV, how many
        objectives have an actual value (``assessed``) and predictability."""
        rows = (
            self.order_by()
            .values("team_id")
            .annotate(
                planned_committed=Sum("planned_business_value", filter=Q(committed=True), default=0),
                planned_stretch=Sum("planned_business_value", filter=Q(committed=False), default=0),
                actual=Sum("actual_business_value", default=0),
                assessed=Count("actual_business_value"),
            )
        )
        return {
            row["team_id"]: {
                **row,
                "predictability": predictability(row["actual"] if row["assessed"] else None, row["planned_committed"]),
            }
            for row in rows
        }

    def art_totals(self) -> dict:
        """The same totals over every team: ART predictability = Σ actual (all) / Σ planned (committed)."""
        totals = self.order_by().aggregate(
            planned_committed=Sum("planned_business_value", filter=Q(committed=True), default=0),
            planned_stretch=Sum("planned_business_value", filter=Q(committed=False), default=0),
            actual=Sum("actual_business_value", default=0),
            assessed=Count("actual_business_value"),
        )
        actual = totals["actual"] if totals["assessed"] else None
        return {**totals, "predictability": predictability(actual, totals["planned_committed"])}


class PIObjective(models.Model):
    """A team's PI objective: what the team intends to achieve in the PI, in business terms.

    Committed, or uncommitted (stretch: planned, but not counted in the commitment).
    Business Owners give it a planned business value (1–10) during PI Planning and an actual
    business value (0–10) at the end of the PI; predictability compares the two.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="objectives")
    pi = models.ForeignKey(ProgramIncrement, on_delete=models.PROTECT, related_name="objectives", verbose_name="PI")
    statement = models.TextField(
        max_length=1000,
        validators=[MaxLengthValidator(1000)],
        error_messages={"blank": "Write the objective's statement."},
    )
    committed = models.BooleanField(default=True, help_text="Uncommitted objectives are stretch goals.")
    planned_business_value = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(PLANNED_BV_RANGE[0]), MaxValueValidator(PLANNED_BV_RANGE[1])],
        error_messages={
            "min_value": "Planned business value is from 1 to 10.",
            "max_value": "Planned business value is from 1 to 10.",
        },
    )
    actual_business_value = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(ACTUAL_BV_RANGE[1])],
        error_messages={
            "min_value": "Actual business value is from 0 to 10.",
            "max_value": "Actual business value is from 0 to 10.",
        },
    )
    features = models.ManyToManyField(Feature, blank=True, related_name="objectives")
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PIObjectiveQuerySet.as_manager()

    class Meta:
        verbose_name = "PI objective"
        ordering = ["-committed", "created_at", "id"]
        indexes = [models.Index(fields=["team", "pi"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_business_value__isnull=True)
                | Q(planned_business_value__gte=PLANNED_BV_RANGE[0], planned_business_value__lte=PLANNED_BV_RANGE[1]),
                name="objective_planned_bv_range",
                violation_error_message="Planned business value is from 1 to 10.",
            ),
            models.CheckConstraint(
                condition=Q(actual_business_value__isnull=True)
                | Q(actual_business_value__gte=ACTUAL_BV_RANGE[0], actual_business_value__lte=ACTUAL_BV_RANGE[1]),
                name="objective_actual_bv_range",
                violation_error_message="Actual business value is from 0 to 10.",
            ),
        ]

    def __str__(self) -> str:
        return self.statement[:60]

    def get_art(self) -> ART:
        return self.team.art

    def get_team(self) -> Team:
        return self.team

    def clean(self) -> None:
        super().clean()
        if self.team_id and self.pi_id and self.team.art_id != self.pi.art_id:
            raise ValidationError({"pi": "That PI belongs to another train."})


class ObjectiveChange(models.Model):
    """One change of a PI objective (its statement, commitment, features or business value), with who and when."""

    class Field(models.TextChoices):
        CREATED = "created", "Created"
        STATEMENT = "statement", "Statement"
        COMMITTED = "committed", "Committed"
        FEATURES = "features", "Features"
        PLANNED_BV = "planned_business_value", "Planned business value"
        ACTUAL_BV = "actual_business_value", "Actual business value"

    BUSINESS_VALUE = frozenset({Field.PLANNED_BV, Field.ACTUAL_BV})

    objective = models.ForeignKey(PIObjective, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(max_length=32, choices=Field.choices)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["objective", "at"])]

    def __str__(self) -> str:
        return f"{self.objective_id} {self.field}: {self.old_value or '—'} → {self.new_value or '—'}"

    @property
    def is_business_value(self) -> bool:
        return self.field in self.BUSINESS_VALUE


# --- the program board: milestones, its change clock, the committed baseline ------------------


class Milestone(models.Model):
    """A milestone or event on the program board's top row: a release, a trade fair, an audit.

    Its iteration is derived from its date, so it follows the PI's cadence.
    """

    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="milestones", verbose_name="PI")
    name = models.CharField(max_length=120)
    date = models.DateField()
    description = models.CharField(max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%Y-%m-%d})"

    def get_art(self) -> ART:
        return self.pi.art

    def clean(self) -> None:
        super().clean()
        if self.pi_id and self.date and not self.pi.contains(self.date):
            span = f"{self.pi.start_date:%d %b} – {self.pi.end_date:%d %b %Y}"
            raise ValidationError({"date": f"Choose a day within {self.pi.name} ({span})."})


class BoardClock(models.Model):
    """A counter per PI, moved by every change that the program board shows.

    Browsers polling the board send the value they have; an unchanged value answers at once
    from this one row, so that watching the board costs next to nothing while nothing moves.
    """

    pi = models.OneToOneField(ProgramIncrement, on_delete=models.CASCADE, primary_key=True, related_name="+")
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.pi_id}: {self.version}"

    @classmethod
    def tick(cls, pi_id: int) -> int:
        """Move the clock of a PI on: one upsert, safe when several people change the board at once."""
        table = cls._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (pi_id, version) VALUES (%s, 1) "  # noqa: S608 (table name is ours)
                f"ON CONFLICT (pi_id) DO UPDATE SET version = {table}.version + 1 RETURNING version",
                [pi_id],
            )
            return cursor.fetchone()[0]

    @classmethod
    def read(cls, pi_id: int) -> int:
        return cls.objects.filter(pi_id=pi_id).values_list("version", flat=True).first() or 0

    @classmethod
    def version_of(cls, pi: str = "pk") -> Coalesce:
        """The clock of the PI named by the outer query's field ``pi``, 0 before its first change.

        For ``ProgramIncrement.objects.annotate(board_version=BoardClock.version_of())``: read in the
        same statement as the PI (the core's querysets know nothing of planning).
        """
        clock = cls.objects.filter(pi_id=OuterRef(pi)).values("version")[:1]
        return Coalesce(Subquery(clock), Value(0), output_field=models.BigIntegerField())


# The dependency states (``risks.models.Dependency.State``) that decide its health before the dates do.
HEALTH_BY_STATE = {"delivered": "green", "cancelled": "closed"}


class Health(models.TextChoices):
    """How a dependency's plan fits its need (DESIGN.md, "Program board"): the colour of its line.

    The one rule, for the program board, the dependency pages and their filters: green when
    delivered, or planned before the iteration it is needed in; amber when planned in that
    iteration; red when planned after it; unplanned while not planned at all; closed once
    cancelled. ``of`` answers it in Python, ``expression`` in SQL, from the same comparisons.
    Dependencies belong to ``risks``, which sits above planning: the board needs the rule too.
    """

    GREEN = "green", "On track"
    AMBER = "amber", "Same iteration"
    RED = "red", "Planned too late"
    UNPLANNED = "unplanned", "Not planned"
    CLOSED = "closed", "Closed"

    @classmethod
    def of(cls, state: str, planned_start: date | None, needed_start: date) -> Health:
        """From the state and the first days of the planned and the needed-by iterations."""
        if state in HEALTH_BY_STATE:
            return cls(HEALTH_BY_STATE[state])
        if planned_start is None:
            return cls.UNPLANNED
        if planned_start < needed_start:
            return cls.GREEN
        if planned_start == needed_start:
            return cls.AMBER
        return cls.RED

    @classmethod
    def expression(
        cls,
        state: str = "state",
        planned_start: str = "planned_iteration__start_date",
        needed_start: str = "needed_by__start_date",
    ) -> Case:
        """``of`` in SQL, over the named fields (by default a dependency's)."""
        return Case(
            *(When(**{state: value}, then=Value(health)) for value, health in HEALTH_BY_STATE.items()),
            When(**{f"{planned_start}__isnull": True}, then=Value(cls.UNPLANNED.value)),
            When(**{f"{planned_start}__lt": F(needed_start)}, then=Value(cls.GREEN.value)),
            When(**{planned_start: F(needed_start)}, then=Value(cls.AMBER.value)),
            default=Value(cls.RED.value),
            output_field=CharField(),
        )


class PlanBaseline(models.Model):
    """The plan the train committed to at the end of PI Planning: placements and objectives as they were."""

    pi = models.OneToOneField(ProgramIncrement, on_delete=models.CASCADE, related_name="baseline", verbose_name="PI")
    committed_at = models.DateTimeField()
    committed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    def __str__(self) -> str:
        return f"Plan of {self.pi_id} committed {self.committed_at:%Y-%m-%d %H:%M}"


class BaselinePlacement(models.Model):
    """A feature placement as it stood when the plan was committed."""

    baseline = models.ForeignKey(PlanBaseline, on_delete=models.CASCADE, related_name="placements")
    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    iteration = models.ForeignKey(Iteration, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["baseline", "feature", "team"], name="baseline_placement_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.feature_id} by {self.team_id} in {self.iteration_id}"


class BaselineObjective(models.Model):
    """A PI objective as it stood when the plan was committed."""

    baseline = models.ForeignKey(PlanBaseline, on_delete=models.CASCADE, related_name="objectives")
    # Kept when the objective is later deleted: "dropped" is then visible.
    objective = models.ForeignKey(PIObjective, on_delete=models.SET_NULL, null=True, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    statement = models.TextField()
    committed = models.BooleanField()
    planned_business_value = models.PositiveSmallIntegerField(null=True)

    def __str__(self) -> str:
        return self.statement[:60]


# --- the confidence vote -----------------------------------------------------------------------

VOTE_VALUES = (1, 2, 3, 4, 5)
REPLAN_BELOW = 3


@dataclass(frozen=True)
class Tally:
    """A round's result: how many chose each value of the fist of five, their number and average,
    and the concerns, sorted by their text so that their order says nothing of who wrote them."""

    counts: dict[int, int]
    concerns: tuple[str, ...] = ()

    @classmethod
    def of(cls, counts: Mapping[int, int], concerns=()) -> Tally:
        return cls({value: counts.get(value, 0) for value in VOTE_VALUES}, tuple(sorted(concerns)))

    @property
    def votes(self) -> int:
        return sum(self.counts.values())

    @property
    def average(self) -> Decimal | None:
        """The average vote to two decimals; ``None`` before any vote."""
        if not self.votes:
            return None
        total = sum(value * count for value, count in self.counts.items())
        return (Decimal(total) / self.votes).quantize(Decimal("0.01"))

    def as_dict(self) -> dict:
        return {"counts": self.counts, "votes": self.votes, "average": self.average, "concerns": list(self.concerns)}


class VoteRoundQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(pi__art__in=ART.objects.visible_to(user))

    def open(self) -> VoteRoundQuerySet:
        return self.filter(closed_at__isnull=True)

    def with_tally(self) -> VoteRoundQuerySet:
        """Each round with its votes counted per value and its concerns, in the same statement:
        read them as ``round.tally``. Who voted what is not read."""
        counts = {f"votes_{value}": Count("votes", filter=Q(votes__value=value)) for value in VOTE_VALUES}
        # ``> ''`` leaves out both the empty concerns and the NULL of a round without votes.
        concerns = ArrayAgg("votes__concern", filter=Q(votes__concern__gt=""), default=Value([]))
        return self.annotate(**counts, concern_texts=concerns)


class VoteRound(models.Model):
    """A round of the confidence vote (fist of five): of one team, or of the whole train.

    A team round is voted by the team's members, Scrum Master and Product Owner; a train round
    by every member. An average below 3 marks the round "re-plan", and a new round may open.
    """

    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="vote_rounds", verbose_name="PI")
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="vote_rounds",
        help_text="Empty for a vote of the whole train.",
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    # Set when the round closes.
    average = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    replan = models.BooleanField(default=False)

    objects = VoteRoundQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pi", "team"],
                condition=Q(closed_at__isnull=True),
                nulls_distinct=False,
                name="vote_one_open_round_per_pi_and_team",
                violation_error_message="A round of this vote is already open.",
            ),
        ]

    def __str__(self) -> str:
        return f"Confidence vote of {self.team or 'the train'} in {self.pi_id}"

    def get_art(self) -> ART:
        return self.pi.art

    def get_team(self) -> Team | None:
        return self.team

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def scope_name(self) -> str:
        return self.team.name if self.team_id else "the whole train"

    @property
    def tally(self) -> Tally:
        """The round's result, as ``VoteRound.objects.with_tally()`` read it."""
        if not hasattr(self, "concern_texts"):
            raise AttributeError("Read the round with VoteRound.objects.with_tally() to have its tally.")
        return Tally.of({value: getattr(self, f"votes_{value}") for value in VOTE_VALUES}, self.concern_texts)


class Vote(models.Model):
    """One person's vote in a round, changeable until the round closes.

    Who voted what is never shown to anyone but the voter: pages and the API read only the
    tally (counts per value, average) and the concerns without their authors.
    """

    round = models.ForeignKey(VoteRound, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    value = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        error_messages={"min_value": "Vote from 1 to 5.", "max_value": "Vote from 1 to 5."},
    )
    concern = models.TextField(blank=True, max_length=1000, help_text="Invited when voting 1 or 2.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "voter"], name="vote_one_per_person_and_round"),
            models.CheckConstraint(
                condition=Q(value__gte=1, value__lte=5),
                name="vote_value_1_to_5",
                violation_error_message="Vote from 1 to 5.",
            ),
        ]

    def __str__(self) -> str:
        return f"Vote in round {self.round_id}"


# --- PI readiness ------------------------------------------------------------------------------

DEFAULT_READINESS = (
    "Vision and roadmap ready",
    "Top features ranked by WSJF",
    "Capacities entered",
    "Architectural runway reviewed",
    "Business Owners confirmed",
    "Logistics and calendar published",
)


class ReadinessItem(models.Model):
    """One item of a PI's readiness checklist for PI Planning, with its owner and done state."""

    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="readiness", verbose_name="PI")
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["pi", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                "pi",
                Lower("title"),
                name="readiness_title_unique_per_pi",
                violation_error_message="This checklist already has that item.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_art(self) -> ART:
        return self.pi.art
