"""The Content-Security-Policy is enforced in a real browser and breaks nothing: the pages'
own scripts run, the admin and the API docs work, and no resource is refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import make_case, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _refusals(page) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


def test_pages_scripts_admin_and_api_docs_work_under_the_csp(
    live_server, new_page, directory, coordinator
):
    base = live_server.url
    case = make_case(title="Matsvinn i skolan")
    page = new_page()
    refused = _refusals(page)

    response = page.goto(f"{base}/requests/new/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_label("Lämna det här fältet tomt")).to_be_hidden()  # the honeypot
    page.goto(f"{base}/track/{case.token}/")

    login(page, base, coordinator.email)
    page.goto(f"{base}/staff/?view=new")
    # Shown by static/js/inbox.js: the script ran under the policy.
    expect(page.get_by_label("Välj alla på sidan")).to_be_visible()
    page.goto(f"{base}/staff/cases/{case.reference}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Matsvinn i skolan")
    page.goto(f"{base}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Samverka API")

    admin = new_page()
    refused += _refusals(admin)
    login_admin = make_user("admin")
    admin.goto(f"{base}/admin/login/")
    admin.locator("#id_username").fill(login_admin.get_username())
    admin.locator("#id_password").fill("pw-for-tests-1")
    admin.locator("#login-form [type=submit]").click()
    admin.wait_for_url(f"{base}/admin/")
    admin.goto(f"{base}/admin/directory/contactperson/")
    expect(admin.locator("#result_list")).to_be_visible()
    admin.goto(f"{base}/admin/workflows/reminderrule/")
    expect(admin.locator("#changelist")).to_be_visible()

    assert refused == []
