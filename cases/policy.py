"""The one permission policy, used by HTML views, the API, admin actions and emails.

- anonymous: submit, read the public directory;
- requester (tracking token holder): that one case (checked by the caller who holds the token);
- contact person: cases assigned to them now (act) and before (read);
- signed email link (cases.services.links): the contact person's own steps on that one case,
  while they are still its contact person, even without a login;
- coordinator and administrator: every case;
- registrar: read every case.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from cases.actors import Actor, ActorKind
from cases.models import Case, CaseAssignment
from directory.models import ContactPerson
from workflows.definition import TransitionSpec
from workflows.models import ASSIGNED, COORDINATOR, REQUESTER


def _contact_id(user) -> int | None:
    if not (user and user.is_authenticated and user.is_contact):
        return None
    person = getattr(user, "contact_person", None)
    return person.pk if person else None


def visible_cases(user, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Exactly the cases `can_view_case` allows, as a queryset (lists must match details)."""
    qs = Case.objects.all() if queryset is None else queryset
    if not (user and user.is_authenticated and user.is_active):
        return qs.none()
    if user.sees_all_cases:
        return qs
    contact_id = _contact_id(user)
    if contact_id is None:
        return qs.none()
    ever_assigned = CaseAssignment.objects.filter(case=OuterRef("pk"), contact_id=contact_id)
    return qs.filter(Exists(ever_assigned))


def can_view_case(user, case: Case) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.sees_all_cases:
        return True
    contact_id = _contact_id(user)
    if contact_id is None:
        return False
    return case.contact_id == contact_id or case.assignments.filter(contact_id=contact_id).exists()


def is_assigned_contact(user, case: Case) -> bool:
    contact_id = _contact_id(user)
    return contact_id is not None and case.contact_id == contact_id


def can_act_on_case(user, case: Case) -> bool:
    """Add notes and perform the steps of the assigned contact."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_coordinator or is_assigned_contact(user, case)


def can_plan_meetings(actor: Actor, case: Case) -> bool:
    """Plan, change, cancel and record meetings: staff who may act on the case."""
    return actor.kind == ActorKind.STAFF and can_act_on_case(actor.user, case)


def can_assign(user) -> bool:
    """See the contact suggestions and assign contact persons: coordinators."""
    return bool(user and user.is_authenticated and user.is_active and user.is_coordinator)


def can_act_via_link(contact: ContactPerson | None, case: Case) -> bool:
    """A signed email link speaks for the contact person it was sent to, while still assigned.

    The link itself is the authority (the contact may have no login), so it grants exactly the
    contact person's own steps; the link's signature, age and case version are checked by
    `cases.services.links` before this.
    """
    return contact is not None and case.contact_id == contact.pk


def can_transition(actor: Actor, case: Case, spec: TransitionSpec) -> bool:
    if actor.kind == ActorKind.REQUESTER:
        return REQUESTER in spec.actors
    if actor.kind == ActorKind.LINK:
        return ASSIGNED in spec.actors and can_act_via_link(actor.contact, case)
    user = actor.user
    if not (user and user.is_authenticated and user.is_active):
        return False
    if COORDINATOR in spec.actors and user.is_coordinator:
        return True
    return ASSIGNED in spec.actors and is_assigned_contact(user, case)
