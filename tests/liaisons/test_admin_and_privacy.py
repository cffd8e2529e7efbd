"""Administrators keep the liaisons in the admin (audited); a liaison's personal data is in the
privacy registry: the export and erasure by address, and sign-in links deleted a day after they
stopped working."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEntry
from directory.models import Municipality
from liaisons.models import Liaison, LoginToken
from liaisons.services import login_link_request
from privacy.services import requester_erase, requester_export, retention_apply
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, directory):
    client.force_login(make_user("admin"))
    return client


def test_an_administrator_adds_a_liaison_in_the_admin_and_it_is_audited(admin_client):
    tranemo = Municipality.objects.get(code="1452")
    response = admin_client.post(
        reverse("admin:liaisons_liaison_add"),
        {
            "name": "Tove Holm",
            "email": " Tove.Holm@Tranemo.example ",
            "municipality": tranemo.pk,
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    liaison = Liaison.objects.get()
    assert (liaison.email, liaison.municipality, liaison.active) == (
        "tove.holm@tranemo.example",
        tranemo,
        True,
    )
    entry = AuditEntry.objects.get(action=Action.ADMIN_CHANGE)
    assert entry.object_type == "liaisons.liaison"
    assert entry.details["what"] == "added"


def test_the_same_address_twice_is_refused_with_a_swedish_error(admin_client, liaison):
    response = admin_client.post(
        reverse("admin:liaisons_liaison_add"),
        {
            "name": "Lena B",
            "email": "LENA.BERG@boras.example",
            "municipality": liaison.municipality.pk,
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "En annan samverkansansvarig har redan den här e-postadressen." in (
        response.content.decode()
    )
    assert Liaison.objects.count() == 1


def test_deactivating_in_the_admin_stops_sign_in_and_is_audited_per_liaison(admin_client, liaison):
    response = admin_client.post(
        reverse("admin:liaisons_liaison_changelist"),
        {"action": "deactivate", "_selected_action": [liaison.pk]},
        follow=True,
    )
    assert "1 samverkansansvarig kan inte längre logga in." in response.content.decode()
    liaison.refresh_from_db()
    assert not liaison.active
    assert login_link_request(email=liaison.email) is None
    assert AuditEntry.objects.filter(
        action=Action.ADMIN_CHANGE, object_type="liaisons.liaison", object_id=str(liaison.pk)
    ).exists()


def test_contact_staff_cannot_open_the_liaisons_admin(client, directory):
    client.force_login(make_user("coordinator"))
    response = client.get(reverse("admin:liaisons_liaison_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_liaisons_data_is_in_the_export_of_their_address(liaison):
    login_link_request(email=liaison.email)
    archive = zipfile.ZipFile(io.BytesIO(requester_export(email="lena.berg@boras.example")))
    data = json.loads(archive.read("data.json"))
    [exported] = data["liaisons"]["liaisons"]
    assert exported["name"] == "Lena Berg"
    assert exported["municipality"] == "Borås"
    assert len(exported["sign_in_links"]) == 1
    assert "token_hash" not in json.dumps(exported)


def test_erasing_the_address_removes_the_liaison_their_links_and_the_link_emails(liaison):
    login_link_request(email=liaison.email)
    run = requester_erase(email="lena.berg@boras.example")
    assert run.removed["liaisons"] == 1
    assert not Liaison.objects.exists() and not LoginToken.objects.exists()
    from notifications.models import OutboxMessage

    assert not OutboxMessage.objects.filter(recipient="lena.berg@boras.example").exists()
    assert requester_erase(email="lena.berg@boras.example").removed["liaisons"] == 0


def test_retention_deletes_links_a_day_after_they_stopped_working(liaison):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login_link_request(email=liaison.email)
    with time_machine.travel(start + dt.timedelta(hours=20), tick=False):
        fresh = login_link_request(email=liaison.email)
        retention_apply()
        assert LoginToken.objects.count() == 2, "expired less than a day ago: kept"
    with time_machine.travel(start + dt.timedelta(hours=25), tick=False):
        result = retention_apply()
    assert list(LoginToken.objects.all()) == [fresh]
    assert result.run.removed["liaisons"] == 1
