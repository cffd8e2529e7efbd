"""A liaison's personal data in the privacy registry (privacy.registry): the export and erasure
by email address, and the retention of sign-in links.

A liaison is not a requester, but the registrar's "a person's data on request" looks an address
up across every holder, so a liaison's name, address, municipality and sign-ins are found and
erased there too. Sign-in links are kept only as long as they are any use: a day after they
expired (or were spent) the hourly retention job deletes them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from liaisons.models import Liaison, LoginToken

# Spent and expired sign-in links are deleted this long after they stopped working: long
# enough to answer "did someone use my link?" the same day, no longer.
TOKEN_KEEP = timedelta(days=1)


def liaison_export(email: str) -> dict:
    rows = Liaison.objects.filter(email=email.strip().lower()).select_related("municipality")
    return {
        "liaisons": [
            {
                "name": liaison.name,
                "email": liaison.email,
                "municipality": liaison.municipality.name,
                "active": liaison.active,
                "created_at": liaison.created_at.isoformat(),
                "last_login_at": (
                    liaison.last_login_at.isoformat() if liaison.last_login_at else None
                ),
                "sign_in_links": [
                    {
                        "created_at": t.created_at.isoformat(),
                        "expires_at": t.expires_at.isoformat(),
                        "used_at": t.used_at.isoformat() if t.used_at else None,
                    }
                    for t in liaison.login_tokens.order_by("created_at")
                ],
            }
            for liaison in rows
        ]
    }


def liaison_erase(email: str) -> int:
    """Delete the liaison with this address and their links (the audit log keeps its own
    entries until AUDIT_RETENTION_DAYS). Safe to run twice: the second finds nothing."""
    liaisons = Liaison.objects.filter(email=email.strip().lower())
    count = liaisons.count()
    liaisons.delete()  # the links go with them (CASCADE); an open session ends at its next request
    return count


def login_tokens_expire(before: datetime) -> int:
    """Delete sign-in links that stopped working more than TOKEN_KEEP ago. `before` (the
    requesters' RETENTION_MONTHS) is far longer than these are any use, so the cut is ours."""
    cut = max(before, timezone.now() - TOKEN_KEEP)
    deleted, _ = LoginToken.objects.filter(Q(expires_at__lt=cut) | Q(used_at__lt=cut)).delete()
    return deleted
