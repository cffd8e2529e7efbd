"""Public calendar, activity page with registration, the private registration page, the
iCalendar feed; staff: participants, attendance and export. No JavaScript needed."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities import ical, selectors, services
from activities.errors import ActivityError
from activities.forms import (
    ActivityCancelForm,
    ActivityCasesForm,
    ActivityStaffForm,
    RegistrationForm,
)
from activities.models import Activity, ActivityKind, RegistrationStatus


def calendar(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "activities/list.html",
        {"activities": selectors.public_activities(), "kinds": ActivityKind},
    )


@require_http_methods(["GET", "POST"])
def activity(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.public_activity(pk)
    if entry is None:
        raise Http404(_("No such activity."))
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and not form.is_valid():
        # The service's rules for what did have a valid shape, so all errors show at once.
        form.add_service_errors(
            services.registration_errors(activity=entry, values=form.cleaned_data)
        )
    elif request.method == "POST":
        try:
            registration, token = services.registration_create(
                activity=entry,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                organisation=form.cleaned_data["organisation"],
                municipality=form.cleaned_data["municipality"],
                needs=form.cleaned_data["needs"],
                consent=form.cleaned_data["consent"],
                join_waiting_list=form.cleaned_data["join_waiting_list"],
                language=get_language() or "sv",
            )
        except ActivityError as exc:
            form.add_service_errors(exc.fields)
        else:
            if registration.status == RegistrationStatus.CONFIRMED:
                messages.success(
                    request,
                    _(
                        "You are registered. We have sent a confirmation with a calendar invitation."
                    ),
                )
            else:
                messages.success(request, _("You are on the waiting list. We have sent an email."))
            return redirect("activity-registration", token=token)
    return render(
        request,
        "activities/detail.html",
        {
            "activity": entry,
            "form": form,
            "seats_left": max(entry.capacity - getattr(entry, "n_confirmed", 0), 0),
        },
        status=400 if form.errors else 200,
    )


@require_GET
def registration(request: HttpRequest, token: str) -> HttpResponse:
    found = services.registration_by_token(token)
    if found is None:
        raise Http404(_("This link is not valid."))
    return render(
        request,
        "activities/registration.html",
        {
            "registration": found,
            "activity": found.activity,
            "token": token,
            "position": selectors.waiting_position(found),
        },
    )


@require_POST
def registration_cancel(request: HttpRequest, token: str) -> HttpResponse:
    found = services.registration_by_token(token)
    if found is None:
        raise Http404(_("This link is not valid."))
    services.registration_cancel(registration=found)
    messages.success(request, _("Your registration has been cancelled."))
    return redirect("activity-registration", token=token)


@require_GET
def registration_ics(request: HttpRequest, token: str) -> HttpResponse:
    """'Add to calendar' from the private page: the registrant's own invitation."""
    found = services.registration_by_token(token)
    if found is None or found.status != RegistrationStatus.CONFIRMED:
        raise Http404(_("This link is not valid."))
    response = HttpResponse(ical.invitation(found), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="activity.ics"'
    return response


@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        ical.feed(selectors.feed_activities()), content_type="text/calendar; charset=utf-8"
    )


# --- Staff -----------------------------------------------------------------------------------


def _require_coordinator(user) -> None:
    if not user.is_coordinator:
        raise PermissionDenied


def _staff_activity(pk: int):
    entry = selectors.staff_activity(pk)
    if entry is None:
        raise Http404(_("No such activity."))
    return entry


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    _require_coordinator(request.user)
    return render(
        request, "activities/staff_list.html", {"activities": selectors.staff_activities()}
    )


def _render_staff_activity(
    request: HttpRequest,
    entry: Activity,
    *,
    error: str = "",
    cases_form: ActivityCasesForm | None = None,
    cancel_form: ActivityCancelForm | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = list(selectors.participants(activity=entry))
    municipalities = sorted(
        {(r.municipality.code, r.municipality.name) for r in rows if r.municipality},
        key=lambda pair: pair[1],
    )
    linked = selectors.linked_cases(activity=entry)
    if cases_form is None:
        cases_form = ActivityCasesForm(
            initial={"references": "\n".join(case.reference for case in linked)}
        )
    return render(
        request,
        "activities/staff_detail.html",
        {
            "activity": entry,
            "rows": rows,
            "waiting": sorted(
                (r for r in rows if r.status == RegistrationStatus.WAITING), key=lambda r: r.pk
            ),
            "municipalities": municipalities,
            "error": error,
            "linked_cases": linked,
            "cases_form": cases_form,
            "cancel_form": cancel_form or ActivityCancelForm(),
            "is_visit": entry.kind == ActivityKind.MUNICIPALITY_VISIT,
        },
        status=status,
    )


def _messages_of(exc: ActivityError) -> str:
    return " ".join(m for ms in exc.fields.values() for m in ms)


@login_required
@require_http_methods(["GET", "POST"])
def staff_activity(request: HttpRequest, pk: int) -> HttpResponse:
    """An activity for coordinators: facts, actions, registrations and waiting list,
    attendance (POST), exports and, for a municipality visit, the linked cases."""
    _require_coordinator(request.user)
    entry = _staff_activity(pk)
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("attended") if v.isdigit()]
        try:
            count = services.attendance_mark(activity=entry, attended_ids=ids, actor=request.user)
        except ActivityError as exc:
            return _render_staff_activity(request, entry, error=_messages_of(exc), status=400)
        messages.success(request, _("Attendance saved: %(n)d attended.") % {"n": count})
        return redirect("staff-activity", pk=pk)
    return _render_staff_activity(request, entry)


