"""What inbound needs of the conversation app, in one place: add the requester's emailed reply
to a case. (conversation checks each file as the web forms do; a refused file is recorded on
the message with its reason, and the reply text is kept.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Case


@dataclass
class Added:
    message_pk: int
    # One {"name", "reason"} per file the case refused.
    refused: list[dict[str, str]]


def reply_add(
    *,
    case: Case,
    body: str,
    files: Sequence[SimpleUploadedFile],
    sender_email: str,
    flagged: bool,
    email_message_id: str,
    unauthenticated: bool = False,
) -> Added:
    """Record an email reply on the case; idempotent on `email_message_id`. `flagged`: from
    another address than the requester's; `unauthenticated`: SPF/DKIM/DMARC failed."""
    from conversation.models import Channel
    from conversation.services import requester_message_add

    message = requester_message_add(
        case=case,
        body=body,
        files=tuple(files),
        channel=Channel.EMAIL,
        sender_email=sender_email,
        flagged=flagged,
        flag_reasons=["unauthenticated"] if unauthenticated else [],
        email_message_id=email_message_id,
    )
    return Added(message_pk=message.pk, refused=list(message.refused_files or []))
