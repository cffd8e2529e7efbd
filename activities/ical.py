"""iCalendar objects for activities (RFC 5545; iTIP methods per RFC 5546), built with icalendar.

- An invitation is one VEVENT for one participant: METHOD:REQUEST while they hold a seat,
  METHOD:CANCEL when their seat or the activity is gone. Its UID belongs to the registration
  (`activity-<id>-registration-<id>@<domain>`), so a participant who cancels and registers again
  gets a new event instead of one their calendar already saw cancelled.
- SEQUENCE is the activity's `sequence` (one more for every change participants must take),
  and one more than that for a cancellation, so a calendar always takes the newest message.
- Times are local (DTSTART;TZID=Europe/Stockholm) with the zone's VTIMEZONE: the EU rule as
  RRULEs (last Sunday of March and October), which Outlook, Google and Apple read alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress

from activities.models import Activity, Registration

PRODID = "-//Samverka//Högskolan i Borås//SV"
TZID = "Europe/Stockholm"


def _domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "samverka.local"


def activity_uid(activity: Activity) -> str:
    return f"activity-{activity.pk}@{_domain()}"


def registration_uid(registration: Registration) -> str:
    return f"activity-{registration.activity_id}-registration-{registration.pk}@{_domain()}"


def activity_url(activity: Activity) -> str:
    return settings.SITE_URL + reverse("activity", args=[activity.pk])


def _stockholm() -> Timezone:
    """Europe/Stockholm as a VTIMEZONE: CET/CEST with the EU rule (in force since 1996)."""
    zone = Timezone()
    zone.add("tzid", TZID)
    zone.add("x-lic-location", TZID)
    standard = TimezoneStandard()
    standard.add("tzname", "CET")
    standard.add("dtstart", dt.datetime(1970, 10, 25, 3, 0))
    standard.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    standard.add("tzoffsetfrom", dt.timedelta(hours=2))
    standard.add("tzoffsetto", dt.timedelta(hours=1))
    daylight = TimezoneDaylight()
    daylight.add("tzname", "CEST")
    daylight.add("dtstart", dt.datetime(1970, 3, 29, 2, 0))
    daylight.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    daylight.add("tzoffsetfrom", dt.timedelta(hours=1))
    daylight.add("tzoffsetto", dt.timedelta(hours=2))
    zone.add_component(standard)
    zone.add_component(daylight)
    return zone


def _calendar(method: str | None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    calendar.add_component(_stockholm())
    return calendar


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(ZoneInfo(TZID)).replace(microsecond=0)  # iCalendar has seconds


def _organizer() -> vCalAddress:
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{address or settings.DEFAULT_FROM_EMAIL}")
    organizer.params["cn"] = name or "Samverka"
    return organizer


def _event(activity: Activity, *, uid: str, sequence: int, cancelled: bool) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", _local(activity.starts_at))
    event.add("dtend", _local(activity.ends_at))
    event.add("summary", activity.title)
    description = activity.description
    if activity.online_url:
        description = f"{description}\n\n{activity.online_url}".strip()
    if description:
        event.add("description", description)
    location = activity.place or activity.online_url
    if location:
        event.add("location", location)
    event.add("url", activity_url(activity))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _organizer())
    return event


def invitation(registration: Registration, *, cancel: bool = False) -> str:
    """The iTIP message for one participant: REQUEST (new or changed) or CANCEL."""
    activity = registration.activity
    calendar = _calendar("CANCEL" if cancel else "REQUEST")
    event = _event(
        activity,
        uid=registration_uid(registration),
        sequence=activity.sequence + (1 if cancel else 0),
        cancelled=cancel,
    )
    attendee = vCalAddress(f"mailto:{registration.email}")
    attendee.params["cn"] = registration.name
    attendee.params["role"] = "REQ-PARTICIPANT"
    attendee.params["cutype"] = "INDIVIDUAL"
    # They registered through the form, so they have accepted; no RSVP back by email.
    attendee.params["partstat"] = "DECLINED" if cancel else "ACCEPTED"
    attendee.params["rsvp"] = "FALSE"
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical().decode()


def feed(activities: Iterable[Activity]) -> str:
    """The public feed: published activities (no METHOD: a subscription, not a message)."""
    calendar = _calendar(None)
    calendar.add("x-wr-calname", "Samverka")
    calendar.add("x-wr-timezone", TZID)
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
