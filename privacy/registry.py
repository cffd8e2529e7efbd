"""Who holds personal data about a requester, and how to erase and export it.

Retention (privacy.services.retention_apply) and a requester's erasure or export
(privacy.services.requester_erase / requester_export) ask every registered holder. An app that
stores personal data of requesters (messages, attachments, inbound emails) registers once, from
its AppConfig.ready():

    from privacy import registry

    registry.register(
        "conversation",
        eraser=messages_erase,            # fn(case_ids: list[int]) -> int  (items anonymised)
        exporter=messages_export,         # fn(email: str) -> dict           (JSON-serialisable)
        attachments=attachments_for,      # fn(email: str) -> iterable of (filename, bytes)
        email_eraser=unmatched_erase,     # fn(email: str) -> int  (data not tied to a case)
        expirer=registrations_expire,     # fn(before: datetime) -> int (data not tied to a case,
                                          #   older than the retention time)
        purger=ignored_mail_purge,        # fn(now: datetime) -> int (data kept for a time of
    )                                     #   the app's own, e.g. automatic replies)

Rules for the callables:
- `eraser` anonymises or deletes what the app holds for those cases and returns how many items
  it changed. It runs inside the caller's transaction (all-or-nothing with the case itself) and
  must be safe to run twice (a second run changes nothing and returns 0).
- `exporter` returns everything the app holds about one email address (as the requester), as
  JSON-serialisable values; it must not change anything.
- `attachments` yields (name, content) pairs for the export's zip; names need not be unique.
- `email_eraser` erases what is tied to the address but to no case (e.g. an unmatched inbound
  email); also inside the caller's transaction, also safe to run twice.
- `expirer` anonymises what is tied to no case and ended before `before` (RETENTION_MONTHS
  ago), e.g. registrations for activities held long ago; safe to run twice.
- `purger` deletes what the app keeps only for a period of its own (its own setting, counted
  back from `now`), e.g. automatic replies and bounces; safe to run twice.

This module imports no app, so any app may import it without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

Eraser = Callable[[list[int]], int]
Exporter = Callable[[str], dict]
Attachments = Callable[[str], Iterable[tuple[str, bytes]]]
EmailEraser = Callable[[str], int]
Expirer = Callable[[datetime], int]
Purger = Callable[[datetime], int]


@dataclass(frozen=True)
class Holder:
    name: str
    eraser: Eraser | None = None
    exporter: Exporter | None = None
    attachments: Attachments | None = None
    email_eraser: EmailEraser | None = None
    expirer: Expirer | None = None
    purger: Purger | None = None


_holders: dict[str, Holder] = {}


def register(
    name: str,
    *,
    eraser: Eraser | None = None,
    exporter: Exporter | None = None,
    attachments: Attachments | None = None,
    email_eraser: EmailEraser | None = None,
    expirer: Expirer | None = None,
    purger: Purger | None = None,
) -> Holder:
    """Register (or replace: ready() may run twice in tests) the holder called `name`."""
    if not name:
        raise ValueError("A holder needs a name")
    holder = Holder(name, eraser, exporter, attachments, email_eraser, expirer, purger)
    _holders[name] = holder
    return holder


def unregister(name: str) -> None:
    _holders.pop(name, None)


def holders() -> list[Holder]:
    """The registered holders, in registration order."""
    return list(_holders.values())
