"""Risks and dependencies: the ROAM board and the cross-team dependencies of a train.

The state rules live here, each in one table (``Risk.TRANSITIONS``, ``Dependency.TRANSITIONS``)
with the field a state needs; ages, aging buckets and health colours are computed here too, in
Python for one dependency and as queryset methods for lists (``with_age``, ``with_health``,
``age_bucket_counts``), from dates passed in (the train's today), so that they can be tested
against fixed dates. The health rule itself is ``planning.models.Health``: the program board,
below this app, colours its lines by it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, DateField, DateTimeField, F, Func, IntegerField, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone

from artops.models import ART, ARTScopedQuerySet, Iteration, ProgramIncrement, Team, bounded_text
from artops.parsing import shown, validate_sane_date, validate_storable_text
from planning.models import IP_REFUSAL, Feature, Health

# A risk open and untouched for this long is flagged as aging quietly.
QUIET_DAYS = 14
# The longest free text of a risk or a dependency (what is needed, a rationale, a plan, a note).
TEXT_MAX = 2000


class InvalidTransition(ValidationError):
    """A state change the rules do not allow; its message says which moves are allowed."""


def scale_field(verbose_name: str) -> models.PositiveSmallIntegerField:
    message = f"{verbose_name.capitalize()} is from 1 to 5."
    return models.PositiveSmallIntegerField(
        verbose_name,
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        error_messages={"min_value": message, "max_value": message, "invalid": message},
    )


class RiskQuerySet(ARTScopedQuerySet):
    def for_pi(self, pi: ProgramIncrement) -> RiskQuerySet:
        return self.filter(pi=pi)

    def open(self) -> RiskQuerySet:
        return self.exclude(state=Risk.State.RESOLVED)

    def with_related(self) -> RiskQuerySet:
        return self.select_related("art", "pi", "team", "raised_by", "owner")


class Risk(models.Model):
    """A risk to the train's PI objectives, ROAMed in public: Resolved, Owned, Accepted or Mitigated.

    Every risk starts unroamed. Owned needs an owner on the train, Accepted a rationale,
    Mitigated the plan that reduces it. Severity = probability × impact (1–25).
    """

    class State(models.TextChoices):
        UNROAMED = "unroamed", "Unroamed"
        RESOLVED = "resolved", "Resolved"
        OWNED = "owned", "Owned"
        ACCEPTED = "accepted", "Accepted"
        MITIGATED = "mitigated", "Mitigated"

    # From each state, where a risk may go. Unroamed is where every risk starts; a ROAMed
    # risk may be ROAMed again differently; a resolved risk may be reopened.
    TRANSITIONS = {
        State.UNROAMED: (State.RESOLVED, State.OWNED, State.ACCEPTED, State.MITIGATED),
        State.OWNED: (State.RESOLVED, State.ACCEPTED, State.MITIGATED),
        State.ACCEPTED: (State.RESOLVED, State.OWNED, State.MITIGATED),
        State.MITIGATED: (State.RESOLVED, State.OWNED, State.ACCEPTED),
        State.RESOLVED: (State.UNROAMED,),
    }
    # What a state needs: (field, message when it is missing).
    NEEDS = {
        State.OWNED: ("owner", "An owned risk needs an owner."),
        State.ACCEPTED: ("rationale", "An accepted risk needs a rationale: why is it acceptable?"),
        State.MITIGATED: ("mitigation_plan", "A mitigated risk needs the plan that reduces it."),
    }

    art = models.ForeignKey(ART, on_delete=models.CASCADE, related_name="risks")
    pi = models.ForeignKey(ProgramIncrement, on_delete=models.PROTECT, related_name="risks", verbose_name="PI")
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risks",
        help_text="Empty for a risk to the whole train.",
    )
    title = models.CharField(max_length=200, validators=[validate_storable_text])
    description = bounded_text(blank=True, max_length=TEXT_MAX)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="raised_risks")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="owned_risks"
    )
    probability = scale_field("probability")
    impact = scale_field("impact")
    severity = models.GeneratedField(
        expression=F("probability") * F("impact"), output_field=models.PositiveSmallIntegerField(), db_persist=True
    )
    due_date = models.DateField(null=True, blank=True, validators=[validate_sane_date])
    state = models.CharField(max_length=16, choices=State.choices, default=State.UNROAMED)
    rationale = bounded_text(blank=True, max_length=TEXT_MAX, help_text="Why the risk is accepted.")
    mitigation_plan = bounded_text(blank=True, max_length=TEXT_MAX, help_text="How the risk is reduced.")
    # Checked on every write: a change based on an older version is refused, never silently applied.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RiskQuerySet.as_manager()

    class Meta:
        ordering = ["-severity", "created_at", "id"]
        indexes = [models.Index(fields=["art", "pi", "state"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__gte=1, probability__lte=5, impact__gte=1, impact__lte=5),
                name="risk_scales_1_to_5",
                violation_error_message="Probability and impact are from 1 to 5.",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["unroamed", "resolved", "owned", "accepted", "mitigated"]),
                name="risk_state_valid",
                violation_error_message="That is not a ROAM state.",
            ),
            models.CheckConstraint(condition=~Q(state="owned") | Q(owner__isnull=False), name="risk_owned_has_owner"),
            models.CheckConstraint(
                condition=~Q(state="accepted") | ~Q(rationale=""), name="risk_accepted_has_rationale"
            ),
            models.CheckConstraint(
                condition=~Q(state="mitigated") | ~Q(mitigation_plan=""), name="risk_mitigated_has_plan"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("risk_detail", kwargs={"art_slug": self.art.slug, "risk_id": self.pk})

    def get_art(self) -> ART:
        return self.art

    def get_team(self) -> Team | None:
        return self.team

    @property
    def is_open(self) -> bool:
        return self.state != self.State.RESOLVED

    def is_quiet(self, today: date) -> bool:
        """Open and untouched for QUIET_DAYS days or more: aging quietly."""
        return self.is_open and (today - self.updated_at.astimezone(self.art.tz).date()).days >= QUIET_DAYS

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.pi_id and self.art_id and self.pi.art_id != self.art_id:
            errors["pi"] = "That PI belongs to another train."
        if self.team_id and self.art_id and self.team.art_id != self.art_id:
            errors["team"] = "That team belongs to another train."
        field, message = self.NEEDS.get(self.state, (None, ""))
        if field and not self._has(field):
            errors[field] = message
        if errors:
            raise ValidationError(errors)

    def _has(self, field: str) -> bool:
        if field == "owner":
            return self.owner_id is not None
        return bool(getattr(self, field).strip())

    def check_transition(self, to: str) -> None:
        """Raise InvalidTransition unless the rules allow moving from the current state to ``to``."""
        if to not in self.State.values:
            raise InvalidTransition({"state": f"“{shown(to)}” is not a ROAM state."})
        allowed = self.TRANSITIONS[self.State(self.state)]
        if to not in allowed:
            current = self.State(self.state).label
            options = ", ".join(state.label for state in allowed)
            raise InvalidTransition({"state": f"A risk in {current} can move to {options}."})


# Aging buckets of open dependencies, in days: (label, lowest, highest or None).
AGE_BUCKETS = (("0–7 days", 0, 7), ("8–14 days", 8, 14), ("15–30 days", 15, 30), ("over 30 days", 31, None))


def bucket_key(low: int, high: int | None) -> str:
    """How an aging bucket is named in a query string: ``0-7``, ``8-14``, ``15-30``, ``31+``."""
    return f"{low}-{high}" if high is not None else f"{low}+"


def age_bucket(days: int) -> str:
    """The label of the aging bucket a dependency of ``days`` falls in."""
    for label, low, high in AGE_BUCKETS:
        if days >= low and (high is None or days <= high):
            return label
    return AGE_BUCKETS[0][0]


def age_range(field: str, low: int, high: int | None) -> Q:
    """``field`` (an age in days) within the bucket from ``low`` to ``high`` (no end if None)."""
    condition = Q(**{f"{field}__gte": low})
    if high is not None:
        condition &= Q(**{f"{field}__lte": high})
    return condition


@dataclass(frozen=True)
class BucketCount:
    key: str
    label: str
    count: int


def local_day(timestamp) -> Func:
    """The calendar day of ``timestamp`` where the row's train works (PostgreSQL ``AT TIME ZONE``)."""
    return Func(
        timestamp,
        F("art__time_zone"),
        template="((%(expressions)s)::date)",
        arg_joiner=" AT TIME ZONE ",
        output_field=DateField(),
    )


