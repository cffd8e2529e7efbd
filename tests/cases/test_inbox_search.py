"""Free-text search in the inbox understands Swedish word forms."""

from __future__ import annotations

import pytest
from django.db import connection

from cases import selectors
from tests.factories import make_case


@pytest.fixture
def nurses(directory):
    return {
        "plural": make_case(title="Fler sjuksköterskor till hemtjänsten"),
        "definite": make_case(title="Handledning", description="Sjuksköterskan på vårdcentralen."),
        "prefix": make_case(title="Textilåtervinning i Borås"),
        "other": make_case(title="Matsvinn i skolan"),
    }


def found(client, q: str, cases: dict) -> set[str]:
    content = client.get("/staff/", {"q": q, "view": "open"}).content.decode()
    return {name for name, case in cases.items() if case.reference in content}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("sjuksköterska", {"plural", "definite"}),
        ("Sjuksköterskorna", {"plural", "definite"}),
        ("sjuksköterska hemtjänst", {"plural"}),
        ("textil", {"prefix"}),
        ("sjukhus", set()),
    ],
)
def test_search_finds_other_forms_of_a_swedish_word_on_postgresql(
    postgres, client, coordinator, nurses, q, expected
):
    client.force_login(coordinator)

    assert found(client, q, nurses) == expected


def test_search_on_sqlite_looks_for_each_words_stem(coordinator, nurses, monkeypatch):
    # The SQLite branch as it builds its query; PostgreSQL runs the same icontains lookups.
    monkeypatch.setattr(connection, "vendor", "sqlite")
    filters = selectors.CaseFilters(q="sjuksköterska", view="open")

    titles = {c.title for c in selectors.case_list(user=coordinator, filters=filters)}

    assert titles == {"Fler sjuksköterskor till hemtjänsten", "Handledning"}
