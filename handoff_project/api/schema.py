"""The OpenAPI schema class of the API views: every operation documents the errors it can answer.

drf-spectacular documents only the success response. The API also answers 401 (no or bad credentials), 403 (a role
is missing), 404 (no such object, on detail operations) and 400 (a filter, a page parameter or a request body it
cannot use); clients and schemathesis must find those in the schema, with the body DRF sends for them: an object with
a `detail` message, or one list of messages per offending field.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent

ERROR_COMPONENT = "ErrorResponse"
ERROR_SCHEMA = {
    "type": "object",
    "description": "`detail` says what went wrong; validation errors name each field with its messages "
                   "(a list, or an object by list index for fields that hold several values).",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}],
    },
}
ERROR_DESCRIPTIONS = {
    "400": "A query parameter or the request body cannot be used; the body names each field and why.",
    "401": "No credentials, or credentials that are not valid: send `Authorization: Token <key>` or sign in.",
    "403": "Signed in, but the account's roles do not allow this operation.",
    "404": "No object with this id (or not one this account may see).",
}


class ApiAutoSchema(AutoSchema):
    """AutoSchema that adds the error responses (400/401/403/404) an operation can give, unless already declared."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            declared = responses.setdefault(code, {"description": ERROR_DESCRIPTIONS[code]})
            # An error declared by description only (@extend_schema … OpenApiResponse(description=…)) gets the body too.
            declared.setdefault("content", {"application/json": {"schema": self._error_component()}})
        return responses

    def _error_codes(self) -> list[str]:
        codes = ["401", "403"]
        takes_input = self.method in ("POST", "PUT", "PATCH") or self._is_list_view() or self.get_filter_backends()
        if takes_input:
            codes.insert(0, "400")
        if "{" in self.path:
            codes.append("404")
        return codes

    def _error_component(self) -> dict:
        component = ResolvedComponent(
            name=ERROR_COMPONENT, type=ResolvedComponent.SCHEMA, object=ERROR_COMPONENT, schema=ERROR_SCHEMA,
        )
        self.registry.register_on_missing(component)
        return component.ref
