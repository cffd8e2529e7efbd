"""Staff inbox ("Mina ärenden" for contact persons), its bulk actions and the registry's export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_POST

from audit.models import Action
from audit.services import audit_record
from cases import policy, selectors
from cases.actors import Actor
from cases.errors import CaseError
from cases.models import Case
from cases.services import case_transition
from directory import selectors as directory
from workflows.models import State

VIEW_LABELS = {
    "new": pgettext_lazy("inbox view", "New"),
    "replies": pgettext_lazy("inbox view", "New reply"),
    "unassigned": pgettext_lazy("inbox view", "Unassigned"),
    "mine": pgettext_lazy("inbox view", "Mine"),
    "waiting": pgettext_lazy("inbox view", "Waiting too long"),
    "open": pgettext_lazy("inbox view", "All open"),
    "closed": pgettext_lazy("inbox view", "Closed"),
}

# Sortable columns: (column, sort key for ascending, for descending, first click). Only
# index-backed orders are offered; sorting a million cases by title or name has no index.
SORT_COLUMNS = {
    "reference": ("reference", "-reference", "reference"),
    "received": ("oldest", "newest", "newest"),
    "due": ("due", "-due", "due"),
}

# More selected cases than this are refused: each assignment is its own transaction and email.
BULK_LIMIT = 100


def _filters(get: QueryDict, user) -> selectors.CaseFilters:
    view = get.get("view", "")
    views = selectors.inbox_views(user)
    if view not in views:
        view = ""
    if not view and not ({"state", "waiting", "contact"} & set(get)) and views:
        # No view and no state filter asked for: the role's default view.
        view = "open" if "open" in views else views[0]
    return selectors.CaseFilters(
        state=get.get("state", ""),
        municipality=get.get("municipality", ""),
        area=get.get("area", ""),
        contact=directory.contact_resolve(get.get("contact", "")),
        waiting=True if get.get("waiting") == "1" else None,
        q=get.get("q", "")[:200],
        sort=get.get("sort", "newest") if get.get("sort") in selectors.SORTS else "newest",
        view=view,
    )


def _count_label(n: int, cap: int) -> str:
    if n > cap:
        return formats.number_format(cap, force_grouping=True) + "+"
    return formats.number_format(n, force_grouping=True)


@dataclass(frozen=True)
class Header:
    key: str
    label: str
    url: str | None  # None: not sortable
    aria_sort: str  # "ascending", "descending" or "" (not the current order)


def _headers(query: QueryDict, sort: str) -> list[Header]:
    base = query.copy()
    base.pop("page", None)
    base.pop("sort", None)

    def header(key: str, label: str) -> Header:
        if key not in SORT_COLUMNS:
            return Header(key, label, None, "")
        asc, desc, first = SORT_COLUMNS[key]
        current = "ascending" if sort == asc else "descending" if sort == desc else ""
        target = {"ascending": desc, "descending": asc}.get(current, first)
        params = base.copy()
        params["sort"] = target
        return Header(key, label, "?" + params.urlencode(), current)

    return [
        header("reference", gettext("Reference")),
        header("title", gettext("Title")),
        header("municipality", gettext("Municipality")),
        header("state", gettext("State")),
        header("contact", gettext("Contact person")),
        header("received", gettext("Received")),
        header("age", gettext("Age (days)")),
        header("due", gettext("Next due")),
    ]


@login_required
def inbox(request):
    get = request.GET
    user = request.user
    filters = _filters(get, user)
    cases = selectors.case_list(user=user, filters=filters)
    paginator = selectors.CappedPaginator(cases, settings.INBOX_PAGE_SIZE)
    page = paginator.get_page(get.get("page"))
    now = timezone.now()
    today = timezone.localdate(now)
    rows = list(page.object_list)
    for case in rows:
        case.age_days = (today - timezone.localdate(case.created_at)).days
        case.overdue = case.next_reminder_at is not None and case.next_reminder_at <= now
    query = get.copy()
    query.pop("page", None)
    counts = selectors.inbox_view_counts(user=user)
    views = []
    for key, n in counts.items():
        params = QueryDict(mutable=True)
        params["view"] = key
        views.append(
            {
                "key": key,
                "label": VIEW_LABELS[key],
                "count": _count_label(n, selectors.VIEW_COUNT_CAP),
                "url": "?" + params.urlencode(),
                "current": key == filters.view,
            }
        )
    current_query = query.copy()
    if filters.view:
        current_query["view"] = filters.view
    can_select = policy.can_assign(user)
    return render(
        request,
        "staff/inbox.html",
        {
            "page": page,
            "rows": rows,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "total": _count_label(paginator.count, paginator.cap),
            "filters": filters,
            "query": current_query.urlencode(),
            "views": views,
            "headers": _headers(current_query, filters.sort),
            "states": State.choices,
            "municipalities": directory.municipality_list(),
            "areas": directory.area_list(),
            "contacts": directory.contact_choices() if user.sees_all_cases else [],
            "mine": not user.sees_all_cases,
            "can_select": can_select,
            "can_export": user.sees_all_cases,
            "received_state": State.RECEIVED,
        },
    )


@require_POST
@login_required
def inbox_bulk(request):
    """The selected cases: assign one contact to each, or export them.

    Each assignment goes through the one transition service on its own, so one case that
    cannot be assigned (changed meanwhile, already closed) does not stop the others; the
    outcome of every case is reported back.
    """
    user = request.user
    references = request.POST.getlist("case")[:BULK_LIMIT]
    back = request.POST.get("next", "")
    back = back if back.startswith("?") else ""
    action = request.POST.get("action")
    if action in ("export_csv", "export_xlsx"):
        if not user.sees_all_cases:
            raise PermissionDenied
        return _export(
            selectors.case_list(user=user, filters=selectors.CaseFilters(state="all")).filter(
                reference__in=references
            ),
            action.removeprefix("export_"),
        )
    if action != "assign" or not policy.can_assign(user):
        raise PermissionDenied
    if not references:
        messages.error(request, gettext("Select at least one case."))
        return redirect(reverse("staff-home") + back)
    contact = directory.contact_resolve(request.POST.get("contact", ""))
    if not contact:
        messages.error(request, gettext("Choose a contact person to assign."))
        return redirect(reverse("staff-home") + back)
    found = {c.reference: c for c in Case.objects.filter(reference__in=references)}
    done = []
    for reference in references:
        case = found.get(reference)
        if case is None:
            messages.error(request, gettext("%(ref)s: no such case.") % {"ref": reference})
            continue
        try:
            case_transition(
                case=case,
                name="assign_contact",
                actor=Actor.staff(user),
                data={"contact": contact},
                expected_version=case.version,
            )
        except CaseError as exc:
            messages.error(request, f"{reference}: {_error_text(exc)}")
        else:
            done.append(reference)
    if done:
        messages.success(
            request,
            ngettext("%(n)d case assigned: %(refs)s.", "%(n)d cases assigned: %(refs)s.", len(done))
            % {"n": len(done), "refs": ", ".join(done)},
        )
    return redirect(reverse("staff-home") + back)


def _error_text(exc: CaseError) -> str:
    details = [str(m) for msgs in exc.fields.values() for m in msgs]
    return " ".join([str(exc.message), *details])


def _cell(value: str) -> str:
    """Text a spreadsheet would run as a formula (=, +, -, @) is kept as text."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


