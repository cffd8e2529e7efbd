"""Single sign-on over OpenID Connect, on mozilla-django-oidc.

The library reads its configuration through `get_settings`; here that also answers the
provider's endpoints from its discovery document (OIDC_OP_DISCOVERY_URL) when they are not
given one by one, and everything stays inactive while OIDC_RP_CLIENT_ID is unset. Endpoints are
resolved per sign-in, never at start-up or per request, so an unreachable provider delays only
the person pressing the button.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from signin.backends import SignedInUserMixin
from signin.errors import SignInRefused
from signin.services import sso_user_resolve

logger = logging.getLogger(__name__)

BACKEND_PATH = "signin.oidc.OIDCBackend"
DISCOVERY_TTL_SECONDS = 3600
_DISCOVERY_KEYS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_LOGOUT_ENDPOINT": "end_session_endpoint",
}
_discovered: dict[str, tuple[float, dict[str, Any]]] = {}
_discovered_lock = threading.Lock()


def oidc_enabled() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID)


def provider_metadata() -> dict[str, Any]:
    """The provider's discovery document, kept an hour per process. Raises
    requests.RequestException when the provider does not answer."""
    url = settings.OIDC_OP_DISCOVERY_URL
    if not url:
        return {}
    with _discovered_lock:
        cached = _discovered.get(url)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
    response.raise_for_status()
    metadata = response.json()
    with _discovered_lock:
        _discovered[url] = (time.monotonic() + DISCOVERY_TTL_SECONDS, metadata)
    return metadata


def oidc_setting(attr: str, *default: Any) -> Any:
    """mozilla-django-oidc's settings, with endpoints from the discovery document."""
    if attr in _DISCOVERY_KEYS:
        value = getattr(settings, attr, "") or provider_metadata().get(_DISCOVERY_KEYS[attr], "")
        return value or (default[0] if default else None)
    return import_from_settings(attr, *default)


def _refuse(request: HttpRequest, message: str) -> None:
    request.signin_refusal = message  # type: ignore[attr-defined]


class OIDCBackend(SignedInUserMixin, OIDCAuthenticationBackend):
    """Signs in the user the provider vouches for (signin.services.sso_user_resolve)."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Django makes a backend for every authenticate() and every request's session user:
        # the endpoints are resolved only when a sign-in actually comes back from the provider.
        self.UserModel = get_user_model()

    def authenticate(self, request: HttpRequest | None, **kwargs: Any):
        # Only the callback view passes `nonce`; password sign-ins pass username and password.
        if request is None or "nonce" not in kwargs or not oidc_enabled():
            return None
        try:
            super().__init__()
            return super().authenticate(request, **kwargs)
        except (requests.RequestException, SuspiciousOperation, ValueError) as exc:
            logger.warning("Single sign-on failed: %s", exc)
            _refuse(request, _("Signing in with the university account failed. Try again."))
            return None

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]):
        # Claims of the ID token (some providers put the groups only there), then userinfo's.
        claims = {**payload, **self.get_userinfo(access_token, id_token, payload)}
        try:
            return sso_user_resolve(issuer=str(payload.get("iss") or ""), claims=claims)
        except SignInRefused as refusal:
            logger.info("Single sign-on refused for sub %s: %s", claims.get("sub"), refusal)
            _refuse(self.request, refusal.message)
            return None

    def retrieve_matching_jwk(self, token: str):
        header = jwt.get_unverified_header(token)
        if "kid" in header:
            return super().retrieve_matching_jwk(token)
        # The key id is optional (RFC 7515): a provider with one signing key may leave it out.
        response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        keys = [
            key
            for key in response.json().get("keys", [])
            if key.get("use", "sig") == "sig"
            and key.get("alg", header.get("alg")) == header.get("alg")
        ]
        if len(keys) != 1:
            raise SuspiciousOperation("The ID token names no key and the provider has several.")
        return jwt.PyJWK(keys[0])


class AuthenticateView(OIDCAuthenticationRequestView):
    """The SSO button: redirects to the provider's sign-in page."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, **kwargs: Any) -> None:
        View.__init__(self, **kwargs)  # not the library's: it resolves the endpoint here

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc_enabled():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except (requests.RequestException, ValueError) as exc:
            logger.warning("OIDC discovery failed: %s", exc)
            messages.error(
                request,
                _("The university's sign-in service does not answer. Try again in a while."),
            )
            return redirect("login")
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the person back with a code."""

    get_settings = staticmethod(oidc_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc_enabled():
            raise Http404
        return super().get(request)

    def login_failure(self) -> HttpResponse:
        refusal = getattr(self.request, "signin_refusal", None)
        if refusal is None and self.request.GET.get("error"):
            refusal = _("Signing in was cancelled at the university's sign-in service.")
        messages.error(
            self.request,
            refusal or _("Signing in with the university account failed. Try again."),
        )
        return HttpResponseRedirect(reverse("login"))


def provider_logout_url(request: HttpRequest) -> str | None:
    """Where to end the provider's session too after a single sign-on (RP-initiated logout),
    or None (a password sign-in, or the provider offers no such endpoint)."""
    if not oidc_enabled() or request.session.get(BACKEND_SESSION_KEY) != BACKEND_PATH:
        return None
    try:
        endpoint = oidc_setting("OIDC_OP_LOGOUT_ENDPOINT", "")
    except (requests.RequestException, ValueError):
        return None
    if not endpoint:
        return None
    params = {
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(
            reverse(settings.LOGOUT_REDIRECT_URL)
        ),
    }
    if request.session.get("oidc_id_token"):
        params["id_token_hint"] = request.session["oidc_id_token"]
    return f"{endpoint}?{urlencode(params)}"
