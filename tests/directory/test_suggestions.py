from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.utils import translation

from cases.selectors import contact_loads
from directory.models import Area, ContactPerson
from directory.suggestions import CANDIDATES, rank_contacts, search_contacts
from tests.factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The reasons are asserted in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


def emails(suggestions):
    return [s.contact.email for s in suggestions]


def test_food_waste_request_puts_the_food_waste_researcher_first_with_reasons(directory):
    [first, *_] = rank_contacts(
        title="Minska matsvinnet i skolköken",
        text="Vi slänger för mycket mat i skolrestaurangerna.",
        area_slugs=["resursatervinning"],
        loads={},
    )
    assert first.contact.email == "lena.forsberg@hb.example"
    assert any(r.startswith("matches: ") and "matsvinn" in r for r in first.reasons)
    assert "area Resursåtervinning" in first.reasons
    assert "0 active cases of 5" in first.reasons


def test_compound_words_match_their_parts(directory):
    # "hemkompostering" is not in the directory; "kompost" (Eva Jonsson's keyword) is inside it.
    result = rank_contacts(title="Hemkompostering", text="", loads={})
    assert emails(result)[0] == "eva.jonsson@hb.example"


def test_biogas_request_reasons_name_the_matching_keywords(directory):
    [first, *_] = rank_contacts(
        title="Biogas av matavfall", text="Vi vill göra biogas av matavfallet.", loads={}
    )
    assert first.contact.email == "mikael.strand@hb.example"
    assert "biogas" in first.matched and "matavfall" in first.matched


def test_a_contact_at_capacity_drops_below_a_free_colleague(directory):
    request = {"title": "Demens", "text": "Personcentrerad vård för personer med demens."}
    helena = ContactPerson.objects.get(email="helena.bergqvist@hb.example")
    free = rank_contacts(**request, loads={})
    full = rank_contacts(**request, loads={helena.pk: 5})
    assert emails(free)[0] == helena.email
    helena_full = next(s for s in full if s.contact == helena)
    assert helena_full.score < next(s for s in free if s.contact == helena).score * 0.5
    assert "5 active cases of 5" in helena_full.reasons
    assert "at full capacity" in helena_full.reasons


def test_load_is_counted_for_the_best_candidates_only(directory):
    # More people match than are candidates: counting everyone's cases would not scale.
    # (They share an area: a word that many people share would be no evidence at all.)
    garden = Area.objects.create(slug="tradgard", name_sv="Trädgård")
    for i in range(CANDIDATES + 10):
        person = ContactPerson.objects.create(
            email=f"gardener{i}@hb.example", name=f"Gardener {i:02d}", keywords="pelargoner"
        )
        person.areas.add(garden)
    asked: list[list[int]] = []

    def count(ids: list[int]) -> dict[int, int]:
        asked.append(ids)
        return {}

    result = rank_contacts(title="", text="", area_slugs=["tradgard"], loads=count, limit=3)
    assert len(asked) == 1 and len(asked[0]) == CANDIDATES
    assert {s.contact.pk for s in result} <= set(asked[0])


def test_counted_loads_lower_the_score_like_given_ones(directory):
    request = {"title": "Demens", "text": "Personcentrerad vård för personer med demens."}
    helena = ContactPerson.objects.get(email="helena.bergqvist@hb.example")
    given = rank_contacts(**request, loads={helena.pk: 5})
    counted = rank_contacts(**request, loads=lambda ids: {helena.pk: 5} if helena.pk in ids else {})
    assert [(s.contact, s.score, s.reasons) for s in counted] == [
        (s.contact, s.score, s.reasons) for s in given
    ]


def test_language_the_contact_does_not_speak_lowers_the_score(directory):
    request = {"title": "Matsvinn", "text": "Matsvinn i storkök", "loads": {}}
    lena = "lena.forsberg@hb.example"  # speaks Swedish only
    sv = next(s for s in rank_contacts(**request, language="sv") if s.contact.email == lena)
    en = next(s for s in rank_contacts(**request, language="en") if s.contact.email == lena)
    assert en.score == pytest.approx(sv.score * 0.5)
    assert any("language" in r for r in en.reasons)


