"""Taking in replies by email: fetch, decide, import, move; and the unmatched queue.

Never lost, never twice, never a loop:
- every fetched message becomes an InboundMail row (one per mailbox, UIDVALIDITY and UID)
  before anything is imported, and is moved out of the mailbox only after its outcome is
  committed; what is still in the mailbox is simply taken again on the next tick;
- the import itself is idempotent on the Message-ID (conversation's requester_message_add),
  so a fetch killed between the import and the move imports nothing twice;
- automatic replies and bounces are recorded and nothing else: no import, no email;
- nothing in here ever emails the sender.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases.errors import CaseError, CaseValidationError
from cases.models import Case
from inbound import port
from inbound.addresses import address_refusal, case_anonymised
from inbound.mailbox import Mailbox, MailboxConfig, MailboxError
from inbound.models import InboundMail, Outcome, Reason, ReplyAddress
from inbound.parsing import AUTO_REPLY, BOUNCE, REPLY, MailFile, ParsedMail, mail_parse

logger = logging.getLogger(__name__)


# What the row keeps of a reply's text (the conversation keeps at most 20,000 characters).
BODY_MAX = 100_000


class InboundError(CaseValidationError):
    """A staff action on the unmatched queue that cannot be done (shown as a message)."""


@dataclass
class FetchReport:
    counts: Counter[str] = field(default_factory=Counter)
    error: str = ""

    def line(self) -> str:
        parts = [f"{name}: {n}" for name, n in sorted(self.counts.items())]
        return ", ".join(parts) or "nothing new"


@dataclass
class _Decision:
    outcome: str
    reason: str = ""
    note: str = ""
    case: Case | None = None


def _match(parsed: ParsedMail) -> _Decision:
    """Which case a reply belongs to: its reply address's token, else its thread id."""
    address = None
    if parsed.tokens:
        address = (
            ReplyAddress.objects.select_related("case").filter(token__in=parsed.tokens).first()
        )
    if address is None and parsed.threads:
        address = (
            ReplyAddress.objects.select_related("case").filter(thread__in=parsed.threads).first()
        )
    if address is None:
        if parsed.tokens:
            return _Decision(Outcome.UNMATCHED, Reason.UNKNOWN, f"token {parsed.tokens[0]}")
        return _Decision(Outcome.UNMATCHED, Reason.NO_ADDRESS)
    refusal = address_refusal(address)
    if refusal:
        return _Decision(Outcome.UNMATCHED, refusal, case=None)
    return _Decision(Outcome.PENDING, case=address.case)


def _decide(parsed: ParsedMail) -> _Decision:
    if parsed.kind == BOUNCE:
        return _Decision(Outcome.BOUNCE)
    if parsed.kind == AUTO_REPLY:
        return _Decision(Outcome.AUTO_REPLY)
    earlier = InboundMail.objects.filter(message_id=parsed.message_id).first()
    if earlier is not None:
        note = f"same Message-ID as incoming email {earlier.pk}"
        return _Decision(Outcome.DUPLICATE, note=note, case=earlier.case)
    return _match(parsed)


def _import(mail: InboundMail, case: Case, files: Sequence[MailFile]) -> None:
    """Add the reply to `case` and record it on `mail` (outcome, message, refused files).

    A refused attachment (too large, a type not allowed) does not stop the text: the message
    records the file and the reason for staff to see, and the sender is not answered (an
    answer to an automatic sender could loop)."""
    flagged = mail.sender.lower() != case.requester_email.strip().lower()
    added = port.reply_add(
        case=case,
        body=mail.body,
        files=[SimpleUploadedFile(f.name, f.data, f.content_type) for f in files],
        sender_email=mail.sender,
        flagged=flagged,
        email_message_id=mail.message_id,
    )
    mail.message_pk, mail.case, mail.flagged = added.message_pk, case, flagged
    refused = [f"refused file {r.get('name', '')}: {r.get('reason', '')}" for r in added.refused]
    if refused:
        mail.note = "\n".join(filter(None, [mail.note, *refused]))[:5000]


def _raw_save(raw: bytes) -> str:
    return default_storage.save(
        f"inbound/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.eml", ContentFile(raw)
    )


