"""The "Okopplad post" page: coordinators only; discard and a wrong reference."""

from __future__ import annotations

import itertools

import pytest
from django.urls import reverse

from inbound.models import InboundMail, Outcome
from inbound.services import mail_take
from tests.factories import make_case
from tests.inbound.conftest import client_reply

pytestmark = pytest.mark.django_db
_uids = itertools.count(1)


@pytest.fixture
def unmatched(settings, tmp_path, directory):
    settings.MEDIA_ROOT = str(tmp_path)
    outcome = mail_take(
        raw=client_reply(to="info@hb.example", text="Hej, hur går det med vårt ärende?"),
        mailbox="test",
        uidvalidity=1,
        uid=next(_uids),
    )
    assert outcome == Outcome.UNMATCHED
    return InboundMail.objects.get()


def test_coordinators_find_the_queue_in_the_staff_menu_and_others_are_refused(
    client, unmatched, coordinator, contact_user_a, registrar
):
    client.force_login(coordinator)
    page = client.get(reverse("staff-unmatched")).content.decode()
    assert f'href="{reverse("staff-unmatched")}" aria-current="page"' in page
    assert "Okopplad post" in page
    assert "Hej, hur går det med vårt ärende?" in page
    assert "Inte skickat till ett ärendes svarsadress" in page
    raw = client.get(reverse("staff-unmatched-raw", args=[unmatched.pk]))
    assert raw["Content-Disposition"].startswith("attachment")
    assert b"".join(raw.streaming_content).startswith(b"From: Eva Ek")

    for user in (contact_user_a, registrar):
        client.force_login(user)
        assert reverse("staff-unmatched") not in client.get("/staff/").content.decode()
        assert client.get(reverse("staff-unmatched")).status_code == 403
        assert client.get(reverse("staff-unmatched-raw", args=[unmatched.pk])).status_code == 403
        response = client.post(reverse("staff-unmatched-discard", args=[unmatched.pk]))
        assert response.status_code == 403
    unmatched.refresh_from_db()
    assert unmatched.outcome == Outcome.UNMATCHED


def test_discarding_keeps_the_record_with_who_and_empties_the_queue(client, unmatched, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("staff-unmatched-discard", args=[unmatched.pk]), follow=True)
    page = response.content.decode()
    assert "Mejlet kastades." in page
    assert "Inga okopplade mejl." in page
    assert "Nyligen hanterade" in page and "Kastat av personal" in page
    unmatched.refresh_from_db()
    assert (unmatched.outcome, unmatched.handled_by) == (Outcome.DISCARDED, coordinator)
    assert unmatched.handled_at is not None
    # A second discard (another tab) changes nothing and says so.
    response = client.post(reverse("staff-unmatched-discard", args=[unmatched.pk]), follow=True)
    assert "Mejlet är redan hanterat." in response.content.decode()


def test_a_wrong_reference_gets_a_clear_error_and_keeps_what_was_typed(
    client, unmatched, coordinator
):
    make_case()
    client.force_login(coordinator)
    response = client.post(
        reverse("staff-unmatched-attach", args=[unmatched.pk]), {"reference": "AK-1999-9999"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Inget ärende har det diarienumret." in page
    assert 'value="AK-1999-9999"' in page and 'aria-invalid="true"' in page
    unmatched.refresh_from_db()
    assert unmatched.outcome == Outcome.UNMATCHED


def test_administrators_read_every_incoming_email_in_the_admin_but_change_nothing(
    client, unmatched
):
    from tests.factories import make_user

    admin = make_user("admin")
    client.force_login(admin)
    listing = client.get("/admin/inbound/inboundmail/")
    assert listing.status_code == 200
    assert "eva.ek@boras.example" in listing.content.decode()
    detail = client.get(f"/admin/inbound/inboundmail/{unmatched.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert client.get("/admin/inbound/inboundmail/add/").status_code == 403
