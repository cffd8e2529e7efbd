from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from directory.models import Area, CollaborationForm, ContactPerson, Municipality


def municipality_list() -> QuerySet[Municipality]:
    return Municipality.objects.filter(active=True).order_by("name")


def area_list() -> QuerySet[Area]:
    return Area.objects.filter(active=True).order_by("name_sv")


def form_list() -> QuerySet[CollaborationForm]:
    return CollaborationForm.objects.filter(active=True).order_by("lead_time_weeks", "name_sv")


# Up to this many active contacts, staff pick from a list; beyond it (a national directory has
# tens of thousands) they type an email, and the ranked suggestions do the finding.
CONTACT_CHOICE_LIMIT = 300


def contact_choices() -> list[tuple[str, str]] | None:
    """(email, label) of every active contact, or None when there are too many for a list."""
    rows = list(
        ContactPerson.objects.filter(active=True)
        .order_by("name")
        .values_list("email", "name", "title", "department")[: CONTACT_CHOICE_LIMIT + 1]
    )
    if len(rows) > CONTACT_CHOICE_LIMIT:
        return None
    return [
        (email, ", ".join(p for p in (name, title, department) if p))
        for email, name, title, department in rows
    ]


def contact_list() -> QuerySet[ContactPerson]:
    return ContactPerson.objects.filter(active=True).prefetch_related("areas").order_by("name")


@dataclass(frozen=True)
class AreaContacts:
    area: Area
    contacts: list[ContactPerson]  # active, by name


def area_directory() -> list[AreaContacts]:
    """Each active area, by name, with its active contact persons. Two queries.

    The directory half of the public area catalogue; what the cases say about each area
    (the forms chosen with it, public examples) is added by `cases.selectors.area_catalogue`.
    """
    areas = area_list().prefetch_related(
        Prefetch("contacts", queryset=ContactPerson.objects.filter(active=True).order_by("name"))
    )
    return [AreaContacts(area=area, contacts=list(area.contacts.all())) for area in areas]


def contact_detail(*, pk: int) -> ContactPerson | None:
    return contact_list().filter(pk=pk).first()


def contact_by_email(*, email: str) -> ContactPerson | None:
    email = (email or "").strip()
    if not email:
        return None
    return contact_list().filter(email__iexact=email).first()
