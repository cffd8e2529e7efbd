"""The outbox: every email is a row first, a task second."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class OutboxMessage(models.Model):
    # Unique idempotency key, e.g. "receipt:<case>" or "reminder:<case>:<rule>:<due>:<to>".
    # A second attempt to queue the same message finds the row and queues nothing new.
    key = models.CharField(max_length=200, unique=True)
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=40)
    reason = models.CharField(_("why it was sent"), max_length=300, blank=True)
    recipient = models.EmailField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    language = models.CharField(max_length=8, default="sv")
    # A message queued in bulk (reminders) is rendered when it is sent, from this template and
    # this JSON context plus what the app registered for its kind (services.register_context).
    template = models.CharField(max_length=60, blank=True)
    context = models.JSONField(default=dict, blank=True)
    # Checked just before sending (see services.register_still_wanted): e.g. a reminder is
    # dropped when the case has left the state it was about, even if already queued.
    condition = models.JSONField(default=dict, blank=True)
    # Sent in the case's email thread with the requester: the app that registered
    # services.register_thread_headers (inbound) fills `headers` when it is sent (Reply-To with
    # the case's reply address, In-Reply-To and References), so queuing costs no query.
    threaded = models.BooleanField(default=False)
    # Extra headers sent with the message (on top of Message-ID and Auto-Submitted).
    headers = models.JSONField(default=dict, blank=True)
    # An iCalendar object (RFC 5545 / iTIP) sent with the message: as a text/calendar
    # alternative with its METHOD, and as an .ics attachment (transport.message_send).
    calendar = models.TextField(blank=True)
    # A sensitive body (e.g. one that carries a tracking token) is erased once delivered.
    sensitive = models.BooleanField(default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    # Each claim adds one: a claim is "sending" with its attempt number (a later re-claim after
    # a worker died has another), so the outcome of a taken-over attempt changes nothing.
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # Set by the claim and renewed by the sending worker's heartbeat: a "sending" row whose
    # claim is older than OUTBOX_CLAIM_TIMEOUT_SECONDS belongs to a dead worker.
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Temporary failures are retried for OUTBOX_RETRY_PERIOD_SECONDS from the first attempt
    # (a staff retry starts the period again).
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    # When the sweep (or a staff retry) last enqueued a task for this row: the sweep enqueues a
    # row again only once it is due again, or after OUTBOX_REQUEUE_SECONDS (the task was lost).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [
            # The sweep reads unfinished rows by due time; a partial index keeps it small.
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_due_idx",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["status", "-created_at"], name="outbox_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient} ({self.status})"


class ScheduledRun(models.Model):
    """One row per periodic task and tick: the first scheduler to insert it runs the tick."""

    name = models.CharField(max_length=80)
    slot = models.CharField(max_length=40)
    ran_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="one_run_per_tick")]
        indexes = [models.Index(fields=["-ran_at"], name="scheduled_run_recent_idx")]
