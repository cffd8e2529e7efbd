"""Finding 1: brute force. Failed sign-ins are counted in the database (django-axes) per account
and per client, for the staff login, the admin's login and API tokens."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.services import api_token_create
from tests.factories import make_user

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
PASSWORD = "pw-for-tests-1"
ATTACKER = "198.51.100.7"
ELSEWHERE = "203.0.113.9"
LOCKED_TEXT = "För många misslyckade inloggningsförsök"


def sign_in(client, email: str, password: str, *, ip: str = ATTACKER, url: str = LOGIN):
    return client.post(url, {"username": email, "password": password}, REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_forty_wrong_passwords_then_the_right_one_is_still_refused(client, coordinator):
    for _ in range(40):
        sign_in(client, coordinator.email, "wrong-password")

    response = sign_in(client, coordinator.email, PASSWORD)

    assert response.status_code == 429
    assert not signed_in(client)
    page = response.content.decode()
    assert LOCKED_TEXT in page
    assert "Försök igen om 15 minuter" in page
    assert response["Retry-After"] == "900"
    # Stored in the database, so every web process sees the same count.
    assert AccessAttempt.objects.filter(username=coordinator.email).exists()


def test_a_few_typos_do_not_lock_anyone_out(client, coordinator):
    for _ in range(4):
        assert sign_in(client, coordinator.email, "wrong-password").status_code == 200

    response = sign_in(client, coordinator.email, PASSWORD)

    assert response.status_code == 302
    assert signed_in(client)


def test_the_locked_account_is_refused_from_any_client_but_other_accounts_sign_in(
    client, coordinator, registrar
):
    for _ in range(5):
        sign_in(client, coordinator.email, "wrong-password")

    # The account is locked wherever the right password comes from...
    assert sign_in(client, coordinator.email, PASSWORD, ip=ELSEWHERE).status_code == 429
    # ...but the client made only 5 of its 20 allowed failures: another account signs in there.
    assert sign_in(client, registrar.email, PASSWORD).status_code == 302


def test_a_client_guessing_many_accounts_is_locked_out_and_other_clients_are_not(
    client, coordinator
):
    for n in range(20):
        sign_in(client, f"guess{n}@hb.example", "wrong-password")

    # 20 failures from one address, each under its own username: the client is locked, even
    # for an account it never tried and the right password.
    assert sign_in(client, coordinator.email, PASSWORD).status_code == 429
    assert not signed_in(client)
    assert sign_in(client, coordinator.email, PASSWORD, ip=ELSEWHERE).status_code == 302


def test_the_username_counts_the_same_in_any_case_and_with_spaces(client, coordinator):
    for variant in (
        "A@HB.EXAMPLE",
        " a@hb.example",
        "a@Hb.example ",
        "a@hb.EXAMPLE",
        "a@hb.example",
    ):
        sign_in(client, variant, "wrong-password", ip=f"192.0.2.{len(variant)}")
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"a@hb.example"}


def test_the_admin_login_is_locked_out_too(client):
    admin = make_user("admin")
    for _ in range(40):
        sign_in(client, admin.email, "wrong-password", url=ADMIN_LOGIN)

    response = sign_in(client, admin.email, PASSWORD, url=ADMIN_LOGIN)

    assert response.status_code == 429
    assert LOCKED_TEXT in response.content.decode()
    assert client.get("/admin/").status_code == 302  # not signed in: back to the login


def test_an_administrator_unlocks_an_account_with_axes_reset_username(client, coordinator):
    for _ in range(40):
        sign_in(client, coordinator.email, "wrong-password")
    assert sign_in(client, coordinator.email, PASSWORD).status_code == 429

    call_command("axes_reset_username", coordinator.email)

    response = sign_in(client, coordinator.email, PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_an_administrator_unlocks_in_the_admin_by_deleting_the_attempt(client, coordinator):
    for _ in range(6):
        sign_in(client, coordinator.email, "wrong-password")
    admin = make_user("admin")
    admin_client = type(client)()
    admin_client.force_login(admin)
    attempt = AccessAttempt.objects.get(username=coordinator.email)

    page = admin_client.get("/admin/axes/accessattempt/")
    assert page.status_code == 200
    assert coordinator.email in page.content.decode()
    response = admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302

    assert sign_in(client, coordinator.email, PASSWORD).status_code == 302


# --- API tokens ---------------------------------------------------------------------------------


def api(ip: str = ATTACKER, token: str = "") -> APIClient:
    client = APIClient(REMOTE_ADDR=ip)
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_wrong_tokens_are_401_until_the_client_is_locked_out_then_429_even_with_a_good_token(
    coordinator,
):
    _token, key = api_token_create(user=coordinator, name="script")
    for n in range(19):
        response = api(token=f"wrong-{n}").get("/api/v1/cases/")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "authentication_failed"

    twentieth = api(token="wrong-20").get("/api/v1/cases/")
    assert twentieth.status_code == 429
    assert twentieth.json()["error"]["code"] == "locked_out"

    response = api(token=key, ip=ATTACKER).get("/api/v1/cases/", HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 429
    body = response.json()["error"]
    assert body["code"] == "locked_out"
    assert "För många misslyckade inloggningsförsök" in body["message"]
    assert response["Retry-After"] == "900"
    # Another client with the good token is not affected.
    assert api(token=key, ip=ELSEWHERE).get("/api/v1/cases/").status_code == 200


def test_wrong_tokens_and_wrong_passwords_from_one_client_add_up(client, coordinator):
    for n in range(10):
        api(token=f"wrong-{n}").get("/api/v1/cases/")
    for _ in range(10):
        sign_in(client, f"someone{_}@hb.example", "wrong-password")

    assert sign_in(client, coordinator.email, PASSWORD).status_code == 429


def test_a_rotating_x_forwarded_for_does_not_make_one_client_many(client, coordinator, settings):
    """Behind one trusted proxy the client is the address that proxy saw (the header's last
    entry); whatever the client writes before it is ignored."""
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(20):
        client.post(
            LOGIN,
            {"username": f"guess{n}@hb.example", "password": "wrong-password"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {ATTACKER}",
        )

    refused = client.post(
        LOGIN,
        {"username": coordinator.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR=f"192.0.2.99, {ATTACKER}",
    )
    assert refused.status_code == 429
    other = client.post(
        LOGIN,
        {"username": coordinator.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR=ELSEWHERE,
    )
    assert other.status_code == 302
