"""Form fields the planning forms share: whole numbers and ids read by ``artops.parsing``, and text
with a bound that the model states.

``artops.parsing`` reads the digits (ASCII only, a sane length, a range); these fields add what
the planning pages say when a value is refused: the model's or the form's own message ("Points
are between 0 and 100."), rather than a generic one.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models

from artops.parsing import (
    BIGINT_MAX,
    BadNumber,
    BoundedIntegerField,
    is_storable,
    parse_id,
    parse_int,
    shown,
    validate_storable_text,
)


class WholeNumberField(BoundedIntegerField):
    """A whole number between ``min_value`` and ``max_value``, read by ``artops.parsing``.

    A value that is not a number is refused with the ``invalid`` message when the field names
    one (otherwise with the parser's reason); a number out of range with the ``min_value`` or
    ``max_value`` message.
    """

    default_error_messages = {
        "min_value": "Give a number from %(min_value)s to %(max_value)s.",
        "max_value": "Give a number from %(min_value)s to %(max_value)s.",
    }

    def __init__(self, **kwargs):
        self.names_invalid = "invalid" in (kwargs.get("error_messages") or {})
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        try:
            number = parse_int(value, name=self.label or "value", minimum=-BIGINT_MAX, maximum=BIGINT_MAX)
        except BadNumber as error:
            message = self.error_messages["invalid"] if self.names_invalid else error.reason
            raise ValidationError(message, code="invalid") from None
        bounds = {"min_value": self.min_value, "max_value": self.max_value}
        if number < self.min_value:
            raise ValidationError(self.error_messages["min_value"], code="min_value", params=bounds)
        if number > self.max_value:
            raise ValidationError(self.error_messages["max_value"], code="max_value", params=bounds)
        return number


def hidden_version(message: str, *, required: bool = True) -> WholeNumberField:
    """The hidden version an editor read (1 or more), every refusal said by ``message``."""
    return WholeNumberField(
        min_value=1,
        required=required,
        widget=forms.HiddenInput,
        error_messages=dict.fromkeys(("required", "invalid", "min_value", "max_value"), message),
    )


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """``ModelMultipleChoiceField`` that reads each submitted id with ``parse_id`` before looking them up."""

    def _check_values(self, value):
        ids = []
        for item in value:
            try:
                ids.append(parse_id(item, name=self.label or "choice"))
            except BadNumber:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": item}
                ) from None
        return super()._check_values(ids)


class StorableTextField(forms.CharField):
    """Free text that PostgreSQL can store: a NUL or a lone surrogate is refused with one clear message,
    and a refused value is shown back escaped, never raw."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # ``validate_storable_text`` says it for NUL too: one message rather than two.
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]
        self.validators.append(validate_storable_text)

    def prepare_value(self, value):
        value = super().prepare_value(value)
        if isinstance(value, str) and not is_storable(value):
            return shown(value, limit=len(value))
        return value


def text_field(model_field: models.Field, *, messages: dict[str, str] | None = None, **kwargs) -> StorableTextField:
    """A form field for a model's free text: the model's maximum length (Django's message names it, unless
    ``messages`` says it otherwise) and only text PostgreSQL can store."""
    kwargs.setdefault("required", not model_field.blank)
    return StorableTextField(max_length=model_field.max_length, error_messages=messages or {}, **kwargs)
