"""Thin periodic tasks. Each claims its tick first, so two beats never run one tick twice;
and the work itself is safe to repeat (due times move on, message keys are unique)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from cases.services import reminders
from notifications.services import tick_claim


@shared_task
def send_due_reminders() -> int:
    if not tick_claim(name="send_due_reminders", slot=timezone.now().strftime("%Y%m%dT%H%M")):
        return 0
    return len(reminders.reminders_send_due())


@shared_task
def send_digests() -> int:
    if not tick_claim(name="send_digests", slot=timezone.now().strftime("%Y%m%dT%H%M")):
        return 0
    return reminders.digests_send()
