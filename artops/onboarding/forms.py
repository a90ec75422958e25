"""Forms of onboarding: a new train, a roster upload and its confirmation, the notices preference,
and "forgot your password" (whose mail goes through ``artops.mail``)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.template.loader import render_to_string

from artops import cadence
from artops.forms import text_field
from artops.mail import send_after_commit
from artops.models import ART, User, validate_time_zone
from artops.onboarding import roster
from artops.parsing import BoundedIntegerField


class ARTCreateForm(forms.Form):
    name = text_field(ART, "name", help_text="For example Payments ART.")
    slug = forms.SlugField(
        max_length=ART._meta.get_field("slug").max_length,
        label="Key",
        help_text="Short and unique, in the train's addresses: letters, digits and hyphens (e.g. payments).",
    )
    time_zone = forms.CharField(
        max_length=64,
        validators=[validate_time_zone],
        initial="UTC",
        help_text="Where the train works, e.g. Europe/Berlin.",
    )
    iteration_weeks = BoundedIntegerField(
        min_value=cadence.MIN_ITERATION_WEEKS,
        max_value=cadence.MAX_ITERATION_WEEKS,
        initial=2,
        label="Iteration length (weeks)",
    )
    development_iterations = BoundedIntegerField(
        min_value=cadence.MIN_DEVELOPMENT_ITERATIONS,
        max_value=cadence.MAX_DEVELOPMENT_ITERATIONS,
        initial=4,
        label="Development iterations per PI",
        help_text="The Innovation & Planning iteration follows them.",
    )
    rte_email = forms.EmailField(
        label="Release Train Engineer's email",
        help_text="Someone with an account, or a new person: they receive an invitation to set a password.",
    )
    rte_name = text_field(
        User,
        "display_name",
        required=False,
        label="Release Train Engineer's name",
        help_text="Needed for a new person.",
    )


class RosterUploadForm(forms.Form):
    file = forms.FileField(label="Roster (CSV)", help_text="Columns: email, name, team, role.")


class RosterConfirmForm(forms.Form):
    """The previewed file's text, sent back to be checked again and saved."""

    csv_text = forms.CharField(widget=forms.HiddenInput, max_length=roster.MAX_BYTES, strip=False)


class NoticesForm(forms.Form):
    assignment_notices = forms.BooleanField(
        required=False, label="Email me when someone makes me the owner of a risk or a dependency"
    )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's "forgot your password", its message sent by ``artops.mail`` (a worker, with retries)."""

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ) -> None:
        subject = " ".join(render_to_string(subject_template_name, context).split())
        send_after_commit(to=to_email, subject=subject, body=render_to_string(email_template_name, context))
