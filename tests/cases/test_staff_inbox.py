"""The staff inbox: filters, search, and who sees which cases."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from directory.models import Area, Municipality
from tests.factories import make_case


def listed(client, **params) -> str:
    response = client.get("/staff/", params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def cases(coordinator, contact_a, contact_b):
    """Five cases that differ in state, municipality, area, contact and age."""
    with time_machine.travel(timezone.now() - dt.timedelta(days=30), tick=False):
        old = make_case(
            title="Gammal fråga om textil", areas=[Area.objects.get(slug="textil-mode")]
        )
    return {
        "old": old,
        "received": make_case(
            title="Matsvinn i skolan",
            municipality=Municipality.objects.get(code="1452"),
            description="Tranemo vill mäta komposten.",
        ),
        "assigned_a": make_case(
            steps=("assign_contact",), actor=coordinator, contact=contact_a, title="Annas fråga"
        ),
        "assigned_b": make_case(
            steps=("assign_contact",), actor=coordinator, contact=contact_b, title="Johans fråga"
        ),
        "declined": make_case(steps=("decline",), actor=coordinator, title="Avböjd fråga"),
    }


def shown(content: str, cases: dict) -> set[str]:
    return {name for name, case in cases.items() if case.reference in content}


def test_inbox_lists_open_cases_by_default(client, coordinator, cases):
    client.force_login(coordinator)

    assert shown(listed(client), cases) == {"old", "received", "assigned_a", "assigned_b"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": "declined"}, {"declined"}),
        ({"state": "contact_assigned"}, {"assigned_a", "assigned_b"}),
        ({"state": "all"}, {"old", "received", "assigned_a", "assigned_b", "declined"}),
        ({"municipality": "1452"}, {"received"}),
        ({"area": "textil-mode"}, {"old"}),
        ({"contact": "anna.lindqvist@hb.example"}, {"assigned_a"}),
        ({"waiting": "1"}, {"old"}),
        ({"q": "komposten"}, {"received"}),
        ({"q": "johans"}, {"assigned_b"}),
        ({"q": "nothing matches this"}, set()),
    ],
)
def test_inbox_filters_narrow_the_list(client, coordinator, cases, params, expected):
    client.force_login(coordinator)

    assert shown(listed(client, **params), cases) == expected


def test_search_by_exact_reference_finds_the_case(client, coordinator, cases):
    client.force_login(coordinator)

    content = listed(client, q=cases["declined"].reference, state="all")

    assert shown(content, cases) == {"declined"}


def test_contact_person_sees_only_their_own_cases(client, contact_user_a, cases):
    client.force_login(contact_user_a)

    response = client.get("/staff/")

    content = response.content.decode()
    assert response.context["mine"] is True
    assert "Mina ärenden" in content
    assert shown(content, cases) == {"assigned_a"}


def test_contact_person_gets_404_on_another_contacts_case(client, contact_user_a, cases):
    client.force_login(contact_user_a)

    assert client.get(f"/staff/cases/{cases['assigned_b'].reference}/").status_code == 404
    assert client.get(f"/staff/cases/{cases['received'].reference}/").status_code == 404
    assert client.get(f"/staff/cases/{cases['assigned_a'].reference}/").status_code == 200


def test_unknown_reference_is_404(client, coordinator, cases):
    client.force_login(coordinator)

    assert client.get("/staff/cases/AK-1999-9999/").status_code == 404


def test_registrar_sees_every_case_in_the_inbox(client, registrar, cases):
    client.force_login(registrar)

    content = listed(client, state="all")

    assert shown(content, cases) == set(cases)


def test_staff_pages_require_login(client, cases):
    for url in ("/staff/", f"/staff/cases/{cases['received'].reference}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_user_without_a_role_sees_no_cases(client, cases):
    from accounts.models import User

    user = User.objects.create_user(username="norole@hb.example", password="pw-for-tests-1")
    client.force_login(user)

    assert shown(listed(client, state="all"), cases) == set()
    assert client.get(f"/staff/cases/{cases['received'].reference}/").status_code == 404


def test_inbox_paginates(client, coordinator, directory, settings):
    settings.INBOX_PAGE_SIZE = 2
    made = [make_case(title=f"Fråga {i}") for i in range(3)]
    client.force_login(coordinator)

    first, second = listed(client), listed(client, page=2)

    assert made[2].reference in first and made[1].reference in first
    assert made[0].reference in second and made[0].reference not in first
