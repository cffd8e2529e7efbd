"""The contact person admin, told about cases.

The directory's admin (directory/admin.py) cannot count a person's open cases: directory code
never reaches case data. This registration replaces it with one whose deactivate action says
how many open cases now need a new contact person.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import ngettext

from cases.selectors import contact_loads
from directory.admin import ContactPersonAdmin
from directory.models import ContactPerson


class CaseAwareContactPersonAdmin(ContactPersonAdmin):
    def report_deactivated(self, request, people: list[ContactPerson]) -> None:
        open_cases = sum(contact_loads(person.pk for person in people).values())
        self.message_user(
            request,
            ngettext(
                "%(n)d open case now needs a new contact person (flagged in the inbox).",
                "%(n)d open cases now need a new contact person (flagged in the inbox).",
                open_cases,
            )
            % {"n": open_cases},
            messages.WARNING if open_cases else messages.SUCCESS,
        )


# Importing directory.admin above registered its ContactPersonAdmin, whatever order the admin
# autodiscovers the apps in.
admin.site.unregister(ContactPerson)
admin.site.register(ContactPerson, CaseAwareContactPersonAdmin)
