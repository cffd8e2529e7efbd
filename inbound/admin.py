from __future__ import annotations

from django.contrib import admin

from inbound.models import InboundMail


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    """Every fetched email and what became of it; a record, so read-only."""

    list_display = (
        "fetched_at",
        "sender",
        "subject",
        "outcome",
        "reason",
        "case",
        "flagged",
        "authentication",
    )
    list_filter = ("outcome", "reason", "flagged", "authentication")
    list_select_related = ("case",)
    search_fields = ("sender", "subject", "message_id")
    readonly_fields = [f.name for f in InboundMail._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
