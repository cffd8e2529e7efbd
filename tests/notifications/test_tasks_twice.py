"""Every periodic or queued task is safe to run twice: the second run changes nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.core import mail

from cases import tasks as case_tasks
from config.celery import app
from notifications import tasks as notification_tasks
from notifications.models import OutboxMessage, OutboxStatus
from tests.factories import make_case

NOON = dt.datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
TESTED = {
    "notifications.tasks.deliver_message",
    "notifications.tasks.deliver_messages",
    "notifications.tasks.outbox_sweep",
    "cases.tasks.send_due_reminders",
    "cases.tasks.send_digests",
    "privacy.tasks.apply_retention",
}


def test_every_project_task_has_a_run_twice_test():
    ours = {
        name for name in app.tasks if name.split(".")[0] in {"cases", "notifications", "privacy"}
    }
    assert ours == TESTED


def test_delivering_a_message_twice_sends_one_email(directory):
    case = make_case()
    receipt = OutboxMessage.objects.get(case_id=case.pk, kind="receipt")
    assert notification_tasks.deliver_message(receipt.pk) == "sent"
    assert notification_tasks.deliver_message(receipt.pk) == "skipped"
    assert len(mail.outbox) == 1
    assert case.reference in mail.outbox[0].subject


def test_delivering_a_chunk_twice_sends_each_email_once(directory):
    cases = [make_case(requester_email=f"eva{i}@boras.example") for i in range(3)]
    ids = list(
        OutboxMessage.objects.filter(kind="receipt", case_id__in=[c.pk for c in cases])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert notification_tasks.deliver_messages(ids) == ["sent"] * 3
    assert notification_tasks.deliver_messages(ids) == ["skipped"] * 3
    assert sorted(m.to[0] for m in mail.outbox) == [f"eva{i}@boras.example" for i in range(3)]


def test_sweeping_twice_enqueues_nothing_already_sent(directory):
    case = make_case()
    receipt = OutboxMessage.objects.get(case_id=case.pk, kind="receipt")
    notification_tasks.deliver_message(receipt.pk)
    assert notification_tasks.outbox_sweep() == 0
    assert notification_tasks.outbox_sweep() == 0
    assert OutboxMessage.objects.get(pk=receipt.pk).status == OutboxStatus.SENT


def test_reminder_scan_twice_queues_each_reminder_once(directory, coordinator):
    with time_machine.travel(NOON - dt.timedelta(days=2), tick=False):
        make_case()
    with time_machine.travel(NOON, tick=False):
        assert case_tasks.send_due_reminders() == 1
    with time_machine.travel(NOON + dt.timedelta(minutes=1), tick=False):
        assert case_tasks.send_due_reminders() == 0
    assert OutboxMessage.objects.filter(kind="reminder").count() == 1


def test_digest_twice_in_a_day_is_one_email_per_coordinator(directory, coordinator):
    with time_machine.travel(NOON - dt.timedelta(days=1), tick=False):
        make_case()
    with time_machine.travel(NOON, tick=False):
        assert case_tasks.send_digests() == 1
    with time_machine.travel(NOON + dt.timedelta(minutes=15), tick=False):
        case_tasks.send_digests()
    assert OutboxMessage.objects.filter(kind="digest", recipient=coordinator.email).count() == 1


def test_retention_twice_in_one_tick_and_in_the_next_anonymises_each_case_once(
    directory, coordinator
):
    from cases.models import Case
    from privacy import tasks as privacy_tasks
    from privacy.models import RetentionRun

    with time_machine.travel(NOON, tick=False):
        due = make_case(steps=("decline",), actor=coordinator)
        Case.objects.filter(pk=due.pk).update(state_changed_at=NOON - dt.timedelta(days=800))
        assert privacy_tasks.apply_retention() == 1
        assert privacy_tasks.apply_retention() == 0  # the same hour's tick: skipped
    with time_machine.travel(NOON + dt.timedelta(hours=1), tick=False):
        assert privacy_tasks.apply_retention() == 0  # the next tick: nothing left to do
    assert Case.objects.get(pk=due.pk).anonymised_at is not None
    assert RetentionRun.objects.count() == 2
