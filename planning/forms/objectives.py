"""Forms of the PI objectives pages. They check shape; the services check the rules.

Business value ranges repeat the model's (planned 1–10, actual 0–10) so that a value out of
range gets the same clear message before the service is even asked.
"""

from __future__ import annotations

from django import forms

from artops.forms import version_field
from planning.forms.fields import IdMultipleChoiceField, WholeNumberField, text_field
from planning.models import ACTUAL_BV_RANGE, PLANNED_BV_RANGE, Feature, PIObjective

PLANNED_MESSAGE = "Planned business value is from 1 to 10."
ACTUAL_MESSAGE = "Actual business value is from 0 to 10."


def business_value_field(label: str, bounds: tuple[int, int], message: str) -> WholeNumberField:
    """A business value: a whole number within ``bounds``, or empty (not given yet)."""
    return WholeNumberField(
        label=label,
        required=False,
        min_value=bounds[0],
        max_value=bounds[1],
        error_messages={"min_value": message, "max_value": message, "invalid": message},
    )


class ObjectiveForm(forms.Form):
    """A new PI objective: its statement, whether the team commits to it, the features it delivers."""

    statement = text_field(
        PIObjective._meta.get_field("statement"),
        widget=forms.Textarea(attrs={"rows": 2}),
        messages={
            "required": "Write what the team intends to achieve.",
            "max_length": "Keep the statement under 1000 characters.",
        },
    )
    # Unticked: an uncommitted (stretch) objective, planned but not counted in the commitment.
    committed = forms.BooleanField(required=False, initial=True, label="Committed (untick for a stretch objective)")
    features = IdMultipleChoiceField(
        queryset=Feature.objects.none(),
        required=False,
        label="Linked features",
        error_messages={
            "invalid_choice": "Link only features of this train planned for this PI.",
            "invalid_pk_value": "Link only features of this train planned for this PI.",
        },
    )

    def __init__(self, *args, features: list[Feature], **kwargs):
        super().__init__(*args, **kwargs)
        # The choices are read once by the view; another train's feature is "not one of the choices".
        field = self.fields["features"]
        field.queryset = Feature.objects.filter(pk__in=[feature.pk for feature in features])
        field.choices = [(feature.pk, f"{feature.key} {feature.title}") for feature in features]
        field.widget.attrs["size"] = min(max(len(features), 2), 8)


class ObjectiveEditForm(ObjectiveForm):
    version = version_field()


class BusinessValueForm(forms.Form):
    """The planned and actual business value a Business Owner gives one objective; empty clears it."""

    planned_business_value = business_value_field(
        f"Planned business value ({PLANNED_BV_RANGE[0]}–{PLANNED_BV_RANGE[1]})", PLANNED_BV_RANGE, PLANNED_MESSAGE
    )
    actual_business_value = business_value_field(
        f"Actual business value ({ACTUAL_BV_RANGE[0]}–{ACTUAL_BV_RANGE[1]})", ACTUAL_BV_RANGE, ACTUAL_MESSAGE
    )
    version = version_field()


class VersionForm(forms.Form):
    """The version of the objective a person is about to delete."""

    version = version_field()
