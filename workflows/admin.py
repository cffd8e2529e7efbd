from django.contrib import admin

from workflows.models import ReminderRule


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin):
    list_display = (
        "kind",
        "state",
        "after_working_days",
        "repeat_every_working_days",
        "escalate_after",
        "notify_contact",
        "notify_coordinators",
        "notify_requester",
        "active",
    )
    list_filter = ("kind", "active")
