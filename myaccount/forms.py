from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from notifications.services import message_queue


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the email goes through the outbox: it is a row before the
    request answers (an SMTP outage delays it, loses nothing, and never makes the page fail or
    slow), and being sensitive its body (the link) is erased once delivered."""

    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        user = context["user"]
        path = reverse(
            "password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]}
        )
        message_queue(
            key=f"password-reset:{user.pk}:{context['token']}",
            kind="password_reset",
            recipient=to_email,
            template="password_reset",
            context={
                "name": user.get_full_name() or user.email,
                "reset_url": f"{settings.SITE_URL}{path}",
                "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
            },
            language=get_language() or "sv",
            reason=str(_("someone asked to reset the password of your Samverka login")),
            sensitive=True,
        )


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the new token"),
        help_text=_('What it is for, e.g. "Registry export".'),
        max_length=100,
    )
