"""The conversation of a case: messages between staff and the requester, and their files."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from cases.models import Case


class Direction(models.TextChoices):
    TO_REQUESTER = "to_requester", _("To the requester")
    FROM_REQUESTER = "from_requester", _("From the requester")


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    EMAIL = "email", _("Email")
    API = "api", _("API")


class Message(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=20, choices=Direction.choices)
    # The staff user who wrote a message to the requester; none for the requester's messages.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # The address an emailed reply came from; "flagged" when it is not the requester's.
    sender_email = models.EmailField(blank=True)
    flagged = models.BooleanField(
        default=False, help_text=_("Sent from another address than the requester's.")
    )
    # Why it is flagged, for the staff who read it (e.g. "another address", "case ended").
    flag_reasons = models.JSONField(default=list, blank=True)
    # Files of an emailed reply that were not accepted (name and reason): kept as a record.
    refused_files = models.JSONField(default=list, blank=True)
    # The Message-ID of an imported email: importing the same email again finds this row.
    email_message_id = models.CharField(max_length=998, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when retention erased the body and files (conversation.services.case_conversation_erase).
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="message_case_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["email_message_id"],
                condition=~models.Q(email_message_id=""),
                name="message_email_id_unique",
            )
        ]

    @property
    def from_requester(self) -> bool:
        return self.direction == Direction.FROM_REQUESTER


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    # A random folder per file: the stored name is never guessable and never collides, and the
    # original name (kept in `filename`) plays no part in where the file lives.
    name = get_valid_filename(filename)[-100:] or "file"
    return f"attachments/{secrets.token_urlsafe(18)}/{name}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_upload_to, max_length=300)
    filename = models.CharField(_("file name"), max_length=255)
    # Detected from the content (conversation.attachments), never taken from the sender.
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class ReplyTemplate(models.Model):
    """A named answer to a common question, kept by coordinators (admin). `{name}` and
    `{reference}` are replaced by the requester's name and the case reference."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    body = models.TextField(
        _("text"), help_text=_("{name} becomes the requester's name, {reference} the reference.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")

    def __str__(self) -> str:
        return self.name

    def fill(self, *, name: str, reference: str) -> str:
        # Plain replacement, not str.format: a stray brace in a template is just text.
        return self.body.replace("{name}", name).replace("{reference}", reference)
