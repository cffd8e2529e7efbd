"""What inbound needs of the conversation app, in one place: add the requester's reply to a
case, and check a file as the web forms do."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Case


def reply_add(
    *,
    case: Case,
    body: str,
    files: Sequence[SimpleUploadedFile],
    sender_email: str,
    flagged: bool,
    email_message_id: str,
) -> int:
    """Record an email reply on the case (idempotent on `email_message_id`); its id."""
    from conversation.services import requester_message_add

    message = requester_message_add(
        case=case,
        body=body,
        files=tuple(files),
        channel="email",
        sender_email=sender_email,
        flagged=flagged,
        email_message_id=email_message_id,
    )
    return message.pk


def file_check(upload: SimpleUploadedFile) -> None:
    """Raises django.core.exceptions.ValidationError for a file the case would refuse."""
    from conversation.attachments import attachment_validate

    attachment_validate(upload)
