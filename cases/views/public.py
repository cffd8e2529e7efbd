"""Public pages: start page, request form, receipt, tracking. No login."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cases import selectors
from cases.actors import Actor
from cases.errors import CaseError
from cases.forms import RequestForm, WithdrawForm
from cases.services import case_submit, case_transition
from directory import selectors as directory
from workflows.definition import STATE_HELP, transitions_from
from workflows.models import State


def home(request):
    return render(
        request,
        "public/home.html",
        {"areas": directory.area_list(), "forms": directory.form_list()[:6]},
    )


@require_http_methods(["GET", "POST"])
def request_new(request):
    if request.method == "POST":
        form = RequestForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            case, token = case_submit(
                municipality=data["municipality"],
                requester_name=data["requester_name"],
                requester_role=data["requester_role"],
                requester_email=data["requester_email"],
                requester_phone=data["requester_phone"],
                title=data["title"],
                description=data["description"],
                areas=list(data["areas"]),
                forms=list(data["collaboration_forms"]),
                timeframe=data["timeframe"],
                language=get_language() or "sv",
            )
            request.session["receipt"] = {"reference": case.reference, "token": token}
            return redirect("receipt")
    else:
        initial = {}
        if request.GET.get("area"):
            initial["areas"] = [request.GET["area"]]
        if request.GET.get("municipality"):
            initial["municipality"] = request.GET["municipality"]
        asked = directory.contact_by_email(email=request.GET.get("contact", "")[:254])
        if asked is not None:
            # Arrived from a person's page: name them in the text, preselect their areas.
            initial["description"] = _("I would like to get in touch with %(name)s.") % {
                "name": asked.name
            }
            initial.setdefault("areas", [a.slug for a in asked.areas.all()])
        form = RequestForm(initial=initial)
    return render(request, "public/request_form.html", {"form": form})


def receipt(request):
    data = request.session.get("receipt")
    if not data:
        return redirect("request-new")
    return render(request, "public/receipt.html", data)


def _case_or_404(token: str):
    case = selectors.case_for_token(token=token)
    if case is None:
        raise Http404(_("No request matches this link."))
    return case


def track(request, token: str):
    case = _case_or_404(token)
    can_withdraw = any(t.name == "withdraw" for t in transitions_from(case.state))
    return render(
        request,
        "public/track.html",
        {
            "case": case,
            "token": token,
            "state_help": STATE_HELP[State(case.state)],
            "events": selectors.case_public_events(case=case),
            "can_withdraw": can_withdraw,
            "withdraw_form": WithdrawForm(),
        },
    )


@require_POST
def track_withdraw(request, token: str):
    case = _case_or_404(token)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            case_transition(
                case=case, name="withdraw", actor=Actor.requester(), data=form.cleaned_data
            )
            messages.success(request, _("Your request has been withdrawn."))
        except CaseError as exc:
            messages.error(request, str(exc.message))
    return redirect("track", token=token)


def privacy(request):
    return render(request, "public/privacy.html")


def accessibility(request):
    return render(request, "public/accessibility.html")
