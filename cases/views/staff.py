"""The staff case page and the forms on it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import policy, selectors
from cases.actors import Actor
from cases.errors import CaseError, CaseValidationError
from cases.forms import DatePlanForm, NoteForm, TransitionForm
from cases.services import case_date_plan, case_note_add, case_transition
from workflows.definition import transitions, transitions_from
from workflows.models import OPEN_STATES


def _case_or_404(user, reference: str):
    case = selectors.case_for_staff(reference=reference)
    # A case the user may not see answers exactly like one that does not exist.
    if case is None or not policy.can_view_case(user, case):
        raise Http404(_("No case with this reference."))
    return case


def _render_case(request, case, forms=None, status=200):
    """The case page; `forms` holds bound forms with errors, by transition name, "note" or "date"."""
    available = [
        spec
        for spec in transitions_from(case.state)
        if policy.can_transition(Actor.staff(request.user), case, spec)
    ]
    forms = forms or {}
    transition_forms = [
        (spec, forms.get(spec.name) or TransitionForm(spec=spec, initial={"version": case.version}))
        for spec in available
    ]
    return render(
        request,
        "staff/case.html",
        {
            "case": case,
            "timeline": selectors.case_timeline(case=case),
            "transition_forms": transition_forms,
            "can_act": policy.can_act_on_case(request.user, case),
            "open_states": OPEN_STATES,
            "note_form": forms.get("note") or NoteForm(),
            "date_form": forms.get("date") or DatePlanForm(initial={"date": case.planned_date}),
            "suggestions": selectors.case_suggestions(case=case)
            if request.user.is_coordinator and any(s.name == "assign_contact" for s in available)
            else [],
        },
        status=status,
    )


@login_required
def case_detail(request, reference: str):
    return _render_case(request, _case_or_404(request.user, reference))


def _act(request, case, action, *, form, form_key: str, success: str):
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


@login_required
@require_POST
def case_transition_view(request, reference: str, name: str):
    case = _case_or_404(request.user, reference)
    spec = transitions().get(name)
    if spec is None:
        raise Http404
    form = TransitionForm(request.POST, spec=spec)
    data = {f.name: form.data.get(f"{spec.name}-{f.name}", "") for f in spec.inputs}
    version = form.data.get(f"{spec.name}-version", "")
    return _act(
        request,
        case,
        lambda: case_transition(
            case=case,
            name=name,
            actor=Actor.staff(request.user),
            data=data,
            expected_version=int(version) if version.isdigit() else None,
        ),
        form=form,
        form_key=name,
        success=_("Done: %(step)s.") % {"step": spec.label},
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
