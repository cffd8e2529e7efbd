"""The registrar's data-protection page and the administrator's audit log in a real browser:
the flows work with the keyboard and mouse, and every state is axe-clean on a desktop and a
phone screen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case
from tests.e2e.conftest import login
from tests.e2e.test_accessibility import VIEWPORTS, axe_violations, reflow_problems
from tests.factories import make_case, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def clean(page, viewport: str) -> list[str]:
    return axe_violations(page) + (reflow_problems(page) if viewport == "phone" else [])


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_registrar_exports_and_erases_a_requesters_data_in_the_browser(
    live_server, new_page, directory, coordinator, viewport
):
    due = make_case(steps=("decline",), actor=coordinator, requester_email="gammal@mark.example")
    Case.objects.filter(pk=due.pk).update(state_changed_at=timezone.now() - timedelta(days=800))
    mine = make_case(requester_email="eva.ek@boras.example", requester_name="Eva Ek")
    registrar = make_user("registrar")
    width, height = VIEWPORTS[viewport]
    page = new_page(width=width, height=height)
    found: dict[str, list[str]] = {}

    login(page, live_server.url, registrar.email)
    page.get_by_role("link", name="Dataskydd").click()
    expect(page.get_by_test_id("due-count")).to_contain_text("1 ärende ska anonymiseras.")
    expect(page.locator("main")).to_contain_text(due.reference)
    found["page"] = clean(page, viewport)

    page.get_by_label("Beställarens e-postadress").fill("eva@")
    page.get_by_role("button", name="Sök").click()
    expect(page.locator("#error-summary")).to_contain_text("Ange en giltig mejladress.")
    found["lookup error"] = clean(page, viewport)

    page.get_by_label("Beställarens e-postadress").fill("eva.ek@boras.example")
    page.get_by_role("button", name="Sök").click()
    expect(page.get_by_test_id("found-count")).to_have_text("1 ärende från den här adressen.")
    found["lookup"] = clean(page, viewport)

    with page.expect_download() as download:
        page.get_by_role("button", name="Exportera allt (zip)").click()
    assert download.value.suggested_filename.endswith(".zip")

    page.get_by_role("button", name="Radera allt").click()
    expect(page.locator("#error-summary")).to_contain_text("Kryssa i rutan för att bekräfta.")
    found["erase unconfirmed"] = clean(page, viewport)
    assert Case.objects.get(pk=mine.pk).anonymised_at is None

    page.get_by_label("Jag bekräftar att allt som finns om den här adressen raderas").check()
    page.get_by_role("button", name="Radera allt").click()
    expect(page.locator(".messages")).to_contain_text("Raderat: 1 ärende(n) anonymiserade")
    found["erased"] = clean(page, viewport)
    assert Case.objects.get(pk=mine.pk).requester_name == ""
    assert not any(found.values()), found


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_administrator_filters_the_audit_log_in_the_browser(
    live_server, new_page, directory, coordinator, viewport
):
    case = make_case()
    admin = make_user("admin")
    width, height = VIEWPORTS[viewport]
    page = new_page(width=width, height=height)
    login(page, live_server.url, coordinator.email)
    page.goto(f"{live_server.url}/staff/cases/{case.reference}/")
    page.context.clear_cookies()

    login(page, live_server.url, admin.email)
    page.get_by_role("link", name="Granskningslogg").click()
    page.get_by_label("Åtgärd", exact=True).select_option("case_viewed")
    page.get_by_role("button", name="Filtrera").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(coordinator.email)
    expect(rows.first).to_contain_text(case.reference)
    assert clean(page, viewport) == []
