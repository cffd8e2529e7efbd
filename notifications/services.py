"""Outbox writes: queue a message, deliver it, sweep what was left behind.

Rules (pretix OutgoingMail, healthchecks Notification):
- a message is a committed row before any task exists for it;
- the task is enqueued after commit, and a broker outage only delays it (the sweep catches up);
- delivery claims the row with a conditional update, so two runs never send it twice;
- no network I/O inside a transaction.
"""

from __future__ import annotations

import hashlib
import logging
import random
import smtplib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notifications.models import OutboxMessage, OutboxStatus, ScheduledRun

logger = logging.getLogger(__name__)


# Many messages at once (a reminder scan, the sweep) go to the broker in chunks: one publish
# per message costs about a millisecond, and chunks still spread over the workers.
ENQUEUE_CHUNK = 20


def _enqueue(message_id: int) -> None:
    _enqueue_many([message_id])


def _enqueue_many(message_ids: list[int]) -> None:
    from notifications.tasks import deliver_message, deliver_messages

    for start in range(0, len(message_ids), ENQUEUE_CHUNK):
        chunk = message_ids[start : start + ENQUEUE_CHUNK]
        try:
            if len(chunk) == 1:
                deliver_message.apply_async((chunk[0],), retry=False)
            else:
                deliver_messages.apply_async((chunk,), retry=False)
        except Exception:  # broker down: the rows are safe, the sweep sends them later
            logger.warning(
                "Broker unavailable; %s outbox message(s) left for the sweep", len(chunk)
            )
            return


def _render(template: str, context: dict, language: str, reason: str) -> tuple[str, str, str]:
    """Subject, text and HTML of `emails/<template>*` in `language`."""
    with translation.override(language):
        context = {**context, "site_url": settings.SITE_URL, "reason": reason}
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        body_text = render_to_string(f"emails/{template}.txt", context)
        body_html = render_to_string(f"emails/{template}.html", context)
    return subject[:300], body_text, body_html


@dataclass
class MessageSpec:
    """One email to queue, from `emails/<template>*` in `language`.

    Rendered now, or (`lazy`) when it is sent: then `context` must be JSON and the app that
    queues such messages registers how to complete it (register_context). A reminder scan
    queues thousands at once; rendering them in the workers keeps the scan short.
    """

    key: str
    kind: str
    recipient: str
    template: str
    context: dict
    language: str = "sv"
    case_id: int | None = None
    reason: str = ""
    sensitive: bool = False
    condition: dict = field(default_factory=dict)
    lazy: bool = False

    def render(self) -> OutboxMessage:
        message = OutboxMessage(
            key=self.key,
            kind=self.kind,
            case_id=self.case_id,
            reason=self.reason[:300],
            recipient=self.recipient,
            language=self.language,
            sensitive=self.sensitive,
            condition=self.condition,
            next_attempt_at=timezone.now(),
        )
        if self.lazy:
            message.template, message.context = self.template, self.context
        else:
            message.subject, message.body_text, message.body_html = _render(
                self.template, self.context, self.language, self.reason
            )
        return message


def message_queue(**spec) -> OutboxMessage:
    """Store one message and enqueue its delivery after commit.

    Idempotent by `key`: queuing the same key again returns the existing row and sends nothing.
    """
    spec = MessageSpec(**spec)
    message = spec.render()
    try:
        with transaction.atomic():  # a savepoint: a concurrent duplicate key loses cleanly
            message.save()
    except IntegrityError:
        return OutboxMessage.objects.get(key=spec.key)
    transaction.on_commit(lambda: _enqueue(message.pk))
    return message


def messages_queue_bulk(specs: list[MessageSpec]) -> int:
    """Queue many messages in a constant number of queries; existing keys are left alone.

    Returns how many rows are pending for these keys (new ones and earlier unsent ones).
    """
    if not specs:
        return 0
    OutboxMessage.objects.bulk_create(
        [spec.render() for spec in specs], ignore_conflicts=True, batch_size=500
    )
    ids = list(
        OutboxMessage.objects.filter(
            key__in=[s.key for s in specs], status=OutboxStatus.PENDING
        ).values_list("pk", flat=True)
    )
    transaction.on_commit(lambda: _enqueue_many(ids))
    return len(ids)


# kind -> function(message) -> bool. Apps register what makes a queued message moot, so that
# this module needs no knowledge of cases (dependencies point one way).
_still_wanted: dict[str, Callable[[OutboxMessage], bool]] = {}


def register_still_wanted(kind: str, check: Callable[[OutboxMessage], bool]) -> None:
    _still_wanted[kind] = check


# kind -> function(message) -> dict: the objects a lazily rendered message's template needs.
_context_loaders: dict[str, Callable[[OutboxMessage], dict]] = {}


def register_context(kind: str, load: Callable[[OutboxMessage], dict]) -> None:
    _context_loaders[kind] = load


def _render_stored(message: OutboxMessage) -> None:
    """Render a lazily queued message and keep what is sent on the row."""
    context = {**message.context, **_context_loaders[message.kind](message)}
    message.subject, message.body_text, message.body_html = _render(
        message.template, context, message.language, message.reason
    )
    OutboxMessage.objects.filter(pk=message.pk).update(
        subject=message.subject, body_text=message.body_text, body_html=message.body_html
    )


