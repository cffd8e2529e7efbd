"""Planning a meeting on the case page in a real browser, and the requester seeing it on the
tracking page with its "add to calendar" file; both pages axe-clean."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import CaseMeeting
from notifications.models import OutboxMessage
from tests.e2e.conftest import login
from tests.e2e.test_accessibility import axe_violations
from tests.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_contact_plans_a_meeting_and_the_requester_sees_it_with_an_ics_link(
    live_server, page, directory, coordinator, contact_a, contact_user_a
):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    day = timezone.localdate() + dt.timedelta(days=14)
    login(page, live_server.url, contact_user_a.email)
    page.goto(f"{live_server.url}/staff/cases/{case.reference}/")

    region = page.locator("#meetings")
    region.locator("#plan-meeting summary").click()
    # First an end before the start: refused next to the field, nothing entered is lost.
    page.get_by_label("Börjar").fill(f"{day.isoformat()}T09:00")
    page.get_by_label("Slutar").fill(f"{day.isoformat()}T08:00")
    page.get_by_label("Plats (frivillig)").fill("Tranemo kommunhus")
    page.get_by_label("Fler deltagare (frivilligt)").fill("Nils Nilsson <nils@tranemo.example>")
    page.get_by_role("button", name="Planera och skicka inbjudningar").click()
    expect(page.locator("#plan-meeting [data-error-summary]")).to_contain_text(
        "Mötet måste sluta efter att det börjar."
    )
    expect(page.get_by_label("Plats (frivillig)")).to_have_value("Tranemo kommunhus")
    assert not CaseMeeting.objects.exists()
    assert axe_violations(page) == []

    page.get_by_label("Slutar").fill(f"{day.isoformat()}T10:30")
    page.get_by_role("button", name="Planera och skicka inbjudningar").click()
    expect(page.get_by_role("status")).to_contain_text("Mötet är planerat.")
    expect(page.get_by_test_id("meeting")).to_contain_text(f"{day.isoformat()} 09:00")
    expect(page.get_by_test_id("meeting")).to_contain_text("Nils Nilsson")
    assert axe_violations(page) == []
    assert OutboxMessage.objects.filter(kind="meeting_planned").count() == 3

    page.goto(f"{live_server.url}/track/{case.token}/")
    meeting = page.get_by_test_id("track-meeting")
    expect(meeting).to_contain_text("Tranemo kommunhus")
    link = meeting.get_by_role("link", name="Lägg till i kalendern (.ics)")
    expect(link).to_be_visible()
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.status == 200
    assert "BEGIN:VEVENT" in response.text()
    assert CaseMeeting.objects.get().uid in response.text()
    assert axe_violations(page) == []
