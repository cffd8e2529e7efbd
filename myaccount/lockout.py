"""What a locked-out client sees (AXES_LOCKOUT_CALLABLE): a page, or the API's error shape."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext

from api.errors import error_body

STATUS = 429


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            error_body(
                "locked_out",
                gettext("Too many failed sign-in attempts from this client. Try again later."),
            ),
            status=STATUS,
        )
    else:
        response = render(
            request, "registration/locked_out.html", {"minutes": minutes}, status=STATUS
        )
    response["Retry-After"] = str(minutes * 60)
    return response
