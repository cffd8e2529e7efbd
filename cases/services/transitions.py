"""The one transition service: the only code that changes a case's state."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from cases import notify, policy
from cases.errors import ActionForbidden, CaseConflict, CaseValidationError, TransitionNotAllowed
from cases.models import Case, CaseAssignment, CaseEvent, EventKind
from cases.services.reminders import reminder_reset
from directory.models import ContactPerson
from workflows.definition import TransitionSpec, transitions

TEXT_MAX_LENGTH = 10_000
# actor_label of events done through a signed email link; data["by_contact"] names the person.
LINK_ACTOR_LABEL = "contact_link"
OUTCOMES = {
    "completed": _("Completed"),
    "no_match": _("No match"),
    "other": _("Other"),
}


def _clean_field(name: str, value, spec: TransitionSpec):
    """Validate one transition field; returns the cleaned value or raises ValueError(message)."""
    if name == "contact":
        if isinstance(value, ContactPerson):
            return value
        person = ContactPerson.objects.filter(email__iexact=str(value).strip(), active=True).first()
        if person is None:
            raise ValueError(_("Choose an active contact person from the directory."))
        return person
    if name == "date":
        date = value if isinstance(value, dt.date) else parse_date(str(value).strip())
        if date is None:
            raise ValueError(_("Enter a valid date (YYYY-MM-DD)."))
        if spec.name == "record_meeting" and date > timezone.localdate():
            raise ValueError(_("A meeting that has been held cannot be in the future."))
        return date
    if name == "outcome":
        if value not in OUTCOMES:
            raise ValueError(_("Choose an outcome."))
        return value
    text = str(value).strip()
    if len(text) > TEXT_MAX_LENGTH:
        raise ValueError(_("The text is too long (at most 10,000 characters)."))
    return text


def clean_transition_data(spec: TransitionSpec, data: dict) -> dict:
    cleaned, errors = {}, {}
    for name in (*spec.fields, "note"):
        value = data.get(name)
        if value in (None, "") or (isinstance(value, str) and not value.strip()):
            if name in spec.required:
                errors[name] = [str(_("This field is required."))]
            continue
        try:
            cleaned[name] = _clean_field(name, value, spec)
        except ValueError as exc:
            errors[name] = [str(exc.args[0])]
    if errors:
        raise CaseValidationError(fields=errors)
    return cleaned


def _event_data(cleaned: dict) -> dict:
    data = {}
    for key, value in cleaned.items():
        if isinstance(value, ContactPerson):
            data.update(contact_id=value.pk, contact_name=value.name, contact_email=value.email)
        elif isinstance(value, dt.date):
            data[key] = value.isoformat()
        else:
            data[key] = value
    return data


def case_transition(
    *,
    case: Case,
    name: str,
    actor=None,
    data: dict | None = None,
    requester: bool = False,
    via_link_contact: ContactPerson | None = None,
    expected_version: int | None = None,
) -> Case:
    """Perform transition `name` on `case` and return the updated case.

    `via_link_contact` is set when the contact person acts through a signed email link
    (cases.services.links): there is no user then, and the policy lets the link speak for the
    contact person it was sent to.

    1. Validate the fields the transition needs (400 on error).
    2. In one transaction, lock the case row; a version other than `expected_version` means
       someone else changed it since the caller looked (409).
    3. Check the policy for this actor (403), then the state machine (409).
    4. Change the state, apply the transition's data, bump the version, save.
    5. Append the event and queue the emails; they are enqueued after commit.
    """
    spec = transitions().get(name)
    if spec is None:
        raise CaseValidationError(fields={"transition": [str(_("Unknown step."))]})
    cleaned = clean_transition_data(spec, data or {})
    with transaction.atomic():
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to contact.
        locked = (
            Case.objects.select_for_update(of=("self",)).select_related("contact").get(pk=case.pk)
        )
        if expected_version is not None and locked.version != expected_version:
            raise CaseConflict()
        if not policy.can_transition(
            actor, locked, spec, requester=requester, via_link_contact=via_link_contact
        ):
            raise ActionForbidden()
        if not can_proceed(getattr(locked, name)):
            raise TransitionNotAllowed()

        from_state = locked.state
        previous_contact = locked.contact
        getattr(locked, name)()
        now = timezone.now()
        event_data = _event_data(cleaned)
        if name == "assign_contact":
            locked.contact = cleaned["contact"]
            if previous_contact is not None:
                event_data["reassigned_from"] = previous_contact.name
                CaseAssignment.objects.filter(case=locked, ended_at__isnull=True).update(
                    ended_at=now
                )
            CaseAssignment.objects.create(case=locked, contact=locked.contact)
        if name == "hand_back":
            # Back to the coordinators' queue: nobody is assigned, the assignment ends (the
            # former contact keeps read access through it), and the event names who gave it back.
            event_data.update(
                contact_id=previous_contact.pk,
                contact_name=previous_contact.name,
                contact_email=previous_contact.email,
            )
            locked.contact = None
            CaseAssignment.objects.filter(case=locked, ended_at__isnull=True).update(ended_at=now)
        if name == "start_workshop" and cleaned["date"] >= timezone.localdate():
            locked.planned_date = cleaned["date"]
        locked.version += 1
        locked.state_changed_at = now
        locked.last_activity_at = now
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
        reminder_reset(case=locked, now=now)
        actor_label = ""
        if requester:
            actor_label = "requester"
        elif via_link_contact is not None:
            actor_label = LINK_ACTOR_LABEL
            event_data["by_contact"] = via_link_contact.name
        event = CaseEvent.objects.create(
            case=locked,
            kind=EventKind.TRANSITION,
            transition=name,
            from_state=from_state,
            to_state=locked.state,
            actor=actor if actor is not None and actor.is_authenticated else None,
            actor_label=actor_label,
            data=event_data,
            public=spec.public,
        )
        notify.case_transitioned(case=locked, event=event, spec=spec)
    return locked
