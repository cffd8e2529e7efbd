"""Data protection pages for the registrar (and administrators): the cases due for
anonymisation with their archive export, the retention runs, and a requester's data on
request (look up, export, erase). Email addresses travel in POST bodies, never in URLs."""

from __future__ import annotations

import csv
import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from privacy import selectors, services
from privacy.models import RetentionRun

SHOWN = 50


class RequesterForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("The requester's email address"), max_length=254)


class EraseForm(RequesterForm):
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I confirm that everything held about this address is erased. This cannot be undone."
        ),
        error_messages={"required": gettext_lazy("Tick the box to confirm.")},
    )


def _require_registrar(user) -> None:
    if not (user.is_registrar or user.is_administrator):
        raise PermissionDenied


def _page(request: HttpRequest, *, lookup=None, erase=None, found=None, status: int = 200):
    due = selectors.cases_due()
    return render(
        request,
        "privacy/privacy.html",
        {
            "due_count": due.count(),
            "due": selectors.with_details(due)[:SHOWN],
            "shown": SHOWN,
            "months": settings.RETENTION_MONTHS,
            "months_by_state": sorted(settings.RETENTION_MONTHS_BY_STATE.items()),
            "audit_days": settings.AUDIT_RETENTION_DAYS,
            "runs": RetentionRun.objects.select_related(None)[:10],
            "lookup": lookup or RequesterForm(),
            "erase": erase,
            "found": found,
        },
        status=status,
    )


@login_required
def privacy_home(request: HttpRequest) -> HttpResponse:
    _require_registrar(request.user)
    return _page(request)


@login_required
def retention_due_export(request: HttpRequest, fmt: str = "csv") -> HttpResponse:
    """The cases due for anonymisation with everything about them, for the archive."""
    _require_registrar(request.user)
    cases = list(selectors.with_details(selectors.cases_due()))
    services.retention_export(cases=cases, fmt=fmt, user=request.user)
    rows = [
        {
            "reference": c.reference,
            "received": timezone.localtime(c.created_at).date().isoformat(),
            "ended": timezone.localtime(c.state_changed_at).date().isoformat(),
            "state": c.state,
            "municipality": c.municipality.name,
            "requester_name": c.requester_name,
            "requester_role": c.requester_role,
            "requester_email": c.requester_email,
            "requester_phone": c.requester_phone,
            "title": c.title,
            "description": c.description,
            "timeframe": c.timeframe,
            "areas": ";".join(a.slug for a in c.areas.all()),
            "forms": ";".join(f.slug for f in c.forms.all()),
            "contact_person": c.contact.name if c.contact else "",
        }
        for c in cases
    ]
    stamp = f"{timezone.localdate():%Y-%m-%d}"
    if fmt == "json":
        response = HttpResponse(
            json.dumps(rows, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="retention-due-{stamp}.json"'
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="retention-due-{stamp}.csv"'
        response.write("\ufeff")
        columns = list(rows[0]) if rows else ["reference"]
        writer = csv.DictWriter(response, fieldnames=columns, delimiter=";")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    response["Cache-Control"] = "no-store"
    return response


def _cell(value: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet: neutralise it.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@login_required
@require_POST
def requester_lookup(request: HttpRequest) -> HttpResponse:
    _require_registrar(request.user)
    form = RequesterForm(request.POST)
    if not form.is_valid():
        return _page(request, lookup=form, status=400)
    email = form.cleaned_data["email"]
    found = list(selectors.with_details(selectors.cases_of_requester(email=email)))
    return _page(
        request,
        lookup=form,
        found=found,
        erase=EraseForm(initial={"email": email}),
    )


@login_required
@require_POST
def requester_export(request: HttpRequest) -> HttpResponse:
    _require_registrar(request.user)
    form = RequesterForm(request.POST)
    if not form.is_valid():
        return _page(request, lookup=form, status=400)
    content = services.requester_export(email=form.cleaned_data["email"], user=request.user)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="requester-data-{timezone.localdate():%Y-%m-%d}.zip"'
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def requester_erase(request: HttpRequest) -> HttpResponse:
    _require_registrar(request.user)
    form = EraseForm(request.POST)
    if not form.is_valid():
        email = form.data.get("email", "")
        lookup = RequesterForm(request.POST)
        found = (
            list(selectors.with_details(selectors.cases_of_requester(email=email)))
            if lookup.is_valid()
            else None
        )
        return _page(request, lookup=lookup, erase=form, found=found, status=400)
    run = services.requester_erase(email=form.cleaned_data["email"], user=request.user)
    messages.success(
        request,
        _("Erased: %(n)d case(s) anonymised, logged as run %(run)d.")
        % {"n": run.cases, "run": run.pk},
    )
    return redirect("staff-privacy")
