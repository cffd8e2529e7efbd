"""A requester's data on request: the registrar exports everything about one email address
and erases it, on a staff page or with a command; both are logged."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEntry
from cases.actors import Actor
from cases.models import Case
from cases.services import case_transition
from privacy.models import RetentionRun
from privacy.services import requester_erase, requester_export
from tests.factories import make_case, make_user

pytestmark = pytest.mark.django_db

EVA = "eva.ek@boras.example"


@pytest.fixture
def eva_cases(directory, coordinator):
    first = make_case(requester_email=EVA, title="Matsvinn", requester_phone="033-11 22 33")
    second = make_case(requester_email="Eva.Ek@Boras.example", title="Solceller")
    second = case_transition(
        case=second, name="withdraw", actor=Actor.requester(), data={"reason": "Fel kontor"}
    )
    other = make_case(requester_email="olle@mark.example", requester_name="Olle Ås")
    return first, second, other


def _data(zip_bytes: bytes) -> tuple[dict, list[str]]:
    archive = zipfile.ZipFile(io.BytesIO(zip_bytes))
    return json.loads(archive.read("data.json")), archive.namelist()


def test_export_holds_every_case_of_the_address_and_what_other_apps_hold(
    eva_cases, clean_registry, registrar
):
    first, second, other = eva_cases
    clean_registry.register(
        "conversation",
        exporter=lambda email: {"messages": [f"message from {email}"]},
        attachments=lambda email: [("plan.pdf", b"%PDF-1"), ("plan.pdf", b"%PDF-2")],
    )

    data, names = _data(requester_export(email=" EVA.EK@boras.example ", user=registrar))

    assert sorted(c["reference"] for c in data["cases"]) == sorted(
        [first.reference, second.reference]
    )
    assert {c["phone"] for c in data["cases"]} >= {"033-11 22 33"}
    assert data["written_in_timeline"][0]["data"] == {"reason": "Fel kontor"}
    assert any(m["kind"] == "receipt" for m in data["emails_to_the_address"])
    assert data["conversation"] == {"messages": ["message from EVA.EK@boras.example"]}
    assert "attachments/conversation/plan.pdf" in names
    assert "attachments/conversation/plan-1.pdf" in names
    assert other.reference not in json.dumps(data)
    entry = AuditEntry.objects.get(action=Action.REQUESTER_EXPORTED)
    assert entry.actor == registrar
    assert EVA not in json.dumps(entry.details) + entry.object_id  # a hash, not the address


def test_erase_anonymises_every_case_of_the_address_and_nothing_else(
    eva_cases, clean_registry, registrar
):
    first, second, other = eva_cases
    erased_emails: list[str] = []
    clean_registry.register("inbound", email_eraser=lambda e: erased_emails.append(e) or 1)

    run = requester_erase(email=EVA, user=registrar)

    for case in (first, second):
        case = Case.objects.get(pk=case.pk)
        assert case.anonymised_at is not None
        assert case.requester_email == case.requester_name == case.description == ""
        assert case.title  # the registry's short description stays
    assert Case.objects.get(pk=other.pk).requester_name == "Olle Ås"
    assert erased_emails == [EVA]
    assert (run.kind, run.cases, run.trigger) == (RetentionRun.Kind.ERASURE, 2, registrar.email)
    assert run.removed["inbound"] == 1
    entry = AuditEntry.objects.get(action=Action.REQUESTER_ERASED)
    assert entry.actor == registrar
    assert sorted(entry.details["cases"]) == sorted([first.reference, second.reference])
    # Nothing left to export.
    data, _ = _data(requester_export(email=EVA, user=registrar))
    assert data["cases"] == [] and data["emails_to_the_address"] == []


def test_commands_export_and_erase(eva_cases, tmp_path):
    first, second, _ = eva_cases
    target = tmp_path / "eva.zip"
    call_command("requester_export", EVA, "--output", str(target), stdout=io.StringIO())
    data, _ = _data(target.read_bytes())
    assert len(data["cases"]) == 2

    out = io.StringIO()
    call_command("requester_erase", EVA, stdout=out)
    assert "Nothing changed" in out.getvalue()
    assert Case.objects.filter(anonymised_at__isnull=False).count() == 0
    call_command("requester_erase", EVA, "--yes", stdout=out)
    assert "2 case(s) anonymised" in out.getvalue()
    assert Case.objects.filter(anonymised_at__isnull=False).count() == 2


def test_registrar_looks_up_exports_and_erases_on_the_page(client, eva_cases, registrar):
    first, second, other = eva_cases
    client.force_login(registrar)

    page = client.post(reverse("staff-privacy-lookup"), {"email": EVA})
    assert page.status_code == 200
    html = page.content.decode()
    assert "2 ärenden från den här adressen" in html
    assert first.reference in html and second.reference in html

    export = client.post(reverse("staff-privacy-export"), {"email": EVA})
    assert export["Content-Type"] == "application/zip"
    assert export["Cache-Control"] == "no-store"
    assert len(_data(export.content)[0]["cases"]) == 2

    unconfirmed = client.post(reverse("staff-privacy-erase"), {"email": EVA})
    assert unconfirmed.status_code == 400
    assert "Kryssa i rutan för att bekräfta." in unconfirmed.content.decode()
    assert f'value="{EVA}"' in unconfirmed.content.decode()  # what was entered stays
    assert not Case.objects.filter(anonymised_at__isnull=False).exists()

    done = client.post(reverse("staff-privacy-erase"), {"email": EVA, "confirm": "on"}, follow=True)
    assert "Raderat: 2 ärende(n) anonymiserade" in done.content.decode()
    assert Case.objects.filter(anonymised_at__isnull=False).count() == 2
    assert Case.objects.get(pk=other.pk).anonymised_at is None


def test_a_bad_address_gets_a_clear_error_and_is_kept(client, directory, registrar):
    client.force_login(registrar)
    response = client.post(reverse("staff-privacy-lookup"), {"email": "eva@"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ange en giltig mejladress." in html
    assert 'value="eva@"' in html


def test_registrar_exports_the_cases_due_for_the_archive(client, directory, coordinator, registrar):
    due = make_case(steps=("decline",), actor=coordinator, requester_name="Arkiv Person")
    Case.objects.filter(pk=due.pk).update(state_changed_at=timezone.now() - timedelta(days=800))
    make_case(requester_name="Pågående Person")
    client.force_login(registrar)

    page = client.get(reverse("staff-privacy")).content.decode()
    assert "1 ärende ska anonymiseras." in page and due.reference in page

    csv_text = client.get(reverse("staff-privacy-due-csv")).content.decode("utf-8-sig")
    assert "Arkiv Person" in csv_text and due.reference in csv_text
    assert "Pågående Person" not in csv_text
    as_json = client.get(reverse("staff-privacy-due-json")).json()
    assert [row["reference"] for row in as_json] == [due.reference]
    assert AuditEntry.objects.filter(action=Action.RETENTION_EXPORTED).count() == 2
    assert Case.objects.get(pk=due.pk).anonymised_at is None  # exporting changes nothing


@pytest.mark.parametrize("role", ["coordinator", "contact"])
def test_staff_other_than_registrar_and_administrator_may_not_use_the_privacy_pages(
    client, directory, role
):
    client.force_login(make_user(role))
    for name in ("staff-privacy", "staff-privacy-due-csv", "staff-privacy-due-json"):
        assert client.get(reverse(name)).status_code == 403
    for name in ("staff-privacy-lookup", "staff-privacy-export", "staff-privacy-erase"):
        assert client.post(reverse(name), {"email": EVA, "confirm": "on"}).status_code == 403


def test_administrator_may_use_the_privacy_page(client, directory):
    client.force_login(make_user("admin"))
    assert client.get(reverse("staff-privacy")).status_code == 200


def test_export_and_erase_reach_the_conversation_and_its_files(directory, registrar):
    # The real conversation app, registered in privacy.registry from its AppConfig.ready().
    from conversation.models import Message
    from conversation.services import requester_message_add
    from tests.conversation.files import pdf_bytes, upload

    case = make_case(requester_email=EVA)
    requester_message_add(
        case=case,
        body="Här är planen, ring mig på 070-1234567",
        channel="web",
        files=[upload("plan.pdf", pdf_bytes())],
    )

    data, names = _data(requester_export(email=EVA, user=registrar))
    assert data["conversation"]["messages"][0]["body"].startswith("Här är planen")
    assert "attachments/conversation/plan.pdf" in names

    run = requester_erase(email=EVA, user=registrar)
    assert run.removed["conversation"] == 1
    assert "070-1234567" not in Message.objects.get(case=case).body
