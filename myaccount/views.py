"""Sign-in pages beyond Django's login: password reset, and "My account" (sessions, API tokens).

The account page has no id in its URL: it always shows the signed-in user's own sessions and
tokens, and a token or session of someone else is a 404.
"""

from __future__ import annotations

import hashlib

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.calendar_feed import feed_create, feed_revoke
from accounts.models import ApiToken, CalendarFeed
from myaccount.forms import OutboxPasswordResetForm, TokenCreateForm

RESET_WINDOW = 60 * 60


def _over_limit(key: str, limit: int) -> bool:
    """Count one more try under `key` in the window (the shared cache); True past `limit`."""
    cache.add(key, 0, timeout=RESET_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # the entry expired between add and incr: this try starts a window
        cache.set(key, 1, timeout=RESET_WINDOW)
        count = 1
    return count > limit


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class PasswordResetView(auth_views.PasswordResetView):
    """Django's flow, through the outbox. The answer is the same for a known address, an
    unknown one and one that asked too often: the page tells nobody which addresses exist."""

    form_class = OutboxPasswordResetForm

    def dispatch(self, request, *args, **kwargs):
        if not settings.LOCAL_PASSWORDS:  # single sign-on only: there is no password to reset
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        client = get_client_ip_address(self.request) or ""
        # Both counters count every try; the cache keeps hashes, not addresses.
        over_address = _over_limit(
            f"password-reset:address:{_digest(email)}", settings.PASSWORD_RESET_PER_ADDRESS
        )
        over_client = _over_limit(
            f"password-reset:client:{_digest(client)}", settings.PASSWORD_RESET_PER_CLIENT
        )
        if over_address or over_client:
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


# --- My account: sessions and API tokens --------------------------------------------------------


def _browser(user_agent: str) -> str:
    """A short "Firefox on Windows" for the session list; the full string is in its title."""
    ua = user_agent
    browser = next(
        (
            name
            for needle, name in (
                ("Edg/", "Edge"),
                ("Firefox/", "Firefox"),
                ("Chrome/", "Chrome"),
                ("Safari/", "Safari"),
                ("curl/", "curl"),
            )
            if needle in ua
        ),
        "",
    )
    system = next(
        (
            name
            for needle, name in (
                ("Windows", "Windows"),
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Android", "Android"),
                ("Mac OS X", "macOS"),
                ("Linux", "Linux"),
            )
            if needle in ua
        ),
        "",
    )
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unknown device")


def _account_page(
    request: HttpRequest,
    *,
    form: TokenCreateForm | None = None,
    new_key: str = "",
    feed_url: str = "",
    status=200,
) -> HttpResponse:
    user = request.user
    sessions = [
        {
            "row": row,
            "device": _browser(row.user_agent),
            "current": row.session_key == request.session.session_key,
        }
        for row in selectors.user_session_list(user=user)  # type: ignore[arg-type]
    ]
    response = render(
        request,
        "myaccount/account.html",
        {
            "sessions": sessions,
            "others": sum(1 for s in sessions if not s["current"]),
            "tokens": selectors.api_token_list(user=user),  # type: ignore[arg-type]
            "token_form": form or TokenCreateForm(),
            "new_key": new_key,
            "feed": CalendarFeed.objects.filter(user=user).first(),  # type: ignore[misc]
            "feed_url": feed_url,
            "token_days": settings.API_TOKEN_DAYS,
            # 8, not 8.0; 1.5 for 90 minutes.
            "idle_hours": (
                settings.STAFF_SESSION_IDLE_MINUTES // 60
                if settings.STAFF_SESSION_IDLE_MINUTES % 60 == 0
                else round(settings.STAFF_SESSION_IDLE_MINUTES / 60, 1)
            ),
        },
        status=status,
    )
    return response


@never_cache
@login_required
def account(request: HttpRequest) -> HttpResponse:
    return _account_page(request)


@never_cache
@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Create a token and show its key on this one answer (not after a redirect: the key is
    never stored, not even in the session)."""
    form = TokenCreateForm(request.POST)
    if not form.is_valid():
        return _account_page(request, form=form, status=400)
    token, key = services.api_token_create(
        user=request.user,  # type: ignore[arg-type]
        name=form.cleaned_data["name"],
    )
    messages.success(request, _("The token “%(name)s” is created.") % {"name": token.name})
    return _account_page(request, new_key=key, status=201)


@never_cache
@login_required
@require_POST
def calendar_feed_create(request: HttpRequest) -> HttpResponse:
    """A new secret feed address, shown on this one answer (only its hash is stored); any
    earlier address stops working."""
    token = feed_create(user=request.user)  # type: ignore[arg-type]
    url = request.build_absolute_uri(reverse("staff-calendar-feed", args=[token]))
    messages.success(request, _("Your calendar address is created."))
    return _account_page(request, feed_url=url, status=201)


@login_required
@require_POST
def calendar_feed_revoke(request: HttpRequest) -> HttpResponse:
    feed_revoke(user=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Your calendar address is revoked: it no longer works."))
    return redirect("staff-account")


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.api_token_revoke(token=token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("staff-account")


@login_required
@require_POST
def sessions_end(request: HttpRequest) -> HttpResponse:
    """End one session of the user's (`session` = its id), all others (`which=others`) or all,
    this one included (`which=all`)."""
    user = request.user
    current = request.session.session_key
    which = request.POST.get("which", "")
    if which == "all":
        services.user_sessions_end(user=user)  # type: ignore[arg-type]
        logout(request)
        messages.success(request, _("You are signed out everywhere."))
        return redirect("login")
    mine = selectors.user_session_list(user=user)  # type: ignore[arg-type]
    if which == "others":
        keys = list(mine.exclude(session_key=current).values_list("session_key", flat=True))
    else:
        raw = request.POST.get("session", "")
        if not raw.isdigit():
            raise Http404
        row = get_object_or_404(mine, pk=int(raw))
        keys = [row.session_key]
        if row.session_key == current:
            services.user_sessions_end(user=user, session_keys=keys)  # type: ignore[arg-type]
            logout(request)
            return redirect("login")
    count = services.user_sessions_end(user=user, session_keys=keys)  # type: ignore[arg-type]
    messages.success(
        request,
        ngettext(
            "Signed out of %(count)d other session.",
            "Signed out of %(count)d other sessions.",
            count,
        )
        % {"count": count},
    )
    return redirect("staff-account")
