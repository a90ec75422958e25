"""The forms of the coaching pages: they read and check the input, the services decide.

Every id is read by ``artops.parsing`` (``IdChoiceField``, ``BoundedIntegerField``); free text
takes its model's bound; dates run from 2000 to 2100.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms

from artops.coaching.models import Competency, CoPSession, EventObserved, GrowthGoal, Observation, Playbook
from artops.forms import date_field, text_field, version_field
from artops.parsing import BoundedIntegerField, IdChoiceField


def day(**kwargs) -> forms.DateField:
    """A date with a date picker, shown as the picker reads it (ISO), whatever the locale."""
    return date_field(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


def _people_label(user) -> str:
    return user.display_name or user.email


class PersonChoiceField(IdChoiceField):
    def label_from_instance(self, obj) -> str:
        return _people_label(obj)


class PeopleField(forms.ModelMultipleChoiceField):
    """Several people by id; an id that is not a number is refused like an unknown one."""

    def label_from_instance(self, obj) -> str:
        return _people_label(obj)

    def _check_values(self, value):
        for pk in value:
            if not str(pk).isascii() or not str(pk).isdigit() or len(str(pk)) > 18:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": str(pk)[:40]}
                )
        return super()._check_values(value)


class ObservationForm(forms.Form):
    coachee = PersonChoiceField(queryset=None, label="Person coached", empty_label="Choose…")
    team = IdChoiceField(queryset=None, label="Team", empty_label="Choose…")
    event = forms.ChoiceField(choices=[("", "Choose…"), *EventObserved.choices], label="Event observed")
    observed_on = day(label="On")
    went_well = text_field(Observation, "went_well", label="What went well", widget=forms.Textarea(attrs={"rows": 3}))
    suggestion = text_field(
        Observation,
        "suggestion",
        label="One specific suggestion",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One thing to try next time, concrete enough to do.",
    )

    def __init__(self, *args, coachees, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coachee"].queryset = coachees
        self.fields["team"].queryset = teams


class GoalForm(forms.Form):
    coachee = PersonChoiceField(queryset=None, label="Person coached", empty_label="Choose…")
    pi = IdChoiceField(queryset=None, label="PI", empty_label=None)
    goal = text_field(GrowthGoal, "goal", widget=forms.Textarea(attrs={"rows": 2}))
    competency = forms.ChoiceField(choices=[("", "Choose…"), *Competency.choices], label="Competency area")
    measure_of_done = text_field(
        GrowthGoal, "measure_of_done", label="Measure of done", widget=forms.Textarea(attrs={"rows": 2})
    )
    next_check_in = day(label="Next check-in", required=False)

    def __init__(self, *args, coachees, pis, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coachee"].queryset = coachees
        self.fields["pi"].queryset = pis


class CheckInForm(forms.Form):
    version = version_field()
    note = forms.CharField(
        required=False,
        max_length=4000,
        label="Progress note",
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=text_field(GrowthGoal, "goal").validators,
    )
    next_check_in = day(label="Next check-in", required=False)
    done = forms.TypedChoiceField(
        choices=[("", "Leave as it is"), ("true", "Done"), ("false", "Not done")],
        coerce=lambda value: value == "true",
        empty_value=None,
        required=False,
        label="Goal",
    )


class CarryOverForm(forms.Form):
    from_pi = IdChoiceField(queryset=None, label="Unfinished goals of", empty_label=None)
    to_pi = IdChoiceField(queryset=None, label="Carry into", empty_label=None)

    def __init__(self, *args, pis, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_pi"].queryset = pis
        self.fields["to_pi"].queryset = pis


class CoPForm(forms.Form):
    version = version_field(required=False)
    topic = text_field(CoPSession, "topic")
    day = day(label="Day")
    start = forms.TimeField(label="From", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label="To", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    location = text_field(CoPSession, "location", required=False)
    notes = text_field(
        CoPSession, "notes", required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text="Markdown."
    )
    attendees = PeopleField(queryset=None, required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, members, tz: ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.tz = tz
        self.fields["attendees"].queryset = members

    def clean(self):
        data = super().clean()
        if data.get("day") and data.get("start") and data.get("end"):
            data["starts_at"] = datetime.combine(data["day"], data["start"], tzinfo=self.tz)
            data["ends_at"] = datetime.combine(data["day"], data["end"], tzinfo=self.tz)
            if data["ends_at"] <= data["starts_at"]:
                self.add_error("end", "The session ends after it starts.")
        return data

    def changes(self) -> dict:
        data = self.cleaned_data
        return {
            "topic": data["topic"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "location": data["location"],
            "notes": data["notes"],
            "attendees": list(data["attendees"]),
        }

    @staticmethod
    def initial_of(session: CoPSession) -> dict:
        tz = session.art.tz
        return {
            "version": session.version,
            "topic": session.topic,
            "day": session.starts_at.astimezone(tz).date(),
            "start": session.starts_at.astimezone(tz).time(),
            "end": session.ends_at.astimezone(tz).time(),
            "location": session.location,
            "notes": session.notes,
            "attendees": [person.pk for person in session.attendees.all()],
        }


class PlaybookForm(forms.Form):
    version = version_field(required=False)
    title = text_field(Playbook, "title")
    body = text_field(
        Playbook,
        "body",
        label="Text (Markdown)",
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "true"}),
        help_text="Checklist lines read “- [ ] …” under the “Preparation checklist” heading.",
    )
    note = forms.CharField(
        max_length=200, required=False, label="What changed", validators=text_field(Playbook, "title").validators
    )


class EditorsForm(forms.Form):
    editors = PeopleField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label="Who else edits this playbook"
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["editors"].queryset = members


class CompareForm(forms.Form):
    """``?from=`` and ``?to=``: two version numbers of the playbook."""

    old = BoundedIntegerField(min_value=1, max_value=2_147_483_647, label="from")
    new = BoundedIntegerField(min_value=1, max_value=2_147_483_647, label="to")
