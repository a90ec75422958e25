"""Filters of the ART backlog, shared by the backlog page, its CSV export and the API."""

import django_filters
from django.db.models import QuerySet

from planning.models import Feature

UNPLANNED = "none"


class FeatureFilter(django_filters.FilterSet):
    art = django_filters.CharFilter(field_name="art__slug", help_text="Slug of the train.")
    type = django_filters.ChoiceFilter(choices=Feature.Type.choices)
    state = django_filters.ChoiceFilter(choices=Feature.State.choices)
    pi = django_filters.CharFilter(
        method="filter_pi", help_text="Id of the Planning Interval, or “none” for features not yet planned."
    )

    class Meta:
        model = Feature
        fields = ("art", "type", "state", "pi")

    def filter_pi(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == UNPLANNED:
            return queryset.filter(pi__isnull=True)
        if value.isdigit():
            return queryset.filter(pi_id=int(value))
        # Not an id: nothing matches, rather than an error about a filter.
        return queryset.none()
