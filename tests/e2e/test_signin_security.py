"""In the browser: the lockout after too many wrong passwords, the password reset page and the
account page (sessions, API tokens), each without WCAG violations on a desktop and a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, login
from tests.e2e.test_accessibility import axe_violations, reflow_problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def try_password(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("viewport", [(1280, 900), (320, 740)], ids=["desktop", "phone"])
def test_after_five_wrong_passwords_the_right_one_shows_the_lockout_page(
    live_server, new_page, coordinator, viewport
):
    page = new_page(width=viewport[0], height=viewport[1])
    for _ in range(5):
        try_password(page, live_server.url, coordinator.email, "fel-lösenord")

    try_password(page, live_server.url, coordinator.email, PASSWORD)

    expect(page.get_by_role("heading", level=1)).to_have_text("För många misslyckade försök")
    expect(page.get_by_test_id("locked-out")).to_contain_text("Försök igen om 15 minuter")
    assert "/staff/" not in page.url
    assert axe_violations(page) == []
    assert reflow_problems(page) == []
    page.get_by_role("link", name="Glömt lösenordet?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Återställ ditt lösenord")
    assert axe_violations(page) == []


def test_a_staff_user_creates_and_revokes_a_token_and_sees_their_sessions(
    live_server, new_page, coordinator
):
    page = new_page()
    login(page, live_server.url, coordinator.email)
    page.get_by_role("link", name="Mitt konto").click()

    expect(page.get_by_test_id("sessions")).to_contain_text("den här enheten")
    assert axe_violations(page) == []
    page.get_by_label("Namn på den nya nyckeln").fill("Diariet")
    page.get_by_role("button", name="Skapa nyckel").click()
    key = page.get_by_test_id("new-token-key").inner_text().strip()
    assert len(key) >= 40
    expect(page.get_by_test_id("tokens")).to_contain_text("Diariet")
    assert axe_violations(page) == []

    page.get_by_role("button", name="Återkalla Diariet").click()
    expect(page.get_by_test_id("tokens")).to_contain_text("Återkallad")
    expect(page.get_by_text(key)).to_have_count(0)

    phone = new_page(width=320, height=740)
    login(phone, live_server.url, coordinator.email)
    phone.goto(f"{live_server.url}/staff/account/")
    assert reflow_problems(phone) == []
    phone.get_by_role("button", name="Logga ut överallt annars").click()
    expect(phone.get_by_role("status")).to_contain_text("Utloggad från 1 annan session.")
    page.goto(f"{live_server.url}/staff/")
    assert "/accounts/login/" in page.url
