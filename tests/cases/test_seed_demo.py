"""`manage.py seed_demo`: demo data for `make run`, refused in production, safe to repeat."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from cases.models import Case, CaseEvent
from directory.models import ContactPerson


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        seed()

    assert Case.objects.count() == 0
    assert User.objects.count() == 0


def test_seed_demo_loads_directory_logins_and_cases_in_different_states(db, settings):
    settings.DEBUG = True

    output = seed()

    assert "koordinator@hb.example" in output
    assert ContactPerson.objects.filter(email="anna.lindqvist@hb.example").exists()
    states = set(Case.objects.values_list("state", flat=True))
    assert {"received", "contact_assigned", "meeting_held", "project", "declined"} <= states
    coordinator = User.objects.get(email="koordinator@hb.example")
    assert coordinator.is_coordinator
    assert coordinator.check_password("samverka-demo")
    anna = ContactPerson.objects.get(email="anna.lindqvist@hb.example")
    assert anna.user is not None and anna.user.is_contact


def test_seed_demo_twice_duplicates_nothing(db, settings):
    settings.DEBUG = True
    seed()
    before = (
        Case.objects.count(),
        User.objects.count(),
        ContactPerson.objects.count(),
        CaseEvent.objects.count(),
    )

    output = seed()

    after = (
        Case.objects.count(),
        User.objects.count(),
        ContactPerson.objects.count(),
        CaseEvent.objects.count(),
    )
    assert after == before
    assert "0 new demo cases" in output


def test_demo_coordinator_can_log_in_and_see_the_demo_cases(client, db, settings):
    settings.DEBUG = True
    seed()

    response = client.post(
        "/accounts/login/", {"username": "koordinator@hb.example", "password": "samverka-demo"}
    )
    assert response.status_code == 302
    content = client.get("/staff/").content.decode()

    for case in Case.objects.filter(state__in=["received", "contact_assigned"]):
        assert case.reference in content
