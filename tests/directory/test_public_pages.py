from __future__ import annotations

import re

import pytest
from django.utils import translation

from directory.models import ContactPerson
from workflows.definition import STATE_HELP, transitions
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


def test_process_page_numbers_the_five_steps_in_order_as_a_stepper(client, directory):
    html = page(client, "/how-it-works/")

    stepper = html.split('<ol class="stepper"')[1].split("</ol>")[0]
    assert re.findall(r'<li data-state="(\w+)"', stepper) == [
        "received",
        "contact_assigned",
        "meeting_held",
        "workshop",
        "project",
    ]
    assert "1–2 arbetsdagar" in stepper, "each step says how long it usually takes"
    assert "En samverkanskoordinator för det vidare till ”Kontaktperson tilldelad”" in stepper
    assert 'Workshop <span class="muted">(behövs inte alltid)</span>' in stepper


def test_process_page_explains_the_endings_apart_and_unnumbered(client, directory):
    html = page(client, "/how-it-works/")

    endings = html.split('<ul class="exceptions"')[1].split("</ul>\n")[0]
    for state in (State.CLOSED, State.DECLINED, State.WITHDRAWN):
        assert f'data-state="{state.value}"' in endings
        assert f'data-state="{state.value}"' not in html.split('<ul class="exceptions"')[0]
    assert "Du, beställaren" in endings
    assert "Från steget ”Inkommen”, ”Kontaktperson tilldelad” eller ”Möte genomfört”" in endings


def test_process_page_is_a_guide_not_the_requesters_status_texts(client, directory):
    html = page(client, "/how-it-works/")

    assert "Skälet står nedan" not in html
    with translation.override("sv"):
        for state, text in STATE_HELP.items():
            assert str(text) not in html, state


def test_process_page_tells_every_public_transition_and_no_internal_one(client, directory):
    html = page(client, "/how-it-works/")

    for name, spec in transitions().items():
        if spec.public:
            assert f'data-transition="{name}"' in html, name
        else:
            assert f'data-transition="{name}"' not in html, name


def test_public_pages_are_in_english_too(client, directory):
    client.cookies["django_language"] = "en"
    html = page(client, "/areas/")
    assert "Resource recovery" in html
