"""iCalendar building blocks shared by every invitation and feed (RFC 5545; iTIP per RFC 5546).

Built with icalendar. Activities (`activities.ical`) and case meetings (`cases.ical`) compose
their messages from these, so both send the same VTIMEZONE, ORGANIZER and event shape:

- times are local (DTSTART;TZID=Europe/Stockholm) with the zone's VTIMEZONE, the EU rule as
  RRULEs (last Sunday of March and October), which Outlook, Google and Apple read alike;
- a message (METHOD:REQUEST or CANCEL) has one VEVENT; a feed has no METHOD.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress

PRODID = "-//Samverka//Högskolan i Borås//SV"
TZID = "Europe/Stockholm"


def domain() -> str:
    """The right-hand side of UIDs: the sender's domain."""
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "samverka.local"


def stockholm() -> Timezone:
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


def calendar(method: str | None, *, name: str = "") -> Calendar:
    """An empty VCALENDAR with the VTIMEZONE; `method` None for a feed (a subscription)."""
    result = Calendar()
    result.add("prodid", PRODID)
    result.add("version", "2.0")
    result.add("calscale", "GREGORIAN")
    if method:
        result.add("method", method)
    if name:
        result.add("x-wr-calname", name)
        result.add("x-wr-timezone", TZID)
    result.add_component(stockholm())
    return result


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(ZoneInfo(TZID)).replace(microsecond=0)  # iCalendar has seconds


def organizer(*, name: str = "", email: str = "") -> vCalAddress:
    """The organiser: the given person, or the service's sender address."""
    default_name, default_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    address = email or default_address or settings.DEFAULT_FROM_EMAIL
    result = vCalAddress(f"mailto:{address}")
    result.params["cn"] = name or default_name or "Samverka"
    return result


def attendee(*, email: str, name: str, partstat: str, rsvp: bool = False) -> vCalAddress:
    result = vCalAddress(f"mailto:{email}")
    if name:
        result.params["cn"] = name
    result.params["role"] = "REQ-PARTICIPANT"
    result.params["cutype"] = "INDIVIDUAL"
    result.params["partstat"] = partstat
    result.params["rsvp"] = "TRUE" if rsvp else "FALSE"
    return result


def event(
    *,
    uid: str,
    sequence: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    summary: str,
    description: str = "",
    location: str = "",
    url: str = "",
    cancelled: bool = False,
    organizer_address: vCalAddress | None = None,
) -> Event:
    """One VEVENT in local time; STATUS:CANCELLED when `cancelled`."""
    result = Event()
    result.add("uid", uid)
    result.add("sequence", sequence)
    result.add("dtstamp", timezone.now().astimezone(dt.UTC))
    result.add("dtstart", local(starts_at))
    result.add("dtend", local(ends_at))
    result.add("summary", summary)
    if description:
        result.add("description", description)
    if location:
        result.add("location", location)
    if url:
        result.add("url", url)
    result.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    result.add("transp", "OPAQUE")
    result.add("organizer", organizer_address or organizer())
    return result
