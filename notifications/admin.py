"""The outbox in the admin: read-only, every column and field labelled in Swedish and English.

The model's technical fields have no verbose names (they are not shown to requesters), so the
admin names them here with display functions instead of changing the model.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from notifications.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("created", "kind", "recipient", "status_label", "tries", "sent")
    list_filter = ("status", "kind")
    search_fields = ("recipient", "subject", "key")
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("kind", "reason", "recipient", "subject", "status_label", "case")}),
        (
            _("Delivery"),
            {"fields": ("created", "tries", "next_attempt", "sent", "error", "idempotency_key")},
        ),
        (_("Content"), {"fields": ("text", "language_code"), "classes": ("collapse",)}),
    )
    readonly_fields = (
        "kind",
        "reason",
        "recipient",
        "subject",
        "status_label",
        "case",
        "created",
        "tries",
        "next_attempt",
        "sent",
        "error",
        "idempotency_key",
        "text",
        "language_code",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("Created"), ordering="created_at")
    def created(self, message: OutboxMessage):
        return message.created_at

    @admin.display(description=_("Status"), ordering="status")
    def status_label(self, message: OutboxMessage) -> str:
        return str(message.get_status_display())

    @admin.display(description=_("Attempts"), ordering="attempts")
    def tries(self, message: OutboxMessage) -> int:
        return message.attempts

    @admin.display(description=_("Sent"), ordering="sent_at")
    def sent(self, message: OutboxMessage):
        return message.sent_at

    @admin.display(description=_("Next attempt"))
    def next_attempt(self, message: OutboxMessage):
        return message.next_attempt_at

    @admin.display(description=_("Error"))
    def error(self, message: OutboxMessage) -> str:
        return message.last_error

    @admin.display(description=_("Case number"))
    def case(self, message: OutboxMessage):
        return message.case_id

    @admin.display(description=_("Idempotency key"))
    def idempotency_key(self, message: OutboxMessage) -> str:
        return message.key

    @admin.display(description=_("Text"))
    def text(self, message: OutboxMessage) -> str:
        return message.body_text

    @admin.display(description=_("Language"))
    def language_code(self, message: OutboxMessage) -> str:
        return message.language
