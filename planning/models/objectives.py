"""Team PI objectives, the business value Business Owners give them, and predictability."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Q, Sum

from artops.models import ART, ProgramIncrement, Team
from planning.models.backlog import Feature
from planning.models.team_board import TeamScopedQuerySet
from planning.models.text import bounded_text

PLANNED_BV_RANGE = (1, 10)
ACTUAL_BV_RANGE = (0, 10)

# The healthy band of predictability (DESIGN.md), shown on every predictability figure and chart.
HEALTHY_BAND = (80, 100)
BAND_LABELS = {"in": "inside the healthy band", "below": "below the healthy band", "above": "above the healthy band"}


def band_of(value) -> str:
    """Where a predictability percentage sits against the healthy band: ``in``, ``below``, ``above``, or ""."""
    if value is None:
        return ""
    low, high = HEALTHY_BAND
    if value < low:
        return "below"
    if value > high:
        return "above"
    return "in"


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
    statement = bounded_text(1000, error_messages={"blank": "Write the objective's statement."})
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