def age_days(now: datetime | None = None) -> Greatest:
    """``Dependency.age()`` in SQL: days from creation to delivery or cancellation, or to ``now``
    while open, counted in the train's time zone (never negative)."""
    now = now or timezone.now()
    end = Coalesce(local_day(F("closed_at")), local_day(Value(now, output_field=DateTimeField())))
    # date - date is a whole number of days in PostgreSQL.
    days = Func(
        end, local_day(F("created_at")), template="(%(expressions)s)", arg_joiner=" - ", output_field=IntegerField()
    )
    return Greatest(days, Value(0))


class DependencyQuerySet(ARTScopedQuerySet):
    def for_pi(self, pi: ProgramIncrement) -> DependencyQuerySet:
        return self.filter(pi=pi)

    def open(self) -> DependencyQuerySet:
        return self.exclude(state__in=Dependency.CLOSED)

    def closed(self) -> DependencyQuerySet:
        return self.filter(state__in=Dependency.CLOSED)

    def with_age(self, now: datetime | None = None) -> DependencyQuerySet:
        """Each dependency with its ``age_days`` (``Dependency.age()`` in SQL), annotated once,
        so that lists filter and sort by age in the database."""
        if "age_days" in self.query.annotations:
            return self
        return self.annotate(age_days=age_days(now))

    def with_health(self) -> DependencyQuerySet:
        """Each dependency with its ``health_value`` (``Dependency.health`` in SQL: ``Health.expression``)."""
        if "health_value" in self.query.annotations:
            return self
        return self.annotate(health_value=Health.expression())

    def of_health(self, health: str) -> DependencyQuerySet:
        return self.alias(health_of_row=Health.expression()).filter(health_of_row=health)

    def aged(self, key: str, now: datetime | None = None) -> DependencyQuerySet:
        """Those whose age falls in the aging bucket named ``key`` (``bucket_key``)."""
        low, high = next((low, high) for _, low, high in AGE_BUCKETS if bucket_key(low, high) == key)
        return self.with_age(now).filter(age_range("age_days", low, high))

    def age_bucket_counts(self, now: datetime | None = None) -> list[BucketCount]:
        """How many OPEN dependencies fall in each aging bucket: one aggregate query."""
        aged = self.open().alias(bucket_age=age_days(now))
        counts = aged.aggregate(
            **{
                bucket_key(low, high): Count("pk", filter=age_range("bucket_age", low, high))
                for _, low, high in AGE_BUCKETS
            }
        )
        return [
            BucketCount(bucket_key(low, high), label, counts[bucket_key(low, high)]) for label, low, high in AGE_BUCKETS
        ]

    def with_related(self) -> DependencyQuerySet:
        return self.select_related(
            "art",
            "pi",
            "needing_team",
            "providing_team",
            "needing_feature",
            "providing_feature",
            "needed_by",
            "planned_iteration",
            "owner",
        )


