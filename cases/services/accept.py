"""The contact person accepts a case: from the case page or through the email's signed link.

Accepting changes no state (the case stays "contact person assigned") and so no version; it is
an event on the timeline that says the contact person has taken the case on. It counts as
activity, so the reminder clock starts again. An acceptance belongs to one assignment: it is
recorded with the case's version, which the next transition (a reassignment, a hand-back, the
meeting) bumps.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import policy
from cases.actors import Actor, ActorKind
from cases.errors import ActionForbidden, CaseConflict, TransitionNotAllowed
from cases.models import Case, CaseEvent, EventKind
from cases.services.reminders import reminder_reset
from directory.models import ContactPerson
from workflows.models import State


def case_accepted(*, case: Case, contact_id: int, version: int) -> bool:
    """Has `contact_id` accepted `case` at `version` (that is, in the current assignment)?"""
    return CaseEvent.objects.filter(
        case=case, kind=EventKind.ACCEPTED, data__contact_id=contact_id, data__version=version
    ).exists()


def _accepting_contact(actor: Actor, case: Case) -> ContactPerson | None:
    """The contact person behind `actor`, if the policy lets them act on `case` as its contact."""
    if actor.kind == ActorKind.LINK:
        return actor.contact if policy.can_act_via_link(actor.contact, case) else None
    if actor.kind == ActorKind.STAFF and policy.is_assigned_contact(actor.user, case):
        return case.contact
    return None


def case_accept(*, case: Case, actor: Actor, expected_version: int | None = None) -> CaseEvent:
    """Record that the assigned contact person accepts `case`; returns the event.

    1. In one transaction, lock the case row; a version other than `expected_version` means
       the case changed since the page or email was made (409).
    2. Only the assigned contact person accepts, signed in or through their link (403); only
       while the case is "contact person assigned" (409); once per assignment (409), so two
       clicks at once record one acceptance.
    3. Note the activity (reminders restart) and append the event.
    """
    with transaction.atomic(durable=True):
        locked = (
            Case.objects.select_for_update(of=("self",)).select_related("contact").get(pk=case.pk)
        )
        version = locked.version if expected_version is None else expected_version
        if locked.version != version:
            raise CaseConflict()
        contact = _accepting_contact(actor, locked)
        if contact is None:
            raise ActionForbidden()
        if locked.state != State.CONTACT_ASSIGNED:
            raise TransitionNotAllowed()
        if case_accepted(case=locked, contact_id=contact.pk, version=version):
            raise CaseConflict(_("The case is already accepted."))
        now = timezone.now()
        Case.objects.filter(pk=locked.pk).update(last_activity_at=now)
        locked.last_activity_at = now
        reminder_reset(case=locked, now=now)
        return CaseEvent.objects.create(
            case=locked,
            kind=EventKind.ACCEPTED,
            data={**actor.event_data(), "contact_id": contact.pk, "version": version},
            public=False,
            **actor.event_fields(),
        )
