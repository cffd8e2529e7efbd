"""Staff reports, their charts and downloads, the annual report per municipality, and the
public "Samverkan i siffror" page. No JavaScript: the filters are a GET form, the charts
<img> elements with the same figures in a table beneath."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from directory.models import Municipality
from reports import charts, public, selectors, services
from reports.forms import ReportFilterForm
from reports.selectors import ReportFilter


def _may_see_reports(user) -> bool:
    # Coordinators (and administrators) and registrars: contact persons see their own cases,
    # not everyone's figures.
    return user.is_authenticated and (user.is_coordinator or user.is_registrar)


def _staff(request: HttpRequest) -> None:
    if not _may_see_reports(request.user):
        raise PermissionDenied


def _filter(request: HttpRequest) -> tuple[ReportFilterForm, ReportFilter]:
    form = ReportFilterForm(request.GET or None)
    if not request.GET:
        form = ReportFilterForm({"period": "year", "year": timezone.localdate().year})
    form.is_valid()
    return form, form.report_filter()


@login_required
@require_GET
def staff_reports(request: HttpRequest) -> HttpResponse:
    _staff(request)
    form, f = _filter(request)
    query = request.GET.urlencode()
    figures = charts.figures(list(charts.FIGURES), f)
    return render(
        request,
        "reports/staff.html",
        {
            "form": form,
            "filter": f,
            "figures": figures,
            "reasons": selectors.ending_reasons(f),
            "query": query,
            "freshness": selectors.freshness(),
            "may_refresh": getattr(request.user, "is_coordinator", False),
            "municipalities": Municipality.objects.all(),
            "year": f.start.year,
        },
    )


@login_required
@require_GET
def staff_chart(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """One report's figures: as an SVG chart, CSV or XLSX."""
    _staff(request)
    if name not in charts.FIGURES:
        raise Http404(_("No such report."))
    _form, f = _filter(request)
    (figure,) = charts.figures([name], f)
    if fmt == "svg":
        return charts.svg_response(figure)
    if fmt == "xlsx":
        return charts.xlsx_response(figure)
    return charts.csv_response(figure)


@login_required
@require_POST
def staff_refresh(request: HttpRequest) -> HttpResponse:
    """Update now: takes in the timeline's changes (what the beat task does every few
    minutes) and returns to the report."""
    if not getattr(request.user, "is_coordinator", False):
        raise PermissionDenied
    services.aggregates_refresh()
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    return redirect(back or "staff-reports")


@login_required
@require_GET
def annual_report(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """A municipality's year on one printable page (print stylesheet)."""
    _staff(request)
    municipality = get_object_or_404(Municipality, code=code)
    if not 2000 <= year <= 2100:
        raise Http404(_("No such year."))
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    f = ReportFilter(start=start, end=end, municipality_id=municipality.pk)
    return render(
        request,
        "reports/annual.html",
        {
            "municipality": municipality,
            "year": year,
            "summary": selectors.municipality_summary(municipality, start, end),
            "figures": charts.figures(["funnel", "lead-times", "trend"], f),
            "query": f"period=year&year={year}&municipality={code}",
            "freshness": selectors.freshness(),
        },
    )


@require_GET
def public_figures(request: HttpRequest) -> HttpResponse:
    """Samverkan i siffror: aggregated figures only, small counts suppressed."""
    years = public.available_years()
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = years[0] if years else timezone.localdate().year
    if year not in years:
        year = years[0] if years else timezone.localdate().year
    return render(
        request,
        "reports/public.html",
        {"year": year, "years": years, "figures": public.public_figures(year)},
    )
