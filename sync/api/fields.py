"""What the sync endpoints share: objects of the caller's trains by id, choices, bounded text."""

from __future__ import annotations

from typing import ClassVar

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from artops.api_base import VERSION_HELP, VisibleObjectField
from artops.parsing import ApiIntegerField, validate_storable_text
from planning.models import PIObjective
from risks.models import Dependency
from sync.models import AgendaItem, DemoFeedback, DemoItem, Impediment, SyncMeeting, SystemDemo


def text(max_length: int, **kwargs) -> serializers.CharField:
    """Free text with its bound and no character PostgreSQL cannot store."""
    return serializers.CharField(max_length=max_length, validators=[validate_storable_text], **kwargs)


def version(**kwargs) -> ApiIntegerField:
    """The version of the object the caller read (a PostgreSQL integer), read by ``artops.parsing``."""
    return ApiIntegerField(min_value=1, max_value=2_147_483_647, help_text=VERSION_HELP, **kwargs)


class SyncVersionSerializer(serializers.Serializer):
    """Only the version read: for a change that names nothing else (start a sync, close it, mark an action done)."""

    version = version()


def name_of(source: str) -> serializers.CharField:
    return serializers.CharField(source=source, read_only=True, allow_null=True, default=None)


def choice(choices, noun: str, **kwargs) -> serializers.ChoiceField:
    """One of ``choices``; anything else is refused with the list of values.

    A plain string in the schema rather than a named enum: several objects have a ``state`` or a
    ``to``, which drf-spectacular would report as enum naming collisions. (DRF copies declared
    fields from their arguments, so the schema goes on a class and the message in the arguments.)
    """
    values = [str(value) for value, _label in choices]
    described = extend_schema_field({"type": "string", "description": f"One of: {', '.join(values)}."})
    field_class = described(type("PlainChoiceField", (serializers.ChoiceField,), {}))
    messages = {"invalid_choice": f"“{{input}}” is not a {noun}: use one of {', '.join(values)}."}
    return field_class(choices=choices, error_messages=messages, **kwargs)


def shown_choice(choices, **kwargs) -> serializers.CharField:
    """A choice as a read-only string in an answer (its values in the schema's description)."""
    values = ", ".join(str(value) for value, _label in choices)
    return serializers.CharField(read_only=True, help_text=f"One of: {values}.", **kwargs)


def _visible(model_, noun: str, *related: str):
    class Field(VisibleObjectField):
        model = model_
        default_error_messages: ClassVar[dict[str, str]] = {
            "does_not_exist": f"There is no {noun} with id {{pk_value}} on your trains."
        }

        def visible(self, user):
            return model_.objects.visible_to(user).select_related(*related)

    Field.__name__ = f"Visible{model_.__name__}Field"
    Field.__qualname__ = Field.__name__
    return Field


VisibleMeetingField = _visible(SyncMeeting, "sync", "art", "pi")
VisibleAgendaItemField = _visible(AgendaItem, "agenda item", "meeting__art")
VisibleImpedimentField = _visible(Impediment, "impediment", "art", "team")
VisibleDependencyField = _visible(Dependency, "dependency", "art")
VisibleDemoField = _visible(SystemDemo, "System Demo", "art", "pi", "iteration")
VisibleDemoItemField = _visible(DemoItem, "demo item", "demo__art")
VisibleFeedbackField = _visible(DemoFeedback, "feedback", "demo__art")
VisibleObjectiveField = _visible(PIObjective, "PI objective", "team", "pi")
