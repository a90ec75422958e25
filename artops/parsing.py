"""The one way to read a number, an id or a piece of text that comes from outside ARTops.

Ids and numbers arrive as text from everywhere: a query string (``?pi=12``), a form field, a URL
segment, a JSON body, a cell of an imported backlog CSV, a management command's argument. Each of
them is read here, by the same rules:

- only the ASCII digits 0–9 (``str.isdigit()`` also says yes to "²", "①" and "١٢", which
  ``int()`` then refuses or reads as a number nobody typed), no spaces, no exponent, and a sign
  only where a negative number makes sense;
- a length checked before ``int()`` ever sees the text (Python refuses to convert more than
  4,300 digits, and nothing in ARTops needs more than 19);
- a range: an id fits a PostgreSQL ``bigint`` (1 to 9223372036854775807), the board clock's
  ``since`` fits its ``PositiveBigIntegerField`` (0 to the same maximum).

Anything else raises ``BadNumber``, whose message names the parameter. ``BadNumber`` is both a
``ValueError`` (for plain Python callers and argparse) and a Django ``ValidationError`` keyed by the
parameter's name, so the API's exception handler answers it with a 400 like any other invalid
input. Pages catch it and answer 400, 404 or "nothing matches", whichever is their convention.

Text PostgreSQL cannot store (a NUL character, a lone UTF-16 surrogate) is refused by
``validate_storable_text``; ``shown`` makes any refused value safe to quote back in a message.

A date a person types (a PI's first day, a risk's due date) falls between ``EARLIEST_DAY`` and
``LATEST_DAY``: ``validate_sane_date``, on the model field and in forms and serializers alike.

The adapters at the end put the same rules in a form field (``IdField``, ``BoundedIntegerField``,
``IdChoiceField``), a django-filter filter (``IdFilter``), DRF serializer fields (``ApiIntegerField``,
``ApiIdField``) and a URL converter (``StorableSegmentConverter``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from drf_spectacular.drainage import set_override
from rest_framework import serializers

BIGINT_MAX = 9_223_372_036_854_775_807
"""The largest value of a PostgreSQL ``bigint``: the largest id, and the largest board clock."""

SINCE_MAX = BIGINT_MAX
"""``planning.models.BoardClock.version`` is a ``PositiveBigIntegerField``: 0 to ``BIGINT_MAX``."""

MAX_NUMBER_LENGTH = 20
"""Longest text read as a number: a sign and the 19 digits of ``BIGINT_MAX``. Checked before ``int()``."""

SHOWN_LENGTH = 40
"""How much of a refused value a message quotes back."""

_DIGITS = re.compile(r"[0-9]+", re.ASCII)


# --- numbers and ids ------------------------------------------------------------------------------


class BadNumber(ValidationError, ValueError):
    """A value that is not a whole number in range. ``name`` is the parameter, ``reason`` says why.

    ``str(error)`` and ``error.message`` read "pi: “²” is not a whole number …"; ``reason`` is the
    same without the parameter's name (for a form, which shows the error beside the field).
    """

    def __init__(self, name: str, reason: str):
        self.name = name
        self.reason = reason
        super().__init__({name: [ValidationError(reason, code="bad_number")]})

    @property
    def message(self) -> str:  # type: ignore[override]
        return f"{self.name}: {self.reason}"

    def __str__(self) -> str:
        return self.message


def parse_int(
    value: Any,
    *,
    name: str = "value",
    minimum: int = 0,
    maximum: int = BIGINT_MAX,
) -> int:
    """``value`` (text of ASCII digits, or an ``int``) as an ``int`` between ``minimum`` and ``maximum``.

    A leading "-" is read only when ``minimum`` is negative; "+" never. Raises ``BadNumber``.
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadNumber(name, "give a whole number, written with the digits 0–9.")
    if isinstance(value, str):
        if value == "":
            raise BadNumber(name, "give a whole number; this one is empty.")
        if len(value) > MAX_NUMBER_LENGTH:
            raise BadNumber(name, f"{len(value):,} characters are too many for a number.")
        digits = value[1:] if value.startswith("-") and minimum < 0 else value
        if not _DIGITS.fullmatch(digits):
            raise BadNumber(name, f"“{shown(value)}” is not a whole number: write it with the digits 0–9 only.")
        number = int(value)
    else:
        number = value
    if not minimum <= number <= maximum:
        raise BadNumber(name, f"{number} is out of range: give a number from {minimum} to {maximum}.")
    return number


def parse_id(value: Any, *, name: str = "id") -> int:
    """``value`` as the id of a row: 1 to ``BIGINT_MAX``, ASCII digits only. Raises ``BadNumber``."""
    return parse_int(value, name=name, minimum=1, maximum=BIGINT_MAX)


