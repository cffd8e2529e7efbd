"""Which emails a case change sends. Called inside the service's transaction: each message is
an outbox row in the same commit, and its delivery task is enqueued only after commit."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop, override

from accounts.models import Notify, Role, User
from cases import abuse
from cases.actors import Actor
from cases.link_tokens import PURPOSES, case_link_token
from cases.models import Case, CaseEvent
from directory.models import ContactPerson
from notifications.models import OutboxMessage
from notifications.services import (
    MessageSpec,
    message_queue,
    messages_queue_fanout,
    register_context,
)
from workflows.definition import TransitionSpec, requester_view


def tracking_url(token: str) -> str:
    return settings.SITE_URL + reverse("track", args=[token])


def staff_case_url(case: Case) -> str:
    return settings.SITE_URL + reverse("staff-case", args=[case.reference])


def reason_in(language: str, text: str, **values) -> str:
    """Why an email was sent, in the recipient's language. Mark `text` with gettext_noop."""
    with override(language):
        return gettext(text) % values if values else gettext(text)


def coordinators_told_at_once(field: str) -> QuerySet[User]:
    """Active coordinators who chose to hear at once of `field` (User.notify_*)."""
    return (
        User.objects.filter(is_active=True, role=Role.COORDINATOR, **{field: Notify.AT_ONCE})
        .exclude(email="")
        .order_by("pk")
    )


def contact_told_at_once(contact: ContactPerson, field: str) -> bool:
    """Whether the contact person hears at once of `field`; one without a login always does
    (they have no profile page to choose on, and email is how they follow their cases)."""
    user = contact.user
    return user is None or getattr(user, field) == Notify.AT_ONCE


@functools.cache
def _told_at_once_sql(field: str) -> tuple[str, tuple]:
    """The SQL of coordinators_told_at_once(field), compiled once per process (the intake's
    hot path; the query has no parameter that changes)."""
    return coordinators_told_at_once(field).values("id", "email").query.sql_with_params()


def request_submitted(*, case: Case, token: str) -> int:
    """Queue the requester's receipt and tell the coordinators who chose "at once" of the new
    request, in ONE statement (INSERT ... SELECT: the intake is a hot path, no SELECT round
    trip). Both are rendered when sent (_receipt_context, _new_request_context), from the case
    as it is then: the intake sets the reference last, after these rows. Returns how many
    messages were queued."""
    receipts = []
    # The address had its receipts for today: the case is stored, the receipt page says the
    # confirmation was already sent, and nobody can make us mail one address all day.
    if abuse.receipt_allowed(email=case.requester_email):
        receipts.append(
            MessageSpec(
                # The case was inserted in this transaction, so its receipt's key is new.
                key=f"receipt:{case.pk}",
                kind="receipt",
                case_id=case.pk,
                recipient=case.requester_email,
                template="receipt",
                # Only the hash of the token is stored with the case, so the message keeps the
                # token until it is delivered; being sensitive, it loses the token and the
                # bodies then.
                context={"token": token},
                lazy=True,
                language=case.language,
                reason=reason_in(
                    case.language, gettext_noop("You submitted a collaboration request.")
                ),
                sensitive=True,
                threaded=True,
            )
        )
    return messages_queue_fanout(
        spec=MessageSpec(
            key="",
            kind="new_request",
            recipient="",
            template="new_request",
            context={},
            lazy=True,
            language="sv",
            case_id=case.pk,
            reason=reason_in(
                "sv", gettext_noop("You are a coordinator and a new request arrived.")
            ),
        ),
        recipients=_told_at_once_sql("notify_new_request"),
        key_prefix=f"new_request:{case.pk}:",
        also=receipts,
    )


def _new_request_context(message: OutboxMessage) -> dict:
    case = (
        Case.objects.select_related("municipality")
        .prefetch_related("areas", "forms")
        .get(pk=message.case_id or 0)
    )
    return {"case": case, "case_url": staff_case_url(case)}


register_context("new_request", _new_request_context)


def _receipt_context(message: OutboxMessage) -> dict:
    # The receipt repeats what was sent, so it loads the areas and forms too.
    case = (
        Case.objects.select_related("municipality")
        .prefetch_related("areas", "forms")
        .get(pk=message.case_id or 0)
    )
    return {"case": case, "tracking_url": tracking_url(message.context.get("token", ""))}


register_context("receipt", _receipt_context)


def tracking_links(
    *, recipient: str, links: list[tuple[Case, str]], language: str, key: str
) -> None:
    """Queue new tracking links for a requester who lost theirs: (case, token) per open case."""
    reason = reason_in(
        language, gettext_noop("Someone asked for the links to your requests on our website.")
    )
    message_queue(
        key=key,
        kind="tracking_links",
        recipient=recipient,
        template="tracking_links",
        context={
            "requests": [
                {"reference": case.reference, "title": case.title, "url": tracking_url(token)}
                for case, token in links
            ],
        },
        language=language,
        reason=reason,
        sensitive=True,  # the links speak for the requester: erased once delivered
    )


