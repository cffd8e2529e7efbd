"""Meetings and workshops on a case: invitations that two parsers read, updates as new
messages with the same UID and a higher SEQUENCE, cancellations, and bad input."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import ics
import pytest
import time_machine

from cases.actors import Actor
from cases.errors import ActionForbidden, CaseValidationError
from cases.models import CaseEvent, CaseMeeting
from cases.services.meetings import meeting_cancel, meeting_plan, meeting_update
from notifications.models import OutboxMessage
from notifications.services import message_deliver
from tests.factories import make_case

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOW = dt.datetime(2027, 5, 20, 10, 0, tzinfo=STOCKHOLM)
START = dt.datetime(2027, 6, 3, 9, 0, tzinfo=STOCKHOLM)  # summer time: UTC+2


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def case(directory, coordinator, contact_a, frozen):
    return make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)


def plan(case, actor, **overrides):
    data = {
        "kind": "meeting",
        "starts_at": "2027-06-03T09:00",
        "ends_at": "2027-06-03T10:30",
        "place": "Tranemo kommunhus",
        "agenda": "Kompetensförsörjning",
        "others": "Nils Nilsson <nils@tranemo.example>",
        **overrides,
    }
    return meeting_plan(case=case, actor=Actor.staff(actor), data=data)


def _sent(smtp_sink, message: OutboxMessage, count: int):
    assert message_deliver(message_id=message.pk) == "sent"
    email = smtp_sink.wait_for(count)[-1]
    parts = {p.get_content_type(): p for p in email.walk()}
    text = parts["text/calendar"].get_payload(decode=True).decode()
    assert parts["application/ics"].get_payload(decode=True).decode() == text
    return text, parts["text/calendar"]


def _event(text: str) -> icalendar.Event:
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    return event


def test_planning_invites_every_participant_with_an_itip_request_two_parsers_read(
    case, contact_user_a, contact_a, smtp_sink
):
    meeting = plan(case, contact_user_a)

    messages = OutboxMessage.objects.filter(kind="meeting_planned").order_by("recipient")
    recipients = [m.recipient for m in messages]
    assert recipients == sorted([case.requester_email, contact_a.email, "nils@tranemo.example"])
    requester_message = next(m for m in messages if m.recipient == case.requester_email)
    text, part = _sent(smtp_sink, requester_message, 1)
    assert part.get_param("method") == "REQUEST"

    calendar = icalendar.Calendar.from_ical(text)
    assert calendar["METHOD"] == "REQUEST"
    (zone,) = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/Stockholm"
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
    event = _event(text)
    assert str(event["UID"]) == meeting.uid
    assert event["SEQUENCE"] == 0
    assert "DTSTART;TZID=Europe/Stockholm:20270603T090000" in text
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + dt.timedelta(minutes=90)
    assert str(event["LOCATION"]) == "Tranemo kommunhus"
    organizer = event["ORGANIZER"]
    assert str(organizer) == f"mailto:{contact_user_a.email}"
    attendees = {str(a): a for a in event["ATTENDEE"]}
    assert set(attendees) == {f"mailto:{r}" for r in recipients}
    assert all(a.params["PARTSTAT"] == "NEEDS-ACTION" for a in attendees.values())
    assert attendees["mailto:nils@tranemo.example"].params["CN"] == "Nils Nilsson"

    (other,) = ics.Calendar(text).events
    assert other.uid == meeting.uid
    assert other.begin.datetime == START
    assert other.end.datetime == START + dt.timedelta(minutes=90)
    assert other.location == "Tranemo kommunhus"
    assert sorted(a.email for a in other.attendees) == sorted(recipients)

    case.refresh_from_db()
    assert case.planned_date == dt.date(2027, 6, 3)
    # The reminder: the working day before, at office start (2 June is a Wednesday).
    assert case.date_reminder_at.astimezone(STOCKHOLM).date() == dt.date(2027, 6, 2)
    assert CaseEvent.objects.filter(case=case, kind="meeting_planned", public=True).exists()


def test_a_change_is_a_new_message_with_the_same_uid_and_a_higher_sequence(
    case, contact_user_a, smtp_sink
):
    meeting = plan(case, contact_user_a, others="")
    first = OutboxMessage.objects.get(kind="meeting_planned", recipient=case.requester_email)
    first_text, _ = _sent(smtp_sink, first, 1)

    meeting_update(
        case=case,
        meeting_id=meeting.pk,
        actor=Actor.staff(contact_user_a),
        data={
            "kind": "meeting",
            "starts_at": "2027-06-04T13:00",
            "ends_at": "2027-06-04T14:00",
            "place": "Vårgårda kommunhus",
            "others": "",
        },
    )
    update = OutboxMessage.objects.get(kind="meeting_updated", recipient=case.requester_email)
    assert update.pk != first.pk
    text, part = _sent(smtp_sink, update, 2)
    assert part.get_param("method") == "REQUEST"
    assert _event(text)["UID"] == _event(first_text)["UID"] == meeting.uid
    assert _event(text)["SEQUENCE"] == 1 > _event(first_text)["SEQUENCE"]
    assert _event(text).decoded("DTSTART") == dt.datetime(2027, 6, 4, 13, 0, tzinfo=STOCKHOLM)
    other = ics.Calendar(text).events.pop()
    assert other.location == "Vårgårda kommunhus"
    # The first message is untouched: an update is never a resend.
    first.refresh_from_db()
    assert "SEQUENCE:0" in first.calendar
    case.refresh_from_db()
    assert case.planned_date == dt.date(2027, 6, 4)


def test_removing_a_participant_sends_them_a_cancel_and_the_rest_an_update(case, contact_user_a):
    meeting = plan(case, contact_user_a)
    meeting_update(
        case=case,
        meeting_id=meeting.pk,
        actor=Actor.staff(contact_user_a),
        data={"starts_at": "2027-06-03T09:00", "ends_at": "2027-06-03T10:00", "others": ""},
    )
    cancelled = OutboxMessage.objects.get(kind="meeting_cancelled")
    assert cancelled.recipient == "nils@tranemo.example"
    assert "METHOD:CANCEL" in cancelled.calendar
    assert OutboxMessage.objects.filter(kind="meeting_updated").count() == 2


def test_cancelling_sends_method_cancel_with_the_same_uid_to_everyone(
    case, contact_user_a, smtp_sink
):
    meeting = plan(case, contact_user_a, others="")
    meeting_cancel(case=case, meeting_id=meeting.pk, actor=Actor.staff(contact_user_a))
    message = OutboxMessage.objects.get(kind="meeting_cancelled", recipient=case.requester_email)
    text, part = _sent(smtp_sink, message, 1)
    assert part.get_param("method") == "CANCEL"
    event = _event(text)
    assert icalendar.Calendar.from_ical(text)["METHOD"] == "CANCEL"
    assert str(event["UID"]) == meeting.uid
    assert event["SEQUENCE"] == 1
    assert event["STATUS"] == "CANCELLED"
    assert ics.Calendar(text).events.pop().status == "CANCELLED"
    assert OutboxMessage.objects.filter(kind="meeting_cancelled").count() == 2
    case.refresh_from_db()
    assert case.planned_date is None and case.date_reminder_at is None
    # Cancelling again is refused and sends nothing more.
    with pytest.raises(CaseValidationError):
        meeting_cancel(case=case, meeting_id=meeting.pk, actor=Actor.staff(contact_user_a))
    assert OutboxMessage.objects.filter(kind="meeting_cancelled").count() == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": "2027-06-03T08:00"}, "ends_at"),
        ({"starts_at": "2027-05-01T09:00", "ends_at": "2027-05-01T10:00"}, "starts_at"),
        ({"starts_at": "den tredje juni"}, "starts_at"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
        ({"others": "Nils utan adress"}, "others"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_is_sent(
    case, contact_user_a, overrides, field
):
    with pytest.raises(CaseValidationError) as error:
        plan(case, contact_user_a, **overrides)
    assert field in error.value.fields
    assert not CaseMeeting.objects.exists()
    assert not OutboxMessage.objects.filter(kind__startswith="meeting").exists()


def test_another_contact_and_the_registrar_cannot_plan(case, contact_user_b, registrar):
    for user in (contact_user_b, registrar):
        with pytest.raises(ActionForbidden):
            plan(case, user)
    assert not CaseMeeting.objects.exists()


def test_after_one_meetings_reminder_the_next_planned_meeting_gets_its_own(
    case, contact_user_a, contact_a
):
    from cases.services.reminders import reminders_send_due

    plan(case, contact_user_a, others="")  # Thursday 3 June
    plan(
        case,
        contact_user_a,
        others="",
        starts_at="2027-06-10T13:00",  # the Thursday after
        ends_at="2027-06-10T14:00",
    )
    case.refresh_from_db()
    assert case.planned_date == dt.date(2027, 6, 3)

    def dated(lines):  # the meeting reminders (the waiting rule's name the state instead)
        return sorted(line for line in lines if " 2027-06-" in line)

    first = dated(reminders_send_due(now=dt.datetime(2027, 6, 2, 8, 1, tzinfo=STOCKHOLM)))
    assert first == sorted(
        [
            f"{case.reference} 2027-06-03 → {contact_a.email}",
            f"{case.reference} 2027-06-03 → {case.requester_email}",
        ]
    )
    case.refresh_from_db()
    assert case.planned_date == dt.date(2027, 6, 10)
    assert case.date_reminder_at == dt.datetime(2027, 6, 9, 8, 0, tzinfo=STOCKHOLM)
    # Nothing more until then; then the second meeting's reminder, once.
    assert dated(reminders_send_due(now=dt.datetime(2027, 6, 4, 9, 0, tzinfo=STOCKHOLM))) == []
    second = dated(reminders_send_due(now=dt.datetime(2027, 6, 9, 8, 1, tzinfo=STOCKHOLM)))
    assert len(second) == 2 and all("2027-06-10" in line for line in second)
