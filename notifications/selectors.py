from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Any, cast

from django.core.paginator import Paginator
from django.db.models import Count, Min, Q, QuerySet

from notifications.models import OutboxMessage, OutboxStatus, ScheduledRun


def messages_for_case(*, case_id: int) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(case_id=case_id).defer("body_text", "body_html")


def message_key_exists(*, key: str) -> bool:
    return OutboxMessage.objects.filter(key=key).exists()


def outbox_messages(*, status: str = "", kind: str = "", q: str = "") -> QuerySet[OutboxMessage]:
    """The staff outbox list: newest first, by status ("" for any), kind and recipient."""
    messages = OutboxMessage.objects.defer("body_text", "body_html", "context")
    if status:
        messages = messages.filter(status=status)
    if kind:
        messages = messages.filter(kind=kind)
    if q:
        messages = messages.filter(recipient__icontains=q)
    return messages.order_by("-created_at", "-id")


def outbox_kinds() -> list[str]:
    """Kinds for the outbox filter, from the rows that are not done (few, through the status
    index); delivered and cancelled messages have the same kinds in practice."""
    done = [OutboxStatus.SENT, OutboxStatus.CANCELLED]
    return sorted(
        OutboxMessage.objects.exclude(status__in=done)
        .order_by()
        .values_list("kind", flat=True)
        .distinct()
    )


class CappedPaginator(Paginator):
    """Counts only up to `cap` (as the staff inbox does): an exact total over a million
    delivered messages costs a scan on every page view and helps nobody."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        return cast(QuerySet, self.object_list)[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap


def outbox_backlog() -> int:
    return OutboxMessage.objects.filter(
        status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING]
    ).count()


def outbox_health(
    *, failed_since: datetime, stuck_before: datetime, overdue_before: datetime
) -> dict[str, Any]:
    """One query for /healthz: the backlog; messages failed since `failed_since`; "sending"
    with a claim not renewed since `stuck_before` (a dead worker's); pending and due before
    `overdue_before` (nobody is delivering). With the oldest of each."""
    unfinished = Q(status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING])
    failed = Q(status=OutboxStatus.FAILED, claimed_at__gte=failed_since)
    stuck = Q(status=OutboxStatus.SENDING, claimed_at__lt=stuck_before)
    overdue = Q(status=OutboxStatus.PENDING, next_attempt_at__lt=overdue_before)
    return OutboxMessage.objects.filter(unfinished | Q(status=OutboxStatus.FAILED)).aggregate(
        backlog=Count("pk", filter=unfinished),
        failed=Count("pk", filter=failed),
        failed_oldest=Min("created_at", filter=failed),
        stuck=Count("pk", filter=stuck),
        stuck_oldest=Min("claimed_at", filter=stuck),
        overdue=Count("pk", filter=overdue),
        overdue_oldest=Min("next_attempt_at", filter=overdue),
    )


def last_beat_tick() -> datetime | None:
    return ScheduledRun.objects.order_by("-ran_at").values_list("ran_at", flat=True).first()
