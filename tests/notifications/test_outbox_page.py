"""The staff outbox page: filter, page through, retry one or every failed message."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from notifications.models import OutboxMessage, OutboxStatus
from tests.factories import make_user


def message(n: int, *, status=OutboxStatus.FAILED, kind="reminder", **fields) -> OutboxMessage:
    row = OutboxMessage.objects.create(
        key=f"page:{n}",
        kind=kind,
        recipient=fields.pop("recipient", f"person{n}@kommun.example"),
        subject=f"Ämne {n}",
        body_text="Hej",
        status=status,
        attempts=fields.pop("attempts", 3),
        last_error=fields.pop("last_error", "451 4.3.0 Try again later"),
        next_attempt_at=timezone.now(),
        **fields,
    )
    # Newest first: message n was created n minutes ago.
    OutboxMessage.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=n)
    )
    return row


@pytest.fixture
def staff(coordinator) -> Client:
    client = Client()
    client.force_login(coordinator)
    return client


def test_the_outbox_shows_failed_messages_by_default_in_swedish(staff):
    message(1, recipient="misslyckad@kommun.example")
    message(2, status=OutboxStatus.SENT, recipient="levererad@kommun.example", last_error="")

    page = staff.get("/staff/outbox/").content.decode()

    assert "Utkorg" in page
    assert "misslyckad@kommun.example" in page
    assert "levererad@kommun.example" not in page
    assert "451 4.3.0 Try again later" in page
    assert "Försök igen med alla misslyckade" in page


def test_the_outbox_filters_by_status_kind_and_recipient(staff):
    message(1, kind="receipt", recipient="eva@boras.example")
    message(2, kind="reminder", recipient="eva@boras.example")
    message(3, kind="reminder", recipient="olle@alingsas.example")
    message(4, status=OutboxStatus.SENT, kind="reminder", recipient="eva@boras.example")

    def recipients_and_kinds(**query) -> list[tuple[str, str]]:
        page = staff.get("/staff/outbox/", query).context["page"]
        return [(m.recipient, m.kind) for m in page]

    assert recipients_and_kinds(kind="reminder", q="eva") == [("eva@boras.example", "reminder")]
    assert recipients_and_kinds(q="BORAS") == [
        ("eva@boras.example", "receipt"),
        ("eva@boras.example", "reminder"),
    ]
    assert recipients_and_kinds(status="sent") == [("eva@boras.example", "reminder")]
    assert len(recipients_and_kinds(status="all")) == 4


def test_the_outbox_pages_through_every_message_not_only_the_first_two_hundred(staff):
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            key=f"many:{i}",
            kind="reminder",
            recipient=f"p{i:03d}@kommun.example",
            subject="Påminnelse",
            status=OutboxStatus.FAILED,
            next_attempt_at=timezone.now(),
        )
        for i in range(230)
    )

    first = staff.get("/staff/outbox/").content.decode()
    last = staff.get("/staff/outbox/", {"page": 5}).context["page"]

    assert "Sida 1 av 5" in first
    assert len(last) == 230 - 4 * 50
    seen = set()
    for number in range(1, 6):
        seen |= {m.key for m in staff.get("/staff/outbox/", {"page": number}).context["page"]}
    assert len(seen) == 230


def test_retry_all_failed_asks_for_confirmation_then_retries_them_in_one_post(
    staff, django_capture_on_commit_callbacks
):
    failed = [message(n) for n in range(1, 4)]
    other_kind = message(4, kind="receipt")
    delivered = message(5, status=OutboxStatus.SENT, last_error="")

    confirm = staff.get("/staff/outbox/retry-failed/", {"kind": "reminder"})
    assert confirm.status_code == 200
    assert "3 misslyckade meddelanden skickas igen" in confirm.content.decode()
    assert OutboxMessage.objects.filter(status=OutboxStatus.FAILED).count() == 4

    with django_capture_on_commit_callbacks() as callbacks:
        response = staff.post("/staff/outbox/retry-failed/", {"kind": "reminder", "q": ""})

    assert response.status_code == 302
    assert len(callbacks) == 1, "the retried messages are enqueued after commit"
    for row in failed:
        row.refresh_from_db()
        assert (row.status, row.attempts, row.last_error) == ("pending", 0, "")
        assert row.first_attempt_at is None, "a retry starts a new retry period"
    other_kind.refresh_from_db()
    delivered.refresh_from_db()
    assert other_kind.status == "failed"
    assert delivered.status == "sent"
    followed = staff.get(response.url).content.decode()
    assert "3 misslyckade meddelanden kommer att skickas igen." in followed


def test_retrying_one_failed_message_keeps_the_filter(staff):
    row = message(1)

    response = staff.post(f"/staff/outbox/{row.pk}/retry/?status=all&kind=reminder")

    assert response.status_code == 302
    assert response.url == "/staff/outbox/?status=all&kind=reminder"
    row.refresh_from_db()
    assert row.status == "pending"


@pytest.mark.parametrize("role", ["registrar", "contact"])
def test_only_coordinators_and_administrators_see_or_retry_the_outbox(db, role):
    row = message(1)
    client = Client()
    client.force_login(make_user(role))

    assert client.get("/staff/outbox/").status_code == 403
    assert client.get("/staff/outbox/retry-failed/").status_code == 403
    assert client.post("/staff/outbox/retry-failed/").status_code == 403
    assert client.post(f"/staff/outbox/{row.pk}/retry/").status_code == 403
    row.refresh_from_db()
    assert row.status == "failed"


def test_an_administrator_may_retry_all_failed(db):
    row = message(1)
    client = Client()
    client.force_login(make_user("admin"))

    assert client.post("/staff/outbox/retry-failed/").status_code == 302
    row.refresh_from_db()
    assert row.status == "pending"


def test_retry_all_without_the_csrf_token_is_refused(coordinator):
    row = message(1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)

    assert client.post("/staff/outbox/retry-failed/").status_code == 403
    row.refresh_from_db()
    assert row.status == "failed"
