"""Public pages: start page, request form, receipt, tracking. No login."""

from __future__ import annotations

import hashlib
import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from api.client_ip import client_ip
from cases import abuse, selectors
from cases.actors import Actor
from cases.errors import CaseError, CaseValidationError
from cases.forms import RequestForm, WithdrawForm
from cases.models import EventKind
from cases.services import case_submit, case_transition, tracking_links_resend
from cases.services.intake import intake_errors
from conversation import selectors as conversation
from conversation.forms import ReplyForm
from conversation.models import Channel
from conversation.services import case_submit_with_files, is_anonymised, requester_message_add
from directory import selectors as directory
from workflows.definition import STATE_HELP, transitions_from
from workflows.models import OPEN_STATES, State


def home(request):
    return render(
        request,
        "public/home.html",
        {"areas": directory.area_list(), "forms": directory.form_list()[:6]},
    )


def areas(request):
    """What can we collaborate on: one short card per area, each leading to its own page."""
    return render(request, "public/areas.html", {"areas": directory.area_directory()})


def area(request, slug: str):
    """One area: its contact persons, the forms that fit it and public example cases."""
    entry = selectors.area_entry(slug=slug)
    if entry is None:
        raise Http404(_("No such collaboration area."))
    return render(request, "public/area.html", {"entry": entry, "area": entry.area})


# The receipt page learns the reference and the token from a signed cookie rather than the
# session: a submission then writes no session row (a query, an INSERT and a second commit per
# request), and the token stays with the requester's browser only, for this long.
RECEIPT_COOKIE = "receipt"
RECEIPT_MAX_AGE = 60 * 60


def _restamped(form: RequestForm) -> RequestForm:
    """Show `form` again as typed, with an empty honeypot and a new 'shown at' stamp."""
    data = QueryDict(mutable=True)
    data.update(form.data)
    data["homepage"] = ""
    data["started"] = abuse.form_stamp()
    form.data = data
    return form


