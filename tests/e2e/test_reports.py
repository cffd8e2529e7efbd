"""The reports and the public figures in a real browser: axe-clean (WCAG 2.1 A/AA) on a
desktop and a phone, the charts load as images under the site's CSP, and an SVG opened on its
own draws in its colours with no refusal (its stylesheet is allowed by hash)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cases.actors import Actor
from cases.services import case_transition
from directory.models import ContactPerson
from reports import services
from tests.e2e.conftest import login
from tests.e2e.test_accessibility import VIEWPORTS, axe_violations, reflow_problems
from tests.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def history(directory, coordinator):
    lena = ContactPerson.objects.get(email="lena.forsberg@hb.example")
    for n in range(4):
        case = make_case(title=f"Ärende {n}")
        if n < 2:
            case_transition(
                case=case,
                name="assign_contact",
                actor=Actor.staff(coordinator),
                data={"contact": lena.email},
            )
    services.aggregates_refresh()


def _refusals(page) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


def _charts_loaded(page) -> None:
    charts = page.locator("img.report-chart")
    expect(charts.first).to_be_visible()
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.report-chart')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )


def test_reports_page_charts_load_under_the_csp_and_the_svg_draws_in_colour(
    live_server, new_page, history, coordinator
):
    base = live_server.url
    page = new_page()
    refused = _refusals(page)
    login(page, base, coordinator.email)
    page.get_by_role("link", name="Rapporter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapporter")
    _charts_loaded(page)
    assert page.locator("img.report-chart").count() == 7
    expect(page.get_by_test_id("table-funnel")).to_contain_text("Kontaktperson tilldelad")
    # A filter with a bad date: the error is shown, the municipality stays chosen.
    page.get_by_label("Period", exact=True).select_option("custom")
    page.get_by_label("Från", exact=True).fill("2026-13-01")
    page.get_by_label("Kommun", exact=True).select_option(label="Borås")
    page.get_by_role("button", name="Visa").click()
    expect(page.locator(".error-summary")).to_contain_text("Fyll i ett giltigt datum.")
    expect(page.get_by_label("Kommun", exact=True)).to_have_value("1490")
    _charts_loaded(page)

    svg = new_page()
    refused += _refusals(svg)
    login(svg, base, coordinator.email)
    svg.goto(f"{base}/staff/reports/funnel.svg")
    fill = svg.evaluate(
        "() => getComputedStyle(document.querySelector('.color-0 rect, .color-0 path')).fill"
    )
    assert fill == "rgb(0, 114, 178)"  # Okabe-Ito blue: the hashed stylesheet applied
    assert refused == []


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_reports_annual_report_and_public_figures_have_no_wcag_violations(
    live_server, new_page, history, coordinator, viewport
):
    base = live_server.url
    width, height = VIEWPORTS[viewport]
    page = new_page(width=width, height=height, bypass_csp=True)
    page.goto(f"{base}/")
    page.get_by_role("link", name="Samverkan i siffror").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Samverkan i siffror")
    expect(page.get_by_test_id("public-municipalities")).to_contain_text("<3")
    problems = axe_violations(page) + reflow_problems(page)
    login(page, base, coordinator.email)
    for path in (
        "/staff/reports/",
        "/staff/reports/?period=custom&start=2026-13-01&end=2026-03-31&municipality=1490",
        "/staff/reports/annual/1490/2026/",
    ):
        page.goto(f"{base}{path}")
        _charts_loaded(page)
        problems += [f"{path}: {p}" for p in axe_violations(page) + reflow_problems(page)]
    assert problems == []
