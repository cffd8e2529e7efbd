"""What inbound holds of requesters, for privacy's retention, erasure and export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from inbound.models import InboundMail, Outcome, ReplyAddress


def _erase(rows: QuerySet[InboundMail]) -> int:
    """Blank the personal fields and delete the stored emails (after commit: a rolled-back
    erasure keeps them). Rows already erased are left alone, so a second run changes nothing."""
    rows = rows.exclude(sender="", subject="", body="", raw="")
    names = [name for name in rows.values_list("raw", flat=True) if name]
    # An erased email can no longer be attached to a case: out of the unmatched queue.
    rows.filter(outcome=Outcome.UNMATCHED).update(
        outcome=Outcome.DISCARDED, handled_at=timezone.now()
    )
    changed = rows.update(sender="", recipient="", subject="", body="", note="", raw="")

    def delete_files() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete_files)
    return changed


def cases_erase(case_ids: list[int]) -> int:
    """The cases are anonymised: their reply addresses stop working (a later reply goes to the
    unmatched queue) and their incoming emails lose what identifies anyone."""
    revoked = ReplyAddress.objects.filter(case_id__in=case_ids, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return revoked + _erase(InboundMail.objects.filter(case_id__in=case_ids))


def email_erase(email: str) -> int:
    """Incoming emails from `email` that belong to no case (unmatched, discarded, automatic)."""
    return _erase(InboundMail.objects.filter(sender__iexact=email, case__isnull=True))


def _from(email: str) -> QuerySet[InboundMail]:
    return InboundMail.objects.filter(Q(sender__iexact=email)).select_related("case")


def email_export(email: str) -> dict:
    return {
        "incoming_emails": [
            {
                "received": mail.fetched_at.isoformat(),
                "from": mail.sender,
                "subject": mail.subject,
                "text": mail.body,
                "outcome": mail.outcome,
                "case": mail.case.reference if mail.case else None,
            }
            for mail in _from(email)
        ]
    }


def email_attachments(email: str) -> Iterator[tuple[str, bytes]]:
    """Each stored email as it was received (.eml)."""
    for mail in _from(email).exclude(raw=""):
        with default_storage.open(mail.raw.name or "", "rb") as f:
            yield f"email-{mail.pk}.eml", f.read()


# Kept only as a record of what came in, never imported: deleted after the period.
IGNORED = [Outcome.AUTO_REPLY, Outcome.BOUNCE, Outcome.DUPLICATE]


def ignored_purge(now: datetime) -> int:
    """Delete (row and stored email) the automatic replies, bounces and duplicates fetched, and
    the unmatched emails a coordinator discarded, more than INBOUND_IGNORED_RETENTION_DAYS
    before `now`. Retention (privacy) runs it hourly; a second run finds nothing.

    A deleted row no longer guards its mailbox UID, which is harmless: a message leaves the
    mailbox right after its row is committed, and IMAP never gives a UID out twice."""
    cutoff = now - timedelta(days=settings.INBOUND_IGNORED_RETENTION_DAYS)
    rows = InboundMail.objects.filter(
        Q(outcome__in=IGNORED, fetched_at__lt=cutoff)
        | Q(outcome=Outcome.DISCARDED, handled_at__lt=cutoff)
    )
    names = [name for name in rows.values_list("raw", flat=True) if name]
    deleted, _ = rows.delete()

    def delete_files() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete_files)
    return deleted
