"""One JSON error shape for the whole API, and the schema pieces that document it.

Every error response is

    {"error": {"code": "<machine code>", "message": "<translated text>", "fields": {...}}}

`fields` maps a request field to a list of messages (empty when the error is not about a
field). Domain errors from the services (subclasses of `ServiceError`) and DRF's own exceptions
go through `api_exception_handler`, so a client handles one shape whatever went wrong.

This package is shared by every app's API and imports none of them.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.db.models import ProtectedError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ServiceError(Exception):
    """Base of the domain errors that services raise; each interface maps it to a response."""

    status = 400
    code = "invalid"
    default_message = _("The request could not be processed.")

    def __init__(self, message=None, *, fields: dict[str, list[str]] | None = None):
        self.message = message or self.default_message
        self.fields = fields or {}
        super().__init__(str(self.message))


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


logger = logging.getLogger(__name__)

# What the database driver raises when the server cannot be reached (refused, timed out, the
# connection dropped) or gives up on a statement: the client may simply try again later.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def error_body(code: str, message, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def _unavailable_body(exc: BaseException) -> dict:
    logger.error("Database unavailable: %s", exc)  # a 503 is no traceback, but must be seen
    return error_body(
        "unavailable", gettext("The service is temporarily unavailable. Try again in a moment.")
    )


def api_server_error(exc: BaseException | None) -> JsonResponse:
    """An /api/ request that failed outside any API view (in a middleware, or a bug): the
    error shape instead of the site's HTML 500 page. Used by the site's handler500."""
    if isinstance(exc, DATABASE_UNAVAILABLE):
        return JsonResponse(_unavailable_body(exc), status=503)
    return JsonResponse(
        error_body("server_error", gettext("Something went wrong on our side.")), status=500
    )


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
    if isinstance(exc, ServiceError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, DATABASE_UNAVAILABLE):
        return Response(_unavailable_body(exc), status=status.HTTP_503_SERVICE_UNAVAILABLE)
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
    # An app's own exception may name its code (e.g. "locked_out", a kind of Throttled).
    code = getattr(exc, "error_code", None) or next(
        (c for cls, c in _DRF_CODES if isinstance(exc, cls)), "error"
    )
    if isinstance(exc, exceptions.ValidationError):
        body = error_body(code, gettext("Some fields need to be corrected."), _flatten(exc.detail))
    else:
        body = error_body(code, exc.detail if not isinstance(exc.detail, list | dict) else "")
    response.data = body
    return response
