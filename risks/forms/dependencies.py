"""Forms of the dependency pages. They check shape; the services check the rules.

The choices are this train's teams, members and features and the iterations of the PI in
question, read once per request (``DependencyOptions``): anything else is “not one of the
choices” (422), never a lookup across trains. Whether a team may depend on itself, or must
name a provider, is the model's rule; its message comes back through the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from django import forms
from django.db.models import Q

from artops.forms import text_field, version_field
from artops.models import ART, Iteration, ProgramIncrement, Team, User
from artops.parsing import IdChoiceField
from planning.models import Feature
from risks.models import Dependency, DependencyChange


@dataclass
class DependencyOptions:
    """What the forms of one PI's dependencies offer, each read with one query."""

    pi: ProgramIncrement
    teams: list[Team]
    iterations: list[Iteration]  # development iterations of this PI and the later ones
    members: list[User]
    features: list[Feature]

    @classmethod
    def load(
        cls, art: ART, pi: ProgramIncrement, *, keep: Dependency | None = None, not_over: bool = False
    ) -> DependencyOptions:
        """The train's active teams, the iterations from ``pi`` on, its members and the PI's features.

        ``not_over`` (raising a dependency): only iterations that are not over where the train
        works, as nobody raises a need for, or plans a delivery in, the past. ``keep``: a
        dependency being edited, whose current teams, iterations and features stay choosable
        even where they would not be offered any more.
        """
        teams = Q(active=True)
        iterations = Q(pi__start_date__gte=pi.start_date, is_ip=False)
        if not_over:
            iterations &= Q(end_date__gte=art.today())
        features = Q(pi=pi) & ~Q(state=Feature.State.CANCELLED)
        if keep is not None:
            teams |= Q(pk__in=_ids(keep, "needing_team", "providing_team"))
            iterations |= Q(pk__in=_ids(keep, "needed_by", "planned_iteration"))
            features |= Q(pk__in=_ids(keep, "needing_feature", "providing_feature"))
        return cls(
            pi=pi,
            teams=list(Team.objects.for_art(art).filter(teams).order_by("name")),
            iterations=list(
                Iteration.objects.filter(iterations, pi__art=art).select_related("pi").order_by("start_date")
            ),
            members=list(User.objects.on_train(art)),
            features=list(Feature.objects.for_art(art).filter(features).order_by("key")),
        )

    @property
    def needed_by(self) -> list[Iteration]:
        """Development iterations of the PI itself: a dependency is needed within its PI."""
        return [iteration for iteration in self.iterations if iteration.pi_id == self.pi.pk]


def _ids(dependency: Dependency, *fields: str) -> list[int]:
    return [value for value in (getattr(dependency, f"{name}_id") for name in fields) if value is not None]


def _choice(model, items: list, choices: list, *, required: bool, label: str, messages: dict) -> IdChoiceField:
    """A choice among ``items`` (already read: rendering ``choices`` costs no query), by an id ``parse_id`` reads."""
    field = IdChoiceField(
        queryset=model.objects.filter(pk__in=[item.pk for item in items]),
        required=required,
        label=label,
        error_messages=messages,
    )
    field.choices = choices
    return field


def _options(empty_label: str, items: list, label=str) -> list:
    return [("", empty_label), *((item.pk, label(item)) for item in items)]


def _iteration_options(empty_label: str, iterations: list[Iteration]) -> list:
    """Options grouped by PI, each iteration with its first day."""
    groups = [
        (
            pi_name,
            [
                (iteration.pk, f"{iteration.name} (from {iteration.start_date.day} {iteration.start_date:%b})")
                for iteration in items
            ],
        )
        for pi_name, items in groupby(iterations, key=lambda iteration: iteration.pi.name)
    ]
    return [("", empty_label), *groups]


def _feature_label(feature: Feature) -> str:
    return f"{feature.key} {feature.title}"


def _member_label(member: User) -> str:
    return member.display_name or member.email


