"""Faults lose no message and send none twice: real Redis, PostgreSQL, Celery worker, SMTP."""

from __future__ import annotations

import subprocess
import time
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.test import Client
from django.utils import timezone

from cases.models import Case
from config.celery import app
from notifications.models import OutboxMessage, OutboxStatus
from notifications.services import message_deliver, outbox_sweep
from tests.conftest import body_of, free_port

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


def wait_until(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def use_broker(url: str) -> None:
    """Point this process's Celery app at another broker (drops pooled connections)."""
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def own_redis():
    """A redis-server of this test's own, on a free port, that the test may stop and start."""
    port = free_port()

    def start():
        return subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )

    class Handle:
        url = f"redis://127.0.0.1:{port}/0"
        proc = None

        def up(self):
            self.proc = start()
            wait_until(lambda: _pings(redis.Redis(port=port)))

        def down(self):
            if self.proc:
                self.proc.terminate()
                self.proc.wait(10)
                self.proc = None

    handle = Handle()
    yield handle
    handle.down()
    use_broker(settings.CELERY_BROKER_URL)


def _broker():
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def queued_tasks() -> int:
    """Tasks waiting in the broker: kombu keeps one Redis list per queue and priority step."""
    client = _broker()
    return sum(
        client.llen(key) for key in client.scan_iter("celery*") if client.type(key) == b"list"
    )


def unacked_tasks() -> set[bytes]:
    """Delivery tags of tasks a worker has taken but not acknowledged (acks_late: still running)."""
    return set(_broker().hkeys("unacked"))


def _pings(client) -> bool:
    try:
        return client.ping()
    except Exception:
        return False


def test_redis_down_at_submission_still_gives_receipt_and_email_after_it_returns(
    directory, celery_worker_factory, smtp_sink, own_redis
):
    use_broker(own_redis.url)  # and it is not running yet
    client = Client()
    started = time.monotonic()
    response = client.post("/requests/new/", FORM, follow=True)
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    case = Case.objects.get()
    assert case.reference in response.content.decode()
    assert elapsed < 5, f"the receipt page took {elapsed:.1f}s with Redis down"
    receipt = OutboxMessage.objects.get(kind="receipt")
    assert receipt.status == OutboxStatus.PENDING

    own_redis.up()
    celery_worker_factory(REDIS_URL=own_redis.url)
    later = timezone.now() + timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS + 1)
    assert outbox_sweep(now=later) == 1
    messages = smtp_sink.wait_for(1)
    assert messages[0]["To"] == "eva.ek@boras.example"
    assert case.reference in messages[0]["Subject"]
    wait_until(lambda: OutboxMessage.objects.get(pk=receipt.pk).status == OutboxStatus.SENT)


def test_worker_killed_mid_send_delivers_after_restart_and_never_twice(
    directory, celery_worker_factory, smtp_sink, settings
):
    settings.OUTBOX_CLAIM_TIMEOUT_SECONDS = 1
    smtp_sink.delay = 30  # the first attempt hangs in DATA until the worker dies
    worker = celery_worker_factory(OUTBOX_CLAIM_TIMEOUT_SECONDS="1")
    Client().post("/requests/new/", FORM)
    receipt = OutboxMessage.objects.get(kind="receipt")
    wait_until(lambda: OutboxMessage.objects.get(pk=receipt.pk).status == OutboxStatus.SENDING)
    worker.kill()
    assert smtp_sink.messages == []
    left_by_the_dead = unacked_tasks()
    assert left_by_the_dead  # acks_late: the killed worker's task is still in the broker

    smtp_sink.delay = 0
    celery_worker_factory(OUTBOX_CLAIM_TIMEOUT_SECONDS="1")
    # The killed task is still unacknowledged in Redis; the sweep finds the stale claim.
    wait_until(lambda: outbox_sweep() == 1, timeout=10)
    smtp_sink.wait_for(1)
    wait_until(lambda: OutboxMessage.objects.get(pk=receipt.pk).status == OutboxStatus.SENT)
    # Once recorded as sent, running the delivery again sends nothing.
    assert message_deliver(message_id=receipt.pk) == "skipped"
    assert outbox_sweep() == 0
    # Every task a live worker could still run (queued, or taken and not yet acknowledged) is
    # done; only what the killed worker held is left. A second email would be in the sink now.
    wait_until(lambda: queued_tasks() == 0 and unacked_tasks() <= left_by_the_dead)
    assert len(smtp_sink.messages) == 1
    assert "/track/" in body_of(smtp_sink.messages[0])


def test_temporary_smtp_failure_is_retried_with_backoff_until_delivered(
    directory, celery_worker_factory, smtp_sink
):
    smtp_sink.mode = "tempfail"
    celery_worker_factory()
    Client().post("/requests/new/", FORM)
    receipt = OutboxMessage.objects.get(kind="receipt")

    def attempted_once():
        row = OutboxMessage.objects.get(pk=receipt.pk)
        return row.status == OutboxStatus.PENDING and row.attempts == 1

    wait_until(attempted_once)
    row = OutboxMessage.objects.get(pk=receipt.pk)
    assert "451" in row.last_error
    assert row.next_attempt_at > row.created_at  # backed off, not retried at once
    smtp_sink.mode = "ok"
    wait_until(lambda: outbox_sweep() == 1)  # the sweep picks it up once the back-off is over
    smtp_sink.wait_for(1)
    wait_until(lambda: OutboxMessage.objects.get(pk=receipt.pk).status == OutboxStatus.SENT)
    assert OutboxMessage.objects.get(pk=receipt.pk).attempts == 2


def test_permanent_smtp_failure_is_not_retried_and_shows_as_failed(
    directory, celery_worker_factory, smtp_sink, coordinator
):
    smtp_sink.mode = "permfail"
    celery_worker_factory()
    Client().post("/requests/new/", FORM)
    receipt = OutboxMessage.objects.get(kind="receipt")
    # Every email of the submission (the receipt, the coordinator's "new request") fails.
    wait_until(lambda: not OutboxMessage.objects.exclude(status=OutboxStatus.FAILED).exists())
    row = OutboxMessage.objects.get(pk=receipt.pk)
    assert row.attempts == 1
    assert "550" in row.last_error
    assert outbox_sweep(now=timezone.now() + timedelta(days=1)) == 0
    staff = Client()
    staff.force_login(coordinator)
    case = Case.objects.get()
    assert "eva.ek@boras.example" in staff.get("/staff/outbox/").content.decode()
    timeline = staff.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "eva.ek@boras.example" in timeline
