"""Forms of the core pages, and what every app's forms share.

Forms check shape; the services check the rules. Shared here: the hidden version field of an
edit (the version the editor read, checked by the service: an older one is a conflict), free
text bounded as its model field is (``text_field``), the messages of an invalid form as one
text, and a service's ``ValidationError`` shown on a form. Numbers and ids are read by
``artops.parsing`` (``BoundedIntegerField``, ``IdChoiceField``); dates a person types fall in
the range of ``artops.parsing.validate_sane_date``.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from artops import cadence
from artops.models import ART, ProgramIncrement, Role, Team, User, max_length_of, validate_time_zone
from artops.parsing import BoundedIntegerField, IdChoiceField, validate_sane_date, validate_storable_text

VERSION_MISSING = "The version you edited is missing or damaged: reload the page."
# A version is a PositiveIntegerField: it never grows past this.
VERSION_MAX = 2_147_483_647


class VersionField(BoundedIntegerField):
    """The hidden version an editor read: a whole number from 1, else the one message ``VERSION_MISSING``.

    Whatever is wrong with it (missing, empty, "abc", "²", 5,000 digits) the person can do one
    thing only, reload the page; ``templates/artops/_form_fields.html`` shows the message at the
    top of the form, and ``error_text`` puts it in a refused write's answer.
    """

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"required": VERSION_MISSING, "invalid": VERSION_MISSING})
        super().__init__(min_value=1, max_value=VERSION_MAX, **kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            raise ValidationError(VERSION_MISSING, code="invalid") from None


def version_field(*, required: bool = True) -> VersionField:
    """The hidden version the editor read. Not ``required`` where a first entry has none yet."""
    return VersionField(required=required)


def text_field(model, name: str, **kwargs) -> forms.CharField:
    """A form field for the free text ``model.name``: its max length, and only text PostgreSQL can store."""
    kwargs.setdefault("max_length", max_length_of(model, name))
    kwargs.setdefault("validators", [validate_storable_text])
    return forms.CharField(**kwargs)


def date_field(**kwargs) -> forms.DateField:
    """A date a person types, from 2000 to 2100 (``validate_sane_date``), with a date picker."""
    kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
    kwargs.setdefault("validators", [validate_sane_date])
    return forms.DateField(**kwargs)


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
    """Sign in with the email address, whatever case it is typed in (emails are stored in lower case)."""

    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True}))

    def clean_username(self) -> str:
        return login_email(self.cleaned_data["username"])


def login_email(email: str) -> str:
    """An email as it is stored: ``Riley@Payments.Example`` signs in as ``riley@payments.example``."""
    return User.objects.normalize_email((email or "").strip()).lower()


def login_username(request, credentials: dict | None) -> str:
    """The name a failed sign-in is counted under (django-axes): the stored form of the email, so that
    typing it in other cases does not escape the lockout."""
    if credentials and credentials.get("username"):
        return login_email(credentials["username"])
    return login_email(request.POST.get("username", "")) if request is not None else ""


class ARTSettingsForm(forms.Form):
    name = text_field(ART, "name")
    time_zone = forms.CharField(max_length=64, validators=[validate_time_zone], help_text="For example Europe/Berlin.")
    iteration_weeks = BoundedIntegerField(
        min_value=cadence.MIN_ITERATION_WEEKS, max_value=cadence.MAX_ITERATION_WEEKS, label="Iteration length (weeks)"
    )
    development_iterations = BoundedIntegerField(
        min_value=cadence.MIN_DEVELOPMENT_ITERATIONS,
        max_value=cadence.MAX_DEVELOPMENT_ITERATIONS,
        label="Development iterations per PI",
    )
    wip_limit = BoundedIntegerField(min_value=1, max_value=1000, label="WIP limit (features)")


class PIForm(forms.Form):
    name = text_field(ProgramIncrement, "name", help_text="For example PI 2027.1")
    start_date = date_field(label="First day")
    iteration_weeks = BoundedIntegerField(
        min_value=cadence.MIN_ITERATION_WEEKS, max_value=cadence.MAX_ITERATION_WEEKS, label="Iteration length (weeks)"
    )
    development_iterations = BoundedIntegerField(
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
    name = text_field(Team, "name")
    active = forms.BooleanField(required=False, initial=True)


class MembershipForm(forms.Form):
    email = forms.EmailField()
    display_name = text_field(User, "display_name", required=False, label="Name", help_text="Needed for a new person.")
    role = forms.ChoiceField(choices=Role.choices)
    team = IdChoiceField(queryset=Team.objects.none(), required=False, empty_label="— whole train —")

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
    display_name = text_field(User, "display_name", label="Name")
