from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext

from api.errors import error_body


class SwedishFirstMiddleware:
    """Swedish unless the visitor chose English with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language; a Swedish public
    e-service starts in Swedish for everyone and offers English (DOMAIN.md). The choice made
    with the switch lives in the language cookie, which LocaleMiddleware still honours.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):  # API clients negotiate with Accept-Language
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in v for v in items) for key, items in values)


class RejectNulMiddleware:
    """A NUL character in the path or the query string is a 400 here.

    PostgreSQL cannot store or compare text containing NUL: psycopg raises on such a parameter,
    so a lookup by `?contact=a%00b` or `/staff/cases/a%00b/` ended as a 500. No honest client
    sends one; refusing it once, before any view, covers every view and filter. API paths get
    the API's error shape, pages the site's 400 page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._nul_in(request):
            return self._bad_request(request)
        return self.get_response(request)

    @staticmethod
    def _nul_in(request) -> bool:
        # Posted forms are left to their fields (Django's CharField refuses NUL with an error
        # next to the field, keeping what was typed); JSON bodies to the API's serializers.
        return "\x00" in request.path or _has_nul(request.GET.lists())

    @staticmethod
    def _bad_request(request):
        if request.path.startswith("/api/"):
            message = gettext("The request contains a character that is not allowed.")
            return JsonResponse(error_body("invalid", message), status=400)
        return render(request, "400.html", status=400)


# Pages that carry a requester's link or case, or staff data: never kept by a browser or a
# shared proxy cache (the back button on a shared computer, a proxy serving it to another).
NO_STORE_PREFIXES = (
    "/track/",
    "/requests/receipt/",
    "/requests/lost-link/",
    "/act/",
    "/staff/",
    "/accounts/",
    "/admin/",
    "/api/v1/track/",
    "/kommun/",
)


class NoStoreMiddleware:
    """`Cache-Control: no-store` on the tracking, receipt and staff pages, the exports, the
    signed email links, and on anything answered to a signed-in user or an API token."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        personal = (
            request.path.startswith(NO_STORE_PREFIXES)
            or "HTTP_AUTHORIZATION" in request.META
            or (user is not None and user.is_authenticated)
        )
        if personal and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response


class PermissionsPolicyMiddleware:
    """The Permissions-Policy header (settings.PERMISSIONS_POLICY) on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
