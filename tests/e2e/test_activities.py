"""Activities in a real browser: the calendar and the registration flow (with an error that
keeps what was entered, the confirmation and the private page, and the cancellation), axe-clean
(WCAG 2.1 AA) and without sideways scrolling on a 320 px phone. No JavaScript of ours."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from activities.models import Activity, Registration, RegistrationStatus
from notifications.models import OutboxMessage
from tests.activities.conftest import make_activity
from tests.e2e.conftest import login
from tests.e2e.test_accessibility import axe_violations, reflow_problems
from tests.factories import make_case

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


def test_a_coordinator_creates_and_publishes_an_activity_and_it_shows_in_the_calendar(
    live_server, new_page, directory, coordinator
):
    day = timezone.localdate() + dt.timedelta(days=30)
    deadline = day - dt.timedelta(days=3)
    page = new_page()
    found = {}

    def check(name: str) -> None:
        problems = axe_violations(page)
        if problems:
            found[name] = problems

    login(page, live_server.url, coordinator.email)
    page.get_by_role("navigation", name="Personalmeny").get_by_role(
        "link", name="Aktiviteter"
    ).click()
    page.wait_for_url("**/staff/activities/")
    check("staff list")
    page.get_by_role("link", name="Ny aktivitet").click()
    page.wait_for_url("**/staff/activities/new/")
    check("new activity form")

    page.get_by_label("Typ").select_option(label="Kommunbesök")
    page.get_by_label("Rubrik").fill("Kommunbesök Tranemo")
    page.get_by_label("Beskrivning").fill("Vi träffar kommunledningen om kompetensförsörjning.")
    page.get_by_label("Börjar").fill(f"{day:%Y-%m-%d}T09:00")
    page.get_by_label("Slutar").fill(f"{day:%Y-%m-%d}T08:00")  # before the start
    page.get_by_label("Sista anmälningsdag").fill(f"{deadline:%Y-%m-%d}T12:00")
    page.get_by_label("Plats", exact=True).fill("Tranemo kommunhus")
    page.get_by_label("Antal platser").fill("25")
    page.get_by_label("Tranemo").check()
    page.get_by_role("button", name="Spara och publicera").click()
    page.wait_for_selector("#error-summary")
    check("new activity form with an error")
    assert "Aktiviteten måste sluta efter att den börjar." in page.inner_text("#error-summary")
    assert page.get_by_label("Rubrik").input_value() == "Kommunbesök Tranemo"
    assert page.get_by_label("Tranemo").is_checked()
    assert not Activity.objects.exists()

    page.get_by_label("Slutar").fill(f"{day:%Y-%m-%d}T12:00")
    page.get_by_role("button", name="Spara och publicera").click()
    page.wait_for_selector("text=Aktiviteten är publicerad i kalendern.")
    check("activity staff page")
    assert page.get_by_test_id("activity-status").inner_text().startswith("Publicerad")
    activity = Activity.objects.get()
    assert activity.published and activity.created_by == coordinator
    assert [m.name for m in activity.municipalities.all()] == ["Tranemo"]

    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Aktiviteter").click()
    page.wait_for_url("**/activities/")
    check("public calendar")
    page.get_by_role("link", name="Kommunbesök Tranemo").click()
    page.wait_for_url(f"**/activities/{activity.pk}/")
    assert "Tranemo kommunhus" in page.inner_text("main")

    # The visit led to a case: linked on the visit's page, listed on the case page.
    case = make_case(title="Kompetensförsörjning i Tranemo")
    page.goto(f"{live_server.url}/staff/activities/{activity.pk}/")
    page.get_by_label("Diarienummer").fill(case.reference)
    page.get_by_role("button", name="Spara kopplade ärenden").click()
    page.wait_for_selector("text=De kopplade ärendena är sparade.")
    page.get_by_role("link", name=case.reference).click()
    page.wait_for_url(f"**/staff/cases/{case.reference}/")
    check("case page with its municipality visit")
    assert page.get_by_test_id("case-activities").inner_text().startswith("Kommunbesök Tranemo")
    assert found == {}, found
