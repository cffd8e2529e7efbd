"""The public area pages: /areas/ is an index of short cards; /areas/<slug>/ shows an area's
people, the forms chosen with it and public examples (what the cases say about it)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case
from cases.selectors import EXAMPLES_PER_AREA, area_catalogue
from directory.models import Area, CollaborationForm
from tests.factories import make_case

pytestmark = pytest.mark.django_db


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def make_public_case(title: str, *, days_ago: int = 0, **overrides) -> Case:
    case = make_case(title=title, **overrides)
    created = case.created_at - dt.timedelta(days=days_ago)
    Case.objects.filter(pk=case.pk).update(public=True, created_at=created)
    return case


def entry_for(slug: str):
    return next(e for e in area_catalogue() if e.area.slug == slug)


def test_areas_index_is_one_short_card_per_area_with_its_contact_count(client, directory):
    html = page(client, "/areas/")

    cards = re.findall(r'<li data-area="([^"]+)">', html)
    assert cards == [a.slug for a in Area.objects.filter(active=True).order_by("name_sv")]
    card = html.split('data-area="resursatervinning"')[1].split("</li>")[0]
    assert '<a href="/areas/resursatervinning/">Resursåtervinning</a>' in card
    assert "matsvinn och cirkulär ekonomi" in card
    contacts = Area.objects.get(slug="resursatervinning").contacts.filter(active=True).count()
    assert f"{contacts} kontaktpersoner" in card
    # The index no longer repeats every form under every area.
    assert html.count("Examensarbete") == 0


def test_area_page_lists_contacts_forms_and_only_public_examples(client, directory):
    workshop = CollaborationForm.objects.get(slug="workshop")
    degree = CollaborationForm.objects.get(slug="examensarbete")
    shown = make_case(title="Svinnjakten i Borås skolor", forms=[workshop])
    Case.objects.filter(pk=shown.pk).update(public=True)
    make_case(title="Hemligt internt ärende", forms=[degree])
    make_case(forms=[workshop])  # chosen twice, Examensarbete once

    html = page(client, "/areas/resursatervinning/")

    assert "<h1>Resursåtervinning</h1>" in html
    assert "matsvinn och cirkulär ekonomi" in html
    assert "Lena Forsberg" in html
    assert "Svinnjakten i Borås skolor" in html
    assert "Hemligt internt ärende" not in html
    assert "/requests/new/?area=resursatervinning" in html
    # Only the forms chosen with the area are listed, the most often chosen first.
    forms = html.split('<ul class="tags">')[1].split("</ul>")[0]
    assert re.findall(r">([^<>]+)</a>", forms) == ["Workshop", "Examensarbete"]


def test_area_without_public_cases_promises_no_examples(client, directory):
    make_case(title="Hemligt internt ärende")

    html = page(client, "/areas/resursatervinning/")

    assert 'id="examples-h"' not in html
    assert "Hemligt internt ärende" not in html


@pytest.mark.parametrize("slug", ["finns-inte", "textil-mode"])
def test_unknown_or_retired_area_has_no_page(client, directory, slug):
    Area.objects.filter(slug="textil-mode").update(active=False)

    assert client.get(f"/areas/{slug}/").status_code == 404


def test_area_pages_keep_their_url_names():
    assert reverse("areas") == "/areas/"
    assert reverse("area", args=["resursatervinning"]) == "/areas/resursatervinning/"


def test_area_shows_only_its_newest_public_cases_with_their_municipality(directory):
    for n in range(EXAMPLES_PER_AREA + 2):
        make_public_case(f"Exempel {n}", days_ago=n)
    make_case(title="Nyast men inte offentligt")
    examples = entry_for("resursatervinning").examples
    assert [c.title for c in examples] == [f"Exempel {n}" for n in range(EXAMPLES_PER_AREA)]
    assert examples[0].municipality.name == "Borås"


def test_a_case_in_two_areas_is_an_example_in_both(directory):
    recovery, textiles = Area.objects.filter(slug__in=["resursatervinning", "textil-mode"])
    make_public_case("Textilt återbruk", areas=[recovery, textiles])
    assert [c.title for c in entry_for("resursatervinning").examples] == ["Textilt återbruk"]
    assert [c.title for c in entry_for("textil-mode").examples] == ["Textilt återbruk"]


def test_area_nobody_asked_about_lists_every_active_form_but_no_retired_one(directory):
    retired = CollaborationForm.objects.get(slug="workshop")
    retired.active = False
    retired.save()
    entry = entry_for("textil-mode")
    assert not entry.forms_from_cases
    assert [f.slug for f in entry.forms] == [
        f.slug
        for f in CollaborationForm.objects.filter(active=True).order_by(
            "lead_time_weeks", "name_sv"
        )
    ]
    assert "workshop" not in [f.slug for f in entry.forms]


def test_forms_chosen_only_in_retired_form_leave_the_area_showing_every_form(directory):
    workshop = CollaborationForm.objects.get(slug="workshop")
    make_case(forms=[workshop])
    CollaborationForm.objects.filter(pk=workshop.pk).update(active=False)
    entry = entry_for("resursatervinning")
    assert not entry.forms_from_cases
    assert len(entry.forms) == CollaborationForm.objects.filter(active=True).count()


@pytest.mark.parametrize("url", ["/areas/", "/areas/resursatervinning/"])
def test_area_page_queries_do_not_grow_with_cases(client, directory, url):
    workshop = CollaborationForm.objects.get(slug="workshop")
    make_public_case("Första", forms=[workshop])
    client.get(url)  # session and content-type caches warm, as on a running server
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(8):
        make_public_case(f"Fler {n}", forms=[workshop])
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few) <= 5


def test_a_persons_areas_link_to_the_area_pages_and_the_menu_marks_where_you_are(client, directory):
    person = Area.objects.get(slug="resursatervinning").contacts.filter(active=True).first()

    html = page(client, f"/contacts/{person.pk}/")
    area_html = page(client, "/areas/resursatervinning/")

    assert '<a href="/areas/resursatervinning/">Resursåtervinning</a>' in html
    assert '<a href="/areas/" aria-current="page">' in area_html
