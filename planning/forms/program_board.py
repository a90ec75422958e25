"""Forms of the program board: a card's move, a milestone, a milestone's deletion. They check shape.

The choices are the board's own PI and train: an iteration of another PI or a team of another
train is "not one of the choices" (422). The IP iteration is a choice, so that the service
refuses it with its own message.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from artops.models import ART, Iteration, ProgramIncrement, Team
from artops.parsing import IdChoiceField
from planning.forms.fields import hidden_version, text_field
from planning.models import Milestone

VERSION_MISSING = "The version of the card you moved is missing: reload the board."
MILESTONE_VERSION_MISSING = "The version of the milestone is missing: reload the board."


class MoveForm(forms.Form):
    """A card's move: the iteration and (optionally) the team, with the version the mover saw."""

    version = hidden_version(VERSION_MISSING)
    iteration = IdChoiceField(queryset=Iteration.objects.none(), required=False)
    team = IdChoiceField(queryset=Team.objects.none(), required=False)

    def __init__(self, *args, pi: ProgramIncrement, art: ART, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["iteration"].queryset = Iteration.objects.filter(pi=pi)
        self.fields["iteration"].error_messages["invalid_choice"] = f"Choose an iteration of {pi.name}."
        self.fields["team"].queryset = Team.objects.for_art(art)
        self.fields["team"].error_messages["invalid_choice"] = "Choose a team of this train."

    def clean_team(self):
        team = self.cleaned_data["team"]
        if team is not None and not team.active:
            raise ValidationError(f"{team.name} is inactive: it takes no new work.")
        return team


class MilestoneForm(forms.Form):
    """A milestone or event of the board's top row; its bounds are the model's."""

    name = text_field(Milestone._meta.get_field("name"), messages={"required": "Give the milestone a name."})
    date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Give the milestone its date.", "invalid": "Enter a date like 2026-11-20."},
    )
    description = text_field(Milestone._meta.get_field("description"), required=False)


class MilestoneDeleteForm(forms.Form):
    version = hidden_version(MILESTONE_VERSION_MISSING)
