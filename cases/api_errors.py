"""One JSON error shape for the whole API, and the schema pieces that document it.

Every error response is

    {"error": {"code": "<machine code>", "message": "<translated text>", "fields": {...}}}

`fields` maps a request field to a list of messages (empty when the error is not about a
field). Domain errors from the services (`cases.errors.CaseError`) and DRF's own exceptions go
through `api_exception_handler`, so a client handles one shape whatever went wrong.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import ProtectedError
from django.http import Http404
from django.utils.translation import gettext
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from cases.errors import CaseError

# DRF exception class -> (code, message shown instead of DRF's detail, or None to keep it).
_DRF_CODES: list[tuple[type[exceptions.APIException], str]] = [
    (exceptions.ValidationError, "invalid"),
    (exceptions.ParseError, "parse_error"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "authentication_failed"),
    (exceptions.PermissionDenied, "forbidden"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "throttled"),
]


def error_body(code: str, message, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def _flatten(detail) -> dict[str, list[str]]:
    """DRF's nested error detail -> {"field": ["message", ...]}; nested keys joined with '.'."""
    if isinstance(detail, dict):
        result: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "non_field_errors" if key in ("__all__", "non_field_errors") else str(key)
            if isinstance(value, dict):
                for sub, messages in _flatten(value).items():
                    result[f"{name}.{sub}"] = messages
            elif isinstance(value, list) and value and isinstance(value[0], dict | list):
                for index, item in enumerate(value):
                    for sub, messages in _flatten(item).items():
                        result[f"{name}.{index}.{sub}".rstrip(".")] = messages
            else:
                result[name] = [str(m) for m in (value if isinstance(value, list) else [value])]
        return result
    if isinstance(detail, list):
        flat = []
        for item in detail:
            flat.extend(
                _flatten(item).get("non_field_errors", [])
                if isinstance(item, dict)
                else [str(item)]
            )
        return {"non_field_errors": flat}
    return {"non_field_errors": [str(detail)]}


def api_exception_handler(exc, context):
    if isinstance(exc, CaseError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, ProtectedError):
        return Response(
            error_body("protected", gettext("This entry is in use and cannot be deleted.")),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django log it and answer 500
    code = next((c for cls, c in _DRF_CODES if isinstance(exc, cls)), "error")
    if isinstance(exc, exceptions.ValidationError):
        body = error_body(code, gettext("Some fields need to be corrected."), _flatten(exc.detail))
    else:
        body = error_body(code, exc.detail if not isinstance(exc.detail, list | dict) else "")
    response.data = body
    return response


# --- Schema ----------------------------------------------------------------------------------

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorDetail",
            fields={
                "code": serializers.CharField(help_text="Machine-readable error code."),
                "message": serializers.CharField(help_text="Human-readable, translated message."),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField()),
                    help_text="Messages per request field; empty when not about a field.",
                ),
            },
        )
    },
)

_ERROR_DESCRIPTIONS = {
    "400": "Invalid input (see `error.fields`).",
    "401": "Not authenticated: send `Authorization: Token <key>` or a session cookie.",
    "403": "Authenticated, but not allowed to do this.",
    "404": "Not found, or not visible to you.",
    "405": "Method not allowed.",
    "409": "Not possible in the current state, or the object changed meanwhile.",
    "415": "Unsupported media type.",
    "429": "Too many requests: wait `Retry-After` seconds.",
}


def error_response(code: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=_ERROR_DESCRIPTIONS[code])


class ApiAutoSchema(AutoSchema):
    """AutoSchema that documents the error responses every operation can give.

    Derived from the view itself (authentication, permissions, throttles, path parameters and
    request body), so a new endpoint is documented completely without per-view boilerplate.
    """

    def get_auth(self):
        auths = super().get_auth()
        # Public reads (the directory) take a token or session but do not need one.
        if self.method in getattr(self.view, "public_methods", ()) and {} not in auths:
            auths.append({})
        return auths

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        view = self.view
        codes = set()
        public = all(isinstance(p, AllowAny) for p in view.get_permissions())
        if not public and self.method not in getattr(view, "public_methods", ()):
            codes.update({"401", "403"})
        if "{" in self.path:
            codes.add("404")
        if self.method in ("POST", "PUT", "PATCH") or getattr(view, "has_query_params", False):
            codes.add("400")
        if self.method in ("POST", "PUT", "PATCH"):
            codes.add("415")
        if view.get_throttles():
            codes.add("429")
        codes.update(getattr(view, "extra_error_codes", {}).get(self.method, ()))
        for code in sorted(codes):
            responses.setdefault(code, self._get_response_for_code(error_response(code), code))
        return responses
