"""A real IMAP server (Debian's Dovecot, started by the tests) and emails as mail clients write
them."""

from __future__ import annotations

import imaplib
import itertools
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.utils import timezone

from bench.dovecot import Dovecot, available
from tests.conftest import _need

_ids = itertools.count(1)


@pytest.fixture(scope="session")
def dovecot():
    _need(available(), "Dovecot (Debian: apt-get install dovecot-imapd)")
    server = Dovecot().start()
    yield server
    server.stop()


class Imap:
    """The test's view of the mailbox: put mail in with APPEND, count what is where."""

    def __init__(self, server: Dovecot):
        self.server = server

    def _session(self) -> imaplib.IMAP4:
        session = imaplib.IMAP4("127.0.0.1", self.server.port, timeout=10)
        session.login(self.server.user, self.server.password)
        return session

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        session = self._session()
        try:
            status, data = session.append(folder, "", None, raw)
            assert status == "OK", data
        finally:
            session.logout()

    def count(self, folder: str) -> int:
        session = self._session()
        try:
            status, data = session.select(folder, readonly=True)
            return int(data[0]) if status == "OK" else 0
        finally:
            session.logout()

    def clear(self) -> None:
        session = self._session()
        try:
            for folder in ("INBOX", "Processed"):
                session.create(folder)
                status, data = session.select(folder)
                if status == "OK" and int(data[0]):
                    session.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
                    session.expunge()
        finally:
            session.logout()


@pytest.fixture
def imap(dovecot, settings, tmp_path):
    """An empty INBOX and processed folder, Samverka pointed at them, stored files in tmp."""
    box = Imap(dovecot)
    box.clear()
    settings.INBOUND_IMAP_URL = dovecot.url()
    settings.INBOUND_PROCESSED_FOLDER = "Processed"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return box


ORIGINAL = """Hej Eva,

Vi har tagit emot din förfrågan "Minska matsvinnet i skolorna".
Ärendet har nummer {reference}.

Med vänliga hälsningar
Samverka"""


def client_reply(
    *,
    to: str,
    sender: str = "Eva Ek <eva.ek@boras.example>",
    text: str = "Tack! Vi kan träffas tisdag 10 december kl. 14.\nJag bifogar vår agenda.",
    reference: str = "AK-2026-0001",
    files: tuple[tuple[str, str, bytes], ...] = (),
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    """A reply as Thunderbird or Outlook writes it: the new text, a signature after "-- ", then
    the Swedish "Den … skrev:" header and the quoted original; attachments after the text."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Re: Vi har tagit emot din förfrågan"
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = message_id or f"<reply-{next(_ids)}-{id(message)}@boras.example>"
    for name, value in (headers or {}).items():
        message[name] = value
    quoted = "\n".join(
        f"> {line}".rstrip() for line in ORIGINAL.format(reference=reference).split("\n")
    )
    message.set_content(
        f"{text}\n\n-- \nEva Ek\nMiljöstrateg, Borås Stad\n031-123 45 67\n\n"
        f"Den 5 dec. 2026 kl. 10:12 skrev Samverka <samverka@hb.example>:\n{quoted}\n"
    )
    for name, content_type, data in files:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


# The smallest real files of allowed types (checked by content, not by name).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>"
    b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
