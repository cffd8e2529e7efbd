"""Intake: a public request becomes a case with a reference, a tracking token and a receipt.

The intake rules (which fields must say something, single-line fields, "areas or don't know",
consent, active directory entries) live here, so the HTML form, the API and a management
command cannot disagree; the form and the serializer check only the shape of their input.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import notify
from cases.actors import Actor
from cases.errors import CaseValidationError
from cases.models import Case, CaseEvent, EventKind
from cases.services.references import reference_allocate
from cases.services.reminders import first_reminder_at
from directory.models import Area, CollaborationForm, Municipality
from workflows.models import State

# Fields that must say something, and fields that end up in email headers or one-line lists
# (a line break there could inject a header such as "Bcc:").
REQUIRED_TEXT = ("requester_name", "requester_role", "requester_email", "title", "description")
SINGLE_LINE = (
    "requester_name",
    "requester_role",
    "requester_email",
    "requester_phone",
    "title",
    "timeframe",
)


def tracking_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def intake_errors(*, values: Mapping[str, Any]) -> dict[str, list[str]]:
    """The intake rules that `values` break, by field (case_submit's parameter names).

    Only the fields present in `values` are checked, so an interface whose own shape check
    already rejected a field can leave it out and show both kinds of error at once.
    """
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    for name in REQUIRED_TEXT:
        if name in values and not str(values[name] or "").strip():
            add(name, _("This field is required."))
    for name in SINGLE_LINE:
        text = str(values.get(name) or "")
        if "\r" in text or "\n" in text:
            add(name, _("Line breaks are not allowed here."))
    municipality = values.get("municipality")
    if "municipality" in values and (municipality is None or not municipality.active):
        add("municipality", _("Choose a municipality from the list."))
    if "areas" in values:
        areas = list(values["areas"] or ())
        if not areas and not values.get("area_unknown"):
            add("areas", _("Choose at least one area, or “Don't know”."))
        elif any(not area.active for area in areas):
            add("areas", _("Choose areas from the list."))
    if any(not form.active for form in values.get("forms") or ()):
        add("forms", _("Choose forms of collaboration from the list."))
    if "consent" in values and values["consent"] is not True:
        add("consent", _("You must agree to the processing of personal data."))
    return errors


# case_submit's relation -> (link table, its column for the entry, the entry's model).
LINKS: dict[str, tuple[type[Model], str, type[Area] | type[CollaborationForm]]] = {
    "areas": (Case.areas.through, "area_id", Area),
    "forms": (Case.forms.through, "collaborationform_id", CollaborationForm),
}


def _links_insert(*, case: Case, name: str, entries: Sequence[Area | CollaborationForm]) -> bool:
    """Link a new case to `entries` (each once) in one statement; False, with nothing linked
    by it, when one of them is no longer active.

    A new case has no links to compare with, so one INSERT ... SELECT does it: no model
    instances, and the active check happens in the same statement as the write.
    """
    through, column, model = LINKS[name]
    ids = list(dict.fromkeys(entry.pk for entry in entries))
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(through._meta.db_table)} (case_id, {column}) "
            f"SELECT %s, id FROM {quote(model._meta.db_table)} "
            f"WHERE id IN ({', '.join(['%s'] * len(ids))}) AND active",
            [case.pk, *ids],
        )
        return cursor.rowcount == len(ids)


def case_submit(
    *,
    municipality: Municipality,
    requester_name: str,
    requester_role: str,
    requester_email: str,
    title: str,
    description: str,
    consent: bool,
    areas: Sequence[Area] = (),
    area_unknown: bool = False,
    forms: Sequence[CollaborationForm] = (),
    requester_phone: str = "",
    timeframe: str = "",
    language: str = "sv",
    attach: Callable[[Case], object] | None = None,
) -> tuple[Case, str]:
    """Register a request as a case and queue the receipt. Returns the case and its token.

    Raises CaseValidationError (fields by parameter name) when an intake rule is broken.
    The token (256 bits) is returned once, to be shown and mailed to the requester; only its
    hash is stored. `attach(case)` runs inside the transaction once the case exists: the
    request's files are recorded with it (conversation.services.case_submit_with_files), all
    or nothing; without it the intake makes no query for files.

    1. Check the intake rules; nothing is written when one is broken.
    2. Insert the case under a temporary reference, its areas and forms (one INSERT each,
       which links only entries still active: a retired one refuses the request), the
       "created" event and the receipt (an outbox row, rendered when it is sent).
    3. Last, allocate the reference and set it: the year's counter row is locked from that
       statement to the commit, so concurrent submissions queue on it for two statements and
       the commit, not for the whole intake.
    """
    values = {
        "municipality": municipality,
        "requester_name": requester_name,
        "requester_role": requester_role,
        "requester_email": requester_email,
        "requester_phone": requester_phone,
        "title": title,
        "description": description,
        "timeframe": timeframe,
        "areas": areas,
        "area_unknown": area_unknown,
        "forms": forms,
        "consent": consent,
    }
    errors = intake_errors(values=values)
    if errors:
        raise CaseValidationError(fields=errors)
    token = secrets.token_urlsafe(32)
    token_hash = tracking_token_hash(token)
    with transaction.atomic(durable=True):
        now = timezone.now()
        case = Case.objects.create(
            # A placeholder that is unique (random) and never seen: the row is invisible to
            # others until the commit, and by then it carries its real reference.
            reference=f"~{token_hash[:39]}",
            municipality=municipality,
            requester_name=requester_name.strip(),
            requester_role=requester_role.strip(),
            requester_email=requester_email.strip(),
            requester_phone=requester_phone.strip(),
            title=title.strip(),
            description=description.strip(),
            timeframe=timeframe.strip(),
            language="en" if language.startswith("en") else "sv",
            consent_at=now,
            next_reminder_at=first_reminder_at(state=State.RECEIVED, now=now),
            tracking_token_hash=token_hash,
        )
        # The entries were checked against the caller's copy of the directory (the form's
        # is cached for up to a minute); the links are made only to entries still active.
        if areas and not _links_insert(case=case, name="areas", entries=areas):
            raise CaseValidationError(fields={"areas": [_("Choose areas from the list.")]})
        if forms and not _links_insert(case=case, name="forms", entries=forms):
            raise CaseValidationError(
                fields={"forms": [_("Choose forms of collaboration from the list.")]}
            )
        CaseEvent.objects.create(
            case=case,
            kind=EventKind.CREATED,
            to_state=case.state,
            public=True,
            **Actor.requester().event_fields(),
        )
        if attach is not None:
            attach(case)
        notify.request_submitted(case=case, token=token)
        case.reference = reference_allocate(case_id=case.pk, year=timezone.localtime(now).year)
    return case, token
