from __future__ import annotations

import secrets
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, Notify, Role, User, UserSession
from accounts.selectors import api_token_hash
from audit.models import Action
from audit.services import audit_record


@transaction.atomic
def staff_user_create(
    *, email: str, role: str, password: str | None = None, first_name: str = "", last_name: str = ""
) -> User:
    """Create or update a staff user identified by email (idempotent).

    A password is checked against AUTH_PASSWORD_VALIDATORS (length, common, numeric, too like
    the user's email or name): a refused one raises django's ValidationError with the reasons,
    and nothing is saved."""
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}; choose one of {', '.join(Role.values)}")
    email = email.strip().lower()
    user, created = User.objects.get_or_create(username=email, defaults={"email": email})
    old_role = "" if created else user.role
    user.email = email
    user.role = role
    user.first_name = first_name or user.first_name
    user.last_name = last_name or user.last_name
    user.is_staff = role == Role.ADMIN
    user.is_superuser = role == Role.ADMIN
    if password:
        validate_password(password, user)  # raises: the transaction rolls the user back
        user.set_password(password)
    elif not user.has_usable_password():
        user.set_unusable_password()
    user.save()
    if role != old_role:
        audit_record(
            action=Action.ROLE_CHANGED,
            actor_label="command",
            object_type="user",
            object_id=email,
            details={"changed": {"role": [old_role, role]}, "created": created},
        )
    return user


NOTIFY_FIELDS = ("notify_reply", "notify_withdrawn", "notify_new_request")


def user_notifications_save(*, user: User, choices: dict[str, str]) -> User:
    """Save how `user` hears of replies, withdrawals and new requests (Notify values)."""
    changed = []
    for field, value in choices.items():
        if field not in NOTIFY_FIELDS or value not in Notify.values:
            raise ValueError(f"Bad notification choice {field}={value!r}")
        setattr(user, field, value)
        changed.append(field)
    if changed:
        user.save(update_fields=changed)
    return user


# --- API tokens ---------------------------------------------------------------------------------


def api_token_create(*, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`. Returns the row and the key: the key is not stored (only its
    SHA-256), so this is the only time anyone sees it."""
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100] or "API",
        key_hash=api_token_hash(key),
        key_prefix=key[:8],
        created_at=now,
        expires_at=now + timedelta(days=days or settings.API_TOKEN_DAYS),
    )
    return token, key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token now; revoking again changes nothing."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Note that a token was used: at most one write a minute, not one per request."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# --- Sessions -----------------------------------------------------------------------------------


def user_session_seen(
    *, user: User, session_key: str, user_agent: str, ip_address: str | None
) -> None:
    """Record that a session was used now (the session list's "last seen")."""
    now = timezone.now()
    UserSession.objects.update_or_create(
        session_key=session_key,
        defaults={
            "user": user,
            "user_agent": user_agent[:300],
            "ip_address": ip_address,
            "last_seen_at": now,
        },
        create_defaults={
            "user": user,
            "user_agent": user_agent[:300],
            "ip_address": ip_address,
            "created_at": now,
            "last_seen_at": now,
        },
    )
    # Rows of sessions idle longer than the timeout can no longer be used: keep no address
    # or device longer than that, whoever's they are (staff only: a small table).
    idle = timedelta(minutes=settings.STAFF_SESSION_IDLE_MINUTES)
    UserSession.objects.filter(last_seen_at__lt=now - idle).delete()


def user_sessions_end(*, user: User, session_keys: list[str] | None = None) -> int:
    """Sign `user` out of the given sessions (all when None): delete them from the session
    store, so their cookies no longer sign anyone in. Returns how many were ended."""
    rows = UserSession.objects.filter(user=user)
    if session_keys is not None:
        rows = rows.filter(session_key__in=session_keys)
    keys = list(rows.values_list("session_key", flat=True))
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store(session_key=key).delete()
    rows.delete()
    return len(keys)
