"""Working days between two dates, on the Swedish calendar the reminders use.

`workflows.calendar.is_working_day` is the one definition (weekdays that are not Swedish public
or de facto holidays). Counting day by day for a million cases would be slow, so each day gets
a running number of working days since EPOCH, computed once per process; the working days
between two dates are then one subtraction.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right

from workflows.calendar import is_working_day

EPOCH = dt.date(2000, 1, 1)
_running: list[int] = []  # _running[i]: working days in EPOCH+1 .. EPOCH+i


def _extend(to: dt.date) -> None:
    need = (to - EPOCH).days + 1
    if len(_running) >= need:
        return
    # A year ahead at a time, so a steady stream of today's dates extends rarely.
    need = max(need, len(_running) + 366)
    total = _running[-1] if _running else 0
    day = EPOCH + dt.timedelta(days=len(_running))
    while len(_running) < need:
        if _running and is_working_day(day):
            total += 1
        _running.append(total)
        day += dt.timedelta(days=1)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 on the same day, or if `end`
    comes first): a case received on a Friday and answered on Monday took 1 working day."""
    if end <= start or start < EPOCH:
        return 0
    _extend(end)
    return _running[(end - EPOCH).days] - _running[(start - EPOCH).days]


def percentile(histogram: dict[int, int], share: float) -> int | None:
    """The nearest-rank percentile of whole-day samples given as {days: count}: the smallest
    value with at least `share` of the samples at or below it. None without samples."""
    total = sum(histogram.values())
    if total == 0:
        return None
    values = sorted(histogram)
    running, cumulative = 0, []
    for value in values:
        running += histogram[value]
        cumulative.append(running)
    rank = max(1, -(-int(round(share * total * 1000)) // 1000))  # ceil(share * total)
    return values[min(bisect_right(cumulative, rank - 1), len(values) - 1)]
