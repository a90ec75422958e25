"""Filters of PI Planning lists, shared by the pages, their CSV exports and the API.

Trains are named by slug, everything else by id, as in ``artops.filters``: the queryset
being filtered is already limited to the user's trains, so an id of another train simply
matches nothing. A few filters also take ``none`` (not yet planned, no feature) or ``me``.
Ids are read by ``artops.parsing`` (``IdFilter``): a value that is not an id makes the
FilterSet invalid, which the API answers with 400 and the pages with "nothing matches".
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.drainage import set_override

from artops.parsing import BIGINT_MAX, BadNumber, IdField, IdFilter, id_or_nothing, parse_id, shown
from planning.models import (
    Feature,
    FeaturePlacement,
    Milestone,
    PIObjective,
    ReadinessItem,
    Story,
    TeamCapacity,
    VoteRound,
)
from planning.program_board import BoardFilters

UNPLANNED = "none"
MYSELF = "me"
# The feature states a backlog filter takes besides the states themselves.
LIVE = "live"
ALL_STATES = "all"


def id_or_none(queryset: QuerySet, field: str, value: str) -> QuerySet:
    """Rows whose ``field`` is the id ``value``, or empty when ``value`` is “none”; nothing for a non-id.

    Read by ``artops.parsing``. Kept for ``risks.filters``, which still filters this way; the
    FilterSets here use ``IdFilter``.
    """
    if value == UNPLANNED:
        return queryset.filter(**{f"{field}__isnull": True})
    found = id_or_nothing(value)
    return queryset.none() if found is None else queryset.filter(**{f"{field}_id": found})


class Myself(str):
    """The word “me” of an owner filter: the person asking."""


class OwnerField(IdField):
    """An owner's id, “none” (nobody) or “me” (the person asking)."""

    def to_python(self, value):
        if value == MYSELF:
            return Myself(MYSELF)
        return super().to_python(value)


class OwnerFilter(IdFilter):
    """Rows of the owner given by id, of nobody (“none”) or of the person asking (“me”)."""

    field_class = OwnerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, none=UNPLANNED, **kwargs)
        id_schema = {"type": "integer", "format": "int64", "minimum": 1, "maximum": BIGINT_MAX}
        words = {"type": "string", "enum": [UNPLANNED, MYSELF]}
        set_override(self, "field", {"anyOf": [id_schema, words], "description": str(self.extra.get("help_text", ""))})

    def filter(self, qs, value):
        if isinstance(value, Myself):
            user = getattr(self.parent.request, "user", None)
            return qs.filter(**{self.field_name: user}) if user is not None and user.is_authenticated else qs.none()
        return super().filter(qs, value)


class FeatureFilter(django_filters.FilterSet):
    """Features by train, type, state and PI.

    The state is one of the feature states, ``live`` (neither done nor cancelled) or ``all``.
    The backlog page and its CSV export ask for live features when no state is given.
    """

    art = django_filters.CharFilter(field_name="art__slug", help_text="Slug of the train.")
    type = django_filters.ChoiceFilter(choices=Feature.Type.choices)
    state = django_filters.ChoiceFilter(
        choices=[(LIVE, "Live (neither done nor cancelled)"), *Feature.State.choices, (ALL_STATES, "All")],
        method="filter_state",
        help_text=f"A state, “{LIVE}” for features neither done nor cancelled, or “{ALL_STATES}”.",
    )
    pi = IdFilter(
        field_name="pi",
        none=UNPLANNED,
        help_text="Id of the Planning Interval, or “none” for features not yet planned.",
    )

    class Meta:
        model = Feature
        fields = ("art", "type", "state", "pi")

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == LIVE:
            return queryset.exclude(state__in=Feature.FINAL)
        if value == ALL_STATES:
            return queryset
        return queryset.filter(state=value)


class TeamPlanFilter(django_filters.FilterSet):
    """What every list of a team's plan is filtered by: the train and the team."""

    art = django_filters.CharFilter(field_name="team__art__slug", help_text="Slug of the train.")
    team = IdFilter(field_name="team", help_text="Id of the team.")


class CapacityFilter(TeamPlanFilter):
    pi = IdFilter(field_name="iteration__pi", help_text="Id of the Planning Interval.")
    iteration = IdFilter(field_name="iteration", help_text="Id of the iteration.")

    class Meta:
        model = TeamCapacity
        fields = ("art", "pi", "team", "iteration")


class StoryFilter(TeamPlanFilter):
    pi = IdFilter(field_name="pi", help_text="Id of the Planning Interval.")
    iteration = IdFilter(
        field_name="iteration",
        none=UNPLANNED,
        help_text="Id of the iteration, or “none” for stories not yet planned.",
    )
    feature = IdFilter(
        field_name="feature", none=UNPLANNED, help_text="Id of the feature, or “none” for stories of no feature."
    )
    state = django_filters.ChoiceFilter(choices=Story.State.choices)
    owner = OwnerFilter(
        field_name="owner",
        help_text="Id of the owner, “me” for your own stories, or “none” for stories nobody owns.",
    )

    class Meta:
        model = Story
        fields = ("art", "pi", "team", "iteration", "feature", "state", "owner")


