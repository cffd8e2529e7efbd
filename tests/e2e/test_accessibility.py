"""axe-core (WCAG 2.0/2.1 A and AA rules) in the browser on every page a person meets, in both
languages and on a desktop and a phone screen, and the keyboard path past the header.

axe-core comes bundled in the axe-playwright-python package (requirements-dev.txt): nothing is
fetched at run time.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ASSIGN_FORM, choose_contact, fill_request_form, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORTS = {"desktop": (1280, 900), "phone": (320, 740)}


def axe_script() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def axe_violations(page) -> list[str]:
    page.evaluate(axe_script())
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    report = []
    for violation in results["violations"]:
        for node in violation["nodes"]:
            report.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']}\n"
                f"    {node['target']}: {node['failureSummary']}"
            )
    return report


def reflow_problems(page) -> list[str]:
    """WCAG 1.4.10: at 320 CSS px nothing but a marked scroll region may scroll sideways."""
    wide = page.evaluate(
        """() => document.documentElement.scrollWidth > window.innerWidth
            ? [...document.querySelectorAll('body *')]
                .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
                              && !el.closest('.table-scroll'))
                .slice(0, 5).map(el => el.outerHTML.slice(0, 120))
            : []"""
    )
    return [f"reflow: wider than the screen: {html}" for html in wide]


def visit_every_page(page, base: str, *, coordinator, contact):
    """Walk the pages a requester and a coordinator meet; yield (name, page) at each one."""
    page.goto(f"{base}/")
    yield "start page"
    page.goto(f"{base}/requests/new/")
    yield "request form"
    page.locator("form.request-form button[type=submit]").click()
    page.wait_for_selector("#error-summary")
    yield "request form with errors"
    page.goto(f"{base}/requests/new/")
    fill_request_form(page)
    page.locator("form.request-form button[type=submit]").click()
    page.wait_for_selector("[data-testid=reference]")
    reference = page.get_by_test_id("reference").inner_text().strip()
    yield "receipt"
    page.get_by_test_id("tracking-link").click()
    page.wait_for_selector("[data-testid=state]")
    tracking_url = page.url
    yield "tracking page"
    page.goto(f"{base}/privacy/")
    yield "privacy page"
    page.goto(f"{base}/areas/")
    yield "collaboration areas"
    page.goto(f"{base}/forms/")
    yield "forms of collaboration"
    page.goto(f"{base}/how-it-works/")
    yield "how it works"
    page.goto(f"{base}/contacts/?q=matsvinn")
    yield "contact search"
    page.locator("[data-testid=contact] h2 a").first.click()
    page.wait_for_load_state()
    yield "contact person page"
    page.goto(f"{base}/accessibility/")
    yield "accessibility statement"
    page.goto(f"{base}/accounts/login/")
    yield "login"
    page.locator("#id_username").fill("nobody@hb.example")
    page.locator("#id_password").fill("wrong")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    yield "login with error"
    login_any_language(page, base, coordinator.email)
    yield "staff inbox"
    page.goto(f"{base}/staff/cases/{reference}/")
    yield "staff case page"
    page.locator(f"{ASSIGN_FORM} button[type=submit]").click()
    page.wait_for_selector("#error-summary")
    yield "staff case page with errors"
    choose_contact(page, contact.email)
    page.locator(f"{ASSIGN_FORM} button[type=submit]").click()
    page.wait_for_selector(".messages")
    yield "staff case page after a step"
    page.goto(tracking_url)
    yield "tracking page with contact person"


def login_any_language(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill("pw-for-tests-1")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/staff/**")


@pytest.mark.parametrize(
    ("language", "viewport"), [("sv", "desktop"), ("sv", "phone"), ("en", "desktop")]
)
def test_every_page_has_no_wcag_violations(
    live_server, new_page, directory, coordinator, contact_a, viewport, language
):
    width, height = VIEWPORTS[viewport]
    page = new_page(width=width, height=height, bypass_csp=True)
    if language == "en":
        # Switch with the language button, as a visitor would.
        page.goto(f"{live_server.url}/")
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    found = {}
    visited = []
    for name in visit_every_page(page, live_server.url, coordinator=coordinator, contact=contact_a):
        visited.append(name)
        violations = axe_violations(page)
        if viewport == "phone":
            violations += reflow_problems(page)
        if violations:
            found[name] = violations
    assert len(visited) == 19
    assert not found, "\n".join(f"{name}:\n  " + "\n  ".join(v) for name, v in found.items())


def test_axe_reports_a_violation_when_there_is_one(live_server, new_page, directory):
    """The checker itself works: an unlabelled field and a low-contrast text are caught."""
    page = new_page(bypass_csp=True)
    page.goto(f"{live_server.url}/")
    page.evaluate(
        """() => document.querySelector('main').insertAdjacentHTML('beforeend',
        '<input type=text><p style="color:#bbb">Svag text</p>')"""
    )
    found = "\n".join(axe_violations(page))
    assert "label" in found
    assert "color-contrast" in found


def test_reflow_check_reports_content_wider_than_a_phone(live_server, new_page, directory):
    page = new_page(width=320, height=740, bypass_csp=True)  # injects an inline style
    page.goto(f"{live_server.url}/")
    assert reflow_problems(page) == []
    page.evaluate(
        """() => document.querySelector('main').insertAdjacentHTML('beforeend',
        '<p style="width:600px">Bred</p>')"""
    )
    assert reflow_problems(page)


def test_skip_link_is_first_and_moves_focus_to_the_main_content(live_server, page, directory):
    page.goto(f"{live_server.url}/requests/new/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Till huvudinnehållet")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0 and box["width"] > 10, "not visible on focus"
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab goes to the first control inside the main content, not back to the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_form_can_be_filled_and_sent_with_the_keyboard_alone(live_server, page, directory):
    page.goto(f"{live_server.url}/requests/new/")
    fill_request_form(page)
    page.get_by_label("Jag godkänner").focus()
    page.keyboard.press("Tab")  # the privacy link
    page.keyboard.press("Tab")  # the send button
    expect(page.get_by_role("button", name="Skicka förfrågan")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("reference")).to_be_visible()


def test_focus_is_visible_on_links_and_buttons(live_server, page, directory, coordinator):
    login(page, live_server.url, coordinator.email)
    page.goto(f"{live_server.url}/")
    for _ in range(4):
        page.keyboard.press("Tab")
        outline = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }"
        )
        assert outline[0] != "none" or outline[2] != "none", outline
