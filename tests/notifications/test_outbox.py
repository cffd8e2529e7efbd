"""Outbox delivery against a real SMTP server: once only, back-off on 4xx, give up on 5xx."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from notifications.models import OutboxMessage
from notifications.services import message_deliver
from notifications.tasks import deliver_message
from tests.conftest import body_of
from tests.factories import make_case


def receipt_of(case) -> OutboxMessage:
    return OutboxMessage.objects.get(kind="receipt", case_id=case.pk)


def test_delivering_twice_sends_the_email_once(directory, smtp_sink):
    case = make_case()
    message = receipt_of(case)

    first = deliver_message(message.pk)
    second = deliver_message(message.pk)

    assert (first, second) == ("sent", "skipped")
    assert len(smtp_sink.messages) == 1
    delivered = smtp_sink.messages[0]
    assert delivered["To"] == case.requester_email
    assert case.reference in delivered["Subject"]
    assert f"/track/{case.token}/" in body_of(delivered)
    message.refresh_from_db()
    assert message.status == "sent"
    assert message.sent_at is not None


def test_delivered_receipt_no_longer_stores_the_tracking_link(directory, smtp_sink):
    case = make_case()
    message = receipt_of(case)

    message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert case.token not in message.body_text
    assert case.token not in message.body_html


def test_email_has_plain_text_and_html_parts_and_a_stable_message_id(directory, smtp_sink):
    case = make_case()
    message = receipt_of(case)

    message_deliver(message_id=message.pk)

    delivered = smtp_sink.messages[0]
    types = {part.get_content_type() for part in delivered.walk()}
    assert {"text/plain", "text/html"} <= types
    assert delivered["Message-ID"].startswith("<")
    assert delivered["Auto-Submitted"] == "auto-generated"


def test_temporary_smtp_failure_leaves_the_message_pending_with_back_off(
    directory, smtp_sink, settings
):
    settings.OUTBOX_BACKOFF_SECONDS = 60
    case = make_case()
    message = receipt_of(case)
    smtp_sink.mode = "tempfail"

    before = timezone.now()
    result = message_deliver(message_id=message.pk)

    assert result == "retry"
    message.refresh_from_db()
    assert message.status == "pending"
    assert message.attempts == 1
    assert "451" in message.last_error
    # 60 s step with jitter between 50% and 150%.
    assert before + dt.timedelta(seconds=29) <= message.next_attempt_at
    assert message.next_attempt_at <= timezone.now() + dt.timedelta(seconds=91)
    assert smtp_sink.messages == []

    # Before the back-off has passed, nothing is tried.
    assert message_deliver(message_id=message.pk) == "skipped"

    smtp_sink.mode = "ok"
    with time_machine.travel(message.next_attempt_at + dt.timedelta(seconds=1)):
        assert message_deliver(message_id=message.pk) == "sent"
    assert len(smtp_sink.messages) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")


def test_back_off_grows_with_each_temporary_failure(directory, smtp_sink, settings):
    settings.OUTBOX_BACKOFF_SECONDS = 10
    message = receipt_of(make_case())
    smtp_sink.mode = "tempfail"
    waits = []

    for _ in range(3):
        message.refresh_from_db()
        with time_machine.travel(message.next_attempt_at, tick=False):
            assert message_deliver(message_id=message.pk) == "retry"
            message.refresh_from_db()
            waits.append((message.next_attempt_at - timezone.now()).total_seconds())

    # Steps of 10, 20, 40 s, each with jitter between 50% and 150%.
    assert 5 <= waits[0] <= 15
    assert 10 <= waits[1] <= 30
    assert 20 <= waits[2] <= 60


def test_permanent_smtp_failure_marks_the_message_failed_and_it_is_not_retried(
    directory, smtp_sink
):
    message = receipt_of(make_case())
    smtp_sink.mode = "permfail"

    assert message_deliver(message_id=message.pk) == "failed"

    message.refresh_from_db()
    assert message.status == "failed"
    assert message.attempts == 1
    assert "550" in message.last_error
    smtp_sink.mode = "ok"
    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        assert message_deliver(message_id=message.pk) == "skipped"
    assert smtp_sink.messages == []


def test_temporary_failures_are_retried_for_the_retry_period_and_then_fail(
    directory, smtp_sink, settings
):
    settings.OUTBOX_RETRY_PERIOD_SECONDS = 3 * 3600
    settings.OUTBOX_BACKOFF_SECONDS = 60
    settings.OUTBOX_BACKOFF_MAX_SECONDS = 3600
    message = receipt_of(make_case())
    smtp_sink.mode = "tempfail"

    results = []
    while True:
        message.refresh_from_db()
        if message.status != "pending":
            break
        with time_machine.travel(message.next_attempt_at, tick=False):
            results.append(message_deliver(message_id=message.pk))

    message.refresh_from_db()
    assert message.status == "failed"
    assert "451" in message.last_error
    # 60 s doubling, capped at an hour: about eight attempts fill three hours, and the last
    # one falls on the end of the period.
    assert results[-1] == "failed"
    assert set(results[:-1]) == {"retry"}
    assert 6 <= len(results) <= 12
    assert message.claimed_at == message.first_attempt_at + dt.timedelta(hours=3)
    assert smtp_sink.messages == []


def test_an_smtp_outage_of_hours_keeps_messages_pending_and_delivers_them_after(
    directory, smtp_sink
):
    message = receipt_of(make_case())
    smtp_sink.mode = "tempfail"
    started = timezone.now()

    # Ten hours of 451s with the default settings: attempts back off to one an hour.
    while True:
        message.refresh_from_db()
        if message.next_attempt_at > started + dt.timedelta(hours=10):
            break
        with time_machine.travel(message.next_attempt_at, tick=False):
            assert message_deliver(message_id=message.pk) == "retry"

    message.refresh_from_db()
    assert message.status == "pending"
    wait = message.next_attempt_at - message.claimed_at
    assert wait <= dt.timedelta(hours=1), "the back-off is capped at an hour"
    smtp_sink.mode = "ok"
    with time_machine.travel(message.next_attempt_at, tick=False):
        assert message_deliver(message_id=message.pk) == "sent"
    assert len(smtp_sink.messages) == 1


def test_unreachable_smtp_server_is_a_temporary_failure(directory, settings):
    from tests.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens here
    message = receipt_of(make_case())

    assert message_deliver(message_id=message.pk) == "retry"
    message.refresh_from_db()
    assert message.status == "pending"


def test_sent_emails_appear_on_the_case_timeline(client, directory, smtp_sink, coordinator):
    case = make_case()
    message_deliver(message_id=receipt_of(case).pk)
    client.force_login(coordinator)

    content = client.get(f"/staff/cases/{case.reference}/").content.decode()

    assert receipt_of(case).subject in content
    assert case.requester_email in content


def test_one_transactions_messages_are_published_together_and_a_rolled_back_one_never(
    db, django_capture_on_commit_callbacks, monkeypatch
):
    from django.db import transaction

    from notifications import services

    published: list[list[int]] = []
    monkeypatch.setattr(
        services,
        "deliveries_enqueue",
        lambda *, message_ids: published.append(list(message_ids)) or message_ids,
    )

    def queue(key: str):
        return services.message_queue(
            key=key, kind="test", recipient="eva.ek@boras.example", template="t", context={},
            lazy=True,
        )  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            first = queue("batch:1")
            try:
                with transaction.atomic():
                    queue("batch:2")
                    raise RuntimeError("rolled back")
            except RuntimeError:
                pass
            third = queue("batch:3")
            assert published == []
    assert published == [[first.pk, third.pk]]


def test_queuing_in_bulk_stores_each_message_once_and_counts_the_unsent(db):
    """The reminder scan's path: one row per key with its own values, constants and all; a
    second scan over the same keys adds nothing and counts what is still unsent."""
    from django.db import transaction

    from notifications.services import MessageSpec, messages_queue_bulk

    def spec(i: int) -> MessageSpec:
        return MessageSpec(
            key=f"bulk:{i}",
            kind="reminder",
            recipient=f"person{i}@kommun.example",
            template="reminder",
            context={"n": i},
            language="en" if i == 2 else "sv",
            condition={"state": "received"},
            lazy=True,
        )

    with transaction.atomic():
        assert messages_queue_bulk([spec(i) for i in range(3)]) == 3
    rows = {m.key: m for m in OutboxMessage.objects.filter(key__startswith="bulk:")}
    assert [rows[f"bulk:{i}"].context for i in range(3)] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert [rows[f"bulk:{i}"].recipient for i in range(3)] == [
        "person0@kommun.example",
        "person1@kommun.example",
        "person2@kommun.example",
    ]
    assert [rows[f"bulk:{i}"].language for i in range(3)] == ["sv", "sv", "en"]
    assert {(m.kind, m.status, m.case_id, str(m.condition)) for m in rows.values()} == {
        ("reminder", "pending", None, "{'state': 'received'}")
    }
    OutboxMessage.objects.filter(key="bulk:0").update(status="sent")
    with transaction.atomic():
        # bulk:1 and bulk:2 are still unsent, bulk:3 is new; bulk:0 went out already.
        assert messages_queue_bulk([spec(i) for i in range(4)]) == 3
    assert OutboxMessage.objects.filter(key__startswith="bulk:").count() == 4
    assert OutboxMessage.objects.get(key="bulk:0").status == "sent"


def _plan(queryset) -> str:
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_claim_is_read_by_primary_key_when_a_backlog_grew_after_the_statistics(db):
    """An SMTP outage leaves thousands of messages pending before autovacuum counts them: each
    update of a claim must still read one row, not scan the pending backlog (a third of the
    delivery rate at a million rows, measured by `make bench`)."""
    from django.db import connection

    from notifications.models import OutboxStatus
    from notifications.services import claim_of

    def rows(status: str, n: int) -> list[OutboxMessage]:
        return OutboxMessage.objects.bulk_create(
            OutboxMessage(key=f"{status}:{i}", kind="bench", recipient=f"p{i}@kommun.example",
                          subject="Hej", status=status, next_attempt_at=timezone.now())
            for i in range(n)
        )  # fmt: skip

    rows(OutboxStatus.SENT, 3000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notifications_outboxmessage")  # the due index: empty
    backlog = rows(OutboxStatus.PENDING, 3000)
    OutboxMessage.objects.filter(pk=backlog[0].pk).update(status=OutboxStatus.SENDING, attempts=1)

    claim = claim_of(message_id=backlog[0].pk, attempts=1)
    plan = _plan(claim)

    assert "outboxmessage_pkey" in plan and "outbox_due_idx" not in plan, plan
    assert claim.count() == 1
    assert not claim_of(message_id=backlog[0].pk, attempts=2).exists()  # a later claim's
    assert not claim_of(message_id=backlog[1].pk, attempts=0).exists()  # pending, unclaimed
