"""Filters of risk lists, shared by the ROAM board and the API.

As in ``planning.filters``, a value that names nothing (an unknown id or band) matches nothing
rather than raising an error about a filter: the queryset is already limited to the user's
trains, so another train's ids simply find no rows.
"""

from __future__ import annotations

from datetime import date, timedelta

import django_filters
from django.db.models import DateField, DurationField, ExpressionWrapper, F, Func, Q, QuerySet
from django.db.models.functions import Cast, Now

from risks.models import QUIET_DAYS, Risk

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
