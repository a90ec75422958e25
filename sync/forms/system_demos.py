"""Forms of the System Demo pages: the demo, its items, attendance, feedback, outcomes and business value."""

from __future__ import annotations

from django import forms

from artops.models import Iteration, Team, User
from artops.parsing import BoundedIntegerField
from planning.models import ACTUAL_BV_RANGE, Feature, PIObjective
from sync.forms.common import ChoiceOf, date_field, limit, person, text_field, version_field
from sync.models import DemoFeedback, DemoItem, DemoOutcome

INTEGRATED_MESSAGE = "Say whether it was shown integrated: yes, partly or no."


class DemoCreateForm(forms.Form):
    iteration = ChoiceOf(
        Iteration, invalid="Choose a development iteration of this train.", missing="Choose the iteration."
    )
    held_on = date_field(required=False, label="Held on")

    def __init__(self, *args, iterations: list[Iteration], **kwargs):
        super().__init__(*args, **kwargs)
        limit(self.fields["iteration"], iterations, None, label=lambda it: f"{it.pi.name} · {it.name}")
        self.fields["held_on"].help_text = "The iteration's last day unless you say otherwise."


class DemoItemForm(forms.Form):
    """What a team showed of a feature of the demo's PI, and whether it ran in the integrated system."""

    team = ChoiceOf(Team, invalid="Choose a team you record the demo of.", missing="Choose the team.")
    feature = ChoiceOf(Feature, invalid="Choose a feature of this PI.", missing="Choose the feature that was shown.")
    objective = ChoiceOf(PIObjective, invalid="Choose a PI objective of this team in this PI.", required=False)
    shown = text_field(DemoItem._meta.get_field("shown").max_length, missing="Say what was shown.", rows=2)
    integrated = forms.ChoiceField(
        choices=DemoItem.Integrated.choices,
        error_messages={"required": INTEGRATED_MESSAGE, "invalid_choice": INTEGRATED_MESSAGE},
    )
    reason = text_field(
        DemoItem._meta.get_field("reason").max_length,
        required=False,
        rows=2,
        help_text="Needed when it is not fully integrated: a non-integrated item is flagged and counted.",
    )

    def __init__(self, *args, teams: list[Team], features: list[Feature], objectives: list[PIObjective], **kwargs):
        super().__init__(*args, **kwargs)
        limit(self.fields["team"], teams, "— choose the team —", label=lambda team: team.name)
        limit(self.fields["feature"], features, "— choose the feature —", label=lambda f: f"{f.key} {f.title}")
        limit(
            self.fields["objective"],
            objectives,
            "— none —",
            label=lambda objective: f"{objective.team.name}: {objective.statement[:80]}",
        )


class AttendanceForm(forms.Form):
    attendees = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": "Choose attendees among the train's members.",
            "invalid_pk_value": "Choose attendees among the train's members.",
        },
    )
    version = version_field()

    def __init__(self, *args, members: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["attendees"]
        field.queryset = User.objects.filter(pk__in=[member.pk for member in members])
        field.choices = [(member.pk, person(member)) for member in members]
        field.widget.attrs["size"] = min(max(len(members), 3), 10)

    def clean_attendees(self):
        # The ids are read by the field's queryset; a value that is no id at all is refused, not a 500.
        return list(self.cleaned_data["attendees"])


class FeedbackForm(forms.Form):
    text = text_field(
        DemoFeedback._meta.get_field("text").max_length, missing="Write the feedback.", rows=2, label="Your feedback"
    )
    item = ChoiceOf(DemoItem, invalid="Choose an item shown at this demo.", required=False, label="About")

    def __init__(self, *args, items: list[DemoItem], **kwargs):
        super().__init__(*args, **kwargs)
        limit(self.fields["item"], items, "— the demo as a whole —", label=lambda i: f"{i.team.name}: {i.feature.key}")


class ToBacklogForm(forms.Form):
    title = text_field(200, required=False, help_text="The first line of the feedback unless you give one.")
    type = forms.ChoiceField(
        choices=Feature.Type.choices,
        required=False,
        error_messages={"invalid_choice": "A feature is a business feature or an enabler."},
    )
    version = version_field()


class CloseFeedbackForm(forms.Form):
    reason = text_field(DemoFeedback._meta.get_field("close_reason").max_length, missing="Say why no action is taken.")
    version = version_field()


class OutcomeForm(forms.Form):
    feature = ChoiceOf(Feature, invalid="Choose a feature shown at this demo.", missing="Choose the feature.")
    outcome = forms.ChoiceField(
        choices=DemoOutcome.Outcome.choices,
        error_messages={"invalid_choice": "A feature is accepted, or needs work."},
    )
    note = text_field(DemoOutcome._meta.get_field("note").max_length, required=False)
    version = version_field(required=False)

    def __init__(self, *args, features: list[Feature], **kwargs):
        super().__init__(*args, **kwargs)
        limit(self.fields["feature"], features, None, label=lambda f: f"{f.key} {f.title}")


class ActualValueForm(forms.Form):
    """The actual business value a Business Owner gives an objective at the demo (``planning.services``)."""

    actual_business_value = BoundedIntegerField(
        label=f"Actual business value ({ACTUAL_BV_RANGE[0]}–{ACTUAL_BV_RANGE[1]})",
        min_value=ACTUAL_BV_RANGE[0],
        max_value=ACTUAL_BV_RANGE[1],
        required=False,
    )
    version = version_field()
