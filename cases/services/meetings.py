"""Meetings and workshops on a case: plan, change, cancel, and the invitations they send.

1. The service validates (end after start, not in the past, a valid link and addresses) and
   raises CaseValidationError with every problem, so the form or API keeps what was entered.
2. In one transaction it locks the case row (the meetings and `planned_date` agree), writes the
   meeting and its participants, an event on the timeline, and one outbox row per participant
   with the invitation (`calendar`): REQUEST when planned, REQUEST with the same UID and a
   higher SEQUENCE when changed, CANCEL when cancelled. Each change has its own key
   (`meeting:<id>:<sequence>:<participant>`): an update is a new message, never a resend.
3. `planned_date` (the next planned meeting's day) drives the date reminder the working day
   before, from its indexed due time (cases.services.reminders): the scan stays one index read.

Recording a meeting as held is `record_meeting` in the transition service when the case waits
for its first meeting (cases.services.meeting_minutes), so the state and the meetings agree.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cases import ical, policy
from cases.actors import Actor
from cases.errors import ActionForbidden, CaseValidationError, TransitionNotAllowed
from cases.models import (
    Case,
    CaseEvent,
    CaseMeeting,
    EventKind,
    MeetingKind,
    MeetingParticipant,
    MeetingStatus,
    ParticipantRole,
)
from cases.notify import reason_in
from cases.services.reminders import reminder_reset
from notifications.services import message_queue
from workflows.models import OPEN_STATES

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MAX_OTHERS = 30


@dataclass
class MeetingData:
    """A meeting's fields, cleaned."""

    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str = ""
    online_url: str = ""
    agenda: str = ""
    invite_requester: bool = True
    invite_contact: bool = True
    others: list[tuple[str, str]] = field(default_factory=list)  # (name, email)


def _moment(value: Any) -> dt.datetime | None:
    """A local time in Europe/Stockholm ("2027-06-03T09:00") or an aware datetime."""
    if isinstance(value, dt.datetime):
        moment: dt.datetime = value
    else:
        parsed = parse_datetime(str(value or "").strip().replace(" ", "T"))
        if parsed is None:
            return None
        moment = parsed
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=STOCKHOLM)
    return moment


def _others(text: str) -> list[tuple[str, str]]:
    """Further participants, one a line: "Name <email>", "Name, email" or just the email."""
    result = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        match = re.fullmatch(r"(.*?)[\s,;]*<?([^\s<>,;]+@[^\s<>,;]+)>?", line)
        if match is None:
            raise ValueError(_("Write one participant a line: a name and an email address."))
        name, email = match.group(1).strip(" ,;\"'"), match.group(2)
        try:
            validate_email(email)
        except ValidationError:
            raise ValueError(
                _("“%(email)s” is not a valid email address.") % {"email": email}
            ) from None
        result.append((name[:200] or email, email.lower()))
    if len(result) > MAX_OTHERS:
        raise ValueError(_("At most %(max)s further participants.") % {"max": MAX_OTHERS})
    return result


