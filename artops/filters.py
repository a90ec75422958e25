"""Filters of the core domain's lists, shared by the API (and any page that lists the same rows).

Trains are named by slug, everything else by id. Filters by id are ``IdFilter``s rather than
model choices: the queryset being filtered is already limited to the user's trains, so an id
from another train simply matches nothing, without a lookup that would tell it exists; a value
that is not an id at all ("²", 5,000 digits) makes the filter invalid (the API answers 400).
"""

import django_filters

from artops.models import Iteration, Membership, ProgramIncrement, Role, Team
from artops.parsing import IdFilter


class ListFilterSet(django_filters.FilterSet):
    """A FilterSet whose rows are none at all while a filter's value is invalid.

    The API refuses such a value with a 400 before it reads any row (``DjangoFilterBackend``);
    a page or any other caller of ``qs`` gets "nothing matches" rather than the filter silently
    dropped (django-filter's own ``qs`` leaves an invalid filter out, showing every row).
    """

    @property
    def qs(self):
        if self.is_bound and not self.is_valid():
            return self.queryset.none()
        return super().qs


class TeamFilter(ListFilterSet):
    art = django_filters.CharFilter(field_name="art__slug", help_text="Slug of the train.")
    active = django_filters.BooleanFilter(help_text="Only active (true) or deactivated (false) teams.")

    class Meta:
        model = Team
        fields = ("art", "active")


class MembershipFilter(ListFilterSet):
    art = django_filters.CharFilter(field_name="art__slug", help_text="Slug of the train.")
    team = IdFilter(field_name="team", help_text="Id of the team.")
    role = django_filters.ChoiceFilter(choices=Role.choices)
    user = django_filters.CharFilter(
        field_name="user__email", lookup_expr="iexact", help_text="Email address of the person."
    )

    class Meta:
        model = Membership
        fields = ("art", "team", "role", "user")


class ProgramIncrementFilter(ListFilterSet):
    art = django_filters.CharFilter(field_name="art__slug", help_text="Slug of the train.")
    state = django_filters.ChoiceFilter(choices=ProgramIncrement.State.choices)

    class Meta:
        model = ProgramIncrement
        fields = ("art", "state")


class IterationFilter(ListFilterSet):
    pi = IdFilter(field_name="pi", help_text="Id of the Planning Interval.")
    is_ip = django_filters.BooleanFilter(help_text="Only the IP iteration (true) or only development ones (false).")

    class Meta:
        model = Iteration
        fields = ("pi", "is_ip")
