"""Test data built through the real services, so tests exercise what users exercise."""

from __future__ import annotations

import itertools

from accounts.services import staff_user_create
from cases.actors import Actor
from cases.services import case_submit, case_transition
from directory.models import Area, ContactPerson, Municipality

_counter = itertools.count(1)


def make_user(role: str, email: str | None = None, password: str = "pw-for-tests-1"):
    return staff_user_create(
        email=email or f"{role}{next(_counter)}@hb.example", role=role, password=password
    )


def make_contact_user(contact: ContactPerson, password: str = "pw-for-tests-1"):
    user = make_user("contact", email=contact.email, password=password)
    contact.user = user
    contact.save(update_fields=["user"])
    return user


def request_data(**overrides) -> dict:
    data = {
        "municipality": Municipality.objects.get(code="1490"),
        "requester_name": "Eva Ek",
        "requester_role": "Miljöstrateg",
        "requester_email": "eva.ek@boras.example",
        "title": "Minska matsvinnet i skolorna",
        "description": "Vi vill halvera matsvinnet i kommunens skolkök.",
        "areas": [Area.objects.get(slug="resursatervinning")],
        "consent": True,
    }
    data.update(overrides)
    return data


def make_case(
    *, steps: tuple[str, ...] = (), actor=None, contact: ContactPerson | None = None, **overrides
):
    """Submit a case, then walk it through `steps` as `actor` (a coordinator)."""
    case, token = case_submit(**request_data(**overrides))
    payload = {
        "assign_contact": {"contact": (contact or ContactPerson.objects.first()).email},
        "record_meeting": {"date": "2026-01-15", "notes": "Bra möte."},
        "start_workshop": {"date": "2026-02-01", "purpose": "Forma projektet."},
        "start_project": {"title": "Svinnprojektet", "summary": "Mäta och minska."},
        "close": {"outcome": "completed", "summary": "Klart."},
        "decline": {"reason": "Ingen forskning inom området."},
    }
    for step in steps:
        case = case_transition(case=case, name=step, actor=Actor.staff(actor), data=payload[step])
    case.token = token
    return case
