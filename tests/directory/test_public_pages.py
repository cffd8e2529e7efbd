from __future__ import annotations

import re

import pytest

from directory.models import ContactPerson
from workflows.definition import transitions
from workflows.models import State

pytestmark = pytest.mark.django_db


def checked_areas(html: str) -> list[str]:
    """Values of the area checkboxes that are ticked in the form."""
    tags = re.findall(r'<input[^>]*name="areas"[^>]*>', html)
    return [re.search(r'value="([^"]*)"', tag).group(1) for tag in tags if " checked" in tag]


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize("url", ["/areas/", "/forms/", "/contacts/", "/how-it-works/"])
def test_public_pages_need_no_login_and_lead_to_the_request_form(client, directory, url):
    assert "/requests/new/" in page(client, url)


def test_nav_links_to_the_three_questions(client, directory):
    html = page(client, "/")
    for url in ("/areas/", "/contacts/", "/how-it-works/"):
        assert f'href="{url}"' in html


def test_forms_page_shows_lead_times(client, directory):
    html = page(client, "/forms/")
    assert "Examensarbete" in html and "12" in html


@pytest.mark.parametrize(
    ("query", "expected", "absent"),
    [
        ("matsvinn", "Lena Forsberg", "Viktor Dahl"),
        ("demens", "Helena Bergqvist", "Lena Forsberg"),
    ],
)
def test_contact_search_finds_the_right_people(client, directory, query, expected, absent):
    html = page(client, f"/contacts/?q={query}")
    assert expected in html
    assert absent not in html


def test_contact_search_filters_by_area(client, directory):
    html = page(client, "/contacts/?area=textil-mode")
    assert "Anna Lindqvist" in html and "Lena Forsberg" not in html


def test_person_page_links_to_a_prefilled_request(client, directory):
    person = ContactPerson.objects.get(email="helena.bergqvist@hb.example")
    html = page(client, f"/contacts/{person.pk}/")
    assert "demens" in html
    assert "/requests/new/?contact=helena.bergqvist%40hb.example" in html
    form = page(client, "/requests/new/?contact=helena.bergqvist@hb.example")
    assert "Helena Bergqvist" in form
    assert checked_areas(form) == ["vard-halsa"]  # the person's area is chosen already


def test_inactive_person_has_no_page(client, directory):
    person = ContactPerson.objects.get(email="helena.bergqvist@hb.example")
    person.active = False
    person.save()
    assert client.get(f"/contacts/{person.pk}/").status_code == 404
    assert "Helena Bergqvist" not in page(client, "/contacts/?q=demens")


def test_process_page_lists_every_state_and_transition(client, directory):
    html = page(client, "/how-it-works/")
    for state in State:
        assert f'data-state="{state.value}"' in html
        assert str(state.label) in html
    for name, spec in transitions().items():
        assert html.count(f'data-transition="{name}"') == len(spec.sources)


def test_public_pages_are_in_english_too(client, directory):
    client.cookies["django_language"] = "en"
    html = page(client, "/areas/")
    assert "Resource recovery" in html
