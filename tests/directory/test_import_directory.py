"""`manage.py import_directory <folder>`: idempotent, all-or-nothing, precise errors."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from directory.models import Area, CollaborationForm, ContactPerson, Municipality

DATA = Path(__file__).resolve().parents[2] / "directory" / "data"


@pytest.fixture
def folder(tmp_path):
    target = tmp_path / "directory"
    shutil.copytree(DATA, target)
    return target


def rows_of(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_rows(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def counts() -> dict[str, int]:
    return {
        "municipalities": Municipality.objects.count(),
        "areas": Area.objects.count(),
        "forms": CollaborationForm.objects.count(),
        "contacts": ContactPerson.objects.count(),
    }


def run(folder: Path) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_directory", str(folder), stdout=out)
    return out.getvalue()


def test_import_loads_every_file_and_reports_row_counts(db, folder):
    output = run(folder)

    expected = {
        "municipalities": len(rows_of(folder / "municipalities.csv")),
        "areas": len(rows_of(folder / "areas.csv")),
        "forms": len(rows_of(folder / "forms.csv")),
        "contacts": len(rows_of(folder / "contacts.csv")),
    }
    assert counts() == expected
    assert f"contacts.csv: {expected['contacts']} rows" in output
    anna = ContactPerson.objects.get(email="anna.lindqvist@hb.example")
    assert [a.slug for a in anna.areas.all()] == ["textil-mode"]
    assert Municipality.objects.get(code="1490").name == "Borås"


def test_importing_twice_gives_the_same_data(db, folder):
    first_output = run(folder)
    first = counts()
    links = ContactPerson.areas.through.objects.count()

    second_output = run(folder)

    assert counts() == first
    assert ContactPerson.areas.through.objects.count() == links
    assert second_output == first_output


def test_import_updates_rows_by_key_instead_of_duplicating(db, folder):
    run(folder)
    rows = rows_of(folder / "municipalities.csv")
    for row in rows:
        if row["code"] == "1443":
            row["name"] = "Bollebygds kommun"
    write_rows(folder / "municipalities.csv", rows)
    contacts = rows_of(folder / "contacts.csv")
    contacts[0]["title"] = "Professor"
    write_rows(folder / "contacts.csv", contacts)

    run(folder)

    assert Municipality.objects.filter(code="1443").count() == 1
    assert Municipality.objects.get(code="1443").name == "Bollebygds kommun"
    assert ContactPerson.objects.get(email=contacts[0]["email"]).title == "Professor"


def test_a_bad_contact_row_imports_nothing_and_names_file_row_column_and_reason(db, folder):
    contacts = rows_of(folder / "contacts.csv")
    contacts[3]["email"] = "not-an-email"
    write_rows(folder / "contacts.csv", contacts)

    with pytest.raises(CommandError) as error:
        run(folder)

    message = str(error.value)
    # Row 1 is the header, so the fourth data row is row 5.
    assert "contacts.csv, row 5, column email" in message
    assert "'not-an-email' is not an email address" in message
    assert counts() == {"municipalities": 0, "areas": 0, "forms": 0, "contacts": 0}


def test_a_bad_row_leaves_an_earlier_import_untouched(db, folder):
    run(folder)
    before = counts()
    municipalities = rows_of(folder / "municipalities.csv")
    municipalities[0]["name"] = "Ändrat namn"
    write_rows(folder / "municipalities.csv", municipalities)
    contacts = rows_of(folder / "contacts.csv")
    contacts[-1]["max_active_cases"] = "many"
    write_rows(folder / "contacts.csv", contacts)

    with pytest.raises(CommandError) as error:
        run(folder)

    assert f"contacts.csv, row {len(contacts) + 1}, column max_active_cases" in str(error.value)
    assert counts() == before
    assert not Municipality.objects.filter(name="Ändrat namn").exists()


@pytest.mark.parametrize(
    ("file", "column", "value", "reason"),
    [
        ("municipalities.csv", "code", "14900", "is not a four-digit code"),
        ("municipalities.csv", "name", "", "required value is missing"),
        ("areas.csv", "slug", "två ord", "is not a valid slug"),
        ("forms.csv", "lead_time_weeks", "tre", "is not a number"),
        ("contacts.csv", "areas", "no-such-area", "unknown area 'no-such-area'"),
        ("contacts.csv", "name", "", "required value is missing"),
    ],
)
def test_each_kind_of_bad_value_is_reported_precisely(db, folder, file, column, value, reason):
    rows = rows_of(folder / file)
    rows[1][column] = value
    write_rows(folder / file, rows)

    with pytest.raises(CommandError) as error:
        run(folder)

    assert f"{file}, row 3, column {column}" in str(error.value)
    assert reason in str(error.value)
    assert counts()["municipalities"] == 0


def test_every_bad_row_is_reported_at_once(db, folder):
    contacts = rows_of(folder / "contacts.csv")
    contacts[0]["email"] = "x"
    contacts[2]["email"] = "y"
    write_rows(folder / "contacts.csv", contacts)

    with pytest.raises(CommandError) as error:
        run(folder)

    assert "row 2, column email" in str(error.value)
    assert "row 4, column email" in str(error.value)


def test_missing_column_in_header_is_reported(db, folder):
    rows = [{"slug": r["slug"], "name_en": r["name_en"]} for r in rows_of(folder / "areas.csv")]
    write_rows(folder / "areas.csv", rows)

    with pytest.raises(CommandError) as error:
        run(folder)

    assert "areas.csv, row 1, column name_sv: column missing from header" in str(error.value)


def test_missing_folder_is_reported(db, tmp_path):
    with pytest.raises(CommandError) as error:
        run(tmp_path / "nowhere")

    assert "folder not found" in str(error.value)


def test_folder_without_csv_files_is_reported(db, tmp_path):
    with pytest.raises(CommandError) as error:
        run(tmp_path)

    assert "municipalities.csv" in str(error.value)


def test_import_of_contacts_alone_may_refer_to_areas_already_in_the_database(db, folder):
    run(folder)
    for name in ("municipalities.csv", "areas.csv", "forms.csv"):
        (folder / name).unlink()

    run(folder)

    assert ContactPerson.objects.get(email="anna.lindqvist@hb.example").areas.count() == 1
