"""The main flow in a real browser: a municipality asks, a coordinator assigns, the requester
follows the case and withdraws it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ASSIGN_FORM, choose_contact, fill_request_form, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_request_is_submitted_assigned_followed_and_withdrawn(
    live_server, new_page, directory, coordinator, contact_a
):
    base = live_server.url

    # 1. The requester starts on the start page and submits the form.
    requester = new_page()
    requester.goto(f"{base}/")
    expect(requester.locator("html")).to_have_attribute("lang", "sv")
    requester.get_by_role("link", name="Skicka en förfrågan").first.click()
    expect(requester.get_by_role("heading", level=1)).to_have_text(
        "Skicka en förfrågan om samverkan"
    )
    fill_request_form(requester)
    requester.get_by_role("button", name="Skicka förfrågan").click()

    # 2. The receipt shows the case reference and the private tracking link.
    reference = requester.get_by_test_id("reference").inner_text().strip()
    assert re.fullmatch(r"AK-\d{4}-\d{4,}", reference), reference
    requester.get_by_test_id("tracking-link").click()
    expect(requester).to_have_url(re.compile(r"/track/[^/]+/$"))
    tracking_url = requester.url
    expect(requester.get_by_test_id("state")).to_have_text("Inkommen")
    expect(requester.get_by_test_id("contact")).to_have_count(0)

    # 3. The coordinator logs in, finds the case in the inbox and assigns a contact person.
    staff = new_page()
    login(staff, base, coordinator.email)
    expect(staff.get_by_role("heading", level=1)).to_have_text("Inkorg")
    staff.get_by_role("link", name=reference).click()
    expect(staff.get_by_test_id("state")).to_have_text("Inkommen")
    choose_contact(staff, contact_a.email)
    staff.locator(ASSIGN_FORM).get_by_role("button", name="Tilldela kontaktperson").click()
    expect(staff.get_by_test_id("state")).to_have_text("Kontaktperson tilldelad")
    expect(staff.get_by_test_id("contact")).to_have_text(contact_a.name)

    # 4. The requester sees the contact person on the tracking page.
    requester.goto(tracking_url)
    expect(requester.get_by_test_id("state")).to_have_text("Kontaktperson tilldelad")
    contact = requester.get_by_test_id("contact")
    expect(contact).to_contain_text(contact_a.name)
    expect(contact.get_by_role("link", name=contact_a.email)).to_have_attribute(
        "href", f"mailto:{contact_a.email}"
    )

    # 5. The requester withdraws the request.
    requester.get_by_label("Skäl (frivilligt)").fill("Vi har löst det på annat sätt.")
    requester.get_by_label("Jag vill dra tillbaka förfrågan").check()
    requester.get_by_role("button", name="Ta tillbaka förfrågan").click()
    expect(requester.get_by_role("status")).to_contain_text("Din förfrågan är återtagen.")
    expect(requester.get_by_test_id("state")).to_have_text("Återtagen")
    expect(requester.get_by_role("button", name="Ta tillbaka förfrågan")).to_have_count(0)

    # The coordinator sees the withdrawal too.
    staff.reload()
    expect(staff.get_by_test_id("state")).to_have_text("Återtagen")
    from cases.models import Case

    assert Case.objects.get(reference=reference).state == "withdrawn"


def test_invalid_form_keeps_what_was_typed_and_points_to_the_errors(live_server, page, directory):
    page.goto(f"{live_server.url}/requests/new/")
    page.get_by_label("Ditt namn").fill("Eva Ek")
    page.get_by_role("button", name="Skicka förfrågan").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Rätta följande")
    expect(summary).to_contain_text("Välj din kommun.")
    expect(page.get_by_label("Ditt namn")).to_have_value("Eva Ek")
    expect(page).to_have_title(re.compile(r"^Fel: "))
    # The summary's links lead to the fields.
    summary.get_by_role("link", name=re.compile("^Kommun")).click()
    expect(page.get_by_label("Kommun")).to_be_focused()
