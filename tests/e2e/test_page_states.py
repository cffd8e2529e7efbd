"""axe-core (WCAG 2.0/2.1 A and AA) on every staff and public page in each state it has, on a
desktop and a phone screen: 0 violations.

The pages are reached by URL and role (requester, coordinator, contact person), not by their
markup, so the test holds while the pages are redesigned. A failure names the page, the rule
and the element.
"""

from __future__ import annotations

import pytest

from cases.actors import Actor
from cases.services import case_transition
from tests.e2e.conftest import fill_request_form, login
from tests.e2e.test_accessibility import VIEWPORTS, axe_violations, reflow_problems
from tests.factories import make_case, make_contact_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def public_states(page, base: str, cases: dict):
    """(name, action) for the pages anyone may open; each action leaves the page in its state."""
    yield "start page", lambda: page.goto(f"{base}/")
    yield "request form", lambda: page.goto(f"{base}/requests/new/")

    def form_with_errors():
        page.goto(f"{base}/requests/new/")
        with page.expect_navigation():
            page.get_by_role("button", name="Skicka förfrågan").click()

    yield "request form with errors", form_with_errors

    def receipt():
        page.goto(f"{base}/requests/new/")
        fill_request_form(page, lang="sv")
        with page.expect_navigation():
            page.get_by_role("button", name="Skicka förfrågan").click()
        page.get_by_test_id("reference").wait_for()

    yield "receipt", receipt
    for state in ("received", "assigned", "closed", "withdrawn"):
        token = cases[state].token
        yield f"tracking page ({state})", lambda t=token: page.goto(f"{base}/track/{t}/")
    yield "collaboration areas", lambda: page.goto(f"{base}/areas/")
    yield "forms of collaboration", lambda: page.goto(f"{base}/forms/")
    yield "how it works", lambda: page.goto(f"{base}/how-it-works/")
    yield "contact directory", lambda: page.goto(f"{base}/contacts/")
    yield "contact search", lambda: page.goto(f"{base}/contacts/?q=matsvinn")
    yield "contact search without hits", lambda: page.goto(f"{base}/contacts/?q=xyzzy")
    contact = cases["assigned"].contact
    yield "contact person page", lambda: page.goto(f"{base}/contacts/{contact.pk}/")
    yield "privacy", lambda: page.goto(f"{base}/privacy/")
    yield "accessibility statement", lambda: page.goto(f"{base}/accessibility/")
    yield "login", lambda: page.goto(f"{base}/accounts/login/")

    def login_error():
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("E-post").fill("nobody@hb.example")
        page.get_by_label("Lösenord").fill("wrong")
        with page.expect_navigation():
            page.get_by_role("button", name="Logga in").click()

    yield "login with error", login_error
    yield "404", lambda: page.goto(f"{base}/no-such-page/")


def coordinator_states(page, base: str, cases: dict):
    yield "inbox", lambda: page.goto(f"{base}/staff/")
    yield "inbox, filtered to nothing", lambda: page.goto(f"{base}/staff/?q=xyzzy")
    for state in ("received", "assigned", "closed", "withdrawn"):
        reference = cases[state].reference
        yield f"case page ({state})", lambda r=reference: page.goto(f"{base}/staff/cases/{r}/")
    yield "outbox", lambda: page.goto(f"{base}/staff/outbox/")
    yield "outbox, all messages", lambda: page.goto(f"{base}/staff/outbox/?status=all")


def contact_states(page, base: str, cases: dict):
    yield "my cases", lambda: page.goto(f"{base}/staff/")
    reference = cases["assigned"].reference
    yield (
        "case page (assigned, as its contact)",
        lambda: page.goto(f"{base}/staff/cases/{reference}/"),
    )
    yield "profile", lambda: page.goto(f"{base}/staff/profile/")

    def profile_errors():
        page.goto(f"{base}/staff/profile/")
        page.get_by_label("Kapacitet (aktiva ärenden samtidigt)").fill("-1")
        with page.expect_navigation():
            page.get_by_role("button", name="Spara profilen").click()

    yield "profile with errors", profile_errors
    yield "403 (the outbox)", lambda: page.goto(f"{base}/staff/outbox/")


@pytest.fixture
def cases(directory, coordinator, contact_a):
    """One case in each state a page shows differently."""
    result = {
        "received": make_case(title="Ny förfrågan om matsvinn"),
        "assigned": make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a),
        "closed": make_case(
            steps=("assign_contact", "record_meeting", "close"),
            actor=coordinator,
            contact=contact_a,
        ),
    }
    withdrawn = make_case(title="Återtagen förfrågan")
    token = withdrawn.token
    withdrawn = case_transition(
        case=withdrawn, name="withdraw", actor=Actor.requester(), data={"reason": "Löst."}
    )
    withdrawn.token = token
    result["withdrawn"] = withdrawn
    return result


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_every_page_in_every_state_has_no_wcag_violations(
    live_server, new_page, cases, coordinator, contact_a, viewport
):
    width, height = VIEWPORTS[viewport]
    contact_user = make_contact_user(contact_a)
    found: dict[str, list[str]] = {}
    visited = []
    for role, user, states in (
        ("visitor", None, public_states),
        ("coordinator", coordinator, coordinator_states),
        ("contact person", contact_user, contact_states),
    ):
        page = new_page(width=width, height=height, bypass_csp=True)
        if user is not None:
            login(page, live_server.url, user.email)
        for name, go in states(page, live_server.url, cases):
            response = go()
            if name[:3] in ("403", "404"):  # the error pages are what they say
                assert response is not None and response.status == int(name[:3]), name
            label = f"{name} [{role}]"
            visited.append(label)
            problems = axe_violations(page)
            if viewport == "phone":
                problems += reflow_problems(page)
            if problems:
                found[label] = problems
    assert len(visited) == 33, visited
    assert not found, "\n".join(f"{name}:\n  " + "\n  ".join(v) for name, v in found.items())
