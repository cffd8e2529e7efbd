"""API authentication by `Authorization: Token <key>` against the hashed ApiToken rows.

1. A client locked out by django-axes (too many wrong passwords or tokens) gets 429, whatever
   token it sends now.
2. The key is hashed and looked up; an unknown, revoked or expired key, or one of a deactivated
   user, counts as a failed sign-in for the client (`user_login_failed`, which axes and anyone
   else listening records) and gets 401, or 429 once that failure locked the client out.
3. A usable key signs the request in as its user and notes when it was last used (at most one
   write a minute per token).
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header

from accounts import selectors, services

NO_USERNAME: dict = {"username": None}


class LockedOut(exceptions.Throttled):
    """429 for a client that failed to sign in too often; `error_code` names it in the API's
    error shape, Retry-After says when to try again."""

    default_detail = _("Too many failed sign-in attempts from this client. Try again later.")
    error_code = "locked_out"

    def __init__(self) -> None:
        super().__init__(detail=str(self.default_detail))
        # Set after: given to Throttled, it would append its own sentence to the message.
        self.wait = settings.LOGIN_LOCKOUT_MINUTES * 60


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's token header and schema (a subclass, so the OpenAPI `tokenAuth` scheme stays),
    checked against ApiToken instead of DRF's plaintext authtoken table."""

    keyword = "Token"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        django_request = request._request
        if not AxesProxyHandler.is_allowed(django_request, NO_USERNAME):
            raise LockedOut()
        key = header[1].decode("latin-1")
        token = selectors.api_token_usable(key=key)
        if token is None:
            user_login_failed.send(sender=__name__, credentials=NO_USERNAME, request=django_request)
            if getattr(django_request, "axes_locked_out", False):
                raise LockedOut()
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        services.api_token_touch(token=token)
        return (token.user, token)

    def authenticate_header(self, request) -> str:
        return self.keyword
