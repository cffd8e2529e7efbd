from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.db.models.signals import post_delete, post_save

from directory.models import Area, CollaborationForm, ContactPerson, Municipality


def municipality_list() -> QuerySet[Municipality]:
    return Municipality.objects.filter(active=True).order_by("name")


def area_list() -> QuerySet[Area]:
    return Area.objects.filter(active=True).order_by("name_sv")


def form_list() -> QuerySet[CollaborationForm]:
    return CollaborationForm.objects.filter(active=True).order_by("lead_time_weeks", "name_sv")


# --- The active directory, cached per process -----------------------------------------------
#
# Every public submission resolves its municipality, areas and forms; reading them from the
# database cost two queries (and most of a millisecond of ORM work) per request for data that
# changes a few times a year. So each process keeps the active entries for a while:
# - a save or delete of a directory entry in this process (the import, the API, the admin:
#   all save through the ORM) clears it at once, and again when that transaction commits;
# - other processes see the change within DIRECTORY_CACHE_SECONDS. Until then their form
#   may offer or miss an entry; a retired area or form is still refused, by the intake's
#   insert of the links (it links active entries only), and a municipality retired moments
#   ago may still be accepted, like a request that arrived a minute earlier.
# Bulk writes that bypass save() (queryset.update) are seen after the same delay.
DIRECTORY_CACHE_SECONDS = 60


@dataclass(frozen=True)
class ActiveDirectory:
    """The active entries by their public key, in list order (as municipality_list etc.)."""

    municipalities: dict[str, Municipality]  # by code
    areas: dict[str, Area]  # by slug
    forms: dict[str, CollaborationForm]  # by slug
    loaded_at: float


_active: ActiveDirectory | None = None


def active_directory() -> ActiveDirectory:
    """The active municipalities, areas and forms (three queries when not cached)."""
    global _active
    cached = _active
    if cached is not None and time.monotonic() - cached.loaded_at < DIRECTORY_CACHE_SECONDS:
        return cached
    cached = ActiveDirectory(
        municipalities={m.code: m for m in municipality_list()},
        areas={a.slug: a for a in area_list()},
        forms={f.slug: f for f in form_list()},
        loaded_at=time.monotonic(),
    )
    _active = cached
    return cached


def active_directory_clear() -> None:
    """Forget this process's copies (the active directory, the catalogue, the contact
    choices); the next caller reads the directory again."""
    global _active, _catalogue, _choices
    _active = None
    _catalogue = None
    _choices = None


@dataclass(frozen=True)
class Catalogue:
    """Every area and form, active or retired, by id, in the database's list order (rank):
    a case links to the entries it was submitted with, retired ones too."""

    areas: dict[int, tuple[int, Area]]  # id -> (rank, entry)
    forms: dict[int, tuple[int, CollaborationForm]]
    loaded_at: float


_catalogue: Catalogue | None = None


def catalogue(*, missing: bool = False) -> Catalogue:
    """All areas and forms, cached per process like `active_directory` (two queries when
    not cached). `missing=True`: an id was not found in the cached copy (an entry added in
    another process moments ago), so read it again."""
    global _catalogue
    cached = _catalogue
    if (
        cached is not None
        and not missing
        and time.monotonic() - cached.loaded_at < DIRECTORY_CACHE_SECONDS
    ):
        return cached
    # The order of the case's own links (Meta.ordering: name_sv, compared by the database's
    # collation, which Python's sort would not reproduce for å, ä and ö).
    cached = Catalogue(
        areas={a.pk: (rank, a) for rank, a in enumerate(Area.objects.order_by("name_sv", "id"))},
        forms={
            f.pk: (rank, f)
            for rank, f in enumerate(CollaborationForm.objects.order_by("name_sv", "id"))
        },
        loaded_at=time.monotonic(),
    )
    _catalogue = cached
    return cached


def _directory_changed(**kwargs) -> None:
    # Now, for the rest of this transaction, and after the commit, for a request that read
    # the directory in between (it would have cached what was about to change).
    active_directory_clear()
    transaction.on_commit(active_directory_clear)


for _model in (Municipality, Area, CollaborationForm):
    post_save.connect(
        _directory_changed, sender=_model, dispatch_uid=f"directory-cache-save-{_model.__name__}"
    )
    post_delete.connect(
        _directory_changed, sender=_model, dispatch_uid=f"directory-cache-delete-{_model.__name__}"
    )


# Up to this many active contacts, staff pick from a list; beyond it (a national directory has
# tens of thousands) they type an email, and the ranked suggestions do the finding.
CONTACT_CHOICE_LIMIT = 300


def contact_resolve(text: str) -> str:
    """The picker's text as an email: an email as typed, else the one active contact whose
    name or "name, title" label starts the text (without JavaScript a datalist label is not
    sent, only what was typed); unresolved text is kept, and then matches nothing."""
    text = text.strip()[:200]
    if not text or "@" in text:
        return text
    name = text.split(",")[0].strip()
    matches = list(contact_list().filter(name__iexact=name).values_list("email", flat=True)[:2])
    if len(matches) != 1:
        matches = list(
            contact_list().filter(name__icontains=name).values_list("email", flat=True)[:2]
        )
    return matches[0] if len(matches) == 1 else text


# contact_choices, per process: (loaded at, the list). The case page of a received or
# reassignable case and the inbox's picker ask for it on every view; it changes when a contact
# person is saved (cleared at once in this process, within DIRECTORY_CACHE_SECONDS in others,
# like the active directory: a picker missing a brand-new person for a minute still takes
# their typed email).
_choices: tuple[float, list[tuple[str, str]] | None] | None = None


def _contacts_changed(**kwargs) -> None:
    global _choices
    _choices = None
    transaction.on_commit(_contact_choices_clear)


def _contact_choices_clear() -> None:
    global _choices
    _choices = None


post_save.connect(_contacts_changed, sender=ContactPerson, dispatch_uid="contact-choices-save")
post_delete.connect(_contacts_changed, sender=ContactPerson, dispatch_uid="contact-choices-del")


def contact_choices() -> list[tuple[str, str]] | None:
    """(email, label) of every active contact, or None when there are too many for a list.
    Cached per process (see `_choices`)."""
    global _choices
    cached = _choices
    if cached is not None and time.monotonic() - cached[0] < DIRECTORY_CACHE_SECONDS:
        return cached[1]
    choices = _contact_choices_read()
    _choices = (time.monotonic(), choices)
    return choices


def _contact_choices_read() -> list[tuple[str, str]] | None:
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
