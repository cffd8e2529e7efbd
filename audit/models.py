"""The audit log: who did what to which object, when and from where. Append-only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    CASE_VIEWED = "case_viewed", _("Viewed a case")
    LIST_EXPORTED = "list_exported", _("Exported a list")
    ROLE_CHANGED = "role_changed", _("Changed a role")
    DIRECTORY_CHANGED = "directory_changed", _("Changed the directory")
    DIRECTORY_IMPORTED = "directory_imported", _("Imported the directory")
    ADMIN_CHANGE = "admin_change", _("Changed data in the administration")
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Failed to sign in")
    LOGOUT = "logout", _("Signed out")
    RETENTION_RUN = "retention_run", _("Applied retention")
    RETENTION_EXPORTED = "retention_exported", _("Exported cases due for anonymisation")
    REQUESTER_EXPORTED = "requester_exported", _("Exported a requester's data")
    REQUESTER_ERASED = "requester_erased", _("Erased a requester's data")
    AUDIT_EXPORTED = "audit_exported", _("Exported the audit log")
    AUDIT_PRUNED = "audit_pruned", _("Removed old audit entries")
    ACTIVITY_CHANGED = "activity_changed", _("Changed an activity")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now)
    # Kept when the user is deleted: the label says who it was.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("who"),
    )
    # The user's email at the time, or what acted without a user: "system" (a scheduled job),
    # "command" (manage.py) or the name typed into a failed sign-in.
    actor_label = models.CharField(_("who"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object"), max_length=200, blank=True)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["-at", "-id"], name="audit_at_idx"),
            models.Index(fields=["action", "-at"], name="audit_action_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        # A record: written once, never changed. Old entries go only by retention (a queryset
        # delete in audit.services.audit_prune).
        if self.pk is not None:
            raise ValueError("Audit entries are immutable")
        super().save(*args, **kwargs)
