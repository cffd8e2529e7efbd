"""The staff case page in a real browser: one step open at a time, errors where the user looks."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_after_a_failed_step_the_error_summary_of_that_step_has_the_focus(
    live_server, page, directory, coordinator
):
    case = make_case()
    login(page, live_server.url, coordinator.email)
    page.goto(f"{live_server.url}/staff/cases/{case.reference}/")

    # The natural next step (assign) is open; the destructive one (decline) is closed.
    expect(page.locator("#step-assign_contact")).to_have_attribute("open", "")
    decline = page.locator("#step-decline")
    expect(decline).not_to_have_attribute("open", "")
    decline.locator("summary").click()
    expect(decline.get_by_role("button", name="Avböj")).to_be_visible()
    # Opening one step closes the other: one form at a time.
    expect(page.locator("#step-assign_contact")).not_to_have_attribute("open", "")

    # Sent without a reason and without the confirmation: nothing happens, and the page
    # comes back with that step open and its error summary focused.
    decline.get_by_role("button", name="Avböj").click()
    page.wait_for_url("**/transitions/decline/#step-decline")
    summary = page.locator("#step-decline [data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Kryssa i rutan för att bekräfta.")
    expect(page.locator("#step-decline")).to_have_attribute("open", "")
    expect(page.get_by_test_id("state")).to_have_text("Inkommen")


def test_assigned_contact_accepts_the_case_on_the_case_page(
    live_server, page, directory, coordinator, contact_a, contact_user_a
):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    login(page, live_server.url, contact_user_a.email)
    page.goto(f"{live_server.url}/staff/cases/{case.reference}/")

    accept = page.locator("#step-accept")
    expect(accept).to_have_attribute("open", "")
    accept.get_by_role("button", name="Acceptera").click()

    expect(page.get_by_role("status")).to_contain_text("Du har accepterat ärendet.")
    expect(page.locator("#step-accept")).to_have_count(0)
    expect(page.locator("#timeline")).to_contain_text("accepterade ärendet")
