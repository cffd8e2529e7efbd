from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from cases import notify
from cases.models import Case, CaseEvent, EventKind
from cases.services.references import reference_allocate
from cases.services.reminders import first_reminder_at
from directory.models import Area, CollaborationForm, Municipality
from workflows.models import State


def tracking_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def case_submit(
    *,
    municipality: Municipality,
    requester_name: str,
    requester_role: str,
    requester_email: str,
    title: str,
    description: str,
    areas: list[Area] | tuple = (),
    forms: list[CollaborationForm] | tuple = (),
    requester_phone: str = "",
    timeframe: str = "",
    language: str = "sv",
) -> tuple[Case, str]:
    """Register a request as a case and queue the receipt. Returns the case and its token.

    The token (256 bits) is returned once, to be shown and mailed to the requester; only its
    hash is stored.
    """
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        now = timezone.now()
        case = Case(
            reference=reference_allocate(year=timezone.localtime(now).year),
            municipality=municipality,
            requester_name=requester_name,
            requester_role=requester_role,
            requester_email=requester_email,
            requester_phone=requester_phone,
            title=title,
            description=description,
            timeframe=timeframe,
            language="en" if language.startswith("en") else "sv",
            consent_at=now,
            next_reminder_at=first_reminder_at(state=State.RECEIVED, now=now),
            tracking_token_hash=tracking_token_hash(token),
        )
        case.save()
        # add(), not set(): a new case has nothing to compare with, so one INSERT each.
        if areas:
            case.areas.add(*areas)
        if forms:
            case.forms.add(*forms)
        CaseEvent.objects.create(
            case=case,
            kind=EventKind.CREATED,
            to_state=case.state,
            actor_label="requester",
            public=True,
        )
        notify.request_received(case=case, token=token)
    return case, token