class PlacementFilter(TeamPlanFilter):
    pi = IdFilter(field_name="iteration__pi", help_text="Id of the Planning Interval.")
    iteration = IdFilter(field_name="iteration", help_text="Id of the iteration.")
    feature = IdFilter(field_name="feature", help_text="Id of the feature.")

    class Meta:
        model = FeaturePlacement
        fields = ("art", "pi", "team", "iteration", "feature")


class ObjectiveFilter(TeamPlanFilter):
    pi = IdFilter(field_name="pi", help_text="Id of the Planning Interval.")
    committed = django_filters.BooleanFilter(help_text="Only committed (true) or uncommitted, stretch (false) ones.")

    class Meta:
        model = PIObjective
        fields = ("art", "pi", "team", "committed")


class MilestoneFilter(django_filters.FilterSet):
    art = django_filters.CharFilter(field_name="pi__art__slug", help_text="Slug of the train.")
    pi = IdFilter(field_name="pi", help_text="Id of the Planning Interval.")

    class Meta:
        model = Milestone
        fields = ("art", "pi")


class VoteRoundFilter(django_filters.FilterSet):
    art = django_filters.CharFilter(field_name="pi__art__slug", help_text="Slug of the train.")
    pi = IdFilter(field_name="pi", help_text="Id of the Planning Interval.")
    team = IdFilter(
        field_name="team", none=UNPLANNED, help_text="Id of the team, or “none” for the rounds of the whole train."
    )
    open = django_filters.BooleanFilter(
        field_name="closed_at", lookup_expr="isnull", help_text="Only open (true) or closed (false) rounds."
    )

    class Meta:
        model = VoteRound
        fields = ("art", "pi", "team", "open")


class ReadinessFilter(django_filters.FilterSet):
    art = django_filters.CharFilter(field_name="pi__art__slug", help_text="Slug of the train.")
    pi = IdFilter(field_name="pi", help_text="Id of the Planning Interval.")
    done = django_filters.BooleanFilter(help_text="Only done (true) or open (false) items.")

    class Meta:
        model = ReadinessItem
        fields = ("art", "pi", "done")


# --- the program board ------------------------------------------------------------------------

# What the "only red lines" box reads as ticked (anything else leaves it unticked).
TRUE_VALUES = frozenset({"1", "on", "true", "yes"})


class TeamIdsField(forms.Field):
    """Team ids, the parameter repeated: blanks are skipped, each value that is no id is named."""

    widget = forms.SelectMultiple

    def to_python(self, value) -> list[int]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        ids, errors = set(), []
        for item in values:
            if item in ("", None):
                continue
            try:
                ids.add(parse_id(item, name="teams"))
            except BadNumber:
                errors.append(f"“{shown(item)}” is not a team.")
        if errors:
            raise ValidationError(errors)
        return sorted(ids)


class TickedField(forms.Field):
    """A box that is ticked by 1, on, true or yes (in any case) and unticked by anything else."""

    widget = forms.TextInput

    def to_python(self, value) -> bool:
        return str(value or "").lower() in TRUE_VALUES


class TeamIdsFilter(django_filters.Filter):
    field_class = TeamIdsField


class TickedFilter(django_filters.Filter):
    field_class = TickedField


class ProgramBoardFilter(django_filters.FilterSet):
    """The program board's filters, read alike by the page and by ``/api/boards/{pi_id}/``.

    The board narrows itself (``planning.program_board_layout``): a chosen team keeps the rows
    at the other end of its lines as context, which no filter of one queryset can say. This
    FilterSet reads and checks the query string and gives the board its ``board_filters``;
    its ``qs`` (the cards of the chosen teams and type) is what the filters mean for cards.
    Team ids that are not teams of the train simply match no row.
    """

    teams = TeamIdsFilter(field_name="team", lookup_expr="in", help_text="Ids of the teams to show.")
    type = django_filters.ChoiceFilter(
        field_name="feature__type",
        choices=Feature.Type.choices,
        error_messages={"invalid_choice": "Choose business features or enablers as the feature type."},
    )
    only_red = TickedFilter(method="every_card", help_text="Only the lines planned too late or not at all.")
    # The board's "lines" switch: every line, only red ones (as ``only_red``), or a card's lines on focus.
    lines = django_filters.ChoiceFilter(
        method="every_card",
        choices=(("all", "All lines"), ("red", "Only red lines"), ("focus", "Lines of the card in focus")),
        error_messages={"invalid_choice": "Show all lines, only red lines, or the lines of the card in focus."},
        help_text="all, red (as only_red) or focus (the page shows a card's lines when it is hovered or focused).",
    )

    class Meta:
        model = FeaturePlacement
        fields = ("teams", "type", "only_red", "lines")

    def every_card(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        # A line's colour says nothing of which cards there are.
        return queryset

    @property
    def board_filters(self) -> BoardFilters:
        """What the board is narrowed to; a filter in error narrows nothing (``error_text`` says why)."""
        self.is_valid()
        data = self.form.cleaned_data
        lines = data.get("lines") or ""
        return BoardFilters(
            team_ids=data.get("teams"),
            feature_type=data.get("type"),
            only_red=data.get("only_red", False) or lines == "red",
            focus_lines=lines == "focus",
        )

    @property
    def error_text(self) -> str:
        """Every message of the filters in error, in the order of the filters ("" if none)."""
        self.is_valid()
        return " ".join(message for name in self.form.fields for message in self.form.errors.get(name, []))
