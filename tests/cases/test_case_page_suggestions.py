"""Suggested contact persons on the case page: only with evidence, only while the case waits
for assignment, cached, and the page of an unassigned case within its query budget."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import selectors
from cases.models import Case
from directory.suggestions import MIN_SHARE_OF_BEST, directory_changed
from tests.factories import make_case

pytestmark = pytest.mark.django_db

MATSVINN = {
    "title": "Minska matsvinnet i skolköken",
    "description": "Vi vill halvera matsvinnet i kommunens skolkök och mäta det.",
    "areas": [],
    "area_unknown": True,
}


def suggested(content: str) -> list[str]:
    return re.findall(r'name="assign_contact-contact" value="([^"]+)"', content)


def get(client, case):
    response = client.get(reverse("staff-case", args=[case.reference]))
    assert response.status_code == 200
    return response.content.decode()


def test_only_suggestions_with_evidence_are_shown(client, coordinator, directory):
    case = make_case(**MATSVINN)
    client.force_login(coordinator)
    ranked = selectors.case_suggestions(case=case)
    assert len(ranked) == 5  # the ranker still fills its five places

    shown = suggested(get(client, case))

    assert shown == [s.contact.email for s in ranked][: len(shown)]
    assert 1 <= len(shown) < 5
    assert ranked[0].contact.email in shown
    for s in ranked:
        if s.score < MIN_SHARE_OF_BEST * ranked[0].score:
            assert s.contact.email not in shown


def test_a_request_without_evidence_says_there_is_no_good_match_and_offers_the_coordinators(
    client, coordinator, directory
):
    case = make_case(
        title="Hej",
        description="Vi har en fråga om ett möte nästa vecka.",
        areas=[],
        area_unknown=True,
    )
    client.force_login(coordinator)

    content = get(client, case)

    assert 'data-testid="suggestion"' not in content
    assert "Ingen bra matchning." in content
    assert "går till koordinatorerna" in content
    # The coordinators for general requests (directory/data/contacts.csv, column general),
    # each with a one-click assign.
    assert suggested(content) == ["malin.berg@hb.example", "per.sandberg@hb.example"]


def test_suggestions_are_gone_once_a_contact_person_is_assigned(
    client, coordinator, directory, contact_a
):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a, **MATSVINN)
    client.force_login(coordinator)

    content = get(client, case)

    assert 'id="sugg-h"' not in content


def test_one_click_on_a_suggestion_assigns_that_person(client, coordinator, directory):
    case = make_case(**MATSVINN)
    client.force_login(coordinator)
    first = suggested(get(client, case))[0]

    response = client.post(
        reverse("staff-case-transition", args=[case.reference, "assign_contact"]),
        {"assign_contact-contact": first, "assign_contact-version": case.version},
    )

    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).contact.email == first


def test_suggestions_are_ranked_once_and_again_after_a_directory_change(
    client, coordinator, directory, monkeypatch
):
    calls = []
    rank = selectors.rank_contacts
    monkeypatch.setattr(selectors, "rank_contacts", lambda **kw: calls.append(1) or rank(**kw))
    case = make_case(**MATSVINN)
    client.force_login(coordinator)

    first = suggested(get(client, case))
    assert suggested(get(client, case)) == first
    assert len(calls) == 1

    directory_changed()
    assert suggested(get(client, case)) == first
    assert len(calls) == 2


def test_page_of_an_unassigned_case_stays_within_its_query_budget(client, coordinator, directory):
    case = make_case(**MATSVINN)
    client.force_login(coordinator)
    get(client, case)  # session, content types and the suggestions cache warm

    with CaptureQueriesContext(connection) as ctx:
        content = get(client, case)

    assert suggested(content)
    # 10 as in issue 6, + the audit log's INSERT (issue 13); the conversation's messages are
    # one query whatever their number, its reply templates come from the cache.
    assert len(ctx.captured_queries) <= 11, [q["sql"][:120] for q in ctx.captured_queries]
