from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

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


def area_catalogue() -> list[dict]:
    """Each active area with its contacts, fitting forms and public example cases.

    The forms that fit an area are the forms requesters chose together with it, most often
    first; an area nobody has asked about yet shows every form. Four queries in all.
    """
    areas = list(area_list())
    forms = list(form_list())
    pairs = (
        CollaborationForm.objects.filter(active=True, cases__areas__in=areas)
        .values_list("cases__areas", "pk")
        .annotate(n=Count("cases", distinct=True))
    )
    counts: dict[int, dict[int, int]] = {}
    for area_id, form_id, n in pairs:
        counts.setdefault(area_id, {})[form_id] = n
    people: dict[int, list[ContactPerson]] = {}
    for person in contact_list():
        for area in person.areas.all():
            people.setdefault(area.pk, []).append(person)
    examples: dict[int, list] = {}
    for area in Area.objects.filter(pk__in=[a.pk for a in areas]).prefetch_related(
        Prefetch(
            "cases",
            queryset=Area.cases.rel.related_model._default_manager.filter(public=True)
            .select_related("municipality")
            .order_by("-created_at"),
            to_attr="public_cases",
        )
    ):
        examples[area.pk] = area.public_cases[:5]
    result = []
    for area in areas:
        chosen = counts.get(area.pk)
        fitting = (
            sorted((f for f in forms if f.pk in chosen), key=lambda f: -chosen[f.pk])
            if chosen
            else forms
        )
        result.append(
            {
                "area": area,
                "forms": fitting,
                "forms_from_cases": bool(chosen),
                "contacts": people.get(area.pk, []),
                "examples": examples.get(area.pk, []),
            }
        )
    return result


def contact_detail(*, pk: int) -> ContactPerson | None:
    return contact_list().filter(pk=pk).first()


def contact_by_email(*, email: str) -> ContactPerson | None:
    email = (email or "").strip()
    if not email:
        return None
    return contact_list().filter(email__iexact=email).first()
