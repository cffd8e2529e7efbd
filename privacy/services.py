"""Retention and a requester's rights: anonymise, export, erase. Every run is logged.

Personal data of requesters lives on the case (name, role, email, phone, description,
timeframe), in the events they wrote (e.g. a withdrawal reason), in the outbox (stored bodies
and the recipient address) and in whatever other apps registered in privacy.registry. The case
itself stays: reference, dates, municipality, areas, forms, state, outcome and title (the
registry's short description) are what statistics and the archive need.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from audit.models import Action
from audit.services import audit_prune, audit_record
from cases.models import Case, CaseEvent
from notifications.models import OutboxMessage, OutboxStatus
from privacy import registry, selectors
from privacy.models import RetentionRun

logger = logging.getLogger(__name__)

BATCH = 200
REMOVED = ""


def _cases_erase(case_ids: list[int]) -> int:
    """The case's own personal data: blanked, and the tracking link made useless."""
    return Case.objects.filter(pk__in=case_ids, anonymised_at__isnull=True).update(
        requester_name=REMOVED,
        requester_role=REMOVED,
        requester_email=REMOVED,
        requester_phone=REMOVED,
        description=REMOVED,
        timeframe=REMOVED,
        # Not hex, so no token hashes to it: the old tracking link finds no case. Unique by id.
        tracking_token_hash=Concat(Value("anonymised-"), Cast("pk", CharField())),
        next_reminder_at=None,
        date_reminder_at=None,
        anonymised_at=timezone.now(),
        version=F("version") + 1,
    )


def _events_erase(case_ids: list[int]) -> int:
    # What the requester wrote in the timeline (a withdrawal reason). Events are immutable
    # records; this queryset update is the one sanctioned change to them.
    return (
        CaseEvent.objects.filter(case_id__in=case_ids, actor_label="requester")
        .exclude(data={})
        .update(data={})
    )


def _outbox_erase(case_ids: list[int]) -> int:
    """Unsent emails of the case are cancelled; every stored body is blanked, and the
    requester's address removed from the rows sent to them."""
    rows = OutboxMessage.objects.filter(case_id__in=case_ids)
    rows.filter(
        status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.FAILED]
    ).update(status=OutboxStatus.CANCELLED, last_error="")
    return rows.exclude(body_text="", body_html="", context={}).update(
        body_text="", body_html="", context={}
    )


def _outbox_recipient_erase(case_ids: list[int], emails: set[str]) -> int:
    if not emails:
        return 0
    n = 0
    for email in emails:
        n += OutboxMessage.objects.filter(case_id__in=case_ids, recipient__iexact=email).update(
            recipient="removed@invalid"
        )
    return n


def _case_export(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "received": case.created_at.isoformat(),
        "state": case.state,
        "state_since": case.state_changed_at.isoformat(),
        "municipality": case.municipality.name,
        "name": case.requester_name,
        "role": case.requester_role,
        "email": case.requester_email,
        "phone": case.requester_phone,
        "title": case.title,
        "description": case.description,
        "timeframe": case.timeframe,
        "areas": [a.slug for a in case.areas.all()],
        "forms": [f.slug for f in case.forms.all()],
        "language": case.language,
        "consent_given": case.consent_at.isoformat(),
        "contact_person": case.contact.name if case.contact else "",
    }


def _cases_export(email: str) -> dict[str, Any]:
    cases = list(selectors.with_details(selectors.cases_of_requester(email=email)))
    events = CaseEvent.objects.filter(case__in=cases, actor_label="requester").exclude(data={})
    emails = OutboxMessage.objects.filter(recipient__iexact=email.strip()).order_by("created_at")
    return {
        "cases": [_case_export(c) for c in cases],
        "written_in_timeline": [
            {"case": e.case.reference, "when": e.created_at.isoformat(), "data": e.data}
            for e in events.select_related("case")
        ],
        "emails_to_the_address": [
            {
                "when": m.created_at.isoformat(),
                "kind": m.kind,
                "subject": m.subject,
                "status": m.status,
                "sent_at": m.sent_at.isoformat() if m.sent_at else None,
            }
            for m in emails
        ],
    }


