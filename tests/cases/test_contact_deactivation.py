"""Deactivating a contact person: the directory takes them out, the cases count what is left.

The directory never reads case data, so the number of open cases that need a new contact
comes from the cases app: its selector, and its registration of the contact person admin.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.urls import reverse

from cases.admin import CaseAwareContactPersonAdmin
from cases.selectors import contact_loads
from directory.models import ContactPerson
from directory.services import contact_deactivate
from tests.factories import make_case, make_user

pytestmark = pytest.mark.django_db


def test_contact_person_admin_is_the_case_aware_one():
    assert isinstance(admin.site._registry[ContactPerson], CaseAwareContactPersonAdmin)


def test_admin_action_tells_how_many_open_cases_need_a_new_contact(client, directory, coordinator):
    lena = ContactPerson.objects.get(email="lena.forsberg@hb.example")
    viktor = ContactPerson.objects.get(email="viktor.dahl@hb.example")
    make_case(steps=("assign_contact",), actor=coordinator, contact=lena)
    make_case(steps=("assign_contact",), actor=coordinator, contact=viktor)
    make_case(steps=("assign_contact", "close"), actor=coordinator, contact=lena)  # closed
    client.force_login(make_user("admin"))
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("admin:directory_contactperson_changelist"),
        {"action": "deactivate", "_selected_action": [lena.pk, viktor.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "2 open cases now need a new contact person (flagged in the inbox)."
    ]
    assert not ContactPerson.objects.filter(pk__in=[lena.pk, viktor.pk], active=True).exists()


def test_deactivated_contact_has_open_cases_flagged_in_the_inbox(client, directory, coordinator):
    lena = ContactPerson.objects.get(email="lena.forsberg@hb.example")
    open_case = make_case(steps=("assign_contact",), actor=coordinator, contact=lena)
    make_case(steps=("assign_contact", "close"), actor=coordinator, contact=lena)
    contact_deactivate(contact=lena)
    assert contact_loads([lena.pk]) == {lena.pk: 1}
    client.force_login(coordinator)
    html = client.get("/staff/").content.decode()
    assert 'data-testid="reassign"' in html
    # The coordinator is offered someone else, and reassigning clears the flag.
    page = client.get(f"/staff/cases/{open_case.reference}/").content.decode()
    assert (
        'value="lena.forsberg@hb.example"'
        not in page.split('id="sugg-h"')[1].split("</section>")[0]
    )
    response = client.post(
        f"/staff/cases/{open_case.reference}/transitions/assign_contact/",
        {
            "assign_contact-contact": "eva.jonsson@hb.example",
            "assign_contact-version": str(open_case.version),
        },
    )
    assert response.status_code == 302
    assert 'data-testid="reassign"' not in client.get("/staff/").content.decode()