class Dependency(models.Model):
    """Something one team needs from another team, or from a named party outside the train.

    It has an owner and a needed-by iteration from the moment it is raised. Its age runs from
    creation to delivery or cancellation (to today while open); its health compares the
    iteration it is planned for with the one it is needed by.
    """

    class State(models.TextChoices):
        REQUESTED = "requested", "Requested"
        COMMITTED = "committed", "Committed"
        AT_RISK = "at_risk", "At risk"
        BLOCKED = "blocked", "Blocked"
        DELIVERED = "delivered", "Delivered"
        CANCELLED = "cancelled", "Cancelled"

    CLOSED = frozenset({State.DELIVERED, State.CANCELLED})
    # requested → committed → delivered, or at risk / blocked / cancelled on the way.
    TRANSITIONS = {
        State.REQUESTED: (State.COMMITTED, State.AT_RISK, State.BLOCKED, State.CANCELLED),
        State.COMMITTED: (State.DELIVERED, State.AT_RISK, State.BLOCKED, State.CANCELLED),
        State.AT_RISK: (State.COMMITTED, State.DELIVERED, State.BLOCKED, State.CANCELLED),
        State.BLOCKED: (State.COMMITTED, State.AT_RISK, State.CANCELLED),
        State.DELIVERED: (),
        State.CANCELLED: (),
    }

    art = models.ForeignKey(ART, on_delete=models.CASCADE, related_name="dependencies")
    pi = models.ForeignKey(ProgramIncrement, on_delete=models.PROTECT, related_name="dependencies", verbose_name="PI")
    needing_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="needed_dependencies")
    providing_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="provided_dependencies"
    )
    external_party = models.CharField(
        max_length=120,
        blank=True,
        validators=[validate_storable_text],
        help_text="Another train or a vendor, when no team of this train provides it.",
    )
    description = bounded_text("what is needed", max_length=TEXT_MAX)
    needing_feature = models.ForeignKey(
        Feature, on_delete=models.SET_NULL, null=True, blank=True, related_name="needed_dependencies"
    )
    providing_feature = models.ForeignKey(
        Feature, on_delete=models.SET_NULL, null=True, blank=True, related_name="provided_dependencies"
    )
    needed_by = models.ForeignKey(
        Iteration, on_delete=models.PROTECT, related_name="dependencies_needed", verbose_name="needed by"
    )
    planned_iteration = models.ForeignKey(
        Iteration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dependencies_planned",
        help_text="Empty while the provider has not planned it.",
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_dependencies")
    state = models.CharField(max_length=16, choices=State.choices, default=State.REQUESTED)
    next_action = models.CharField(max_length=300, blank=True, validators=[validate_storable_text])
    reviewed_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DependencyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "dependencies"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["art", "pi", "state"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(providing_team__isnull=False) & Q(external_party=""))
                | (Q(providing_team__isnull=True) & ~Q(external_party="")),
                name="dependency_one_provider",
                violation_error_message="Name either a providing team or an external party.",
            ),
            models.CheckConstraint(
                condition=~Q(providing_team=F("needing_team")),
                name="dependency_not_on_itself",
                violation_error_message="A team does not depend on itself.",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["requested", "committed", "at_risk", "blocked", "delivered", "cancelled"]),
                name="dependency_state_valid",
                violation_error_message="That is not a dependency state.",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["delivered", "cancelled"], closed_at__isnull=False)
                | (~Q(state__in=["delivered", "cancelled"]) & Q(closed_at__isnull=True)),
                name="dependency_closed_at_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.needing_team} ← {self.provider_name}: {self.description[:50]}"

    def get_absolute_url(self) -> str:
        return reverse("dependency_detail", kwargs={"art_slug": self.art.slug, "dependency_id": self.pk})

    def get_art(self) -> ART:
        return self.art

    @property
    def provider_name(self) -> str:
        return self.providing_team.name if self.providing_team_id else self.external_party

    @property
    def is_open(self) -> bool:
        return self.state not in self.CLOSED

    def age(self, today: date) -> int:
        """Days from creation to delivery or cancellation, or to ``today`` (the train's) while open."""
        tz = self.art.tz
        end = self.closed_at.astimezone(tz).date() if self.closed_at else today
        return max(0, (end - self.created_at.astimezone(tz).date()).days)

    @property
    def health(self) -> Health:
        """How the plan fits the need: ``Health.of`` the state and the two iterations."""
        planned = self.planned_iteration.start_date if self.planned_iteration_id else None
        return Health.of(self.state, planned, self.needed_by.start_date)

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.providing_team_id and self.external_party.strip():
            errors["external_party"] = "Name either a providing team or an external party, not both."
        elif not self.providing_team_id and not self.external_party.strip():
            errors["providing_team"] = "Name the providing team, or the external party that provides it."
        if self.providing_team_id and self.providing_team_id == self.needing_team_id:
            errors["providing_team"] = "A team does not depend on itself: choose another providing team."
        for field in ("needing_team", "providing_team"):
            team = getattr(self, field) if getattr(self, f"{field}_id") else None
            if team is not None and team.art_id != self.art_id:
                errors[field] = "That team belongs to another train."
        for field in ("needing_feature", "providing_feature"):
            feature = getattr(self, field) if getattr(self, f"{field}_id") else None
            if feature is not None and feature.art_id != self.art_id:
                errors[field] = "That feature belongs to another train."
        if self.pi_id and self.pi.art_id != self.art_id:
            errors["pi"] = "That PI belongs to another train."
        if self.needed_by_id and self.pi_id and self.needed_by.pi_id != self.pi_id:
            errors["needed_by"] = f"Choose an iteration of {self.pi.name}."
        if self.planned_iteration_id and self.planned_iteration.pi.art_id != self.art_id:
            errors["planned_iteration"] = "That iteration belongs to another train."
        elif self.planned_iteration_id and self.planned_iteration.is_ip:
            errors["planned_iteration"] = IP_REFUSAL
        if errors:
            raise ValidationError(errors)

    def check_transition(self, to: str) -> None:
        if to not in self.State.values:
            raise InvalidTransition({"state": f"“{shown(to)}” is not a dependency state."})
        allowed = self.TRANSITIONS[self.State(self.state)]
        if to not in allowed:
            current = self.State(self.state).label
            options = ", ".join(state.label for state in allowed) or "nowhere: it is closed"
            raise InvalidTransition({"state": f"A dependency that is {current.lower()} can move to {options}."})


class Change(models.Model):
    """One recorded change: who, when and what (``changes``: {field: [before, after]})."""

    class Kind(models.TextChoices):
        RAISED = "raised", "Raised"
        EDITED = "edited", "Edited"
        MOVED = "moved", "State changed"
        REVIEWED = "reviewed", "Reviewed"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    changes = models.JSONField(default=dict, blank=True)
    note = bounded_text(blank=True, max_length=TEXT_MAX)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        abstract = True
        ordering = ["at", "id"]


class RiskChange(Change):
    """A change of a risk: raised, edited, or ROAMed."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="changes")

    class Meta(Change.Meta):
        indexes = [models.Index(fields=["risk", "at"])]

    def __str__(self) -> str:
        return f"{self.risk_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class DependencyChange(Change):
    """A change of a dependency: raised, edited, moved to another state, or reviewed."""

    dependency = models.ForeignKey(Dependency, on_delete=models.CASCADE, related_name="changes")

    class Meta(Change.Meta):
        indexes = [models.Index(fields=["dependency", "at"])]

    def __str__(self) -> str:
        return f"{self.dependency_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"
