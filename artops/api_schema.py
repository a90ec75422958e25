"""The OpenAPI schema says every status an operation may answer, once for the whole API.

``ApiAutoSchema`` (``DEFAULT_SCHEMA_CLASS`` in the settings) adds to every operation the
answers that ``artops.api_base``, ``artops.api_errors`` and DRF give whatever the endpoint:

=====  =============================================================  ==========================
code   when                                                           documented on
=====  =============================================================  ==========================
401    no token and no session (with ``WWW-Authenticate: Token``)     every operation
403    a member whose role lacks the capability                       every operation
404    another train's object, or a page past the end of a list       every operation
400    invalid input: a body, a filter or ``?page=`` that is not one  writes; reads that take
                                                                      query parameters
409    the object changed since the ``version`` the caller read       operations that take a
                                                                      ``version``
422    what a viewset names in ``unprocessable_actions``              those actions
=====  =============================================================  ==========================

The bodies are the project's: ``{"detail": "…"}`` for 401, 403, 404, 409 and 422, and for 400
the messages by field (``{"title": ["…"], "non_field_errors": ["…"]}``), as
``artops.api_errors`` shapes them. An answer an operation documents itself is kept.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, force_instance, is_serializer

DETAIL_SCHEMA = {
    "type": "object",
    "description": "Why the request was not done.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS_SCHEMA = {
    "description": (
        "The messages of invalid input, by field (``non_field_errors`` for the request as a whole); "
        "a nested field's messages are nested the same way."
    ),
    "anyOf": [
        {"type": "object", "additionalProperties": {}},
        {"type": "array", "items": {"type": "string"}},
    ],
}
ANSWERS = {
    "400": ("Invalid input: the messages say what, field by field.", "FieldErrors", FIELD_ERRORS_SCHEMA),
    "401": ("Not signed in: send a token (`Authorization: Token …`) or a session.", "ErrorDetail", DETAIL_SCHEMA),
    "403": ("Your role on this train does not allow it.", "ErrorDetail", DETAIL_SCHEMA),
    "404": ("Not found on your trains (or a page past the end of the list).", "ErrorDetail", DETAIL_SCHEMA),
    "409": ("Changed since the version you read: read it again and retry.", "ErrorDetail", DETAIL_SCHEMA),
    "422": ("Understood, but the rules refuse it now.", "ErrorDetail", DETAIL_SCHEMA),
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema, with the error answers of every operation (see the module's table)."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for code in self.error_codes(operation):
            if code not in responses:
                description, name, schema = ANSWERS[code]
                content = {"application/json": {"schema": self._error_ref(name, schema)}}
                responses[code] = {"description": description, "content": content}
        return operation

    def error_codes(self, operation: dict) -> list[str]:
        """The error statuses this operation may answer."""
        codes = ["401", "403", "404"]
        takes_query = any(parameter.get("in") == "query" for parameter in operation.get("parameters", []))
        if self.method in WRITES or takes_query:
            codes.append("400")
        if self._takes_version(operation):
            codes.append("409")
        if getattr(self.view, "action", None) in getattr(self.view, "unprocessable_actions", ()):
            codes.append("422")
        return sorted(codes)

    def _takes_version(self, operation: dict) -> bool:
        """A ``version`` in the request body (a change) or in the query (a deletion)."""
        if any(parameter.get("name") == "version" for parameter in operation.get("parameters", [])):
            return True
        if self.method not in WRITES:
            return False
        serializer = force_instance(self.get_request_serializer())
        return is_serializer(serializer) and "version" in getattr(serializer, "fields", {})

    def _error_ref(self, name: str, schema: dict) -> dict:
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
        self.registry.register_on_missing(component)
        return component.ref
