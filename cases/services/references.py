from __future__ import annotations

from django.conf import settings
from django.db import connection

from cases.models import Case, ReferenceCounter


def reference_allocate(*, case_id: int, year: int) -> str:
    """Give case `case_id` the next reference of `year`, e.g. AK-2026-0001, and return it.

    Must run inside the intake transaction, as its last statements: the year's counter row is
    locked from here to the commit, so concurrent submissions queue on it and never share a
    number, and a rolled-back submission gives its number back (no gaps). Everything the
    transaction does after this call, every other submission of the year waits for.
    """
    assert connection.in_atomic_block, "allocate inside the intake transaction"
    counter = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    cases = connection.ops.quote_name(Case._meta.db_table)
    with connection.cursor() as cursor:
        # One statement (PostgreSQL, and SQLite >= 3.35): create the year's row or bump it,
        # and read the new value; the row stays locked by the upsert until the transaction ends.
        cursor.execute(
            f"INSERT INTO {counter} (year, last) VALUES (%s, 1) "
            f"ON CONFLICT (year) DO UPDATE SET last = {counter}.last + 1 RETURNING last",
            [year],
        )
        (number,) = cursor.fetchone()
        reference = settings.CASE_REFERENCE_FORMAT.format(
            prefix=settings.CASE_REFERENCE_PREFIX, year=year, number=number
        )
        # Plain SQL on the same cursor: with the lock held, no ORM work between the two.
        cursor.execute(f"UPDATE {cases} SET reference = %s WHERE id = %s", [reference, case_id])
    return reference
