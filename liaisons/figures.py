"""The municipality's figures on the liaison's overview.

They come from the reports (`reports.selectors.municipality_summary`), computed once from the
case timelines for staff and liaisons alike, never a second computation of our own. The period
is a calendar year: this year so far by default, or one of the years before.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from directory.models import Municipality
from reports.selectors import municipality_summary

# How many years back the overview offers (this year and the two before).
YEARS_BACK = 2


def figure_years(*, today: dt.date | None = None) -> list[int]:
    today = today or timezone.localdate()
    return [today.year - n for n in range(YEARS_BACK + 1)]


def municipality_figures(*, municipality: Municipality, year: int | None = None) -> dict[str, Any]:
    """The reports' summary for the municipality's cases received in `year` (up to today in
    the current year)."""
    today = timezone.localdate()
    year = year if year in figure_years(today=today) else today.year
    start = dt.date(year, 1, 1)
    end = min(dt.date(year, 12, 31), today)
    return {"year": year, **municipality_summary(municipality, start, end)}
