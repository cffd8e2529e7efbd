from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User
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
