"""NUL characters and absurdly nested JSON are the client's mistake (400 or 404), never a 500,
and the API answers them in its error shape."""

from __future__ import annotations

import time

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.usefixtures("postgres")


@pytest.fixture
def staff_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/contacts/a%00b/",
        "/api/v1/cases/a%00b/",
        "/api/v1/cases/?municipality=a%00b",
        "/api/v1/cases/?search=a%00b",
    ],
)
def test_api_refuses_a_nul_character_in_the_error_shape(directory, coordinator, url):
    client = APIClient()
    client.force_authenticate(coordinator)
    response = client.get(url)
    assert response.status_code in (400, 404)
    assert response.json()["error"]["code"] in ("invalid", "not_found")


def test_a_nul_in_a_slug_of_a_json_body_names_the_field(directory):
    from tests.factories import make_user

    client = APIClient()
    client.force_authenticate(make_user("admin"))
    response = client.post(
        "/api/v1/contacts/",
        {"email": "ny@hb.se", "name": "Ny Person", "areas": ["a\x00b"]},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["areas"]
    response = APIClient().post(
        "/api/v1/requests/", {"areas": ["a\x00b"], "forms": ["x\x00"]}, format="json"
    )
    assert response.status_code == 400
    assert {"areas.0", "forms.0"} <= set(response.json()["error"]["fields"])


def test_public_form_with_a_nul_in_the_query_is_a_translated_400(directory, client):
    response = client.get("/requests/new/?contact=a%00b")
    assert response.status_code == 400
    assert "Begäran kunde inte läsas" in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/staff/?q=a%00b", "/staff/?municipality=a%00b", "/staff/cases/a%00b/"]
)
def test_staff_pages_refuse_a_nul_character(directory, staff_client, url):
    assert staff_client.get(url).status_code in (400, 404)


def test_a_100000_deep_json_body_is_a_quick_400_in_the_error_shape(directory):
    body = "[" * 100_000 + "]" * 100_000
    started = time.monotonic()
    response = APIClient().post("/api/v1/requests/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert time.monotonic() - started < 2


def test_moderately_nested_json_is_refused_too(directory):
    body = '{"title": ' + "[" * 50 + "]" * 50 + "}"
    response = APIClient().post("/api/v1/requests/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


DECEIVING = "\u202e\u2066\u200b\u200d\ufeff"


def test_bidi_overrides_and_zero_width_characters_are_removed_from_the_public_form(
    client, directory
):
    from cases.models import Case
    from tests.cases.test_request_form import valid_post

    response = client.post(
        "/requests/new/",
        valid_post(
            requester_name=f"Eva{DECEIVING} Ek",
            title=f"Matsvinn\u202e{DECEIVING}gnal",
            description="Text\u200bmed\u2069dolda tecken",
        ),
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.requester_name, case.title) == ("Eva Ek", "Matsvinngnal")
    assert case.description == "Textmeddolda tecken"


def test_bidi_overrides_are_removed_from_api_submissions_and_staff_notes(directory, coordinator):
    from cases.models import Case, CaseEvent

    body = {
        "municipality": "1490",
        "requester_name": f"Eva {DECEIVING}Ek",
        "requester_email": "eva.ek@boras.example",
        "requester_role": "Miljöstrateg",
        "title": "Minska\u202e matsvinnet",
        "description": "Vi vill halvera matsvinnet.",
        "area_unknown": True,
        "consent": True,
    }
    response = APIClient().post("/api/v1/requests/", body, "json")
    assert response.status_code == 201
    case = Case.objects.get()
    assert (case.requester_name, case.title) == ("Eva Ek", "Minska matsvinnet")

    staff = APIClient()
    staff.force_authenticate(coordinator)
    staff.post(f"/api/v1/cases/{case.reference}/notes/", {"text": f"Ring\u200b{DECEIVING}"}, "json")
    from django.test import Client

    web = Client()
    web.force_login(coordinator)
    web.post(f"/staff/cases/{case.reference}/notes/", {"text": f"Mejla\u202e{DECEIVING}"})
    notes = list(CaseEvent.objects.filter(kind="note").values_list("data", flat=True))
    assert len(notes) == 2
    assert not any(ch in str(notes) for ch in DECEIVING + "\u202e\u200b")
