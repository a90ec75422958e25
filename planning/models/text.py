"""Free text of PI Planning: every field a person types has a maximum length and holds only text
PostgreSQL can store.

The model is where the bound lives: forms and serializers read ``max_length`` from the model
field (``planning.forms.fields.text_field``, ``planning.api.fields.api_text``), so that the
page, the API, the CSV import and the shell refuse the same text, each with a message that
names the limit.
"""

from __future__ import annotations

from django.core.validators import MaxLengthValidator
from django.db import models

from artops.parsing import validate_storable_text

# A feature's description, benefit hypothesis and acceptance criteria: a few pages at most.
FEATURE_TEXT_MAX_LENGTH = 10_000


def storable_text(value) -> None:
    """Refuse text PostgreSQL cannot store (a NUL character, a lone surrogate): ``artops.parsing``'s rule.

    A plain function, so that migrations name it by reference.
    """
    validate_storable_text(value)


def bounded_text(max_length: int, **kwargs) -> models.TextField:
    """A ``TextField`` whose ``max_length`` is enforced (a ``TextField`` alone only sizes its widget)."""
    validators = [MaxLengthValidator(max_length), storable_text, *kwargs.pop("validators", [])]
    return models.TextField(max_length=max_length, validators=validators, **kwargs)