def _raw_files(mail: InboundMail) -> list[MailFile]:
    with default_storage.open(mail.raw.name or "", "rb") as f:
        return mail_parse(f.read()).files


def mail_take(*, raw: bytes, mailbox: str, uidvalidity: int, uid: int) -> str:
    """Decide and record one fetched message, and import it if it is a reply to a case.

    1. Parse; store the raw message (outside any transaction: a file left by a failed insert
       is only an orphan).
    2. Insert the row with the decision. The unique (mailbox, UIDVALIDITY, UID) makes a second
       fetch of the same message (two workers at once) stop here.
    3. A reply to a case: import it (own transaction, idempotent on the Message-ID), then mark
       the row imported. The case refusing the reply (a domain error) sends it to the
       unmatched queue with the reason; a database error leaves the row pending for the next
       fetch to finish.
    Returns the outcome ("skipped" when another fetch took the message).
    """
    try:
        parsed = mail_parse(raw)
        decision = _decide(parsed)
    except DatabaseError:
        raise
    except Exception as exc:  # noqa: BLE001 - a message we cannot read must not block the rest
        logger.warning("Inbound mail UID %s could not be read", uid, exc_info=True)
        parsed = ParsedMail(
            message_id=f"<sha256-{hashlib.sha256(raw).hexdigest()}@inbound.invalid>",
            sender="",
            recipient="",
            subject="",
            sent_at=None,
            kind=REPLY,
            tokens=[],
            threads=[],
        )
        note = f"could not be read: {type(exc).__name__}: {exc}"[:2000]
        decision = _Decision(Outcome.UNMATCHED, Reason.UNREADABLE, note)
    raw_name = _raw_save(raw)
    mail = InboundMail(
        mailbox=mailbox,
        uidvalidity=uidvalidity,
        uid=uid,
        message_id=parsed.message_id,
        sender=parsed.sender[:320],
        recipient=parsed.recipient,
        subject=parsed.subject,
        sent_at=parsed.sent_at,
        outcome=decision.outcome,
        reason=decision.reason,
        note="\n".join(
            filter(None, [decision.note, *(f"unreadable part: {n}" for n in parsed.unreadable)])
        ),
        body=parsed.body[:BODY_MAX],
        raw=raw_name,
        size=len(raw),
        case=decision.case,
    )
    try:
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():  # a savepoint: a duplicate key loses cleanly
                mail.save(force_insert=True)
        else:
            mail.save(force_insert=True)  # autocommit: one round trip
    except IntegrityError:
        default_storage.delete(raw_name)
        return "skipped"
    if decision.outcome == Outcome.PENDING:
        assert decision.case is not None
        return _import_pending(mail, decision.case, parsed.files)
    return mail.outcome


def _import_pending(mail: InboundMail, case: Case, files: Sequence[MailFile]) -> str:
    try:
        _import(mail, case, files)
        mail.outcome = Outcome.IMPORTED
    except DatabaseError:
        raise  # the row stays pending: the next fetch finishes it
    except Exception as exc:  # noqa: BLE001 - never lost: the queue shows it with the error
        logger.warning("Inbound mail %s was not imported: %s", mail.pk, exc, exc_info=True)
        mail.outcome, mail.reason, mail.case = Outcome.UNMATCHED, Reason.REFUSED, None
        mail.note = "\n".join(filter(None, [mail.note, f"{type(exc).__name__}: {exc}"]))[:5000]
    mail.save(update_fields=["outcome", "reason", "note", "case", "message_pk", "flagged"])
    return mail.outcome


def _resume(mail: InboundMail) -> str:
    """A message recorded by a fetch that stopped before moving it: finish, do not redo."""
    if mail.outcome == Outcome.PENDING:
        if mail.case is not None:
            return _import_pending(mail, mail.case, _raw_files(mail))
        # Its case was deleted meanwhile: the queue shows it rather than a pending row forever.
        mail.outcome, mail.reason = Outcome.UNMATCHED, Reason.REFUSED
        mail.save(update_fields=["outcome", "reason"])
    return "resumed"


# Messages are fetched and moved in chunks (one IMAP command each way, not one per message),
# of at most this many messages and, past the first, this many bytes (attachments are large).
FETCH_CHUNK = 50
FETCH_CHUNK_BYTES = 25 * 1024 * 1024


