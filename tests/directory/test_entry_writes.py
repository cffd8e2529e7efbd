"""Directory writes through the API go through `directory_entry_save`: the serializer checks
shape, the service applies the rules (the model's and the CSV import's) and refuses by field."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from directory.models import Area, CollaborationForm, ContactPerson, Municipality
from directory.services import directory_entry_save
from tests.factories import make_user

pytestmark = pytest.mark.django_db

CONTACTS = "/api/v1/contacts/"


@pytest.fixture
def api(db) -> APIClient:
    client = APIClient()
    client.force_authenticate(make_user("admin"))
    return client


def test_contact_whose_email_differs_only_in_case_is_refused_with_400_naming_the_email(
    api, directory
):
    # The serializer's uniqueness check is exact, so it lets this through; the service stores
    # emails lower-case, as the import does, and then finds Lena already there.
    before = ContactPerson.objects.count()
    response = api.post(
        CONTACTS, {"email": "Lena.Forsberg@HB.example", "name": "Lena F"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid"
    assert list(body["fields"]) == ["email"]
    assert ContactPerson.objects.count() == before


def test_changing_a_contact_into_a_duplicate_email_is_refused_and_changes_nothing(api, directory):
    response = api.patch(
        f"{CONTACTS}johan.ek@hb.example/",
        {"email": "LENA.FORSBERG@hb.example", "title": "Lektor"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["email"]
    johan = ContactPerson.objects.get(email="johan.ek@hb.example")
    assert johan.title != "Lektor"


def test_created_contact_is_stored_as_the_import_stores_it(api, directory):
    response = api.post(
        CONTACTS,
        {
            "email": "Ny.Person@HB.example",
            "name": "Ny Person",
            "languages": "en; sv;",
            "areas": ["resursatervinning", "textil-mode"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["email"] == "ny.person@hb.example"
    assert response.json()["languages"] == "en;sv"
    person = ContactPerson.objects.get(email="ny.person@hb.example")
    assert sorted(a.slug for a in person.areas.all()) == ["resursatervinning", "textil-mode"]
    assert api.get(f"{CONTACTS}ny.person@hb.example/").status_code == 200


def test_service_refuses_a_municipality_code_the_import_would_refuse(db):
    with pytest.raises(ValidationError) as refused:
        directory_entry_save(instance=Municipality(), data={"code": "14a0", "name": "Borås"})
    assert set(refused.value.message_dict) == {"code"}
    assert not Municipality.objects.exists()


def test_service_names_every_field_that_breaks_a_rule(db):
    with pytest.raises(ValidationError) as refused:
        directory_entry_save(
            instance=ContactPerson(),
            data={"email": "inte-en-adress", "name": "  ", "max_active_cases": -1},
        )
    assert set(refused.value.message_dict) == {"email", "name", "max_active_cases"}
    assert not ContactPerson.objects.exists()


def test_service_refuses_a_bad_slug_and_a_negative_lead_time(db):
    with pytest.raises(ValidationError) as refused:
        directory_entry_save(
            instance=CollaborationForm(),
            data={"slug": "inte en slug", "name_sv": "Ny", "lead_time_weeks": -2},
        )
    assert set(refused.value.message_dict) == {"slug", "lead_time_weeks"}


def test_service_changes_an_entry_and_leaves_what_data_does_not_name(directory):
    area = Area.objects.get(slug="resursatervinning")
    description = area.description_sv
    directory_entry_save(instance=area, data={"name_en": "  Recovery  "})
    area.refresh_from_db()
    assert area.name_en == "Recovery"
    assert area.description_sv == description
