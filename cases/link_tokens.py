"""Signed tokens for the action links in the assignment email (see cases.services.links).

A token carries the case id, contact id, purpose and case version, signed with Django's
TimestampSigner and a salt per purpose, so a token made for one purpose does not verify for
another and tampering breaks the signature. Making and checking a token touches no data, so
the emails (cases.notify) and the services that act on a link both use this module.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing

from cases.errors import LinkExpired, LinkInvalid
from cases.models import Case
from directory.models import ContactPerson

ACCEPT = "accept"
DECLINE = "decline"
MEET = "meet"
# Purpose -> the transition it performs (accepting only records an event).
PURPOSES: dict[str, str | None] = {ACCEPT: None, DECLINE: "hand_back", MEET: "record_meeting"}


def _salt(purpose: str) -> str:
    return f"samverka.cases.link.{purpose}"


def case_link_token(*, case: Case, contact: ContactPerson, purpose: str) -> str:
    """The token for `purpose` on `case` as it is now (its current version)."""
    if purpose not in PURPOSES:
        raise ValueError(f"Unknown link purpose: {purpose}")
    payload = {"case": case.pk, "contact": contact.pk, "purpose": purpose, "v": case.version}
    return signing.dumps(payload, salt=_salt(purpose))


def link_payload(*, token: str, purpose: str) -> dict[str, Any]:
    """The verified payload of a token; raises LinkInvalid (400) or LinkExpired (410)."""
    if purpose not in PURPOSES:
        raise LinkInvalid()
    max_age = timedelta(days=settings.SIGNED_LINK_MAX_AGE_DAYS)
    try:
        payload = signing.loads(token, salt=_salt(purpose), max_age=max_age)
    except signing.SignatureExpired as exc:
        raise LinkExpired() from exc
    except signing.BadSignature as exc:
        raise LinkInvalid() from exc
    if not (
        isinstance(payload, dict)
        and payload.get("purpose") == purpose
        and all(isinstance(payload.get(k), int) for k in ("case", "contact", "v"))
    ):
        raise LinkInvalid()
    return payload