EXPORT_COLUMNS = (
    gettext_lazy("Reference"),
    gettext_lazy("Received"),
    gettext_lazy("Closed"),
    gettext_lazy("Municipality"),
    gettext_lazy("Requester"),
    gettext_lazy("Title"),
    gettext_lazy("Areas"),
    gettext_lazy("Forms of collaboration"),
    gettext_lazy("Contact person"),
    gettext_lazy("State"),
    gettext_lazy("Outcome"),
)


def _export_rows(cases) -> Iterator[list[str]]:
    """One row per case, every registry column, in chunks of 2,000 (three queries a chunk)."""
    yield [str(label) for label in EXPORT_COLUMNS]
    case: Any  # with the annotations of case_export (closed_at, outcome)
    for case in selectors.case_export(cases).iterator(chunk_size=2000):
        yield [
            _cell(value)
            for value in (
                case.reference,
                timezone.localtime(case.created_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(case.closed_at).strftime("%Y-%m-%d %H:%M")
                if case.closed_at
                else "",
                case.municipality.name,
                case.requester_name,
                case.title,
                "; ".join(a.name for a in case.areas.all()),
                "; ".join(f.name for f in case.forms.all()),
                case.contact.name if case.contact else "",
                case.get_state_display(),
                selectors.outcome_label(case.outcome),
            )
        ]


class _Echo:
    def write(self, value):
        return value


def _export(cases, fmt: str):
    if fmt == "xlsx":
        # openpyxl (about 15 MB per process) is imported by the exports only: most web
        # processes never serve one.
        from openpyxl import Workbook  # type: ignore[import-untyped]

        # A write-only workbook keeps one row at a time, not a year's cases as cell objects.
        book = Workbook(write_only=True)
        sheet = book.create_sheet(gettext("Cases"))
        for row in _export_rows(cases):
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="samverka-cases.xlsx"'
        return response
    # Swedish Excel opens a CSV right only with a byte-order mark (else it guesses the
    # encoding) and ";" as the separator (its list separator, since "," is the decimal comma).
    writer = csv.writer(_Echo(), delimiter=";")

    def lines():
        yield "\ufeff"
        for row in _export_rows(cases):
            yield writer.writerow(row)

    stream = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stream["Content-Disposition"] = 'attachment; filename="samverka-cases.csv"'
    return stream


@login_required
def inbox_export(request, fmt: str = "csv"):
    """The registry's export (diarieföring): the filtered list as CSV or XLSX (`format=xlsx`),
    for staff who see all cases. The CSV is streamed, so a year's cases need not fit in
    the web worker's memory."""
    if not request.user.sees_all_cases:
        raise PermissionDenied
    cases = selectors.case_list(user=request.user, filters=_filters(request.GET, request.user))
    audit_record(
        action=Action.LIST_EXPORTED,
        request=request,
        object_type="case_list",
        details={"format": fmt, "query": request.GET.urlencode()[:1000]},
    )
    return _export(cases, fmt)
