"""Suggestions for a case: the directory ranks, the cases count each candidate's load."""

from __future__ import annotations

import pytest
from django.utils import translation

from cases.selectors import case_suggestions, contact_loads
from directory.models import ContactPerson
from tests.factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The reasons are asserted in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


def test_open_cases_count_as_load(directory, coordinator):
    helena = ContactPerson.objects.get(email="helena.bergqvist@hb.example")
    make_case(steps=("assign_contact",), actor=coordinator, contact=helena)
    make_case(steps=("assign_contact", "close"), actor=coordinator, contact=helena)
    case = make_case(
        title="Demensvård", description="Stöd i demensvården.", areas=[], area_unknown=True
    )
    [first, *_] = case_suggestions(case=case)
    assert first.contact == helena
    assert "1 active cases of 5" in first.reasons


def test_loads_are_counted_only_for_the_contacts_asked_about(directory, coordinator):
    helena = ContactPerson.objects.get(email="helena.bergqvist@hb.example")
    lena = ContactPerson.objects.get(email="lena.forsberg@hb.example")
    make_case(steps=("assign_contact",), actor=coordinator, contact=helena)
    make_case(steps=("assign_contact",), actor=coordinator, contact=lena)
    make_case(steps=("assign_contact", "close"), actor=coordinator, contact=lena)
    assert contact_loads([helena.pk]) == {helena.pk: 1}
    assert contact_loads([helena.pk, lena.pk]) == {helena.pk: 1, lena.pk: 1}
    assert contact_loads([]) == {}
