"""The audit log: who viewed a case, exported a list, changed a role or the directory, signed
in or failed to; readable and exportable by administrators only; entries never change."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import api_token_create
from audit.models import Action, AuditEntry
from directory.models import ContactPerson
from directory.services import directory_import
from tests.conftest import ROOT
from tests.factories import make_case, make_user

pytestmark = pytest.mark.django_db


def last(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).order_by("-id").first()


def test_viewing_a_case_page_records_who_which_case_and_from_where(client, directory, coordinator):
    case = make_case()
    client.force_login(coordinator)

    client.get(reverse("staff-case", args=[case.reference]), REMOTE_ADDR="192.0.2.7")

    entry = last(Action.CASE_VIEWED)
    assert (entry.actor, entry.actor_label) == (coordinator, coordinator.email)
    assert (entry.object_type, entry.object_id) == ("case", case.reference)
    assert entry.client_address == "192.0.2.7"


def test_a_case_someone_may_not_see_records_no_view(client, directory, contact_user_a):
    case = make_case()
    client.force_login(contact_user_a)
    assert client.get(reverse("staff-case", args=[case.reference])).status_code == 404
    assert last(Action.CASE_VIEWED) is None


def test_reading_a_case_through_the_api_is_recorded(directory, registrar):
    case = make_case()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=registrar, name='t')[1]}")
    assert api.get(reverse("api:case-detail", args=[case.reference])).status_code == 200
    entry = last(Action.CASE_VIEWED)
    assert entry.actor == registrar and entry.details == {"via": "api"}
    assert entry.object_id == case.reference


def test_exporting_the_case_list_is_recorded(client, directory, registrar):
    make_case()
    client.force_login(registrar)
    response = client.get(reverse("staff-export") + "?state=all")
    b"".join(response.streaming_content)
    entry = last(Action.LIST_EXPORTED)
    assert entry.actor == registrar
    assert entry.details["format"] == "csv" and "state=all" in entry.details["query"]


def test_changing_a_role_in_the_admin_records_old_and_new(client, db):
    admin = make_user("admin")
    someone = make_user("contact", email="kalle@hb.example")
    client.force_login(admin)
    url = reverse("admin:accounts_user_change", args=[someone.pk])
    form = {
        "username": someone.username,
        "email": someone.email,
        "first_name": "",
        "last_name": "",
        "role": "coordinator",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "10:00:00",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(pk=someone.pk).role == "coordinator"
    entry = last(Action.ROLE_CHANGED)
    assert entry.actor == admin
    assert entry.object_id == "kalle@hb.example"
    assert entry.details["changed"]["role"] == ["contact", "coordinator"]


def test_create_staff_user_records_a_role_change_only_when_the_role_changes(db):
    make_user("contact", email="lisa@hb.example")
    make_user("contact", email="lisa@hb.example")
    make_user("registrar", email="lisa@hb.example")
    changes = AuditEntry.objects.filter(action=Action.ROLE_CHANGED, object_id="lisa@hb.example")
    assert [e.details["changed"]["role"] for e in changes.order_by("id")] == [
        ["", "contact"],
        ["contact", "registrar"],
    ]


def test_directory_changes_through_the_api_and_the_import_are_recorded(directory):
    admin = make_user("admin")
    api = APIClient()
    api.force_authenticate(admin)
    response = api.patch(
        reverse("api:contact-detail", args=["johan.ek@hb.example"]),
        {"title": "Lektor"},
        format="json",
    )
    assert response.status_code == 200
    entry = last(Action.DIRECTORY_CHANGED)
    assert entry.actor == admin
    assert entry.object_type == "contactperson"
    assert entry.object_id == str(ContactPerson.objects.get(email="johan.ek@hb.example").pk)
    assert entry.details["fields"] == ["title"]

    directory_import(folder=ROOT / "directory" / "data")
    imported = last(Action.DIRECTORY_IMPORTED)
    assert imported.actor_label == "system" and imported.details["rows"]["contacts.csv"] > 0


def test_changes_in_the_admin_are_recorded(client, directory):
    admin = make_user("admin")
    client.force_login(admin)
    person = ContactPerson.objects.get(email="johan.ek@hb.example")
    response = client.post(
        reverse("admin:directory_contactperson_changelist"),
        {"action": "deactivate", "_selected_action": [person.pk]},
    )
    assert response.status_code == 302
    entry = last(Action.DIRECTORY_CHANGED)
    assert entry.actor == admin and entry.details["active"] is False


def test_sign_in_failed_sign_in_and_sign_out_are_recorded(client, db):
    user = make_user("coordinator", email="karin@hb.example", password="rätt-lösenord-42")
    login = reverse("login")

    client.post(
        login, {"username": "karin@hb.example", "password": "fel"}, REMOTE_ADDR="198.51.100.4"
    )
    failed = last(Action.LOGIN_FAILED)
    assert failed.actor is None
    assert failed.actor_label == "karin@hb.example"
    assert failed.client_address == "198.51.100.4"
    assert "fel" not in str(failed.details)

    client.post(login, {"username": "karin@hb.example", "password": "rätt-lösenord-42"})
    assert last(Action.LOGIN).actor == user
    client.post(reverse("logout"))
    assert last(Action.LOGOUT).actor == user


def test_administrators_read_and_filter_the_audit_log(client, directory, coordinator):
    case = make_case()
    client.force_login(coordinator)
    client.get(reverse("staff-case", args=[case.reference]))
    admin = make_user("admin")
    client.force_login(admin)

    page = client.get(reverse("staff-audit"), {"action": "case_viewed", "who": "coordinator"})
    assert page.status_code == 200
    html = page.content.decode()
    assert case.reference in html and coordinator.email in html and "Visade ett ärende" in html
    others = client.get(reverse("staff-audit"), {"action": "login_failed"}).content.decode()
    assert case.reference not in others
    assert client.get(reverse("staff-audit"), {"since": "inte ett datum"}).status_code == 400


def test_administrators_export_the_audit_log_as_csv_and_the_export_is_recorded(
    client, directory, coordinator
):
    case = make_case()
    client.force_login(coordinator)
    client.get(reverse("staff-case", args=[case.reference]))
    admin = make_user("admin")
    client.force_login(admin)

    response = client.get(reverse("staff-audit-export"), {"action": "case_viewed"})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["when", "who", "action"]
    assert [r[1:5] for r in rows[1:]] == [
        [coordinator.email, "case_viewed", "case", case.reference]
    ]
    assert last(Action.AUDIT_EXPORTED).actor == admin


@pytest.mark.parametrize("role", ["coordinator", "registrar", "contact"])
def test_non_administrators_may_not_read_the_audit_log(client, db, role):
    client.force_login(make_user(role))
    assert client.get(reverse("staff-audit")).status_code == 403
    assert client.get(reverse("staff-audit-export")).status_code == 403
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code in (302, 403)


def test_the_admin_shows_the_log_read_only(client, db):
    make_user("coordinator", email="x@hb.example")
    client.force_login(make_user("admin"))
    entry = AuditEntry.objects.filter(action=Action.ROLE_CHANGED).first()
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    change = client.post(reverse("admin:audit_auditentry_change", args=[entry.pk]), {})
    assert change.status_code == 403
    assert client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk])).status_code == 403


def test_an_entry_cannot_be_changed(db):
    entry = AuditEntry.objects.create(action=Action.LOGIN, actor_label="a@hb.example")
    entry.actor_label = "someone else"
    with pytest.raises(ValueError):
        entry.save()


def test_behind_a_trusted_proxy_the_client_address_is_the_one_the_proxy_saw(
    client, directory, coordinator, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    case = make_case()
    client.force_login(coordinator)
    client.get(
        reverse("staff-case", args=[case.reference]),
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.9, 192.0.2.44",
    )
    assert last(Action.CASE_VIEWED).client_address == "192.0.2.44"


def test_an_edit_in_the_admin_is_recorded_from_the_admins_own_log(client, directory):
    from directory.models import Municipality

    admin = make_user("admin")
    client.force_login(admin)
    borås = Municipality.objects.get(code="1490")
    response = client.post(
        reverse("admin:directory_municipality_change", args=[borås.pk]),
        {
            "name": "Borås Stad",
            "code": "1490",
            "org_number": borås.org_number,
            "member": "on",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    entry = last(Action.ADMIN_CHANGE)
    assert entry.actor == admin
    assert (entry.object_type, entry.object_id) == ("directory.municipality", str(borås.pk))
    assert entry.details["what"] == "changed" and entry.details["object"] == "Borås Stad"
