"""The inbox in a real browser: select all, assign the selection, and axe on the result."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cases.models import Case
from tests.e2e.conftest import login
from tests.e2e.test_accessibility import axe_violations
from tests.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_selects_all_new_cases_and_assigns_them_with_the_keyboard(
    live_server, new_page, directory, coordinator, contact_a
):
    page = new_page(bypass_csp=True)  # axe-core is injected below
    made = [make_case(title=f"Fråga {n}") for n in range(3)]
    login(page, live_server.url, coordinator.email)
    page.goto(f"{live_server.url}/staff/?view=new")

    expect(page.get_by_role("link", name="Nya 3")).to_have_attribute("aria-current", "page")
    select_all = page.get_by_label("Välj alla på sidan")
    expect(
        select_all
    ).to_be_visible()  # shown by the script; without it, rows are ticked one by one
    page.get_by_label(f"Välj {made[0].reference}").check()
    assert page.evaluate("document.querySelector('[data-select-all]').indeterminate") is True
    select_all.focus()
    page.keyboard.press("Space")
    for case in made:
        expect(page.get_by_label(f"Välj {case.reference}")).to_be_checked()
    assert axe_violations(page) == []

    page.get_by_label("Kontaktperson att tilldela").fill(contact_a.email)
    page.get_by_role("button", name="Tilldela valda").press("Enter")

    expect(page.locator(".messages")).to_contain_text("3 ärenden tilldelade")
    expect(page.get_by_role("link", name="Nya 0")).to_have_attribute("aria-current", "page")
    assert set(Case.objects.values_list("contact", flat=True)) == {contact_a.pk}
    assert axe_violations(page) == []
