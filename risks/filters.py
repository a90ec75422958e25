"""Filters of the risk and dependency lists, shared by the pages, their CSV exports and the API.

As in ``planning.filters``, a value that names nothing (an unknown id or band) matches nothing
rather than raising an error about a filter: the queryset is already limited to the user's
trains, so another train's ids simply find no rows. Trains are named by slug, everything else
by id.

Dependency age and health are computed in SQL here, so that the list can be filtered and
sorted by them and the aging buckets counted in one query. They agree with
``Dependency.age()`` and ``Dependency.health`` (the tests compare both for every case): a
dependency's age counts calendar days in its train's time zone, from creation to closing, or
to now while open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import django_filters
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Now
from django.utils import timezone

from planning.filters import id_or_none
from risks.models import AGE_BUCKETS, QUIET_DAYS, Dependency, Health, Risk

# --- risks ---------------------------------------------------------------------------------------

WHOLE_TRAIN = "art"

# Severity (probability × impact, 1–25) bands: (value, label, lowest, highest).
SEVERITY_BANDS = (
    ("low", "Low (1–4)", 1, 4),
    ("medium", "Medium (5–11)", 5, 11),
    ("high", "High (12–25)", 12, 25),
)


def severity_band(severity: int) -> str:
    """“low”, “medium” or “high”: the band a severity falls in (a card's colour on the board)."""
    for value, _label, low, high in SEVERITY_BANDS:
        if low <= severity <= high:
            return value
    return SEVERITY_BANDS[0][0]


def _local_date(expression) -> Cast:
    """The date of a timestamp in the train's time zone: a risk is quiet by the train's calendar."""
    return Cast(Func(F("art__time_zone"), expression, function="timezone"), DateField())


def quiet_condition(today: date | None = None) -> Q:
    """Open and untouched for ``QUIET_DAYS`` days or more, as ``Risk.is_quiet`` says, in SQL.

    With ``today`` (the train's today, which tests control) the cut-off is that date; without it,
    each train's own today is taken from the database clock.
    """
    is_open = ~Q(state=Risk.State.RESOLVED)
    if today is not None:
        return is_open & Q(quiet_since__lte=today - timedelta(days=QUIET_DAYS))
    return is_open & Q(quiet_age__gte=timedelta(days=QUIET_DAYS))


class RiskFilter(django_filters.FilterSet):
    """Risks by PI, team (or the whole train), severity, ROAM state, and whether they age quietly."""

    art = django_filters.CharFilter(field_name="art__slug", help_text="Slug of the train.")
    pi = django_filters.NumberFilter(field_name="pi", help_text="Id of the Planning Interval.")
    team = django_filters.CharFilter(
        method="filter_team", help_text=f"Id of the team, or “{WHOLE_TRAIN}” for risks to the whole train."
    )
    severity = django_filters.CharFilter(
        method="filter_severity",
        help_text="Lowest severity (1–25), or a band: low (1–4), medium (5–11), high (12–25).",
    )
    state = django_filters.ChoiceFilter(choices=Risk.State.choices)
    quiet = django_filters.BooleanFilter(
        method="filter_quiet",
        help_text=f"Only open risks untouched for {QUIET_DAYS} days or more (true), or the others.",
    )

    class Meta:
        model = Risk
        fields = ("art", "pi", "team", "severity", "state", "quiet")

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def filter_team(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == WHOLE_TRAIN:
            return queryset.filter(team__isnull=True)
        if value.isdigit():
            return queryset.filter(team_id=int(value))
        return queryset.none()

    def filter_severity(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for band, _label, low, high in SEVERITY_BANDS:
            if value == band:
                return queryset.filter(severity__gte=low, severity__lte=high)
        if value.isdigit():
            return queryset.filter(severity__gte=int(value))
        return queryset.none()

    def filter_quiet(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        if self.today is not None:
            queryset = queryset.annotate(quiet_since=_local_date(F("updated_at")))
        else:
            queryset = queryset.annotate(
                quiet_age=ExpressionWrapper(
                    _local_date(Now()) - _local_date(F("updated_at")), output_field=DurationField()
                )
            )
        condition = quiet_condition(self.today)
        return queryset.filter(condition) if value else queryset.exclude(condition)


# --- dependencies --------------------------------------------------------------------------------

OPEN, CLOSED = "open", "closed"
STATUS_CHOICES = ((OPEN, "Open"), (CLOSED, "Closed"))
OLDEST, NEWEST = "oldest", "newest"
SORT_CHOICES = ((OLDEST, "Oldest first"), (NEWEST, "Newest first"))


def bucket_key(low: int, high: int | None) -> str:
    """How an aging bucket is named in a query string: ``0-7``, ``8-14``, ``15-30``, ``31+``."""
    return f"{low}-{high}" if high is not None else f"{low}+"


AGE_CHOICES = tuple((bucket_key(low, high), label) for label, low, high in AGE_BUCKETS)
BUCKET_RANGES = {bucket_key(low, high): (low, high) for _, low, high in AGE_BUCKETS}


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
    """Days from creation to delivery or cancellation, or to ``now`` while open (never negative)."""
    now = now or timezone.now()
    end = Coalesce(local_day(F("closed_at")), local_day(Value(now, output_field=DateTimeField())))
    # date - date is a whole number of days in PostgreSQL.
    days = Func(
        end, local_day(F("created_at")), template="(%(expressions)s)", arg_joiner=" - ", output_field=IntegerField()
    )
    return Greatest(days, Value(0))


def with_age(queryset: QuerySet, *, now: datetime | None = None) -> QuerySet:
    """``queryset`` with each dependency's ``age_days`` (annotated once)."""
    if "age_days" in queryset.query.annotations:
        return queryset
    return queryset.annotate(age_days=age_days(now))


def health_expression() -> Case:
    """``Dependency.health`` in SQL: delivered green, cancelled closed, then planned against needed."""
    return Case(
        When(state=Dependency.State.DELIVERED, then=Value(Health.GREEN.value)),
        When(state=Dependency.State.CANCELLED, then=Value(Health.CLOSED.value)),
        When(planned_iteration__isnull=True, then=Value(Health.UNPLANNED.value)),
        When(planned_iteration__start_date__lt=F("needed_by__start_date"), then=Value(Health.GREEN.value)),
        When(planned_iteration__start_date=F("needed_by__start_date"), then=Value(Health.AMBER.value)),
        default=Value(Health.RED.value),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class BucketCount:
    key: str
    label: str
    count: int


def age_bucket_counts(queryset: QuerySet, *, now: datetime | None = None) -> list[BucketCount]:
    """How many OPEN dependencies of ``queryset`` fall in each aging bucket: one aggregate query."""
    aged = queryset.exclude(state__in=Dependency.CLOSED).alias(bucket_age=age_days(now))
    counts = aged.aggregate(**{key: Count("pk", filter=_age_range("bucket_age", key)) for key, _ in AGE_CHOICES})
    return [BucketCount(key, label, counts[key]) for key, label in AGE_CHOICES]


def _age_range(field: str, key: str) -> Q:
    low, high = BUCKET_RANGES[key]
    condition = Q(**{f"{field}__gte": low})
    if high is not None:
        condition &= Q(**{f"{field}__lte": high})
    return condition


class DependencyFilter(django_filters.FilterSet):
    """Dependencies by train, PI, team (needing, providing or either), state, open or closed, health, age.

    ``sort`` orders by age (``oldest`` or ``newest`` first). Pass ``now`` to count ages at a
    fixed moment; it defaults to the current time.
    """

    art = django_filters.CharFilter(field_name="art__slug", help_text="Slug of the train.")
    pi = django_filters.CharFilter(method="filter_id", help_text="Id of the Planning Interval.")
    needing_team = django_filters.CharFilter(method="filter_id", help_text="Id of the team that needs it.")
    providing_team = django_filters.CharFilter(
        method="filter_id", help_text="Id of the team that provides it, or “none” for external parties."
    )
    external_party = django_filters.CharFilter(
        field_name="external_party", lookup_expr="iexact", help_text="Name of the external party that provides it."
    )
    team = django_filters.CharFilter(method="filter_team", help_text="Id of a team on either side.")
    state = django_filters.ChoiceFilter(choices=Dependency.State.choices)
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="filter_status", help_text="Open (not delivered or cancelled) or closed."
    )
    health = django_filters.ChoiceFilter(choices=Health.choices, method="filter_health")
    age = django_filters.ChoiceFilter(choices=AGE_CHOICES, method="filter_age", help_text="Aging bucket, in days.")
    sort = django_filters.ChoiceFilter(choices=SORT_CHOICES, method="filter_sort", help_text="By age.")

    class Meta:
        model = Dependency
        fields = (
            "art",
            "pi",
            "needing_team",
            "providing_team",
            "external_party",
            "team",
            "state",
            "status",
            "health",
            "age",
            "sort",
        )

    def __init__(self, *args, now: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()

    def filter_id(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return id_or_none(queryset, name, value)

    def filter_team(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(Q(needing_team_id=int(value)) | Q(providing_team_id=int(value)))

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == OPEN:
            return queryset.exclude(state__in=Dependency.CLOSED)
        return queryset.filter(state__in=Dependency.CLOSED)

    def filter_health(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.alias(health_value=health_expression()).filter(health_value=value)

    def filter_age(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return with_age(queryset, now=self.now).filter(_age_range("age_days", value))

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        queryset = with_age(queryset, now=self.now)
        if value == NEWEST:
            return queryset.order_by("age_days", "-created_at", "-id")
        return queryset.order_by("-age_days", "created_at", "id")
