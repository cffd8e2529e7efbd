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
from inbound import port, selectors
from inbound.addresses import address_refusal, case_anonymised
from inbound.mailbox import Mailbox, MailboxConfig, MailboxError
from inbound.models import FetchStatus, InboundMail, Outcome, Reason, ReplyAddress, Verdict
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


def _addresses(field_name: str, values: set[str]) -> dict[str, ReplyAddress]:
    """The reply addresses whose token (or thread) is one of `values`, in one query."""
    if not values:
        return {}
    # The case with what the import and the staff email read of it (contact, municipality).
    rows = ReplyAddress.objects.select_related(
        "case", "case__contact", "case__municipality"
    ).filter(**{f"{field_name}__in": values})
    return {getattr(address, field_name): address for address in rows}


def _first(found: dict[str, ReplyAddress], keys: list[str]) -> ReplyAddress | None:
    # As `.filter(token__in=keys).first()` would: the oldest address among the matches.
    matches = [found[k] for k in keys if k in found]
    return min(matches, key=lambda a: a.pk) if matches else None


def _decide_all(parsed: list[ParsedMail]) -> list[_Decision]:
    """What becomes of each message of a chunk, in three queries for the chunk:

    bounces and automatic replies are recorded only; a Message-ID recorded before (or earlier
    in the chunk) is a duplicate; a reply finds its case by its reply address's token, else
    by its thread id; no case, or a case that takes no more replies: unmatched.
    """
    replies = [p for p in parsed if p.kind == REPLY]
    ids = {p.message_id for p in replies}
    earlier: dict[str, InboundMail] = {}
    if ids:
        for mail in (
            InboundMail.objects.filter(message_id__in=ids).select_related("case").order_by("pk")
        ):
            earlier.setdefault(mail.message_id, mail)
    tokens = _addresses("token", {t for p in replies for t in p.tokens})
    threads = _addresses("thread", {t for p in replies for t in p.threads})
    decisions: list[_Decision] = []
    seen: dict[str, int] = {}
    for n, p in enumerate(parsed):
        if p.kind == BOUNCE:
            decisions.append(_Decision(Outcome.BOUNCE))
            continue
        if p.kind == AUTO_REPLY:
            decisions.append(_Decision(Outcome.AUTO_REPLY))
            continue
        if p.message_id in earlier:
            first = earlier[p.message_id]
            note = f"same Message-ID as incoming email {first.pk}"
            decisions.append(_Decision(Outcome.DUPLICATE, note=note, case=first.case))
            continue
        if p.message_id in seen:  # twice in one chunk: the first is the one taken in
            first_case = decisions[seen[p.message_id]].case
            note = "same Message-ID as an email fetched just before"
            decisions.append(_Decision(Outcome.DUPLICATE, note=note, case=first_case))
            continue
        seen[p.message_id] = n
        address = _first(tokens, p.tokens) or _first(threads, p.threads)
        if address is None:
            if p.tokens:
                decisions.append(
                    _Decision(Outcome.UNMATCHED, Reason.UNKNOWN, f"token {p.tokens[0]}")
                )
            else:
                decisions.append(_Decision(Outcome.UNMATCHED, Reason.NO_ADDRESS))
            continue
        refusal = address_refusal(address)
        if refusal:
            decisions.append(_Decision(Outcome.UNMATCHED, refusal))
        else:
            decisions.append(_Decision(Outcome.PENDING, case=address.case))
    return decisions


def _import(mail: InboundMail, case: Case, files: Sequence[MailFile]) -> None:
    """Add the reply to `case` and record it on `mail` (outcome, message, refused files).

    A refused attachment (too large, a type not allowed) does not stop the text: the message
    records the file and the reason for staff to see, and the sender is not answered (an
    answer to an automatic sender could loop). A reply that failed sender verification
    (SPF/DKIM/DMARC) is taken in and flagged, like one from another address."""
    other_sender = mail.sender.lower() != case.requester_email.strip().lower()
    unauthenticated = mail.authentication == Verdict.FAIL
    added = port.reply_add(
        case=case,
        body=mail.body,
        files=[SimpleUploadedFile(f.name, f.data, f.content_type) for f in files],
        sender_email=mail.sender,
        flagged=other_sender,
        unauthenticated=unauthenticated,
        email_message_id=mail.message_id,
    )
    mail.message_pk, mail.case = added.message_pk, case
    mail.flagged = other_sender or unauthenticated
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


def _parse(raw: bytes, uid: int) -> tuple[ParsedMail, _Decision | None]:
    """The parsed message; a message that cannot be read gets its decision here (unmatched,
    with the error) and a Message-ID made from its content."""
    try:
        return mail_parse(raw), None
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
        return parsed, _Decision(Outcome.UNMATCHED, Reason.UNREADABLE, note)


def _row(
    parsed: ParsedMail, decision: _Decision, raw: bytes, raw_name: str, **where: object
) -> InboundMail:
    return InboundMail(
        **where,
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
        authentication=parsed.authentication.verdict,
        authentication_details=parsed.authentication.details[:1000],
        # Failed sender verification: flagged wherever it ends up (case or unmatched queue).
        flagged=parsed.authentication.verdict == Verdict.FAIL,
    )


