from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import OutboxMessage, OutboxStatus, ScheduledRun


def messages_for_case(*, case_id: int) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(case_id=case_id).defer("body_text", "body_html")


def failed_messages() -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(status=OutboxStatus.FAILED).defer("body_text", "body_html")


def outbox_backlog() -> int:
    return OutboxMessage.objects.filter(
        status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING]
    ).count()


def last_beat_tick():
    return ScheduledRun.objects.order_by("-ran_at").values_list("ran_at", flat=True).first()
