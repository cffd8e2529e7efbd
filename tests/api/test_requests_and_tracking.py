"""Anonymous intake and the requester's tracking link over the API."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from cases.actors import Actor
from cases.models import Case
from tests.api.test_permission_matrix import SUBMISSION


@pytest.fixture
def anon():
    return APIClient()


def test_submission_returns_reference_and_a_working_tracking_url(world, anon):
    response = anon.post("/api/v1/requests/", SUBMISSION | {"forms": ["examensarbete"]}, "json")
    assert response.status_code == 201, response.json()
    body = response.json()
    case = Case.objects.get(reference=body["reference"])
    assert [f.slug for f in case.forms.all()] == ["examensarbete"]
    path = body["tracking_url"].removeprefix("http://testserver")
    assert anon.get(path.replace("/track/", "/api/v1/track/")).json()["reference"] == case.reference


def test_submission_is_validated_like_the_form_with_api_field_names(world, anon):
    data = SUBMISSION | {"areas": [], "forms": ["no-such-form"], "consent": False}
    data["municipality"] = "0000"
    response = anon.post("/api/v1/requests/", data, "json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) >= {"municipality", "forms", "consent", "areas"}
    assert "collaboration_forms" not in fields


def test_area_unknown_replaces_areas_like_dont_know_in_the_form(world, anon):
    data = SUBMISSION | {"areas": [], "area_unknown": True}
    assert anon.post("/api/v1/requests/", data, "json").status_code == 201


def test_state_and_reference_cannot_be_mass_assigned(world, anon):
    data = SUBMISSION | {"state": "closed", "reference": "AK-1999-9999", "version": 7}
    body = anon.post("/api/v1/requests/", data, "json").json()
    case = Case.objects.get(reference=body["reference"])
    assert (case.state, case.version) == ("received", 1)
    assert case.reference != "AK-1999-9999"


def test_submissions_are_rate_limited_per_client(world, anon, settings):
    settings.API_SUBMIT_RATE = "2/minute"
    codes = [anon.post("/api/v1/requests/", SUBMISSION, "json").status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    response = anon.post("/api/v1/requests/", SUBMISSION, "json")
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    other_client = APIClient(REMOTE_ADDR="10.0.0.2")
    assert other_client.post("/api/v1/requests/", SUBMISSION, "json").status_code == 201


def test_tracking_shows_public_events_only(world, anon, coordinator):
    from cases.services import case_note_add, case_transition

    case = case_transition(
        case=world.case,
        name="record_meeting",
        actor=Actor.staff(coordinator),
        data={"date": "2026-01-10", "notes": "HEMLIGA mötesanteckningar", "note": "INTERN"},
    )
    case_note_add(case=case, actor=Actor.staff(coordinator), text="INTERN anteckning")
    response = anon.get(f"/api/v1/track/{world.case.token}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "HEMLIGA" not in text and "INTERN" not in text
    assert [e["kind"] for e in response.json()["events"]] == ["created", "transition", "transition"]
    assert response.json()["contact"]["email"] == "johan.ek@hb.example"


def test_withdraw_then_withdraw_again_is_a_409(world, anon):
    url = f"/api/v1/track/{world.other_case.token}/withdraw/"
    first = anon.post(url, {"reason": "Löst internt"}, "json")
    assert first.status_code == 200
    assert (first.json()["state"], first.json()["can_withdraw"]) == ("withdrawn", False)
    second = anon.post(url, {}, "json")
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "transition_not_allowed"


def test_a_value_longer_than_the_schema_allows_is_refused_even_if_mostly_spaces(world, anon):
    data = SUBMISSION | {"requester_name": "Eva Ek" + " " * 300}

    response = anon.post("/api/v1/requests/", data, "json")

    assert response.status_code == 400
    assert "requester_name" in response.json()["error"]["fields"]
