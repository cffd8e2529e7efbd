"""The IMAP side: connect from INBOUND_IMAP_URL, list, fetch and move messages (stdlib imaplib)."""

from __future__ import annotations

import imaplib
import re
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from django.conf import settings


class MailboxError(Exception):
    """The IMAP server is unreachable or answered with an error: try again on the next tick."""


@dataclass(frozen=True)
class MailboxConfig:
    secure: bool
    host: str
    port: int
    user: str
    password: str
    mailbox: str

    @classmethod
    def from_url(cls, url: str) -> MailboxConfig:
        parsed = urlparse(url)
        if parsed.scheme not in ("imap", "imaps") or not parsed.hostname:
            raise MailboxError("INBOUND_IMAP_URL must look like imaps://user:pass@host:993/INBOX")
        secure = parsed.scheme == "imaps"
        return cls(
            secure=secure,
            host=parsed.hostname,
            port=parsed.port or (993 if secure else 143),
            user=unquote(parsed.username or ""),
            password=unquote(parsed.password or ""),
            mailbox=unquote(parsed.path.lstrip("/")) or "INBOX",
        )

    @property
    def label(self) -> str:
        """Names the mailbox in records and logs, without the password."""
        return f"{self.user}@{self.host}:{self.port}/{self.mailbox}"


def _uid_set(uids: list[int]) -> str:
    return ",".join(str(uid) for uid in uids)


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ok(response: tuple[str, list], what: str) -> list:
    status, data = response
    if status != "OK":
        raise MailboxError(f"{what}: {status} {data!r}"[:500])
    return data


class Mailbox:
    """One logged-in session on the configured mailbox. Every imaplib error (and a dropped
    connection) becomes MailboxError."""

    def __init__(self, config: MailboxConfig):
        self.config = config
        self.imap: imaplib.IMAP4 | None = None
        self.uidvalidity = 0
        self.can_move = False

    def __enter__(self) -> Mailbox:
        c = self.config
        try:
            if c.secure:
                self.imap = imaplib.IMAP4_SSL(
                    c.host,
                    c.port,
                    ssl_context=ssl.create_default_context(),
                    timeout=settings.INBOUND_IMAP_TIMEOUT,
                )
            else:
                self.imap = imaplib.IMAP4(c.host, c.port, timeout=settings.INBOUND_IMAP_TIMEOUT)
            _ok(self.imap.login(c.user, c.password), "LOGIN")
            # The processed folder may exist already: a refused CREATE is fine.
            self.imap.create(_quote(settings.INBOUND_PROCESSED_FOLDER))
            _ok(self.imap.select(_quote(c.mailbox)), f"SELECT {c.mailbox}")
            [validity] = self.imap.response("UIDVALIDITY")[1]
            self.uidvalidity = int(validity)
            self.can_move = "MOVE" in self.imap.capabilities
        except (OSError, imaplib.IMAP4.error, ValueError, TypeError) as exc:
            self.__exit__()
            raise MailboxError(f"{type(exc).__name__}: {exc}") from exc
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.imap is not None:
            try:
                self.imap.logout()
            except Exception:  # noqa: BLE001 - the session is being thrown away
                pass
            self.imap = None

    def _call(self, what: str, *args: str) -> list:
        assert self.imap is not None
        try:
            return _ok(self.imap.uid(*args), what)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxError(f"{what}: {type(exc).__name__}: {exc}") from exc

    def uids(self) -> list[int]:
        """Every message in the mailbox, oldest first: what is still here is not done."""
        [found] = self._call("UID SEARCH", "SEARCH", "ALL")
        return sorted(int(uid) for uid in (found or b"").split())

    def sizes(self, uids: list[int]) -> dict[int, int]:
        """Each message's size, in one command (to fetch them in bounded chunks)."""
        if not uids:
            return {}
        data = self._call("UID FETCH", "FETCH", _uid_set(uids), "(RFC822.SIZE)")
        sizes = {}
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            uid = re.search(rb"\bUID (\d+)", line or b"")
            size = re.search(rb"\bRFC822\.SIZE (\d+)", line or b"")
            if uid and size:
                sizes[int(uid.group(1))] = int(size.group(1))
        return sizes

    def fetch(self, uids: list[int]) -> dict[int, bytes]:
        """The whole messages, in one command, without marking them read. A message that is
        gone meanwhile is missing from the answer."""
        if not uids:
            return {}
        data = self._call("UID FETCH", "FETCH", _uid_set(uids), "(BODY.PEEK[])")
        messages = {}
        for item in data:
            if isinstance(item, tuple):
                uid = re.search(rb"\bUID (\d+)", item[0])
                if uid:
                    messages[int(uid.group(1))] = item[1]
        return messages

    def move(self, uids: list[int]) -> None:
        """To the processed folder: MOVE, or COPY + \\Deleted + EXPUNGE where MOVE is missing."""
        if not uids:
            return
        folder, uid_set = _quote(settings.INBOUND_PROCESSED_FOLDER), _uid_set(uids)
        if self.can_move:
            self._call("UID MOVE", "MOVE", uid_set, folder)
            return
        self._call("UID COPY", "COPY", uid_set, folder)
        self._call("UID STORE", "STORE", uid_set, "+FLAGS.SILENT", r"(\Deleted)")
        assert self.imap is not None
        try:
            if "UIDPLUS" in self.imap.capabilities:
                _ok(self.imap.uid("EXPUNGE", uid_set), "UID EXPUNGE")
            else:
                _ok(self.imap.expunge(), "EXPUNGE")
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxError(f"EXPUNGE: {type(exc).__name__}: {exc}") from exc
