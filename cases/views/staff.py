"""The staff case page and the forms on it.

The page answers three questions at a glance: where the case stands (the header: state,
reference, municipality, contact person, age, what it waits for), what happened (the request,
the meetings, the timeline) and what this user may do now ("Next steps": one disclosure per
step, the natural next step first and open, destructive steps secondary and confirmed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import ChoiceField
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from audit.models import Action
from audit.services import audit_record
from cases import policy, selectors
from cases.actors import Actor
from cases.errors import CaseError, CaseValidationError
from cases.forms import DatePlanForm, MeetingForm, NoteForm, TransitionForm
from cases.models import Case
from cases.services import case_accept, case_date_plan, case_note_add, case_transition
from conversation import selectors as conversation
from conversation.forms import StaffMessageForm
from conversation.services import case_reply_seen, staff_message_send
from directory import selectors as directory
from workflows.definition import transitions, transitions_from
from workflows.models import OPEN_STATES, State

# The step the case naturally waits for in each state: offered first, open, primary-styled.
NEXT_STEP = {
    State.RECEIVED: "assign_contact",
    State.CONTACT_ASSIGNED: "record_meeting",
    State.MEETING_HELD: "start_workshop",
    State.WORKSHOP: "start_project",
    State.PROJECT: "close",
}

# Steps that end or give away the case: secondary-styled and only done after an explicit
# confirmation (a required checkbox, checked here in the view before the service is called).
CONFIRM = {
    "decline": gettext_lazy(
        "I confirm that the case is declined and that the requester is told the reason."
    ),
    "hand_back": gettext_lazy(
        "I confirm that I hand the case back to the coordinators and am no longer its contact "
        "person."
    ),
    "close": gettext_lazy("I confirm that the case is closed."),
}
DESTRUCTIVE = frozenset({"decline", "hand_back"})

WAITING_FOR = {
    State.RECEIVED: gettext_lazy("assignment of a contact person"),
    State.CONTACT_ASSIGNED: gettext_lazy("the contact person to accept and book a first meeting"),
    State.MEETING_HELD: gettext_lazy("a decision: workshop, project or closing"),
    State.WORKSHOP: gettext_lazy("the workshop and a decision on a project"),
    State.PROJECT: gettext_lazy("the project to be completed and the case closed"),
}
WAITING_FOR_MEETING = gettext_lazy("the first meeting")
WAITING_FOR_REASSIGNMENT = gettext_lazy(
    "a new contact person (the assigned one is no longer in the directory)"
)

ACCEPT = "accept"


class StepForm(TransitionForm):
    """A transition's form on the case page, with the confirmation its step may need."""

    def __init__(self, *args, spec, **kwargs):
        super().__init__(*args, spec=spec, **kwargs)
        if spec.name in CONFIRM:
            self.fields["confirm"] = forms.BooleanField(
                label=CONFIRM[spec.name],
                required=True,
                error_messages={"required": gettext_lazy("Tick the box to confirm.")},
            )


class AcceptForm(forms.Form):
    """Accepting asks for nothing; the version makes a stale page a conflict, not a surprise."""

    prefix = ACCEPT
    version = forms.IntegerField(widget=forms.HiddenInput)


@dataclass
class Step:
    name: str
    label: Any
    url: str
    form: forms.Form
    primary: bool = False
    destructive: bool = False
    open: bool = False

    @property
    def confirm(self) -> forms.BoundField | None:
        return self.form["confirm"] if "confirm" in self.form.fields else None


def _case_or_404(user, reference: str) -> Case:
    case = selectors.case_for_staff(reference=reference)
    # A case the user may not see answers exactly like one that does not exist.
    if case is None or not policy.can_view_case(user, case):
        raise Http404(_("No case with this reference."))
    return case


def _accepted(case: Case, timeline: list[dict]) -> bool:
    """Has the current contact accepted since being assigned? Read from the loaded timeline,
    by the rule the accept service uses (an acceptance event at the case's current version)."""
    return any(
        entry["type"] == "event"
        and entry["item"].kind == "accepted"
        and entry["item"].data.get("contact_id") == case.contact_id
        and entry["item"].data.get("version") == case.version
        for entry in timeline
    )


