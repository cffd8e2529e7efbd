"""The private calendar feed's secret: created, replaced, revoked, and resolved to its user."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from accounts.models import CalendarFeed, User


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_create(*, user: User) -> str:
    """A new secret for `user`'s feed (any earlier one stops working); shown once."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.filter(user=user).delete()
        CalendarFeed.objects.create(user=user, token_hash=_hash(token))
    return token


def feed_revoke(*, user: User) -> bool:
    return CalendarFeed.objects.filter(user=user).delete()[0] > 0


def feed_user(token: str) -> User | None:
    """The active staff user whose feed `token` opens, or None."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=_hash(token), user__is_active=True)
        .first()
    )
    if feed is None:
        return None
    now = timezone.now()
    if feed.last_used_at is None or (now - feed.last_used_at).total_seconds() > 3600:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    return feed.user
