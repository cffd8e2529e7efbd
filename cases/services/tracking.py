"""Tracking links: a requester who lost theirs gets new ones by email.

Only the hash of a tracking token is stored, so a lost link cannot be sent again: each open
case of the address gets a new token, which ends the old link. The answer to the asker never
says whether the address has cases; only the address's owner learns that, from the email.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction

from cases import notify
from cases.models import Case
from cases.services.intake import tracking_token_hash
from workflows.models import OPEN_STATES


def tracking_links_resend(*, email: str, language: str = "sv") -> int:
    """Give every open case of `email` a new tracking token and queue one email with the links.

    Returns how many links were sent (0: no email). Closed cases keep their token: there is
    nothing left for the requester to do on them, and their old links keep working.

    1. Lock the address's open cases, so two resends in a row cannot cross: the second waits
       and sends links that are newer still, and only the last email's links work.
    2. Store each case's new token hash.
    3. Queue the email (sensitive: the body holds the tokens and is erased once delivered),
       keyed by the cases and their new token hashes, so each generation is sent once.
    """
    address = email.strip()
    if not address:
        return 0
    with transaction.atomic(durable=True):
        cases = list(
            Case.objects.select_for_update()
            .filter(requester_email__iexact=address, state__in=OPEN_STATES)
            .order_by("created_at", "id")
        )
        if not cases:
            return 0
        links = []
        for case in cases:
            token = secrets.token_urlsafe(32)
            case.tracking_token_hash = tracking_token_hash(token)
            case.save(update_fields=["tracking_token_hash"])
            links.append((case, token))
        generation = hashlib.sha256(
            ",".join(f"{case.pk}:{case.tracking_token_hash}" for case in cases).encode()
        ).hexdigest()
        notify.tracking_links(
            recipient=cases[0].requester_email,
            links=links,
            language=language,
            key=f"tracking_links:{generation}",
        )
    return len(links)
