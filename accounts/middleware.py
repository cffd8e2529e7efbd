"""Staff sessions: signed out after STAFF_SESSION_IDLE_MINUTES without a request, and listed.

The session keeps the time of its last request; a request that finds it older than the idle
timeout signs the user out before the view runs (the view then asks for a login, and the login
page says why). To keep requests cheap, the time is written at most once a minute, together
with the session list's row (accounts.UserSession: device, address, last seen).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from accounts import services

LAST_SEEN = "_samverka_last_seen"
WRITE_EVERY_SECONDS = 60


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            last_seen = request.session.get(LAST_SEEN)
            if last_seen and time.time() - last_seen > settings.STAFF_SESSION_IDLE_MINUTES * 60:
                logout(request)
                messages.info(request, _("You were signed out after a while without activity."))
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        # Only a session that signs a user in (not an API call authenticated by its token).
        if user is not None and user.is_authenticated and session and SESSION_KEY in session:
            # After the view: a login has its new session key by now.
            last_seen = session.get(LAST_SEEN)
            now = time.time()
            if not last_seen or now - last_seen > WRITE_EVERY_SECONDS:
                session[LAST_SEEN] = now
                if session.session_key is None:
                    session.save()
                services.user_session_seen(
                    user=user,
                    session_key=session.session_key,
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                    ip_address=get_client_ip_address(request),
                )
        return response
