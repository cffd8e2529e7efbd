from django.contrib import admin

from directory.models import Area, CollaborationForm, ContactPerson, Municipality


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "org_number", "member", "active")
    search_fields = ("name", "code")


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("name_sv", "name_en", "slug", "active")
    prepopulated_fields = {"slug": ("name_sv",)}


@admin.register(CollaborationForm)
class CollaborationFormAdmin(admin.ModelAdmin):
    list_display = ("name_sv", "name_en", "lead_time_weeks", "active")


@admin.register(ContactPerson)
class ContactPersonAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "title", "department", "max_active_cases", "active")
    list_filter = ("active", "areas")
    search_fields = ("name", "email", "keywords")
    filter_horizontal = ("areas",)
    raw_id_fields = ("user",)
