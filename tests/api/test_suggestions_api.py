"""GET /api/v1/cases/<reference>/suggestions/: ranked contact persons with the reasons."""

from __future__ import annotations

from tests.factories import make_case


def test_coordinator_gets_ranked_suggestions_with_reasons(world):
    case = make_case(
        title="Textilier på återvinningscentralen",
        description="Vi vill samla in kasserade kläder och sortera dem för återbruk.",
        areas=[],
        area_unknown=True,
    )
    response = world.client("coordinator").get(f"/api/v1/cases/{case.reference}/suggestions/")

    assert response.status_code == 200
    suggestions = response.json()
    assert 1 <= len(suggestions) <= 5
    assert suggestions[0]["email"] == "anna.lindqvist@hb.example"
    assert [s["score"] for s in suggestions] == sorted(
        (s["score"] for s in suggestions), reverse=True
    )
    # No Accept-Language: the API answers in Swedish, the default.
    assert any("0 pågående ärenden av 6" in r for r in suggestions[0]["reasons"])


def test_assigned_contact_sees_the_case_but_gets_no_suggestions(world):
    response = world.client("contact_b").get(f"/api/v1/cases/{world.case.reference}/suggestions/")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
