"""How the OpenAPI description (drf-spectacular) tells clients to get a token: OAuth2 with the
authorization-code and client-credentials flows, and which scope each operation needs."""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerToken"
    name = "oauth2"

    def get_security_definition(self, auto_schema):
        scopes = settings.OAUTH2_PROVIDER["SCOPES"]
        token = reverse("oauth2_provider:token")
        return {
            "type": "oauth2",
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": reverse("oauth2_provider:authorize"),
                    "tokenUrl": token,
                    "refreshUrl": token,
                    "scopes": scopes,
                },
                "clientCredentials": {"tokenUrl": token, "scopes": scopes},
            },
        }

    def get_security_requirement(self, auto_schema):
        return {self.name: [auto_schema.view.scope_for(auto_schema.method)]}


ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "field"],
            "properties": {
                "code": {"type": "string", "examples": ["unknown_field", "insufficient_scope"]},
                "message": {"type": "string"},
                "field": {"type": ["string", "null"], "description": "The field at fault"},
                "details": {
                    "type": "array",
                    "description": "Every problem of a refused body",
                    "items": {
                        "type": "object",
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "field": {"type": ["string", "null"]},
                        },
                    },
                },
            },
        }
    },
}
REFUSALS = {
    "400": "Bad input: malformed JSON, an unknown or read-only field, a bad value or filter",
    "401": "No token, or one that is expired, revoked or no longer valid (WWW-Authenticate)",
    "403": "The token lacks the scope (WWW-Authenticate names it) or the right",
    "404": "Not there, or not visible to this app",
    "429": "Too many requests from this app; Retry-After says when to try again",
}


def add_refusals(result, generator, request, public):
    """Every operation documents the error body of its refusals."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for code in REFUSALS:
                operation["responses"].setdefault(
                    code, {"description": REFUSALS[code], "content": reference}
                )
    return result


class UnpagedSchema(AutoSchema):
    """For views whose list answers {"results": [...]} in one piece (a few stores, the report
    registry): describe the response as given, not as an array of it."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


# No text the API takes holds NUL (no column can).
WITHOUT_NUL = "^[^\\u0000]*$"


def refuse_unknown_fields(result, generator, request, public):
    """What the API refuses, said in the document: request bodies name their fields (a
    misspelt one would otherwise be dropped in silence), and no text, in a body or a query
    string, holds NUL."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
            _text_without_nul(component)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                _text_without_nul(parameter.get("schema", {}))
    return result


def _text_without_nul(schema) -> None:
    if not isinstance(schema, dict):
        return
    kinds = schema.get("type")
    if (kinds == "string" or (isinstance(kinds, list) and "string" in kinds)) and (
        "pattern" not in schema and "format" not in schema and "enum" not in schema
    ):
        schema["pattern"] = WITHOUT_NUL
    if kinds == "object" or "additionalProperties" in schema:
        schema.setdefault("propertyNames", {"pattern": WITHOUT_NUL})
    for key in ("properties", "additionalProperties", "items"):
        value = schema.get(key)
        if key == "properties" and isinstance(value, dict):
            for item in value.values():
                _text_without_nul(item)
        else:
            _text_without_nul(value)