def _steps(request: HttpRequest, case: Case, accepted: bool, forms_: dict) -> list[Step]:
    """The steps this user may take now: the natural next one first, the destructive last."""
    actor = Actor.staff(request.user)
    steps = []
    if (
        case.state == State.CONTACT_ASSIGNED
        and policy.is_assigned_contact(request.user, case)
        and not accepted
    ):
        steps.append(
            Step(
                name=ACCEPT,
                label=_("Accept"),
                url=reverse("staff-case-accept", args=[case.reference]),
                form=forms_.get(ACCEPT) or AcceptForm(initial={"version": case.version}),
            )
        )
    for spec in transitions_from(case.state):
        if not policy.can_transition(actor, case, spec):
            continue
        steps.append(
            Step(
                name=spec.name,
                label=spec.label,
                url=reverse("staff-case-transition", args=[case.reference, spec.name]),
                form=forms_.get(spec.name)
                or StepForm(spec=spec, initial={"version": case.version}),
                destructive=spec.name in DESTRUCTIVE,
            )
        )
    if not steps:
        return steps
    names = [s.name for s in steps]
    primary = ACCEPT if ACCEPT in names else NEXT_STEP.get(case.state)
    for step in steps:
        step.primary = step.name == primary and not step.destructive
    steps.sort(key=lambda s: (not s.primary, s.destructive))
    failed = next((s for s in steps if s.form.is_bound), None)
    # After a failed submit only that step is open; otherwise the primary step is.
    (failed or steps[0]).open = failed is not None or steps[0].primary
    return steps


def _offer_meetings(steps: list[Step], meetings: list) -> None:
    """The "record meeting" step offers the case's planned meetings that have started."""
    now = timezone.now()
    for step in steps:
        field = step.form.fields.get("meeting")
        if not isinstance(field, ChoiceField):
            continue
        started = [m for m in meetings if m.status == "planned" and m.starts_at <= now]
        field.choices = [
            *list(field.choices),  # type: ignore[arg-type]
            *(
                (
                    str(m.pk),
                    f"{m.get_kind_display()} {timezone.localtime(m.starts_at):%Y-%m-%d %H:%M}",
                )
                for m in started
            ),
        ]
        if started and not step.form.is_bound:
            step.form.initial["meeting"] = str(started[-1].pk)


def _timeline_times(timeline: list[dict]) -> None:
    """Each entry's time as the page prints it (as the `date` filters 'c' and "Y-m-d H:i"
    did, at a twentieth of their cost: a timeline has a hundred entries and more)."""
    tz = timezone.get_current_timezone()
    for entry in timeline:
        at = entry["at"].astimezone(tz)
        entry["at_iso"], entry["at_text"] = at.isoformat(), at.strftime("%Y-%m-%d %H:%M")


def _age_days(case: Case) -> int:
    return (timezone.localdate() - timezone.localtime(case.created_at).date()).days


def _render_case(
    request: HttpRequest, case: Case, forms: dict | None = None, status: int = 200
) -> HttpResponse:
    """The case page; `forms` holds bound forms with errors, by step name, "note" or "date"."""
    forms = forms or {}
    timeline = selectors.case_timeline(case=case)
    _timeline_times(timeline)
    meetings = selectors.case_meetings(case=case)
    accepted = _accepted(case, timeline)
    steps = _steps(request, case, accepted, forms)
    _offer_meetings(steps, meetings)
    # A contact person who left the directory leaves the case waiting for assignment again.
    reassign = case.state == State.CONTACT_ASSIGNED and not (case.contact and case.contact.active)
    waiting_for = WAITING_FOR.get(case.state)
    if reassign:
        waiting_for = WAITING_FOR_REASSIGNMENT
    elif case.state == State.CONTACT_ASSIGNED and accepted:
        waiting_for = WAITING_FOR_MEETING
    can_act = policy.can_act_on_case(request.user, case)
    templates = list(conversation.reply_templates()) if can_act else []
    message_form = forms.get("message") or StaffMessageForm(
        initial={"body": _template_text(request, case, templates)}
    )
    suggestions = None
    if (case.state == State.RECEIVED or reassign) and policy.can_assign(request.user):
        suggestions = selectors.case_suggestions_shown(case=case)
    return render(
        request,
        "staff/case.html",
        {
            "case": case,
            "timeline": timeline,
            "steps": steps,
            "accepted": accepted,
            "age_days": _age_days(case),
            "waiting_for": waiting_for,
            "can_act": can_act,
            "can_plan": can_act and case.state in OPEN_STATES,
            "note_form": forms.get("note") or NoteForm(),
            "conversation_messages": conversation.case_messages_shown(case=case),
            "message_form": message_form,
            "reply_templates": templates,
            "date_form": forms.get("date") or DatePlanForm(initial={"date": case.planned_date}),
            "meetings": meetings,
            "meeting_form": forms.get("meeting")
            or MeetingForm(initial={"invite_requester": True, "invite_contact": True}),
            "suggestions": suggestions,
            # Who to turn to when no one fits (only then: one query).
            "general_contacts": selectors.case_general_contacts() if suggestions == [] else None,
            # The assign step's picker lists the directory when it is small enough.
            "contact_options": directory.contact_choices()
            if any(step.name == "assign_contact" for step in steps)
            else None,
        },
        status=status,
    )


