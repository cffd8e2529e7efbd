"""Which emails a case change sends. Called inside the service's transaction: each message is
an outbox row in the same commit, and its delivery task is enqueued only after commit."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext, override

from cases.models import Case, CaseEvent
from notifications.services import message_queue
from workflows.definition import TransitionSpec


def tracking_url(token: str) -> str:
    return settings.SITE_URL + reverse("track", args=[token])


def staff_case_url(case: Case) -> str:
    return settings.SITE_URL + reverse("staff-case", args=[case.reference])


def request_received(*, case: Case, token: str) -> None:
    with override(case.language):
        reason = gettext("You submitted a collaboration request.")
    message_queue(
        key=f"receipt:{case.pk}",
        kind="receipt",
        case_id=case.pk,
        recipient=case.requester_email,
        template="receipt",
        context={"case": case, "tracking_url": tracking_url(token)},
        language=case.language,
        reason=reason,
        sensitive=True,  # carries the tracking token: erased once delivered
    )


def case_transitioned(*, case: Case, event: CaseEvent, spec: TransitionSpec) -> None:
    if spec.public and event.actor_label != "requester":
        with override(case.language):
            reason = gettext("The state of your collaboration request changed.")
        message_queue(
            key=f"status:{event.pk}",
            kind="status",
            case_id=case.pk,
            recipient=case.requester_email,
            template="status",
            context={"case": case, "event": event},
            language=case.language,
            reason=reason,
        )
    if spec.name == "assign_contact":
        contact = case.contact
        language = "sv" if "sv" in contact.language_list else "en"
        with override(language):
            reason = gettext("You were assigned as contact person for a case.")
        message_queue(
            key=f"assigned:{event.pk}:{contact.pk}",
            kind="assigned",
            case_id=case.pk,
            recipient=contact.email,
            template="assigned",
            context={"case": case, "contact": contact, "case_url": staff_case_url(case)},
            language=language,
            reason=reason,
        )
