"""Inbound email: each case's reply address, and every message fetched from the mailbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case


class ReplyAddress(models.Model):
    """The case's reply address (`svar+<token>@domain`) and the root of its email thread.

    Both are random: the token is what a reply is matched by, so it must not be guessable from
    the reference or the id; `thread` names the case's thread in Message-ID headers
    (`<case-<thread>@domain>`), so a reply whose address lost its token still finds its case
    through In-Reply-To / References. The token is stored as is (not hashed): every email to the
    requester repeats it, and it only lets someone add a reply, which is flagged unless it comes
    from the requester's address.
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="reply_address")
    token = models.CharField(max_length=40, unique=True)
    thread = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the case is anonymised: the address stops working.
    revoked_at = models.DateTimeField(null=True, blank=True)


class Outcome(models.TextChoices):
    # Decided as a reply to a case, import begun: a fetch that finds it finishes the import.
    PENDING = "pending", _("Being imported")
    IMPORTED = "imported", _("Imported as a reply")
    DUPLICATE = "duplicate", _("Duplicate (already imported)")
    AUTO_REPLY = "auto_reply", _("Automatic reply (ignored)")
    BOUNCE = "bounce", _("Bounce or delivery report (ignored)")
    UNMATCHED = "unmatched", _("Unmatched")
    ATTACHED = "attached", _("Attached to a case by staff")
    DISCARDED = "discarded", _("Discarded by staff")


class Reason(models.TextChoices):
    """Why a message went to the unmatched queue."""

    NONE = "", _("(none)")
    NO_ADDRESS = "no_address", _("Not addressed to a case's reply address")
    UNKNOWN = "unknown", _("Unknown reply address")
    EXPIRED = "expired", _("The reply address expired: the case ended long ago")
    ANONYMISED = "anonymised", _("The case was anonymised")
    REFUSED = "refused", _("The case did not accept the reply")
    UNREADABLE = "unreadable", _("The email could not be read")


class Verdict(models.TextChoices):
    """Whether the sender's domain vouched for the message (SPF/DKIM/DMARC; inbound.authentication)."""

    UNCHECKED = "", _("Not checked")
    PASS = "pass", _("Sender verified (SPF/DKIM/DMARC)")
    FAIL = "fail", _("Sender not verified: SPF/DKIM/DMARC failed")
    NONE = "none", _("No SPF/DKIM/DMARC result")


class InboundMail(models.Model):
    """One message fetched from the mailbox, whatever became of it: the record that makes a
    fetch safe to interrupt and repeat (one row per mailbox, UIDVALIDITY and UID; a Message-ID
    already imported is a duplicate) and the queue of unmatched mail."""

    mailbox = models.CharField(max_length=200)
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    # The Message-ID header, or (none) one made from the message's hash.
    message_id = models.CharField(max_length=500, db_index=True)
    sender = models.CharField(_("from"), max_length=320, blank=True)
    recipient = models.CharField(_("to"), max_length=1000, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    # The Date header (when it was written); fetched_at is when we took it in.
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    fetched_at = models.DateTimeField(_("received"), auto_now_add=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    reason = models.CharField(_("why unmatched"), max_length=12, choices=Reason.choices, blank=True)
    # Details: the token that matched nothing, refused attachments, an import error.
    note = models.TextField(_("note"), blank=True)
    # The reply text with quotes and signature removed, as imported or to be imported.
    body = models.TextField(blank=True)
    # The whole message as received, in Django's storage: an unmatched message can still be
    # attached with its files later, and nothing fetched is ever lost.
    raw = models.FileField(upload_to="inbound/%Y/%m/", max_length=200)
    size = models.PositiveIntegerField(default=0)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_mails"
    )
    # The conversation message the reply became (conversation.Message's id).
    message_pk = models.BigIntegerField(null=True, blank=True)
    # From an address other than the requester's, or the sender's domain did not vouch for it.
    flagged = models.BooleanField(default=False)
    # SPF/DKIM/DMARC: the verdict and what it rests on (the receiving server's results, our own
    # DKIM check), for staff to read.
    authentication = models.CharField(
        _("sender verification"), max_length=4, choices=Verdict.choices, blank=True, default=""
    )
    authentication_details = models.CharField(max_length=1000, blank=True, default="")
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-fetched_at", "-id"]
        verbose_name = _("incoming email")
        verbose_name_plural = _("incoming emails")
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "uidvalidity", "uid"], name="inbound_one_row_per_uid"
            )
        ]
        indexes = [
            models.Index(
                fields=["-fetched_at"],
                name="inbound_unmatched_idx",
                condition=models.Q(outcome="unmatched"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject} ({self.outcome})"


class FetchStatus(models.Model):
    """How the last fetches of one mailbox went, for /healthz: one row per mailbox, updated at
    the end of every fetch (mail_fetch)."""

    mailbox = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.mailbox
