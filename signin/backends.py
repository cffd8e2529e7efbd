from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


class SignedInUserMixin:
    """The signed-in user is read with their contact-directory entry, in one query: every
    staff page shows "My cases" from it (templates/base.html), and the policy asks for it on
    each case, which otherwise cost every staff request a second query. Inactive users are
    refused, as by Django's ModelBackend."""

    def get_user(self, user_id: Any):
        User = get_user_model()
        user = User._default_manager.select_related("contact_person").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class LocalPasswordBackend(SignedInUserMixin, ModelBackend):
    """Django's password check, refused when LOCAL_PASSWORDS is off: then the staff login,
    the admin's login and anything else that authenticates by password find no user."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ):
        if not settings.LOCAL_PASSWORDS:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
