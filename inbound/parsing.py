"""Reading one fetched email: what kind it is, whom it is for, the new text and the files.

Pure functions over bytes (the stdlib `email` package and mail-parser-reply); no database.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from html.parser import HTMLParser

from mailparser_reply import EmailReplyParser
from mailparser_reply.parser import EmailMessage as ReplyText

from inbound.addresses import threads_in, tokens_in
from inbound.authentication import Authentication, authenticate

REPLY = "reply"
AUTO_REPLY = "auto_reply"
BOUNCE = "bounce"

# Where a reply address may stand: the visible recipients and what the delivering server
# recorded of the envelope (a Bcc or an alias leaves the token only there).
ADDRESS_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")
# Languages whose "On … wrote:" headers and greetings the reply parser knows.
REPLY_LANGUAGES = ["sv", "en"]


@dataclass
class MailFile:
    name: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    message_id: str
    sender: str
    recipient: str
    subject: str
    sent_at: datetime | None
    kind: str
    tokens: list[str]
    threads: list[str]
    body: str = ""
    files: list[MailFile] = field(default_factory=list)
    # Parts that could not be read as files (e.g. an attached email without content).
    unreadable: list[str] = field(default_factory=list)
    # SPF/DKIM/DMARC (inbound.authentication); replies only.
    authentication: Authentication = field(default_factory=Authentication)


class _Headers:
    """The top-level headers as sent, unparsed: the stdlib's structured header parsing costs
    more than the rest of reading a reply, and only the subject needs decoding."""

    def __init__(self, message: Message):
        self.values: dict[str, list[str]] = {}
        for name, value in message.raw_items():
            self.values.setdefault(name.lower(), []).append(" ".join(str(value).split()))

    def get(self, name: str) -> str:
        return self.values.get(name.lower(), [""])[0]

    def all(self, name: str) -> list[str]:
        return self.values.get(name.lower(), [])

    def decoded(self, name: str) -> str:
        """RFC 2047 encoded words (=?utf-8?q?...?=) decoded; a malformed one is kept raw."""
        value = self.get(name)
        try:
            return " ".join(str(make_header(decode_header(value))).split())
        except (LookupError, ValueError, UnicodeError):
            return value


def _kind(message: Message, headers: _Headers, sender: str) -> str:
    """Bounces and delivery reports, then automatic replies (RFC 3834 and common practice);
    everything else is a reply."""
    content_type = message.get_content_type()
    report_type = (message.get_param("report-type") or "") if content_type else ""
    local = sender.split("@", 1)[0].lower()
    if content_type == "multipart/report" and str(report_type).lower() == "delivery-status":
        return BOUNCE
    if local in ("mailer-daemon", "postmaster"):
        return BOUNCE
    if content_type == "multipart/report":  # read receipts and other reports
        return AUTO_REPLY
    auto_submitted = headers.get("Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return AUTO_REPLY
    if headers.get("Precedence").lower() in ("bulk", "junk", "list", "auto_reply"):
        return AUTO_REPLY
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if headers.all(name):
            return AUTO_REPLY
    if headers.get("Return-Path") == "<>":  # the null sender: generated, not written
        return AUTO_REPLY
    return REPLY


class _Text(HTMLParser):
    """HTML to plain text for an email without a text part: block elements become line
    breaks; quoted blocks (<blockquote>, Gmail's and Outlook's quote containers) are left out."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "table", "ul", "ol"}
    SKIP = {"script", "style", "head", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = dict(attrs).get("class") or ""
        if self.skipping or tag in self.SKIP or "gmail_quote" in classes:
            self.skipping.append(tag)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if self.skipping[-1] == tag:
                self.skipping.pop()
            return
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return re.sub(r"\n{3,}", "\n\n", "".join(parser.parts)).strip()


# Mail clients wrap a long "Den 5 dec. 2026 kl. 10:12 skrev Namn <adress>:" over two lines;
# the reply parser knows the header on one line only.
_WRAPPED_HEADER = re.compile(
    r"^((?:Den|On) [^\n]{4,200})\n([^\n]{0,200}(?:skrev|wrote):)[ \t]*$", re.MULTILINE
)


def reply_text(text: str) -> str:
    """The newest part of a reply: quoted earlier messages, their "Den … skrev:" header and the
    signature (after "-- ", or "Med vänliga hälsningar" and the like) removed."""
    text = text.replace("\r\n", "\n")
    text = _WRAPPED_HEADER.sub(r"\1 \2", text)
    parsed = ReplyText(
        text=text,
        languages=list(EmailReplyParser(languages=REPLY_LANGUAGES).languages),
        keep_hyphen_lists=True,  # a "- item" list is text, not a signature
    ).read()
    if not parsed.replies:
        return text.strip()
    newest = parsed.replies[0].body.strip()
    # A reply written below the quote (rare) leaves nothing above it: keep the whole text.
    return newest or text.strip()


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset: read what can be read
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if part.get_content_type() == "text/html":
        content = html_to_text(content)
    return reply_text(content)


def _files(message: EmailMessage) -> tuple[list[MailFile], list[str]]:
    files, unreadable = [], []
    for n, part in enumerate(message.iter_attachments(), start=1):
        content_type = part.get_content_type()
        name = part.get_filename() or ""
        if part.is_multipart() or content_type == "message/rfc822":
            # An attached email: kept whole as a file of its own.
            inner = part.get_payload()
            data = inner[0].as_bytes() if isinstance(inner, list) and inner else b""  # type: ignore[union-attr]
            content_type, name = "message/rfc822", name or f"message-{n}.eml"
        else:
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
        name = name or f"attachment-{n}"
        if not data:
            unreadable.append(name)
            continue
        files.append(MailFile(name=name[:200], content_type=content_type, data=data))
    return files, unreadable


def mail_parse(raw: bytes) -> ParsedMail:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    headers = _Headers(message)
    sender = parseaddr(headers.get("From"))[1].lower()
    message_id = headers.get("Message-ID")[:500]
    if not message_id:
        message_id = f"<sha256-{hashlib.sha256(raw).hexdigest()}@inbound.invalid>"
    addresses = " ".join(value for name in ADDRESS_HEADERS for value in headers.all(name))
    try:
        sent_at = parsedate_to_datetime(headers.get("Date")) or None
        if sent_at is not None and sent_at.tzinfo is None:
            sent_at = None
    except (TypeError, ValueError, IndexError):
        sent_at = None
    recipients = ", ".join(a for _, a in getaddresses(headers.all("To")) if a)
    parsed = ParsedMail(
        message_id=message_id,
        sender=sender,
        recipient=recipients[:1000],
        subject=headers.decoded("Subject")[:300],
        sent_at=sent_at,
        kind=_kind(message, headers, sender),
        tokens=tokens_in(addresses),
        threads=threads_in(headers.get("In-Reply-To") + " " + headers.get("References")),
    )
    if parsed.kind == REPLY:
        parsed.body = _body(message)
        parsed.files, parsed.unreadable = _files(message)
        parsed.authentication = authenticate(message, raw, sender)
    return parsed
