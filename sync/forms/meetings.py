"""Forms of a sync's page: open a sync, its timer, the top 5, decisions, action items, team status."""

from __future__ import annotations

from django import forms

from artops.models import Team, User
from artops.parsing import BadNumber, BoundedIntegerField, parse_id
from sync import agenda
from sync.forms.common import ChoiceOf, date_field, limit, person, text_field, version_field
from sync.models import ActionItem, AgendaItem, Decision, SyncMeeting, TeamStatus

KIND_MESSAGE = "A sync is an ART Sync, a Coach Sync or a PO Sync."


class OpenMeetingForm(forms.Form):
    """Plan a sync of the train: its kind, day and start time (in the train's time zone)."""

    kind = forms.ChoiceField(
        choices=SyncMeeting.Kind.choices,
        error_messages={"required": KIND_MESSAGE, "invalid_choice": KIND_MESSAGE},
    )
    date = date_field(missing="Choose the day of the sync.")
    start_time = forms.TimeField(
        widget=forms.TimeInput(attrs={"type": "time"}),
        error_messages={"required": "Choose the start time.", "invalid": "Enter the time as HH:MM."},
    )


class TimerForm(forms.Form):
    """One move of the facilitator's timer, with the meeting's version the facilitator saw."""

    ACTIONS = (
        ("start", "Start"),
        ("pause", "Pause"),
        ("resume", "Resume"),
        ("advance", "Next section"),
    )

    action = forms.ChoiceField(
        choices=ACTIONS,
        error_messages={"invalid_choice": "The timer starts, pauses, resumes or moves to the next section."},
    )
    to = forms.CharField(max_length=32, required=False)
    version = version_field()


class VersionForm(forms.Form):
    """The version of the object a person is about to change (close a sync, for instance)."""

    version = version_field()


class MoveForm(forms.Form):
    position = BoundedIntegerField(
        min_value=1, max_value=AgendaItem.TOP, label="Position", error_messages={"required": "Choose a position."}
    )
    version = version_field()


class PinForm(forms.Form):
    pinned = forms.TypedChoiceField(
        choices=(("true", "Pin"), ("false", "Unpin")), coerce=lambda value: value == "true", initial="true"
    )
    version = version_field()


class SwapForm(forms.Form):
    """The candidate to bring onto the top 5, written ``impediment-<id>`` or ``dependency-<id>``."""

    candidate = forms.CharField(max_length=40, error_messages={"required": "Choose what to bring onto the top 5."})
    version = version_field()

    def clean_candidate(self) -> tuple[str, int]:
        kind, _, number = self.cleaned_data["candidate"].partition("-")
        if kind not in ("impediment", "dependency"):
            raise forms.ValidationError("Choose an impediment or a dependency to bring onto the top 5.")
        try:
            return kind, parse_id(number, name="candidate")
        except BadNumber as error:
            raise forms.ValidationError(error.reason) from None


class DecisionForm(forms.Form):
    """A decision, in a section of the agenda (the current one by default), perhaps on a top-5 item."""

    text = text_field(Decision._meta.get_field("text").max_length, missing="Write the decision.", rows=2)
    section = forms.ChoiceField(required=False)
    agenda_item = ChoiceOf(AgendaItem, invalid="That item is not on this sync's top 5.", required=False)

    def __init__(self, *args, meeting: SyncMeeting, items: list[AgendaItem], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [("", "the current one")] + [
            (section.key, section.title) for section in agenda.sections(meeting.kind)
        ]
        self.fields["section"].error_messages["invalid_choice"] = (
            f"The {meeting.get_kind_display()} has no section “%(value)s”."
        )
        limit(self.fields["agenda_item"], items, "— none —", label=lambda item: f"{item.position}. {item.subject}")


class ActionItemForm(forms.Form):
    """An action item: what, who (a member of the train) and by when; owner and due date are required."""

    text = text_field(ActionItem._meta.get_field("text").max_length, missing="Say what is to be done.")
    owner = ChoiceOf(
        User,
        invalid="Choose the owner among the train's members.",
        missing="Every action item has an owner: choose who will do it.",
    )
    due_date = date_field(missing="Every action item has a due date.", label="Due date")
    agenda_item = ChoiceOf(AgendaItem, invalid="That item is not on this sync's top 5.", required=False)

    def __init__(self, *args, members: list[User], items: list[AgendaItem], **kwargs):
        super().__init__(*args, **kwargs)
        limit(self.fields["owner"], members, "— choose the owner —", label=person)
        limit(self.fields["agenda_item"], items, "— none —", label=lambda item: f"{item.position}. {item.subject}")


class DropActionForm(forms.Form):
    reason = text_field(300, missing="Say why the action is dropped.")
    version = version_field()


class TeamStatusForm(forms.Form):
    """A team's status for a sync: on track, at risk or off track, and a short note."""

    team = ChoiceOf(Team, invalid="Choose a team you post the status of.", missing="Choose the team.")
    status = forms.ChoiceField(
        choices=TeamStatus.Status.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Say whether the team is on track, at risk or off track.",
            "invalid_choice": "A team is on track, at risk or off track.",
        },
    )
    note = text_field(TeamStatus.NOTE_LENGTH, required=False, rows=2)
    version = version_field(required=False)

    def __init__(self, *args, teams: list[Team], **kwargs):
        super().__init__(*args, **kwargs)
        limit(self.fields["team"], teams, None, label=lambda team: team.name)
