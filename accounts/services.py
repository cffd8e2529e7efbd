from __future__ import annotations

from django.db import transaction

from accounts.models import Notify, Role, User
from audit.models import Action
from audit.services import audit_record


@transaction.atomic
def staff_user_create(
    *, email: str, role: str, password: str | None = None, first_name: str = "", last_name: str = ""
) -> User:
    """Create or update a staff user identified by email (idempotent)."""
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
