"""The emails of the conversation, queued in the outbox inside the service's transaction."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_noop

from cases.models import Case
from cases.notify import (
    contact_told_at_once,
    coordinators_told_at_once,
    reason_in,
    staff_case_url,
)
from conversation.models import Message
from notifications.services import message_queue, message_queue_new


def lost_link_url() -> str:
    return settings.SITE_URL + reverse("lost-link")


def message_to_requester(*, case: Case, message: Message) -> None:
    """Email a staff message to the requester. The key names the message (`message:<id>`):
    the inbound side threads replies to it."""
    reason = reason_in(
        case.language, gettext_noop("We wrote to you about your collaboration request.")
    )
    message_queue(
        key=f"message:{message.pk}",
        kind="message",
        case_id=case.pk,
        recipient=case.requester_email,
        template="message",
        context={
            "case": case,
            "message": message,
            "author": (message.author.get_full_name() or message.author.email)
            if message.author
            else "",
            "files": [a.filename for a in message.attachments.all()],
            "lost_link_url": lost_link_url(),
        },
        language=case.language,
        reason=reason,
        # In the case's email thread: Reply-To the case's reply address (inbound).
        threaded=True,
    )


def reply_received(*, case: Case, message: Message, files: list[str] | None = None) -> int:
    """Tell the staff who look after the case of a requester's reply, at once, as each chose:
    the contact person when one is assigned, else the coordinators. Returns how many.

    Called in the transaction that inserted `message`, so its keys cannot exist yet: one
    INSERT per email, without a savepoint. `files`: the names of its files when the caller
    has them (saves a query per reply when many are imported)."""
    context = {
        "case": case,
        "message": message,
        "files": files if files is not None else [a.filename for a in message.attachments.all()],
        "case_url": staff_case_url(case),
    }
    recipients: list[tuple[str, str, str, str]] = []  # (key part, email, language, reason)
    contact = case.contact
    if contact is not None:
        if contact_told_at_once(contact, "notify_reply"):
            recipients.append(
                (
                    f"contact:{contact.pk}",
                    contact.email,
                    contact.email_language,
                    gettext_noop("You are the contact person of the case."),
                )
            )
    else:
        for user in coordinators_told_at_once("notify_reply"):
            recipients.append(
                (
                    f"user:{user.pk}",
                    user.email,
                    "sv",
                    gettext_noop("You are a coordinator and the case has no contact person."),
                )
            )
    for part, email, language, why in recipients:
        message_queue_new(
            key=f"reply:{message.pk}:{part}",
            kind="reply",
            case_id=case.pk,
            recipient=email,
            template="reply_staff",
            context=context,
            language=language,
            reason=reason_in(language, why),
        )
    return len(recipients)
