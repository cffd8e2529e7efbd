"""The scheduled retention job: thin, claims its tick, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from notifications.services import tick_claim
from privacy.services import retention_apply


@shared_task
def apply_retention() -> int:
    # Beat sends it hourly; one tick per hour, so a second beat cannot double a run.
    if not tick_claim(name="apply_retention", slot=timezone.now().strftime("%Y%m%dT%H")):
        return 0
    return retention_apply(trigger="job").run.cases
