"""Calendar invitations and the private feed for case meetings, from `notifications.ical`.

- One VEVENT per meeting; its UID (`CaseMeeting.uid`) never changes, and SEQUENCE is the
  meeting's `sequence` (+1 for a cancellation), so Outlook, Google and Apple update the event
  they already hold instead of adding one.
- Every participant is an ATTENDEE (PARTSTAT=NEEDS-ACTION while planned, DECLINED in a
  cancellation: RSVP=FALSE, replies are not read); the organiser is the staff member who
  planned it, or the service's address.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from icalendar import Event

from cases.models import Case, CaseMeeting, MeetingParticipant
from notifications import ical


def new_uid(token: str) -> str:
    return f"case-meeting-{token}@{ical.domain()}"


def summary(meeting: CaseMeeting, case: Case) -> str:
    return f"{meeting.get_kind_display()}: {case.title} ({case.reference})"


def _event(meeting: CaseMeeting, *, cancelled: bool, url: str = "") -> Event:
    case = meeting.case
    description = meeting.agenda
    if meeting.online_url:
        description = f"{description}\n\n{_('Online')}: {meeting.online_url}".strip()
    organizer = meeting.organizer
    return ical.event(
        uid=meeting.uid,
        sequence=meeting.sequence,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        summary=summary(meeting, case),
        description=description,
        location=meeting.place or meeting.online_url,
        url=url,
        cancelled=cancelled,
        organizer_address=ical.organizer(
            name=organizer.get_full_name() or organizer.email, email=organizer.email
        )
        if organizer is not None and organizer.email
        else None,
    )


def _attendees(event: Event, participants: Iterable[MeetingParticipant], *, cancel: bool) -> None:
    for person in participants:
        event.add(
            "attendee",
            ical.attendee(
                email=person.email,
                name=person.name,
                partstat="DECLINED" if cancel else "NEEDS-ACTION",
            ),
        )


def invitation(
    meeting: CaseMeeting,
    participants: Iterable[MeetingParticipant],
    *,
    cancel: bool = False,
    url: str = "",
) -> str:
    """The iTIP message: REQUEST (new or changed meeting) or CANCEL, listing `participants`."""
    calendar = ical.calendar("CANCEL" if cancel else "REQUEST")
    event = _event(meeting, cancelled=cancel, url=url)
    _attendees(event, participants, cancel=cancel)
    calendar.add_component(event)
    return calendar.to_ical().decode()


def download(meeting: CaseMeeting, participants: Iterable[MeetingParticipant]) -> str:
    """An "add to calendar" file: PUBLISH, same UID and SEQUENCE as the invitation."""
    calendar = ical.calendar("PUBLISH")
    event = _event(meeting, cancelled=meeting.status == "cancelled")
    _attendees(event, participants, cancel=False)
    calendar.add_component(event)
    return calendar.to_ical().decode()


def feed(meetings: Iterable[CaseMeeting], *, name: str) -> str:
    """A staff member's private feed of their meetings (no METHOD: a subscription)."""
    calendar = ical.calendar(None, name=name)
    for meeting in meetings:
        url = settings.SITE_URL + reverse("staff-case", args=[meeting.case.reference])
        calendar.add_component(_event(meeting, cancelled=meeting.status == "cancelled", url=url))
    return calendar.to_ical().decode()
