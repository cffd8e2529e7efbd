"""The invitations, parsed back field by field with icalendar and read by a second,
independent parser (the `ics` package, its own grammar), as sent through the SMTP sink."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import ics

from activities.services import (
    activity_cancel,
    activity_save,
    registration_cancel,
    registration_create,
)
from notifications.models import OutboxMessage
from notifications.services import message_deliver
from tests.activities.conftest import make_activity

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _register(activity, email="eva@boras.example"):
    registration, _token = registration_create(
        activity=activity, name="Eva Ek", email=email, role="Chef", consent=True
    )
    return registration


def _sent_calendar(smtp_sink, kind: str, count: int) -> tuple[str, object]:
    message = OutboxMessage.objects.filter(kind=kind).latest("pk")
    assert message_deliver(message_id=message.pk) == "sent"
    email = smtp_sink.wait_for(count)[-1]
    parts = {p.get_content_type(): p for p in email.walk()}
    alternative = parts["text/calendar"]
    attachment = parts["application/ics"]
    assert attachment.get_filename() == "invitation.ics"
    text = alternative.get_payload(decode=True).decode()
    assert attachment.get_payload(decode=True).decode() == text
    return text, alternative


def _event(text: str) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(text)
    (event,) = calendar.walk("VEVENT")
    return event


def test_the_confirmation_carries_an_itip_request_that_two_parsers_read(db, directory, smtp_sink):
    starts = dt.datetime(2027, 6, 3, 9, 0, tzinfo=STOCKHOLM)  # Tranemo, 3 June (summer time)
    activity = make_activity(
        title="Kommunbesök Tranemo",
        kind="municipality_visit",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        registration_deadline=starts - dt.timedelta(days=1),
    )
    registration = _register(activity)
    text, part = _sent_calendar(smtp_sink, "activity_confirmed", 1)
    assert part.get_param("method") == "REQUEST"

    calendar = icalendar.Calendar.from_ical(text)
    assert calendar["METHOD"] == "REQUEST"
    assert calendar["VERSION"] == "2.0"
    (zone,) = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/Stockholm"
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
    event = _event(text)
    assert str(
        event["UID"]
    ) == f"activity-{activity.pk}-registration-{registration.pk}@hb.example" or str(
        event["UID"]
    ).startswith(f"activity-{activity.pk}-registration-{registration.pk}@")
    assert event["SEQUENCE"] == 0
    assert str(event["SUMMARY"]) == "Kommunbesök Tranemo"
    assert "DTSTART;TZID=Europe/Stockholm:20270603T090000" in text  # local time with TZID
    assert event.decoded("DTSTART") == starts
    assert event.decoded("DTEND") == starts + dt.timedelta(hours=3)
    assert str(event["ORGANIZER"]).startswith("mailto:")
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:eva@boras.example"
    assert attendee.params["PARTSTAT"] == "ACCEPTED"
    assert attendee.params["CN"] == "Eva Ek"

    # The second parser: its own grammar, and it resolves the VTIMEZONE itself.
    (other,) = ics.Calendar(text).events
    assert other.uid == str(event["UID"])
    assert other.name == "Kommunbesök Tranemo"
    assert other.begin.datetime == starts
    assert other.end.datetime == starts + dt.timedelta(hours=3)
    assert other.location == "Högskolan i Borås, M404"
    assert [a.email for a in other.attendees] == ["eva@boras.example"]


def test_a_change_sends_a_new_message_with_the_same_uid_and_a_higher_sequence(
    db, directory, smtp_sink
):
    activity = make_activity()
    _register(activity)
    first, _part = _sent_calendar(smtp_sink, "activity_confirmed", 1)

    activity.place = "Vårgårda kommunhus"
    activity.starts_at += dt.timedelta(hours=1)
    activity.ends_at += dt.timedelta(hours=1)
    activity_save(activity=activity, changed=["place", "starts_at", "ends_at"])
    update, part = _sent_calendar(smtp_sink, "activity_updated", 2)
    assert part.get_param("method") == "REQUEST"
    assert _event(update)["UID"] == _event(first)["UID"]
    assert _event(update)["SEQUENCE"] == 1 > _event(first)["SEQUENCE"]
    assert str(_event(update)["LOCATION"]) == "Vårgårda kommunhus"
    assert ics.Calendar(update).events.pop().location == "Vårgårda kommunhus"
    # An update is a new outbox row, not a resend of the first one.
    assert OutboxMessage.objects.filter(kind__startswith="activity_").count() == 2
    # Saving without a calendar change sends nothing more.
    activity_save(activity=activity, changed=["capacity"])
    assert OutboxMessage.objects.filter(kind__startswith="activity_").count() == 2


def test_cancelling_a_seat_sends_method_cancel_for_the_same_event(db, directory, smtp_sink):
    activity = make_activity()
    registration = _register(activity)
    first, _ = _sent_calendar(smtp_sink, "activity_confirmed", 1)
    registration_cancel(registration=registration)
    cancel, part = _sent_calendar(smtp_sink, "activity_cancelled", 2)
    assert part.get_param("method") == "CANCEL"
    calendar = icalendar.Calendar.from_ical(cancel)
    assert calendar["METHOD"] == "CANCEL"
    event = _event(cancel)
    assert event["UID"] == _event(first)["UID"]
    assert event["SEQUENCE"] > _event(first)["SEQUENCE"]
    assert event["STATUS"] == "CANCELLED"
    assert ics.Calendar(cancel).events.pop().status == "CANCELLED"


def test_cancelling_the_activity_tells_every_participant(db, directory):
    activity = make_activity()
    _register(activity, "a@boras.example")
    _register(activity, "b@boras.example")
    activity_cancel(activity=activity)
    activity_cancel(activity=activity)  # twice: nothing more
    messages = OutboxMessage.objects.filter(kind="activity_activity_cancelled")
    assert sorted(m.recipient for m in messages) == ["a@boras.example", "b@boras.example"]
    assert all("METHOD:CANCEL" in m.calendar for m in messages)


def test_the_public_feed_is_read_by_both_parsers(client, directory):
    activity = make_activity()
    text = client.get("/activities.ics").content.decode()
    calendar = icalendar.Calendar.from_ical(text)
    assert "METHOD" not in calendar
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == activity.starts_at.replace(microsecond=0)
    (other,) = ics.Calendar(text).events
    assert other.name == activity.title
