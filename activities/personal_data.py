"""Registrations in a requester's export and erasure (privacy.registry): everything held about
an email address, and its erasure (the seat goes to the waiting list, without an email to
the erased address); and retention: registrations for activities that ended long ago."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from activities import services
from activities.models import Activity, Registration, RegistrationStatus


def registrations_export(email: str) -> dict:
    rows = (
        Registration.objects.filter(email__iexact=email.strip())
        .select_related("activity", "municipality")
        .order_by("pk")
    )
    return {
        "registrations": [
            {
                "activity": r.activity.title,
                "starts_at": r.activity.starts_at.isoformat(),
                "name": r.name,
                "email": r.email,
                "municipality": r.municipality.name if r.municipality else "",
                "organisation": r.organisation,
                "role": r.role,
                "needs": r.needs,
                "status": r.status,
                "attended": r.attended,
                "registered_at": r.created_at.isoformat(),
            }
            for r in rows
        ]
    }


def registrations_erase(email: str) -> int:
    """Anonymise every registration of `email`; a live one is cancelled first and its seat
    promoted. Runs inside the caller's transaction; a second run finds nothing."""
    erased = 0
    ids = list(
        Registration.objects.filter(email__iexact=email.strip()).values_list("pk", "activity_id")
    )
    for pk, activity_id in ids:
        with transaction.atomic():
            activity = Activity.objects.select_for_update().get(pk=activity_id)
            registration = Registration.objects.select_for_update().get(pk=pk)
            was_confirmed = registration.status == RegistrationStatus.CONFIRMED
            if registration.status != RegistrationStatus.CANCELLED:
                registration.status = RegistrationStatus.CANCELLED
                registration.cancelled_at = timezone.now()
            registration.name = ""
            registration.email = f"erased-{registration.pk}@invalid"
            registration.organisation = registration.role = registration.needs = ""
            registration.token_hash = secrets.token_hex(32)  # the private link stops working
            registration.save()
            if was_confirmed:
                services.waiting_promote(activity)
        erased += 1
    return erased


def registrations_expire(before: datetime) -> int:
    """Anonymise the registrations of activities that ended before `before` (retention).

    What a report counts stays: the activity, municipality, status and attendance.
    """
    return (
        Registration.objects.filter(activity__ends_at__lt=before)
        .exclude(name="", organisation="", role="", needs="", email__endswith="@invalid")
        .update(
            name="",
            email=Concat(Value("erased-"), Cast("pk", CharField()), Value("@invalid")),
            organisation="",
            role="",
            needs="",
            # The private link stops working (a stored sha256 is 64 hex digits; this is not).
            token_hash=Concat(Value("expired-"), Cast("pk", CharField())),
        )
    )
