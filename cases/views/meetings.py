"""Meetings on a case (plan, change, cancel, record), the requester's "add to calendar" file
and the staff member's private calendar feed. Thin: the services in
cases.services.meetings decide, the views turn their errors into forms and messages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.calendar_feed import feed_user
from cases import ical, policy, selectors
from cases.actors import Actor
from cases.errors import CaseError, CaseValidationError
from cases.forms import MeetingForm, MeetingRecordForm
from cases.models import Case, CaseMeeting, MeetingStatus
from cases.services.meeting_minutes import meeting_record
from cases.services.meetings import meeting_cancel, meeting_plan, meeting_update
from cases.views.staff import _case_or_404, _render_case


def _errors_onto(form, exc: CaseValidationError) -> None:
    form.is_valid()
    for field, errors in exc.fields.items():
        for error in errors:
            if error not in form.errors.get(field, []):
                form.add_error(field if field in form.fields else None, error)


@login_required
@require_POST
def meeting_plan_view(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_or_404(request.user, reference)
    form = MeetingForm(request.POST)
    form.is_valid()
    try:
        meeting_plan(case=case, actor=Actor.staff(request.user), data=form.service_data())
    except CaseValidationError as exc:
        _errors_onto(form, exc)
        return _render_case(request, case, forms={"meeting": form}, status=400)
    except CaseError as exc:
        messages.error(request, str(exc.message))
        return redirect("staff-case", reference=case.reference)
    messages.success(request, _("The meeting was planned. Every participant gets an invitation."))
    return redirect(f"/staff/cases/{case.reference}/#meetings")


def _meeting_or_404(case: Case, meeting_id: int) -> CaseMeeting:
    meeting = selectors.case_meeting(case=case, meeting_id=meeting_id)
    if meeting is None:
        raise Http404
    return meeting


def _render_meeting(request, case, meeting, *, form=None, record_form=None, status=200):
    initial = {
        "kind": meeting.kind,
        "starts_at": None if meeting.all_day else meeting.starts_at,
        "ends_at": None if meeting.all_day else meeting.ends_at,
        "place": meeting.place,
        "online_url": meeting.online_url,
        "agenda": meeting.agenda,
        "invite_requester": any(p.role == "requester" for p in meeting.participants.all()),
        "invite_contact": any(p.role == "contact" for p in meeting.participants.all()),
        "others": "\n".join(
            f"{p.name} <{p.email}>" for p in meeting.participants.all() if p.role == "other"
        ),
    }
    return render(
        request,
        "staff/meeting.html",
        {
            "case": case,
            "meeting": meeting,
            "can_act": policy.can_plan_meetings(Actor.staff(request.user), case),
            "form": form or MeetingForm(initial=initial),
            "record_form": record_form or MeetingRecordForm(),
            "can_record": meeting.status == MeetingStatus.PLANNED
            and meeting.starts_at <= timezone.now(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_detail_view(request: HttpRequest, reference: str, meeting_id: int) -> HttpResponse:
    """A meeting: its participants and minutes; change it (the invitation is updated)."""
    case = _case_or_404(request.user, reference)
    meeting = _meeting_or_404(case, meeting_id)
    if request.method == "GET":
        return _render_meeting(request, case, meeting)
    form = MeetingForm(request.POST)
    form.is_valid()
    try:
        meeting_update(
            case=case,
            meeting_id=meeting.pk,
            actor=Actor.staff(request.user),
            data=form.service_data(),
        )
    except CaseValidationError as exc:
        _errors_onto(form, exc)
        return _render_meeting(request, case, meeting, form=form, status=400)
    except CaseError as exc:
        messages.error(request, str(exc.message))
        return redirect("staff-case-meeting", reference=case.reference, meeting_id=meeting.pk)
    messages.success(request, _("The meeting was changed. Every participant gets the update."))
    return redirect(f"/staff/cases/{case.reference}/#meetings")


@login_required
@require_POST
def meeting_cancel_view(request: HttpRequest, reference: str, meeting_id: int) -> HttpResponse:
    case = _case_or_404(request.user, reference)
    meeting = _meeting_or_404(case, meeting_id)
    try:
        meeting_cancel(case=case, meeting_id=meeting.pk, actor=Actor.staff(request.user))
    except CaseError as exc:
        messages.error(request, str(exc.message))
        return redirect("staff-case-meeting", reference=case.reference, meeting_id=meeting.pk)
    messages.success(request, _("The meeting was cancelled. Every participant is told."))
    return redirect(f"/staff/cases/{case.reference}/#meetings")


@login_required
@require_POST
def meeting_record_view(request: HttpRequest, reference: str, meeting_id: int) -> HttpResponse:
    """The minutes of a meeting held; the first one records the meeting on the case (the
    "record meeting" step), so the case's state follows its meetings."""
    case = _case_or_404(request.user, reference)
    meeting = _meeting_or_404(case, meeting_id)
    form = MeetingRecordForm(request.POST)
    if not form.is_valid():
        return _render_meeting(request, case, meeting, record_form=form, status=400)
    try:
        meeting_record(
            case=case,
            meeting=meeting,
            actor=Actor.staff(request.user),
            minutes=form.cleaned_data["minutes"],
            outcome=form.cleaned_data["outcome"],
        )
    except CaseValidationError as exc:
        _errors_onto(form, exc)
        return _render_meeting(request, case, meeting, record_form=form, status=400)
    except CaseError as exc:
        messages.error(request, str(exc.message))
        return redirect("staff-case-meeting", reference=case.reference, meeting_id=meeting.pk)
    messages.success(request, _("The minutes were saved."))
    return redirect(f"/staff/cases/{case.reference}/#meetings")


def _ics(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def track_meeting_ics(request: HttpRequest, token: str, meeting_id: int) -> HttpResponse:
    """ "Add to calendar" on the tracking page: the tracking token authorises it."""
    case = selectors.case_for_token(token=token)
    if case is None:
        raise Http404
    meeting = selectors.case_meeting(case=case, meeting_id=meeting_id)
    if meeting is None or meeting.status != MeetingStatus.PLANNED or meeting.all_day:
        raise Http404
    meeting.case = case
    return _ics(ical.download(meeting, meeting.participants.all()), "meeting.ics")


def staff_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A staff member's private feed of their meetings; the secret URL is the authority."""
    user = feed_user(token)
    if user is None:
        raise Http404
    name = _("Samverka: my meetings")
    return _ics(ical.feed(selectors.staff_feed_meetings(user=user), name=str(name)), "samverka.ics")
