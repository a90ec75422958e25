"""What the risks endpoints share: their state fields, the train's today, names, and the rows of a history."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from artops.api_base import ChoiceField
from artops.models import ART
from risks.models import Change, Dependency, Risk, RiskChange


# Plain schemas rather than enums, as in ``planning.api.backlog``: risks, dependencies and the planning
# objects all have a ``state``, which drf-spectacular would otherwise report as enum naming collisions.
class StateField(ChoiceField):
    """A state among ``choices_of``; anything else is refused with the list of the states there are."""

    choices_of: ClassVar[list[tuple[str, str]]] = []
    noun = "state"

    def __init__(self, **kwargs):
        super().__init__(choices=self.choices_of, **kwargs)
        values = ", ".join(value for value, _label in self.choices_of)
        self.error_messages["invalid_choice"] = f"“{{input}}” is not a {self.noun}: use one of {values}."


@extend_schema_field({"type": "string", "description": f"One of: {', '.join(Risk.State.values)}."})
class RiskStateField(StateField):
    choices_of = Risk.State.choices
    noun = "ROAM state"


@extend_schema_field({"type": "string", "description": f"One of: {', '.join(Dependency.State.values)}."})
class DependencyStateField(StateField):
    choices_of = Dependency.State.choices
    noun = "dependency state"


def train_today(serializer: serializers.Serializer, art: ART) -> date:
    """The train's today (in its time zone), computed once per train for a whole response."""
    todays: dict[int, date] = serializer.context.setdefault("train_todays", {})
    if art.pk not in todays:
        todays[art.pk] = art.today()
    return todays[art.pk]


def name_of(source: str) -> serializers.CharField:
    return serializers.CharField(source=source, read_only=True, allow_null=True, default=None)


# --- history -------------------------------------------------------------------------------------


class RiskChangeSerializer(serializers.ModelSerializer):
    """One recorded change: its kind, what changed ({field: [before, after]}), by whom and when."""

    kind = serializers.CharField(read_only=True, help_text=f"One of: {', '.join(Change.Kind.values)}.")
    changes = serializers.JSONField(read_only=True, help_text="{field: [before, after]}, as the history shows them.")
    by_name = name_of("by.display_name")

    class Meta:
        model = RiskChange
        fields = ("id", "kind", "changes", "note", "at", "by", "by_name")
        read_only_fields = fields