def _bool(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true", "on", "yes")


def meeting_clean(data: dict[str, Any], *, now: dt.datetime | None = None) -> MeetingData:
    """The meeting's fields from `data`; CaseValidationError lists every problem."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    kind = str(data.get("kind") or MeetingKind.MEETING)
    if kind not in MeetingKind.values:
        errors["kind"] = [_("Choose one of the options.")]
    starts_at, ends_at = _moment(data.get("starts_at")), _moment(data.get("ends_at"))
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value is None:
            errors[name] = [_("Enter a date and time (YYYY-MM-DD HH:MM).")]
    if starts_at is not None and starts_at < now:
        errors["starts_at"] = [_("The meeting cannot start in the past.")]
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        errors["ends_at"] = [_("The meeting must end after it starts.")]
    place = str(data.get("place") or "").strip()
    if len(place) > 200:
        errors["place"] = [_("The text is too long (at most %(max)s characters).") % {"max": 200}]
    online_url = str(data.get("online_url") or "").strip()
    if online_url:
        try:
            URLValidator(schemes=["https", "http"])(online_url)
        except ValidationError:
            errors["online_url"] = [_("Enter a valid link (https://…).")]
    agenda = str(data.get("agenda") or "").strip()
    if len(agenda) > 10_000:
        errors["agenda"] = [
            _("The text is too long (at most %(max)s characters).") % {"max": 10_000}
        ]
    others: list[tuple[str, str]] = []
    try:
        others = _others(str(data.get("others") or ""))
    except ValueError as exc:
        errors["others"] = [str(exc.args[0])]
    if errors:
        raise CaseValidationError(fields=errors)
    assert starts_at is not None and ends_at is not None
    return MeetingData(
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        online_url=online_url,
        agenda=agenda,
        invite_requester=_bool(data.get("invite_requester"), True),
        invite_contact=_bool(data.get("invite_contact"), True),
        others=others,
    )


def _check(actor: Actor, case: Case) -> None:
    if not policy.can_plan_meetings(actor, case):
        raise ActionForbidden()
    if case.state not in OPEN_STATES:
        raise TransitionNotAllowed()


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("contact").get(pk=case.pk)


def _wanted(case: Case, data: MeetingData) -> list[MeetingParticipant]:
    """Who is invited: the requester and the contact person (if chosen) and the others."""
    people: list[MeetingParticipant] = []
    if data.invite_requester and case.anonymised_at is None and case.requester_email:
        people.append(
            MeetingParticipant(
                role=ParticipantRole.REQUESTER,
                name=case.requester_name,
                email=case.requester_email.lower(),
                language=case.language,
            )
        )
    contact = case.contact
    if data.invite_contact and contact is not None:
        people.append(
            MeetingParticipant(
                role=ParticipantRole.CONTACT,
                contact=contact,
                user_id=contact.user_id,
                name=contact.name,
                email=contact.email.lower(),
                language=(contact.languages or "sv").split(",")[0].strip() or "sv",
            )
        )
    for name, email in data.others:
        people.append(MeetingParticipant(role=ParticipantRole.OTHER, name=name, email=email))
    unique: dict[str, MeetingParticipant] = {}
    for person in people:
        unique.setdefault(person.email, person)
    return list(unique.values())


def next_planned_date(case: Case, now: dt.datetime) -> dt.date | None:
    """The day of the case's next planned meeting: `planned_date`, which the reminder reads."""
    starts = (
        CaseMeeting.objects.filter(case=case, status=MeetingStatus.PLANNED, starts_at__gte=now)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return timezone.localtime(starts, STOCKHOLM).date() if starts else None


def _touch(case: Case, now: dt.datetime) -> None:
    """`planned_date` follows the meetings; the reminder clock starts again (activity)."""
    case.planned_date = next_planned_date(case, now)
    case.last_activity_at = now
    reminder_reset(case=case, now=now)
    case.save(
        update_fields=[
            "planned_date",
            "last_activity_at",
            "reminder_count",
            "next_reminder_at",
            "date_reminder_at",
        ]
    )


REASONS = {
    "planned": gettext_noop("You are invited to a meeting about a collaboration request."),
    "updated": gettext_noop("A meeting you are invited to has changed."),
    "cancelled": gettext_noop("A meeting you were invited to has been cancelled."),
}


def _queue(meeting: CaseMeeting, person: MeetingParticipant, what: str, calendar: str) -> None:
    case = meeting.case
    method = "cancel" if what == "cancelled" else "request"
    message_queue(
        key=f"meeting:{meeting.pk}:{meeting.sequence}:{method}:{person.email}",
        kind=f"meeting_{what}",
        case_id=case.pk,
        recipient=person.email,
        template="meeting",
        context={
            "what": what,
            "meeting": meeting,
            "case": case,
            "name": person.name,
            "staff": person.role != ParticipantRole.REQUESTER,
            "case_url": settings.SITE_URL + reverse("staff-case", args=[case.reference])
            if person.role == ParticipantRole.CONTACT
            else "",
        },
        language=person.language or "sv",
        reason=reason_in(person.language or "sv", REASONS[what]),
        calendar=calendar,
    )


def _event(case: Case, actor: Actor, kind: str, meeting: CaseMeeting, **extra: Any) -> None:
    CaseEvent.objects.create(
        case=case,
        kind=kind,
        data={
            "meeting_id": meeting.pk,
            "meeting_kind": meeting.kind,
            "starts_at": timezone.localtime(meeting.starts_at, STOCKHOLM).isoformat(),
            "ends_at": timezone.localtime(meeting.ends_at, STOCKHOLM).isoformat(),
            "place": meeting.place,
            **extra,
        },
        public=True,
        **actor.event_fields(),
    )


def meeting_create(
    *,
    case: Case,
    data: MeetingData,
    organizer: Any,
    status: str = MeetingStatus.PLANNED,
    all_day: bool = False,
) -> CaseMeeting:
    """Insert the meeting and its participants (the caller holds the case lock); sends the
    invitation when it is planned with a time."""
    meeting = CaseMeeting.objects.create(
        case=case,
        kind=data.kind,
        status=status,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        all_day=all_day,
        place=data.place,
        online_url=data.online_url,
        agenda=data.agenda,
        uid=ical.new_uid(secrets.token_hex(12)),
        organizer=organizer if organizer is not None and organizer.is_authenticated else None,
    )
    people = _wanted(case, data)
    for person in people:
        person.meeting = meeting
    MeetingParticipant.objects.bulk_create(people)
    if status == MeetingStatus.PLANNED and not all_day:
        calendar = ical.invitation(meeting, people)
        for person in people:
            _queue(meeting, person, "planned", calendar)
    return meeting


def meeting_plan(*, case: Case, actor: Actor, data: dict[str, Any]) -> CaseMeeting:
    """Plan a meeting or workshop: every participant gets the invitation (METHOD:REQUEST)."""
    _check(actor, case)
    cleaned = meeting_clean(data)
    with transaction.atomic(durable=True):
        locked = _lock(case)
        _check(actor, locked)
        meeting = meeting_create(case=locked, data=cleaned, organizer=actor.user)
        _event(locked, actor, EventKind.MEETING_PLANNED, meeting)
        _touch(locked, timezone.now())
    return meeting


def _meeting_locked(case: Case, meeting_id: int) -> CaseMeeting:
    meeting = (
        CaseMeeting.objects.select_for_update(of=("self",))
        .select_related("organizer")
        .filter(pk=meeting_id, case=case)
        .first()
    )
    if meeting is None:
        raise CaseValidationError(fields={"meeting": [_("Choose a meeting of this case.")]})
    meeting.case = case
    return meeting


def meeting_update(
    *, case: Case, meeting_id: int, actor: Actor, data: dict[str, Any]
) -> CaseMeeting:
    """Change a planned meeting: the same UID with SEQUENCE + 1 to everyone still invited (a
    new message each), METHOD:CANCEL to anyone no longer invited, REQUEST to anyone new."""
    _check(actor, case)
    cleaned = meeting_clean(data)
    with transaction.atomic(durable=True):
        locked = _lock(case)
        _check(actor, locked)
        meeting = _meeting_locked(locked, meeting_id)
        if meeting.status != MeetingStatus.PLANNED:
            raise CaseValidationError(
                fields={"meeting": [_("Only a planned meeting can be changed.")]}
            )
        meeting.kind = cleaned.kind
        meeting.starts_at, meeting.ends_at = cleaned.starts_at, cleaned.ends_at
        meeting.place, meeting.online_url = cleaned.place, cleaned.online_url
        meeting.agenda = cleaned.agenda
        meeting.all_day = False
        meeting.sequence += 1
        meeting.save()
        before = {p.email: p for p in meeting.participants.all()}
        wanted = {p.email: p for p in _wanted(locked, cleaned)}
        gone = [p for email, p in before.items() if email not in wanted]
        added = [p for email, p in wanted.items() if email not in before]
        for person in added:
            person.meeting = meeting
        MeetingParticipant.objects.bulk_create(added)
        MeetingParticipant.objects.filter(pk__in=[p.pk for p in gone]).delete()
        people = [p for email, p in before.items() if email in wanted] + added
        calendar = ical.invitation(meeting, people)
        for person in people:
            _queue(meeting, person, "updated", calendar)
        if gone:
            cancel = ical.invitation(meeting, gone, cancel=True)
            for person in gone:
                _queue(meeting, person, "cancelled", cancel)
        _event(locked, actor, EventKind.MEETING_CHANGED, meeting)
        _touch(locked, timezone.now())
    return meeting


def meeting_cancel(*, case: Case, meeting_id: int, actor: Actor) -> CaseMeeting:
    """Cancel a planned meeting: METHOD:CANCEL (SEQUENCE + 1) to every participant."""
    _check(actor, case)
    with transaction.atomic(durable=True):
        locked = _lock(case)
        _check(actor, locked)
        meeting = _meeting_locked(locked, meeting_id)
        if meeting.status != MeetingStatus.PLANNED:
            raise CaseValidationError(
                fields={"meeting": [_("Only a planned meeting can be cancelled.")]}
            )
        meeting.status = MeetingStatus.CANCELLED
        meeting.sequence += 1
        meeting.save(update_fields=["status", "sequence", "updated_at"])
        people = list(meeting.participants.all())
        if not meeting.all_day:
            calendar = ical.invitation(meeting, people, cancel=True)
            for person in people:
                _queue(meeting, person, "cancelled", calendar)
        _event(locked, actor, EventKind.MEETING_CANCELLED, meeting)
        _touch(locked, timezone.now())
    return meeting


def meeting_mark_held(
    *, case: Case, meeting_id: int, minutes: str, outcome: str, now: dt.datetime
) -> CaseMeeting:
    """Record a planned meeting that has started as held (the caller holds the case lock)."""
    meeting = _meeting_locked(case, meeting_id)
    if meeting.status != MeetingStatus.PLANNED or meeting.starts_at > now:
        raise CaseValidationError(
            fields={"meeting": [_("Choose a planned meeting that has already started.")]}
        )
    meeting.status = MeetingStatus.HELD
    meeting.minutes, meeting.outcome = minutes, outcome
    meeting.save(update_fields=["status", "minutes", "outcome", "updated_at"])
    return meeting


def started_on(case: Case, day: dt.date, now: dt.datetime) -> int | None:
    """The id of the case's planned meeting on `day` that has started, if any."""
    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=STOCKHOLM)
    return (
        CaseMeeting.objects.filter(
            case=case,
            status=MeetingStatus.PLANNED,
            starts_at__gte=start,
            starts_at__lt=start + dt.timedelta(days=1),
            starts_at__lte=now,
        )
        .order_by("-starts_at")
        .values_list("pk", flat=True)
        .first()
    )


def meeting_held_on(
    *, case: Case, day: dt.date, kind: str, minutes: str, outcome: str, organizer: Any
) -> CaseMeeting:
    """A meeting recorded afterwards with its day only (never planned in Samverka)."""
    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=STOCKHOLM)
    meeting = meeting_create(
        case=case,
        data=MeetingData(
            kind=kind,
            starts_at=start,
            ends_at=start,
            invite_requester=True,
            invite_contact=True,
        ),
        organizer=organizer,
        status=MeetingStatus.HELD,
        all_day=True,
    )
    meeting.minutes, meeting.outcome = minutes, outcome
    meeting.save(update_fields=["minutes", "outcome"])
    return meeting


def meeting_day_plan(*, case: Case, day: dt.date, organizer: Any) -> CaseMeeting:
    """A planned meeting on `day` whose time is not known yet (the caller holds the case
    lock): shown in the meetings region, where setting its time sends the invitation."""
    meeting = meeting_held_on(
        case=case, day=day, kind=MeetingKind.MEETING, minutes="", outcome="", organizer=organizer
    )
    meeting.status = MeetingStatus.PLANNED
    meeting.save(update_fields=["status"])
    return meeting


def meeting_record_minutes(
    *, case: Case, meeting_id: int, actor: Actor, minutes: str, outcome: str
) -> CaseMeeting:
    """Record the minutes of a meeting held after the first (the state does not change)."""
    _check(actor, case)
    with transaction.atomic(durable=True):
        locked = _lock(case)
        _check(actor, locked)
        now = timezone.now()
        meeting = meeting_mark_held(
            case=locked, meeting_id=meeting_id, minutes=minutes, outcome=outcome, now=now
        )
        _event(locked, actor, EventKind.MEETING_RECORDED, meeting)
        _touch(locked, now)
    return meeting
