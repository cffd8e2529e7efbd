"""The inbox's saved views: what each holds, its count, and who gets which."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from cases import selectors
from cases.actors import Actor
from cases.services import case_transition
from tests.factories import make_case


@pytest.fixture
def cases(coordinator, contact_a, contact_b, contact_user_a):
    """Cases that fall into different views."""
    with time_machine.travel(timezone.now() - dt.timedelta(days=30), tick=False):
        waiting = make_case(
            title="Väntar länge", steps=("assign_contact",), actor=coordinator, contact=contact_a
        )
    handed_back = make_case(
        title="Tillbakalämnad", steps=("assign_contact",), actor=coordinator, contact=contact_b
    )
    handed_back = case_transition(
        case=handed_back,
        name="hand_back",
        actor=Actor.link(contact_b),
        data={"reason": "Fel område."},
    )
    return {
        "new": make_case(title="Ny fråga"),
        "handed_back": handed_back,
        "waiting_a": waiting,
        "assigned_b": make_case(steps=("assign_contact",), actor=coordinator, contact=contact_b),
        "declined": make_case(steps=("decline",), actor=coordinator),
    }


def shown(content: str, cases: dict) -> set[str]:
    return {name for name, case in cases.items() if case.reference in content}


def view_counts(content: str) -> dict[str, str]:
    return dict(
        re.findall(r'data-view="(\w+)"[^>]*>[^<]*<span class="count">([^<]+)</span>', content)
    )


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ("new", {"new"}),
        ("unassigned", {"new", "handed_back"}),
        ("waiting", {"waiting_a"}),
        ("open", {"new", "handed_back", "waiting_a", "assigned_b"}),
        ("closed", {"declined"}),
    ],
)
def test_each_saved_view_lists_its_cases(client, coordinator, cases, view, expected):
    client.force_login(coordinator)

    content = client.get("/staff/", {"view": view}).content.decode()

    assert shown(content, cases) == expected


def test_views_show_their_counts_and_mark_the_current_one(client, coordinator, cases):
    client.force_login(coordinator)

    content = client.get("/staff/", {"view": "unassigned"}).content.decode()

    assert view_counts(content) == {
        "new": "1",
        "replies": "0",
        "unassigned": "2",
        "waiting": "1",
        "open": "4",
        "closed": "1",
    }
    assert re.search(r'data-view="unassigned" aria-current="page"', content)
    assert len(re.findall(r'data-view="\w+" aria-current', content)) == 1
    assert "Otilldelade" in content and "Väntar för länge" in content


def test_the_default_view_is_all_open_cases(client, coordinator, cases):
    client.force_login(coordinator)

    content = client.get("/staff/").content.decode()

    assert re.search(r'data-view="open" aria-current="page"', content)


def test_contact_person_gets_only_their_own_views(client, contact_user_a, cases):
    client.force_login(contact_user_a)

    content = client.get("/staff/").content.decode()

    assert view_counts(content) == {"mine": "1", "replies": "0", "waiting": "1", "closed": "0"}
    assert re.search(r'data-view="mine" aria-current="page"', content)
    assert shown(content, cases) == {"waiting_a"}
    # A view of someone else's is no view for them: their own default applies.
    assert shown(client.get("/staff/", {"view": "open"}).content.decode(), cases) == {"waiting_a"}


def test_coordinator_who_is_a_contact_gets_mine(client, coordinator, contact_a, cases):
    contact_a.user = coordinator
    contact_a.save(update_fields=["user"])
    client.force_login(coordinator)

    content = client.get("/staff/", {"view": "mine"}).content.decode()

    assert view_counts(content)["mine"] == "1"
    assert shown(content, cases) == {"waiting_a"}


def test_counts_stop_at_the_cap_and_say_so(client, coordinator, directory, monkeypatch):
    monkeypatch.setattr(selectors, "VIEW_COUNT_CAP", 2)
    for _ in range(3):
        make_case()
    client.force_login(coordinator)

    counts = view_counts(client.get("/staff/").content.decode())

    assert counts["new"] == "2+" and counts["closed"] == "0"


def test_counts_are_one_query(coordinator, cases, django_assert_num_queries):
    selectors.inbox_views(coordinator)  # whether they are a contact: read once per request
    with django_assert_num_queries(1):
        counts = selectors.inbox_view_counts(user=coordinator)
    assert counts == {"new": 1, "replies": 0, "unassigned": 2, "waiting": 1, "open": 4, "closed": 1}
