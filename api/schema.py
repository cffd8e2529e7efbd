"""OpenAPI pieces shared by every app's API: the error shape and an AutoSchema that documents
the error responses each operation can give."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny

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
    "503": "The database cannot be reached: try again in a moment (code `unavailable`).",
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
        codes = {"503"}  # every operation reads or writes the database
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
