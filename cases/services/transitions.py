"""The one transition service: the only code that changes a case's state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from cases import notify, policy
from cases.actors import Actor
from cases.errors import ActionForbidden, CaseConflict, CaseValidationError, TransitionNotAllowed
from cases.models import Case, CaseAssignment, CaseEvent, EventKind, MeetingKind, MeetingStatus
from cases.services import meetings
from cases.services.reminders import reminder_reset
from directory import selectors as directory
from directory.models import ContactPerson
from directory.suggestions import profiles_changed
from workflows.definition import TransitionSpec, transitions
from workflows.fields import FieldSpec, Kind

# --- Cleaning: one function per kind of field ------------------------------------------------


def _clean_text(field: FieldSpec, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(_("Enter text."))
    text = value.strip()
    if field.kind == Kind.LINE and ("\n" in text or "\r" in text):
        raise ValueError(_("Line breaks are not allowed here."))
    if field.max_length is not None and len(text) > field.max_length:
        raise ValueError(
            _("The text is too long (at most %(max)s characters).") % {"max": field.max_length}
        )
    return text


def _clean_date(field: FieldSpec, value: Any) -> dt.date:
    date = value if isinstance(value, dt.date) else parse_date(str(value).strip())
    if date is None:
        raise ValueError(_("Enter a valid date (YYYY-MM-DD)."))
    if field.not_in_future and date > timezone.localdate():
        raise ValueError(_("A meeting that has been held cannot be in the future."))
    return date


def _clean_contact(field: FieldSpec, value: Any) -> ContactPerson:
    if isinstance(value, ContactPerson) and value.active:
        return value
    email = directory.contact_resolve(str(value))  # an email, or a name from the picker
    person = ContactPerson.objects.filter(email__iexact=email, active=True).first()
    if person is None:
        raise ValueError(_("Choose an active contact person from the directory."))
    return person


def _clean_choice(field: FieldSpec, value: Any) -> str:
    if value not in dict(field.choices):
        raise ValueError(_("Choose one of the options."))
    return str(value)


def _clean_meeting(field: FieldSpec, value: Any) -> int:
    # Only the shape: that it is this case's meeting, planned and started, is checked under
    # the case's lock by the effect (cases.services.meetings.meeting_mark_held).
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit():
        raise ValueError(_("Choose a meeting of this case."))
    return int(text)


CLEANERS: dict[str, Callable[[FieldSpec, Any], Any]] = {
    Kind.TEXT: _clean_text,
    Kind.LINE: _clean_text,
    Kind.DATE: _clean_date,
    Kind.CONTACT: _clean_contact,
    Kind.CHOICE: _clean_choice,
    Kind.MEETING: _clean_meeting,
}


def clean_transition_data(spec: TransitionSpec, data: dict[str, Any]) -> dict[str, Any]:
    """The transition's fields from `data`, cleaned; CaseValidationError lists every problem."""
    cleaned, errors = {}, {}
    for field in spec.inputs:
        value = data.get(field.name)
        if value in (None, "") or (isinstance(value, str) and not value.strip()):
            if field.required:
                errors[field.name] = [_("This field is required.")]
            continue
        try:
            cleaned[field.name] = CLEANERS[field.kind](field, value)
        except ValueError as exc:
            errors[field.name] = [str(exc.args[0])]
    if errors:
        raise CaseValidationError(fields=errors)
    return cleaned