def tick_claim(*, name: str, slot: str) -> bool:
    """True for the first caller of a (task, tick) pair; every other scheduler skips the tick."""
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(name=name, slot=slot)
    except IntegrityError:
        return False
    # A claim only has to outlive its tick (and a beat that is late): keep a week, not forever.
    ScheduledRun.objects.filter(ran_at__lt=timezone.now() - timedelta(days=7)).delete()
    return True


def _permanent(exc: Exception) -> bool:
    """SMTP 5xx replies are permanent; everything else (4xx, refused connection) is not."""
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code = next(iter(exc.recipients.values()))[0]
    return isinstance(code, int) and 500 <= code < 600


def _backoff(attempt: int) -> timedelta:
    """Exponential back-off with full jitter between 50% and 150% of the step."""
    base = settings.OUTBOX_BACKOFF_SECONDS * (2 ** max(attempt - 1, 0))
    return timedelta(seconds=base * random.uniform(0.5, 1.5))


def _message_id(message: OutboxMessage) -> str:
    # Stable per outbox row, so a receiving server can also drop a duplicate.
    digest = hashlib.sha256(message.key.encode()).hexdigest()[:32]
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "samverka.local"
    return f"<{digest}@{domain}>"


# One SMTP connection per worker process, reused while it is fresh: connecting, EHLO and QUIT
# per message would cost more than the message. A connection idle for longer than this may
# have been dropped by the server, so it is opened anew instead.
MAIL_CONNECTION_IDLE_SECONDS = 15
_mail = threading.local()


def _mail_connection():
    key = (
        settings.EMAIL_BACKEND,
        getattr(settings, "EMAIL_HOST", ""),
        getattr(settings, "EMAIL_PORT", 0),
    )
    fresh = time.monotonic() - getattr(_mail, "used", 0.0) < MAIL_CONNECTION_IDLE_SECONDS
    if getattr(_mail, "connection", None) is None or _mail.key != key or not fresh:
        _mail_connection_drop()
        _mail.connection = get_connection()
        _mail.connection.open()
        _mail.key = key
    _mail.used = time.monotonic()
    return _mail.connection


def _mail_connection_drop() -> None:
    connection = getattr(_mail, "connection", None)
    _mail.connection = None
    if connection is not None:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - it is being thrown away
            pass


def message_deliver(*, message_id: int) -> str:
    """Send one message if it is due and nobody else is sending it. Safe to run twice.

    1. Claim: pending and due (or a "sending" claim older than the claim timeout, whose worker
       died) → sending, under the row's lock; a row locked or not due is someone else's.
    2. Send over SMTP, outside any transaction.
    3. Record the outcome against our claim: sent; failed (permanent, or attempts used up);
       or pending again with a back-off.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS)
    # Claim by primary key under a row lock, deciding in Python. (A single conditional UPDATE
    # with the status conditions in its WHERE lets PostgreSQL pick the partial "due" index
    # and scan every pending row: 15 ms per claim with a large backlog instead of 0.1 ms.)
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=message_id).first()
        )
        due = message is not None and (
            (message.status == OutboxStatus.PENDING and message.next_attempt_at <= now)
            or (message.status == OutboxStatus.SENDING and message.claimed_at < stale)
        )
        if not due:
            return "skipped"
        message.attempts += 1
        OutboxMessage.objects.filter(pk=message_id).update(
            status=OutboxStatus.SENDING, claimed_at=now, attempts=message.attempts
        )
    # Our claim is identified by its time: a later re-claim (after a worker died) changes it.
    ours = OutboxMessage.objects.filter(pk=message_id, claimed_at=now)
    check = _still_wanted.get(message.kind)
    if check is not None and not check(message):
        ours.update(status=OutboxStatus.CANCELLED, last_error="no longer relevant")
        return "cancelled"
    if message.template and not message.body_text:
        _render_stored(message)

    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={"Message-ID": _message_id(message), "Auto-Submitted": "auto-generated"},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    try:
        email.connection = _mail_connection()
        email.send()
    except Exception as exc:  # noqa: BLE001 - every transport error is recorded on the row
        _mail_connection_drop()
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if _permanent(exc) or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            ours.update(status=OutboxStatus.FAILED, last_error=error)
            logger.warning("Outbox message %s failed: %s", message_id, error)
            return "failed"
        ours.update(
            status=OutboxStatus.PENDING,
            last_error=error,
            next_attempt_at=timezone.now() + _backoff(message.attempts),
        )
        return "retry"
    erase = {"body_text": "", "body_html": ""} if message.sensitive else {}
    ours.update(status=OutboxStatus.SENT, sent_at=timezone.now(), last_error="", **erase)
    return "sent"


def outbox_sweep(*, now=None, limit: int = 500) -> int:
    """Re-enqueue messages whose task never ran, is due for a retry, or whose worker died."""
    now = now or timezone.now()
    grace = now - timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS)
    stale = now - timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS)
    due = Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now) & ~Q(
        attempts=0,
        created_at__gt=grace,  # fresh rows: their own task is on its way
    )
    dead = Q(status=OutboxStatus.SENDING, claimed_at__lt=stale)
    rows = OutboxMessage.objects.filter(due | dead).order_by("next_attempt_at")
    ids = list(rows.values_list("pk", flat=True)[:limit])
    _enqueue_many(ids)
    return len(ids)


def message_retry(*, message_id: int) -> bool:
    """Staff retry of a failed message: back to pending with fresh attempts."""
    updated = OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.FAILED).update(
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
    if updated:
        transaction.on_commit(lambda: _enqueue(message_id))
    return bool(updated)