@login_required
@require_http_methods(["GET", "POST"])
def staff_activity_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create (no pk) or change an activity. "Save and publish" puts it in the public
    calendar; a change of a published activity's time, place or text sends each confirmed
    participant a calendar update (services.activity_save)."""
    _require_coordinator(request.user)
    entry = _staff_activity(pk) if pk is not None else None
    if entry is not None and entry.is_cancelled:
        messages.error(request, _("A cancelled activity cannot be changed."))
        return redirect("staff-activity", pk=entry.pk)
    confirmed = getattr(entry, "n_confirmed", 0)
    form = ActivityStaffForm(
        request.POST or None, instance=entry or Activity(), confirmed=confirmed
    )
    publish = request.POST.get("action") == "publish"
    if request.method == "POST" and form.is_valid():
        activity = form.save(commit=False)
        new = activity.pk is None
        if new:
            activity.created_by = request.user
            activity.published = publish
        try:
            with transaction.atomic():
                services.activity_save(
                    activity=activity,
                    changed=form.changed_data,
                    actor=request.user,
                    staff_page=True,
                )
                form.save_m2m()
                if publish and not new:
                    services.activity_publish(activity=activity, actor=request.user)
        except ActivityError as exc:
            if activity.pk and new:
                activity.pk = None  # rolled back: the form shows again as a new activity
            form.add_service_errors(exc.fields)
        else:
            if publish:
                messages.success(request, _("The activity is published in the calendar."))
            elif new:
                messages.success(request, _("The activity is saved as a draft."))
            else:
                messages.success(request, _("The activity is saved."))
            return redirect("staff-activity", pk=activity.pk)
    return render(
        request,
        "activities/staff_form.html",
        {"activity": entry, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def staff_activity_publish(request: HttpRequest, pk: int) -> HttpResponse:
    _require_coordinator(request.user)
    entry = _staff_activity(pk)
    try:
        services.activity_publish(activity=entry, actor=request.user)
    except ActivityError as exc:
        return _render_staff_activity(request, entry, error=_messages_of(exc), status=400)
    messages.success(request, _("The activity is published in the calendar."))
    return redirect("staff-activity", pk=pk)


@login_required
@require_POST
def staff_activity_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    _require_coordinator(request.user)
    entry = _staff_activity(pk)
    form = ActivityCancelForm(request.POST)
    if not form.is_valid():
        return _render_staff_activity(request, entry, cancel_form=form, status=400)
    services.activity_cancel(activity=entry, actor=request.user)
    messages.success(
        request, _("The activity is cancelled. Everyone registered gets a cancellation.")
    )
    return redirect("staff-activity", pk=pk)


@login_required
@require_POST
def staff_activity_cases(request: HttpRequest, pk: int) -> HttpResponse:
    _require_coordinator(request.user)
    entry = _staff_activity(pk)
    form = ActivityCasesForm(request.POST)
    if form.is_valid():
        try:
            services.activity_cases_set(
                activity=entry, references=form.cleaned_data["references"], actor=request.user
            )
        except ActivityError as exc:
            for message in exc.fields.get("references", []):
                form.add_error("references", message)
        else:
            messages.success(request, _("The linked cases are saved."))
            return redirect("staff-activity", pk=pk)
    return _render_staff_activity(request, entry, cases_form=form, status=400)


EXPORT_COLUMNS = (
    gettext_noop("Municipality"),
    gettext_noop("Name"),
    gettext_noop("Email"),
    gettext_noop("Organisation"),
    gettext_noop("Role"),
    gettext_noop("Dietary or access needs"),
    gettext_noop("Status"),
    gettext_noop("Attended"),
)


def _export_rows(entry, municipality_code: str):
    for r in selectors.participants(activity=entry, municipality_code=municipality_code):
        attended = "" if r.attended is None else (_("Yes") if r.attended else _("No"))
        yield [
            r.municipality.name if r.municipality else "",
            r.name,
            r.email,
            r.organisation,
            r.role,
            r.needs,
            r.get_status_display(),
            attended,
        ]


def _cell(value: str) -> str:
    # A cell that starts like a formula would be run by a spreadsheet (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@login_required
def staff_export(request: HttpRequest, pk: int, fmt: str = "csv") -> HttpResponse:
    """Participants per municipality (`?municipality=<code>` for one) as CSV or XLSX."""
    _require_coordinator(request.user)
    entry = _staff_activity(pk)
    code = request.GET.get("municipality", "")[:4]
    header = [_(label) for label in EXPORT_COLUMNS]
    rows = [[_cell(str(v)) for v in row] for row in _export_rows(entry, code)]
    filename = f"activity-{entry.pk}{'-' + code if code else ''}"
    if fmt == "xlsx":
        # openpyxl (about 15 MB per process) is imported by the exports only.
        from openpyxl import Workbook  # type: ignore[import-untyped]

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = _("Participants")[:31]
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    # A BOM, so that Excel opens Swedish letters right.
    response = HttpResponse("\ufeff" + text.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
