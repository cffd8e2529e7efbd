"""The staff case page: where the case stands, the steps this user may take, a timeline in
plain words, and the contact person's acceptance."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cases.actors import Actor
from cases.errors import ActionForbidden, CaseConflict
from cases.models import Case, CaseEvent, EventKind
from cases.services import case_accept, case_note_add, case_transition
from tests.factories import make_case
from workflows.definition import staff_view

pytestmark = pytest.mark.django_db


def page(client, case) -> str:
    response = client.get(reverse("staff-case", args=[case.reference]))
    assert response.status_code == 200
    return response.content.decode()


def step_ids(content: str) -> list[str]:
    return re.findall(r'<details class="step[^"]*" name="next-step" id="step-([a-z_]+)"', content)


def open_steps(content: str) -> list[str]:
    return re.findall(r'id="step-([a-z_]+)" data-step open', content)


def test_header_says_what_a_new_case_waits_for(client, coordinator, directory):
    case = make_case()
    client.force_login(coordinator)

    content = page(client, case)

    assert "Väntar på: <strong>tilldelning av kontaktperson</strong>" in content
    assert case.municipality.name in content
    assert "(i dag)" in content


def test_coordinator_sees_assign_first_and_open_and_decline_last_and_closed(
    client, coordinator, directory
):
    case = make_case()
    client.force_login(coordinator)

    content = page(client, case)

    assert step_ids(content) == ["assign_contact", "decline"]
    assert open_steps(content) == ["assign_contact"]
    assert 'name="decline-confirm"' in content
    assert 'name="assign_contact-confirm"' not in content


def test_decline_without_confirmation_changes_nothing_and_reopens_that_step(
    client, coordinator, directory
):
    case = make_case()
    client.force_login(coordinator)

    response = client.post(
        reverse("staff-case-transition", args=[case.reference, "decline"]),
        {"decline-version": case.version, "decline-reason": "Vi saknar kompetens."},
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert open_steps(content) == ["decline"]
    assert "data-error-summary" in content
    assert "Kryssa i rutan för att bekräfta." in content
    assert Case.objects.get(pk=case.pk).state == "received"


def test_registrar_gets_403_for_decline_whether_or_not_confirmed(client, registrar, directory):
    case = make_case()
    client.force_login(registrar)
    url = reverse("staff-case-transition", args=[case.reference, "decline"])
    data = {"decline-version": case.version, "decline-reason": "Nej."}

    assert client.post(url, data).status_code == 403
    assert client.post(url, {**data, "decline-confirm": "on"}).status_code == 403
    assert Case.objects.get(pk=case.pk).state == "received"


def test_decline_with_confirmation_declines(client, coordinator, directory):
    case = make_case()
    client.force_login(coordinator)

    response = client.post(
        reverse("staff-case-transition", args=[case.reference, "decline"]),
        {"decline-version": case.version, "decline-reason": "Nej.", "decline-confirm": "on"},
    )

    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).state == "declined"


def test_form_actions_point_at_their_own_step_so_the_browser_scrolls_there(
    client, coordinator, directory
):
    case = make_case()
    client.force_login(coordinator)

    content = page(client, case)

    assert f'action="/staff/cases/{case.reference}/transitions/decline/#step-decline"' in content


def test_timeline_reads_as_sentences_without_raw_keys(client, coordinator, contact_a):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    case_transition(
        case=case,
        name="record_meeting",
        actor=Actor.staff(coordinator),
        data={"date": "2026-01-05", "notes": "Bra möte.", "note": "Hemligt för beställaren."},
    )
    case_transition(
        case=case,
        name="close",
        actor=Actor.staff(coordinator),
        data={"outcome": "no_match", "summary": "Ingen passande forskare."},
    )
    case_note_add(case=case, actor=Actor.staff(coordinator), text="Ring igen i vår.")
    client.force_login(coordinator)

    content = page(client, case)

    timeline = content[content.index('id="timeline"') :]
    name = coordinator.get_full_name() or coordinator.email
    assert f"{contact_a.name} tilldelades som kontaktperson av {name}" in timeline
    assert f"{name} registrerade ett möte" in timeline
    assert f"{name} avslutade ärendet" in timeline
    assert f"{name} lade till en intern anteckning" in timeline
    assert "Hemligt för beställaren." in timeline  # the internal note: staff see it
    assert "Resultat" in timeline and "Ingen matchning" in timeline  # a choice by its label
    for raw in ("note:", "date:", "notes:", "summary:", "outcome:", "no_match"):
        assert raw not in timeline


def test_staff_view_lists_every_field_with_its_label_choice_labels_and_contact_names():
    with translation.override("en"):
        items = staff_view(
            "close", {"outcome": "completed", "summary": "Klart.", "note": "Internt.", "x": "y"}
        )
        assert [(i.name, str(i.value), i.public) for i in items] == [
            ("outcome", "Completed", False),
            ("summary", "Klart.", True),
            ("note", "Internt.", False),
        ]
    [contact] = staff_view("assign_contact", {"contact_id": 1, "contact_name": "Anna Lindqvist"})
    assert (contact.name, contact.value) == ("contact_name", "Anna Lindqvist")


def test_assigned_contact_accepts_and_the_accept_step_goes_away(
    client, coordinator, contact_a, contact_user_a
):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    client.force_login(contact_user_a)
    before = page(client, case)
    assert step_ids(before)[0] == "accept"
    assert open_steps(before) == ["accept"]
    assert step_ids(before)[-1] == "hand_back"

    response = client.post(
        reverse("staff-case-accept", args=[case.reference]), {"accept-version": case.version}
    )

    assert response.status_code == 302
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.kind, event.actor, event.data["contact_id"]) == (
        EventKind.ACCEPTED,
        contact_user_a,
        contact_a.pk,
    )
    after = page(client, case)
    assert "accept" not in step_ids(after)
    assert "Väntar på: <strong>det första mötet</strong>" in after


def test_second_accept_is_a_conflict_and_records_nothing(coordinator, contact_a, contact_user_a):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    case_accept(case=case, actor=Actor.staff(contact_user_a))

    with pytest.raises(CaseConflict):
        case_accept(case=case, actor=Actor.staff(contact_user_a))

    assert CaseEvent.objects.filter(case=case, kind=EventKind.ACCEPTED).count() == 1


def test_coordinator_cannot_accept_for_the_contact_person(coordinator, contact_a):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)

    with pytest.raises(ActionForbidden):
        case_accept(case=case, actor=Actor.staff(coordinator))


def test_a_new_assignment_needs_a_new_acceptance(
    client, coordinator, contact_a, contact_b, contact_user_a
):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    case_accept(case=case, actor=Actor.staff(contact_user_a))
    case_transition(
        case=case,
        name="assign_contact",
        actor=Actor.staff(coordinator),
        data={"contact": contact_b.email},
    )
    case_transition(
        case=case,
        name="assign_contact",
        actor=Actor.staff(coordinator),
        data={"contact": contact_a.email},
    )
    client.force_login(contact_user_a)

    assert step_ids(page(client, case))[0] == "accept"


def test_assigned_contacts_case_page_stays_within_its_query_budget(
    client, coordinator, contact_a, contact_user_a
):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    client.force_login(contact_user_a)
    page(client, case)  # session and content types warm

    with CaptureQueriesContext(connection) as ctx:
        content = page(client, case)

    assert step_ids(content)[0] == "accept"
    # 10 reads + the audit log's INSERT (issue 13).
    assert len(ctx.captured_queries) <= 11, [q["sql"][:120] for q in ctx.captured_queries]


def test_assign_picker_offers_the_directory_and_takes_a_typed_name(client, coordinator, contact_a):
    case = make_case()
    client.force_login(coordinator)

    content = page(client, case)
    assert 'list="contact-options"' in content
    assert f'<option value="{contact_a.email}">{contact_a.name}' in content
    assert "<select" not in content.split('id="step-assign_contact"')[1].split("</details>")[0]

    response = client.post(
        reverse("staff-case-transition", args=[case.reference, "assign_contact"]),
        {"assign_contact-version": case.version, "assign_contact-contact": contact_a.name},
    )

    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).contact == contact_a


def test_areas_and_forms_show_in_name_order_even_when_retired_or_added_elsewhere(
    client, coordinator, directory
):
    # The case page reads a case's areas and forms from a per-process copy of the directory
    # (directory.selectors.catalogue), not by a query of their own.
    from directory.models import Area, CollaborationForm

    areas = [
        Area.objects.get(slug=slug) for slug in ("textil-mode", "resursatervinning", "pedagogik")
    ]
    form = CollaborationForm.objects.get(slug="examensarbete")
    case = make_case(areas=areas, forms=[form])
    client.force_login(coordinator)
    assert "Pedagogiskt arbete, Resursåtervinning, Textil och mode</dd>" in page(client, case)

    # Retired since: still the case's area.
    areas[0].active = False
    areas[0].save()
    assert "Pedagogiskt arbete, Resursåtervinning, Textil och mode</dd>" in page(client, case)

    # Added by another process a moment ago (no signal here: bulk_create) and linked to the
    # case: not in this process's copy yet, read when the page meets it.
    (added,) = Area.objects.bulk_create([Area(slug="akustik", name_sv="Akustik")])
    case.areas.add(added)
    content = page(client, case)
    assert "Akustik, Pedagogiskt arbete, Resursåtervinning, Textil och mode</dd>" in content
    assert f"{form.name_sv}</dd>" in content