def _chunks(uids: list[int], sizes: dict[int, int]) -> Iterator[list[int]]:
    chunk: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if chunk and (len(chunk) >= FETCH_CHUNK or total + size > FETCH_CHUNK_BYTES):
            yield chunk
            chunk, total = [], 0
        chunk.append(uid)
        total += size
    if chunk:
        yield chunk


def mail_fetch(*, url: str = "", limit: int | None = None) -> FetchReport:
    """One pass over the mailbox: take every message in it, then move it to the processed
    folder. An IMAP error ends the pass (logged, in the report): what was not moved is taken
    again on the next pass, and what was recorded is not imported twice.

    Per chunk of messages: which are recorded already (a pass that stopped before moving
    them: finished, not redone), fetch the others, take each (mail_take), move the chunk.
    """
    report = FetchReport()
    url = url or settings.INBOUND_IMAP_URL
    if not url:
        report.error = "INBOUND_IMAP_URL is not set: inbound mail is off"
        return report
    try:
        config = MailboxConfig.from_url(url)
        with Mailbox(config) as box:
            uids = box.uids()[: limit or settings.INBOUND_BATCH_SIZE]
            for chunk in _chunks(uids, box.sizes(uids)):
                known = {
                    mail.uid: mail
                    for mail in InboundMail.objects.filter(
                        mailbox=config.label, uidvalidity=box.uidvalidity, uid__in=chunk
                    ).select_related("case")
                }
                fetched = box.fetch([uid for uid in chunk if uid not in known])
                done = []
                for uid in chunk:
                    if uid in known:
                        outcome = _resume(known[uid])
                    elif uid in fetched:
                        outcome = mail_take(
                            raw=fetched.pop(uid),
                            mailbox=config.label,
                            uidvalidity=box.uidvalidity,
                            uid=uid,
                        )
                    else:
                        continue  # gone meanwhile
                    if outcome != "skipped":
                        done.append(uid)
                    report.counts[outcome] += 1
                box.move(done)
    except MailboxError as exc:
        report.error = str(exc)
        logger.warning(
            "Inbound mail: the IMAP server failed (%s); nothing lost, trying again on the "
            "next fetch. Done before the error: %s",
            exc,
            report.line(),
        )
    return report


# --- The unmatched queue ------------------------------------------------------------------


def _unmatched_locked(mail_id: int) -> InboundMail:
    mail = InboundMail.objects.select_for_update().filter(pk=mail_id).first()
    if mail is None or mail.outcome != Outcome.UNMATCHED:
        raise InboundError(message=_("This email was already handled."))
    return mail


def _require_coordinator(user: User) -> None:
    if not (user.is_authenticated and user.is_coordinator):
        raise PermissionDenied


def unmatched_attach(*, mail_id: int, reference: str, user: User) -> InboundMail:
    """A coordinator attaches an unmatched reply to the case `reference`: imported as the
    requester's reply (flagged when the sender is not the requester), recorded on the row."""
    _require_coordinator(user)
    case = Case.objects.filter(reference__iexact=(reference or "").strip()).first()
    if case is None:
        raise InboundError(fields={"reference": [str(_("No case has this reference."))]})
    if case_anonymised(case):
        raise InboundError(fields={"reference": [str(_("This case has been anonymised."))]})
    with transaction.atomic():
        mail = _unmatched_locked(mail_id)
        files = _raw_files(mail)
        try:
            _import(mail, case, files)
        except ValidationError as exc:
            raise InboundError(fields={"reference": [str(m) for m in exc.messages]}) from exc
        except CaseError as exc:  # e.g. the case was anonymised meanwhile
            raise InboundError(fields={"reference": [str(exc.message)]}) from exc
        mail.outcome, mail.handled_by, mail.handled_at = Outcome.ATTACHED, user, timezone.now()
        mail.save()
    return mail


def unmatched_discard(*, mail_id: int, user: User) -> InboundMail:
    """A coordinator discards an unmatched email: kept as a record, out of the queue."""
    _require_coordinator(user)
    with transaction.atomic():
        mail = _unmatched_locked(mail_id)
        mail.outcome, mail.handled_by, mail.handled_at = Outcome.DISCARDED, user, timezone.now()
        mail.save(update_fields=["outcome", "handled_by", "handled_at"])
    return mail
