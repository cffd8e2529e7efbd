"""Sending one outbox message over the configured email backend, and what its errors mean."""

from __future__ import annotations

import hashlib
import re
import smtplib
import threading
import time
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from notifications.models import OutboxMessage

# One SMTP connection per worker process, reused while it is fresh: connecting, EHLO and QUIT
# per message would cost more than the message. A connection idle for longer than this may
# have been dropped by the server, so it is opened anew instead.
MAIL_CONNECTION_IDLE_SECONDS = 15
_mail = threading.local()


def _message_id(message: OutboxMessage) -> str:
    # Stable per outbox row, so a receiving server can also drop a duplicate.
    digest = hashlib.sha256(message.key.encode()).hexdigest()[:32]
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "samverka.local"
    return f"<{digest}@{domain}>"


def _mail_connection() -> Any:
    key = (
        settings.EMAIL_BACKEND,
        getattr(settings, "EMAIL_HOST", ""),
        getattr(settings, "EMAIL_PORT", 0),
    )
    fresh = time.monotonic() - getattr(_mail, "used", 0.0) < MAIL_CONNECTION_IDLE_SECONDS
    if getattr(_mail, "connection", None) is None or _mail.key != key or not fresh:
        mail_connection_drop()
        _mail.connection = get_connection()
        _mail.connection.open()
        _mail.key = key
    _mail.used = time.monotonic()
    return _mail.connection


def mail_connection_drop() -> None:
    """Close this thread's connection: after an error its state is unknown."""
    connection = getattr(_mail, "connection", None)
    _mail.connection = None
    if connection is not None:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - it is being thrown away
            pass


def _calendar_method(calendar: str) -> str:
    match = re.search(r"^METHOD:([A-Z-]+)\r?$", calendar, re.MULTILINE)
    return match[1] if match else "PUBLISH"


def _calendar_attach(email: EmailMultiAlternatives, calendar: str) -> None:
    """An iTIP invitation as calendar clients expect it (RFC 6047): a text/calendar part with
    the METHOD parameter among the alternatives, which Outlook and Gmail show as an invitation,
    and the same object as an .ics attachment for clients that only offer to open a file."""
    # Django makes the part from "text/<subtype>", so the parameter rides on the subtype.
    email.attach_alternative(calendar, f"text/calendar; method={_calendar_method(calendar)}")
    # As bytes: a str would be encoded by the MIME library as Latin-1 (ö would break).
    email.attach("invitation.ics", calendar.encode(), "application/ics")


def message_send(*, message: OutboxMessage) -> None:
    """Send `message` as rendered on the row; raises what the backend raised."""
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={
            "Message-ID": _message_id(message),
            "Auto-Submitted": "auto-generated",
            **message.headers,
        },
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    if message.calendar:
        _calendar_attach(email, message.calendar)
    email.connection = _mail_connection()
    email.send()


def error_is_permanent(exc: Exception) -> bool:
    """SMTP 5xx replies are permanent; everything else (4xx, refused connection) is not."""
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code = next(iter(exc.recipients.values()))[0]
    return isinstance(code, int) and 500 <= code < 600
