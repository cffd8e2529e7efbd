"""The requester's private tracking page: unguessable link, public events only, withdraw."""

from __future__ import annotations

import base64
import hashlib

import pytest

from cases.actors import Actor
from cases.models import Case, CaseEvent
from cases.services import case_note_add, case_transition
from tests.factories import make_case

SECRET_NOTE = "Internt: kommunen har svårt med budgeten"


def token_bits(token: str) -> int:
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    return len(raw) * 8


def test_tracking_token_has_at_least_128_bits_and_differs_per_case(directory):
    tokens = [make_case().token for _ in range(5)]

    assert all(token_bits(t) >= 128 for t in tokens)
    assert len(set(tokens)) == 5


def test_only_the_hash_of_the_token_is_stored(directory):
    case = make_case()

    stored = Case.objects.filter(pk=case.pk).values().get()
    assert stored["tracking_token_hash"] == hashlib.sha256(case.token.encode()).hexdigest()
    assert not any(case.token in str(value) for value in stored.values())


def test_tracking_page_shows_the_state_and_what_happens_next(client, directory):
    case = make_case()

    response = client.get(f"/track/{case.token}/")

    assert response.status_code == 200
    content = response.content.decode()
    assert case.reference in content
    assert case.title in content
    assert 'data-testid="state"' in content
    assert f"/track/{case.token}/withdraw/" in content


def test_tracking_page_shows_the_assigned_contact_person(client, coordinator, contact_a):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)

    content = client.get(f"/track/{case.token}/").content.decode()

    assert contact_a.name in content
    assert contact_a.email in content
    assert contact_a.title in content


@pytest.mark.parametrize(
    "token",
    ["x" * 43, "AK-2026-0001", "", "a" * 500],
)
def test_unknown_token_is_404(client, directory, token):
    make_case()

    response = client.get(f"/track/{token}/") if token else client.get("/track//")

    assert response.status_code == 404


def test_the_case_reference_does_not_open_the_tracking_page(client, directory):
    case = make_case()

    assert client.get(f"/track/{case.reference}/").status_code == 404


def test_internal_notes_never_appear_on_the_tracking_page(client, coordinator, contact_a):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    case_note_add(case=case, actor=Actor.staff(coordinator), text=SECRET_NOTE)
    case_transition(
        case=case,
        name="record_meeting",
        actor=Actor.staff(coordinator),
        data={"date": "2026-01-10", "notes": "Mötesanteckning", "note": SECRET_NOTE + " 2"},
    )

    content = client.get(f"/track/{case.token}/").content.decode()

    assert SECRET_NOTE not in content
    assert "Mötesanteckning" not in content
    # The staff page does show the note, so the test would notice if it were never written.
    client.force_login(coordinator)
    assert SECRET_NOTE in client.get(f"/staff/cases/{case.reference}/").content.decode()


def test_decline_reason_is_shown_to_the_requester(client, coordinator, directory):
    case = make_case(steps=("decline",), actor=coordinator)

    content = client.get(f"/track/{case.token}/").content.decode()

    assert "Ingen forskning inom området." in content


@pytest.mark.parametrize("steps", [(), ("assign_contact",), ("assign_contact", "record_meeting")])
def test_requester_withdraws_from_an_allowed_state(client, coordinator, contact_a, steps):
    case = make_case(steps=steps, actor=coordinator, contact=contact_a)

    response = client.post(f"/track/{case.token}/withdraw/", {"reason": "Vi löste det själva."})

    assert response.status_code == 302
    assert response["Location"] == f"/track/{case.token}/"
    stored = Case.objects.get(pk=case.pk)
    assert stored.state == "withdrawn"
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.transition, event.actor, event.actor_label) == ("withdraw", None, "requester")
    assert event.data == {"reason": "Vi löste det själva."}
    page = client.get(response["Location"]).content.decode()
    assert "Vi löste det själva." in page
    assert f"/track/{case.token}/withdraw/" not in page


@pytest.mark.parametrize(
    "steps",
    [
        ("assign_contact", "record_meeting", "start_workshop"),
        ("assign_contact", "record_meeting", "start_project"),
        ("assign_contact", "close"),
        ("decline",),
    ],
)
def test_withdraw_is_neither_offered_nor_possible_from_later_states(
    client, coordinator, contact_a, steps
):
    case = make_case(steps=steps, actor=coordinator, contact=contact_a)
    state = case.state

    page = client.get(f"/track/{case.token}/").content.decode()
    response = client.post(f"/track/{case.token}/withdraw/", {"reason": ""}, follow=True)

    assert f"/track/{case.token}/withdraw/" not in page
    assert response.status_code == 200
    assert Case.objects.get(pk=case.pk).state == state
    assert not CaseEvent.objects.filter(case=case, transition="withdraw").exists()
    assert response.context["messages"], "the requester is told why nothing happened"


def test_withdraw_with_an_unknown_token_is_404(client, directory):
    case = make_case()

    response = client.post(f"/track/{'y' * 43}/withdraw/", {})

    assert response.status_code == 404
    assert Case.objects.get(pk=case.pk).state == "received"
