"""Registering through the public page: confirmed, waiting list, the private link, bad input."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.urls import reverse

from activities.models import Registration, RegistrationStatus
from activities.services import registration_token_hash
from notifications.models import OutboxMessage
from tests.activities.conftest import form_data, make_activity


def _register(client, activity, **overrides):
    return client.post(reverse("activity", args=[activity.pk]), form_data(**overrides))


def _token(response) -> str:
    match = re.search(r"/activities/registrations/([^/]+)/$", response["Location"])
    assert match, response["Location"]
    return match[1]


def test_the_public_calendar_lists_published_activities_in_swedish(client, activity):
    hidden = make_activity(title="Internt planeringsmöte", published=False)
    page = client.get(reverse("activities"), HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Aktiviteter" in page
    assert activity.title in page
    assert hidden.title not in page
    assert client.get(reverse("activity", args=[hidden.pk])).status_code == 404


def test_a_registration_is_confirmed_with_a_private_link_and_an_invitation(client, activity):
    response = _register(client, activity)
    assert response.status_code == 302
    token = _token(response)
    registration = Registration.objects.get()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.token_hash == registration_token_hash(token)
    assert token not in str(Registration.objects.values().get())  # only the hash is stored
    message = OutboxMessage.objects.get(kind="activity_confirmed")
    assert message.recipient == "eva@boras.example"
    assert "METHOD:REQUEST" in message.calendar
    assert token in message.body_text  # the private link, in the email only
    page = client.get(response["Location"]).content.decode()
    assert "Eva Ek" in page and "Vegetarisk" in page


def test_a_cancellation_through_the_private_link_frees_the_seat(client, activity):
    token = _token(_register(client, activity))
    response = client.post(reverse("activity-registration-cancel", args=[token]))
    assert response.status_code == 302
    assert Registration.objects.get().status == RegistrationStatus.CANCELLED
    cancel = OutboxMessage.objects.get(kind="activity_cancelled")
    assert "METHOD:CANCEL" in cancel.calendar
    # The same address may register again once its registration is cancelled.
    assert _register(client, activity).status_code == 302


def test_an_unknown_private_link_is_not_found(client, activity):
    _register(client, activity)
    assert client.get(reverse("activity-registration", args=["x" * 43])).status_code == 404
    assert client.post(reverse("activity-registration-cancel", args=["x" * 43])).status_code == 404


def test_a_full_activity_offers_the_waiting_list_and_keeps_what_was_entered(client, directory):
    activity = make_activity(capacity=1)
    _register(client, activity)
    response = _register(
        client, activity, email="per@vargarda.example", name="Per Persson", needs="Rullstol"
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Aktiviteten är fullbokad. Kryssa i rutan" in page
    assert 'value="Per Persson"' in page and "Rullstol" in page
    assert Registration.objects.count() == 1
    response = _register(
        client, activity, email="per@vargarda.example", name="Per Persson", join_waiting_list="on"
    )
    assert response.status_code == 302
    waiting = Registration.objects.get(email="per@vargarda.example")
    assert waiting.status == RegistrationStatus.WAITING
    page = client.get(response["Location"]).content.decode()
    assert "nummer 1 i kön" in page
    assert OutboxMessage.objects.get(kind="activity_waiting").calendar == ""


def test_a_duplicate_email_gets_a_translated_error_and_loses_nothing(client, activity):
    _register(client, activity)
    response = client.post(
        reverse("activity", args=[activity.pk]),
        form_data(email="EVA@boras.example", role="Chef"),
        HTTP_ACCEPT_LANGUAGE="sv",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Den här e-postadressen är redan anmäld till aktiviteten." in page
    assert 'value="Chef"' in page
    assert Registration.objects.count() == 1


def test_a_registration_after_the_deadline_is_refused(client, activity):
    with time_machine.travel(activity.registration_deadline + dt.timedelta(minutes=1)):
        response = _register(client, activity)
    assert response.status_code == 400
    assert "Anmälan till den här aktiviteten har stängt." in response.content.decode()
    assert 'value="Eva Ek"' in response.content.decode()
    assert not Registration.objects.exists()


def test_missing_consent_and_name_are_shown_together(client, activity):
    response = _register(client, activity, consent=None, name="")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Du måste godkänna behandlingen av personuppgifter." in page
    assert "Fältet måste fyllas i." in page
    assert not Registration.objects.exists()


def test_the_ics_feed_lists_published_activities(client, activity):
    make_activity(title="Hemligt", published=False)
    response = client.get(reverse("activities-feed"))
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert "SUMMARY:Workshop om matsvinn" in body and "Hemligt" not in body
