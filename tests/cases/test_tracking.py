"""The requester's private tracking page: unguessable link, public events only, withdraw."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from django.utils import timezone

from cases.actors import Actor
from cases.models import Case, CaseEvent
from cases.services import case_note_add, case_transition
from directory.models import CollaborationForm
from notifications.models import OutboxMessage
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

    response = client.post(
        f"/track/{case.token}/withdraw/", {"reason": "Vi löste det själva.", "confirm": "on"}
    )

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
    response = client.post(
        f"/track/{case.token}/withdraw/", {"reason": "", "confirm": "on"}, follow=True
    )

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


def test_tracking_page_shows_what_the_requester_sent(client, directory):
    case = make_case(
        description="Vi vill halvera matsvinnet.\nSärskilt i Sjömarkens skolkök.",
        timeframe="Hösten 2027",
        forms=[CollaborationForm.objects.get(slug="examensarbete")],
    )

    response = client.get(f"/track/{case.token}/")

    request = response.content.decode().split('data-testid="request"')[1]
    assert case.title in request
    assert "Vi vill halvera matsvinnet.<br>Särskilt i Sjömarkens skolkök." in request
    assert "Borås" in request
    assert "Resursåtervinning" in request
    assert "Examensarbete" in request
    assert "Hösten 2027" in request
    assert f'datetime="{timezone.localtime(case.created_at).isoformat()}"' in request


def test_a_long_unbroken_title_is_marked_to_wrap_on_a_phone(client, directory):
    title = "Matsvinnsminskningsprojekt" * 7
    case = make_case(title=title)

    content = client.get(f"/track/{case.token}/").content.decode()

    assert '<link rel="stylesheet" href="/static/css/public.css">' in content
    assert f'<p class="muted user-text">{title}</p>' in content
    assert 'class="request-summary user-text"' in content
    css = (Path(__file__).resolve().parents[2] / "static/css/public.css").read_text()
    assert ".user-text, .user-text * { overflow-wrap: anywhere;" in css


def test_withdraw_without_ticking_the_box_asks_again_and_changes_nothing(client, directory):
    case = make_case()

    response = client.post(f"/track/{case.token}/withdraw/", {"reason": "Vi ångrar oss."})

    assert response.status_code == 200
    content = response.content.decode()
    assert "Kryssa i rutan för att dra tillbaka förfrågan." in content
    assert "Jag vill dra tillbaka förfrågan" in content
    assert "Vi ångrar oss." in content, "the reason typed is kept"
    assert Case.objects.get(pk=case.pk).state == "received"
    assert not OutboxMessage.objects.filter(kind__startswith="withdrawn").exists()


def test_withdraw_link_opens_the_confirm_step_without_withdrawing(client, directory):
    case = make_case()

    response = client.get(f"/track/{case.token}/withdraw/")

    assert response.status_code == 200
    assert 'name="confirm"' in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == "received"
