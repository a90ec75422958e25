"""Forms of the PI readiness checklist. They check shape; the services check the rules.

The train's members (who may own an item) are read once by the view and handed in as a list,
so that a page with a form per checklist item does not read them once per form.
"""

from __future__ import annotations

from django import forms

from artops.forms import version_field
from artops.models import User
from artops.parsing import IdChoiceField
from planning.forms.fields import text_field
from planning.models import ReadinessItem


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

    title = text_field(
        ReadinessItem._meta.get_field("title"),
        messages={"required": "Say what must be ready.", "max_length": "Keep the item under 200 characters."},
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
    version = version_field()

    def __init__(self, *args, members: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].set_members(members)

    def clean_owner(self) -> User | None:
        owner_id = self.cleaned_data["owner"]
        return None if owner_id is None else self.fields["owner"].members[owner_id]


class PlaybookChecklistForm(forms.Form):
    """The playbook whose checklist seeds the PI's readiness items (the train's playbooks, read once)."""

    playbook = IdChoiceField(
        queryset=None,
        label="Playbook",
        empty_label=None,
        error_messages={"invalid_choice": "Choose one of this train's playbooks."},
    )

    def __init__(self, *args, playbooks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["playbook"].queryset = playbooks
