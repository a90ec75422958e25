"""What the sync forms share: bounded text, choices limited to the train's own objects, dates."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django import forms

from artops.forms import VERSION_MISSING
from artops.models import User
from artops.parsing import BoundedIntegerField, IdChoiceField, validate_storable_text


def text_field(
    max_length: int, *, required: bool = True, missing: str = "", rows: int = 0, **kwargs
) -> forms.CharField:
    """Free text with a bound (checked, not only by the widget) and no character PostgreSQL cannot store."""
    messages = {"max_length": f"Keep it under {max_length} characters."}
    if missing:
        messages["required"] = missing
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput
    return forms.CharField(
        max_length=max_length,
        required=required,
        widget=widget,
        validators=[validate_storable_text],
        error_messages=messages,
        **kwargs,
    )


# A row's version is a PostgreSQL integer (``PositiveIntegerField``).
VERSION_MAX = 2_147_483_647


def version_field(*, required: bool = True) -> BoundedIntegerField:
    """The hidden version the editor read (as ``artops.forms.version_field``), read by ``artops.parsing``:
    ASCII digits within the column's range, so that "١٢" or a number past the column is refused, not a conflict."""
    return BoundedIntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        max_value=VERSION_MAX,
        required=required,
        error_messages=dict.fromkeys(("required", "invalid"), VERSION_MISSING),
    )


def date_field(*, required: bool = True, missing: str = "", label: str | None = None) -> forms.DateField:
    messages = {"invalid": "Enter the date as YYYY-MM-DD."}
    if missing:
        messages["required"] = missing
    return forms.DateField(
        required=required, label=label, widget=forms.DateInput(attrs={"type": "date"}), error_messages=messages
    )


class ChoiceOf(IdChoiceField):
    """One of the objects the view hands in, by id (read with ``parse_id``); anything else is refused."""

    def __init__(self, model, *, invalid: str, missing: str = "", **kwargs):
        messages = {"invalid_choice": invalid}
        if missing:
            messages["required"] = missing
        super().__init__(queryset=model.objects.none(), error_messages=messages, **kwargs)


def limit(field: forms.ModelChoiceField, objects: Iterable, empty_label: str | None, label: Callable = str) -> None:
    """Offer exactly ``objects``: the queryset validates, the list renders (no query to render)."""
    objects = list(objects)
    field.queryset = field.queryset.model.objects.filter(pk__in=[obj.pk for obj in objects])
    empty = [("", empty_label)] if empty_label is not None else []
    field.choices = [*empty, *((obj.pk, label(obj)) for obj in objects)]


def person(user: User) -> str:
    return user.display_name or user.email
