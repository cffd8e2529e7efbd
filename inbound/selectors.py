from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from inbound.mailbox import MailboxConfig, MailboxError
from inbound.models import FetchStatus, InboundMail, Outcome

# The status row of a fetch that could not even read INBOUND_IMAP_URL.
INVALID_URL_LABEL = "(INBOUND_IMAP_URL is not valid)"


def unmatched_mails() -> QuerySet[InboundMail]:
    return InboundMail.objects.filter(outcome=Outcome.UNMATCHED).order_by("-fetched_at", "-id")


def handled_mails(limit: int = 20) -> QuerySet[InboundMail]:
    """The latest attached or discarded: what coordinators did with the queue."""
    return (
        InboundMail.objects.filter(outcome__in=[Outcome.ATTACHED, Outcome.DISCARDED])
        .select_related("case", "handled_by")
        .order_by("-handled_at")[:limit]
    )


def fetch_status(mailbox: str) -> FetchStatus | None:
    """How the fetches of `mailbox` (MailboxConfig.label) went; None before the first."""
    return FetchStatus.objects.filter(mailbox=mailbox).first()


def fetch_health(*, now: datetime) -> dict[str, Any]:
    """The inbound fetch for /healthz: "off" (INBOUND_IMAP_URL unset), "no fetch yet", "ok",
    or "stale" (no successful fetch for INBOUND_STALE_AFTER_SECONDS), with the last success
    and the last error."""
    if not settings.INBOUND_IMAP_URL:
        return {"inbound_fetch": "off"}
    try:
        label = MailboxConfig.from_url(settings.INBOUND_IMAP_URL).label
    except MailboxError:
        label = INVALID_URL_LABEL
    status = fetch_status(label)
    stale_after = timedelta(seconds=settings.INBOUND_STALE_AFTER_SECONDS)
    success = status.last_success_at if status else None
    error_at = status.last_error_at if status else None

    def age(then: datetime | None) -> int | None:
        return round((now - then).total_seconds()) if then else None

    if status is None:
        state = "no fetch yet"  # a fresh start: beat's first tick is moments away
    elif now - (success or status.created_at) > stale_after:
        state = "stale"
    elif success is None:
        state = "no fetch yet"
    else:
        state = "ok"
    return {
        "inbound_fetch": state,
        "inbound_fetch_last_success_at": success.isoformat() if success else None,
        "inbound_fetch_last_success_age_seconds": age(success),
        "inbound_fetch_last_error": (status.last_error or None) if status else None,
        "inbound_fetch_last_error_age_seconds": age(error_at),
    }
