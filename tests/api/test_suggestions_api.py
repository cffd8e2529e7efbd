"""GET /api/v1/cases/<reference>/suggestions/: ranked contact persons with the reasons."""

from __future__ import annotations

import re

from cases import selectors
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


def test_the_api_suggests_exactly_what_the_case_page_shows(world, client):
    """Not the ranker's unfiltered five: the weak tail the page hides is not in the API."""
    case = make_case(
        title="Minska matsvinnet i skolköken",
        description="Vi vill halvera matsvinnet i kommunens skolkök och mäta det.",
        areas=[],
        area_unknown=True,
    )
    ranked = selectors.case_suggestions(case=case, limit=5)
    shown = [s.contact.email for s in selectors.case_suggestions_shown(case=case)]
    assert len(ranked) == 5 and 1 <= len(shown) < 5  # the page leaves some of the five out

    response = world.client("coordinator").get(f"/api/v1/cases/{case.reference}/suggestions/")

    assert response.status_code == 200
    assert [s["email"] for s in response.json()] == shown
    client.force_login(world.users["coordinator"])
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert re.findall(r'name="assign_contact-contact" value="([^"]+)"', page) == shown


def test_a_request_without_evidence_gets_an_empty_list(world):
    case = make_case(
        title="Hej",
        description="Vi har en fråga om ett möte nästa vecka.",
        areas=[],
        area_unknown=True,
    )

    response = world.client("coordinator").get(f"/api/v1/cases/{case.reference}/suggestions/")

    assert response.status_code == 200
    assert response.json() == []
