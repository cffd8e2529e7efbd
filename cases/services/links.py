"""Signed action links in the assignment email: the contact person acts without logging in.

A link is the authority for one action on one case by one contact person (who may have no
login). Its token (cases.link_tokens) carries the case id, contact id, purpose and case
version, signed with a salt per purpose:

- a token made for one purpose does not verify for another (the salt differs), and tampering
  breaks the signature: 400;
- it expires after SIGNED_LINK_MAX_AGE_DAYS: 410;
- it is single use: every transition bumps the case version, so the link of a step that was
  taken, and every link sent before any other step or reassignment, no longer matches: 410.
  Accepting changes no state and so no version; its link is spent by its own event instead,
  which leaves the "hand back" and "we have met" links of the same email usable.

GET only reads (`case_link_read`); the writes below re-check the link under the case's row lock.
"""

from __future__ import annotations

from dataclasses import dataclass

from cases import policy
from cases.actors import Actor
from cases.errors import ActionForbidden, CaseConflict, LinkInvalid, LinkUsed, TransitionNotAllowed
from cases.link_tokens import ACCEPT, PURPOSES, link_payload
from cases.models import Case, CaseEvent
from cases.services.accept import case_accept, case_accepted
from cases.services.transitions import case_transition
from directory.models import ContactPerson


@dataclass(frozen=True)
class CaseLink:
    purpose: str
    case: Case
    contact: ContactPerson
    version: int

    @property
    def transition(self) -> str | None:
        return PURPOSES[self.purpose]


def _accepted(case: Case, contact_id: int, version: int) -> bool:
    return case_accepted(case=case, contact_id=contact_id, version=version)


def _check_current(*, case: Case, contact: ContactPerson, purpose: str, version: int) -> None:
    if case.version != version or not policy.can_act_via_link(contact, case):
        raise LinkUsed()
    if purpose == ACCEPT and _accepted(case, contact.pk, version):
        raise LinkUsed()


def case_link_read(*, token: str, purpose: str) -> CaseLink:
    """Check a link for `purpose`; raises LinkInvalid (400), LinkExpired or LinkUsed (410)."""
    payload = link_payload(token=token, purpose=purpose)
    case = Case.objects.select_related("contact", "municipality").filter(pk=payload["case"]).first()
    contact = ContactPerson.objects.filter(pk=payload["contact"]).first()
    if case is None or contact is None:
        raise LinkUsed()
    _check_current(case=case, contact=contact, purpose=purpose, version=payload["v"])
    return CaseLink(purpose=purpose, case=case, contact=contact, version=payload["v"])


def case_accept_by_link(*, link: CaseLink) -> CaseEvent:
    """Accept the case for the link's contact person, through the one accept service.

    The link's version is the expected version, and the service checks again under the row
    lock, so two clicks at once record one acceptance; the other, like a case changed since the
    email or a contact no longer assigned, gets LinkUsed.
    """
    if link.purpose != ACCEPT:
        raise LinkInvalid()
    try:
        return case_accept(
            case=link.case, actor=Actor.link(link.contact), expected_version=link.version
        )
    except (CaseConflict, ActionForbidden, TransitionNotAllowed) as exc:
        raise LinkUsed() from exc


def case_transition_by_link(*, link: CaseLink, data: dict) -> Case:
    """Perform the link's transition (hand back, record meeting) through the one service.

    The link's version is the expected version, so a case changed since the email refuses the
    step; that and a contact no longer assigned show as a spent link, not as a conflict.
    Invalid fields raise CaseValidationError as for any transition.
    """
    if link.transition is None:
        raise LinkInvalid()
    try:
        return case_transition(
            case=link.case,
            name=link.transition,
            actor=Actor.link(link.contact),
            data=data,
            expected_version=link.version,
        )
    except (CaseConflict, ActionForbidden, TransitionNotAllowed) as exc:
        raise LinkUsed() from exc
