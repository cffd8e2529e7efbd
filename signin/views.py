from __future__ import annotations

from base64 import b32encode
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from signin.errors import SignInRefused
from signin.forms import CodeForm
from signin.middleware import second_factor_required
from signin.oidc import oidc_enabled, provider_logout_url
from signin.services import (
    backup_codes_renew,
    second_factor_verify,
    totp_device_for_enrolment,
    totp_enrolment_confirm,
)


class LoginView(auth_views.LoginView):
    """The staff login: the password form, the SSO button when configured, or only the button
    when LOCAL_PASSWORDS is off (then a posted password is refused)."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = oidc_enabled()
        context["local_passwords"] = settings.LOCAL_PASSWORDS
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.LOCAL_PASSWORDS:
            context = self.get_context_data(password_refused=True)
            return self.render_to_response(context, status=403)
        return super().post(request, *args, **kwargs)


class LogoutView(auth_views.LogoutView):
    """Django's logout; after a single sign-on it also ends the provider's session when the
    provider offers that (the person comes back to the start page)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        at_provider = provider_logout_url(request)  # before the session is flushed
        response = super().post(request, *args, **kwargs)
        return HttpResponseRedirect(at_provider) if at_provider else response


def admin_login(original: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The admin's own login form, or the staff login (the SSO button) without passwords."""

    def view(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if not settings.LOCAL_PASSWORDS:
            return redirect_to_login(request.GET.get("next") or reverse("admin:index"))
        return original(request, extra_context)

    return view


def redirect_to_login(next_url: str) -> HttpResponse:
    return HttpResponseRedirect(f"{reverse('login')}?{urlencode({'next': next_url})}")


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as inline SVG (no script, no image request)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, border=4, light="#fff", title=_("QR code for your authenticator app")
    )
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308 - segno's own markup


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """The administrator's second step: set up an authenticator app on the first sign-in
    (QR code and secret, then a code from the app), or enter its code (or a backup code)."""
    next_url = _next_url(request)
    if not second_factor_required(request) or request.user.is_verified():  # type: ignore[union-attr]
        return redirect(next_url)
    user = request.user
    enrolled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    device = None if enrolled else totp_device_for_enrolment(user=user)  # type: ignore[arg-type]
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if device is None:
                otp_login(request, second_factor_verify(user=user, token=code))  # type: ignore[arg-type]
                return redirect(next_url)
            codes = totp_enrolment_confirm(user=user, device=device, token=code)  # type: ignore[arg-type]
        except SignInRefused as refusal:
            form.add_error("code", refusal.message)
        else:
            device.refresh_from_db()
            otp_login(request, device)
            return render(request, "signin/backup_codes.html", {"codes": codes, "next": next_url})
    context: dict[str, Any] = {"form": form, "next": next_url, "enrolling": device is not None}
    if device is not None:
        context["qr_svg"] = _qr_svg(device)
        context["secret"] = escape(_grouped(b32encode(device.bin_key).decode()))
    return render(request, "signin/two_factor.html", context, status=400 if form.errors else 200)


@login_required
def backup_codes(request: HttpRequest) -> HttpResponse:
    """New backup codes for an administrator who used or lost theirs (the old ones stop
    working). Only in a session confirmed with the second factor."""
    user = request.user
    verified = request.user.is_verified()  # type: ignore[union-attr]
    if not verified or not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("signin-two-factor")
    if request.method == "POST":
        codes = backup_codes_renew(user=user)  # type: ignore[arg-type]
        return render(
            request,
            "signin/backup_codes.html",
            {"codes": codes, "next": resolve_url(settings.LOGIN_REDIRECT_URL), "renewed": True},
        )
    return render(request, "signin/backup_codes_renew.html")
