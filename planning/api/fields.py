"""A field that several planning endpoints (and risks') share: a feature of the caller's trains.

The fields of the core objects (train, PI, team, iteration, person) are ``artops.api_base``'s.
"""

from __future__ import annotations

from typing import ClassVar

from artops.api_base import VisibleObjectField
from planning.models import Feature


class VisibleFeatureField(VisibleObjectField):
    """A feature by id, among the features of the requesting user's trains."""

    model = Feature
    default_error_messages: ClassVar[dict[str, str]] = {
        "does_not_exist": "There is no feature with id {pk_value} on your trains."
    }
