"""Filters of the risk and dependency lists, shared by the pages, their CSV exports and the API.

Ids are read by ``artops.parsing`` (ASCII digits, within a bigint): a value that is not one
makes the filter invalid, so that the API answers 400 with the reason, an export 400 too, and
a page shows nothing (``ListFilterSet``). An id that names nothing of the user's trains simply
matches no row: the queryset is already limited to those trains. Trains are named by slug,
everything else by id.

Dependency age, health and aging buckets are the model's rules (``Dependency.objects.with_age``,
``of_health``, ``aged``): the lists filter and sort by them in the database.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Now
from django.utils import timezone
from drf_spectacular.drainage import set_override

from artops.filters import ListFilterSet
from artops.parsing import BadNumber, IdFilter, parse_int
from risks.models import AGE_BUCKETS, QUIET_DAYS, Dependency, Health, Risk, bucket_key, local_day

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


def quiet_condition(today: date | None = None) -> Q:
    """Open and untouched for ``QUIET_DAYS`` days or more, as ``Risk.is_quiet`` says, in SQL.

    With ``today`` (the train's today, which tests control) the cut-off is that date; without it,
    each train's own today is taken from the database clock.
    """
    is_open = ~Q(state=Risk.State.RESOLVED)
    if today is not None:
        return is_open & Q(quiet_since__lte=today - timedelta(days=QUIET_DAYS))
    return is_open & Q(quiet_age__gte=timedelta(days=QUIET_DAYS))


SEVERITY_MAX = 25


class SeverityField(forms.Field):
    """A band (``low``, ``medium``, ``high``) or the lowest severity, 1 to 25, read by ``parse_int``."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if value in {band for band, *_ in SEVERITY_BANDS}:
            return value
        try:
            return parse_int(value, name="severity", minimum=1, maximum=SEVERITY_MAX)
        except BadNumber as error:
            bands = ", ".join(band for band, *_ in SEVERITY_BANDS)
            raise ValidationError(f"{error.reason} Or name a band: {bands}.", code="invalid") from None


class SeverityFilter(django_filters.Filter):
    """Risks of a severity band, or of at least the severity given."""

    field_class = SeverityField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The OpenAPI schema says what is accepted: a band, or a whole number from 1 to 25.
        bands = [band for band, *_ in SEVERITY_BANDS]
        schema = {
            "anyOf": [{"type": "integer", "minimum": 1, "maximum": SEVERITY_MAX}, {"type": "string", "enum": bands}]
        }
        if kwargs.get("help_text"):
            schema["description"] = str(kwargs["help_text"])
        set_override(self, "field", schema)

    def filter(self, queryset: QuerySet, value) -> QuerySet:
        if value in (None, ""):
            return queryset
        for band, _label, low, high in SEVERITY_BANDS:
            if value == band:
                return queryset.filter(severity__gte=low, severity__lte=high)
        return queryset.filter(severity__gte=value)


class RiskFilter(ListFilterSet):
    """Risks by PI, team (or the whole train), severity, ROAM state, and whether they age quietly."""

    art = django_filters.CharFilter(field_name="art__slug", help_text="Slug of the train.")
    pi = IdFilter(field_name="pi", help_text="Id of the Planning Interval.")
    team = IdFilter(
        field_name="team",
        none=WHOLE_TRAIN,
        help_text=f"Id of the team, or “{WHOLE_TRAIN}” for risks to the whole train.",
    )
    severity = SeverityFilter(help_text="Lowest severity (1–25), or a band: low (1–4), medium (5–11), high (12–25).")
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

    def filter_quiet(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        if self.today is not None:
            queryset = queryset.annotate(quiet_since=local_day(F("updated_at")))
        else:
            queryset = queryset.annotate(
                quiet_age=ExpressionWrapper(local_day(Now()) - local_day(F("updated_at")), output_field=DurationField())
            )
        condition = quiet_condition(self.today)
        return queryset.filter(condition) if value else queryset.exclude(condition)


# --- dependencies --------------------------------------------------------------------------------

OPEN, CLOSED = "open", "closed"
# What ``?providing_team=`` takes for the dependencies on a party outside the train.
EXTERNAL = "none"
STATUS_CHOICES = ((OPEN, "Open"), (CLOSED, "Closed"))
OLDEST, NEWEST = "oldest", "newest"
SORT_CHOICES = ((OLDEST, "Oldest first"), (NEWEST, "Newest first"))


AGE_CHOICES = tuple((bucket_key(low, high), label) for label, low, high in AGE_BUCKETS)


class DependencyFilter(ListFilterSet):
    """Dependencies by train, PI, team (needing, providing or either), state, open or closed, health, age.

    ``sort`` orders by age (``oldest`` or ``newest`` first). Pass ``now`` to count ages at a
    fixed moment; it defaults to the current time.
    """

    art = django_filters.CharFilter(field_name="art__slug", help_text="Slug of the train.")
    pi = IdFilter(field_name="pi", help_text="Id of the Planning Interval.")
    needing_team = IdFilter(field_name="needing_team", help_text="Id of the team that needs it.")
    providing_team = IdFilter(
        field_name="providing_team",
        none=EXTERNAL,
        help_text=f"Id of the team that provides it, or “{EXTERNAL}” for external parties.",
    )
    external_party = django_filters.CharFilter(
        field_name="external_party", lookup_expr="iexact", help_text="Name of the external party that provides it."
    )
    team = IdFilter(method="filter_team", help_text="Id of a team on either side.")
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

    def filter_team(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(Q(needing_team_id=value) | Q(providing_team_id=value))

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.open() if value == OPEN else queryset.closed()

    def filter_health(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.of_health(value)

    def filter_age(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.aged(value, self.now)

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        queryset = queryset.with_age(self.now)
        if value == NEWEST:
            return queryset.order_by("age_days", "-created_at", "-id")
        return queryset.order_by("-age_days", "created_at", "id")
