"""Planning the next meeting date from the case page."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cases.models import CaseEvent
from tests.factories import make_case


def url(case) -> str:
    return f"/staff/cases/{case.reference}/date/"


def test_contact_plans_a_meeting_date_shown_to_the_requester(
    client, directory, coordinator, contact_a, contact_user_a
):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    day = timezone.localdate() + dt.timedelta(days=10)
    client.force_login(contact_user_a)

    response = client.post(url(case), {"date": day.isoformat()})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.planned_date == day
    assert case.date_reminder_at is not None
    event = CaseEvent.objects.get(case=case, kind="date_planned")
    assert event.public and event.actor == contact_user_a
    assert day.isoformat() in client.get(f"/track/{case.token}/").content.decode()


def test_a_date_in_the_past_is_refused_next_to_the_field_and_kept(
    client, directory, coordinator, contact_a
):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    client.force_login(coordinator)

    response = client.post(url(case), {"date": "2020-01-01"})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="2020-01-01"' in page
    assert "aria-invalid" in page
    case.refresh_from_db()
    assert case.planned_date is None


def test_another_contact_cannot_plan_a_date_on_a_case_not_theirs(
    client, directory, coordinator, contact_a, contact_user_b
):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    client.force_login(contact_user_b)

    response = client.post(url(case), {"date": "2030-01-01"})

    assert response.status_code == 404
    case.refresh_from_db()
    assert case.planned_date is None


def test_registrar_cannot_plan_a_date(client, directory, coordinator, contact_a, registrar):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    client.force_login(registrar)

    response = client.post(url(case), {"date": "2030-01-01"})

    assert response.status_code == 403
    case.refresh_from_db()
    assert case.planned_date is None
