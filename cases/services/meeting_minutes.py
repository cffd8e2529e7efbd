"""Recording a meeting that was held: the first one is the "record meeting" transition.

A case waiting for its first meeting (contact assigned) moves to "meeting held" through the one
transition service, with the meeting chosen; later meetings just get their minutes. So a case
in "meeting held" always has a held meeting, and a held meeting never leaves the state behind.
"""

from __future__ import annotations

from django.utils import timezone

from cases.actors import Actor
from cases.models import Case, CaseMeeting
from cases.services.meetings import meeting_record_minutes
from cases.services.transitions import case_transition
from workflows.models import State


def meeting_record(
    *, case: Case, meeting: CaseMeeting, actor: Actor, minutes: str, outcome: str = ""
) -> Case:
    if case.state == State.CONTACT_ASSIGNED:
        return case_transition(
            case=case,
            name="record_meeting",
            actor=actor,
            data={
                "meeting": meeting.pk,
                "date": timezone.localtime(meeting.starts_at).date().isoformat(),
                "notes": minutes,
                "meeting_outcome": outcome,
            },
        )
    meeting_record_minutes(
        case=case, meeting_id=meeting.pk, actor=actor, minutes=minutes, outcome=outcome
    )
    case.refresh_from_db()
    return case
