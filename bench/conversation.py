"""Benchmark input for the conversation: one open case with a 50-message conversation.

The case page and the tracking page are timed with it (issue 11: p95 <= 30 ms, queries not
growing with the messages). Only the tracking token's hash is stored, so the case gets a new
token here, which the tracking scenario uses.
"""

from __future__ import annotations

import secrets

MESSAGES = 50


def conversation_prepare() -> dict:
    """Give an assigned open case 50 messages (half each way) and a known tracking token."""
    from django.db import transaction

    from cases.models import Case
    from cases.services import tracking_token_hash
    from conversation.models import Channel, Direction, Message

    case = (
        Case.objects.filter(state="contact_assigned", contact__isnull=False).order_by("id").first()
    )
    if case is None:
        return {}
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(tracking_token_hash=tracking_token_hash(token))
        have = Message.objects.filter(case=case).count()
        Message.objects.bulk_create(
            Message(
                case=case,
                direction=Direction.FROM_REQUESTER if i % 2 else Direction.TO_REQUESTER,
                body=f"Meddelande {i}: " + "Vi behöver veta mer om matsvinnet i skolköken. " * 4,
                channel=Channel.WEB,
            )
            for i in range(max(MESSAGES - have, 0))
        )
    return {"conversation_ref": case.reference, "conversation_token": token}
