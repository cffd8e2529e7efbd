"""Bulk actions of the inbox: assign one contact to the selected cases, or export them."""

from __future__ import annotations

import csv
import io

from django.contrib.messages import get_messages

from cases.models import CaseEvent
from tests.factories import make_case


def post_bulk(client, **data):
    return client.post("/staff/bulk/", data)


def test_coordinator_assigns_one_contact_to_the_selected_cases(
    client, coordinator, directory, contact_a
):
    first, second, untouched = make_case(), make_case(), make_case()
    client.force_login(coordinator)

    response = post_bulk(
        client,
        case=[first.reference, second.reference],
        contact=contact_a.name,
        action="assign",
        next="?view=new",
    )

    assert response.status_code == 302 and response["Location"] == "/staff/?view=new"
    for case in (first, second):
        case.refresh_from_db()
        assert case.contact == contact_a and case.state == "contact_assigned"
        event = CaseEvent.objects.get(case=case, transition="assign_contact")
        assert event.actor == coordinator
    untouched.refresh_from_db()
    assert untouched.contact is None
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert notes == [f"2 ärenden tilldelade: {first.reference}, {second.reference}."]


def test_each_case_that_cannot_be_assigned_is_reported_and_the_rest_go_through(
    client, coordinator, directory, contact_a
):
    declined = make_case(steps=("decline",), actor=coordinator)
    fine = make_case()
    client.force_login(coordinator)

    response = post_bulk(
        client,
        case=[declined.reference, fine.reference, "AK-1999-0001"],
        contact=contact_a.email,
        action="assign",
    )

    fine.refresh_from_db()
    declined.refresh_from_db()
    assert fine.contact == contact_a and declined.contact is None
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(notes) == 3
    assert notes[0].startswith(f"{declined.reference}: ")
    assert notes[1] == "AK-1999-0001: ärendet finns inte."
    assert notes[2] == f"1 ärende tilldelat: {fine.reference}."


def test_an_unknown_contact_assigns_nothing_and_says_why(client, coordinator, directory):
    case = make_case()
    client.force_login(coordinator)

    response = post_bulk(client, case=[case.reference], contact="Ingen Alls", action="assign")

    case.refresh_from_db()
    assert case.contact is None
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(notes) == 1 and notes[0].startswith(f"{case.reference}: ")


def test_registrar_may_export_but_not_assign(client, registrar, directory, contact_a):
    chosen, other = make_case(title="Vald"), make_case(title="Inte vald")
    client.force_login(registrar)

    assert (
        post_bulk(
            client, case=[chosen.reference], contact=contact_a.email, action="assign"
        ).status_code
        == 403
    )
    response = post_bulk(client, case=[chosen.reference], action="export_csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert [row[0] for row in table[1:]] == [chosen.reference]
    assert other.reference not in text
    xlsx = post_bulk(client, case=[chosen.reference], action="export_xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_contact_person_has_no_bulk_actions(client, contact_user_a, coordinator, contact_a):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    client.force_login(contact_user_a)

    assert 'name="case"' not in client.get("/staff/").content.decode()
    for action in ("assign", "export_csv"):
        response = post_bulk(client, case=[case.reference], contact=contact_a.email, action=action)
        assert response.status_code == 403


def test_inbox_shows_selection_boxes_labelled_by_reference(client, coordinator, directory):
    case = make_case()
    client.force_login(coordinator)

    content = client.get("/staff/").content.decode()

    assert f'name="case" value="{case.reference}"' in content
    assert (
        f'<label for="sel-{case.pk}" class="visually-hidden">Välj {case.reference}</label>'
        in content
    )
    assert "Tilldela valda" in content and "Exportera valda (CSV)" in content


def test_bulk_needs_a_login_and_post(client, coordinator):
    assert client.post("/staff/bulk/").status_code == 302
    client.force_login(coordinator)
    assert client.get("/staff/bulk/").status_code == 405
