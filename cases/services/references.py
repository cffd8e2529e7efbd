from __future__ import annotations

from django.conf import settings
from django.db import connection

from cases.models import ReferenceCounter


def reference_allocate(*, year: int) -> str:
    """Next reference of `year`, e.g. AK-2026-0001. Must run inside the intake transaction,
    as late in it as possible.

    The counter row is locked from this statement until the commit, so concurrent submissions
    queue on it and never share a number, and a rolled-back submission gives its number back
    (no gaps). Whatever the transaction does after this call, every other submission of the
    year waits for: call it last.
    """
    assert connection.in_atomic_block, "allocate inside the intake transaction"
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    # One statement (PostgreSQL, and SQLite >= 3.35): create the year's row or bump it, and
    # read the new value; the row stays locked by the upsert until the transaction ends.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        (number,) = cursor.fetchone()
    return settings.CASE_REFERENCE_FORMAT.format(
        prefix=settings.CASE_REFERENCE_PREFIX, year=year, number=number
    )
