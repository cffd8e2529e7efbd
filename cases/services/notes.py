from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import policy
from cases.errors import ActionForbidden, CaseValidationError
from cases.models import Case, CaseEvent, EventKind

NOTE_MAX_LENGTH = 10_000


def case_note_add(*, case: Case, actor, text: str) -> CaseEvent:
    """Add an internal note (never shown to the requester). Counts as activity on the case."""
    if not policy.can_act_on_case(actor, case):
        raise ActionForbidden()
    text = (text or "").strip()
    if not text:
        raise CaseValidationError(fields={"text": [str(_("This field is required."))]})
    if len(text) > NOTE_MAX_LENGTH:
        raise CaseValidationError(
            fields={"text": [str(_("The note is too long (at most 10,000 characters)."))]}
        )
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(last_activity_at=timezone.now())
        return CaseEvent.objects.create(
            case=case, kind=EventKind.NOTE, actor=actor, data={"text": text}, public=False
        )