def parse_since(value: Any, *, name: str = "since") -> int:
    """A board clock value (``?since=``): 0 to ``SINCE_MAX``. Raises ``BadNumber``."""
    return parse_int(value, name=name, minimum=0, maximum=SINCE_MAX)


def parse_ids(values: Iterable[Any], *, name: str = "ids") -> list[int]:
    """Several ids (a repeated query parameter such as ``?teams=1&teams=2``); empty values are skipped."""
    return [parse_id(value, name=name) for value in values if value not in ("", None)]


def read_int(
    data: Mapping,
    name: str,
    *,
    required: bool = False,
    default: int | None = None,
    minimum: int = 0,
    maximum: int = BIGINT_MAX,
) -> int | None:
    """The number ``data[name]`` (a QueryDict, ``request.data``, a CSV row…); ``default`` when absent or empty."""
    value = data.get(name)
    if value in (None, ""):
        if required:
            raise BadNumber(name, "this value is required.")
        return default
    return parse_int(value, name=name, minimum=minimum, maximum=maximum)


def read_id(data: Mapping, name: str, *, required: bool = False) -> int | None:
    """The id ``data[name]``, or None when it is absent or empty (``BadNumber`` if ``required``)."""
    return read_int(data, name, required=required, minimum=1, maximum=BIGINT_MAX)


def id_or_nothing(value: Any) -> int | None:
    """``value`` as an id, or None when it is not one: for lists whose convention is "not an id: nothing matches"."""
    try:
        return parse_id(value)
    except BadNumber:
        return None


# --- text -----------------------------------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")


def unstorable_reason(value: str) -> str | None:
    """Why PostgreSQL cannot store ``value`` (a NUL character, a lone surrogate), or None when it can."""
    if "\x00" in value:
        return "Text cannot contain the NUL character (\\x00)."
    if _SURROGATE.search(value):
        return "Text cannot contain a lone UTF-16 surrogate (it is not a character)."
    return None


def is_storable(value: str) -> bool:
    return unstorable_reason(value) is None


@deconstructible(path="artops.parsing.StorableTextValidator")
class StorableTextValidator:
    """Refuses text PostgreSQL cannot store, with a clear message. Usable on model, form and DRF fields."""

    code = "unstorable"

    def __call__(self, value: Any) -> None:
        if value is None:
            return
        reason = unstorable_reason(str(value))
        if reason is not None:
            raise ValidationError(reason, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StorableTextValidator)

    def __hash__(self) -> int:
        return hash(self.code)


validate_storable_text = StorableTextValidator()
"""``validators=[validate_storable_text]`` on a model, form or serializer field."""


def shown(value: Any, limit: int = SHOWN_LENGTH) -> str:
    """``value`` made safe to quote in a message: control characters and surrogates escaped, cut at ``limit``.

    It does not HTML-escape: templates (and Django's messages) do that. It keeps a NUL byte, a
    terminal escape or 100,000 characters out of pages, flash messages and logs.
    """
    text = str(value)
    cut = len(text) > limit
    text = text[:limit]
    safe = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return f"{safe}…" if cut else safe


class StorableSegmentConverter:
    """A URL segment like ``<str:…>`` that cannot hold NUL or a surrogate: such a URL simply does not match (404).

    Register it once in the root URLconf: ``register_converter(StorableSegmentConverter, "text")``,
    then write ``features/<text:key>/``.
    """

    regex = "[^/\x00\ud800-\udfff]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


# --- dates ----------------------------------------------------------------------------------------

EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)
"""The range of every date a person types in ARTops: a PI in the year 146 is a typing mistake."""

DATE_RANGE_TEXT = f"from {EARLIEST_DAY.day} January {EARLIEST_DAY.year} to {LATEST_DAY.day} December {LATEST_DAY.year}"


@deconstructible(path="artops.parsing.SaneDateValidator")
class SaneDateValidator:
    """Refuses a date outside ``EARLIEST_DAY``–``LATEST_DAY``, saying the range. For model, form and DRF fields."""

    code = "date_out_of_range"

    def __call__(self, value: Any) -> None:
        if value is None:
            return
        if not EARLIEST_DAY <= value <= LATEST_DAY:
            raise ValidationError(
                f"{value.isoformat()} is out of range: give a date {DATE_RANGE_TEXT}.", code=self.code
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SaneDateValidator)

    def __hash__(self) -> int:
        return hash(self.code)


validate_sane_date = SaneDateValidator()
"""``validators=[validate_sane_date]`` on a model, form or serializer date field."""


# --- forms ----------------------------------------------------------------------------------------


