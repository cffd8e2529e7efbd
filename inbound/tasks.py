"""The periodic fetch: claims its tick (two beats never fetch the same tick twice) and is safe
to run twice, or to be killed anywhere (see services.mail_fetch)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from inbound import services
from notifications.services import tick_claim


@shared_task
def fetch_mail() -> dict[str, int]:
    if not settings.INBOUND_IMAP_URL:
        return {}
    now = timezone.now()
    period = max(int(settings.INBOUND_FETCH_SECONDS), 1)
    slot = f"{int(now.timestamp()) // period}"
    if not tick_claim(name="inbound_fetch", slot=slot):
        return {}
    return dict(services.mail_fetch().counts)
