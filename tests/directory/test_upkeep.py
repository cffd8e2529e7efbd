from __future__ import annotations

import csv

import pytest
from django.contrib.admin import AdminSite
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.management import call_command

from directory.admin import ContactPersonAdmin
from directory.models import ContactPerson
from directory.selectors import contact_list
from directory.services import contact_deactivate, directory_import
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_export_writes_what_import_reads(directory, tmp_path):
    call_command("export_directory", str(tmp_path))
    with (tmp_path / "contacts.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 36
    lena = next(r for r in rows if r["email"] == "lena.forsberg@hb.example")
    assert lena["areas"] == "resursatervinning"
    assert "matsvinn" in lena["keywords"].split(";")
    before = {
        p.email: (p.keywords, p.max_active_cases, sorted(a.slug for a in p.areas.all()))
        for p in ContactPerson.objects.prefetch_related("areas")
    }
    report = directory_import(folder=tmp_path)
    assert report.counts["contacts.csv"] == 36
    after = {
        p.email: (p.keywords, p.max_active_cases, sorted(a.slug for a in p.areas.all()))
        for p in ContactPerson.objects.prefetch_related("areas")
    }
    assert after == before


def test_deactivating_takes_a_person_out_of_the_directory_and_is_safe_to_repeat(directory):
    lena = ContactPerson.objects.get(email="lena.forsberg@hb.example")
    assert contact_deactivate(contact=lena).active is False
    assert contact_deactivate(contact=lena).active is False
    lena.refresh_from_db()
    assert lena.active is False
    assert "lena.forsberg@hb.example" not in {p.email for p in contact_list()}


def test_directory_admin_alone_reports_the_people_it_deactivated(rf, directory):
    """Without the cases app's admin the directory's own action still works and says so."""
    admin_user = make_user("admin")
    request = rf.post("/admin/directory/contactperson/")
    request.user = admin_user
    request._messages = CookieStorage(request)  # what MessageMiddleware would attach
    model_admin = ContactPersonAdmin(ContactPerson, AdminSite())
    model_admin.deactivate(request, ContactPerson.objects.filter(email="lena.forsberg@hb.example"))
    assert not ContactPerson.objects.get(email="lena.forsberg@hb.example").active
    [message] = [str(m) for m in get_messages(request)]
    assert message.startswith("1 ")
