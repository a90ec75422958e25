"""Fields that several planning endpoints (and risks') share: a feature of the caller's trains,
and a whole number whose bounds and messages are a model field's.

The fields of the core objects (train, PI, team, iteration, person) are ``artops.api_base``'s;
ids and numbers are read by ``artops.parsing``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from rest_framework import serializers

from artops.api_base import VisibleObjectField
from artops.parsing import BIGINT_MAX, ApiIntegerField, BadNumber, parse_int, validate_storable_text
from planning.models import Feature


class VisibleFeatureField(VisibleObjectField):
    """A feature by id, among the features of the requesting user's trains."""

    model = Feature
    default_error_messages: ClassVar[dict[str, str]] = {
        "does_not_exist": "There is no feature with id {pk_value} on your trains."
    }


class RangeIntegerField(ApiIntegerField):
    """A whole number read by ``artops.parsing`` (ASCII digits only), refused out of its range with
    the field's ``min_value``/``max_value`` messages: the model's, with ``of_model``.

    Text that is no number is refused with the parser's reason, or with the ``invalid`` message
    when the field names one.
    """

    def __init__(self, **kwargs):
        self.names_invalid = "invalid" in (kwargs.get("error_messages") or {})
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        try:
            number = parse_int(data, name=self.field_name or "value", minimum=-BIGINT_MAX, maximum=BIGINT_MAX)
        except BadNumber as error:
            if self.names_invalid:
                self.fail("invalid")
            raise serializers.ValidationError(error.reason, code="invalid") from None
        if number < self.min_value:
            self.fail("min_value", min_value=self.min_value)
        if number > self.max_value:
            self.fail("max_value", max_value=self.max_value)
        return number

    @classmethod
    def of_model(cls, field: models.Field, **kwargs) -> RangeIntegerField:
        """The bounds and messages of a model field's ``MinValueValidator`` and ``MaxValueValidator``."""
        minimum = max((v for v in field.validators if isinstance(v, MinValueValidator)), key=lambda v: v.limit_value)
        maximum = min((v for v in field.validators if isinstance(v, MaxValueValidator)), key=lambda v: v.limit_value)
        messages = {"min_value": minimum.message, "max_value": maximum.message, **kwargs.pop("error_messages", {})}
        return cls(min_value=minimum.limit_value, max_value=maximum.limit_value, error_messages=messages, **kwargs)


def api_text(model_field: models.Field, **kwargs) -> serializers.CharField:
    """A serializer field for a model's free text: the model's maximum length, and only text PostgreSQL can store."""
    kwargs.setdefault("allow_blank", model_field.blank)
    return serializers.CharField(max_length=model_field.max_length, validators=[validate_storable_text], **kwargs)
