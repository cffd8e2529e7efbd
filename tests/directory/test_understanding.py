"""Suggestions that understand what a municipality means: synonyms, English, typos, no noise,
profiles that learn from handled cases, the vocabulary as data, and the evaluation."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from directory.models import ContactPerson, VocabularyEntry
from directory.profiles import HALF_LIFE_DAYS, HandledCase
from directory.services import directory_export, directory_import
from directory.suggestions import (
    NO_PROFILES,
    build_profiles,
    get_index,
    rank_contacts,
    suggestions_shown,
)
from tests.factories import make_case, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def shown(title: str, text: str = "", **kwargs) -> list[str]:
    ranked = rank_contacts(title=title, text=text, loads={}, profiles=NO_PROFILES, **kwargs)
    return [s.contact.email for s in suggestions_shown(ranked)]


def test_a_synonym_finds_the_person_whose_keyword_it_means(directory):
    # Robert Wik's keyword is "solceller"; the officer writes "solpaneler".
    [first, *_] = rank_contacts(
        title="Solpaneler på förskolornas tak",
        text="Lönar det sig att sätta solpaneler på våra förskolor?",
        loads={},
    )
    assert first.contact.email == "robert.wik@hb.example"
    assert "solceller" in first.matched
    assert shown("Solpaneler på förskolornas tak")[0] == "robert.wik@hb.example"


def test_a_description_instead_of_the_term_finds_the_person(directory):
    # "elever som inte kommer till skolan" is what Oskar Lind's "skolfrånvaro" means.
    result = shown("Frånvaron ökar", "Vi har elever som inte kommer till skolan på veckor.")
    assert result[0] == "oskar.lind@hb.example"


def test_an_english_request_finds_the_right_person(directory):
    result = shown(
        "Foster families", "We cannot find enough foster families for children.", language="en"
    )
    assert result[0] == "peter.lund@hb.example"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Cybersäkrhet för politiker", "viktor.dahl@hb.example"),
        ("Välfärdsteknink i hemtjänsten", "thomas.kvist@hb.example"),
        ("Vi vill jobba med läsfrämjnde", "ingrid.falk@hb.example"),
    ],
)
def test_a_misspelled_request_finds_the_right_person(directory, title, expected):
    assert shown(title)[:1] == [expected]


def test_function_words_suggest_no_one(directory):
    # "hjälper" and "minska" are in some presentations; they are no evidence of anything.
    assert shown("Hej", "Jag hjälper till att minska köerna, kan ni hjälpa oss?") == []
    assert shown("Möte", "Vi vill gärna ha ett möte nästa vecka.") == []


def test_a_vocabulary_entry_added_in_the_admin_is_used_at_once(client, directory):
    client.force_login(make_user("admin"))
    assert shown("Pelargonodling på äldreboendet") != ["karin.wall@hb.example"]
    url = reverse("admin:directory_vocabularyentry_add")

    refused = client.post(url, {"term": "hantverk", "synonyms": "!!!"})
    assert refused.status_code == 200
    assert "is not a word" in refused.content.decode()
    assert not VocabularyEntry.objects.filter(synonyms__contains="!!!").exists()

    client.post(url, {"term": "Textilslöjd-X", "synonyms": "pelargonodling"})
    entry = VocabularyEntry.objects.get(term="textilslöjd-x")  # stored lower-case
    entry.term = "textilslöjd"
    VocabularyEntry.objects.filter(term="textilslöjd").delete()
    entry.save()
    assert shown("Pelargonodling på äldreboendet")[:1] == ["karin.wall@hb.example"]


def test_vocabulary_survives_an_export_and_import(directory, tmp_path):
    directory_export(folder=tmp_path)
    with (tmp_path / "vocabulary.csv").open(encoding="utf-8") as fh:
        exported = {row["term"]: row for row in csv.DictReader(fh)}
    assert exported["solceller"]["english"].startswith("solar panels")
    VocabularyEntry.objects.all().delete()

    report = directory_import(folder=tmp_path)

    assert report.counts["vocabulary.csv"] == len(exported)
    solceller = VocabularyEntry.objects.get(term="solceller")
    assert "solpaneler" in solceller.synonym_list
    assert shown("Solpaneler på taket")[:1] == ["robert.wik@hb.example"]
    assert ContactPerson.objects.get(email="per.sandberg@hb.example").general_contact


def test_a_bad_vocabulary_file_imports_nothing_and_names_each_error(directory, tmp_path):
    (tmp_path / "vocabulary.csv").write_text(
        "term,synonyms,english,related\n"
        "pelargoner,krukväxter;krukväxter,,\n"
        "pelargoner,,geraniums,\n"
        "tomat,!!!,,\n",
        encoding="utf-8",
    )
    (tmp_path / "contacts.csv").write_text(
        "email,name,keywords\nny.person@hb.example,Ny Person,pelargoner\n", encoding="utf-8"
    )
    before = VocabularyEntry.objects.count()

    with pytest.raises(CommandError) as error:
        call_command("import_directory", str(tmp_path))

    message = str(error.value)
    assert "Nothing was imported." in message
    assert "vocabulary.csv, row 2, column synonyms: 'krukväxter' is listed twice" in message
    assert "vocabulary.csv, row 3, column term: 'pelargoner' is already on row 2" in message
    assert "vocabulary.csv, row 4, column synonyms: '!!!' is not a word" in message
    assert VocabularyEntry.objects.count() == before
    assert not ContactPerson.objects.filter(email="ny.person@hb.example").exists()


def test_profiles_learn_from_a_handled_case_and_name_it(
    client, directory, coordinator, django_capture_on_commit_callbacks
):
    # Nothing in Thomas Kvist's directory entry says "läkemedelsrobotar".
    request = {"title": "Läkemedelsrobotar hos brukarna", "text": "Hur fungerar de i hemmen?"}
    before = rank_contacts(**request, loads={})
    assert "thomas.kvist@hb.example" not in [s.contact.email for s in suggestions_shown(before)]
    thomas = ContactPerson.objects.get(email="thomas.kvist@hb.example")
    with django_capture_on_commit_callbacks(execute=True):
        handled = make_case(
            title="Läkemedelsrobotar i hemtjänsten",
            description="Vi testar läkemedelsrobotar hos brukare och vill utvärdera dem.",
            steps=("assign_contact", "record_meeting"),
            actor=coordinator,
            contact=thomas,
        )

    after = suggestions_shown(rank_contacts(**request, loads={}))

    assert after[0].contact == thomas
    assert f"similar to {handled.reference}, which they had" in after[0].reasons
    # And on the coordinator's page of a new request, in Swedish.
    new = make_case(
        title=request["title"], description=request["text"], areas=[], area_unknown=True
    )
    client.force_login(coordinator)
    with translation.override("sv"):
        page = client.get(reverse("staff-case", args=[new.reference])).content.decode()
    assert f"liknar {handled.reference} som du hade" in page


def test_what_a_case_teaches_depends_on_how_far_it_got_and_fades_with_age(directory):
    index = get_index()
    lena = ContactPerson.objects.get(email="lena.forsberg@hb.example").pk
    today = date(2027, 1, 1)

    def weight(**kwargs) -> float:
        case = HandledCase(
            reference="AK-2026-0001",
            contact_id=lena,
            title="Portionsplanering",
            text="",
            **{"stage": "project", "handled_on": today, **kwargs},
        )
        profiles = build_profiles([case], index, today=today)
        posting = profiles.exact.get("portionsplanering", {}).get(lena)
        return posting[0] if posting else 0.0

    assert weight(stage="project") > weight(stage="meeting_held") > weight(stage="contact_assigned")
    assert weight(outcome="no_match") == 0.0
    old = weight(handled_on=today - timedelta(days=HALF_LIFE_DAYS))
    assert old == pytest.approx(weight() / 2)


FIGURE = re.compile(r"(top-1|top-3|precision): (\d+)/(\d+) = ")


def figures(out: str) -> dict[str, dict[str, float]]:
    """{set title: {figure: share}} from the command's output."""
    result: dict[str, dict[str, float]] = {}
    current = ""
    for line in out.splitlines():
        if not line.startswith(" "):
            current = line.split(":")[0]
            result[current] = {}
        elif match := FIGURE.search(line):
            name, hits, total = match.group(1), int(match.group(2)), int(match.group(3))
            result[current][name] = hits / total
    return result


def test_the_evaluation_meets_its_targets_on_the_shipped_sets(directory, capsys):
    call_command("evaluate_suggestions")
    found = figures(capsys.readouterr().out)

    assert set(found) == {
        "evaluation.json",
        "evaluation_harder.json",
        "history (directory only, nothing learned)",
        "history (profiles learned from earlier cases only)",
    }
    for name, values in found.items():
        assert set(values) == {"top-1", "top-3", "precision"}, name
        assert values["precision"] >= 0.60, name
    assert found["evaluation.json"]["top-3"] >= 0.95
    assert found["evaluation_harder.json"]["top-1"] >= 0.80
    assert found["evaluation_harder.json"]["top-3"] >= 0.95
    learned = found["history (profiles learned from earlier cases only)"]
    assert learned["top-1"] > found["history (directory only, nothing learned)"]["top-1"]
