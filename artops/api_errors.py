"""API error responses, one rule each for every endpoint of every app.

- A domain ``ValidationError`` (from a model or a service) is a 400 with the same messages as
  the pages, field by field.
- A ``StaleVersion`` (the object changed since the version the caller read) is a 409.
- The database unreachable (restarting) is a 503 with ``Retry-After`` (``artops.unavailable``).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from artops import unavailable
from artops.services import StaleVersion


class VersionConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Someone changed this a moment ago; read it again and retry."
    default_code = "version_conflict"


def exception_handler(exc, context):
    if isinstance(exc, unavailable.DATABASE_UNAVAILABLE):
        return unavailable.unavailable_response(context["request"])
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                ("non_field_errors" if field == "__all__" else field): messages
                for field, messages in exc.message_dict.items()
            }
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, StaleVersion):
        exc = VersionConflict(str(exc))
    return drf_exception_handler(exc, context)
