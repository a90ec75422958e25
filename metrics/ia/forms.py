"""Forms of the I&A pages. They check shape (lengths, ids among the event's own rows); the services
check the rules (the allowance, a target PI that has not ended, who may do what).

Every choice of a row (a problem, a cause, a team, a person, a PI, an item) is read with
``artops.parsing.IdChoiceField`` among the rows of this event or train only: a hostile or foreign
id is "not one of the choices", never a 500.
"""

from __future__ import annotations

from django import forms

from artops.models import ProgramIncrement, Team, User
from artops.parsing import BoundedIntegerField, IdChoiceField
from metrics.ia.models import MAX_VOTES, Bone, Cause, ImprovementItem, InspectAdapt, Problem, Step
from planning.models import Feature

CHOICE = {"invalid_choice": "Choose one of the options offered.", "required": "Choose one of the options offered."}


def text_field(label: str, max_length: int, *, required: bool = True, rows: int = 0, message: str = "", **kwargs):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput
    errors = {"max_length": f"Keep the {label.lower()} under {max_length} characters."}
    if message:
        errors["required"] = message
    return forms.CharField(
        label=label, max_length=max_length, required=required, widget=widget, error_messages=errors, **kwargs
    )


def _label(user: User) -> str:
    return user.display_name or user.email


class IAForm(forms.Form):
    """A form of the event page: its fields' ids carry the form's name, as several forms share a screen."""

    name = "ia"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.name}-%s")
        super().__init__(*args, **kwargs)


class CauseChoice(IdChoiceField):
    def label_from_instance(self, obj: Cause) -> str:
        return obj.text


class MemberChoiceField(IdChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return _label(obj)


class OpenForm(IAForm):
    """The RTE opens the I&A of a PI."""

    name = "open"
    pi = IdChoiceField(queryset=ProgramIncrement.objects.none(), label="PI", error_messages=CHOICE)
    held_on = forms.DateField(
        label="Day of the I&A", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: the PI's last day.",
    )  # fmt: skip

    def __init__(self, *args, pis, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pi"].queryset = pis


class StepForm(IAForm):
    name = "step"
    step = forms.ChoiceField(choices=Step.choices, error_messages=CHOICE)


class NotesForm(IAForm):
    """The note on the PI System Demo, the retrospective's notes, the day: whichever the screen posts."""

    name = "notes"
    demo_note = text_field("Note on the PI System Demo", 2000, required=False, rows=3)
    retrospective = text_field("Retrospective notes", 5000, required=False, rows=6)
    held_on = forms.DateField(label="Day of the I&A", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def changes(self) -> dict:
        """Only the fields the screen posted (each screen edits one)."""
        return {name: value for name, value in self.cleaned_data.items() if name in self.data and value is not None}


class AllowanceForm(IAForm):
    name = "allowance"
    votes_per_person = BoundedIntegerField(label="Votes per person", min_value=1, max_value=MAX_VOTES)
    votes_per_cause = BoundedIntegerField(label="Limit per cause", min_value=1, max_value=MAX_VOTES)


class ProblemForm(IAForm):
    name = "problem"
    what = text_field("What", 300, message="Say what the problem is.", help_text="What is the problem?")
    where = text_field("Where", 200, required=False, help_text="Where does it happen?")
    when = text_field("When", 200, required=False, help_text="When does it happen?")
    impact = text_field("Impact", 500, required=False, rows=2, help_text="What does it cost the train?")
    team = IdChoiceField(
        queryset=Team.objects.none(), required=False, label="Drafted by", empty_label="— the whole train —",
        error_messages=CHOICE,
    )  # fmt: skip

    def __init__(self, *args, event: InspectAdapt, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.for_art(event.art).active().order_by("name")


class CauseForm(IAForm):
    name = "cause"
    problem = IdChoiceField(
        queryset=Problem.objects.none(), empty_label="— choose the problem —", error_messages=CHOICE
    )
    bone = forms.ChoiceField(choices=Bone.choices, error_messages=CHOICE)
    text = text_field("Cause", 200, message="Say what the cause is.")

    def __init__(self, *args, event: InspectAdapt, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["problem"].queryset = Problem.objects.filter(event=event).select_related("event__art")


class CauseChoiceForm(IAForm):
    """A cause of the event: to vote on, take a vote back from, or ask why again."""

    name = "choice"
    cause = CauseChoice(
        queryset=Cause.objects.none(), label="Which cause", empty_label="— choose the cause —", error_messages=CHOICE
    )

    def __init__(self, *args, event: InspectAdapt, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cause"].queryset = Cause.objects.for_event(event).select_related("problem__event__art")


class WhyForm(CauseChoiceForm):
    name = "why"
    text = text_field("Why?", 300, message="Say why.")


class RestateForm(CauseChoiceForm):
    name = "restate"
    text = text_field("Restated problem", 1000, rows=3, message="Write the restated problem.")


class SolutionForm(IAForm):
    name = "solution"
    text = text_field("Solution", 500, message="Write the solution.")


class ImprovementForm(IAForm):
    name = "improvement"
    title = text_field("Title", 200, message="Give the improvement item a title.")
    owner = MemberChoiceField(
        queryset=User.objects.none(), empty_label="— choose the owner —",
        error_messages={**CHOICE, "required": "An improvement item needs an owner: choose a member of the train."},
    )  # fmt: skip
    target_pi = IdChoiceField(
        queryset=ProgramIncrement.objects.none(), label="Target PI",
        error_messages={**CHOICE, "required": "Choose the PI the improvement goes into."},
    )  # fmt: skip
    type = forms.ChoiceField(choices=Feature.Type.choices, initial=Feature.Type.ENABLER, error_messages=CHOICE)
    measure_of_done = text_field(
        "Measure of done", 500, rows=2, message="Say how the train will know the improvement is done."
    )

    def __init__(self, *args, event: InspectAdapt, members, pis: list[ProgramIncrement], today, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members
        # Any PI of the train is read (so that an ended one is refused by the service, saying so);
        # only those that have not ended are offered.
        self.fields["target_pi"].queryset = ProgramIncrement.objects.for_art(event.art)
        self.fields["target_pi"].widget.choices = [("", "— choose the PI —")] + [
            (pi.pk, pi.name) for pi in pis if pi.end_date >= today
        ]


class DropForm(IAForm):
    name = "drop"
    item = IdChoiceField(queryset=ImprovementItem.objects.none(), error_messages=CHOICE)
    drop_reason = text_field("Why drop it?", 500, message="Say why the item is dropped.")

    def __init__(self, *args, event: InspectAdapt, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = ImprovementItem.objects.filter(event=event).select_related("event__art")