class DependencyFieldsForm(forms.Form):
    """What a dependency says: who provides what, needed by and planned for which iteration, its owner."""

    external_party = text_field(
        Dependency,
        "external_party",
        required=False,
        help_text="Another train or a vendor, when no team of this train provides it.",
    )
    description = text_field(
        Dependency,
        "description",
        label="What is needed",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what is needed."},
    )

    def __init__(self, *args, options: DependencyOptions, **kwargs):
        super().__init__(*args, **kwargs)
        pi = options.pi
        self.fields["providing_team"] = _choice(
            Team,
            options.teams,
            _options("— an external party —", options.teams),
            required=False,
            label="Providing team",
            messages={"invalid_choice": "Choose a team of this train."},
        )
        for name, label in (("needing_feature", "Needing feature"), ("providing_feature", "Providing feature")):
            self.fields[name] = _choice(
                Feature,
                options.features,
                _options("— none —", options.features, _feature_label),
                required=False,
                label=label,
                messages={"invalid_choice": f"Choose a feature of {pi.name}."},
            )
        needed_message = f"Choose a development iteration of {pi.name}."
        self.fields["needed_by"] = _choice(
            Iteration,
            options.needed_by,
            _iteration_options("— choose —", options.needed_by),
            required=True,
            label="Needed by",
            messages={"required": needed_message, "invalid_choice": needed_message},
        )
        self.fields["planned_iteration"] = _choice(
            Iteration,
            options.iterations,
            _iteration_options("Not planned yet", options.iterations),
            required=False,
            label="Planned for",
            messages={"invalid_choice": f"Choose a development iteration of {pi.name} or of a later PI."},
        )
        self.fields["planned_iteration"].help_text = "The iteration in which the provider plans to deliver it."
        owner_message = "Every dependency has an owner from the start: choose one."
        self.fields["owner"] = _choice(
            User,
            options.members,
            _options("— choose the owner —", options.members, _member_label),
            required=True,
            label="Owner",
            messages={"required": owner_message, "invalid_choice": "Choose a member of this train."},
        )
        self.fields["owner"].help_text = "Who follows it up until it is delivered."
        self.order_fields(self.field_order)


class RaiseDependencyForm(DependencyFieldsForm):
    """Raise a dependency: the needing team, the provider, what, when, and its owner."""

    field_order = (
        "needing_team",
        "providing_team",
        "external_party",
        "description",
        "needing_feature",
        "providing_feature",
        "needed_by",
        "planned_iteration",
        "owner",
    )

    def __init__(self, *args, options: DependencyOptions, **kwargs):
        super().__init__(*args, options=options, **kwargs)
        self.fields["needing_team"] = _choice(
            Team,
            options.teams,
            _options("— choose —", options.teams),
            required=True,
            label="Needing team",
            messages={"required": "Choose the team that needs it.", "invalid_choice": "Choose a team of this train."},
        )
        self.order_fields(self.field_order)


class DependencyEditForm(DependencyFieldsForm):
    """Change a dependency's plan, need, owner, provider or content (with the version it was read at)."""

    field_order = (
        "planned_iteration",
        "needed_by",
        "owner",
        "providing_team",
        "external_party",
        "description",
        "needing_feature",
        "providing_feature",
        "version",
    )
    version = version_field()

    def clean(self):
        # The version travels in a hidden field: its error is said at the top of the form.
        for message in self.errors.get("version", []):
            self.add_error(None, message)
        return super().clean()

    @staticmethod
    def initial_of(dependency: Dependency) -> dict:
        return {
            "planned_iteration": dependency.planned_iteration_id,
            "needed_by": dependency.needed_by_id,
            "owner": dependency.owner_id,
            "providing_team": dependency.providing_team_id,
            "external_party": dependency.external_party,
            "description": dependency.description,
            "needing_feature": dependency.needing_feature_id,
            "providing_feature": dependency.providing_feature_id,
            "version": dependency.version,
        }


class MoveForm(forms.Form):
    """Move a dependency to another state (the service knows which moves are allowed)."""

    to = forms.ChoiceField(
        choices=Dependency.State.choices,
        error_messages={
            "required": "Choose the state to move to.",
            "invalid_choice": "“%(value)s” is not a dependency state.",
        },
    )
    note = text_field(DependencyChange, "note", required=False)
    version = version_field()


class ReviewForm(forms.Form):
    """The weekly review of one dependency: the next action (the day is the train's today)."""

    next_action = text_field(
        Dependency,
        "next_action",
        error_messages={
            "required": "Write the next action agreed in the review.",
            "max_length": "Keep the next action to %(limit_value)d characters.",
        },
    )
    version = version_field()
