"""Forms of the ROAM board and the risk page. They check shape; the services check the rules.

Teams and owners are limited to the train's own: another train's team or a person who is not
on the train is "not one of the choices" (422), never a lookup across trains. The views read
the train's teams and members once and hand them in, so that a page renders its selects
without a query per select.
"""

from __future__ import annotations

from django import forms

from artops.forms import date_field, text_field, version_field
from artops.models import Team, User
from artops.parsing import IdChoiceField, IdField
from risks.models import Risk, RiskChange

SCALE = [(value, str(value)) for value in range(1, 6)]
# Where a ROAM move made without JavaScript returns to.
RETURN_TO = [("board", "the ROAM board"), ("risk", "the risk's page")]


def scale_choice(label: str) -> forms.TypedChoiceField:
    """Probability or impact, 1 to 5, with the model's message for anything else."""
    message = f"{label} is from 1 to 5."
    return forms.TypedChoiceField(
        label=label,
        choices=SCALE,
        coerce=int,
        initial=3,
        error_messages={"required": message, "invalid_choice": message},
    )


class MemberChoiceField(IdChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


def _limit(field: forms.ModelChoiceField, objects: list, empty_label: str, label=str, groups=None) -> None:
    """Offer exactly ``objects``: the queryset validates, the list renders (no query to render).

    ``groups`` ((group name, objects) pairs, such as the train's people by team) renders them
    as option groups; the choice is still among ``objects``.
    """
    field.queryset = field.queryset.model.objects.filter(pk__in=[obj.pk for obj in objects])
    if groups is None:
        field.choices = [("", empty_label), *((obj.pk, label(obj)) for obj in objects)]
    else:
        grouped = [(name, [(obj.pk, label(obj)) for obj in group]) for name, group in groups]
        field.choices = [("", empty_label), *grouped]


class RiskForm(forms.Form):
    """A risk's content: to raise one, or (with its version) to correct one."""

    title = text_field(Risk, "title", error_messages={"required": "Give the risk a title."})
    description = text_field(Risk, "description", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    team = IdChoiceField(
        queryset=Team.objects.none(),
        required=False,
        empty_label="Whole train",
        help_text="The team whose objectives are at risk, or the whole train.",
        error_messages={"invalid_choice": "Choose a team of this train, or the whole train."},
    )
    probability = scale_choice("Probability")
    impact = scale_choice("Impact")
    owner = MemberChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label="— nobody yet —",
        error_messages={"invalid_choice": "Choose the owner among the train's members."},
    )
    due_date = date_field(required=False, error_messages={"invalid": "Enter the due date as YYYY-MM-DD."})

    def __init__(self, *args, teams: list[Team], members: list[User], owner_groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        _limit(self.fields["team"], teams, "Whole train")
        _limit(
            self.fields["owner"], members, "— nobody yet —", label=lambda user: user.display_name, groups=owner_groups
        )


class RiskEditForm(RiskForm):
    version = version_field()


class RoamForm(forms.Form):
    """A ROAM move: the target state, what that state needs, a note, and the version read."""

    to = forms.ChoiceField(
        label="Move to",
        choices=Risk.State.choices,
        error_messages={
            "required": "Choose the state to move the risk to.",
            "invalid_choice": "“%(value)s” is not a ROAM state.",
        },
    )
    owner = MemberChoiceField(
        queryset=User.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choose the owner among the train's members."},
    )
    rationale = text_field(Risk, "rationale", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    mitigation_plan = text_field(Risk, "mitigation_plan", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    note = text_field(RiskChange, "note", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = version_field()
    return_to = forms.ChoiceField(choices=RETURN_TO, required=False)
    # The risk the form was shown for: a move posted to one risk's address with another risk's
    # form (a card re-rendered or re-targeted under a drag) is refused, never applied.
    risk = IdField(required=False)

    def __init__(self, *args, members: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        _limit(self.fields["owner"], members, "— nobody —", label=lambda user: user.display_name)

    def needs(self) -> dict:
        """The field the target state needs, as ``roam_risk`` takes it; the other fields are not sent.

        A move to Owned carries the owner, to Accepted the rationale, to Mitigated the plan; an
        empty one is passed on so that the model refuses it with its own message.
        """
        field, _message = Risk.NEEDS.get(self.cleaned_data["to"], (None, ""))
        return {field: self.cleaned_data[field]} if field else {}
