"""Capacity under concurrency on PostgreSQL with real threads, and promotion from the
waiting list with the email delivered to a real SMTP sink."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from email.header import decode_header, make_header

from django.db import connection

from activities.models import Registration, RegistrationStatus
from activities.services import registration_cancel, registration_create
from notifications.models import OutboxMessage
from notifications.services import message_deliver
from tests.activities.conftest import make_activity

# 200 registrations through 40 threads, each with its own PostgreSQL connection (the server
# allows 100 connections, shared with other test runs): 40 at a time contend for the lock.
REGISTRATIONS = 200
THREADS = 40


def test_200_registrations_at_once_for_100_seats_confirm_exactly_100_and_queue_the_rest(
    transactional_db, postgres, directory
):
    activity = make_activity(capacity=100)
    barrier = threading.Barrier(THREADS, timeout=30)
    started = threading.local()

    def register(i: int):
        if not getattr(started, "done", False):
            barrier.wait()  # every thread starts its first registration at the same moment
            started.done = True
        try:
            registration, _token = registration_create(
                activity=activity,
                name=f"Deltagare {i}",
                email=f"p{i}@kommun.example",
                role="Handläggare",
                consent=True,
                join_waiting_list=True,
            )
            return registration.status
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        statuses = list(pool.map(register, range(REGISTRATIONS), timeout=120))

    assert statuses.count(RegistrationStatus.CONFIRMED) == 100
    assert statuses.count(RegistrationStatus.WAITING) == 100
    rows = list(Registration.objects.filter(activity=activity).order_by("pk"))
    confirmed = [r for r in rows if r.status == RegistrationStatus.CONFIRMED]
    waiting = [r for r in rows if r.status == RegistrationStatus.WAITING]
    assert len(confirmed) == 100 and len(waiting) == 100
    # In order: the seats went to the first 100 through the lock, the rest queue behind them.
    assert max(r.pk for r in confirmed) < min(r.pk for r in waiting)
    assert OutboxMessage.objects.filter(kind="activity_confirmed").count() == 100
    assert OutboxMessage.objects.filter(kind="activity_waiting").count() == 100

    # A cancellation gives the seat to the first on the waiting list, and only to them.
    promoted = registration_cancel(registration=confirmed[0])
    assert [r.pk for r in promoted] == [waiting[0].pk]
    assert (
        Registration.objects.filter(activity=activity, status=RegistrationStatus.CONFIRMED).count()
        == 100
    )


def test_a_cancellation_promotes_the_first_waiting_and_emails_them_the_invitation(
    db, directory, smtp_sink
):
    activity = make_activity(capacity=1)
    seat, _ = registration_create(
        activity=activity, name="Eva Ek", email="eva@boras.example", role="Chef", consent=True
    )
    first, _ = registration_create(
        activity=activity,
        name="Per Persson",
        email="per@vargarda.example",
        role="Rektor",
        consent=True,
        join_waiting_list=True,
    )
    second, _ = registration_create(
        activity=activity,
        name="Lisa Lund",
        email="lisa@tranemo.example",
        role="Lärare",
        consent=True,
        join_waiting_list=True,
    )
    assert (first.status, second.status) == ("waiting", "waiting")

    assert registration_cancel(registration=seat) == [first]
    assert registration_cancel(registration=seat) == []  # twice changes nothing

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == RegistrationStatus.CONFIRMED and first.promoted_at is not None
    assert second.status == RegistrationStatus.WAITING
    message = OutboxMessage.objects.get(kind="activity_promoted")
    assert message_deliver(message_id=message.pk) == "sent"
    (email,) = smtp_sink.wait_for(1)
    assert email["To"] == "per@vargarda.example"
    assert "Du har fått en plats" in str(make_header(decode_header(email["Subject"])))
    calendars = [p for p in email.walk() if p.get_content_type() == "text/calendar"]
    assert calendars and calendars[0].get_param("method") == "REQUEST"
    assert "ATTENDEE" in calendars[0].get_payload(decode=True).decode()
