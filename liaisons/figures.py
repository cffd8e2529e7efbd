"""The municipality's figures on the liaison's overview.

They come from the reports (issue 14's staff reports, app `reports`), computed once for staff
and liaisons alike; until that app is part of Samverka the overview shows no figures rather
than a second, different computation of its own.
"""

from __future__ import annotations

from typing import Any

from directory.models import Municipality


def municipality_figures(*, municipality: Municipality) -> dict[str, Any] | None:
    return None
