"""Registering through the API: the public form's rules (deadline, seats and waiting list,
one registration per address, consent), the private link in the answer, a rate limit per
client like the request form's API."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from activities.models import Registration
from notifications.models import OutboxMessage
from tests.activities.conftest import make_activity

BODY = {
    "name": "Eva Ek",
    "email": "eva@boras.example",
    "municipality": "1490",
    "organisation": "Borås stad",
    "role": "Miljöstrateg",
    "needs": "Vegetarisk",
    "consent": True,
}


@pytest.fixture(autouse=True)
def _fresh_throttle(settings):
    settings.API_SUBMIT_RATE = "1000/minute"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def anon() -> APIClient:
    return APIClient(HTTP_ACCEPT_LANGUAGE="sv")


def _url(activity) -> str:
    return reverse("api:activity-registrations", args=[activity.pk])


def test_registering_by_the_api_confirms_a_seat_and_returns_the_private_link(
    directory, anon, client
):
    activity = make_activity(capacity=2)
    response = anon.post(_url(activity), BODY, "json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "confirmed" and body["waiting_position"] is None
    registration = Registration.objects.get()
    assert (registration.email, registration.municipality.code) == ("eva@boras.example", "1490")
    # The link is the credential: it opens the registration's page, and the token is not stored.
    path = body["registration_url"].split("testserver", 1)[-1]
    token = path.rstrip("/").rsplit("/", 1)[-1]
    assert token not in registration.token_hash
    page = client.get(path)
    assert page.status_code == 200 and "Eva Ek" in page.content.decode()
    confirmation = OutboxMessage.objects.get(kind="activity_confirmed")
    assert (
        confirmation.recipient == "eva@boras.example" and "METHOD:REQUEST" in confirmation.calendar
    )


def test_a_full_activity_answers_409_unless_the_waiting_list_is_asked_for(directory, anon):
    activity = make_activity(capacity=1)
    assert anon.post(_url(activity), BODY, "json").status_code == 201
    per = {**BODY, "email": "per@boras.example", "name": "Per"}
    response = anon.post(_url(activity), per, "json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "activity_full"
    assert "väntelistan" in error["fields"]["join_waiting_list"][0]
    response = anon.post(_url(activity), {**per, "join_waiting_list": True}, "json")
    assert response.status_code == 201
    assert response.json()["status"] == "waiting"
    assert response.json()["waiting_position"] == 1
    assert OutboxMessage.objects.filter(kind="activity_waiting").count() == 1


def test_the_forms_rules_hold_with_a_translated_message_per_field(directory, anon):
    activity = make_activity()
    assert anon.post(_url(activity), BODY, "json").status_code == 201
    again = anon.post(_url(activity), {**BODY, "email": "EVA@boras.example"}, "json")
    assert again.status_code == 400
    assert again.json()["error"]["fields"]["email"] == [
        "Den här e-postadressen är redan anmäld till aktiviteten."
    ]
    no_consent = anon.post(
        _url(activity), {**BODY, "email": "x@y.example", "consent": False}, "json"
    )
    assert no_consent.status_code == 400
    assert "consent" in no_consent.json()["error"]["fields"]
    missing = anon.post(_url(activity), {"email": "z@y.example", "consent": True}, "json")
    assert set(missing.json()["error"]["fields"]) >= {"name", "role"}
    assert Registration.objects.count() == 1


def test_registration_closes_at_the_deadline(directory, anon):
    activity = make_activity()
    with time_machine.travel(activity.registration_deadline + dt.timedelta(minutes=1)):
        response = anon.post(_url(activity), BODY, "json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["non_field_errors"] == [
        "Anmälan till den här aktiviteten har stängt."
    ]
    assert not Registration.objects.exists()


def test_a_draft_or_unknown_activity_is_not_found(directory, anon):
    draft = make_activity(published=False)
    assert anon.post(_url(draft), BODY, "json").status_code == 404
    assert anon.post("/api/v1/activities/999999/registrations/", BODY, "json").status_code == 404
    assert not Registration.objects.exists()


def test_a_stale_token_does_not_stop_a_public_registration(directory):
    activity = make_activity()
    client = APIClient(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.post(_url(activity), BODY, "json").status_code == 201
    # ... while the participant list still needs a coordinator.
    assert client.get(_url(activity)).status_code == 401


def test_registrations_are_rate_limited_per_client(directory, anon, settings):
    settings.API_SUBMIT_RATE = "2/minute"
    activity = make_activity()
    codes = [
        anon.post(_url(activity), {**BODY, "email": f"p{n}@boras.example"}, "json").status_code
        for n in range(3)
    ]
    assert codes == [201, 201, 429]
    response = anon.post(_url(activity), {**BODY, "email": "p9@boras.example"}, "json")
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    other = APIClient(REMOTE_ADDR="10.0.0.2")
    assert (
        other.post(_url(activity), {**BODY, "email": "q@boras.example"}, "json").status_code == 201
    )
    assert Registration.objects.count() == 3
