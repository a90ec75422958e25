"""Filters of the core domain's lists, shared by the API (and any page that lists the same rows).

Trains are named by slug, everything else by id. Filters by id are plain numbers rather than
model choices: the queryset being filtered is already limited to the user's trains, so an id
from another train simply matches nothing, without a lookup that would tell it exists.
"""

import django_filters

from artops.models import Iteration, Membership, ProgramIncrement, Role, Team


class TeamFilter(django_filters.FilterSet):
    art = django_filters.CharFilter(field_name="art__slug", help_text="Slug of the train.")
    active = django_filters.BooleanFilter(help_text="Only active (true) or deactivated (false) teams.")

    class Meta:
        model = Team
        fields = ("art", "active")


class MembershipFilter(django_filters.FilterSet):
    art = django_filters.CharFilter(field_name="art__slug", help_text="Slug of the train.")
    team = django_filters.NumberFilter(field_name="team", help_text="Id of the team.")
    role = django_filters.ChoiceFilter(choices=Role.choices)
    user = django_filters.CharFilter(
        field_name="user__email", lookup_expr="iexact", help_text="Email address of the person."
    )

    class Meta:
        model = Membership
        fields = ("art", "team", "role", "user")


class ProgramIncrementFilter(django_filters.FilterSet):
    art = django_filters.CharFilter(field_name="art__slug", help_text="Slug of the train.")
    state = django_filters.ChoiceFilter(choices=ProgramIncrement.State.choices)

    class Meta:
        model = ProgramIncrement
        fields = ("art", "state")


class IterationFilter(django_filters.FilterSet):
    pi = django_filters.NumberFilter(field_name="pi", help_text="Id of the Planning Interval.")
    is_ip = django_filters.BooleanFilter(help_text="Only the IP iteration (true) or only development ones (false).")

    class Meta:
        model = Iteration
        fields = ("pi", "is_ip")
