"""The ART backlog: features and enablers ranked by WSJF, their keys and their moves through the ART Kanban.

WSJF = Cost of Delay / Job Size, where Cost of Delay = user-business value + time criticality +
risk reduction / opportunity enablement, every input on the modified Fibonacci scale (DESIGN.md,
"WSJF"). Both are computed by the database, so that ranking is an ``ORDER BY`` and never a loop
in Python.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import F, Q
from django.db.models.functions import Cast, Round
from django.urls import reverse

from artops.models import ART, ARTScopedQuerySet, ProgramIncrement
from planning.models.text import FEATURE_TEXT_MAX_LENGTH, bounded_text, storable_text

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
    title = models.CharField(max_length=200, validators=[storable_text])
    type = models.CharField(max_length=16, choices=Type.choices, default=Type.BUSINESS)
    description = bounded_text(FEATURE_TEXT_MAX_LENGTH, blank=True)
    benefit_hypothesis = bounded_text(FEATURE_TEXT_MAX_LENGTH, blank=True)
    acceptance_criteria = bounded_text(FEATURE_TEXT_MAX_LENGTH, blank=True)
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
    # The key of the Jira issue this feature was imported from (``planning.jira_import``), by which
    # a later export updates it. NULL, not "", for features made here: NULLs never collide in the
    # unique constraint, which the import's upsert names as its conflict target.
    jira_key = models.CharField(max_length=32, null=True, blank=True, editable=False)
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
            models.UniqueConstraint(
                fields=["art", "jira_key"],
                name="feature_jira_key_unique_per_art",
                violation_error_message="A feature of this train was already imported from that Jira issue.",
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
