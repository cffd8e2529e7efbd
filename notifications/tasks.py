"""Thin Celery tasks: ids in, a service call, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from notifications import services


@shared_task(acks_late=True)
def deliver_message(message_id: int) -> str:
    return services.message_deliver(message_id=message_id)


@shared_task(acks_late=True)
def deliver_messages(message_ids: list[int]) -> list[str]:
    return [services.message_deliver(message_id=pk) for pk in message_ids]


@shared_task
def outbox_sweep() -> int:
    return services.outbox_sweep()
