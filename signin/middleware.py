from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from signin.oidc import BACKEND_PATH

# What an administrator may open before confirming the second factor.
EXEMPT_URL_NAMES = {"signin-two-factor", "logout", "set_language", "healthz"}


def second_factor_required(request: HttpRequest) -> bool:
    """Whether this session must confirm a TOTP code: an administrator (role admin or
    superuser) signed in with a password, or by single sign-on with ADMIN_TOTP_AFTER_SSO."""
    user = request.user
    if not settings.ADMIN_TOTP_REQUIRED or not user.is_authenticated:
        return False
    if not user.is_administrator:
        return False
    signed_in_by = request.session.get(BACKEND_SESSION_KEY)
    return signed_in_by != BACKEND_PATH or settings.ADMIN_TOTP_AFTER_SSO


class TwoFactorMiddleware:
    """Holds an administrator's session at the second-factor step until a code is confirmed:
    staff pages, the admin site and the API by session all wait for it (after django-otp's
    OTPMiddleware, which tells whether the session is verified)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if second_factor_required(request) and not request.user.is_verified():  # type: ignore[union-attr]
            try:
                url_name = resolve(request.path_info).url_name
            except Resolver404:
                url_name = None
            if url_name not in EXEMPT_URL_NAMES:
                message = _("Confirm the code from your authenticator app first.")
                if request.path_info.startswith("/api/"):
                    error = {"code": "second_factor_required", "message": message}
                    return JsonResponse({"error": error}, status=403)
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse('signin-two-factor')}?{query}")
        return self.get_response(request)