class BoundedIntegerField(forms.Field):
    """A form field for a whole number between ``min_value`` and ``max_value``, read by ``parse_int``."""

    widget = forms.NumberInput
    default_error_messages = {"invalid": "Enter a whole number."}

    def __init__(self, *, min_value: int = 0, max_value: int = BIGINT_MAX, **kwargs):
        self.min_value, self.max_value = min_value, max_value
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        try:
            return parse_int(value, name=self.label or "value", minimum=self.min_value, maximum=self.max_value)
        except BadNumber as error:
            raise ValidationError(error.reason, code="invalid") from None

    def widget_attrs(self, widget: forms.Widget) -> dict:
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.NumberInput):
            attrs.update(min=self.min_value, max=self.max_value, step=1)
        return attrs


class NoneWord(str):
    """The word a filter takes for "no value" (``?iteration=none``): ``IdField`` returns it as itself."""


class IdField(BoundedIntegerField):
    """A form field for an id (1 to ``BIGINT_MAX``); with ``none="none"`` also that word, as a ``NoneWord``."""

    widget = forms.TextInput

    def __init__(self, *, none: str | None = None, **kwargs):
        self.none = none
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | NoneWord | None:
        if self.none is not None and value == self.none:
            return NoneWord(self.none)
        return super().to_python(value)


class IdChoiceField(forms.ModelChoiceField):
    """``ModelChoiceField`` that reads the submitted id with ``parse_id`` before looking it up."""

    def to_python(self, value: Any):
        if value in self.empty_values:
            return None
        if not isinstance(value, self.queryset.model):
            try:
                value = parse_id(value, name=self.label or "choice")
            except BadNumber:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None
        return super().to_python(value)


# --- django-filter --------------------------------------------------------------------------------


class IdFilter(django_filters.Filter):
    """Rows whose ``field_name`` is the id given. With ``none="none"`` that word selects the rows where it is empty.

    A value that is not an id makes the FilterSet invalid: the API then answers 400 (DRF's
    ``DjangoFilterBackend``), and a page whose convention is "nothing matches" uses
    ``filtered_or_nothing(filterset)``.
    """

    field_class = IdField

    def __init__(self, *args, none: str | None = None, **kwargs):
        kwargs["none"] = none
        super().__init__(*args, **kwargs)
        # The OpenAPI schema says what is accepted, so that clients (and schemathesis) know.
        id_schema = {"type": "integer", "format": "int64", "minimum": 1, "maximum": BIGINT_MAX}
        schema = id_schema if none is None else {"anyOf": [id_schema, {"type": "string", "enum": [none]}]}
        if kwargs.get("help_text"):
            schema["description"] = str(kwargs["help_text"])
        set_override(self, "field", schema)

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        if isinstance(value, NoneWord):
            qs = qs.filter(**{f"{self.field_name}__isnull": True})
            return qs.distinct() if self.distinct else qs
        return super().filter(qs, value)


class IdChoiceFilter(django_filters.ModelChoiceFilter):
    """``ModelChoiceFilter`` whose field reads the id with ``parse_id`` (``IdChoiceField``)."""

    field_class = IdChoiceField


def filtered_or_nothing(filterset: django_filters.FilterSet):
    """The filtered rows, or none at all when a filter's value is invalid: "not an id: nothing matches"."""
    return filterset.qs if filterset.is_valid() else filterset.queryset.none()


# --- Django REST framework ------------------------------------------------------------------------


class ApiIntegerField(serializers.IntegerField):
    """A DRF integer read by ``parse_int``: a JSON number, or a string of ASCII digits, within bounds."""

    def __init__(self, *, min_value: int = 0, max_value: int = BIGINT_MAX, **kwargs):
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        try:
            return parse_int(data, name=self.field_name or "value", minimum=self.min_value, maximum=self.max_value)
        except BadNumber as error:
            raise serializers.ValidationError(error.reason, code="invalid") from None


class ApiIdField(ApiIntegerField):
    """A DRF field for an id: 1 to ``BIGINT_MAX``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)


_WHOLE_NUMBER = re.compile(r"-?[0-9]+", re.ASCII)


class ApiIdRelatedField(serializers.PrimaryKeyRelatedField):
    """``PrimaryKeyRelatedField`` that reads the id with ``parse_id`` before looking it up (base it on this).

    A whole number out of an id's range (-1, 10**30) names nothing: "does not exist", as an unknown
    id; anything else ("²", "abc", true) is of the wrong type.
    """

    def to_internal_value(self, data: Any):
        try:
            data = parse_id(data, name=self.field_name or "id")
        except BadNumber:
            is_number = isinstance(data, int) and not isinstance(data, bool)
            if is_number or (isinstance(data, str) and _WHOLE_NUMBER.fullmatch(data)):
                self.fail("does_not_exist", pk_value=shown(data))
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)
