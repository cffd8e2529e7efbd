"""Conversation writes: messages to and from the requester, their files, and their erasure.

Rules:
- A message is recorded with its files, a public event on the case timeline and its emails
  (outbox rows) in one transaction. Files are written to storage before it (no storage I/O,
  which may be S3 over the network, inside a transaction) and removed again if it fails.
- Files are checked by content (conversation.attachments); from the web and the API a bad
  file refuses the message with a field error, so the sender can fix it and lose nothing; from
  email (nobody to show an error to) a bad file is left out and recorded on the message.
- A requester's message is activity: it resets the reminder clock and marks the case
  "New reply" (Case.new_reply_at) until staff who may act on the case open or answer it.
- Replies to an ended case (closed, declined, withdrawn): the tracking page and API refuse
  them (CaseEnded: the page offers no form then). An emailed reply is accepted, flagged "case
  ended" and marked new, as a helpdesk does: the requester may be answering our last email,
  and a coordinator decides whether to reopen. An anonymised case takes nothing (CaseAnonymised:
  the inbound side puts such mail in the unmatched queue).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.text import strip_invisible
from cases import policy
from cases.actors import Actor
from cases.errors import ActionForbidden, CaseValidationError
from cases.models import Case, CaseEvent, EventKind
from cases.services import case_submit
from cases.services.reminders import reminder_reset
from conversation import notify
from conversation.attachments import (
    attachment_validate,
    attachments_validate,
    max_message_bytes,
)
from conversation.errors import CaseAnonymised, CaseEnded
from conversation.models import (
    Attachment,
    Channel,
    Direction,
    Message,
    ReplyTemplate,
    attachment_upload_to,
)
from workflows.models import OPEN_STATES

logger = logging.getLogger(__name__)

BODY_MAX_LENGTH = 20_000


@dataclass
class _Stored:
    name: str  # the storage name
    filename: str
    content_type: str
    size: int
    sha256: str


def _original_name(upload: File) -> str:
    name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:255] or "file"


def _store(uploads: Sequence[tuple[File, str]]) -> list[_Stored]:
    """Write checked files to storage (before the transaction); their rows come after."""
    stored: list[_Stored] = []
    try:
        for upload, content_type in uploads:
            digest = hashlib.sha256()
            upload.seek(0)
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            filename = _original_name(upload)
            name = default_storage.save(attachment_upload_to(None, filename), upload)  # type: ignore[arg-type]
            stored.append(
                _Stored(name, filename, content_type, upload.size or 0, digest.hexdigest())
            )
    except Exception:
        _unstore(stored)
        raise
    return stored


def _unstore(stored: Iterable[_Stored]) -> None:
    for item in stored:
        try:
            default_storage.delete(item.name)
        except Exception:  # a leftover file is harmless; the failure that brought us here is not
            logger.exception("Could not remove %s after a failed message", item.name)


def _attachments_create(*, message: Message, stored: Sequence[_Stored]) -> None:
    if stored:
        Attachment.objects.bulk_create(
            [
                Attachment(
                    message=message,
                    file=item.name,
                    filename=item.filename,
                    content_type=item.content_type,
                    size=item.size,
                    sha256=item.sha256,
                )
                for item in stored
            ]
        )


def is_anonymised(case: Case) -> bool:
    """Whether retention removed the case's personal data (the privacy app's marker)."""
    return getattr(case, "anonymised_at", None) is not None


def _body_clean(body: str, *, channel: str) -> str:
    # Every channel, email included: no bidi overrides or zero-width characters (api.text).
    body = strip_invisible(body or "").replace("\r\n", "\n").strip()
    if len(body) > BODY_MAX_LENGTH:
        if channel == Channel.EMAIL:
            # Nobody to show an error to: keep the start, say that it was cut.
            return body[:BODY_MAX_LENGTH] + "\n\n[…]"
        raise CaseValidationError(
            fields={"body": [_("The message is too long (at most 20,000 characters).")]}
        )
    return body


def _files_check(files: Sequence[File], *, channel: str) -> tuple[list[tuple[File, str]], list]:
    """(accepted files with their types, refused files as {name, reason})."""
    if channel != Channel.EMAIL:
        try:
            types = attachments_validate(files)
        except ValidationError as exc:
            raise CaseValidationError(fields={"files": list(exc.messages)}) from exc
        return list(zip(files, types, strict=True)), []
    accepted: list[tuple[File, str]] = []
    refused: list[dict[str, str]] = []
    total, limit = 0, max_message_bytes()
    for upload in files:
        try:
            content_type = attachment_validate(upload)
            if total + (upload.size or 0) > limit:
                raise ValidationError(_("The files are too large together."))
        except ValidationError as exc:
            refused.append({"name": _original_name(upload), "reason": " ".join(exc.messages)})
            continue
        total += upload.size or 0
        accepted.append((upload, content_type))
    return accepted, refused


def requester_message_add(
    *,
    case: Case,
    body: str,
    files: Sequence[File] = (),
    channel: str,
    sender_email: str = "",
    flagged: bool = False,
    flag_reasons: Sequence[str] = (),
    email_message_id: str = "",
    notify_staff: bool = True,
) -> Message:
    """Add a message from the requester (tracking page, API, or an emailed reply).

    Idempotent on `email_message_id`: importing the same email again returns its message.
    `flagged`: sent from another address than the requester's (the caller checks the sender).
    `flag_reasons`: other reasons to flag it, e.g. "unauthenticated" (the sender's domain did
    not vouch for an emailed reply: SPF/DKIM/DMARC failed).
    `notify_staff=False` for what must not be answered or notified (auto-replies, bounces).

    1. An email already imported returns its message; an anonymised case refuses.
    2. Check the text and the files; a web or API message to an ended case is refused, an
       emailed one is accepted and flagged.
    3. Store the files, then in one transaction: the message and its attachments, a public
       event, the activity (reminder clock, "New reply"), and the staff's emails.
    """
    email_message_id = (email_message_id or "").strip()[:998]
    if email_message_id:
        existing = Message.objects.filter(email_message_id=email_message_id).first()
        if existing is not None:
            return existing
    if is_anonymised(case):
        raise CaseAnonymised()
    extra_reasons = [r for r in flag_reasons if r]
    flag_reasons = ["sender"] if flagged else []
    flag_reasons += extra_reasons
    flagged = bool(flag_reasons)
    if case.state not in OPEN_STATES:
        if channel != Channel.EMAIL:
            raise CaseEnded()
        flagged = True
        flag_reasons.append("case_ended")
    files = list(files)
    body = _body_clean(body, channel=channel)
    accepted, refused = _files_check(files, channel=channel)
    if not body and not accepted and channel != Channel.EMAIL:
        raise CaseValidationError(fields={"body": [_("Write a message or attach a file.")]})
    stored = _store(accepted)
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():  # a savepoint: a concurrent import of the same
                    message = Message.objects.create(  # email loses cleanly
                        case=case,
                        direction=Direction.FROM_REQUESTER,
                        body=body,
                        channel=channel,
                        sender_email=(sender_email or "").strip()[:254],
                        flagged=flagged,
                        flag_reasons=flag_reasons,
                        refused_files=refused,
                        email_message_id=email_message_id,
                    )
            except IntegrityError:
                if not email_message_id:
                    raise
                _unstore(stored)
                return Message.objects.get(email_message_id=email_message_id)
            _attachments_create(message=message, stored=stored)
            CaseEvent.objects.create(
                case=case,
                kind=EventKind.MESSAGE,
                public=True,
                data={
                    "message_id": message.pk,
                    "direction": message.direction,
                    "channel": channel,
                    "files": len(stored),
                    "flagged": flagged,
                },
                **Actor.requester().event_fields(),
            )
            now = timezone.now()
            # A reply is activity: the reminder clock starts again, and the inbox shows it.
            Case.objects.filter(pk=case.pk).update(last_activity_at=now, new_reply_at=now)
            case.last_activity_at, case.new_reply_at = now, now
            reminder_reset(case=case, now=now)
            if notify_staff:
                notify.reply_received(
                    case=case, message=message, files=[item.filename for item in stored]
                )
    except BaseException:
        _unstore(stored)
        raise
    return message


def case_submit_with_files(*, files: Sequence[File], **values) -> tuple[Case, str]:
    """Submit a request (cases.services.case_submit) with files from the request form or API.

    The files are checked first (a bad one refuses the request with a field error, before
    anything is written), stored, then recorded in the intake's transaction as the requester's
    first message (no text: the request is the text). A failed intake removes them again.
    """
    files = list(files)
    if not files:
        return case_submit(**values)
    accepted, _refused = _files_check(files, channel=Channel.WEB)
    stored = _store(accepted)

    def attach(case: Case) -> None:
        message = Message.objects.create(
            case=case, direction=Direction.FROM_REQUESTER, body="", channel=Channel.WEB
        )
        _attachments_create(message=message, stored=stored)

    try:
        return case_submit(**values, attach=attach)
    except BaseException:
        _unstore(stored)
        raise


def staff_message_send(
    *, case: Case, user, body: str, files: Sequence[File] = (), channel: str = Channel.WEB
) -> Message:
    """Write to the requester from the case: recorded, on the timeline, emailed (outbox).

    Only staff who may act on the case (cases.policy.can_act_on_case). Answering clears the
    case's "New reply" marker; from the assigned contact person it also answers reminders.
    """
    if not policy.can_act_on_case(user, case):
        raise ActionForbidden()
    if is_anonymised(case):
        raise CaseAnonymised()
    body = _body_clean(body, channel=channel)
    files = list(files)
    errors: dict[str, list[str]] = {}
    if not body:
        errors["body"] = [_("Write a message to the requester.")]
    try:
        accepted, _refused = _files_check(files, channel=channel)
    except CaseValidationError as exc:
        errors.update(exc.fields)
    if errors:
        raise CaseValidationError(fields=errors)
    stored = _store(accepted)
    try:
        with transaction.atomic():
            message = Message.objects.create(
                case=case,
                direction=Direction.TO_REQUESTER,
                author=user,
                body=body,
                channel=channel,
            )
            _attachments_create(message=message, stored=stored)
            actor = Actor.staff(user)
            CaseEvent.objects.create(
                case=case,
                kind=EventKind.MESSAGE,
                public=True,
                data={
                    "message_id": message.pk,
                    "direction": message.direction,
                    "channel": channel,
                    "files": len(stored),
                },
                **actor.event_fields(),
            )
            now = timezone.now()
            updates: dict = {"new_reply_at": None}
            if policy.is_assigned_contact(user, case):
                # Like a note from the contact person: it answers a reminder.
                updates["last_activity_at"] = now
                case.last_activity_at = now
            Case.objects.filter(pk=case.pk).update(**updates)
            case.new_reply_at = None
            if "last_activity_at" in updates:
                reminder_reset(case=case, now=now)
            notify.message_to_requester(case=case, message=message)
    except BaseException:
        _unstore(stored)
        raise
    return message


def case_reply_seen(*, case: Case, user) -> bool:
    """Staff who may act on the case opened it: its "New reply" marker goes. True if it did."""
    if case.new_reply_at is None or not policy.can_act_on_case(user, case):
        return False
    Case.objects.filter(pk=case.pk, new_reply_at__isnull=False).update(new_reply_at=None)
    case.new_reply_at = None
    return True


def case_conversation_erase(case_ids: Iterable[int]) -> int:
    """Retention: delete the cases' attachment files and blank their messages' personal data
    (body, sender address, refused file names). Returns how many messages it changed; a
    second run changes nothing and returns 0. Storage deletions happen after the commit (a
    rollback must not leave rows pointing at deleted files)."""
    ids = list(case_ids)
    if not ids:
        return 0
    attachments = Attachment.objects.filter(message__case_id__in=ids)
    names = [name for name in attachments.values_list("file", flat=True) if name]
    attachments.delete()
    changed = Message.objects.filter(case_id__in=ids, erased_at__isnull=True).update(
        body="",
        sender_email="",
        refused_files=[],
        erased_at=timezone.now(),
    )

    def delete_files() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except Exception:
                logger.exception("Could not delete attachment file %s", name)

    transaction.on_commit(delete_files)
    return changed


def requester_conversation_export(email: str) -> dict:
    """Everything the conversation holds about one requester address (privacy export)."""
    messages = (
        Message.objects.filter(case__requester_email__iexact=email.strip())
        .select_related("case")
        .prefetch_related("attachments")
        .order_by("case_id", "created_at", "id")
    )
    return {
        "messages": [
            {
                "case": message.case.reference,
                "direction": message.direction,
                "channel": message.channel,
                "created_at": message.created_at.isoformat(),
                "body": message.body,
                "sender_email": message.sender_email,
                "files": [a.filename for a in message.attachments.all()],
            }
            for message in messages
        ]
    }


def requester_attachments(email: str) -> Iterable[tuple[str, bytes]]:
    """The files of one requester's cases, for the privacy export's zip."""
    attachments = Attachment.objects.filter(
        message__case__requester_email__iexact=email.strip()
    ).order_by("id")
    for attachment in attachments:
        with default_storage.open(attachment.file.name or "") as handle:
            yield attachment.filename, handle.read()


def reply_template_save(
    *, user, template: ReplyTemplate | None = None, name: str, body: str, active: bool = True
) -> ReplyTemplate:
    """Create (template=None) or change a reply template. Coordinators only; a name is
    unique, and a template no longer wanted is made inactive rather than deleted."""
    if not user.is_coordinator:
        raise ActionForbidden()
    template = template or ReplyTemplate()
    template.name, template.body, template.active = name.strip(), body.strip(), active
    errors: dict[str, list[str]] = {}
    if not template.name:
        errors["name"] = [_("Give the template a name.")]
    if not template.body:
        errors["body"] = [_("Write the template's text.")]
    if errors:
        raise CaseValidationError(fields=errors)
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        raise CaseValidationError(
            fields={"name": [_("There is already a template with this name.")]}
        ) from None
    return template
