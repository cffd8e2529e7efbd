"""Directory writes: the CSV import (idempotent, all-or-nothing, precise errors), the export,
single entries saved through the API, and upkeep."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import transaction

from audit.models import Action
from audit.services import audit_record
from directory.models import (
    Area,
    CollaborationForm,
    ContactPerson,
    Municipality,
    VocabularyEntry,
    split_list,
)


@dataclass
class RowError:
    file: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}, column {self.column}: {self.reason}"


class DirectoryImportError(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class ImportReport:
    counts: dict[str, int] = field(default_factory=dict)


FILES = ("municipalities.csv", "areas.csv", "forms.csv", "contacts.csv", "vocabulary.csv")
REQUIRED = {
    "municipalities.csv": ("code", "name"),
    "areas.csv": ("slug", "name_sv"),
    "forms.csv": ("slug", "name_sv"),
    "contacts.csv": ("email", "name"),
    "vocabulary.csv": ("term",),
}
VOCABULARY_LISTS = ("synonyms", "english", "related")
VOCABULARY_MAX = 100  # characters of one term or listed word


def _has_word(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _split(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split(";") if v.strip()]


def _bool(value: str) -> bool:
    return (value or "").strip().lower() in TRUE


def _check_row(name: str, number: int, row: dict[str, str], errors: list[RowError]) -> None:
    for column in REQUIRED[name]:
        if not (row.get(column) or "").strip():
            errors.append(RowError(name, number, column, "required value is missing"))
    if name == "municipalities.csv":
        code = (row.get("code") or "").strip()
        if code and not (code.isdigit() and len(code) == 4):
            errors.append(RowError(name, number, "code", f"{code!r} is not a four-digit code"))
    if name in ("areas.csv", "forms.csv") and row.get("slug"):
        try:
            validate_slug(row["slug"].strip())
        except ValidationError:
            errors.append(RowError(name, number, "slug", f"{row['slug']!r} is not a valid slug"))
    if name == "forms.csv":
        weeks = (row.get("lead_time_weeks") or "0").strip()
        if not weeks.isdigit():
            errors.append(RowError(name, number, "lead_time_weeks", f"{weeks!r} is not a number"))
    if name == "contacts.csv":
        email = (row.get("email") or "").strip()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors.append(RowError(name, number, "email", f"{email!r} is not an email address"))
        cap = (row.get("max_active_cases") or "5").strip()
        if not cap.isdigit():
            errors.append(RowError(name, number, "max_active_cases", f"{cap!r} is not a number"))
        general = (row.get("general") or "").strip().lower()
        if general not in ("", *TRUE, *FALSE):
            errors.append(RowError(name, number, "general", f"{general!r} is not true or false"))
    if name == "vocabulary.csv":
        _check_vocabulary_row(number, row, errors)


TRUE = ("1", "true", "yes", "ja")
FALSE = ("0", "false", "no", "nej")


def vocabulary_entry_errors(row: Mapping[str, str]) -> dict[str, list[str]]:
    """What the import would say about this vocabulary row, by column (the admin's form)."""
    errors: list[RowError] = []
    _check_vocabulary_row(0, dict(row), errors)
    by_column: dict[str, list[str]] = {}
    for error in errors:
        by_column.setdefault(error.column, []).append(error.reason)
    return by_column


def _check_vocabulary_row(number: int, row: dict[str, str], errors: list[RowError]) -> None:
    """A term, and lists of words that are words (not empty, not too long, not the term)."""
    name = "vocabulary.csv"
    term = (row.get("term") or "").strip()
    if term and (len(term) > VOCABULARY_MAX or not _has_word(term) or ";" in term):
        errors.append(RowError(name, number, "term", f"{term[:40]!r} is not a single term"))
    seen = {term.lower()}
    for column in VOCABULARY_LISTS:
        for item in split_list(row.get(column) or ""):
            if len(item) > VOCABULARY_MAX or not _has_word(item):
                errors.append(RowError(name, number, column, f"{item[:40]!r} is not a word"))
            elif item.lower() in seen:
                errors.append(RowError(name, number, column, f"{item!r} is listed twice"))
            seen.add(item.lower())


def directory_import(*, folder: Path) -> ImportReport:
    """Import the CSV files of `folder` (any of FILES), updating by key. Nothing is written on any error.

    1. Read and validate every row of every present file, collecting all errors.
    2. Check that contacts only name areas that exist (in the file or the database).
    3. Write everything in one transaction.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DirectoryImportError([RowError(str(folder), 0, "-", "folder not found")])
    data: dict[str, list[dict[str, str]]] = {}
    errors: list[RowError] = []
    for name in FILES:
        path = folder / name
        if not path.exists():
            continue
        rows = _read(path)
        missing = [c for c in REQUIRED[name] if rows and c not in rows[0]]
        if missing:
            errors.append(RowError(name, 1, ",".join(missing), "column missing from header"))
            continue
        for number, row in enumerate(rows, start=2):  # row 1 is the header
            _check_row(name, number, row, errors)
        data[name] = rows
    if not data and not errors:
        errors.append(RowError(str(folder), 0, "-", f"none of {', '.join(FILES)} found"))

    known_areas = {r["slug"].strip() for r in data.get("areas.csv", [])} | set(
        Area.objects.values_list("slug", flat=True)
    )
    for number, row in enumerate(data.get("contacts.csv", []), start=2):
        for slug in _split(row.get("areas", "")):
            if slug not in known_areas:
                errors.append(RowError("contacts.csv", number, "areas", f"unknown area {slug!r}"))
    terms_seen: dict[str, int] = {}
    for number, row in enumerate(data.get("vocabulary.csv", []), start=2):
        term = (row.get("term") or "").strip().lower()
        if term in terms_seen:
            errors.append(
                RowError(
                    "vocabulary.csv",
                    number,
                    "term",
                    f"{term!r} is already on row {terms_seen[term]}",
                )
            )
        elif term:
            terms_seen[term] = number
    if errors:
        raise DirectoryImportError(errors)

    report = ImportReport()
    with transaction.atomic():
        for row in data.get("municipalities.csv", []):
            Municipality.objects.update_or_create(
                code=row["code"].strip(),
                defaults={
                    "name": row["name"].strip(),
                    "org_number": (row.get("org_number") or "").strip(),
                    "member": _bool(row.get("member", "true")),
                },
            )
        for row in data.get("areas.csv", []):
            Area.objects.update_or_create(
                slug=row["slug"].strip(),
                defaults={
                    k: (row.get(k) or "").strip()
                    for k in ("name_sv", "name_en", "description_sv", "description_en")
                },
            )
        for row in data.get("forms.csv", []):
            CollaborationForm.objects.update_or_create(
                slug=row["slug"].strip(),
                defaults={
                    **{
                        k: (row.get(k) or "").strip()
                        for k in ("name_sv", "name_en", "description_sv", "description_en")
                    },
                    "lead_time_weeks": int((row.get("lead_time_weeks") or "0").strip()),
                },
            )
        areas = {a.slug: a for a in Area.objects.all()}
        for row in data.get("contacts.csv", []):
            person, _ = ContactPerson.objects.update_or_create(
                email=row["email"].strip().lower(),
                defaults={
                    **{
                        k: (row.get(k) or "").strip()
                        for k in ("name", "title", "department", "phone", "keywords", "bio_sv")
                    },
                    "languages": ";".join(_split(row.get("languages", "sv"))) or "sv",
                    "max_active_cases": int((row.get("max_active_cases") or "5").strip()),
                    "general_contact": _bool(row.get("general", "")),
                },
            )
            person.areas.set([areas[s] for s in _split(row.get("areas", ""))])
        for row in data.get("vocabulary.csv", []):
            VocabularyEntry.objects.update_or_create(
                term=row["term"].strip().lower(),
                defaults={c: ";".join(split_list(row.get(c) or "")) for c in VOCABULARY_LISTS},
            )
        report.counts = {name: len(rows) for name, rows in data.items()}
        audit_record(
            action=Action.DIRECTORY_IMPORTED,
            object_type="directory",
            object_id=folder.name,
            details={"rows": report.counts},
        )
    return report


# --- Single entries (the API) ------------------------------------------------------------

# An entry is valid when the import would accept it as a row of this file: one definition of
# the rules for the CSV import and the API.
IMPORT_FILE: dict[type, str] = {
    Municipality: "municipalities.csv",
    Area: "areas.csv",
    CollaborationForm: "forms.csv",
    ContactPerson: "contacts.csv",
}

Entry = TypeVar("Entry", Municipality, Area, CollaborationForm, ContactPerson)


def _normalised(instance: Entry, data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` as the import stores it: trimmed, a contact's email lower-case (the suggestions
    and the case form find people by email whatever its case), languages ';'-separated."""
    values = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
    if isinstance(instance, ContactPerson):
        if "email" in values:
            values["email"] = values["email"].lower()
        if "languages" in values:
            values["languages"] = ";".join(_split(values["languages"])) or "sv"
    return values


def _as_row(instance: Entry) -> dict[str, str]:
    """The entry as an import row: each column the text the CSV file would hold."""
    return {
        f.attname: "" if (value := getattr(instance, f.attname)) is None else str(value)
        for f in instance._meta.concrete_fields
    }


def directory_entry_save(*, instance: Entry, data: Mapping[str, Any]) -> Entry:
    """Create (an unsaved `instance`) or change a directory entry; raises ValidationError
    whose message_dict names each field that breaks a rule. Nothing is saved then.

    1. Normalise `data` as the import does and apply it to `instance`.
    2. Validate with the model (`full_clean`: required, lengths, formats, ranges, uniqueness),
       then with the import's row rules for what the model cannot say (a municipality code
       of four digits). A field the model already refused is not reported twice.
    3. Save, and set the many-to-many values present in `data` (a contact's areas), in one
       transaction.
    """
    values = _normalised(instance, data)
    relations = {
        f.name: values.pop(f.name) for f in instance._meta.many_to_many if f.name in values
    }
    for name, value in values.items():
        setattr(instance, name, value)
    errors: dict[str, list[str]] = {}
    try:
        instance.full_clean()
    except ValidationError as exc:
        errors = exc.message_dict
    row_errors: list[RowError] = []
    _check_row(IMPORT_FILE[type(instance)], 0, _as_row(instance), row_errors)
    for error in row_errors:
        if error.column not in errors:
            errors[error.column] = [error.reason]
    if errors:
        raise ValidationError(errors)
    created = instance.pk is None
    changed: list[str] = sorted(str(name) for name in (*data.keys(),))
    with transaction.atomic():
        instance.save()
        for name, value in relations.items():
            getattr(instance, name).set(value)
        audit_record(
            action=Action.DIRECTORY_CHANGED,
            object_type=instance._meta.model_name or "",
            object_id=instance.pk,
            details={"created": created, "fields": changed},
        )
    return instance


# --- Export and upkeep ---------------------------------------------------------------------

EXPORT_COLUMNS = {
    "municipalities.csv": ("code", "name", "org_number", "member"),
    "areas.csv": ("slug", "name_sv", "name_en", "description_sv", "description_en"),
    "forms.csv": ("slug", "name_sv", "name_en", "lead_time_weeks", "description_sv"),
    "contacts.csv": (
        "email",
        "name",
        "title",
        "department",
        "phone",
        "areas",
        "keywords",
        "languages",
        "max_active_cases",
        "bio_sv",
        "general",
    ),
    "vocabulary.csv": ("term", *VOCABULARY_LISTS),
}


def _export_rows(name: str) -> list[dict[str, str]]:
    if name == "municipalities.csv":
        return [
            {
                "code": m.code,
                "name": m.name,
                "org_number": m.org_number,
                "member": "true" if m.member else "false",
            }
            for m in Municipality.objects.order_by("name")
        ]
    if name == "areas.csv":
        return [
            {k: getattr(a, k) for k in EXPORT_COLUMNS[name]}
            for a in Area.objects.order_by("name_sv")
        ]
    if name == "forms.csv":
        return [
            {k: str(getattr(f, k)) for k in EXPORT_COLUMNS[name]}
            for f in CollaborationForm.objects.order_by("lead_time_weeks", "name_sv")
        ]
    if name == "vocabulary.csv":
        return [
            {"term": v.term, **{c: getattr(v, c) for c in VOCABULARY_LISTS}}
            for v in VocabularyEntry.objects.order_by("term")
        ]
    return [
        {
            **{k: getattr(p, k) for k in ("email", "name", "title", "department", "phone")},
            "areas": ";".join(a.slug for a in p.areas.order_by("slug")),
            "keywords": ";".join(p.keyword_list),
            "languages": ";".join(p.language_list),
            "max_active_cases": str(p.max_active_cases),
            "bio_sv": p.bio_sv,
            "general": "true" if p.general_contact else "",
        }
        for p in ContactPerson.objects.filter(active=True).prefetch_related("areas").order_by("pk")
    ]


def directory_export(*, folder: Path) -> dict[str, int]:
    """Write the CSV files `directory_import` reads; returns rows per file.

    Inactive contact persons are left out: the import has no column for them, and
    re-importing an export must not bring a person back into the suggestions.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, columns in EXPORT_COLUMNS.items():
        rows = _export_rows(name)
        with (folder / name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        counts[name] = len(rows)
    return counts


def contact_deactivate(*, contact: ContactPerson) -> ContactPerson:
    """Take a person out of the directory and the suggestions.

    Their open cases keep them as contact (history stays right) and show up in the inbox
    flagged for reassignment; how many those are is a question for the cases
    (`cases.selectors.contact_loads`), not for the directory.
    """
    if contact.active:
        contact.active = False
        contact.save(update_fields=["active"])
        audit_record(
            action=Action.DIRECTORY_CHANGED,
            object_type="contactperson",
            object_id=contact.pk,
            details={"fields": ["active"], "active": False},
        )
    return contact
