from __future__ import annotations

import re
import string
from functools import cache

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
    # Create the year's row or bump it, and read the new value; the row stays locked by the
    # upsert until the transaction ends (PostgreSQL, and SQLite >= 3.35).
    bump = (
        f"INSERT INTO {counter} (year, last) VALUES (%s, 1) "
        f"ON CONFLICT (year) DO UPDATE SET last = {counter}.last + 1 RETURNING last"
    )
    parts = _format_in_sql(settings.CASE_REFERENCE_FORMAT, settings.CASE_REFERENCE_PREFIX, year)
    with connection.cursor() as cursor:
        if parts is not None and connection.vendor == "postgresql":
            # ONE statement: the counter is bumped and the case gets its reference in the same
            # round trip, so the lock is held for that statement and the commit only.
            sql, params = parts
            cursor.execute(
                f"WITH n AS ({bump}) UPDATE {cases} SET reference = {sql} FROM n "
                f"WHERE {cases}.id = %s RETURNING reference",
                [year, *params, case_id],
            )
            (reference,) = cursor.fetchone()
            return reference
        cursor.execute(bump, [year])
        (number,) = cursor.fetchone()
        reference = settings.CASE_REFERENCE_FORMAT.format(
            prefix=settings.CASE_REFERENCE_PREFIX, year=year, number=number
        )
        # Plain SQL on the same cursor: with the lock held, no ORM work between the two.
        cursor.execute(f"UPDATE {cases} SET reference = %s WHERE id = %s", [reference, case_id])
    return reference


@cache
def _format_in_sql(fmt: str, prefix: str, year: int) -> tuple[str, list[str]] | None:
    """CASE_REFERENCE_FORMAT as a PostgreSQL expression of the new number `n.last`, with its
    parameters: the same text as fmt.format(prefix=..., year=..., number=...). None for a
    format this does not translate (the number in any other style than `{number}` or
    `{number:0Nd}`); the reference is then formatted in Python, one statement later."""
    pieces, params = [], []
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError:
        return None
    for literal, name, spec, conversion in parsed:
        if literal:
            pieces.append("%s")
            params.append(literal)
        if name is None:
            continue
        if conversion or "{" in (spec or ""):
            return None
        if name in ("prefix", "year"):
            pieces.append("%s")
            params.append(format({"prefix": prefix, "year": year}[name], spec or ""))
            continue
        if name != "number":
            return None
        number = "CAST(n.last AS TEXT)"
        if spec in ("", "d"):
            pieces.append(number)
        elif match := re.fullmatch(r"0(\d+)d", spec or ""):
            # Zero-padded to at least that width, never cut (lpad alone would cut).
            width = int(match.group(1))
            pieces.append(f"lpad({number}, GREATEST({width}, length({number})), '0')")
        else:
            return None
    if not pieces:
        return None
    return " || ".join(pieces), params
