"""Headless Chromium (Debian's package, driven by Playwright) against pytest-django's live server.

Playwright's own browser download is not used: the tests launch the system Chromium, found on
PATH or at CHROMIUM_PATH. Without it the tests skip, unless REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import REQUIRE_SERVICES

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "pw-for-tests-1"  # tests.factories.make_user's default


def chromium_path() -> str | None:
    candidates = [os.environ.get("CHROMIUM_PATH"), shutil.which("chromium"), "/usr/bin/chromium"]
    candidates += [shutil.which("chromium-browser"), shutil.which("google-chrome")]
    return next((c for c in candidates if c and os.path.exists(c)), None)


@pytest.fixture(autouse=True)
def _allow_orm_beside_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in this thread; the ORM calls these tests make
    between browser steps are still plain synchronous calls, so Django's async-safety guard does
    not apply. Only for the browser tests (this folder)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    # One browser per test: Playwright's event loop stops with it, so the tests after these
    # (the rest of the suite) run without a loop in their thread.
    path = chromium_path()
    if path is None:
        if REQUIRE_SERVICES:
            pytest.fail("Chromium is required (REQUIRE_SERVICES=1) but not installed")
        pytest.skip("Chromium not installed; set REQUIRE_SERVICES=1 to make this a failure")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if REQUIRE_SERVICES:
            raise
        pytest.skip("playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Open pages in fresh browser contexts (separate cookies: requester, coordinator...)."""
    contexts = []

    def make(
        *, width: int = 1280, height: int = 900, locale: str = "sv-SE", bypass_csp: bool = False
    ):
        # The site's Content-Security-Policy applies, as for a visitor; tests that inject
        # axe-core into the page ask to bypass it (the policy would refuse a foreign script).
        context = browser.new_context(
            bypass_csp=bypass_csp,
            viewport={"width": width, "height": height},
            locale=locale,
            timezone_id="Europe/Stockholm",
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def login(page, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{base_url}/staff/**")


LABELS = {
    "sv": {
        "municipality": "Kommun",
        "name": "Ditt namn",
        "role": "Din roll eller befattning",
        "email": "E-post",
        "title": "Kort rubrik för din förfrågan",
        "description": "Beskriv ert behov",
        "consent": "Jag godkänner",
    },
    "en": {
        "municipality": "Municipality",
        "name": "Your name",
        "role": "Your role or position",
        "email": "Email",
        "title": "Short title of your request",
        "description": "Describe your need",
        "consent": "I agree",
    },
}


def fill_request_form(
    page, *, title: str = "Minska matsvinnet i skolköken", lang: str = ""
) -> None:
    """Fill the request form by its visible labels, as a person (or a screen reader) finds it."""
    label = LABELS[lang or page.locator("html").get_attribute("lang")]
    page.get_by_label(label["municipality"]).select_option(label="Borås")
    page.get_by_label(label["name"]).fill("Eva Ek")
    page.get_by_label(label["role"]).fill("Miljöstrateg")
    page.get_by_label(label["email"]).fill("eva.ek@boras.example")
    page.get_by_label(label["title"]).fill(title)
    page.get_by_label(label["description"]).fill(
        "Vi vill halvera matsvinnet i kommunens skolkök och behöver hjälp att mäta det."
    )
    page.locator("input[name=areas][value=resursatervinning]").check()
    page.get_by_label(label["consent"]).check()


# The case page's assign step: the form posting assign_contact with a contact field a person
# fills in (a list or a search field), not a suggestion's one-button form with a hidden field.
ASSIGN_FORM = (
    "form[action*='/transitions/assign_contact/']:has([name$='contact']:not([type=hidden]))"
)


def choose_contact(page, email: str) -> None:
    """Put `email` in the assign step's contact field, whichever kind of field it is."""
    field = page.locator(ASSIGN_FORM).locator("[name$='contact']:not([type=hidden])")
    if field.evaluate("el => el.tagName") == "SELECT":
        field.select_option(value=email)
    else:
        field.fill(email)
