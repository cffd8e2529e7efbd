"""Administrators who sign in with a password confirm a TOTP code (django-otp): enrolment on
the first sign-in (QR code and secret, a code from the app, backup codes), a code on each later
sign-in. Codes are computed here from the device's key, as the person's phone would."""

from __future__ import annotations

import re
from base64 import b32encode

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-1"


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.ADMIN_TOTP_REQUIRED = True  # production's default; off for the rest of the suite


def code_for(device: TOTPDevice) -> str:
    """The code the person's authenticator app shows now for this device's key."""
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def sign_in(client, email: str):
    response = client.post(reverse("login"), {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()
    return response


def enrol(client, admin) -> list[str]:
    """Set up the authenticator; returns the backup codes shown."""
    client.get(reverse("signin-two-factor"))
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    response = client.post(reverse("signin-two-factor"), {"code": code_for(device)})
    assert response.status_code == 200
    return re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())


def test_an_administrator_with_a_password_only_reaches_nothing_before_the_code(client):
    admin = make_user("admin", email="chef@hb.example")
    sign_in(client, admin.email)
    for url in ("/admin/", "/staff/", "/staff/outbox/", "/admin/accounts/user/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("signin-two-factor")), url
    api = client.get("/api/v1/cases/")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "second_factor_required"


def test_enrolment_shows_a_qr_code_and_the_secret_then_a_code_opens_the_admin(client):
    admin = make_user("admin", email="chef@hb.example")
    sign_in(client, admin.email)
    page = client.get(reverse("signin-two-factor"), {"next": "/admin/"})
    html = page.content.decode()
    assert "Ställ in tvåstegsverifiering" in html
    assert '<svg role="img"' in html and "<script" not in html.split("<main")[1]
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', html).group(1)
    assert secret.replace(" ", "") == b32encode(device.bin_key).decode()

    done = client.post(reverse("signin-two-factor"), {"code": code_for(device), "next": "/admin/"})
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", done.content.decode())
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/admin/").status_code == 200
    assert client.get("/staff/").status_code == 200


def test_a_wrong_code_is_refused_with_a_translated_message_and_the_secret_is_kept(client):
    admin = make_user("admin", email="chef@hb.example")
    sign_in(client, admin.email)
    client.get(reverse("signin-two-factor"))
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("signin-two-factor"), {"code": wrong})
    assert response.status_code == 400
    assert "Fel kod. Skriv de sex siffror som din autentiseringsapp visar just nu." in (
        response.content.decode()
    )
    assert TOTPDevice.objects.get(user=admin, confirmed=False).pk == device.pk  # same QR code
    assert client.get("/admin/").status_code == 302


def test_a_later_sign_in_asks_for_the_code_and_refuses_a_wrong_one(client):
    admin = make_user("admin", email="chef@hb.example")
    TOTPDevice.objects.create(user=admin, name="Samverka", confirmed=True)
    sign_in(client, admin.email)
    page = client.get(reverse("signin-two-factor"))
    assert "Skriv koden som din autentiseringsapp visar för Samverka" in page.content.decode()

    client.cookies["django_language"] = "en"
    wrong = client.post(reverse("signin-two-factor"), {"code": "000000x"})
    assert wrong.status_code == 400
    assert "Wrong code. Enter the six digits your authenticator app shows now, or one" in (
        wrong.content.decode()
    )
    assert client.get("/admin/").status_code == 302


def test_the_right_code_signs_the_administrator_in(client):
    admin = make_user("admin", email="chef@hb.example")
    device = TOTPDevice.objects.create(user=admin, name="Samverka", confirmed=True)
    sign_in(client, admin.email)
    response = client.post(
        reverse("signin-two-factor"), {"code": code_for(device), "next": "/admin/"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_guessing_codes_is_throttled(client):
    admin = make_user("admin", email="chef@hb.example")
    device = TOTPDevice.objects.create(user=admin, name="Samverka", confirmed=True)
    sign_in(client, admin.email)
    client.post(reverse("signin-two-factor"), {"code": "111111"})
    # Right after a wrong code even the right one waits (the wait doubles with each miss).
    response = client.post(reverse("signin-two-factor"), {"code": code_for(device)})
    assert response.status_code == 400
    assert "För många felaktiga koder" in response.content.decode()


def test_a_backup_code_works_once_when_the_phone_is_lost(client):
    admin = make_user("admin", email="chef@hb.example")
    sign_in(client, admin.email)
    backup = enrol(client, admin)
    assert len(backup) == 10
    client.post(reverse("logout"))
    sign_in(client, admin.email)
    response = client.post(reverse("signin-two-factor"), {"code": backup[0], "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200

    client.post(reverse("logout"))
    sign_in(client, admin.email)
    again = client.post(reverse("signin-two-factor"), {"code": backup[0]})
    assert again.status_code == 400


def test_other_roles_are_not_asked_for_a_code(client):
    coordinator = make_user("coordinator", email="k@hb.example")
    sign_in(client, coordinator.email)
    assert client.get("/staff/").status_code == 200
    assert client.get(reverse("signin-two-factor")).status_code == 302


def test_switching_it_off_lets_administrators_in_with_a_password(client, settings):
    settings.ADMIN_TOTP_REQUIRED = False
    admin = make_user("admin", email="chef@hb.example")
    sign_in(client, admin.email)
    assert client.get("/admin/").status_code == 200


def test_an_administrator_makes_new_backup_codes_and_the_old_ones_stop_working(client):
    admin = make_user("admin", email="chef@hb.example")
    sign_in(client, admin.email)
    old = enrol(client, admin)
    page = client.get(reverse("signin-backup-codes"))
    assert "Skapa nya reservkoder" in page.content.decode()
    renewed = client.post(reverse("signin-backup-codes"))
    new = re.findall(r"<li><code>([a-z2-7]+)</code></li>", renewed.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert "Dina gamla reservkoder fungerar inte längre" in renewed.content.decode()

    client.post(reverse("logout"))
    sign_in(client, admin.email)
    assert client.post(reverse("signin-two-factor"), {"code": old[0]}).status_code == 400


def test_backup_codes_are_not_renewed_before_the_code_is_confirmed(client):
    admin = make_user("admin", email="chef@hb.example")
    TOTPDevice.objects.create(user=admin, name="Samverka", confirmed=True)
    sign_in(client, admin.email)
    response = client.post(reverse("signin-backup-codes"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("signin-two-factor"))


def test_the_account_page_leads_a_confirmed_administrator_to_new_backup_codes(client):
    admin = make_user("admin", email="chef@hb.example")
    sign_in(client, admin.email)
    enrol(client, admin)
    html = client.get(reverse("staff-account")).content.decode()
    assert "Tvåstegsverifiering" in html
    assert f'href="{reverse("signin-backup-codes")}"' in html

    coordinator = make_user("coordinator", email="k@hb.example")
    client.post(reverse("logout"))
    sign_in(client, coordinator.email)
    assert (
        reverse("signin-backup-codes") not in client.get(reverse("staff-account")).content.decode()
    )
