"""Every refusal has one shape: {"error": {"code", "message", "field"}} (`field` is null when
no one field is at fault; "details" lists every problem of a refused body)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.views import exception_handler

from api.permissions import InsufficientScope

CODES = {
    exceptions.ParseError: "malformed_json",
    exceptions.NotAuthenticated: "unauthenticated",
    exceptions.AuthenticationFailed: "invalid_token",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.Throttled: "rate_limited",
    exceptions.PermissionDenied: "forbidden",
}


def body(code: str, message: str, field: str | None = None, details=None) -> dict:
    error = {"code": code, "message": message, "field": field}
    if details:
        error["details"] = details
    return {"error": error}


def handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500, logged as such
    if isinstance(exc, exceptions.ValidationError):
        problems = list(_flatten(exc.detail))
        first = problems[0]
        response.data = body(first["code"], first["message"], first["field"], problems)
        return response
    code = CODES.get(type(exc)) or _code_of(exc)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if isinstance(exc, exceptions.Throttled):
        detail = "Too many requests from this application; try again after Retry-After seconds."
    response.data = body(code, str(detail))
    if isinstance(exc, InsufficientScope):
        response["WWW-Authenticate"] = (
            f'Bearer realm="api", error="insufficient_scope", scope="{exc.scope}"'
        )
    return response


def _code_of(exc) -> str:
    for kind, code in CODES.items():
        if isinstance(exc, kind):
            return getattr(exc, "default_code", None) or code
    return getattr(exc, "default_code", "error")


def _flatten(detail, path=""):
    """DRF's nested {field: [ErrorDetail]} as [{"field", "message", "code"}] in order."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = None if key == "non_field_errors" else str(key)
            yield from _flatten(value, f"{path}.{name}" if path and name else (name or path))
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                yield from _flatten(value, f"{path}[{index}]")
            else:
                yield from _flatten(value, path)
    else:
        yield {
            "field": path or None,
            "message": str(detail),
            "code": getattr(detail, "code", None) or "invalid",
        }


@csrf_exempt  # no session is ever used here: a POST to no endpoint is a 404, not CSRF's 403
def not_found(request, *args, **kwargs):
    """Any path under /api/v1/ that is not an endpoint, whatever the method."""
    return JsonResponse(body("not_found", "No such endpoint."), status=status.HTTP_404_NOT_FOUND)
