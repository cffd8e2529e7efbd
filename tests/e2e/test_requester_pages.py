"""The requester's own pages and the public guide in a real browser: axe-clean (WCAG 2.1 AA)
and no sideways scrolling on a 390 px phone, even with a long unbroken title."""

from __future__ import annotations

import pytest

from tests.e2e.test_accessibility import axe_violations, reflow_problems
from tests.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_TITLE = "Matsvinnsminskningsprojektet" * 7  # 196 characters, no space to break at


def test_tracking_page_with_a_long_unbroken_title_fits_a_phone(live_server, new_page, directory):
    case = make_case(title=LONG_TITLE, description="Ett ord: " + "x" * 300)
    page = new_page(width=390, height=844, bypass_csp=True)

    page.goto(f"{live_server.url}/track/{case.token}/")

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert reflow_problems(page) == []
    assert axe_violations(page) == []


def test_requester_pages_and_the_guide_have_no_wcag_violations_on_a_phone(
    live_server, new_page, directory
):
    case = make_case(title=LONG_TITLE)
    page = new_page(width=320, height=740, bypass_csp=True)
    base = live_server.url
    found = {}

    def check(name: str) -> None:
        problems = axe_violations(page) + reflow_problems(page)
        if problems:
            found[name] = problems

    page.goto(f"{base}/track/{case.token}/withdraw/")
    check("withdraw confirm step")
    page.get_by_role("button", name="Ta tillbaka förfrågan").click()
    page.wait_for_selector(".error-summary")
    check("withdraw confirm step with error")
    page.goto(f"{base}/requests/lost-link/")
    check("lost link")
    page.get_by_role("button", name="Skicka länkarna till mig").click()
    page.wait_for_selector("#error-summary")
    check("lost link with error")
    page.get_by_label("E-postadressen du skickade förfrågan från").fill("eva.ek@boras.example")
    page.get_by_role("button", name="Skicka länkarna till mig").click()
    page.wait_for_selector("[data-testid=lost-link-answer]")
    check("lost link answer")
    page.goto(f"{base}/track/{'x' * 43}/")
    check("refused tracking link")
    page.goto(f"{base}/how-it-works/")
    check("how it works")
    page.goto(f"{base}/areas/")
    check("areas index")
    page.goto(f"{base}/areas/resursatervinning/")
    check("area page")

    assert not found, "\n".join(f"{name}:\n  " + "\n  ".join(v) for name, v in found.items())
