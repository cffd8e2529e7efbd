"""iCalendar objects for activities (RFC 5545; iTIP methods per RFC 5546), built from the
shared blocks in `notifications.ical` (VTIMEZONE, ORGANIZER, the event's shape).

- An invitation is one VEVENT for one participant: METHOD:REQUEST while they hold a seat,
  METHOD:CANCEL when their seat or the activity is gone. Its UID belongs to the registration
  (`activity-<id>-registration-<id>@<domain>`), so a participant who cancels and registers again
  gets a new event instead of one their calendar already saw cancelled.
- SEQUENCE is the activity's `sequence` (one more for every change participants must take),
  and one more than that for a cancellation, so a calendar always takes the newest message.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from icalendar import Event

from activities.models import Activity, Registration
from notifications import ical

PRODID = ical.PRODID
TZID = ical.TZID


def activity_uid(activity: Activity) -> str:
    return f"activity-{activity.pk}@{ical.domain()}"


def registration_uid(registration: Registration) -> str:
    return f"activity-{registration.activity_id}-registration-{registration.pk}@{ical.domain()}"


def activity_url(activity: Activity) -> str:
    return settings.SITE_URL + reverse("activity", args=[activity.pk])


def _event(activity: Activity, *, uid: str, sequence: int, cancelled: bool) -> Event:
    description = activity.description
    if activity.online_url:
        description = f"{description}\n\n{activity.online_url}".strip()
    return ical.event(
        uid=uid,
        sequence=sequence,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        summary=activity.title,
        description=description,
        location=activity.place or activity.online_url,
        url=activity_url(activity),
        cancelled=cancelled,
    )


def invitation(registration: Registration, *, cancel: bool = False) -> str:
    """The iTIP message for one participant: REQUEST (new or changed) or CANCEL."""
    activity = registration.activity
    calendar = ical.calendar("CANCEL" if cancel else "REQUEST")
    event = _event(
        activity,
        uid=registration_uid(registration),
        sequence=activity.sequence + (1 if cancel else 0),
        cancelled=cancel,
    )
    # They registered through the form, so they have accepted; no RSVP back by email.
    event.add(
        "attendee",
        ical.attendee(
            email=registration.email,
            name=registration.name,
            partstat="DECLINED" if cancel else "ACCEPTED",
        ),
    )
    calendar.add_component(event)
    return calendar.to_ical().decode()


def feed(activities: Iterable[Activity]) -> str:
    """The public feed: published activities (no METHOD: a subscription, not a message)."""
    calendar = ical.calendar(None, name="Samverka")
    for activity in activities:
        calendar.add_component(
            _event(
                activity,
                uid=activity_uid(activity),
                sequence=activity.sequence,
                cancelled=activity.is_cancelled,
            )
        )
    return calendar.to_ical().decode()
