"""Forms of the metrics pages: the period of the flow dashboard and the two forecast questions.

They check shape; ``metrics.forecast`` checks what can honestly be forecast. Ids and numbers are
read with ``artops.parsing``: "²", "-1" or five thousand digits are refused with a message, never
turned into a number nobody typed.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from artops.models import ProgramIncrement
from artops.parsing import BadNumber, BoundedIntegerField, IdChoiceField, parse_id
from metrics.forecast import MAX_FEATURES
from planning.models import Feature

# The periods the flow dashboard's trends can cover, in days; 90 unless another is chosen.
WINDOWS = (30, 90, 180, 365)
DEFAULT_WINDOW = 90

HOW_MANY_MESSAGE = f"Ask about 1 to {MAX_FEATURES} features."
NOTHING_ASKED = "Choose features of the backlog, or type how many features."


class WindowForm(forms.Form):
    """How many days of snapshots the flow dashboard's trends show."""

    days = forms.TypedChoiceField(
        choices=[(days, f"{days} days") for days in WINDOWS],
        coerce=int,
        required=False,
        empty_value=DEFAULT_WINDOW,
        label="Trends over",
    )

    @property
    def period(self) -> int:
        """The period asked for; the default one when the request names none, or one not offered."""
        if self.is_valid():
            return self.cleaned_data["days"]
        return DEFAULT_WINDOW


class FeatureChoiceField(forms.ModelMultipleChoiceField):
    """Features chosen by id among the offered ones; each id is read with ``parse_id`` first."""

    def _check_values(self, value):
        try:
            ids = {parse_id(item, name="features") for item in value}
        except BadNumber:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None
        return super()._check_values(sorted(ids))


class WhenDoneForm(forms.Form):
    """ "When will these N features be done?": features chosen from the backlog, or just how many."""

    features = FeatureChoiceField(
        queryset=Feature.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Features of the backlog",
        error_messages={
            "invalid_choice": "Choose only features of this train that are not done yet.",
            "invalid_pk_value": "Choose only features of this train that are not done yet.",
        },
    )
    # Any whole number is read, so that 0 or 1000 get the question's own message (``clean_count``).
    count = BoundedIntegerField(
        min_value=0,
        required=False,
        label="Or how many features",
        help_text=f"1 to {MAX_FEATURES}.",
    )

    def __init__(self, *args, features: list[Feature], **kwargs):
        super().__init__(*args, **kwargs)
        # The choices are read once by the view; another train's feature is "not one of the choices".
        field = self.fields["features"]
        field.queryset = Feature.objects.filter(pk__in=[feature.pk for feature in features])
        field.choices = [(feature.pk, f"{feature.key} {feature.title}") for feature in features]

    def clean_count(self) -> int | None:
        count = self.cleaned_data.get("count")
        if count is not None and not 1 <= count <= MAX_FEATURES:
            raise ValidationError(f"{HOW_MANY_MESSAGE[:-1]} (not {count}).")
        return count

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        chosen, count = cleaned.get("features"), cleaned.get("count")
        if chosen:
            cleaned["n"] = len(chosen)
        elif count:
            cleaned["n"] = count
        else:
            raise ValidationError(NOTHING_ASKED)
        if cleaned["n"] > MAX_FEATURES:
            raise ValidationError(HOW_MANY_MESSAGE)
        return cleaned


class HowManyForm(forms.Form):
    """ "How many features by the end of this PI?": a PI of the train that has not ended yet."""

    pi = IdChoiceField(
        queryset=ProgramIncrement.objects.none(),
        label="By the end of",
        empty_label=None,
        error_messages={"invalid_choice": "Choose a PI of this train that has not ended yet."},
    )

    def __init__(self, *args, pis: list[ProgramIncrement], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["pi"]
        field.queryset = ProgramIncrement.objects.filter(pk__in=[pi.pk for pi in pis])
        field.choices = [(pi.pk, pi.name) for pi in pis]
