"""Finding 8: API tokens are stored hashed, expire, can be revoked, and their user manages them
on /staff/account/."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import io

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
ACCOUNT = "/staff/account/"


def api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_new_token_works_and_only_its_hash_is_stored(coordinator):
    token, key = api_token_create(user=coordinator, name="Diariet")

    response = api(key).get(CASES)

    assert response.status_code == 200
    token.refresh_from_db()
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.last_used_at is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert key not in stored
    assert key[:8] in stored  # the prefix, to tell tokens apart


def test_a_token_expires_after_the_configured_days_with_401_in_the_error_shape(
    coordinator, settings
):
    settings.API_TOKEN_DAYS = 90
    _token, key = api_token_create(user=coordinator, name="Diariet")

    with time_machine.travel(timezone.now() + dt.timedelta(days=89)):
        assert api(key).get(CASES).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=91)):
        response = api(key).get(CASES, HTTP_ACCEPT_LANGUAGE="sv")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert response.json()["error"]["message"] == "Ogiltig, utgången eller återkallad API-nyckel."
    assert response["WWW-Authenticate"] == "Token"


def test_a_revoked_token_is_refused(coordinator):
    token, key = api_token_create(user=coordinator, name="Diariet")
    api_token_revoke(token=token)

    response = api(key).get(CASES)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_deactivated_users_token_is_refused(coordinator):
    _token, key = api_token_create(user=coordinator, name="Diariet")
    coordinator.is_active = False
    coordinator.save()

    assert api(key).get(CASES).status_code == 401


def test_create_api_token_prints_a_working_key_once(coordinator):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", coordinator.email, "--name", "Export", stdout=out, stderr=err)

    key = out.getvalue().strip()
    assert api(key).get(CASES).status_code == 200
    assert "Export" in err.getvalue()
    assert ApiToken.objects.get(user=coordinator).name == "Export"


def test_the_migration_hashes_the_old_plaintext_keys_and_drops_their_table(coordinator):
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz "
            "NOT NULL, user_id bigint NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, now(), %s)", [old_key, coordinator.pk]
        )
    migration = importlib.import_module("accounts.migrations.0004_hash_existing_api_tokens")

    with connection.schema_editor() as editor:
        migration.hash_existing_tokens(apps, editor)

    assert "authtoken_token" not in connection.introspection.table_names()
    assert api(old_key).get(CASES).status_code == 200
    assert not ApiToken.objects.filter(key_hash=old_key).exists()


# --- The account page ---------------------------------------------------------------------------


def test_a_staff_user_creates_a_token_on_the_account_page_and_sees_it_once(client, contact_user_a):
    client.force_login(contact_user_a)

    response = client.post(f"{ACCOUNT}tokens/", {"name": "Mitt skript"})

    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    key = response.context["new_key"]
    assert key in page
    assert "Kopiera den nu: den visas inte igen." in page
    assert api(key).get(CASES).status_code == 200
    again = client.get(ACCOUNT).content.decode()
    assert key not in again
    assert "Mitt skript" in again
    assert key[:8] in again


def test_a_token_without_a_name_is_refused_with_a_translated_error(client, coordinator):
    client.force_login(coordinator)

    response = client.post(f"{ACCOUNT}tokens/", {"name": ""})

    assert response.status_code == 400
    assert "Fältet måste fyllas i." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_account_page_lists_tokens_with_created_last_used_and_expiry(client, coordinator):
    token, key = api_token_create(user=coordinator, name="Diariet")
    api(key).get(CASES)
    token.refresh_from_db()
    client.force_login(coordinator)

    page = client.get(ACCOUNT).content.decode()

    assert "Diariet" in page
    assert timezone.localtime(token.created_at).strftime("%Y-%m-%d") in page
    assert timezone.localtime(token.last_used_at).strftime("%Y-%m-%d %H:%M") in page
    assert timezone.localtime(token.expires_at).strftime("%Y-%m-%d") in page


def test_a_user_revokes_their_own_token_from_the_account_page(client, coordinator):
    token, key = api_token_create(user=coordinator, name="Diariet")
    client.force_login(coordinator)

    response = client.post(f"{ACCOUNT}tokens/{token.pk}/revoke/", follow=True)

    assert "Nyckeln ”Diariet” är återkallad." in response.content.decode()
    assert api(key).get(CASES).status_code == 401


def test_nobody_revokes_or_sees_someone_elses_token(client, coordinator, registrar):
    token, key = api_token_create(user=coordinator, name="Koordinatorns nyckel")
    client.force_login(registrar)

    assert client.post(f"{ACCOUNT}tokens/{token.pk}/revoke/").status_code == 404
    assert "Koordinatorns nyckel" not in client.get(ACCOUNT).content.decode()
    assert api(key).get(CASES).status_code == 200


def test_the_account_page_needs_a_login(client):
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
