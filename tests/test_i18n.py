"""Swedish is the default language, English is complete, and the message files are in step.

The checks read the committed .po and .mo files directly (no msgfmt needed), and one check
re-extracts the messages from a copy of the source to catch strings nobody has translated yet.
"""

from __future__ import annotations

import ast
import gettext
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "sv" / "LC_MESSAGES" / "django.po"
MO = ROOT / "locale" / "sv" / "LC_MESSAGES" / "django.mo"
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> str:
        # The key under which Python's gettext stores the entry.
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid


def parse_po(path: Path) -> list[Entry]:
    """A small PO parser: enough for the files makemessages writes (no obsolete entries)."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int | None] | None = None

    def flush():
        nonlocal current
        if current.msgstr:
            entries.append(current)
            current = Entry()

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            flush()
            if line.startswith("#,"):
                current.flags |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith('"'):
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += ast.literal_eval(line)
            else:
                setattr(current, name, (getattr(current, name) or "") + ast.literal_eval(line))
            continue
        keyword, _, rest = line.partition(" ")
        value = ast.literal_eval(rest)
        if keyword in ("msgctxt", "msgid"):
            flush()
        if keyword == "msgctxt":
            current.msgctxt, target = value, ("msgctxt", None)
        elif keyword == "msgid":
            current.msgid, current.line, target = value, number, ("msgid", None)
        elif keyword == "msgid_plural":
            current.msgid_plural, target = value, ("msgid_plural", None)
        else:  # msgstr or msgstr[n]
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            current.msgstr[index], target = value, ("msgstr", index)
    flush()
    return entries


def messages() -> list[Entry]:
    return [e for e in parse_po(PO) if e.msgid]


def test_po_file_has_a_swedish_header_that_is_not_fuzzy():
    header = parse_po(PO)[0]
    assert header.msgid == ""
    assert "fuzzy" not in header.flags
    assert "Language: sv" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = messages()
    assert len(entries) > 200
    fuzzy = [f"line {e.line}: {e.msgid!r}" for e in entries if "fuzzy" in e.flags]
    untranslated = [
        f"line {e.line}: {e.msgid!r}" for e in entries if not all(e.msgstr.values()) or not e.msgstr
    ]
    assert not fuzzy, "fuzzy entries in django.po:\n" + "\n".join(fuzzy)
    assert not untranslated, "untranslated entries in django.po:\n" + "\n".join(untranslated)


def test_python_format_placeholders_survive_translation():
    import re

    placeholder = re.compile(r"%\((\w+)\)s")
    for entry in messages():
        wanted = set(placeholder.findall(entry.msgid + entry.msgid_plural))
        for text in entry.msgstr.values():
            assert set(placeholder.findall(text)) == wanted, entry.msgid


def test_compiled_mo_file_matches_the_po_file():
    """The committed .mo says exactly what the .po says: nobody forgot compilemessages."""
    with MO.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog
    stale = []
    for entry in messages():
        if entry.msgid_plural:
            for index, text in entry.msgstr.items():
                if catalog.get((entry.key, index)) != text:
                    stale.append(entry.msgid)
        elif catalog.get(entry.key) != entry.msgstr[0]:
            stale.append(entry.msgid)
    assert not stale, "django.mo is out of date; run `make messages`:\n" + "\n".join(stale)


def test_source_has_no_strings_missing_from_the_po_file(tmp_path):
    """Re-extract the messages from a copy of the source: a new string must be translated."""
    if not shutil.which("xgettext"):
        if REQUIRE_SERVICES:
            pytest.fail("gettext (xgettext) is required (REQUIRE_SERVICES=1) but not installed")
        pytest.skip("gettext (xgettext) is not installed")
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", "var", "bench", ".git", "node_modules", "__pycache__", "*.pyc", ".*_cache"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "sv",
            "--no-obsolete",
            "--ignore=.venv",
            "--ignore=var",
            "--ignore=bench",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    fresh = {e.key for e in parse_po(copy / "locale/sv/LC_MESSAGES/django.po") if e.msgid}
    known = {e.key for e in messages()}
    missing = sorted(fresh - known)
    assert not missing, (
        "strings in the source that locale/sv/LC_MESSAGES/django.po lacks; run `make messages` "
        "and translate them:\n" + "\n".join(missing)
    )


# --- The interface in use -----------------------------------------------------------------------


@pytest.fixture
def case(directory):
    from tests.factories import make_case

    return make_case()


def test_start_page_is_swedish_by_default(client, directory):
    html = client.get("/").content.decode()
    assert '<html lang="sv">' in html
    assert "Skicka en förfrågan" in html
    assert "Vem kontaktar jag?" in html
    assert "Tillgänglighetsredogörelse" in html
    assert "Submit a request" not in html


def test_tracking_page_shows_swedish_state_by_default(client, case):
    html = client.get(f"/track/{case.token}/").content.decode()
    assert "Inkommen" in html
    assert "Ta tillbaka förfrågan" in html
    assert case.reference in html


def test_switching_to_english_changes_the_interface(client, case):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Submit a request" in html
    assert "Accessibility statement" in html
    html = client.get(f"/track/{case.token}/").content.decode()
    assert "Received" in html
    assert "Inkommen" not in html

    client.post("/i18n/setlang/", {"language": "sv", "next": "/"})
    assert "Skicka en förfrågan" in client.get("/").content.decode()


def test_form_errors_are_swedish_by_default(client, directory):
    html = client.post("/requests/new/", {}).content.decode()
    assert "Rätta följande" in html
    assert "Välj din kommun." in html
    assert "Du måste godkänna behandlingen av personuppgifter." in html
    assert "Välj minst ett område, eller ”Vet ej”." in html
