"""Each case's reply address and email thread.

Every email to the requester carries `Reply-To: svar+<token>@<domain>` (when inbound mail is
on) and `In-Reply-To` / `References: <case-<thread>@<domain>>`, so mail clients show one thread
per case and a reply finds its case by the token, or by the thread when the token was lost.
"""

from __future__ import annotations

import base64
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import Case
from inbound.models import Reason, ReplyAddress
from notifications.models import OutboxMessage
from workflows.models import FINAL_STATES


def _random() -> str:
    # 120 bits, lower-case base32: mail systems may change the case of a local part.
    return base64.b32encode(secrets.token_bytes(15)).decode().lower()


def reply_address_get(*, case_id: int) -> ReplyAddress:
    """The case's reply address, made on first use (two first uses at once agree on one)."""
    address = ReplyAddress.objects.filter(case_id=case_id).first()
    if address is not None:
        return address
    try:
        with transaction.atomic():
            return ReplyAddress.objects.create(case_id=case_id, token=_random(), thread=_random())
    except IntegrityError:
        return ReplyAddress.objects.get(case_id=case_id)


def _message_id_domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "samverka.local"


def thread_root(address: ReplyAddress) -> str:
    return f"<case-{address.thread}@{_message_id_domain()}>"


def reply_to(address: ReplyAddress) -> str:
    return f"{settings.INBOUND_REPLY_PREFIX}+{address.token}@{settings.INBOUND_REPLY_DOMAIN}"


def thread_headers(message: OutboxMessage) -> dict[str, str]:
    """Headers of an email to the requester about `message.case_id` (registered with
    notifications, called when the message is sent)."""
    if message.case_id is None:
        return {}
    address = reply_address_get(case_id=message.case_id)
    root = thread_root(address)
    headers = {"In-Reply-To": root, "References": root}
    if settings.INBOUND_IMAP_URL:  # replies are read: send them to the case's address
        headers["Reply-To"] = reply_to(address)
    return headers


def _token_pattern() -> re.Pattern[str]:
    prefix = re.escape(settings.INBOUND_REPLY_PREFIX)
    return re.compile(rf"(?<![\w.+-]){prefix}\+([a-z0-9]{{8,40}})@", re.IGNORECASE)


def tokens_in(text: str) -> list[str]:
    """The reply tokens in address headers' text, lower-cased, in order."""
    return [token.lower() for token in _token_pattern().findall(text)]


_THREAD = re.compile(r"<case-([a-z0-9]{8,40})@[^>]+>", re.IGNORECASE)


def threads_in(text: str) -> list[str]:
    """The case thread ids in In-Reply-To / References."""
    return [thread.lower() for thread in _THREAD.findall(text)]


def address_refusal(address: ReplyAddress) -> Reason:
    """Why a reply to this address is not taken in (Reason.NONE when it is)."""
    case = address.case
    if address.revoked_at is not None or case.anonymised_at is not None:
        return Reason.ANONYMISED
    if case.state in FINAL_STATES:
        expiry = case.state_changed_at + timedelta(days=settings.INBOUND_REPLY_EXPIRY_DAYS)
        if timezone.now() > expiry:
            return Reason.EXPIRED
    return Reason.NONE


def case_anonymised(case: Case) -> bool:
    """Anonymisation (privacy) marks the case and, through inbound.erasure, revokes its reply
    address."""
    if case.anonymised_at is not None:
        return True
    return ReplyAddress.objects.filter(case=case, revoked_at__isnull=False).exists()
