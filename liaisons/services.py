"""Writes for municipal liaisons: keeping them (administrators, in the admin) and their one-time
sign-in links.

The link's rules:
1. It is asked for by email address on a public page that answers the same whatever the
   address (the view); only an active liaison's address gets a link.
2. The token is random (`secrets`, 256 bits); only its SHA-256 is stored, and the outbox erases
   the email's body (the link) once it is delivered.
3. It works once and for LIAISON_LINK_MINUTES: redeeming claims the row with a conditional
   update, so two clicks at the same moment sign in once. Redeeming one link spends every
   other unspent link of the same liaison.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import audit_record
from liaisons.models import Liaison, LoginToken
from notifications.services import message_queue

LINK_KIND = "liaison_login"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor_label(liaison: Liaison) -> str:
    """Who acted, in the audit log: a liaison is no user, so the label says what they are."""
    return f"liaison:{liaison.email}"


def liaison_save(*, liaison: Liaison, by: object = None) -> Liaison:
    """Create or change a liaison (the admin's form calls this). The address is kept in lower
    case, so the sign-in page finds it however it is typed."""
    liaison.email = liaison.email.strip().lower()
    liaison.name = liaison.name.strip()
    liaison.full_clean()
    liaison.save()
    return liaison


def login_link_request(*, email: str, language: str = "sv") -> LoginToken | None:
    """Email a sign-in link to the active liaison with this address; None (and nothing sent)
    for any other address. The caller answers the same either way."""
    email = email.strip().lower()
    liaison = Liaison.objects.filter(email=email, active=True).first()
    if liaison is None:
        return None
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    minutes = settings.LIAISON_LINK_MINUTES
    with transaction.atomic():
        row = LoginToken.objects.create(
            liaison=liaison,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
        path = reverse("liaison-login-confirm", kwargs={"token": token})
        message_queue(
            key=f"liaison-login:{row.pk}",
            kind=LINK_KIND,
            recipient=liaison.email,
            template="liaison_login",
            context={
                "name": liaison.name,
                "municipality": liaison.municipality.name,
                "login_url": f"{settings.SITE_URL}{path}",
                "minutes": minutes,
            },
            language=language,
            reason=_("someone asked for a sign-in link to the municipality's page in Samverka"),
            sensitive=True,
        )
    return row


def login_token_valid(*, token: str) -> LoginToken | None:
    """The unspent, unexpired token of an active liaison, without spending it (the page that
    asks for the confirming click)."""
    if not token or len(token) > 100:
        return None
    return (
        LoginToken.objects.select_related("liaison__municipality")
        .filter(
            token_hash=token_hash(token),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            liaison__active=True,
        )
        .first()
    )


def login_token_redeem(*, token: str) -> Liaison | None:
    """Spend the token and return its liaison; None when it is unknown, spent, expired or its
    liaison inactive. A refused try is recorded in the audit log (never the token)."""
    row = login_token_valid(token=token)
    now = timezone.now()
    with transaction.atomic():
        # The conditional update is the claim: of two concurrent redeems exactly one changes
        # the row, the other finds it spent.
        claimed = (
            row is not None
            and LoginToken.objects.filter(
                pk=row.pk, used_at__isnull=True, expires_at__gt=now
            ).update(used_at=now)
            == 1
        )
        if not claimed or row is None:
            audit_record(
                action=Action.LOGIN_FAILED,
                actor_label="liaison link",
                object_type="liaison",
                details={"reason": "link unknown, used or expired"},
            )
            return None
        liaison = row.liaison
        # Any other link still out there stops working: one sign-in per request for a link.
        LoginToken.objects.filter(liaison=liaison, used_at__isnull=True).update(used_at=now)
        Liaison.objects.filter(pk=liaison.pk).update(last_login_at=now)
        audit_record(
            action=Action.LOGIN,
            actor_label=actor_label(liaison),
            object_type="liaison",
            object_id=liaison.pk,
            details={"municipality": liaison.municipality.code},
        )
    return liaison


def liaison_signed_out(*, liaison: Liaison) -> None:
    audit_record(
        action=Action.LOGOUT,
        actor_label=actor_label(liaison),
        object_type="liaison",
        object_id=liaison.pk,
    )


def liaison_case_viewed(*, liaison: Liaison, reference: str) -> None:
    """A liaison opened a case of their municipality: recorded like a staff member's view."""
    audit_record(
        action=Action.CASE_VIEWED,
        actor_label=actor_label(liaison),
        object_type="case",
        object_id=reference,
    )
