"""Faults on the delivery path, on real services: a broker that is down or hung, a message that
cannot be rendered, a worker that dies mid-send, and one that is slow but alive."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from django.conf import settings
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from notifications.models import OutboxMessage, OutboxStatus
from notifications.services import (
    message_deliver,
    message_queue,
    outbox_sweep,
    register_context,
)
from tests.conftest import body_of
from tests.faults import HungListener, closed_port, use_broker, wait_until

pytestmark = pytest.mark.services

FORM = {
    "municipality": "1490",
    "requester_name": "Eva Ek",
    "requester_role": "Miljöstrateg",
    "requester_email": "eva.ek@boras.example",
    "title": "Matsvinn i skolköken",
    "description": "Vi vill minska matsvinnet.",
    "area_unknown": "on",
    "consent": "on",
}


@pytest.fixture
def committed(transactional_db, postgres, redis_url, directory):
    """Requests commit, so their after-commit publish really runs."""
    yield
    use_broker(settings.CELERY_BROKER_URL)


@pytest.mark.parametrize("broker", ["hung", "closed"])
def test_a_submission_with_the_broker_down_or_hung_returns_at_once_and_leaves_the_receipt_for_the_sweep(
    committed, broker
):
    client = Client()
    client.get("/requests/new/")  # templates, translations and sessions warmed up
    with HungListener() as hung:
        port = hung.port if broker == "hung" else closed_port()
        use_broker(f"redis://127.0.0.1:{port}/0")

        started = time.monotonic()
        response = client.post("/requests/new/", FORM)
        elapsed = time.monotonic() - started

    assert response.status_code == 302
    assert elapsed < 0.8, f"the submission took {elapsed:.2f} s with the broker {broker}"
    receipt = OutboxMessage.objects.get(kind="receipt")
    assert (receipt.status, receipt.attempts, receipt.enqueued_at) == ("pending", 0, None)
    # The sweep (with the broker back) takes it once its own task is overdue.
    use_broker(settings.CELERY_BROKER_URL)
    later = timezone.now() + dt.timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS + 1)
    assert outbox_sweep(now=later) == 1


@pytest.fixture
def broken_kind():
    """A kind rendered at send time whose template does not exist (a deploy that lost it)."""
    register_context("broken", lambda message: {})
    yield "broken"


def test_a_message_that_cannot_be_rendered_fails_with_the_error_and_shows_on_the_outbox_page(
    db, broken_kind, smtp_sink, coordinator
):
    message = message_queue(
        key="broken:1",
        kind=broken_kind,
        recipient="eva.ek@boras.example",
        template="no_such_template",
        context={},
        lazy=True,
    )

    assert message_deliver(message_id=message.pk) == "failed"

    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert "TemplateDoesNotExist" in message.last_error
    assert smtp_sink.messages == []
    # Not re-claimed later, by its task or by the sweep.
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1)):
        assert message_deliver(message_id=message.pk) == "skipped"
        assert outbox_sweep() == 0
    staff = Client()
    staff.force_login(coordinator)
    page = staff.get("/staff/outbox/").content.decode()
    assert "eva.ek@boras.example" in page
    assert "TemplateDoesNotExist" in page


def test_a_database_error_while_rendering_is_retried_not_failed(db, smtp_sink):
    def unreachable(message):
        raise OperationalError("server closed the connection unexpectedly")

    register_context("flaky", unreachable)
    message = message_queue(
        key="flaky:1",
        kind="flaky",
        recipient="eva.ek@boras.example",
        template="receipt",
        context={},
        lazy=True,
    )

    assert message_deliver(message_id=message.pk) == "retry"

    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert "OperationalError" in message.last_error
    assert message.next_attempt_at > timezone.now()


def test_a_worker_killed_mid_send_is_taken_over_after_the_claim_timeout_not_ten_minutes(
    committed, celery_worker_factory, smtp_sink, settings
):
    settings.OUTBOX_CLAIM_TIMEOUT_SECONDS = 2
    smtp_sink.delay = 30  # the first attempt hangs in DATA until the worker dies
    worker = celery_worker_factory(OUTBOX_CLAIM_TIMEOUT_SECONDS="2")
    Client().post("/requests/new/", FORM)
    receipt = OutboxMessage.objects.get(kind="receipt")
    wait_until(lambda: OutboxMessage.objects.get(pk=receipt.pk).status == OutboxStatus.SENDING)
    worker.kill()
    killed = time.monotonic()

    smtp_sink.delay = 0
    celery_worker_factory(OUTBOX_CLAIM_TIMEOUT_SECONDS="2")
    # The killed task is still unacknowledged in Redis (for its hour of visibility timeout);
    # the sweep finds the claim that nobody renews any more.
    wait_until(lambda: outbox_sweep() == 1, timeout=15)
    smtp_sink.wait_for(1)
    wait_until(lambda: OutboxMessage.objects.get(pk=receipt.pk).status == OutboxStatus.SENT)
    resent_after = time.monotonic() - killed

    assert resent_after < 15, f"re-sent {resent_after:.1f} s after the worker died"
    assert OutboxMessage.objects.get(pk=receipt.pk).attempts == 2
    assert "/track/" in body_of(smtp_sink.messages[0])
    # The sweep does not enqueue the sent message again.
    assert outbox_sweep() == 0
    assert len(smtp_sink.messages) == 1


def test_a_slow_but_live_send_is_never_taken_over(
    committed, celery_worker_factory, smtp_sink, settings
):
    """The SMTP server takes three claim timeouts to accept the message; meanwhile this
    process tries to take the message over (as a second worker and as the sweep would)."""
    settings.OUTBOX_CLAIM_TIMEOUT_SECONDS = 1
    smtp_sink.delay = 3
    celery_worker_factory(OUTBOX_CLAIM_TIMEOUT_SECONDS="1")
    Client().post("/requests/new/", FORM)
    receipt = OutboxMessage.objects.get(kind="receipt")
    wait_until(lambda: OutboxMessage.objects.get(pk=receipt.pk).status == OutboxStatus.SENDING)
    first_claim = OutboxMessage.objects.get(pk=receipt.pk).claimed_at
    sending_since = time.monotonic()

    takeovers = []

    def sent() -> bool:
        takeovers.append(message_deliver(message_id=receipt.pk))
        takeovers.append(outbox_sweep())
        return OutboxMessage.objects.get(pk=receipt.pk).status == OutboxStatus.SENT

    wait_until(sent, timeout=20, interval=0.1)
    slow = time.monotonic() - sending_since

    row = OutboxMessage.objects.get(pk=receipt.pk)
    assert slow > 2, "the send must outlast the claim timeout for this test to mean anything"
    assert set(takeovers) <= {"skipped", 0}
    assert row.attempts == 1
    assert row.claimed_at > first_claim, "the worker renewed its claim while sending"
    smtp_sink.wait_for(1)
    assert len(smtp_sink.messages) == 1