def _erase_cases(case_ids: list[int], emails: set[str]) -> dict[str, int]:
    """Every holder's eraser over these cases, in the caller's transaction; then the case."""
    removed: dict[str, int] = {}
    for holder in registry.holders():
        if holder.eraser is not None:
            removed[holder.name] = removed.get(holder.name, 0) + holder.eraser(case_ids)
    removed["events"] = _events_erase(case_ids)
    removed["outbox"] = _outbox_erase(case_ids) + _outbox_recipient_erase(case_ids, emails)
    removed["cases"] = _cases_erase(case_ids)
    return removed


def _add(total: dict[str, int], more: dict[str, int]) -> None:
    for name, n in more.items():
        total[name] = total.get(name, 0) + n


@dataclass
class RetentionResult:
    run: RetentionRun
    references: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def retention_apply(
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    user: Any = None,
    trigger: str = "",
) -> RetentionResult:
    """Anonymise every case due (selectors.cases_due) and prune old audit entries.

    1. Log the run first (RetentionRun), so a run that dies halfway is still on record.
    2. Per batch of BATCH cases, in one transaction: lock the due rows (SKIP LOCKED: a second
       run at the same moment takes other rows, never the same), ask every registered holder
       to erase, then blank the case and mark it anonymised.
    3. A batch that fails is retried one case at a time; a case that still fails is logged,
       recorded in the run (`failed`) and left for the next run, so one bad case neither
       stops the others nor loops within the run.
    4. Ask every holder with an `expirer` to anonymise what it holds tied to no case that
       ended more than RETENTION_MONTHS ago (activity registrations), and every holder with a
       `purger` to delete what it keeps for a period of its own (inbound's automatic replies,
       bounces and discarded emails: INBOUND_IGNORED_RETENTION_DAYS).
    5. Remove audit entries older than AUDIT_RETENTION_DAYS; record the totals.
    A dry run lists what would go and changes nothing.
    """
    now = now or timezone.now()
    trigger = trigger or (getattr(user, "email", "") if user else "") or "job"
    run = RetentionRun.objects.create(
        kind=RetentionRun.Kind.RETENTION, dry_run=dry_run, actor=user, trigger=trigger
    )
    result = RetentionResult(run=run)
    removed: dict[str, int] = {}
    if dry_run:
        result.references = list(selectors.cases_due(now=now).values_list("reference", flat=True))
    else:
        seen: set[int] = set()
        while True:
            # Taken once per run: done, failed, or locked by a concurrent run.
            ids = list(
                selectors.cases_due(now=now)
                .exclude(pk__in=seen)
                .values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                break
            seen.update(ids)
            try:
                result.references += _anonymise_locked(ids, now, removed)
            except Exception:
                logger.exception("Retention: a batch failed; trying its cases one by one")
                for pk in ids:
                    try:
                        result.references += _anonymise_locked([pk], now, removed)
                    except Exception:
                        logger.exception("Retention: case %s could not be anonymised", pk)
                        result.failed.append(
                            Case.objects.filter(pk=pk).values_list("reference", flat=True)[0]
                        )
        # Data tied to no case (e.g. activity registrations) goes RETENTION_MONTHS after it ended.
        before = selectors.months_before(now, settings.RETENTION_MONTHS)
        for holder in registry.holders():
            if holder.expirer is not None:
                removed[holder.name] = removed.get(holder.name, 0) + holder.expirer(before)
            # Data an app keeps for a period of its own (e.g. automatic replies).
            if holder.purger is not None:
                removed[holder.name] = removed.get(holder.name, 0) + holder.purger(now)
        removed["audit"] = audit_prune(now=now)
    run.cases = len(result.references)
    run.references = result.references
    run.failed = result.failed
    run.removed = removed
    run.finished_at = timezone.now()
    run.save(update_fields=["cases", "references", "failed", "removed", "finished_at"])
    audit_record(
        action=Action.RETENTION_RUN,
        user=user,
        actor_label="" if user else trigger,
        object_type="retention_run",
        object_id=run.pk,
        details={
            "dry_run": dry_run,
            "cases": run.cases,
            "removed": removed,
            "failed": result.failed,
        },
    )
    return result


def _anonymise_locked(ids: list[int], now: datetime, removed: dict[str, int]) -> list[str]:
    """Anonymise those of `ids` that are still due and not locked by another run, in one
    transaction with every holder's eraser; add the counts to `removed` only on success."""
    with transaction.atomic():
        batch = list(
            selectors.cases_due(now=now)
            .filter(pk__in=ids)
            .select_for_update(skip_locked=True)
            .only("pk", "reference", "requester_email")
        )
        if not batch:
            return []
        counts = _erase_cases(
            [c.pk for c in batch], {c.requester_email for c in batch if c.requester_email}
        )
    _add(removed, counts)
    return [c.reference for c in batch]


def retention_export(*, cases: list[Case], fmt: str, user: Any = None) -> None:
    """Record that the registrar exported the cases due (for the archive) before retention."""
    audit_record(
        action=Action.RETENTION_EXPORTED,
        user=user,
        object_type="case",
        details={"format": fmt, "cases": len(cases), "references": [c.reference for c in cases]},
    )


def requester_export(*, email: str, user: Any = None, trigger: str = "") -> bytes:
    """A zip of everything held about `email`: data.json (the cases, what they wrote, the
    emails sent to them, and every registered holder's export) and attachments/."""
    email = email.strip()
    data: dict[str, Any] = {
        "email": email,
        "exported_at": timezone.now().isoformat(),
        **_cases_export(email),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        used: set[str] = set()
        for holder in registry.holders():
            if holder.exporter is not None:
                data[holder.name] = holder.exporter(email)
            if holder.attachments is not None:
                for name, content in holder.attachments(email):
                    path = _unique(f"attachments/{holder.name}/{_safe(name)}", used)
                    archive.writestr(path, content)
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
    audit_record(
        action=Action.REQUESTER_EXPORTED,
        user=user,
        actor_label="" if user else (trigger or "command"),
        # The log keeps a hash of the address, not the address (it may be erased next).
        object_type="email_sha256",
        object_id=_email_hash(email),
        details={"cases": [c["reference"] for c in data["cases"]]},
    )
    return buffer.getvalue()


def _safe(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "._- " else "_" for ch in name).strip(" .")
    return cleaned[:120] or "file"


def _unique(path: str, used: set[str]) -> str:
    candidate, n = path, 1
    while candidate in used:
        stem, dot, ext = path.rpartition(".")
        candidate = f"{stem}-{n}.{ext}" if dot else f"{path}-{n}"
        n += 1
    used.add(candidate)
    return candidate


def requester_erase(*, email: str, user: Any = None, trigger: str = "") -> RetentionRun:
    """Erase everything held about `email` at once (a request under GDPR art. 17): its
    cases are anonymised as retention would, and holders erase what is tied to no case."""
    email = email.strip()
    trigger = trigger or (getattr(user, "email", "") if user else "") or "command"
    run = RetentionRun.objects.create(kind=RetentionRun.Kind.ERASURE, actor=user, trigger=trigger)
    with transaction.atomic():
        cases = list(
            selectors.cases_of_requester(email=email).select_for_update().only("pk", "reference")
        )
        ids = [c.pk for c in cases]
        removed = _erase_cases(ids, {email}) if ids else {}
        for holder in registry.holders():
            if holder.email_eraser is not None:
                removed[holder.name] = removed.get(holder.name, 0) + holder.email_eraser(email)
        # Emails to the address that belong to no case (e.g. lost-link answers).
        removed["outbox"] = removed.get("outbox", 0) + OutboxMessage.objects.filter(
            case_id__isnull=True, recipient__iexact=email
        ).update(recipient="removed@invalid", body_text="", body_html="", context={})
    run.cases = len(cases)
    run.references = [c.reference for c in cases]
    run.removed = removed
    run.finished_at = timezone.now()
    run.save(update_fields=["cases", "references", "removed", "finished_at"])
    # The address itself is what was erased: the log keeps a hash of it, not the address.
    audit_record(
        action=Action.REQUESTER_ERASED,
        user=user,
        actor_label="" if user else trigger,
        object_type="retention_run",
        object_id=run.pk,
        details={"cases": run.references, "removed": removed, "email_sha256": _email_hash(email)},
    )
    return run


def _email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()