def _event_data(cleaned: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in cleaned.items():
        if isinstance(value, ContactPerson):
            data.update(
                {f"{key}_id": value.pk, f"{key}_name": value.name, f"{key}_email": value.email}
            )
        elif isinstance(value, dt.date):
            data[key] = value.isoformat()
        else:
            data[key] = value
    return data


# --- Effects: what a transition does besides changing the state ------------------------------


@dataclass
class Step:
    """One transition in progress, under the case's row lock."""

    case: Case  # locked, state already changed
    cleaned: dict[str, Any]
    event_data: dict[str, Any]
    now: dt.datetime
    previous_contact: ContactPerson | None
    actor: Actor


def _end_assignment(step: Step) -> None:
    CaseAssignment.objects.filter(case=step.case, ended_at__isnull=True).update(ended_at=step.now)


def _assign_contact(step: Step) -> None:
    step.case.contact = step.cleaned["contact"]
    if step.previous_contact is not None:
        step.event_data["reassigned_from"] = step.previous_contact.name
        _end_assignment(step)
    CaseAssignment.objects.create(case=step.case, contact=step.case.contact)


def _hand_back(step: Step) -> None:
    # Back to the coordinators' queue: nobody is assigned, the assignment ends (the former
    # contact keeps read access through it), and the event names who gave it back.
    person = step.previous_contact
    assert person is not None  # hand_back starts from contact_assigned
    step.event_data.update(
        contact_id=person.pk, contact_name=person.name, contact_email=person.email
    )
    step.case.contact = None
    _end_assignment(step)


def _record_meeting(step: Step) -> None:
    """The meeting held: the chosen planned meeting, or one recorded afterwards on `date`."""
    cleaned, case = step.cleaned, step.case
    minutes, outcome = cleaned["notes"], cleaned.get("meeting_outcome", "")
    if "meeting" not in cleaned:
        # Recorded through a form without the choice (the email link): a planned meeting of
        # that day that has started is the one held, rather than a second meeting.
        started = meetings.started_on(case, cleaned["date"], step.now)
        if started is not None:
            cleaned["meeting"] = started
    if "meeting" in cleaned:
        meeting = meetings.meeting_mark_held(
            case=case, meeting_id=cleaned["meeting"], minutes=minutes, outcome=outcome, now=step.now
        )
        day = timezone.localtime(meeting.starts_at).date()
        step.event_data["date"] = day.isoformat()
        step.event_data["meeting"] = f"{timezone.localtime(meeting.starts_at):%Y-%m-%d %H:%M}"
    else:
        meeting = meetings.meeting_held_on(
            case=case,
            day=cleaned["date"],
            kind=MeetingKind.MEETING,
            minutes=minutes,
            outcome=outcome,
            organizer=step.actor.user,
        )
    step.event_data["meeting_id"] = meeting.pk
    case.planned_date = meetings.next_planned_date(case, step.now)


def _plan_workshop(step: Step) -> None:
    """The workshop meeting, on its day: planned (ahead) or held (recorded afterwards). Its
    times are set from the meetings region, which sends the invitation."""
    day = step.cleaned["date"]
    planned = day >= timezone.localdate()
    meeting = meetings.meeting_held_on(
        case=step.case,
        day=day,
        kind=MeetingKind.WORKSHOP,
        minutes="",
        outcome="",
        organizer=step.actor.user,
    )
    meeting.agenda = step.cleaned["purpose"]
    if planned:
        meeting.status = MeetingStatus.PLANNED
        meeting.minutes = ""
    meeting.save(update_fields=["agenda", "status"])
    step.event_data["meeting_id"] = meeting.pk
    step.case.planned_date = day if planned else meetings.next_planned_date(step.case, step.now)


EFFECTS: dict[str, Callable[[Step], None]] = {
    "assign_contact": _assign_contact,
    "hand_back": _hand_back,
    "record_meeting": _record_meeting,
    "start_workshop": _plan_workshop,
}


def case_transition(
    *,
    case: Case,
    name: str,
    actor: Actor,
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Case:
    """Perform transition `name` on `case` for `actor` and return the updated case.

    1. Validate the fields the transition needs (400 on error).
    2. In one transaction, lock the case row; a version other than `expected_version` means
       someone else changed it since the caller looked (409).
    3. Check the policy for this actor (403), then the state machine (409).
    4. Change the state, apply the transition's effect, bump the version, save.
    5. Append the event and queue the emails; they are enqueued after commit.
    """
    spec = transitions().get(name)
    if spec is None:
        raise CaseValidationError(fields={"transition": [_("Unknown step.")]})
    cleaned = clean_transition_data(spec, data or {})
    with transaction.atomic(durable=True):
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to contact.
        locked = (
            Case.objects.select_for_update(of=("self",)).select_related("contact").get(pk=case.pk)
        )
        if expected_version is not None and locked.version != expected_version:
            raise CaseConflict()
        if not policy.can_transition(actor, locked, spec):
            raise ActionForbidden()
        if not can_proceed(getattr(locked, name)):
            raise TransitionNotAllowed()

        from_state = locked.state
        getattr(locked, name)()
        step = Step(
            case=locked,
            cleaned=cleaned,
            event_data={**_event_data(cleaned), **actor.event_data()},
            now=timezone.now(),
            previous_contact=locked.contact,
            actor=actor,
        )
        if name in EFFECTS:
            EFFECTS[name](step)
        locked.version += 1
        locked.state_changed_at = locked.last_activity_at = step.now
        locked.save(
            update_fields=[
                "state",
                "contact",
                "version",
                "state_changed_at",
                "last_activity_at",
                "planned_date",
            ]
        )
        reminder_reset(case=locked, now=step.now)
        event = CaseEvent.objects.create(
            case=locked,
            kind=EventKind.TRANSITION,
            transition=name,
            from_state=from_state,
            to_state=locked.state,
            data=step.event_data,
            public=spec.public,
            **actor.event_fields(),
        )
        notify.case_transitioned(case=locked, event=event, spec=spec, actor=actor)
        if locked.contact_id is not None or step.previous_contact is not None:
            # What the contact person handled changed: their learned profile follows.
            transaction.on_commit(profiles_changed)
    return locked
