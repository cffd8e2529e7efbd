"""The public "Samverkan i siffror" figures: aggregated counts only, small counts suppressed.

Nothing about a person and no free text: counts of requests per municipality and per area,
projects started and network activities held, for a calendar year.

Suppression (as official statistics do it):
1. Every count below SMALL (0, 1 or 2) is shown as "<3".
2. A total is exact only when nothing in its column is hidden. Otherwise it is shown as "at
   least N", N being what the visible cells prove, so a hidden count can never be worked out
   as the total minus the visible cells. The headline figures are these totals.
3. Every municipality and area is listed, with or without requests, so leaving a row out
   reveals nothing either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.models import Area, Municipality
from reports.models import ALL_MUNICIPALITIES, DIM_ALL, DIM_AREA, DailyFact
from reports.selectors import activities_held

SMALL = 3


@dataclass(frozen=True)
class Column:
    cells: list[str]
    total: str


def shown(value: int) -> str:
    return f"<{SMALL}" if value < SMALL else str(value)


def column(values: list[int], *, total: int, additive: bool = True) -> Column:
    """Cells and total of one column; `additive`: the total is the sum of the cells (else a
    count of distinct things, such as activities shared by municipalities)."""
    cells = [shown(v) for v in values]
    hidden = any(v < SMALL for v in values)
    if not hidden:
        return Column(cells, shown(total))
    visible = [v for v in values if v >= SMALL]
    known = sum(visible) if additive else max(visible, default=0)
    if total < SMALL:
        return Column(cells, f"<{SMALL}")
    return Column(cells, _("at least %(n)s") % {"n": max(known, SMALL)})


def available_years() -> list[int]:
    """The years with figures, newest first (this year always)."""
    first = DailyFact.objects.aggregate(first=Min("day"))["first"]
    this = timezone.localdate().year
    start = first.year if first else this
    return list(range(this, start - 1, -1))


def _sums(year: int, dim: str, key: str) -> dict[int, dict[str, int]]:
    rows = DailyFact.objects.filter(
        dim=dim, day__gte=dt.date(year, 1, 1), day__lte=dt.date(year, 12, 31)
    )
    # Per municipality: each one's own rows; per area: the rows for all municipalities.
    if key == "municipality_id":
        rows = rows.exclude(municipality_id=ALL_MUNICIPALITIES)
    else:
        rows = rows.filter(municipality_id=ALL_MUNICIPALITIES)
    rows = (
        rows.values(key)
        .annotate(received=Sum("received"), projects=Sum("reached_project"))
        .order_by()
    )
    return {
        row[key]: {"received": row["received"] or 0, "projects": row["projects"] or 0}
        for row in rows
    }


def public_figures(year: int) -> dict:
    by_muni = _sums(year, DIM_ALL, "municipality_id")
    by_area = _sums(year, DIM_AREA, "dim_id")
    acts = activities_held(dt.date(year, 1, 1), dt.date(year, 12, 31))
    zero = {"received": 0, "projects": 0}
    municipalities = list(Municipality.objects.order_by("name"))
    areas = sorted(Area.objects.filter(active=True), key=lambda a: a.name)

    received = [by_muni.get(m.pk, zero)["received"] for m in municipalities]
    projects = [by_muni.get(m.pk, zero)["projects"] for m in municipalities]
    held = [acts.get(m.pk, {"activities": 0})["activities"] for m in municipalities]
    # Requests from municipalities no longer in the registry still count in the totals.
    total_received = sum(s["received"] for s in by_muni.values())
    total_projects = sum(s["projects"] for s in by_muni.values())
    m_received = column(received, total=total_received)
    m_projects = column(projects, total=total_projects)
    m_held = column(held, total=acts[None]["activities"], additive=False)

    a_received_values = [by_area.get(a.pk, zero)["received"] for a in areas]
    a_projects_values = [by_area.get(a.pk, zero)["projects"] for a in areas]
    a_received = column(a_received_values, total=sum(a_received_values))
    a_projects = column(a_projects_values, total=sum(a_projects_values))
    return {
        "headline": {
            "received": m_received.total,
            "projects": m_projects.total,
            "activities": m_held.total,
        },
        "municipalities": [
            {"name": m.name, "received": r, "projects": p, "activities": h}
            for m, r, p, h in zip(
                municipalities, m_received.cells, m_projects.cells, m_held.cells, strict=True
            )
        ],
        "municipality_totals": {
            "received": m_received.total,
            "projects": m_projects.total,
            "activities": m_held.total,
        },
        "areas": [
            {"name": a.name, "received": r, "projects": p}
            for a, r, p in zip(areas, a_received.cells, a_projects.cells, strict=True)
        ],
        "area_totals": {"received": a_received.total, "projects": a_projects.total},
    }
