"""Reads of accounts: API tokens and signed-in sessions."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import ApiToken, User, UserSession


def api_token_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", errors="replace")).hexdigest()


def api_token_usable(*, key: str) -> ApiToken | None:
    """The token with this key if it may be used now: not revoked, not expired, its user
    active. One query (the user comes with it)."""
    if not key or len(key) > 200:
        return None
    return (
        ApiToken.objects.select_related("user")
        .filter(
            key_hash=api_token_hash(key),
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .first()
    )


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """A user's tokens, newest first; revoked and expired ones too (for a while), marked."""
    return ApiToken.objects.filter(user=user)


def user_session_list(*, user: User) -> QuerySet[UserSession]:
    """A user's sessions that still exist in the session store and have been used within the
    idle timeout: the ones that can still make requests."""
    now = timezone.now()
    idle = timedelta(minutes=settings.STAFF_SESSION_IDLE_MINUTES)
    live = Session.objects.filter(expire_date__gt=now).values("session_key")
    return UserSession.objects.filter(user=user, last_seen_at__gt=now - idle, session_key__in=live)
