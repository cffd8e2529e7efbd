"""Activities in a real browser: the calendar and the registration flow (with an error that
keeps what was entered, the confirmation and the private page, and the cancellation), axe-clean
(WCAG 2.1 AA) and without sideways scrolling on a 320 px phone. No JavaScript of ours."""

from __future__ import annotations

import pytest

from activities.models import Registration, RegistrationStatus
from notifications.models import OutboxMessage
from tests.activities.conftest import make_activity
from tests.e2e.test_accessibility import axe_violations, reflow_problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_registering_for_an_activity_in_swedish_on_a_phone(live_server, new_page, directory):
    make_activity(title="Workshop: cirkulär upphandling", capacity=1)
    page = new_page(width=320, height=740)
    found = {}

    def check(name: str) -> None:
        problems = axe_violations(page) + reflow_problems(page)
        if problems:
            found[name] = problems

    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Aktiviteter").click()
    page.wait_for_url("**/activities/")
    check("calendar")
    page.get_by_role("link", name="Workshop: cirkulär upphandling").click()
    check("activity page")

    page.get_by_label("Ditt namn").fill("Eva Ek")
    page.get_by_label("E-post").fill("eva@boras.example")
    page.get_by_label("Kommun").select_option(label="Borås")
    page.get_by_label("Din roll").fill("Miljöstrateg")
    page.get_by_label("Kost eller tillgänglighetsbehov").fill("Vegetarisk")
    page.get_by_role("button", name="Anmäl dig").click()  # consent not ticked
    page.wait_for_selector("#error-summary")
    check("activity page with an error")
    assert "Du måste godkänna behandlingen av personuppgifter." in page.inner_text("#error-summary")
    assert page.get_by_label("Ditt namn").input_value() == "Eva Ek"
    assert page.get_by_label("Kost eller tillgänglighetsbehov").input_value() == "Vegetarisk"

    page.get_by_label("Jag godkänner").check()
    page.get_by_role("button", name="Anmäl dig").click()
    page.wait_for_url("**/activities/registrations/**")
    check("registration page")
    assert page.get_by_test_id("registration-status").inner_text() == "Bekräftad"
    registration = Registration.objects.get()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert OutboxMessage.objects.filter(kind="activity_confirmed").count() == 1

    page.get_by_role("button", name="Avanmäl mig").click()
    page.wait_for_selector("text=Din anmälan är avbokad.")
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED
    assert found == {}, found
