from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, User
from accounts.services import api_token_revoke
from audit.models import Action
from audit.services import audit_record

# What decides what a user may do: a change to any of them is a role change in the audit log.
ROLE_FIELDS = ("role", "is_active", "is_staff", "is_superuser")


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Samverka", {"fields": ("role",)}))

    def save_model(self, request, obj, form, change) -> None:
        before = (
            dict(User.objects.filter(pk=obj.pk).values(*ROLE_FIELDS).first() or {})
            if change
            else {}
        )
        super().save_model(request, obj, form, change)
        after = {name: getattr(obj, name) for name in ROLE_FIELDS}
        changed = {
            name: [before.get(name), value]
            for name, value in after.items()
            if before.get(name) != value and (change or value)
        }
        if changed:
            audit_record(
                action=Action.ROLE_CHANGED,
                request=request,
                object_type="user",
                object_id=obj.email or obj.username,
                details={"changed": changed, "created": not change},
            )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their user (account page) or `manage.py create_api_token`, the
    only places the key can be shown; here an administrator sees and revokes them."""

    list_display = ("name", "user", "key_prefix", "created_at", "last_used_at", "expires_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__email", "name", "key_prefix")
    readonly_fields = (
        "user",
        "name",
        "key_prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset) -> None:
        for token in queryset:
            api_token_revoke(token=token)
