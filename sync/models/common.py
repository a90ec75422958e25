"""Small pieces shared by the models of the sync app."""

from __future__ import annotations

from django.core.validators import MaxLengthValidator
from django.db import models

from artops.models import ART


def bounded_text(verbose_name: str, max_length: int, *, blank: bool = False, help_text: str = "") -> models.TextField:
    """A text field whose bound is checked by validation (forms, API, services) and not only by the widget."""
    message = f"Keep the {verbose_name} under {max_length} characters."
    return models.TextField(
        verbose_name,
        max_length=max_length,
        blank=blank,
        help_text=help_text,
        validators=[MaxLengthValidator(max_length, message=message)],
    )


def choice_values(choices) -> list[str]:
    return [str(value) for value in choices.values]


class MeetingScopedQuerySet(models.QuerySet):
    """Rows that belong to a train through their meeting."""

    def visible_to(self, user):
        return self.filter(meeting__art__in=ART.objects.visible_to(user))

    def for_art(self, art: ART):
        return self.filter(meeting__art=art)
