"""The municipality's own pages (/kommun/): sign-in by a one-time link, the overview of the
municipality's requests, activities and figures, and a page per case.

Every page but the sign-in pages needs a signed-in liaison (liaisons.sessions); the
municipality always comes from the liaison, never from the URL.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from api.ratelimit import client_rate_exceeded, count_in_window, rate_parse
from cases.selectors import CappedPaginator, outcome_label
from liaisons import selectors, services
from liaisons.figures import figure_years, municipality_figures
from liaisons.forms import LoginLinkForm
from liaisons.models import Liaison
from liaisons.sessions import current_liaison, liaison_session_end, liaison_session_start

PAGE_SIZE = 25


def liaison_required(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        liaison = current_liaison(request)
        if liaison is None:
            return redirect("liaison-login")
        return view(request, liaison, *args, **kwargs)

    return wrapper


def _address_rate_exceeded(email: str) -> bool:
    """Count one more link asked for `email` (api.ratelimit's windows in the shared cache, as
    the per-client limit); True past LIAISON_LINK_RATE_PER_ADDRESS. The cache keeps a hash."""
    parsed = rate_parse(settings.LIAISON_LINK_RATE_PER_ADDRESS)
    if parsed is None:
        return False
    limit, window = parsed
    slot = int(time.time() // window)
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    return count_in_window(f"rate:liaison-link-address:{digest}:{slot}", window) > limit


@require_http_methods(["GET", "POST"])
def login_request(request: HttpRequest) -> HttpResponse:
    """Ask for a sign-in link. The answer is the same for a liaison's address, any other
    address, and one that asked too often: the page tells nobody who is a liaison."""
    if request.method == "GET" and current_liaison(request) is not None:
        return redirect("liaison-home")
    form = LoginLinkForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        # Both counters count every try (the cache keeps hashes, not addresses).
        over_address = _address_rate_exceeded(email)
        over_client = client_rate_exceeded(
            request, scope="liaison-link-client", rate=settings.LIAISON_LINK_RATE_PER_CLIENT
        )
        if not over_address and over_client is None:
            services.login_link_request(email=email, language=get_language() or "sv")
        return render(
            request,
            "liaisons/login_sent.html",
            {"minutes": settings.LIAISON_LINK_MINUTES},
        )
    return render(
        request,
        "liaisons/login.html",
        {"form": form, "minutes": settings.LIAISON_LINK_MINUTES},
    )


@require_http_methods(["GET", "POST"])
def login_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the email. A GET only shows a button: mail scanners and link previews
    open links, and must not spend the link or sign anyone in. The button's POST does."""
    if request.method == "GET":
        row = services.login_token_valid(token=token)
        if row is None:
            return render(request, "liaisons/login_refused.html", status=404)
        return render(request, "liaisons/login_confirm.html", {"liaison": row.liaison})
    liaison = services.login_token_redeem(token=token)
    if liaison is None:
        return render(request, "liaisons/login_refused.html", status=404)
    liaison_session_start(request, liaison)
    return redirect("liaison-home")


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    liaison = current_liaison(request)
    if liaison is not None:
        services.liaison_signed_out(liaison=liaison)
        liaison_session_end(request)
        messages.success(request, _("You are signed out."))
    return redirect("liaison-login")


@liaison_required
def home(request: HttpRequest, liaison: Liaison) -> HttpResponse:
    municipality = liaison.municipality
    show = request.GET.get("show", selectors.SHOW_OPEN)
    if show not in selectors.SHOWS:
        show = selectors.SHOW_OPEN
    paginator = CappedPaginator(
        selectors.liaison_cases(municipality=municipality, show=show), PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    raw_year = request.GET.get("year", "")
    year = int(raw_year) if raw_year.isdigit() and len(raw_year) == 4 else None
    rows = [{"case": case, "outcome": outcome_label(case.outcome)} for case in page.object_list]
    return render(
        request,
        "liaisons/home.html",
        {
            "liaison": liaison,
            "municipality": municipality,
            "show": show,
            "page": page,
            "rows": rows,
            "activities": selectors.liaison_activities(municipality=municipality),
            "figures": municipality_figures(municipality=municipality, year=year),
            "years": figure_years(),
        },
    )


@liaison_required
def case_detail(request: HttpRequest, liaison: Liaison, reference: str) -> HttpResponse:
    case = selectors.liaison_case(municipality=liaison.municipality, reference=reference)
    if case is None:
        # Another municipality's case, or none: the same answer, so nothing is learned.
        raise Http404(_("No request from your municipality has this reference."))
    services.liaison_case_viewed(liaison=liaison, reference=case.reference)
    return render(
        request,
        "liaisons/case.html",
        {
            "liaison": liaison,
            "municipality": liaison.municipality,
            "case": case,
            "outcome": outcome_label(case.outcome),  # type: ignore[attr-defined] # annotated
            "events": selectors.liaison_case_events(case=case),
            "meetings": selectors.liaison_case_meetings(case=case),
            "meeting_kinds": selectors.MEETING_EVENTS,
        },
    )
