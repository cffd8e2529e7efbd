from __future__ import annotations

from django.conf import settings
from django.db import transaction

from cases.models import ReferenceCounter


def reference_allocate(*, year: int) -> str:
    """Next reference of `year`, e.g. AK-2026-0001. Must run inside the intake transaction.

    The counter row is locked until commit, so concurrent submissions queue on it and never
    share a number; a rolled-back submission gives its number back.
    """
    assert transaction.get_connection().in_atomic_block, "allocate inside the intake transaction"
    ReferenceCounter.objects.bulk_create([ReferenceCounter(year=year)], ignore_conflicts=True)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return settings.CASE_REFERENCE_FORMAT.format(
        prefix=settings.CASE_REFERENCE_PREFIX, year=year, number=counter.last
    )
