"""The audit log for administrators: filter, page, export as CSV."""

from __future__ import annotations

import csv
from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import selectors
from audit.models import Action
from audit.services import audit_record

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All")), *Action.choices]
    )
    who = forms.CharField(label=_("Who (email)"), required=False, max_length=254)
    obj = forms.CharField(label=_("Object (reference, id or type)"), required=False, max_length=200)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _require_administrator(user) -> None:
    if not user.is_administrator:
        raise PermissionDenied


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, dict]:
    form = AuditFilterForm(request.GET or None)
    filters: dict = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    return form, filters


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    _require_administrator(request.user)
    form, filters = _filtered(request)
    page = Paginator(selectors.audit_entries(**filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=400 if form.is_bound and form.errors else 200,
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_value(value: object) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet: neutralise it.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    _require_administrator(request.user)
    form, filters = _filtered(request)
    rows = selectors.audit_entries(**filters)
    audit_record(
        action=Action.AUDIT_EXPORTED,
        request=request,
        object_type="audit",
        details={k: v.isoformat() if isinstance(v, date) else v for k, v in filters.items()},
    )
    writer = csv.writer(_Echo(), delimiter=";")
    header = ["when", "who", "action", "object_type", "object_id", "client_address", "details"]

    def lines():
        yield "\ufeff" + writer.writerow(header)
        for e in rows.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    _csv_value(x)
                    for x in (
                        timezone.localtime(e.at).isoformat(timespec="seconds"),
                        e.actor_label,
                        e.action,
                        e.object_type,
                        e.object_id,
                        e.client_address or "",
                        e.details,
                    )
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="audit-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    response["Cache-Control"] = "no-store"
    return response
