from __future__ import annotations

from django.contrib import admin

from signin.models import OidcIdentity


@admin.register(OidcIdentity)
class OidcIdentityAdmin(admin.ModelAdmin):
    """Which university account signs in as which user. Deleting a row unties them: the next
    single sign-on matches by email again."""

    list_display = ("user", "subject", "issuer", "created_at", "last_login_at")
    search_fields = ("user__email", "subject")
    readonly_fields = ("user", "issuer", "subject", "created_at", "last_login_at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False
