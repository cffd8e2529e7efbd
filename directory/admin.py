from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from directory.forms import ContactPersonAdminForm, VocabularyEntryForm
from directory.models import Area, CollaborationForm, ContactPerson, Municipality, VocabularyEntry
from directory.services import contact_deactivate


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
    form = ContactPersonAdminForm
    list_display = ("name", "email", "department", "max_active_cases", "away_until", "active")
    list_filter = ("active", "areas")
    fieldsets = (
        (None, {"fields": ("name", "email", "title", "department", "phone", "user")}),
        (
            _("What they can help with"),
            {"fields": ("areas", "keywords", "languages", "bio_sv")},
        ),
        (
            _("Availability"),
            {"fields": ("max_active_cases", "away_until", "active", "general_contact")},
        ),
    )
    search_fields = ("name", "email", "keywords")
    filter_horizontal = ("areas",)
    raw_id_fields = ("user",)
    list_editable = ("max_active_cases",)
    actions = ("deactivate",)

    @admin.action(description=_("Mark as inactive (no new cases; open cases flagged)"))
    def deactivate(self, request, queryset):
        people = [contact_deactivate(contact=person) for person in queryset]
        self.report_deactivated(request, people)

    def report_deactivated(self, request, people: list[ContactPerson]) -> None:
        """Tell the user what deactivating did. The directory knows no cases: the case-aware
        admin (cases/admin.py) replaces this with how many open cases need a new contact."""
        self.message_user(
            request,
            ngettext(
                "%(n)d contact person marked inactive; their open cases are flagged in the inbox.",
                "%(n)d contact persons marked inactive; their open cases are flagged in the inbox.",
                len(people),
            )
            % {"n": len(people)},
            messages.SUCCESS,
        )


@admin.register(VocabularyEntry)
class VocabularyEntryAdmin(admin.ModelAdmin):
    """The words requesters use for the directory's words (see directory.vocabulary)."""

    form = VocabularyEntryForm
    list_display = ("term", "synonyms", "english", "related")
    search_fields = ("term", "synonyms", "english", "related")
