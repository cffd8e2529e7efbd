"""Password reset by email: Django's flow through the outbox, the same answer for any address,
limited per address and per client."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from notifications.models import OutboxMessage
from notifications.services import message_deliver

pytestmark = pytest.mark.django_db

URL = "/accounts/password-reset/"
ANSWER = "Om det finns en inloggning med den adressen har vi skickat en länk dit."
NEW_PASSWORD = "ny-grön-cykel-vid-ån"


@pytest.fixture(autouse=True)
def empty_rate_limits():
    cache.clear()
    yield
    cache.clear()


def ask(client, email: str, ip: str = "192.0.2.1") -> str:
    response = client.post(URL, {"email": email}, REMOTE_ADDR=ip, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def deliver_link(recipient: str) -> tuple[str, str]:
    message = OutboxMessage.objects.get(kind="password_reset", recipient=recipient)
    assert message.sensitive
    assert message_deliver(message_id=message.pk) == "sent"
    message.refresh_from_db()
    assert (message.body_text, message.body_html) == ("", ""), "the link is erased once sent"
    email = mail.outbox[-1]
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", email.body)
    assert link, email.body
    return email.subject, link.group(1)


def _without_csrf(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def test_the_login_page_links_to_the_password_reset(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password-reset/"' in page
    assert "Glömt lösenordet?" in page


def test_a_staff_user_resets_their_password_through_the_emailed_link(client, coordinator):
    page = ask(client, coordinator.email.upper())

    assert ANSWER in page
    subject, path = deliver_link(coordinator.email)
    assert subject == "Återställ ditt lösenord i Samverka"
    form = client.get(path, follow=True)
    assert "Välj ett nytt lösenord" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Ditt lösenord är ändrat" in done.content.decode()

    old = client.post(
        "/accounts/login/", {"username": coordinator.email, "password": "pw-for-tests-1"}
    )
    assert old.status_code == 200  # the old password no longer works
    new = client.post("/accounts/login/", {"username": coordinator.email, "password": NEW_PASSWORD})
    assert new.status_code == 302
    # The link works once.
    again = client.get(path, follow=True).content.decode()
    assert "Länken fungerar inte" in again


def test_a_weak_new_password_is_refused_with_the_reason(client, coordinator):
    ask(client, coordinator.email)
    _subject, path = deliver_link(coordinator.email)
    form = client.get(path, follow=True)

    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": "12345", "new_password2": "12345"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "för kort" in page
    assert "enbart numeriskt" in page


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, coordinator):
    known = ask(client, coordinator.email, ip="192.0.2.1")
    unknown = ask(client, "ingen@hb.example", ip="192.0.2.2")

    assert ANSWER in unknown
    assert _without_csrf(unknown) == _without_csrf(known)
    assert not OutboxMessage.objects.filter(recipient="ingen@hb.example").exists()


def test_the_fourth_request_for_an_address_within_the_hour_sends_nothing(client, coordinator):
    start = timezone.now()
    for n in range(4):
        # Minutes apart, as people ask (within one second the link and its message are the same).
        with time_machine.travel(start + dt.timedelta(minutes=5 * n), tick=False):
            assert ANSWER in ask(client, coordinator.email, ip=f"192.0.2.{n + 1}")

    assert OutboxMessage.objects.filter(kind="password_reset").count() == 3


def test_one_client_asking_for_many_addresses_is_limited_too(client, directory):
    from tests.factories import make_user

    users = [make_user("contact") for _ in range(11)]
    for user in users:
        assert ANSWER in ask(client, user.email)

    assert OutboxMessage.objects.filter(kind="password_reset").count() == 10
    assert not OutboxMessage.objects.filter(recipient=users[-1].email).exists()


def test_an_invalid_address_is_shown_back_with_the_error(client):
    response = client.post(URL, {"email": "inte-en-adress"})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="inte-en-adress"' in page
    assert "error-summary" in page
    assert not OutboxMessage.objects.exists()


def test_without_local_passwords_there_is_no_password_reset(client, coordinator, settings):
    settings.LOCAL_PASSWORDS = False

    assert client.get(URL).status_code == 404
    assert client.post(URL, {"email": coordinator.email}).status_code == 404
    assert "Glömt lösenordet?" not in client.get("/accounts/login/").content.decode()
    assert not OutboxMessage.objects.exists()
