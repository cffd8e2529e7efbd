from __future__ import annotations

import csv

import pytest
from django.core.management import call_command

from directory.models import ContactPerson
from directory.services import contact_deactivate, directory_import
from tests.factories import make_case

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


def test_deactivated_contact_has_open_cases_flagged_in_the_inbox(client, directory, coordinator):
    lena = ContactPerson.objects.get(email="lena.forsberg@hb.example")
    open_case = make_case(steps=("assign_contact",), actor=coordinator, contact=lena)
    make_case(steps=("assign_contact", "close"), actor=coordinator, contact=lena)
    assert contact_deactivate(contact=lena) == 1
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
