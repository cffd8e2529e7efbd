"""The contact person picker of the inbox: a searchable field that works without JavaScript."""

from __future__ import annotations

import re

import pytest

from directory import selectors as directory_selectors
from tests.factories import make_case


@pytest.fixture
def assigned(coordinator, contact_a, contact_b):
    return {
        "a": make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a),
        "b": make_case(steps=("assign_contact",), actor=coordinator, contact=contact_b),
    }


def shown(client, contact: str, cases: dict) -> set[str]:
    content = client.get("/staff/", {"contact": contact}).content.decode()
    return {name for name, case in cases.items() if case.reference in content}


def test_small_directory_offers_a_datalist_of_active_contacts(client, coordinator, contact_a):
    client.force_login(coordinator)

    content = client.get("/staff/").content.decode()

    field = re.search(r'<input id="f-contact"[^>]*>', content).group(0)
    assert 'type="search"' in field and 'name="contact"' in field
    assert 'list="contact-options"' in field
    label = re.search(r'<label for="f-contact">([^<]+)</label>', content).group(1)
    assert label == "Kontaktperson"
    option = re.search(rf'<option value="{re.escape(contact_a.email)}">([^<]+)</option>', content)
    assert option and option.group(1).startswith(f"{contact_a.name}, ")


@pytest.mark.parametrize(
    "typed",
    [
        "anna.lindqvist@hb.example",
        "ANNA.LINDQVIST@hb.example",
        "Anna Lindqvist",
        "anna lindqvist, någon titel",
        "lindqvist",
    ],
)
def test_a_typed_name_or_email_finds_that_contacts_cases(client, coordinator, assigned, typed):
    client.force_login(coordinator)

    assert shown(client, typed, assigned) == {"a"}


def test_an_unknown_name_matches_no_case(client, coordinator, assigned):
    client.force_login(coordinator)

    assert shown(client, "Ingen Alls", assigned) == set()


def test_large_directory_gets_a_plain_field_resolved_on_the_server(
    client, coordinator, assigned, monkeypatch
):
    monkeypatch.setattr(directory_selectors, "CONTACT_CHOICE_LIMIT", 1)
    client.force_login(coordinator)

    content = client.get("/staff/").content.decode()

    assert "<datalist" not in content
    assert shown(client, "Johan Ek", assigned) == {"b"}


def test_contact_persons_get_no_picker(client, contact_user_a, assigned):
    client.force_login(contact_user_a)

    content = client.get("/staff/").content.decode()

    assert 'id="f-contact"' not in content and "<datalist" not in content