def test_inactive_contacts_are_never_suggested(directory):
    lena = ContactPerson.objects.get(email="lena.forsberg@hb.example")
    lena.active = False
    lena.save()
    result = rank_contacts(title="Matsvinn i skolan", text="Matsvinn", loads={})
    assert lena.email not in emails(result)


def test_index_notices_directory_changes(directory):
    assert rank_contacts(title="Pelargoner", text="", loads={}) == []
    person = ContactPerson.objects.get(email="karin.wall@hb.example")
    person.keywords += ";pelargoner"
    person.save()
    assert emails(rank_contacts(title="Pelargoner", text="", loads={})) == [person.email]


def test_area_alone_suggests_the_people_of_that_area(directory):
    result = rank_contacts(title="", text="", area_slugs=["bibliotek-information"], loads={})
    area = Area.objects.get(slug="bibliotek-information")
    assert set(emails(result)) == set(area.contacts.values_list("email", flat=True))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("matsvinn", "lena.forsberg@hb.example"),
        ("matsvinnet", "lena.forsberg@hb.example"),
        ("demens", "helena.bergqvist@hb.example"),
        ("demenssjuka", "helena.bergqvist@hb.example"),
        ("Dahl", "viktor.dahl@hb.example"),
    ],
)
def test_search_handles_swedish_word_forms(directory, query, expected):
    hits = search_contacts(query)
    assert hits[0][0].email == expected


def test_search_filters_by_area(directory):
    hits = search_contacts("", area_slug="textil-mode")
    assert {c.email for c, _ in hits} == set(
        Area.objects.get(slug="textil-mode").contacts.values_list("email", flat=True)
    )
    assert search_contacts("matsvinn", area_slug="textil-mode") == []


def test_evaluate_suggestions_prints_hit_rates(directory, tmp_path, capsys):
    path = tmp_path / "eval.json"
    path.write_text(
        json.dumps(
            [
                {
                    "municipality": "1490",
                    "title": "Biogas",
                    "text": "Rötning av matavfall till biogas",
                    "expect": ["mikael.strand@hb.example"],
                },
                {
                    "municipality": "1490",
                    "title": "Cybersäkerhet",
                    "text": "Skydd mot intrång",
                    "expect": ["nobody@hb.example"],
                },
            ]
        ),
        encoding="utf-8",
    )
    call_command("evaluate_suggestions", str(path))
    out = capsys.readouterr().out
    assert "top-1: 1/2 = 50.0%" in out
    assert "top-3: 1/2 = 50.0%" in out


def test_evaluation_measures_the_matching_alone_whatever_the_case_load(
    directory, tmp_path, capsys, coordinator
):
    # Eva Jonsson is the best match, ahead of Ahmed Nasser; at full capacity she would
    # drop below him on the coordinator's page, but the evaluation measures the matching.
    eva = ContactPerson.objects.get(email="eva.jonsson@hb.example")
    for _ in range(eva.max_active_cases):
        make_case(steps=("assign_contact",), actor=coordinator, contact=eva)
    item = {"title": "Kompost och källsortering", "text": "", "expect": [eva.email]}
    loaded = rank_contacts(title=item["title"], text=item["text"], loads=contact_loads)
    assert loaded[0].contact != eva  # counting her cases would change the answer
    path = tmp_path / "eval.json"
    path.write_text(json.dumps([item]), encoding="utf-8")
    call_command("evaluate_suggestions", str(path))
    assert "top-1: 1/1 = 100.0%" in capsys.readouterr().out


def test_coordinator_sees_suggestions_with_one_click_assign(client, directory, coordinator):
    case = make_case(title="Matsvinn i skolan", description="Vi slänger mat i skolköken.")
    client.force_login(coordinator)
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Lena Forsberg" in page
    assert 'name="assign_contact-contact" value="lena.forsberg@hb.example"' in page
    response = client.post(
        f"/staff/cases/{case.reference}/transitions/assign_contact/",
        {"assign_contact-contact": "lena.forsberg@hb.example", "assign_contact-version": "1"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.contact.email == "lena.forsberg@hb.example"


def test_assigned_contact_sees_no_suggestions(client, directory, coordinator, contact_user_a):
    case = make_case(
        steps=("assign_contact",), actor=coordinator, contact=contact_user_a.contact_person
    )
    client.force_login(contact_user_a)
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert 'data-testid="suggestion"' not in page