def _status(*, case: Case, event: CaseEvent) -> None:
    """Tell the requester that their case moved, with what they may see of the step."""
    if case.anonymised_at is not None:  # no address any more: nobody to tell
        return
    reason = reason_in(
        case.language, gettext_noop("The state of your collaboration request changed.")
    )
    message_queue(
        key=f"status:{event.pk}",
        kind="status",
        case_id=case.pk,
        recipient=case.requester_email,
        template="status",
        context={"case": case, "items": requester_view(event.transition, event.data)},
        language=case.language,
        reason=reason,
        threaded=True,
    )


def _assigned(*, case: Case, event: CaseEvent) -> None:
    """Give the new contact person the case, with signed links to accept or hand it back."""
    contact = case.contact
    assert contact is not None  # assign_contact always sets one
    language = contact.email_language
    reason = reason_in(language, gettext_noop("You were assigned as contact person for a case."))
    message_queue(
        key=f"assigned:{event.pk}:{contact.pk}",
        kind="assigned",
        case_id=case.pk,
        recipient=contact.email,
        template="assigned",
        context={
            "case": case,
            "contact": contact,
            "case_url": staff_case_url(case),
            "links": action_links(case=case, contact=contact),
            "link_days": settings.SIGNED_LINK_MAX_AGE_DAYS,
        },
        language=language,
        reason=reason,
        sensitive=True,  # the action links speak for the contact: erased once delivered
    )


def action_links(*, case: Case, contact: ContactPerson) -> dict[str, str]:
    """Signed links for the contact person: accept, decline (hand back), "we have met"."""
    return {
        purpose: settings.SITE_URL
        + reverse(
            "case-link",
            args=[purpose, case_link_token(case=case, contact=contact, purpose=purpose)],
        )
        for purpose in PURPOSES
    }


def _handed_back(*, case: Case, event: CaseEvent) -> None:
    """Tell the coordinators that a contact person gave a case back, with the reason."""
    coordinators = User.objects.filter(is_active=True, role=Role.COORDINATOR).exclude(email="")
    reason = reason_in(
        "sv", gettext_noop("You are a coordinator and a case returned to the inbox.")
    )
    for user in coordinators:
        message_queue(
            key=f"handed_back:{event.pk}:{user.pk}",
            kind="handed_back",
            case_id=case.pk,
            recipient=user.email,
            template="handed_back",
            context={"case": case, "event": event, "case_url": staff_case_url(case)},
            language="sv",
            reason=reason,
        )


def _withdrawn(*, case: Case, event: CaseEvent) -> None:
    """The requester withdrew: confirm it to them, and tell the coordinators and the assigned
    contact person (the tracking page promises that the university hears at once)."""
    reason = reason_in(case.language, gettext_noop("You withdrew your collaboration request."))
    message_queue(
        key=f"withdrawn:{event.pk}:requester",
        kind="withdrawn",
        case_id=case.pk,
        recipient=case.requester_email,
        template="withdrawn_requester",
        context={"case": case, "event": event},
        language=case.language,
        reason=reason,
        threaded=True,
    )
    context = {"case": case, "event": event, "case_url": staff_case_url(case)}
    told = set()
    # Each staff user chose how to hear of withdrawals (profile page); those who chose the
    # digest find it there, under yesterday's changes.
    for user in coordinators_told_at_once("notify_withdrawn"):
        told.add(user.email.lower())
        message_queue(
            key=f"withdrawn:{event.pk}:user:{user.pk}",
            kind="withdrawn",
            case_id=case.pk,
            recipient=user.email,
            template="withdrawn_staff",
            context=context,
            language="sv",
            reason=reason_in(
                "sv", gettext_noop("You are a coordinator and a requester withdrew a request.")
            ),
        )
    contact = case.contact
    if (
        contact is not None
        and contact.email.lower() not in told
        and contact_told_at_once(contact, "notify_withdrawn")
    ):
        language = contact.email_language
        message_queue(
            key=f"withdrawn:{event.pk}:contact:{contact.pk}",
            kind="withdrawn",
            case_id=case.pk,
            recipient=contact.email,
            template="withdrawn_staff",
            context=context,
            language=language,
            reason=reason_in(
                language, gettext_noop("You are the contact person of a withdrawn request.")
            ),
        )


# Emails a transition sends besides the requester's status update: transition -> sender.
EMAILS: dict[str, Callable[..., None]] = {
    "assign_contact": _assigned,
    "hand_back": _handed_back,
    "withdraw": _withdrawn,
}


def case_transitioned(*, case: Case, event: CaseEvent, spec: TransitionSpec, actor: Actor) -> None:
    """Queue the emails of a transition: the requester hears of public steps they did not take
    themselves; the transition's own emails come from EMAILS.

    A step the requester took (withdraw) sends no status email: the requester saw the result
    on the page, and the step's own sender confirms it with what was withdrawn and what now
    follows, which a bare "new status" would not say. One email, not two."""
    if spec.public and not actor.is_requester:
        _status(case=case, event=event)
    if spec.name in EMAILS:
        EMAILS[spec.name](case=case, event=event)
