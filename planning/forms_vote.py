"""Forms of the confidence vote and the PI readiness checklist. They check shape; the services check the rules.

Choices (teams, members) are read once by the view and handed in as lists, so that a page
with a form per checklist item does not read them once per form.
"""

from __future__ import annotations

from django import forms

from artops.models import Team, User
from planning.models import VOTE_VALUES

VOTE_MESSAGE = "Vote from 1 to 5."
CONCERN_LABEL = "If you vote 1 or 2, tell us your concern (optional)"
VERSION_ERRORS = {
    "required": "The version you edited is missing.",
    "invalid": "The version you edited is not valid.",
    "min_value": "The version you edited is not valid.",
}

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
    concern = forms.CharField(
        label=CONCERN_LABEL,
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "Keep the concern under 1000 characters."},
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


class MemberChoiceField(forms.TypedChoiceField):
    """A member of the train, or nobody; the members are read once by the view."""

    def __init__(self, *, members: list[User] = (), **kwargs):
        super().__init__(
            required=False,
            coerce=int,
            empty_value=None,
            error_messages={"invalid_choice": "Choose a member of this train."},
            **kwargs,
        )
        self.set_members(members)

    def set_members(self, members: list[User]) -> None:
        self.members = {member.pk: member for member in members}
        self.choices = [("", "— nobody —"), *((str(member.pk), member.display_name) for member in members)]


class ReadinessAddForm(forms.Form):
    """A new item of the readiness checklist, with its owner."""

    title = forms.CharField(
        max_length=200,
        error_messages={
            "required": "Say what must be ready.",
            "max_length": "Keep the item under 200 characters.",
        },
    )
    owner = MemberChoiceField(label="Owner")

    def __init__(self, *args, members: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].set_members(members)

    def clean_owner(self) -> User | None:
        owner_id = self.cleaned_data["owner"]
        return None if owner_id is None else self.fields["owner"].members[owner_id]


class ReadinessItemForm(forms.Form):
    """A change of one item: its done state, or its owner (the version it was read at)."""

    done = forms.TypedChoiceField(
        choices=[("true", "Done"), ("false", "Not done")],
        coerce=lambda value: value == "true",
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "An item is done or not done."},
    )
    owner = MemberChoiceField(label="Owner")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, error_messages=VERSION_ERRORS)

    def __init__(self, *args, members: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].set_members(members)

    def clean_owner(self) -> User | None:
        owner_id = self.cleaned_data["owner"]
        return None if owner_id is None else self.fields["owner"].members[owner_id]
