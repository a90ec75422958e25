"""Forms of the impediments page: raise, escalate, resolve or drop; and the list's filters."""

from __future__ import annotations

from django import forms

from artops.models import Team, User
from sync.forms.common import ChoiceOf, date_field, limit, person, text_field, version_field
from sync.models import Impediment

LEVEL_MESSAGE = "An impediment is escalated to the train or beyond the train."


class ImpedimentForm(forms.Form):
    """A new impediment of a team: what stops it, who works on removing it, by when."""

    team = ChoiceOf(Team, invalid="Choose a team of this train.", missing="Choose the team it stops.")
    description = text_field(
        Impediment._meta.get_field("description").max_length, missing="Describe the impediment.", rows=2
    )
    owner = ChoiceOf(User, invalid="Choose the owner among the train's members.", required=False)
    due_date = date_field(required=False, label="Due date")

    def __init__(self, *args, teams: list[Team], members: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        limit(self.fields["team"], teams, "— choose the team —", label=lambda team: team.name)
        limit(self.fields["owner"], members, "— whoever raises it —", label=person)
        self.fields["owner"].help_text = "Who works on removing it; you, unless you name someone."


class EscalateForm(forms.Form):
    to = forms.ChoiceField(
        label="Escalate to",
        choices=[(level.value, level.label) for level in (Impediment.Level.TRAIN, Impediment.Level.BEYOND)],
        error_messages={"required": LEVEL_MESSAGE, "invalid_choice": LEVEL_MESSAGE},
    )
    note = text_field(300, required=False)
    version = version_field()


class CloseImpedimentForm(forms.Form):
    """Resolve an impediment (how), or drop it (why)."""

    outcome = forms.ChoiceField(
        choices=[(Impediment.State.RESOLVED.value, "Resolved"), (Impediment.State.DROPPED.value, "Dropped")],
        error_messages={"invalid_choice": "An impediment is resolved or dropped."},
    )
    text = text_field(1000, missing="Say how it was resolved, or why it is dropped.", rows=2)
    version = version_field()
