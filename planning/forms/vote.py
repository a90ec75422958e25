"""Forms of the confidence vote. They check shape; the services check the rules.

The teams a round may be opened for are read once by the view and handed in as a list.
"""

from __future__ import annotations

from django import forms

from artops.models import Team
from planning.forms.fields import text_field
from planning.models import VOTE_VALUES, Vote

VOTE_MESSAGE = "Vote from 1 to 5."
CONCERN_LABEL = "If you vote 1 or 2, tell us your concern (optional)"

# What each finger of the fist of five says.
VOTE_MEANINGS = {
    1: "No confidence",
    2: "Low",
    3: "Fair",
    4: "High",
    5: "Very high",
}


class VoteForm(forms.Form):
    """One person's fist of five in a round, with the concern invited from those who vote 1 or 2."""

    value = forms.TypedChoiceField(
        choices=[(str(value), str(value)) for value in VOTE_VALUES],
        coerce=int,
        error_messages={"required": VOTE_MESSAGE, "invalid_choice": VOTE_MESSAGE},
    )
    concern = text_field(
        Vote._meta.get_field("concern"),
        label=CONCERN_LABEL,
        widget=forms.Textarea(attrs={"rows": 2}),
        messages={"max_length": "Keep the concern under 1000 characters."},
    )


class OpenRoundForm(forms.Form):
    """The RTE opens a round of the vote for one team, or for the whole train (no team)."""

    team = forms.TypedChoiceField(
        label="Who votes",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Choose a team of this train, or the whole train."},
    )

    def __init__(self, *args, teams: list[Team], **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = {team.pk: team for team in teams}
        self.fields["team"].choices = [("", "The whole train"), *((str(t.pk), t.name) for t in teams)]

    def clean_team(self) -> Team | None:
        team_id = self.cleaned_data["team"]
        return None if team_id is None else self.teams[team_id]
