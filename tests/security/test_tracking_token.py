"""The tracking token is the requester's credential: the receipt page shows it once, and an
outbox row keeps it only until the email is delivered."""

from __future__ import annotations

import time

import pytest

from cases.models import Case
from notifications.models import OutboxMessage, OutboxStatus
from tests.cases.test_request_form import tracking_token, valid_post
from tests.conftest import body_of

URL = "/requests/new/"


def test_the_receipt_shows_the_link_once_and_then_points_to_the_lost_link_page(client, directory):
    response = client.post(URL, valid_post())
    first = client.get(response["Location"])
    token = tracking_token(first)
    assert client.get(f"/track/{token}/").status_code == 200

    again = client.get("/requests/receipt/")

    page = again.content.decode()
    assert again.status_code == 200
    assert token not in page
    assert 'data-testid="tracking-link"' not in page
    assert 'data-testid="link-shown"' in page
    assert "visades en gång" in page
    assert 'href="/requests/lost-link/"' in page
    assert Case.objects.get().reference in page
    # The browser no longer holds the token either.
    assert token not in client.cookies["receipt"].value


def _wait_until(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.mark.django_db(transaction=True)
def test_a_delivered_receipt_row_keeps_no_token(
    client, directory, celery_worker_factory, smtp_sink
):
    celery_worker_factory()
    response = client.post(URL, valid_post())
    token = tracking_token(client.get(response["Location"]))

    email = smtp_sink.wait_for(1)[0]
    assert token in body_of(email)  # the requester got it
    message = _wait_until(
        lambda: OutboxMessage.objects.filter(kind="receipt", status=OutboxStatus.SENT).first()
    )
    stored = " ".join([message.subject, message.body_text, message.body_html, str(message.context)])
    assert token not in stored
    assert message.context == {}


def test_a_cancelled_sensitive_message_keeps_no_token(directory, monkeypatch):
    from notifications import services
    from tests.factories import make_case

    make_case()
    message = OutboxMessage.objects.get(kind="receipt")
    assert message.context.get("token")
    monkeypatch.setitem(services._still_wanted, "receipt", lambda m: False)

    assert services.message_deliver(message_id=message.pk) == "cancelled"

    message.refresh_from_db()
    assert message.status == OutboxStatus.CANCELLED
    assert message.context == {} and message.body_text == "" and message.body_html == ""
