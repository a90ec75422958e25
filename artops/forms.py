"""Forms of the core pages, and what every app's forms share.

Forms check shape; the services check the rules. Shared here: the hidden version field of an
edit (the version the editor read, checked by the service: an older one is a conflict), the
messages of an invalid form as one text, and a service's ``ValidationError`` shown on a form.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from artops import cadence
from artops.models import ART, Role, Team, validate_time_zone

VERSION_MISSING = "The version you edited is missing: reload the page."


def version_field(*, required: bool = True) -> forms.IntegerField:
    """The hidden version the editor read. Not ``required`` where a first entry has none yet."""
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        required=required,
        error_messages=dict.fromkeys(("required", "invalid", "min_value"), VERSION_MISSING),
    )


def error_text(form: forms.Form) -> str:
    """Every message of an invalid form, once each, in field order (the form-wide ones first)."""
    found: list[str] = []
    for field_errors in [form.non_field_errors(), *(form.errors.get(name, []) for name in form.fields)]:
        for message in field_errors:
            if message not in found:
                found.append(message)
    return " ".join(found)


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class LoginForm(AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True}))


class ARTSettingsForm(forms.Form):
    name = forms.CharField(max_length=120)
    time_zone = forms.CharField(max_length=64, validators=[validate_time_zone], help_text="For example Europe/Berlin.")
    iteration_weeks = forms.IntegerField(
        min_value=cadence.MIN_ITERATION_WEEKS, max_value=cadence.MAX_ITERATION_WEEKS, label="Iteration length (weeks)"
    )
    development_iterations = forms.IntegerField(
        min_value=cadence.MIN_DEVELOPMENT_ITERATIONS,
        max_value=cadence.MAX_DEVELOPMENT_ITERATIONS,
        label="Development iterations per PI",
    )
    wip_limit = forms.IntegerField(min_value=1, max_value=1000, label="WIP limit (features)")


class PIForm(forms.Form):
    name = forms.CharField(max_length=60, help_text="For example PI 2027.1")
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="First day")
    iteration_weeks = forms.IntegerField(
        min_value=cadence.MIN_ITERATION_WEEKS, max_value=cadence.MAX_ITERATION_WEEKS, label="Iteration length (weeks)"
    )
    development_iterations = forms.IntegerField(
        min_value=cadence.MIN_DEVELOPMENT_ITERATIONS,
        max_value=cadence.MAX_DEVELOPMENT_ITERATIONS,
        label="Development iterations",
        help_text="The IP iteration follows them.",
    )

    def preview(self) -> list[cadence.PlannedIteration]:
        """The iterations these (valid) values would generate; empty while the form is invalid."""
        if not self.is_valid():
            return []
        return cadence.plan_iterations(
            self.cleaned_data["start_date"],
            iteration_weeks=self.cleaned_data["iteration_weeks"],
            development_iterations=self.cleaned_data["development_iterations"],
        )


class TeamForm(forms.Form):
    name = forms.CharField(max_length=80)
    active = forms.BooleanField(required=False, initial=True)


class MembershipForm(forms.Form):
    email = forms.EmailField()
    display_name = forms.CharField(max_length=120, required=False, label="Name", help_text="Needed for a new person.")
    role = forms.ChoiceField(choices=Role.choices)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="— whole train —")

    def __init__(self, *args, art: ART, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this train's teams can be chosen: another train's team is "not one of the choices".
        self.fields["team"].queryset = Team.objects.for_art(art).active()

    def clean(self):
        cleaned = super().clean()
        role, team = cleaned.get("role"), cleaned.get("team")
        if role and role in Role.values:
            role = Role(role)
            if role.needs_team and team is None and "team" not in self.errors:
                self.add_error("team", f"A {role.label} belongs to a team: choose one.")
            if not role.needs_team and team is not None:
                self.add_error("team", f"A {role.label} serves the whole train: leave the team empty.")
        return cleaned


class ProfileForm(forms.Form):
    display_name = forms.CharField(max_length=120, label="Name")
