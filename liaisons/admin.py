from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from liaisons.forms import LiaisonAdminForm
from liaisons.models import Liaison
from liaisons.services import liaison_save


@admin.register(Liaison)
class LiaisonAdmin(admin.ModelAdmin):
    """Administrators keep the liaisons. Every change is in the admin's log, and from there in
    the audit log (audit.signals)."""

    form = LiaisonAdminForm
    list_display = ("name", "email", "municipality", "active", "last_login_at")
    list_filter = ("active", "municipality")
    search_fields = ("name", "email")
    readonly_fields = ("created_at", "last_login_at")
    fields = ("name", "email", "municipality", "active", "created_at", "last_login_at")
    actions = ("deactivate",)

    def save_model(self, request, obj, form, change):
        liaison_save(liaison=obj)

    @admin.action(description=_("Mark as inactive (can no longer sign in)"))
    def deactivate(self, request, queryset):
        changed = 0
        for liaison in queryset.filter(active=True):
            liaison.active = False
            liaison_save(liaison=liaison)
            # One entry per liaison in the admin's log, and so in the audit log.
            self.log_change(request, liaison, [{"changed": {"fields": ["active"]}}])
            changed += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d liaison can no longer sign in.",
                "%(count)d liaisons can no longer sign in.",
                changed,
            )
            % {"count": changed},
        )