def _rows_insert(rows: list[InboundMail]) -> list[InboundMail]:
    """Insert the rows, committed (the record comes before any import); returns those
    inserted. One statement for the chunk; should another fetch have taken some of the UIDs
    meanwhile (the unique mailbox + UIDVALIDITY + UID), one by one, leaving those out."""
    in_atomic = transaction.get_connection().in_atomic_block
    try:
        with transaction.atomic(savepoint=in_atomic):
            InboundMail.objects.bulk_create(rows)
        return rows
    except IntegrityError:
        for row in rows:
            row.pk = None
    inserted = []
    for row in rows:
        try:
            with transaction.atomic():
                row.save(force_insert=True)
            inserted.append(row)
        except IntegrityError:
            row.pk = None
            default_storage.delete(row.raw.name or "")
    return inserted


IMPORT_FIELDS = ["outcome", "reason", "note", "case", "message_pk", "flagged"]


def _imports_run(work: Sequence[tuple[InboundMail, Case, Sequence[MailFile]]]) -> None:
    """Import the replies of a chunk in one transaction, and record each outcome in it.

    Each import is all-or-nothing in its own savepoint (conversation's service). One that the
    case refuses (a domain error) goes to the unmatched queue with the reason. A database
    error rolls back the chunk's imports: their rows stay pending and the next fetch finishes
    them (as one killed here would be finished), importing nothing twice.
    """
    if not work:
        return
    with transaction.atomic():
        for mail, case, files in work:
            try:
                _import(mail, case, files)
                mail.outcome = Outcome.IMPORTED
            except DatabaseError:
                raise
            except Exception as exc:  # noqa: BLE001 - never lost: the queue shows it
                logger.warning("Inbound mail %s was not imported: %s", mail.pk, exc, exc_info=True)
                mail.outcome, mail.reason, mail.case = Outcome.UNMATCHED, Reason.REFUSED, None
                mail.note = "\n".join(filter(None, [mail.note, f"{type(exc).__name__}: {exc}"]))[
                    :5000
                ]
        InboundMail.objects.bulk_update([mail for mail, _, _ in work], IMPORT_FIELDS)


def mails_take(*, raws: list[tuple[int, bytes]], mailbox: str, uidvalidity: int) -> dict[int, str]:
    """Decide, record and import a chunk of fetched messages ((UID, raw) pairs).

    1. Parse each; decide all of them in three queries (_decide_all); store the raw emails
       (outside any transaction: a file left by a failed insert is only an orphan).
    2. Insert the rows with their decisions in one statement, committed. The unique (mailbox,
       UIDVALIDITY, UID) makes a message another fetch took meanwhile "skipped".
    3. Import the replies to cases in one transaction (_imports_run), idempotent on the
       Message-ID; a kill or a database error before its commit leaves their rows pending
       for the next fetch to finish.
    Returns each UID's outcome.
    """
    parsed_all = [_parse(raw, uid) for uid, raw in raws]
    decided = iter(_decide_all([p for p, d in parsed_all if d is None]))
    decisions = [d if d is not None else next(decided) for _, d in parsed_all]
    rows = [
        _row(
            parsed, decision, raw, _raw_save(raw), mailbox=mailbox, uidvalidity=uidvalidity, uid=uid
        )
        for (uid, raw), (parsed, _), decision in zip(raws, parsed_all, decisions, strict=True)
    ]
    inserted = {row.uid for row in _rows_insert(rows)}
    work = [
        (row, decision.case, parsed.files)
        for row, (parsed, _), decision in zip(rows, parsed_all, decisions, strict=True)
        if row.uid in inserted and decision.outcome == Outcome.PENDING and decision.case
    ]
    _imports_run(work)
    return {row.uid: row.outcome if row.uid in inserted else "skipped" for row in rows}


def mail_take(*, raw: bytes, mailbox: str, uidvalidity: int, uid: int) -> str:
    """Decide, record and import one fetched message (mails_take for one); its outcome, or
    "skipped" when another fetch took it."""
    return mails_take(raws=[(uid, raw)], mailbox=mailbox, uidvalidity=uidvalidity)[uid]


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
    mail.save(update_fields=IMPORT_FIELDS)
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
    label = selectors.INVALID_URL_LABEL
    try:
        config = MailboxConfig.from_url(url)
        label = config.label
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
                outcomes = {uid: _resume(mail) for uid, mail in known.items()}
                outcomes.update(
                    mails_take(
                        raws=[(uid, fetched[uid]) for uid in chunk if uid in fetched],
                        mailbox=config.label,
                        uidvalidity=box.uidvalidity,
                    )
                    if fetched
                    else {}
                )
                done = []
                for uid in chunk:  # gone meanwhile: not in outcomes
                    if uid in outcomes:
                        if outcomes[uid] != "skipped":
                            done.append(uid)
                        report.counts[outcomes[uid]] += 1
                box.move(done)
    except MailboxError as exc:
        report.error = str(exc)
        logger.warning(
            "Inbound mail: the IMAP server failed (%s); nothing lost, trying again on the "
            "next fetch. Done before the error: %s",
            exc,
            report.line(),
        )
    _status_record(label, report.error)
    return report


def _status_record(mailbox: str, error: str) -> None:
    """For /healthz: when the mailbox was last read without an error, and the last error."""
    now = timezone.now()
    fields: dict[str, object] = {"last_attempt_at": now}
    if error:
        fields.update(last_error=error[:500], last_error_at=now)
    else:
        fields["last_success_at"] = now
    FetchStatus.objects.update_or_create(mailbox=mailbox, defaults=fields)


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