def _template_text(request: HttpRequest, case: Case, templates: list) -> str:
    """The text of the reply template picked with ?template=<id> (works without JavaScript:
    the picker is a GET form that reloads the page with the message filled in)."""
    picked = request.GET.get("template", "")
    for template in templates:
        if str(template.pk) == picked:
            return template.fill(name=case.requester_name, reference=case.reference)
    return ""


@login_required
def case_detail(request, reference: str):
    case = _case_or_404(request.user, reference)
    # One INSERT: the case page is benchmarked.
    audit_record(
        action=Action.CASE_VIEWED, request=request, object_type="case", object_id=case.reference
    )
    # Staff who may act on the case have now seen the requester's reply: "New reply" goes.
    case_reply_seen(case=case, user=request.user)
    return _render_case(request, case)


def _act(
    request: HttpRequest,
    case: Case,
    action: Callable[[], object],
    *,
    form: forms.Form,
    form_key: str,
    success: str,
) -> HttpResponse:
    """Run a case service for a staff form: errors go onto the form or into a message."""
    try:
        action()
    except CaseValidationError as exc:
        form.is_valid()
        for field, errors in exc.fields.items():
            for error in errors:
                if error not in form.errors.get(field, []):
                    form.add_error(field if field in form.fields else None, error)
        return _render_case(request, case, forms={form_key: form}, status=400)
    except CaseError as exc:
        messages.error(request, str(exc.message))
        case.refresh_from_db()
        return _render_case(request, case, status=exc.status)
    messages.success(request, success)
    return redirect("staff-case", reference=case.reference)


def _version(value: str) -> int | None:
    return int(value) if value.isdigit() else None


@login_required
@require_POST
def case_transition_view(request, reference: str, name: str):
    case = _case_or_404(request.user, reference)
    spec = transitions().get(name)
    if spec is None:
        raise Http404
    form = StepForm(request.POST, spec=spec)
    actor = Actor.staff(request.user)
    confirmed = name not in CONFIRM or bool(form.data.get(f"{name}-confirm"))
    # Not confirmed: nothing happens; the step opens again with the reason at its top. (Someone
    # who may not take the step at all is told so by the service: 403, whatever they ticked.)
    if not confirmed and policy.can_transition(actor, case, spec):
        form.is_valid()
        return _render_case(request, case, forms={name: form}, status=400)
    data = {f.name: form.data.get(f"{spec.name}-{f.name}", "") for f in spec.inputs}
    return _act(
        request,
        case,
        lambda: case_transition(
            case=case,
            name=name,
            actor=actor,
            data=data,
            expected_version=_version(form.data.get(f"{spec.name}-version", "")),
        ),
        form=form,
        form_key=name,
        success=_("Done: %(step)s.") % {"step": spec.label},
    )


@login_required
@require_POST
def case_accept_view(request, reference: str):
    case = _case_or_404(request.user, reference)
    form = AcceptForm(request.POST)
    return _act(
        request,
        case,
        lambda: case_accept(
            case=case,
            actor=Actor.staff(request.user),
            expected_version=_version(form.data.get(f"{ACCEPT}-version", "")),
        ),
        form=form,
        form_key=ACCEPT,
        success=_("You accepted the case. Contact the requester and book a first meeting."),
    )


@login_required
@require_POST
def case_note_view(request, reference: str):
    case = _case_or_404(request.user, reference)
    form = NoteForm(request.POST)
    return _act(
        request,
        case,
        lambda: case_note_add(
            case=case, actor=Actor.staff(request.user), text=form.data.get("text", "")
        ),
        form=form,
        form_key="note",
        success=_("The note was added."),
    )


@login_required
@require_POST
def case_date_view(request, reference: str):
    case = _case_or_404(request.user, reference)
    form = DatePlanForm(request.POST)
    return _act(
        request,
        case,
        lambda: case_date_plan(
            case=case, actor=Actor.staff(request.user), date=form.data.get("date", "")
        ),
        form=form,
        form_key="date",
        success=_("The meeting date was saved. Both sides are reminded the day before."),
    )


@login_required
@require_POST
def case_message_view(request, reference: str):
    case = _case_or_404(request.user, reference)
    form = StaffMessageForm(request.POST, request.FILES)
    files = request.FILES.getlist(f"{StaffMessageForm.prefix}-files")
    return _act(
        request,
        case,
        lambda: staff_message_send(
            case=case,
            user=request.user,
            body=form.data.get(f"{StaffMessageForm.prefix}-body", ""),
            files=files,
        ),
        form=form,
        form_key="message",
        success=_("The message was sent to the requester."),
    )
