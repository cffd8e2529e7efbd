"""Signing in as staff in a real browser: single sign-on through a real OpenID provider
(oidc-provider-mock, started by the test), and an administrator's TOTP enrolment."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.models import Role, User
from tests.e2e.conftest import PASSWORD
from tests.e2e.test_accessibility import axe_violations, reflow_problems
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def authorize_at_provider(page, sub: str) -> None:
    """The provider's own sign-in page (the mock's form: the test types the user's `sub`)."""
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize", exact=True).click()


def test_a_coordinator_signs_in_with_the_university_account(live_server, page, oidc_provider):
    oidc_provider.set_user(
        "u-1001",
        email="karin.berg@hb.example",
        given_name="Karin",
        family_name="Berg",
        groups=["hb-staff", "samverka-coordinators"],
    )
    page.goto(f"{live_server.url}/staff/")  # a staff page sends the visitor to the login
    assert not axe_violations(page)
    page.get_by_role("link", name="Logga in med Högskolans konto").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(oidc_provider.url)}/oauth2/authorize"))
    authorize_at_provider(page, "u-1001")

    page.wait_for_url(f"{live_server.url}/staff/**")
    expect(page.get_by_test_id("whoami")).to_have_text("Karin Berg")
    expect(page.locator(".whoami")).to_contain_text("Samverkanskoordinator")
    assert User.objects.get(email="karin.berg@hb.example").role == Role.COORDINATOR

    # Logging out ends the provider's session too, and comes back to Samverka's start page.
    page.get_by_role("button", name="Logga ut").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(oidc_provider.url)}/oauth2/end_session"))
    page.get_by_role("button").first.click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("link", name="Inloggning för personal")).to_be_visible()


def test_a_person_whose_groups_map_to_no_role_is_told_why(live_server, page, oidc_provider):
    oidc_provider.set_user("u-2002", email="lisa@hb.example", groups=["hb-staff"])
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Logga in med Högskolans konto").click()
    authorize_at_provider(page, "u-2002")

    page.wait_for_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("status")).to_contain_text(
        "Ditt konto vid högskolan har ingen roll i Samverka"
    )
    expect(page.get_by_role("link", name="Inloggning för personal")).to_be_visible()
    assert not User.objects.filter(email="lisa@hb.example").exists()


def test_without_local_passwords_the_login_page_has_only_the_sso_button(
    live_server, page, oidc_provider, settings
):
    settings.LOCAL_PASSWORDS = False
    oidc_provider.set_user("u-3003", email="per@hb.example", groups=["samverka-registrars"])
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_label("Lösenord")).to_have_count(0)
    assert not axe_violations(page)
    page.get_by_role("link", name="Logga in med Högskolans konto").click()
    authorize_at_provider(page, "u-3003")
    page.wait_for_url(f"{live_server.url}/staff/**")
    expect(page.locator(".whoami")).to_contain_text("Registrator")


@pytest.mark.parametrize("width", [1280, 320])
def test_an_administrator_sets_up_two_factor_on_the_first_sign_in(
    live_server, new_page, settings, width
):
    settings.ADMIN_TOTP_REQUIRED = True
    admin = make_user("admin", email="chef@hb.example")
    page = new_page(width=width, height=900)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-post").fill(admin.email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Ställ in tvåstegsverifiering")
    expect(page.get_by_role("img", name="QR-kod för din autentiseringsapp")).to_be_visible()
    problems = axe_violations(page) + (reflow_problems(page) if width == 320 else [])
    assert not problems, problems

    # A wrong code first: refused, in Swedish, the same secret kept.
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.get_by_label("Kod").fill("000000")
    page.get_by_role("button", name="Bekräfta").click()
    expect(page.get_by_role("alert")).to_contain_text("Fel kod")
    assert page.get_by_test_id("totp-secret").inner_text() == secret
    assert not axe_violations(page)

    # The code the phone shows, computed from the secret (the device throttles after the miss).
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    device.throttle_reset()
    code = TOTP(device.bin_key, device.step, device.t0, device.digits).token()
    page.get_by_label("Kod").fill(f"{code:06d}")
    page.get_by_role("button", name="Bekräfta").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dina reservkoder")
    expect(page.get_by_test_id("backup-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="Fortsätt").click()
    page.wait_for_url(f"{live_server.url}/staff/**")
    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Katalog, användare och påminnelseregler"
    )
