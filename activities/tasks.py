"""Thin periodic task: claims its tick, then queues the reminders that are due."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from activities import services
from notifications.services import tick_claim


@shared_task
def send_activity_reminders() -> int:
    if not tick_claim(name="send_activity_reminders", slot=timezone.now().strftime("%Y%m%dT%H%M")):
        return 0
    return services.reminders_queue_due()
