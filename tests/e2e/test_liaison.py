"""A municipality's liaison in a real browser: asks for a sign-in link, reads it in the email
that a real Celery worker delivered to the SMTP sink, opens it (which signs nobody in), clicks
the button, sees the municipality's requests and a case's page, and signs out. Every page is
axe-clean (WCAG 2.1 AA) and reflows at 320 px; no script of ours."""

from __future__ import annotations

import re
import time
from email.header import decode_header, make_header

import pytest

from directory.models import Municipality
from tests.conftest import body_of
from tests.e2e.test_accessibility import axe_violations, reflow_problems
from tests.factories import make_case
from tests.liaisons.conftest import make_liaison

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _email_to(sink, address: str, timeout: float = 90.0):
    """The first email the worker delivered to `address` (it may still be starting: wait for
    the email, not for a fixed time; the receipts of the cases arrive too)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in list(sink.messages):
            if address in message["To"]:
                return message
        time.sleep(0.05)
    raise AssertionError(f"no email to {address}; got {[m['To'] for m in sink.messages]}")


def test_a_liaison_signs_in_by_the_emailed_link_and_follows_the_municipalitys_requests(
    live_server,
    new_page,
    directory,
    coordinator,
    contact_a,
    settings,
    smtp_sink,
    celery_worker_factory,
):
    settings.SITE_URL = live_server.url
    make_liaison(code="1490", email="lena.berg@boras.example")
    ours = make_case(
        steps=("assign_contact",), actor=coordinator, contact=contact_a, title="Matsvinn i skolan"
    )
    theirs = make_case(
        municipality=Municipality.objects.get(code="1452"), title="Kompetens i Tranemo"
    )
    celery_worker_factory()  # delivers the outbox to the SMTP sink, as in production
    page = new_page(bypass_csp=True)
    found: dict[str, list[str]] = {}

    def check(name: str) -> None:
        problems = axe_violations(page)
        page.set_viewport_size({"width": 320, "height": 740})
        problems += reflow_problems(page)
        page.set_viewport_size({"width": 1280, "height": 900})
        if problems:
            found[name] = problems

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Inloggning för kommuner").click()
    page.wait_for_url("**/kommun/logga-in/")
    check("sign-in page")
    page.get_by_label("Din e-postadress").fill("lena.berg@boras.example")
    page.get_by_role("button", name="Mejla mig en inloggningslänk").click()
    answer = page.get_by_test_id("liaison-link-answer")
    assert answer.inner_text() == (
        "Om adressen tillhör en samverkansansvarig har vi skickat en inloggningslänk dit."
    )
    check("link sent")

    email = _email_to(smtp_sink, "lena.berg@boras.example")
    link = re.search(r"(http://\S+/kommun/logga-in/\S+/)", body_of(email))
    assert link, body_of(email)
    assert str(make_header(decode_header(email["Subject"]))) == "Din inloggningslänk till Samverka"

    page.goto(link.group(1))
    assert page.get_by_role("heading", level=1).inner_text() == "Inloggning för kommuner"
    check("confirm page")
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{live_server.url}/kommun/")
    assert page.get_by_test_id("liaison-whoami").inner_text() == "Lena Berg"
    cases = page.get_by_test_id("liaison-cases").inner_text()
    assert ours.reference in cases and "Matsvinn i skolan" in cases
    assert "Anna Lindqvist" in cases
    assert theirs.reference not in page.content()
    check("overview")

    page.get_by_role("link", name=ours.reference).click()
    page.wait_for_url(f"**/kommun/arenden/{ours.reference}/")
    assert page.get_by_test_id("state").inner_text() == "Kontaktperson tilldelad"
    assert "anna.lindqvist@hb.example" in page.get_by_test_id("contact").inner_text()
    check("case page")

    page.goto(f"{live_server.url}/kommun/arenden/{theirs.reference}/")
    assert "Kompetens i Tranemo" not in page.content()

    page.goto(f"{live_server.url}/kommun/")
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url("**/kommun/logga-in/")
    assert "Du är utloggad." in page.content()
    page.goto(link.group(1))
    assert page.get_by_role("heading", level=1).inner_text() == "Länken fungerar inte längre"
    page.goto(f"{live_server.url}/kommun/")
    page.wait_for_url("**/kommun/logga-in/")
    assert found == {}, found
