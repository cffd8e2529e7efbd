"""The staff case page: transitions over HTML, with 400/403/404/409 answers a user can act on."""

from __future__ import annotations

import pytest

from cases.actors import Actor
from cases.models import Case, CaseEvent
from cases.services import case_transition
from tests.factories import make_case


def transition_url(case, name: str) -> str:
    return f"/staff/cases/{case.reference}/transitions/{name}/"


def fields(name: str, version: int, **data) -> dict:
    return {f"{name}-version": str(version), **{f"{name}-{k}": v for k, v in data.items()}}


def test_coordinator_assigns_contact_through_the_case_page(client, coordinator, contact_a):
    case = make_case()
    client.force_login(coordinator)

    response = client.post(
        transition_url(case, "assign_contact"),
        fields("assign_contact", case.version, contact=contact_a.email),
    )

    assert response.status_code == 302
    assert response["Location"] == f"/staff/cases/{case.reference}/"
    stored = Case.objects.get(pk=case.pk)
    assert (stored.state, stored.contact) == ("contact_assigned", contact_a)
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert event.actor == coordinator
    assert (event.from_state, event.to_state) == ("received", "contact_assigned")
    page = client.get(response["Location"])
    assert contact_a.name in page.content.decode()


def test_assigned_contact_records_a_meeting_through_the_case_page(
    client, coordinator, contact_a, contact_user_a
):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    client.force_login(contact_user_a)

    response = client.post(
        transition_url(case, "record_meeting"),
        fields("record_meeting", case.version, date="2026-02-02", notes="Första mötet."),
    )

    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).state == "meeting_held"
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert event.actor == contact_user_a
    assert event.data["notes"] == "Första mötet."


def test_assigned_contact_gets_403_when_trying_a_coordinator_step(
    client, coordinator, contact_a, contact_b, contact_user_a
):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    client.force_login(contact_user_a)

    response = client.post(
        transition_url(case, "assign_contact"),
        fields("assign_contact", case.version, contact=contact_b.email),
    )

    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).contact == contact_a


def test_registrar_gets_403_on_any_transition(client, registrar, contact_a):
    case = make_case()
    client.force_login(registrar)

    response = client.post(
        transition_url(case, "assign_contact"),
        fields("assign_contact", case.version, contact=contact_a.email),
    )

    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).state == "received"


def test_other_contact_gets_404_and_cannot_tell_the_case_exists(
    client, coordinator, contact_a, contact_user_b
):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    client.force_login(contact_user_b)

    response = client.post(
        transition_url(case, "record_meeting"),
        fields("record_meeting", case.version, date="2026-02-02", notes="x"),
    )

    assert response.status_code == 404
    assert Case.objects.get(pk=case.pk).state == "contact_assigned"


def test_second_coordinator_gets_409_when_the_case_changed_since_they_loaded_it(
    client, coordinator, contact_a, contact_b
):
    case = make_case()
    stale_version = case.version
    case_transition(
        case=case,
        name="assign_contact",
        actor=Actor.staff(coordinator),
        data={"contact": contact_a.email},
    )
    client.force_login(coordinator)

    response = client.post(
        transition_url(case, "assign_contact"),
        fields("assign_contact", stale_version, contact=contact_b.email),
    )

    assert response.status_code == 409
    stored = Case.objects.get(pk=case.pk)
    assert stored.contact == contact_a
    assert CaseEvent.objects.filter(case=case, transition="assign_contact").count() == 1
    # The page shows the case as it is now, with a fresh version, so a retry can succeed.
    assert f'value="{stored.version}"' in response.content.decode()
    assert contact_a.name in response.content.decode()


def test_coordinator_gets_409_for_a_step_not_possible_in_the_current_state(
    client, coordinator, contact_a
):
    case = make_case()
    client.force_login(coordinator)

    response = client.post(
        transition_url(case, "close"),
        fields("close", case.version, outcome="completed", summary="Klart.", confirm="on"),
    )

    assert response.status_code == 409
    assert Case.objects.get(pk=case.pk).state == "received"


def test_missing_fields_give_400_with_the_error_next_to_the_field(client, coordinator, contact_a):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    client.force_login(coordinator)

    response = client.post(
        transition_url(case, "record_meeting"),
        fields("record_meeting", case.version, date="2999-01-01", notes=""),
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert 'id="id_record_meeting-date_error"' in content
    assert 'id="id_record_meeting-notes_error"' in content
    assert Case.objects.get(pk=case.pk).state == "contact_assigned"


def test_unknown_transition_name_is_404(client, coordinator, directory):
    case = make_case()
    client.force_login(coordinator)

    response = client.post(transition_url(case, "approve"), {"approve-version": "1"})

    assert response.status_code == 404


def test_transition_by_get_is_not_allowed(client, coordinator, directory):
    case = make_case()
    client.force_login(coordinator)

    assert client.get(transition_url(case, "decline")).status_code == 405


def test_anonymous_visitor_is_sent_to_login_and_nothing_changes(client, directory):
    case = make_case()

    response = client.post(
        transition_url(case, "decline"), fields("decline", case.version, reason="Nej.")
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Case.objects.get(pk=case.pk).state == "received"


@pytest.mark.parametrize(
    ("steps", "offered", "not_offered"),
    [
        ((), {"assign_contact", "decline"}, {"close", "reopen", "record_meeting", "withdraw"}),
        (
            ("assign_contact", "record_meeting"),
            {"start_workshop", "start_project", "close"},
            {"assign_contact", "decline", "reopen", "withdraw"},
        ),
        (("decline",), {"reopen"}, {"assign_contact", "close", "decline"}),
    ],
)
def test_case_page_offers_only_the_actions_allowed_now(
    client, coordinator, contact_a, steps, offered, not_offered
):
    case = make_case(steps=steps, actor=coordinator, contact=contact_a)
    client.force_login(coordinator)

    content = client.get(f"/staff/cases/{case.reference}/").content.decode()

    for name in offered:
        assert transition_url(case, name) in content
    for name in not_offered:
        assert transition_url(case, name) not in content


def test_registrar_sees_the_case_but_no_action_forms(client, registrar, coordinator, contact_a):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    client.force_login(registrar)

    response = client.get(f"/staff/cases/{case.reference}/")

    assert response.status_code == 200
    content = response.content.decode()
    assert case.title in content
    assert "/transitions/" not in content
    assert f"/staff/cases/{case.reference}/notes/" not in content


def test_assigned_contact_is_offered_only_their_own_steps(
    client, coordinator, contact_a, contact_user_a
):
    case = make_case(
        steps=("assign_contact", "record_meeting"), actor=coordinator, contact=contact_a
    )
    client.force_login(contact_user_a)

    content = client.get(f"/staff/cases/{case.reference}/").content.decode()

    assert transition_url(case, "start_workshop") in content
    assert transition_url(case, "start_project") in content
    assert transition_url(case, "close") not in content
    assert f"/staff/cases/{case.reference}/notes/" in content


def test_registrar_cannot_add_internal_notes(client, registrar, directory):
    case = make_case()
    client.force_login(registrar)

    response = client.post(f"/staff/cases/{case.reference}/notes/", {"text": "Hemligt"})

    assert response.status_code == 403
    assert not CaseEvent.objects.filter(case=case, kind="note").exists()
