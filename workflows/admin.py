"""Reminder rules in the admin: a changelist that fits 1280 px (six short, labelled columns;
days are working days, as the form's help texts say) and a form grouped into when, whom and
whether."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from workflows.models import ReminderRule


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin):
    list_display = ("rule", "state_label", "after", "repeat", "who", "active")
    list_display_links = ("rule",)
    list_filter = ("kind", "active")
    fieldsets = (
        (_("When"), {"fields": ("kind", "state", "after_working_days")}),
        (_("Repeat and escalate"), {"fields": ("repeat_every_working_days", "escalate_after")}),
        (
            _("Who is reminded"),
            {"fields": ("notify_contact", "notify_coordinators", "notify_requester")},
        ),
        (None, {"fields": ("active",)}),
    )

    @admin.display(description=_("Kind"), ordering="kind")
    def rule(self, rule: ReminderRule) -> str:
        return str(rule.get_kind_display())

    @admin.display(description=_("State"), ordering="state")
    def state_label(self, rule: ReminderRule) -> str:
        return str(rule.get_state_display()) if rule.state else "–"

    @admin.display(description=_("After (days)"), ordering="after_working_days")
    def after(self, rule: ReminderRule) -> int:
        return rule.after_working_days

    @admin.display(description=_("Repeat (days)"))
    def repeat(self, rule: ReminderRule) -> str:
        repeat = str(rule.repeat_every_working_days or _("once"))
        if rule.escalate_after:
            repeat += " · " + str(_("escalates after %(n)d") % {"n": rule.escalate_after})
        return repeat

    @admin.display(description=_("Reminded"))
    def who(self, rule: ReminderRule) -> str:
        names = [
            str(label)
            for flag, label in (
                (rule.notify_contact, _("contact person")),
                (rule.notify_coordinators, _("coordinators")),
                (rule.notify_requester, _("requester")),
            )
            if flag
        ]
        return ", ".join(names) or "–"
