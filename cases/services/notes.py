from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from cases import policy
from cases.actors import Actor
from cases.errors import ActionForbidden, CaseValidationError
from cases.models import Case, CaseEvent, EventKind
from cases.services import meetings
from cases.services.reminders import reminder_reset
from workflows.models import OPEN_STATES

NOTE_MAX_LENGTH = 10_000


def case_note_add(*, case: Case, actor: Actor, text: str) -> CaseEvent:
    """Add an internal note (never shown to the requester). Counts as activity on the case."""
    if not policy.can_act_on_case(actor.user, case):
        raise ActionForbidden()
    text = (text or "").strip()
    if not text:
        raise CaseValidationError(fields={"text": [str(_("This field is required."))]})
    if len(text) > NOTE_MAX_LENGTH:
        raise CaseValidationError(
            fields={"text": [str(_("The note is too long (at most 10,000 characters)."))]}
        )
    with transaction.atomic(durable=True):
        event = CaseEvent.objects.create(
            case=case,
            kind=EventKind.NOTE,
            data={"text": text},
            public=False,
            **actor.event_fields(),
        )
        if policy.is_assigned_contact(actor.user, case):
            # A note from the contact person answers a reminder: the clock starts again.
            now = timezone.now()
            Case.objects.filter(pk=case.pk).update(last_activity_at=now)
            case.last_activity_at = now
            reminder_reset(case=case, now=now)
        return event


def case_date_plan(*, case: Case, actor: Actor, date: dt.date | str) -> CaseEvent:
    """Set the date of the next meeting or workshop; both sides are reminded the day before."""
    if not policy.can_act_on_case(actor.user, case) or case.state not in OPEN_STATES:
        raise ActionForbidden()
    day = parse_date(date.strip()) if isinstance(date, str) else date
    if day is None:
        raise CaseValidationError(fields={"date": [str(_("Enter a valid date (YYYY-MM-DD)."))]})
    if day < timezone.localdate():
        raise CaseValidationError(fields={"date": [str(_("The date cannot be in the past."))]})
    with transaction.atomic(durable=True):
        now = timezone.now()
        Case.objects.select_for_update(of=("self",)).filter(pk=case.pk).update(
            planned_date=day, last_activity_at=now
        )
        case.planned_date, case.last_activity_at = day, now
        # The day is a planned meeting whose time is set in the meetings region.
        meetings.meeting_day_plan(case=case, day=day, organizer=actor.user)
        reminder_reset(case=case, now=now)
        return CaseEvent.objects.create(
            case=case,
            kind=EventKind.DATE_PLANNED,
            data={"date": day.isoformat()},
            public=True,
            **actor.event_fields(),
        )
