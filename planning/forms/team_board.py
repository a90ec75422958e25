"""Forms of the team board. They check shape; the services check the rules.

The choices are limited to the board's own PI and train: an iteration of another PI or a
feature of another train is "not one of the choices" (422), never a lookup across trains.
Whether an iteration takes stories (the IP iteration does not) is the services' rule, so the
iteration choices include the IP iteration and the refusal comes with its own message.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import Q

from artops.forms import version_field
from artops.models import Iteration, ProgramIncrement
from artops.parsing import IdChoiceField
from planning.forms.fields import WholeNumberField, text_field
from planning.models import (
    DAYS_OFF_RANGE,
    FTE_MAX_MESSAGE,
    FTE_RANGE,
    HOLIDAY_MAX_MESSAGE,
    NEGATIVE_MESSAGE,
    VACATION_MAX_MESSAGE,
    VELOCITY_MAX_MESSAGE,
    VELOCITY_MIN_MESSAGE,
    VELOCITY_RANGE,
    Feature,
    Story,
)


def points_field() -> WholeNumberField:
    return WholeNumberField(
        min_value=0,
        max_value=Story.MAX_POINTS,
        error_messages={
            "required": "Give the story its points (0 if not estimated yet).",
            "invalid": "Points are a whole number from 0 to 100.",
            "min_value": "Points cannot be negative.",
            "max_value": "Points are between 0 and 100.",
        },
    )


def story_title() -> forms.CharField:
    return text_field(
        Story._meta.get_field("title"),
        strip=True,
        messages={"required": "A story needs a title.", "max_length": "Keep the title under 200 characters."},
    )


class IterationChoiceField(IdChoiceField):
    def label_from_instance(self, obj: Iteration) -> str:
        return obj.name


def iteration_field(pi: ProgramIncrement, *, required: bool) -> IterationChoiceField:
    message = f"Choose an iteration of {pi.name}."
    return IterationChoiceField(
        queryset=Iteration.objects.filter(pi=pi),
        required=required,
        empty_label="Unplanned",
        error_messages={"required": message, "invalid_choice": message},
    )


class FeatureChoiceField(IdChoiceField):
    def label_from_instance(self, obj: Feature) -> str:
        return f"{obj.key} {obj.title}"


def story_features(pi: ProgramIncrement, *, keep: Feature | None = None):
    """Features a story of ``pi`` may be linked to: the train's features of that PI (and its current one)."""
    condition = Q(pi=pi) & ~Q(state=Feature.State.CANCELLED)
    if keep is not None:
        condition |= Q(pk=keep.pk)
    return Feature.objects.for_art(pi.art).filter(condition)


def feature_field(queryset, *, required: bool, pi: ProgramIncrement) -> FeatureChoiceField:
    message = f"Choose a feature of this train planned for {pi.name}."
    return FeatureChoiceField(
        queryset=queryset,
        required=required,
        empty_label="— no feature —",
        error_messages={"required": "Choose a feature.", "invalid_choice": message},
    )


