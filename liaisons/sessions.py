"""The liaison's signed-in session: the liaison's id in Django's session, nothing else.

Why not a `User` with a new role: every staff page, the API's session authentication, the admin,
the two-factor middleware and the session list treat an authenticated user as staff. A liaison
who is never `request.user` cannot reach any of them by a forgotten check; the only pages that
read this session are the municipality's own (liaisons.views).

Rules:
- one identity per browser session: signing in as a liaison ends a staff sign-in in the same
  browser (logout, which is audited), and a session with a staff user never counts as a liaison;
- the session key changes at sign-in (no fixation), and sign-out flushes the session;
- a session unused for LIAISON_SESSION_IDLE_MINUTES ends; so does one whose liaison was made
  inactive or deleted (checked on every request).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest

from liaisons.models import Liaison

SESSION_KEY = "_samverka_liaison"
WRITE_EVERY_SECONDS = 60


def session_data(liaison: Liaison) -> dict[str, Any]:
    """What the session holds for a signed-in liaison."""
    return {"id": liaison.pk, "seen": time.time()}


def liaison_session_start(request: HttpRequest, liaison: Liaison) -> None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        logout(request)  # flushes the session: a new key, nothing of the staff sign-in left
    else:
        request.session.flush()
    request.session[SESSION_KEY] = session_data(liaison)


def liaison_session_end(request: HttpRequest) -> None:
    request.session.flush()


def current_liaison(request: HttpRequest) -> Liaison | None:
    """The active liaison signed in in this session, or None (after ending a stale session)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return None
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    now = time.time()
    if now - float(data.get("seen", 0)) > settings.LIAISON_SESSION_IDLE_MINUTES * 60:
        request.session.flush()
        return None
    liaison = (
        Liaison.objects.select_related("municipality").filter(pk=data["id"], active=True).first()
    )
    if liaison is None:
        request.session.flush()
        return None
    if now - float(data["seen"]) > WRITE_EVERY_SECONDS:
        request.session[SESSION_KEY] = {**data, "seen": now}
    return liaison
