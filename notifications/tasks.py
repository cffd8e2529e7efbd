"""Thin Celery tasks: ids in, a service call, safe to run twice.

The services publish these by name (notifications.queue), so this module is the only one
that imports both Celery's task machinery and the services.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from notifications import services


@shared_task(acks_late=True)
def deliver_message(message_id: int) -> str:
    return services.message_deliver(message_id=message_id)


@shared_task(acks_late=True)
def deliver_messages(message_ids: list[int]) -> list[str]:
    return [services.message_deliver(message_id=pk) for pk in message_ids]


@shared_task
def outbox_sweep() -> int:
    # Beat sends it every 30 s: one tick per half minute, so a second beat cannot double it.
    # The tick is also what /healthz reads to tell that beat and the periodic queue are alive.
    now = timezone.now()
    if not services.tick_claim(name="outbox_sweep", slot=f"{now:%Y%m%dT%H%M}.{now.second // 30}"):
        return 0
    return services.outbox_sweep(now=now)