@require_http_methods(["GET", "POST"])
def request_new(request):
    if request.method == "POST":
        form = RequestForm(request.POST, request.FILES)
        if form.is_valid():
            if form.cleaned_data["homepage"] or abuse.form_filled_too_fast(
                form.cleaned_data["started"]
            ):
                # A script, most likely; a person gets their form back and sends it again.
                form.add_error(None, _("Please check what you entered and send the form again."))
                return render(request, "public/request_form.html", {"form": _restamped(form)})
            wait = abuse.client_rate_exceeded(
                request, scope="form-submit", rate=settings.FORM_SUBMIT_RATE
            )
            if wait is not None:
                minutes = max(1, -(-wait // 60))
                form.add_error(
                    None,
                    ngettext(
                        "Many requests have been sent from your network in a short time. "
                        "Please send this one again in %(minutes)d minute. What you typed "
                        "is kept below.",
                        "Many requests have been sent from your network in a short time. "
                        "Please send this one again in %(minutes)d minutes. What you typed "
                        "is kept below.",
                        minutes,
                    )
                    % {"minutes": minutes},
                )
                response = render(
                    request,
                    "public/request_form.html",
                    {"form": form, "limited": True},
                    status=429,
                )
                response["Retry-After"] = str(wait)
                return response
            try:
                values = {**form.service_values(), "language": get_language() or "sv"}
                files = request.FILES.getlist("files")
                # Only a request with files takes the conversation's path: without, the
                # intake is exactly what it was (no query more).
                if files:
                    case, token = case_submit_with_files(files=files, **values)
                else:
                    case, token = case_submit(**values)
            except CaseValidationError as exc:
                form.add_service_errors(exc.fields)
            else:
                response = redirect("receipt")
                _receipt_cookie_set(response, {"reference": case.reference, "token": token})
                return response
        else:
            # The intake rules broken by what did pass, shown now rather than on the next try.
            form.add_service_errors(intake_errors(values=form.service_values()))
        return render(request, "public/request_form.html", {"form": form})
    initial = {"started": abuse.form_stamp()}
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


def _receipt_cookie_set(response, data: dict) -> None:
    response.set_signed_cookie(
        RECEIPT_COOKIE,
        json.dumps(data),
        salt=RECEIPT_COOKIE,
        max_age=RECEIPT_MAX_AGE,
        path=reverse("receipt"),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def receipt(request):
    """The reference and the private tracking link, once. The link is shown on the first view
    only: the cookie then keeps the reference alone, so the browser (a shared computer, a
    stolen cookie) no longer holds what speaks for the requester. Reopened, the page says the
    link was shown and leads to "lost your link?"."""
    signed = request.get_signed_cookie(
        RECEIPT_COOKIE, default=None, salt=RECEIPT_COOKIE, max_age=RECEIPT_MAX_AGE
    )
    try:
        data = json.loads(signed) if signed else None
    except ValueError:
        data = None
    if not isinstance(data, dict) or "reference" not in data:
        return redirect("request-new")
    token = data.get("token")
    if not token:
        return render(
            request, "public/receipt.html", {"reference": data["reference"], "shown": True}
        )
    # What was sent, read back through the token: a link resent since (the old token no longer
    # works) leaves the receipt with its reference and no copy.
    case = selectors.case_for_token(token=str(token))
    receipt_sent = case is None or selectors.case_receipt_queued(case_id=case.pk)
    response = render(
        request,
        "public/receipt.html",
        {
            "reference": data["reference"],
            "token": token,
            "case": case,
            "receipt_sent": receipt_sent,
        },
    )
    _receipt_cookie_set(response, {"reference": data["reference"]})
    return response


def _case_or_404(token: str):
    case = selectors.case_for_token(token=token)
    if case is None:
        raise Http404(_("No request matches this link."))
    return case


class WithdrawConfirmForm(WithdrawForm):
    """Withdrawing cannot be undone, so the requester says so in words, not by a stray click."""

    confirm = forms.BooleanField(
        label=gettext_lazy("I want to withdraw the request"),
        error_messages={"required": gettext_lazy("Tick the box to withdraw the request.")},
    )


def _can_withdraw(case) -> bool:
    return any(t.name == "withdraw" for t in transitions_from(case.state))


def _can_reply(case) -> bool:
    """The requester writes and adds files while the case is open (see conversation.services)."""
    return case.state in OPEN_STATES and not is_anonymised(case)


MEETING_EVENTS = (
    EventKind.MEETING_PLANNED,
    EventKind.MEETING_CHANGED,
    EventKind.MEETING_CANCELLED,
    EventKind.MEETING_RECORDED,
)


def _render_track(request, case, token: str, reply_form: ReplyForm | None = None, status=200):
    return render(
        request,
        "public/track.html",
        {
            "case": case,
            "token": token,
            "state_help": STATE_HELP[State(case.state)],
            "events": selectors.case_public_events(case=case),
            "meetings": selectors.case_planned_meetings(case=case),
            "meeting_kinds": MEETING_EVENTS,
            "conversation_messages": conversation.case_messages_shown(case=case),
            "for_requester": True,
            "can_reply": _can_reply(case),
            "reply_form": reply_form or ReplyForm(),
            "can_withdraw": _can_withdraw(case),
            "withdraw_form": WithdrawConfirmForm(),
        },
        status=status,
    )


def track(request, token: str):
    case = selectors.case_for_token(token=token)
    if case is None:
        # Not the site's plain 404: a requester with an old or mistyped link is shown the
        # way to new links.
        return render(request, "public/track_refused.html", status=404)
    return _render_track(request, case, token)


@require_http_methods(["POST"])
def track_message(request, token: str):
    """The requester's reply or added information, with files. An error keeps the text."""
    case = _case_or_404(token)
    form = ReplyForm(request.POST, request.FILES)
    form.is_valid()
    try:
        requester_message_add(
            case=case,
            body=form.data.get(f"{ReplyForm.prefix}-body", ""),
            files=request.FILES.getlist(f"{ReplyForm.prefix}-files"),
            channel=Channel.WEB,
        )
    except CaseValidationError as exc:
        for field, errors in exc.fields.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        return _render_track(request, case, token, reply_form=form, status=400)
    except CaseError as exc:
        messages.error(request, str(exc.message))
        return redirect("track", token=token)
    messages.success(request, _("Your message was sent. Your contact at the university is told."))
    return redirect(reverse("track", args=[token]) + "#conversation")


@require_http_methods(["GET", "POST"])
def track_withdraw(request, token: str):
    """The confirm step: the box must be ticked; without it the page asks again."""
    case = _case_or_404(token)
    if not _can_withdraw(case):
        messages.error(request, _("This request can no longer be withdrawn."))
        return redirect("track", token=token)
    form = WithdrawConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            case_transition(
                case=case,
                name="withdraw",
                actor=Actor.requester(),
                data={"reason": form.cleaned_data["reason"]},
            )
            messages.success(request, _("Your request has been withdrawn."))
        except CaseError as exc:
            messages.error(request, str(exc.message))
        return redirect("track", token=token)
    return render(
        request,
        "public/track_withdraw.html",
        {"case": case, "token": token, "withdraw_form": form},
    )


# "Lost your link?": at most this many requests per address, and per client, in the window.
# An address's owner needs one or two; the limits keep the page from mailing someone
# over and over, or from being used to test many addresses.
LOST_LINK_WINDOW = 60 * 60
LOST_LINK_PER_ADDRESS = 3
LOST_LINK_PER_CLIENT = 10


class LostLinkForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("The email address you sent the request from"), max_length=254
    )


def _over_limit(key: str, limit: int) -> bool:
    """Count one more try under `key` in the window; True once there were more than `limit`."""
    cache.add(key, 0, timeout=LOST_LINK_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # the entry expired between add and incr: this try starts a window
        cache.set(key, 1, timeout=LOST_LINK_WINDOW)
        count = 1
    return count > limit


@require_http_methods(["GET", "POST"])
def lost_link(request):
    """Send new tracking links to an address. The answer is the same whether the address has
    open requests, has none, or has asked too often: only its owner learns which, by email."""
    form = LostLinkForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        # The cache keeps hashes, not addresses; both counters count every try.
        address = hashlib.sha256(email.encode()).hexdigest()
        client = hashlib.sha256(client_ip(request).encode()).hexdigest()
        over_address = _over_limit(f"lost-link:address:{address}", LOST_LINK_PER_ADDRESS)
        over_client = _over_limit(f"lost-link:client:{client}", LOST_LINK_PER_CLIENT)
        if not (over_address or over_client):
            tracking_links_resend(email=email, language=get_language() or "sv")
        return render(request, "public/lost_link_sent.html")
    return render(request, "public/lost_link.html", {"form": form})


def privacy(request):
    return render(request, "public/privacy.html", {"retention_months": settings.RETENTION_MONTHS})


def accessibility(request):
    return render(request, "public/accessibility.html")
