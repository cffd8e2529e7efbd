"""The main path with the keyboard alone: submit a request, log in as a coordinator, open the
case, assign a contact person, record the meeting.

Only Tab, Shift+Tab, Enter, Space and typing touch the page (page.goto stands for the address
bar). Controls are found by their accessible names and labels, not by markup, so the walk
survives a redesign of the pages as long as they stay usable from the keyboard.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cases.models import Case
from tests.e2e.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 250  # a page with more stops than this before the control is unusable anyway

# The focused element's accessible text: its label, aria-label or own text, trimmed.
FOCUSED_TEXT = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return '';
  const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
  return (label || el.getAttribute('aria-label') || el.innerText || el.value || '').trim();
}"""


def tab_to(page, name: str, *, exact: bool = False, backwards: bool = False) -> str:
    """Press Tab (or Shift+Tab) until the focused control's accessible text starts with (or
    is) `name`; returns the focused element's tag. Fails with what was passed on the way."""
    seen = []
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        text = page.evaluate(FOCUSED_TEXT)
        if (text == name) if exact else text.startswith(name):
            return page.evaluate("() => document.activeElement.tagName.toLowerCase()")
        seen.append(text[:40])
    raise AssertionError(f"no focusable control named {name!r}; passed: {seen[-30:]}")


def open_if_folded(page, tag: str) -> None:
    """On a closed disclosure's summary, Enter opens it (an open one would close)."""
    if tag == "summary" and not page.evaluate("() => document.activeElement.parentElement.open"):
        page.keyboard.press("Enter")


def shift_tab_until(page, field, *, inside: bool) -> None:
    """Press Shift+Tab until the focus is inside `field` (or, with inside=False, out of it)."""
    for _ in range(MAX_TABS):
        if field.evaluate("el => el === document.activeElement") == inside:
            return
        page.keyboard.press("Shift+Tab")
    raise AssertionError(f"Shift+Tab never got {'into' if inside else 'out of'} the field")


def type_date(page, year: str, month: str, day: str) -> None:
    """Type a date into the focused field and check it took. A date picker (type=date) is typed
    segment by segment in the browser's order: year first (sv-SE) or, if that did not give
    the date, month/day/year (the en-US order of a browser without Swedish)."""
    field = page.evaluate_handle("() => document.activeElement")
    wanted = f"{year}-{month}-{day}"
    if page.evaluate("() => document.activeElement.type") != "date":
        page.keyboard.type(wanted)
    else:
        # Two-digit month and day segments move on by themselves; the year (up to six
        # digits in Chromium) needs a Tab.
        for keys in ((year, "Tab", month, day), (month, day, year)):
            for key in keys:
                if key == "Tab":
                    page.keyboard.press("Tab")
                else:
                    page.keyboard.type(key)
            if field.evaluate("el => el.value") == wanted:
                break
            # Back to the first segment: into the field, out of it before it, and Tab once.
            shift_tab_until(page, field, inside=True)
            shift_tab_until(page, field, inside=False)
            page.keyboard.press("Tab")
    assert field.evaluate("el => el.value") == wanted


def tab_to_link(page, href_part: str) -> None:
    """Press Tab until a link whose address contains `href_part` has the focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(
            "part => (document.activeElement.getAttribute('href') || '').includes(part)",
            href_part,
        ):
            return
    raise AssertionError(f"no link to {href_part!r} reached with Tab")


def press_and_wait(page, key: str = "Enter") -> None:
    """Press `key` on a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press(key)


def state_of(reference: str) -> str:
    return Case.objects.get(reference=reference).state


def test_submit_triage_assign_and_record_a_meeting_with_the_keyboard_alone(
    live_server, page, directory, coordinator, contact_a
):
    base = live_server.url

    # 1. The requester fills the form and sends it.
    page.goto(f"{base}/requests/new/")
    assert tab_to(page, "Kommun") == "select"
    page.keyboard.type("Borås")
    assert page.get_by_label("Kommun").evaluate("s => s.selectedOptions[0].text") == "Borås"
    for label, text in (
        ("Ditt namn", "Eva Ek"),
        ("Din roll eller befattning", "Miljöstrateg"),
        ("E-post", "eva.ek@boras.example"),
        ("Kort rubrik", "Minska matsvinnet i skolköken"),
        ("Beskriv ert behov", "Vi vill halvera matsvinnet i skolköken och mäta det."),
    ):
        tab_to(page, label)
        page.keyboard.type(text)
    tab_to(page, "Resursåtervinning")
    page.keyboard.press("Space")
    tab_to(page, "Jag godkänner")
    page.keyboard.press("Space")
    tab_to(page, "Skicka förfrågan", exact=True)
    press_and_wait(page)
    reference = page.get_by_test_id("reference").inner_text().strip()
    assert state_of(reference) == "received"

    # 2. The coordinator logs in.
    page.goto(f"{base}/accounts/login/")
    tab_to(page, "E-post")
    page.keyboard.type(coordinator.email)
    tab_to(page, "Lösenord")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/staff/**")

    # 3. Triage: the new case is in the inbox; open it.
    tab_to_link(page, f"/staff/cases/{reference}/")
    press_and_wait(page)
    expect(page).to_have_url(f"{base}/staff/cases/{reference}/")

    # 4. Assign Anna Lindqvist: open the step (a disclosure, if the page folds its steps),
    # choose her in the field and send.
    open_if_folded(page, tab_to(page, "Tilldela kontaktperson"))
    tag = tab_to(page, "Kontaktperson")
    page.keyboard.type("Anna Lindqvist" if tag == "select" else contact_a.email)
    tab_to(page, "Tilldela kontaktperson", exact=True)
    while page.evaluate("() => document.activeElement.tagName.toLowerCase()") == "summary":
        tab_to(page, "Tilldela kontaktperson", exact=True)
    press_and_wait(page)
    assert state_of(reference) == "contact_assigned"
    assert Case.objects.get(reference=reference).contact == contact_a

    # 5. Record the meeting, as the coordinator.
    page.keyboard.press("Tab")  # from wherever the page put the focus after the step
    open_if_folded(page, tab_to(page, "Registrera möte"))
    tab_to(page, "Datum för mötet")
    type_date(page, "2026", "01", "15")
    tab_to(page, "Mötesanteckningar")
    page.keyboard.type("Vi möttes i Borås och bestämde att mäta svinnet i två skolor.")
    tab_to(page, "Registrera möte", exact=True)
    while page.evaluate("() => document.activeElement.tagName.toLowerCase()") == "summary":
        tab_to(page, "Registrera möte", exact=True)
    press_and_wait(page)
    errors = page.locator("[role=alert]").all_inner_texts()
    assert state_of(reference) == "meeting_held", errors
    expect(page.get_by_test_id("state")).to_have_text("Möte genomfört")
