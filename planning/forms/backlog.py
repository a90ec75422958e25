"""Forms of the ART backlog: a feature's content and WSJF inputs, and one WSJF cell. They check shape."""

from __future__ import annotations

from django import forms

from artops.forms import version_field
from artops.models import ProgramIncrement
from artops.parsing import IdChoiceField
from planning.forms.fields import text_field
from planning.models import FIBONACCI_CHOICES, OFF_SCALE_MESSAGE, WSJF_INPUTS, Feature

SCALE_ERRORS = {"invalid_choice": OFF_SCALE_MESSAGE, "required": OFF_SCALE_MESSAGE}


def fibonacci_choice(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, choices=FIBONACCI_CHOICES, coerce=int, error_messages=SCALE_ERRORS)


class FeatureForm(forms.Form):
    """A feature's content and WSJF inputs, to add one (no version) or to edit one (its version)."""

    title = text_field(Feature._meta.get_field("title"))
    type = forms.ChoiceField(choices=Feature.Type.choices)
    pi = IdChoiceField(
        queryset=ProgramIncrement.objects.none(), required=False, empty_label="— not yet planned —", label="PI"
    )
    user_business_value = fibonacci_choice("User-business value")
    time_criticality = fibonacci_choice("Time criticality")
    risk_reduction = fibonacci_choice("Risk reduction / opportunity enablement")
    job_size = fibonacci_choice("Job size")
    description = text_field(Feature._meta.get_field("description"), widget=forms.Textarea(attrs={"rows": 3}))
    benefit_hypothesis = text_field(
        Feature._meta.get_field("benefit_hypothesis"), widget=forms.Textarea(attrs={"rows": 3})
    )
    acceptance_criteria = text_field(
        Feature._meta.get_field("acceptance_criteria"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, pis: list[ProgramIncrement], **kwargs):
        super().__init__(*args, **kwargs)
        # The train's PIs, read once by the view: another train's PI is "not one of the choices".
        self.fields["pi"].queryset = ProgramIncrement.objects.filter(pk__in=[pi.pk for pi in pis])
        self.fields["pi"].choices = [("", "— not yet planned —"), *((pi.pk, pi.name) for pi in pis)]


class FeatureEditForm(FeatureForm):
    version = version_field()


class WSJFInputForm(forms.Form):
    """One WSJF input of one feature, from a cell of the backlog table."""

    field = forms.ChoiceField(choices=[(name, name) for name in WSJF_INPUTS])
    value = fibonacci_choice("Value")
    version = version_field()
