"""Reminders: working days, office hours, rules as data, exactly once, moot ones dropped."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection

from cases.actors import Actor
from cases.models import Case
from cases.services import case_date_plan, case_note_add, case_transition
from cases.services.reminders import digests_send, reminders_send_due
from cases.tasks import send_due_reminders
from notifications.models import OutboxMessage, OutboxStatus
from notifications.services import message_deliver
from tests.factories import make_case
from workflows import calendar
from workflows.models import ReminderKind, ReminderRule

STHLM = ZoneInfo("Europe/Stockholm")


def at(y, m, d, h=10, minute=0):
    return dt.datetime(y, m, d, h, minute, tzinfo=STHLM)


def reminders():
    return OutboxMessage.objects.filter(kind="reminder")


def test_swedish_holidays_and_weekends_are_not_working_days():
    assert not calendar.is_working_day(dt.date(2026, 12, 24))  # julafton
    assert not calendar.is_working_day(dt.date(2026, 6, 19))  # midsommarafton
    assert not calendar.is_working_day(dt.date(2026, 11, 28))  # Saturday
    assert calendar.is_working_day(dt.date(2026, 11, 27))


def test_reminder_due_on_saturday_goes_out_on_monday_morning():
    friday_evening = at(2026, 11, 27, 18)
    assert calendar.next_office_time(friday_evening) == at(2026, 11, 30, 8)
    # Two working days after Thursday 10:00 is Monday 10:00, not Saturday.
    assert calendar.add_working_days(at(2026, 11, 26), 2) == at(2026, 11, 30, 10)


def test_untriaged_request_reminds_coordinators_after_two_working_days(directory, coordinator):
    with time_machine.travel(at(2026, 11, 26, 10), tick=False):  # Thursday
        case = make_case()
    assert reminders_send_due(now=at(2026, 11, 27, 11)) == []  # one working day: too early
    assert reminders_send_due(now=at(2026, 11, 28, 11)) == []  # Saturday: no reminders
    lines = reminders_send_due(now=at(2026, 11, 30, 10, 5))  # Monday
    assert lines == [f"{case.reference} received → {coordinator.email}"]
    message = reminders().get()
    assert message.recipient == coordinator.email
    assert "2 arbetsdagar" in message.reason  # staff read Swedish unless told otherwise
    # Rendered when sent, from the case as it is then.
    assert message_deliver(message_id=message.pk) == "sent"
    sent = mail.outbox[-1]
    assert case.reference in sent.subject
    assert f"/staff/cases/{case.reference}/" in sent.body
    assert sent.to == [coordinator.email]
    message.refresh_from_db()
    assert case.reference in message.subject  # what was sent is kept on the row


def test_no_reminder_outside_office_hours_even_when_due(directory, coordinator):
    with time_machine.travel(at(2026, 11, 23, 10), tick=False):
        make_case()
    assert reminders_send_due(now=at(2026, 11, 25, 19)) == []  # Wednesday evening
    assert reminders().count() == 0
    assert len(reminders_send_due(now=at(2026, 11, 26, 8))) == 1  # next morning


def test_contact_reminded_every_five_days_then_escalated_to_coordinators(
    directory, coordinator, contact_a
):
    with time_machine.travel(at(2026, 1, 5, 9), tick=False):  # Monday
        case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    case.refresh_from_db()
    assert case.next_reminder_at == at(2026, 1, 20, 9)  # 10 working days; 6 Jan is a holiday
    first = reminders_send_due(now=case.next_reminder_at)
    assert first == [f"{case.reference} contact_assigned → {contact_a.email}"]
    case.refresh_from_db()
    second = reminders_send_due(now=case.next_reminder_at)
    assert second == [f"{case.reference} contact_assigned → {contact_a.email}"]
    case.refresh_from_db()
    third = reminders_send_due(now=case.next_reminder_at)
    assert sorted(third) == sorted(
        [
            f"{case.reference} contact_assigned → {contact_a.email}",
            f"{case.reference} contact_assigned → {coordinator.email}",
        ]
    )
    escalated = reminders().get(recipient=coordinator.email)
    message_deliver(message_id=escalated.pk)
    escalated.refresh_from_db()
    assert escalated.subject.startswith("Eskalerat: ärende")


def test_a_note_from_the_contact_resets_the_clock(
    directory, coordinator, contact_a, contact_user_a
):
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    with time_machine.travel(at(2026, 3, 12, 9), tick=False):
        case_note_add(case=case, actor=Actor.staff(contact_user_a), text="Jag har mejlat kommunen.")
    case.refresh_from_db()
    assert case.next_reminder_at == at(2026, 3, 26, 9)
    assert reminders_send_due(now=at(2026, 3, 16, 10)) == []


def test_queued_reminder_is_not_sent_after_the_case_moved_on(directory, coordinator, contact_a):
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    case.refresh_from_db()
    reminders_send_due(now=case.next_reminder_at)
    message = reminders().get()
    case_transition(
        case=case,
        name="record_meeting",
        actor=Actor.staff(coordinator),
        data={"date": "2026-03-10", "notes": "Vi träffades."},
    )
    mail.outbox.clear()
    assert message_deliver(message_id=message.pk) == "cancelled"
    assert mail.outbox == []
    message.refresh_from_db()
    assert message.status == OutboxStatus.CANCELLED


def test_closed_case_gets_no_reminders(directory, coordinator, contact_a):
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        case = make_case(steps=("assign_contact", "close"), actor=coordinator, contact=contact_a)
    case.refresh_from_db()
    assert case.next_reminder_at is None
    assert reminders_send_due(now=at(2026, 6, 1, 10)) == []


def test_scanning_twice_at_the_same_moment_queues_each_reminder_once(directory, coordinator):
    with time_machine.travel(at(2026, 11, 23, 10), tick=False):
        for _ in range(3):
            make_case()
    now = at(2026, 11, 25, 10, 30)
    assert len(reminders_send_due(now=now)) == 3
    assert reminders_send_due(now=now) == []
    assert reminders().count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_on_postgres_send_each_reminder_once(postgres, directory, coordinator):
    with time_machine.travel(at(2026, 11, 23, 10), tick=False):
        for _ in range(40):
            make_case()
    now = at(2026, 11, 25, 10, 30)
    results, barrier = [], threading.Barrier(2)

    def scan():
        try:
            barrier.wait()
            results.append(reminders_send_due(now=now, batch_size=7))
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(len(r) for r in results) == 40
    assert reminders().count() == 40
    assert reminders().values("case_id").distinct().count() == 40


def test_meeting_date_reminds_both_sides_the_working_day_before(
    directory, coordinator, contact_a, contact_user_a
):
    with time_machine.travel(at(2026, 11, 23, 10), tick=False):
        case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
        case_date_plan(case=case, actor=Actor.staff(contact_user_a), date="2026-11-30")  # a Monday
    case.refresh_from_db()
    assert case.date_reminder_at == at(2026, 11, 27, 8)  # the Friday before
    lines = reminders_send_due(now=at(2026, 11, 27, 8, 1))
    assert sorted(lines) == sorted(
        [
            f"{case.reference} 2026-11-30 → {contact_a.email}",
            f"{case.reference} 2026-11-30 → {case.requester_email}",
        ]
    )


def test_rules_are_data_an_administrator_can_change(directory, coordinator):
    ReminderRule.objects.filter(kind=ReminderKind.WAITING, state="received").update(
        after_working_days=5
    )
    with time_machine.travel(at(2026, 11, 23, 10), tick=False):
        case = make_case()
    case.refresh_from_db()
    assert case.next_reminder_at == at(2026, 11, 30, 10)


def test_daily_digest_is_one_email_per_coordinator_per_day(directory, coordinator):
    with time_machine.travel(at(2026, 11, 26, 10), tick=False):
        for _ in range(5):
            make_case()
    assert digests_send(now=at(2026, 11, 27, 8, 15)) == 1
    assert digests_send(now=at(2026, 11, 27, 8, 30)) == 1  # same row, nothing new
    digest = OutboxMessage.objects.get(kind="digest")
    assert digest.recipient == coordinator.email
    assert digest.body_text.count("/staff/cases/") == 5
    assert digests_send(now=at(2026, 11, 28, 9)) == 0  # Saturday


def test_send_due_reminders_command_prints_what_it_queued(directory, coordinator, capsys):
    with time_machine.travel(at(2026, 11, 23, 10), tick=False):
        case = make_case()
    call_command("send_due_reminders", "--now", "2026-11-25T10:30")
    out = capsys.readouterr().out
    assert case.reference in out
    assert "1 reminder(s) queued" in out


def test_periodic_task_run_twice_in_one_tick_scans_once(directory, coordinator):
    with time_machine.travel(at(2026, 11, 23, 10), tick=False):
        make_case()
    with time_machine.travel(at(2026, 11, 25, 10, 30), tick=False):
        assert send_due_reminders() == 1
        assert send_due_reminders() == 0
    assert Case.objects.count() == 1


def test_reminder_reason_names_the_state_in_each_recipients_language(
    directory, coordinator, contact_a
):
    contact_a.languages = "en"
    contact_a.save(update_fields=["languages"])
    with time_machine.travel(at(2026, 1, 5, 9), tick=False):
        case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    case.refresh_from_db()
    for _ in range(3):  # the third reminder escalates to the (Swedish) coordinators
        reminders_send_due(now=case.next_reminder_at)
        case.refresh_from_db()

    english = reminders().filter(recipient=contact_a.email).order_by("created_at").last()
    swedish = reminders().get(recipient=coordinator.email)
    assert "in the state “Contact person assigned”" in english.reason
    assert "this is reminder 3" in english.reason
    assert "i läget ”Kontaktperson tilldelad”" in swedish.reason


def test_scan_queries_stay_constant_per_batch_whatever_the_batch_holds(
    directory, coordinator, contact_a, django_assert_max_num_queries
):
    with time_machine.travel(at(2026, 1, 5, 9), tick=False):
        for _ in range(12):
            make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
        for _ in range(12):
            make_case()
    due = at(2026, 1, 21, 9)

    # Rules, coordinators, then per batch: claim, one UPDATE per rule, the outbox rows and
    # their ids, and the empty date batch; no query per case or per recipient.
    with django_assert_max_num_queries(16):
        lines = reminders_send_due(now=due, batch_size=100)

    assert len(lines) == 24