class CapacityForm(forms.Form):
    """A team's capacity for one development iteration (DESIGN.md, "Capacity"); its bounds are the model's."""

    iteration = IdChoiceField(queryset=Iteration.objects.none())
    # The version corrected; empty when the capacity is entered for the first time.
    version = version_field(required=False)
    fte = forms.DecimalField(
        label="Full-time developers and testers",
        max_digits=4,
        decimal_places=2,
        min_value=FTE_RANGE[0],
        max_value=FTE_RANGE[1],
        error_messages={
            "required": "Enter the full-time developers and testers (0 if none).",
            "invalid": "Full-time developers and testers is a number, such as 4.5.",
            "min_value": NEGATIVE_MESSAGE,
            "max_value": FTE_MAX_MESSAGE,
            "max_decimal_places": "Use at most two decimals for part-timers, such as 0.25.",
            "max_digits": FTE_MAX_MESSAGE,
        },
    )
    vacation_days = forms.DecimalField(
        label="Vacation person-days",
        required=False,
        max_digits=5,
        decimal_places=1,
        min_value=DAYS_OFF_RANGE[0],
        max_value=DAYS_OFF_RANGE[1],
        error_messages={
            "invalid": "Vacation person-days is a number, such as 3 or 2.5.",
            "min_value": NEGATIVE_MESSAGE,
            "max_value": VACATION_MAX_MESSAGE,
            "max_decimal_places": "Count days off in halves or whole days, such as 2.5.",
            "max_digits": VACATION_MAX_MESSAGE,
        },
    )
    holiday_days = forms.DecimalField(
        label="Holiday person-days",
        required=False,
        max_digits=5,
        decimal_places=1,
        min_value=DAYS_OFF_RANGE[0],
        max_value=DAYS_OFF_RANGE[1],
        error_messages={
            "invalid": "Holiday person-days is a number, such as 5.",
            "min_value": NEGATIVE_MESSAGE,
            "max_value": HOLIDAY_MAX_MESSAGE,
            "max_decimal_places": "Count days off in halves or whole days, such as 2.5.",
            "max_digits": HOLIDAY_MAX_MESSAGE,
        },
    )
    velocity = WholeNumberField(
        label="Measured velocity",
        required=False,
        min_value=VELOCITY_RANGE[0],
        max_value=VELOCITY_RANGE[1],
        error_messages={
            "invalid": "Measured velocity is a whole number of points.",
            "min_value": VELOCITY_MIN_MESSAGE,
            "max_value": VELOCITY_MAX_MESSAGE,
        },
    )

    def __init__(self, *args, pi: ProgramIncrement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["iteration"] = iteration_field(pi, required=True)

    def clean_vacation_days(self) -> Decimal:
        return self.cleaned_data["vacation_days"] or Decimal(0)

    def clean_holiday_days(self) -> Decimal:
        return self.cleaned_data["holiday_days"] or Decimal(0)


class StoryCreateForm(forms.Form):
    """Quick add of a story in a column of the board: title, points, optional feature."""

    title = story_title()
    points = points_field()
    iteration = IdChoiceField(queryset=Iteration.objects.none(), required=False)
    feature = IdChoiceField(queryset=Feature.objects.none(), required=False)

    def __init__(self, *args, pi: ProgramIncrement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["iteration"] = iteration_field(pi, required=False)
        self.fields["feature"] = feature_field(story_features(pi), required=False, pi=pi)


class StoryEditForm(forms.Form):
    """Inline edit of a story's title, points, state and feature."""

    title = story_title()
    points = points_field()
    state = forms.ChoiceField(
        choices=Story.State.choices,
        error_messages={"required": "Choose a state.", "invalid_choice": "A story is to do, in progress or done."},
    )
    feature = IdChoiceField(queryset=Feature.objects.none(), required=False)
    version = version_field()

    def __init__(self, *args, story: Story, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["feature"] = feature_field(
            story_features(story.pi, keep=story.feature if story.feature_id else None), required=False, pi=story.pi
        )


class StoryMoveForm(forms.Form):
    """Move a story to another iteration of its PI (empty: back to unplanned)."""

    iteration = IdChoiceField(queryset=Iteration.objects.none(), required=False)
    version = version_field()

    def __init__(self, *args, pi: ProgramIncrement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["iteration"] = iteration_field(pi, required=False)


class StoryDeleteForm(forms.Form):
    version = version_field()


def placement_features(pi: ProgramIncrement, team):
    """Features the team may place or move in ``pi``: the PI's features and those it already placed there."""
    return (
        Feature.objects.for_art(pi.art)
        .filter(Q(pi=pi) | Q(placements__team=team, placements__iteration__pi=pi))
        .distinct()
    )


class PlacementForm(forms.Form):
    """Place a feature in an iteration (no version) or move this team's placement (its version)."""

    feature = IdChoiceField(queryset=Feature.objects.none())
    iteration = IdChoiceField(queryset=Iteration.objects.none())
    version = version_field(required=False)

    def __init__(self, *args, pi: ProgramIncrement, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["feature"] = feature_field(placement_features(pi, team), required=True, pi=pi)
        self.fields["iteration"] = iteration_field(pi, required=True)


class PlacementRemoveForm(forms.Form):
    feature = IdChoiceField(queryset=Feature.objects.none())
    version = version_field()

    def __init__(self, *args, pi: ProgramIncrement, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["feature"] = feature_field(placement_features(pi, team), required=True, pi=pi)
