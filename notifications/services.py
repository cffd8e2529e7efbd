"""Outbox writes: queue a message, deliver it, sweep what was left behind, retry failures.

Rules (pretix OutgoingMail, healthchecks Notification):
- a message is a committed row before any task exists for it;
- the task is enqueued after commit, and a broker outage only delays it (the sweep catches up);
- delivery claims the row under its lock, so two runs never send it twice; the sending worker
  renews its claim (a heartbeat), so a dead worker's message is taken over within a minute and
  a slow but live one never is;
- no network I/O inside a transaction;
- every failure moves forward: a temporary one backs off (capped) for a retry period, anything
  else fails the message with its error, for staff to see and retry.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, connections, transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notifications import selectors
from notifications.models import OutboxMessage, OutboxStatus, ScheduledRun
from notifications.queue import deliveries_enqueue
from notifications.transport import error_is_permanent, mail_connection_drop, message_send

logger = logging.getLogger(__name__)


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
    # An email to the requester about case `case_id`: sent in the case's thread (Reply-To,
    # In-Reply-To, References from register_thread_headers, filled in when it is sent).
    threaded: bool = False
    # An iCalendar invitation (the full VCALENDAR text) sent along (OutboxMessage.calendar).
    calendar: str = ""

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
            threaded=self.threaded and self.case_id is not None,
            calendar=self.calendar,
            next_attempt_at=timezone.now(),
        )
        if self.lazy:
            message.template, message.context = self.template, self.context
        else:
            message.subject, message.body_text, message.body_html = _render(
                self.template, self.context, self.language, self.reason
            )
        return message


def _enqueue_after_commit(ids: list[int]) -> None:
    """Publish the delivery of `ids` once the transaction commits, in ONE publish with the
    other messages queued at the same point of the same transaction.

    The intake queues the receipt and the coordinators' notices: one publish (a Celery
    message built and pushed to Redis) instead of two. A batch belongs to one savepoint
    stack: a message queued inside a savepoint that is later rolled back is never in the
    batch of its outer block (it gets its own callback, discarded with the savepoint).
    """
    if not ids:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        deliveries_enqueue(message_ids=list(ids))  # autocommit: committed already
        return
    savepoints = tuple(connection.savepoint_ids)
    batches = connection.__dict__.setdefault("_outbox_batches", {})
    if not connection.run_on_commit:
        batches.clear()  # a new transaction: no batch of an earlier one is waiting
    batch = batches.get(savepoints)
    # Still waiting for the commit (not run, not discarded with a rolled-back savepoint)?
    if batch is not None and any(entry[1] is batch[1] for entry in connection.run_on_commit):
        batch[0].extend(ids)
        return
    pending = list(ids)

    def publish() -> None:
        deliveries_enqueue(message_ids=pending)

    batches[savepoints] = (pending, publish)
    transaction.on_commit(publish)


def message_queue(**spec: Any) -> OutboxMessage:
    """Store one message and enqueue its delivery after commit.

    Idempotent by `key`: queuing the same key again returns the existing row and sends nothing.
    """
    message_spec = MessageSpec(**spec)
    message = message_spec.render()
    try:
        with transaction.atomic():  # a savepoint: a concurrent duplicate key loses cleanly
            message.save()
    except IntegrityError:
        return OutboxMessage.objects.get(key=message_spec.key)
    _enqueue_after_commit([message.pk])
    return message


def message_queue_new(**spec: Any) -> OutboxMessage:
    """Store one message whose key cannot exist yet, and enqueue its delivery after commit.

    For a key made from a row inserted in the same transaction (`receipt:<case id>`: ids are
    never reused): one INSERT, without message_queue's savepoint (two statements more). Should
    the key exist after all, the IntegrityError rolls back the caller's transaction.
    """
    message = MessageSpec(**spec).render()
    message.save(force_insert=True)
    _enqueue_after_commit([message.pk])
    return message


def messages_queue_bulk(specs: list[MessageSpec]) -> int:
    """Queue many messages in a constant number of queries; existing keys are left alone.

    Returns how many rows are pending for these keys (new ones and earlier unsent ones).
    """
    if not specs:
        return 0
    messages = [spec.render() for spec in specs]
    connection = transaction.get_connection()
    inserted: list[int] = []
    if connection.vendor == "postgresql":
        for start in range(0, len(messages), _BULK_ROWS):
            inserted += _insert_unnest(messages[start : start + _BULK_ROWS], connection)
    else:
        OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True, batch_size=500)
    ids = inserted
    if len(inserted) < len(messages):  # keys that existed: their row counts if still unsent
        ids = list(
            OutboxMessage.objects.filter(
                key__in=[s.key for s in specs], status=OutboxStatus.PENDING
            ).values_list("pk", flat=True)
        )
    _enqueue_after_commit(ids)
    return len(ids)


_BULK_ROWS = 5000


def _insert_unnest(messages: list[OutboxMessage], connection) -> list[int]:
    """INSERT ... SELECT FROM unnest(arrays) ON CONFLICT (key) DO NOTHING RETURNING id.

    What bulk_create does (Django 5.2 also inserts through unnest on PostgreSQL), less its
    per-value cost: a column with one value for every row (the kind, the template, the empty
    bodies of a lazily rendered reminder...) is sent once instead of once per row, and the
    new rows' ids come back with the INSERT instead of from a SELECT of every key. The
    reminder scan writes ten thousand rows this way (issue 9)."""
    quote = connection.ops.quote_name
    columns: list[str] = []
    values: list[str] = []  # per column: %s (one value for all rows) or u.<array>
    arrays: list[tuple[str, str]] = []  # (name, typed parameter) of each column sent per row
    scalars: list[Any] = []  # the constants' parameters (in the SELECT list, so first)
    vectors: list[Any] = []  # the arrays' parameters (in FROM unnest(...), so last)
    for model_field in OutboxMessage._meta.concrete_fields:
        if model_field.primary_key:
            continue
        raw = [model_field.pre_save(message, add=True) for message in messages]
        columns.append(quote(model_field.column))
        if model_field.name != "key" and all(value == raw[0] for value in raw):
            values.append("%s")
            scalars.append(model_field.get_db_prep_save(raw[0], connection))
            continue
        name = f"c{len(arrays)}"
        values.append(f"u.{name}")
        arrays.append((name, f"%s::{model_field.db_type(connection)}[]"))
        vectors.append([model_field.get_db_prep_save(value, connection) for value in raw])
    sql = (
        f"INSERT INTO {quote(OutboxMessage._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} "
        f"FROM unnest({', '.join(cast for _, cast in arrays)}) "
        f"AS u({', '.join(name for name, _ in arrays)}) "
        f"ON CONFLICT ({quote('key')}) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*scalars, *vectors])
        return [row[0] for row in cursor.fetchall()]


def messages_queue_fanout(
    *,
    spec: MessageSpec,
    recipients: QuerySet | tuple[str, Sequence[Any]],
    key_prefix: str,
    also: Sequence[MessageSpec] = (),
) -> int:
    """Queue `spec` once per row of `recipients`, and the messages `also`, in ONE statement:
    INSERT ... SELECT.

    `recipients` is any queryset with `id` and `email` (e.g. the users to tell), or the SQL
    and parameters of one selecting them (a hot caller can compile it once per process); each
    row gets the key `<key_prefix><id>` and is sent to its email, rendered when sent
    (`spec.lazy`: the app registers its context). `also` are whole messages of their own (the
    requester's receipt of the request the coordinators are told of), written by the same
    statement. Existing keys are left alone. For a hot path (the intake): no SELECT round
    trip, no INSERT per message. Returns how many rows were queued.
    """
    connection = connections["default"]
    quote = connection.ops.quote_name
    columns: list[str] = []
    rows: list[list[str]] = [[] for _ in also]
    params: list[Any] = []
    fanout: list[str] = []
    fanout_params: list[Any] = []
    message, singles = spec.render(), [single.render() for single in also]
    for model_field in OutboxMessage._meta.concrete_fields:
        if model_field.primary_key:
            continue
        columns.append(quote(str(model_field.column)))
        for row, single in zip(rows, singles, strict=True):
            value = model_field.get_db_prep_save(model_field.pre_save(single, add=True), connection)
            if value is None:
                # Typed: UNION ALL would otherwise take a NULL in every branch for text.
                row.append(f"CAST(NULL AS {model_field.cast_db_type(connection)})")
            else:
                row.append("%s")
                params.append(value)
        if model_field.name == "key":
            fanout.append("%s || CAST(r.id AS TEXT)")
            fanout_params.append(key_prefix)
        elif model_field.name == "recipient":
            fanout.append("r.email")
        else:
            fanout.append("%s")
            value = model_field.pre_save(message, add=True)
            fanout_params.append(model_field.get_db_prep_save(value, connection))
    if isinstance(recipients, tuple):
        inner, inner_params = recipients
    else:
        inner, inner_params = recipients.values("id", "email").query.sql_with_params()
    selects = [f"SELECT {', '.join(row)}" for row in rows]
    # "WHERE true": without it "FROM (...) AS r ON CONFLICT" would read as a join (SQLite).
    selects.append(f"SELECT {', '.join(fanout)} FROM ({inner}) AS r WHERE true")
    sql = (
        f"INSERT INTO {quote(OutboxMessage._meta.db_table)} ({', '.join(columns)}) "
        f"{' UNION ALL '.join(selects)} "
        f"ON CONFLICT ({quote('key')}) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *fanout_params, *inner_params])
        ids = [row[0] for row in cursor.fetchall()]
    _enqueue_after_commit(ids)
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


# function(message) -> headers for a threaded message: registered by the app that owns the
# case's reply address (inbound), so that this module needs no knowledge of it.
_thread_headers: list[Callable[[OutboxMessage], dict[str, str]]] = []


def register_thread_headers(headers: Callable[[OutboxMessage], dict[str, str]]) -> None:
    _thread_headers[:] = [headers]


def _thread_headers_stored(message: OutboxMessage, claim: QuerySet[OutboxMessage]) -> None:
    """Fill in a threaded message's headers once, and keep them on the row: a retry sends the
    same Message-ID thread and Reply-To, and staff can see what was sent."""
    headers: dict[str, str] = {}
    for provider in _thread_headers:
        headers.update(provider(message))
    if headers:
        message.headers = headers
        claim.update(headers=headers)


def _render_stored(message: OutboxMessage, claim: QuerySet[OutboxMessage]) -> None:
    """Render a lazily queued message and keep what is sent on the row."""
    context = {**message.context, **_context_loaders[message.kind](message)}
    message.subject, message.body_text, message.body_html = _render(
        message.template, context, message.language, message.reason
    )
    claim.update(subject=message.subject, body_text=message.body_text, body_html=message.body_html)


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


def _backoff(attempt: int) -> timedelta:
    """Exponential back-off with jitter between 50% and 150% of the step, capped: an outage of
    days is still tried every OUTBOX_BACKOFF_MAX_SECONDS, not once a day."""
    step = settings.OUTBOX_BACKOFF_SECONDS * 2 ** min(max(attempt - 1, 0), 30)
    seconds = min(step * random.uniform(0.5, 1.5), settings.OUTBOX_BACKOFF_MAX_SECONDS)
    return timedelta(seconds=seconds)


@contextmanager
def _heartbeat(claim: QuerySet[OutboxMessage]) -> Iterator[None]:
    """Renew `claim` every quarter of the claim timeout until the block ends.

    A send that takes a few milliseconds ends before the first beat: the thread then never
    touches the database. A beat that finds the claim gone (taken over after this worker
    stalled for the whole timeout) changes nothing, like the outcome of such an attempt.
    """
    interval = settings.OUTBOX_CLAIM_TIMEOUT_SECONDS / 4
    done = threading.Event()

    def beat() -> None:
        beaten = False
        try:
            while not done.wait(interval):
                beaten = True
                claim.update(claimed_at=timezone.now())
        except Exception:  # noqa: BLE001 - a missed beat only shortens the claim
            logger.exception("Outbox heartbeat failed")
        finally:
            if beaten:
                connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=beat, name="outbox-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _attempt_failed(
    claim: QuerySet[OutboxMessage], message: OutboxMessage, error: str, *, permanent: bool
) -> str:
    """Fail the message, or (temporary, within the retry period) back off and try again."""
    now = timezone.now()
    first_attempt_at = message.first_attempt_at or now  # set by the claim
    give_up_at = first_attempt_at + timedelta(seconds=settings.OUTBOX_RETRY_PERIOD_SECONDS)
    if permanent or now >= give_up_at:
        claim.update(status=OutboxStatus.FAILED, last_error=error[:2000])
        logger.warning("Outbox message %s failed: %s", message.pk, error)
        return "failed"
    # The last attempt falls on the end of the period rather than after it.
    next_attempt_at = min(now + _backoff(message.attempts), give_up_at)
    claim.update(
        status=OutboxStatus.PENDING, last_error=error[:2000], next_attempt_at=next_attempt_at
    )
    return "retry"


def claim_of(*, message_id: int, attempts: int) -> QuerySet[OutboxMessage]:
    """The row while it is "sending" under the claim of attempt `attempts`.

    "Sending" is said as "none of the other statuses": `status = 'sending'` matches the
    partial due index's condition, and with statistics older than a backlog PostgreSQL
    scanned that index (every pending row) for each update of the claim: 13 ms instead of
    0.07 with 25,000 pending, a third of the delivery rate. This way it reads the row by its
    primary key.
    """
    return OutboxMessage.objects.filter(pk=message_id, attempts=attempts).exclude(
        status__in=[s for s in OutboxStatus.values if s != OutboxStatus.SENDING]
    )


def message_deliver(*, message_id: int) -> str:
    """Send one message if it is due and nobody else is sending it. Safe to run twice.

    1. Claim, under the row's lock: pending and due, or "sending" whose claim has not been
       renewed for OUTBOX_CLAIM_TIMEOUT_SECONDS (its worker died) → sending, with one more
       attempt. A row locked or not due is someone else's. The claim is ours while the row is
       "sending" with our attempt number; a later re-claim has another.
    2. While we work, a heartbeat renews the claim (see _heartbeat).
    3. Prepare: cancel it if no longer wanted; render a lazily queued message. An error here
       would recur, so the message fails with it, unless the database was unreachable
       (temporary).
    4. Send over SMTP, outside any transaction.
    5. Record the outcome against our claim: sent; failed (SMTP 5xx, or temporary errors for
       longer than OUTBOX_RETRY_PERIOD_SECONDS); or pending again with a capped back-off.
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
        if message is None or not (
            (message.status == OutboxStatus.PENDING and message.next_attempt_at <= now)
            or (
                message.status == OutboxStatus.SENDING
                and message.claimed_at is not None
                and message.claimed_at < stale
            )
        ):
            return "skipped"
        message.attempts += 1
        message.first_attempt_at = message.first_attempt_at or now
        OutboxMessage.objects.filter(pk=message_id).update(
            status=OutboxStatus.SENDING,
            claimed_at=now,
            attempts=message.attempts,
            first_attempt_at=message.first_attempt_at,
        )
    ours = claim_of(message_id=message_id, attempts=message.attempts)
    with _heartbeat(ours):
        try:
            check = _still_wanted.get(message.kind)
            if check is not None and not check(message):
                # Never sent, never to be: a sensitive one keeps no token or link either.
                erase = (
                    {"body_text": "", "body_html": "", "context": {}} if message.sensitive else {}
                )
                ours.update(status=OutboxStatus.CANCELLED, last_error="no longer relevant", **erase)
                return "cancelled"
            if message.template and not message.body_text:
                _render_stored(message, ours)
            if message.threaded and not message.headers:
                _thread_headers_stored(message, ours)
        except Exception as exc:  # noqa: BLE001 - recorded on the row, for staff to see
            logger.exception("Outbox message %s could not be prepared", message_id)
            error = f"Could not prepare the message: {type(exc).__name__}: {exc}"
            return _attempt_failed(
                ours, message, error, permanent=not isinstance(exc, OperationalError)
            )
        try:
            message_send(message=message)
        except Exception as exc:  # noqa: BLE001 - every transport error is recorded on the row
            mail_connection_drop()
            error = f"{type(exc).__name__}: {exc}"
            return _attempt_failed(ours, message, error, permanent=error_is_permanent(exc))
        # A sensitive message (a tracking token, signed links) keeps none of it once delivered:
        # neither the bodies nor, for one rendered at send time, the context it was rendered from.
        erase = {"body_text": "", "body_html": "", "context": {}} if message.sensitive else {}
        ours.update(status=OutboxStatus.SENT, sent_at=timezone.now(), last_error="", **erase)
    return "sent"


def _enqueue_marked(ids: list[int], marked_at: datetime) -> int:
    """Publish rows already marked as enqueued at `marked_at`; unmark what the broker did not
    take, so the next sweep tries those again instead of waiting OUTBOX_REQUEUE_SECONDS."""
    published = set(deliveries_enqueue(message_ids=ids))
    missed = [pk for pk in ids if pk not in published]
    if missed:
        OutboxMessage.objects.filter(pk__in=missed, enqueued_at=marked_at).update(enqueued_at=None)
    return len(published)


def outbox_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Enqueue messages whose task never ran, is due for a retry, or whose worker died; returns
    how many the broker took.

    Each row at most once per OUTBOX_REQUEUE_SECONDS (`enqueued_at`), unless it became due
    again since: a retry whose back-off is over, a claim that died after we enqueued it.
    Rows are marked before they are published, so a worker never finds a row locked by the
    marking and skips it; what the broker refused is unmarked.
    """
    now = now or timezone.now()
    grace = now - timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS)
    claim_timeout = timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS)
    requeue = Q(enqueued_at__isnull=True) | Q(
        enqueued_at__lt=now - timedelta(seconds=settings.OUTBOX_REQUEUE_SECONDS)
    )
    due = (
        Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        & ~Q(attempts=0, created_at__gt=grace)  # fresh rows: their own task is on its way
        & (requeue | Q(enqueued_at__lt=F("next_attempt_at")))
    )
    # A claim is dead from claimed_at + timeout on: enqueued before then was for a live claim.
    # (Not "before claimed_at": the claim and the mark come from two hosts' clocks.)
    dead = Q(status=OutboxStatus.SENDING, claimed_at__lt=now - claim_timeout) & (
        requeue | Q(enqueued_at__lt=F("claimed_at") + claim_timeout)
    )
    rows = OutboxMessage.objects.filter(due | dead).order_by("next_attempt_at")
    ids = list(rows.values_list("pk", flat=True)[:limit])
    if not ids:
        return 0
    OutboxMessage.objects.filter(pk__in=ids).update(enqueued_at=now)
    return _enqueue_marked(ids, now)


# A staff retry of thousands of failed messages (after a long SMTP outage) updates them in
# chunks of this many ids.
RETRY_CHUNK = 1000


def _failed_retry(ids: list[int]) -> int:
    """Failed → pending with fresh attempts and a fresh retry period, enqueued after commit."""
    now = timezone.now()
    updated = 0
    for start in range(0, len(ids), RETRY_CHUNK):
        updated += OutboxMessage.objects.filter(
            pk__in=ids[start : start + RETRY_CHUNK], status=OutboxStatus.FAILED
        ).update(
            status=OutboxStatus.PENDING,
            attempts=0,
            first_attempt_at=None,
            next_attempt_at=now,
            enqueued_at=now,
            last_error="",
        )
    if updated:
        transaction.on_commit(lambda: _enqueue_marked(ids, now))
    return updated


def message_retry(*, message_id: int) -> bool:
    """Staff retry of one failed message."""
    return _failed_retry([message_id]) == 1


def messages_retry_failed(*, kind: str = "", q: str = "") -> int:
    """Staff retry of every failed message (of `kind`, recipient containing `q`): how many."""
    failed = selectors.outbox_messages(status=OutboxStatus.FAILED, kind=kind, q=q)
    return _failed_retry(list(failed.values_list("pk", flat=True)))
