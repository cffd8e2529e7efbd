from __future__ import annotations

from django.db.models import QuerySet

from inbound.models import InboundMail, Outcome


def unmatched_mails() -> QuerySet[InboundMail]:
    return InboundMail.objects.filter(outcome=Outcome.UNMATCHED).order_by("-fetched_at", "-id")


def handled_mails(limit: int = 20) -> QuerySet[InboundMail]:
    """The latest attached or discarded: what coordinators did with the queue."""
    return (
        InboundMail.objects.filter(outcome__in=[Outcome.ATTACHED, Outcome.DISCARDED])
        .select_related("case", "handled_by")
        .order_by("-handled_at")[:limit]
    )
