"""The sweep enqueues each message at most once per period, on a real Redis broker: a queue
that grows by the same 500 rows every 30 s is what it must not do."""

from __future__ import annotations

import datetime as dt

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from notifications.models import OutboxMessage, OutboxStatus
from notifications.services import outbox_sweep
from tests.faults import closed_port, use_broker

pytestmark = pytest.mark.services


@pytest.fixture
def broker(db, redis_url):
    client = redis.Redis.from_url(redis_url)
    yield client
    use_broker(settings.CELERY_BROKER_URL)


def queued(client) -> int:
    """Delivery tasks waiting in the broker's default queue."""
    return client.llen("celery")


def forgotten(count: int, **fields) -> list[OutboxMessage]:
    """Pending messages whose own task never ran (the broker lost it), older than the grace."""
    rows = OutboxMessage.objects.bulk_create(
        OutboxMessage(
            key=f"forgotten:{i}",
            kind="receipt",
            recipient=f"r{i}@kommun.example",
            subject="Hej",
            body_text="Hej",
            next_attempt_at=timezone.now(),
            **fields,
        )
        for i in range(count)
    )
    old = timezone.now() - dt.timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS + 60)
    OutboxMessage.objects.filter(pk__in=[r.pk for r in rows]).update(created_at=old)
    return rows


def test_a_forgotten_message_is_enqueued_once_and_again_only_after_the_requeue_period(broker):
    forgotten(1)
    now = timezone.now()

    assert outbox_sweep(now=now) == 1
    assert outbox_sweep(now=now + dt.timedelta(seconds=30)) == 0
    assert outbox_sweep(now=now + dt.timedelta(seconds=60)) == 0
    assert queued(broker) == 1
    # Still not delivered after the requeue period: its task is presumed lost.
    later = now + dt.timedelta(seconds=settings.OUTBOX_REQUEUE_SECONDS + 1)
    assert outbox_sweep(now=later) == 1
    assert queued(broker) == 2


def test_a_large_backlog_is_enqueued_in_turns_not_the_same_oldest_rows_every_run(broker):
    forgotten(600)
    now = timezone.now()

    runs = [outbox_sweep(now=now + dt.timedelta(seconds=30 * i)) for i in range(4)]

    assert runs == [500, 100, 0, 0]
    assert queued(broker) == 600 // 20  # chunks of 20 messages per task
    assert not OutboxMessage.objects.filter(enqueued_at__isnull=True).exists()


def test_a_retry_is_enqueued_when_its_back_off_is_over_even_if_enqueued_recently(broker):
    now = timezone.now()
    (row,) = forgotten(1, attempts=1, last_error="451")
    OutboxMessage.objects.filter(pk=row.pk).update(
        enqueued_at=now - dt.timedelta(seconds=40), next_attempt_at=now + dt.timedelta(seconds=30)
    )

    assert outbox_sweep(now=now) == 0  # backing off
    assert outbox_sweep(now=now + dt.timedelta(seconds=31)) == 1
    assert outbox_sweep(now=now + dt.timedelta(seconds=61)) == 0
    assert queued(broker) == 1


def test_a_dead_workers_claim_is_enqueued_once(broker):
    now = timezone.now()
    (row,) = forgotten(1)
    # Enqueued (by an earlier sweep), claimed a moment later, and the worker died.
    claimed = now - dt.timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS + 5)
    OutboxMessage.objects.filter(pk=row.pk).update(
        status=OutboxStatus.SENDING,
        attempts=1,
        claimed_at=claimed,
        enqueued_at=claimed - dt.timedelta(milliseconds=20),
    )

    assert outbox_sweep(now=now) == 1
    assert outbox_sweep(now=now + dt.timedelta(seconds=30)) == 0
    assert queued(broker) == 1


def test_messages_the_broker_refused_are_taken_by_the_next_sweep(broker):
    forgotten(3)
    now = timezone.now()
    use_broker(f"redis://127.0.0.1:{closed_port()}/0")

    assert outbox_sweep(now=now) == 0
    assert OutboxMessage.objects.filter(enqueued_at__isnull=True).count() == 3

    use_broker(settings.CELERY_BROKER_URL)
    assert outbox_sweep(now=now + dt.timedelta(seconds=30)) == 3
    assert queued(broker) == 1
