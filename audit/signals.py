"""Sign-in, failed sign-in and sign-out, from django.contrib.auth's signals (every way in: the
staff login, the admin and anything else that calls authenticate()/login())."""

from __future__ import annotations

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_save
from django.dispatch import receiver

from audit.models import Action
from audit.services import audit_record


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs) -> None:
    audit_record(
        action=Action.LOGIN, request=request, user=user, object_type="user", object_id=user.pk
    )


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Only the name that was typed (never the password): Django already masks secrets in
    # `credentials`, and only the username is kept.
    typed = str(credentials.get("username") or credentials.get("email") or "")[:254]
    audit_record(
        action=Action.LOGIN_FAILED,
        request=request,
        actor_label=typed or "anonymous",
        object_type="user",
        details={"username": typed},
    )


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    audit_record(
        action=Action.LOGOUT, request=request, user=user, object_type="user", object_id=user.pk
    )


@receiver(post_save, sender=LogEntry, dispatch_uid="audit_admin_change")
def _admin_change(sender, instance: LogEntry, created: bool, **kwargs) -> None:
    """Every change made in /admin/ (the directory, users, reminder rules), from the admin's own
    log: one entry per object. (A bulk delete of several objects writes its LogEntry rows with
    bulk_create, which sends no signal; the directory's own services record their changes.)"""
    if not created or instance.content_type_id is None:
        return
    content_type = ContentType.objects.get_for_id(instance.content_type_id)
    audit_record(
        action=Action.ADMIN_CHANGE,
        object_type=f"{content_type.app_label}.{content_type.model}",
        object_id=instance.object_id or "",
        details={
            "what": {ADDITION: "added", CHANGE: "changed", DELETION: "deleted"}.get(
                instance.action_flag, ""
            ),
            "object": instance.object_repr,
            "message": instance.get_change_message(),
        },
    )
