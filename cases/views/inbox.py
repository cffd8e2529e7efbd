"""Staff inbox ("Mina ärenden" for contact persons) and the registry's export."""

from __future__ import annotations

import csv

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cases import selectors
from directory import selectors as directory
from workflows.models import State


def _filters(get) -> selectors.CaseFilters:
    return selectors.CaseFilters(
        state=get.get("state", ""),
        municipality=get.get("municipality", ""),
        area=get.get("area", ""),
        contact=get.get("contact", ""),
        waiting=True if get.get("waiting") == "1" else None,
        q=get.get("q", "")[:200],
        sort=get.get("sort", "newest"),
    )


@login_required
def inbox(request):
    get = request.GET
    filters = _filters(get)
    cases = selectors.case_list(user=request.user, filters=filters)
    page = selectors.CappedPaginator(cases, settings.INBOX_PAGE_SIZE).get_page(get.get("page"))
    query = get.copy()
    query.pop("page", None)
    return render(
        request,
        "staff/inbox.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "states": State.choices,
            "municipalities": directory.municipality_list(),
            "areas": directory.area_list(),
            "contacts": directory.contact_choices() if request.user.sees_all_cases else [],
            "mine": not request.user.sees_all_cases,
        },
    )


class _Echo:
    def write(self, value):
        return value


def _cell(value: str) -> str:
    """Text a spreadsheet would run as a formula (=, +, -, @) is kept as text."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


EXPORT_COLUMNS = (
    ("reference", gettext_lazy("Reference")),
    ("created_at", gettext_lazy("Received")),
    ("municipality", gettext_lazy("Municipality")),
    ("requester", gettext_lazy("Requester")),
    ("title", gettext_lazy("Title")),
    ("state", gettext_lazy("State")),
    ("contact", gettext_lazy("Contact person")),
)


@login_required
def inbox_export(request):
    """The registry's export (diarieföring): the filtered list as CSV, for staff who see all.

    Streamed in chunks, so a year's cases do not have to fit in the web worker's memory.
    """
    if not request.user.sees_all_cases:
        raise PermissionDenied
    cases = selectors.case_list(user=request.user, filters=_filters(request.GET))
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow([str(label) for _key, label in EXPORT_COLUMNS])
        for case in cases.iterator(chunk_size=2000):
            row = [
                case.reference,
                timezone.localtime(case.created_at).strftime("%Y-%m-%d %H:%M"),
                case.municipality.name,
                case.requester_name,
                case.title,
                case.get_state_display(),
                case.contact.name if case.contact else "",
            ]
            yield writer.writerow([_cell(value) for value in row])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="samverka-cases.csv"'
    return response
