"""Signed links in the assignment email: accept, decline (hand back), "we have met".

The contact person in these tests has no login: the link is the only authority.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from cases.actors import Actor
from cases.models import Case, CaseAssignment, CaseEvent, EventKind
from cases.services import case_transition
from notifications.models import OutboxMessage
from tests.factories import make_case

LINK = re.compile(r"http://testserver(/act/(accept|decline|meet)/[^/\s\"]+/)")


def links_in(message: OutboxMessage) -> dict[str, str]:
    return {purpose: path for path, purpose in LINK.findall(message.body_text)}


def assigned_email(case: Case, contact) -> OutboxMessage:
    return OutboxMessage.objects.filter(
        kind="assigned", case_id=case.pk, recipient=contact.email
    ).latest("id")


@pytest.fixture
def client(client):
    # The site defaults to Swedish; these tests read the English messages.
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def assigned(coordinator, contact_a):
    assert contact_a.user_id is None, "the contact person acts without a login"
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    return case, links_in(assigned_email(case, contact_a))


def snapshot(case: Case) -> tuple:
    stored = Case.objects.get(pk=case.pk)
    return (
        stored.state,
        stored.version,
        stored.contact_id,
        CaseEvent.objects.filter(case=case).count(),
    )


def meeting_data(**overrides) -> dict:
    data = {"date": timezone.localdate().isoformat(), "notes": "Vi träffades i Borås."}
    data.update(overrides)
    return data


def assert_refused(response, status: int, text: str) -> None:
    assert response.status_code == status
    html = response.content.decode()
    assert 'data-testid="link-refused"' in html
    assert text in html


# --- The email --------------------------------------------------------------------------------


def test_assignment_email_carries_the_three_links_in_text_and_html(assigned, contact_a):
    case, links = assigned
    message = assigned_email(case, contact_a)

    assert set(links) == {"accept", "decline", "meet"}
    assert len(set(links.values())) == 3
    for path in links.values():
        assert f'href="http://testserver{path}"' in message.body_html
    assert message.sensitive, "the links speak for the contact: the body is erased once sent"


# --- Valid links --------------------------------------------------------------------------------


def test_get_only_shows_a_confirmation_page_and_changes_nothing(client, assigned):
    case, links = assigned
    before = snapshot(case)

    for path in links.values():
        response = client.get(path)
        assert response.status_code == 200
        assert b'<form method="post"' in response.content
        assert case.reference in response.content.decode()

    assert snapshot(case) == before


def test_accept_link_records_acceptance_on_the_timeline_without_changing_state(
    client, assigned, contact_a
):
    case, links = assigned
    state, version, contact_id, _events = snapshot(case)

    response = client.post(links["accept"])

    assert response.status_code == 200
    assert b'data-testid="link-done"' in response.content
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert event.kind == EventKind.ACCEPTED
    assert event.actor is None
    assert event.actor_label == "contact_link"
    assert event.data["by_contact"] == contact_a.name
    assert snapshot(case)[:3] == (state, version, contact_id)


def test_decline_link_hands_the_case_back_to_the_coordinators_with_the_reason(
    client, assigned, contact_a, coordinator
):
    case, links = assigned
    status_emails = OutboxMessage.objects.filter(kind="status", case_id=case.pk).count()

    response = client.post(links["decline"], {"reason": "Jag är föräldraledig i vår."})

    assert response.status_code == 200
    stored = Case.objects.get(pk=case.pk)
    assert stored.state == "received"
    assert stored.contact is None
    assert not CaseAssignment.objects.filter(case=case, ended_at__isnull=True).exists()
    assert CaseAssignment.objects.filter(case=case, contact=contact_a).exists()
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.kind, event.transition) == (EventKind.TRANSITION, "hand_back")
    assert (event.from_state, event.to_state) == ("contact_assigned", "received")
    assert event.actor_label == "contact_link"
    assert event.data["by_contact"] == contact_a.name
    assert event.data["reason"] == "Jag är föräldraledig i vår."
    assert not event.public
    told = OutboxMessage.objects.get(kind="handed_back", case_id=case.pk)
    assert told.recipient == coordinator.email
    assert "Jag är föräldraledig i vår." in told.body_text
    assert contact_a.name in told.body_text
    assert OutboxMessage.objects.filter(kind="status", case_id=case.pk).count() == status_emails, (
        "handing back is internal: the requester is not told"
    )


def test_decline_link_without_a_reason_shows_the_form_again_and_changes_nothing(client, assigned):
    case, links = assigned
    before = snapshot(case)

    response = client.post(links["decline"], {"reason": "  "})

    assert response.status_code == 400
    assert b'id="error-summary"' in response.content
    assert snapshot(case) == before
    # The link is not spent by a failed attempt.
    assert client.post(links["decline"], {"reason": "Ingen tid."}).status_code == 200


def test_meet_link_records_the_meeting(client, assigned, contact_a):
    case, links = assigned

    response = client.post(links["meet"], meeting_data())

    assert response.status_code == 200
    stored = Case.objects.get(pk=case.pk)
    assert stored.state == "meeting_held"
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert event.transition == "record_meeting"
    assert event.actor_label == "contact_link"
    assert event.data["notes"] == "Vi träffades i Borås."
    assert event.data["by_contact"] == contact_a.name


def test_meet_link_refuses_a_meeting_date_in_the_future(client, assigned):
    case, links = assigned
    before = snapshot(case)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    response = client.post(links["meet"], meeting_data(date=tomorrow))

    assert response.status_code == 400
    assert snapshot(case) == before


def test_accepting_leaves_the_other_links_of_the_email_usable(client, assigned):
    case, links = assigned
    client.post(links["accept"])

    response = client.post(links["meet"], meeting_data())

    assert response.status_code == 200
    assert Case.objects.get(pk=case.pk).state == "meeting_held"


def test_acting_through_a_link_shows_on_the_staff_timeline_with_the_contacts_name(
    client, assigned, contact_a, coordinator
):
    case, links = assigned
    client.post(links["accept"])
    client.post(links["meet"], meeting_data())

    client.force_login(coordinator)
    html = client.get(f"/staff/cases/{case.reference}/").content.decode()

    assert html.count(f"{contact_a.name} (contact person, via email link)") == 2


# --- Refused links ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("purpose", "data"),
    [("accept", {}), ("decline", {"reason": "Ingen tid."}), ("meet", meeting_data())],
)
def test_used_link_shows_a_clear_page_and_changes_nothing(client, assigned, purpose, data):
    case, links = assigned
    assert client.post(links[purpose], data).status_code == 200
    after_first = snapshot(case)

    response = client.post(links[purpose], data)

    assert_refused(response, 410, "already been used")
    assert snapshot(case) == after_first
    assert_refused(client.get(links[purpose]), 410, "already been used")


@pytest.mark.parametrize("purpose", ["accept", "decline", "meet"])
def test_expired_link_shows_a_clear_page_and_changes_nothing(client, assigned, purpose, settings):
    case, links = assigned
    before = snapshot(case)
    later = timezone.now() + dt.timedelta(days=settings.SIGNED_LINK_MAX_AGE_DAYS, minutes=1)

    with time_machine.travel(later, tick=False):
        response = client.post(links[purpose], {"reason": "x", **meeting_data()})

    assert_refused(response, 410, "expired")
    assert snapshot(case) == before


def test_link_still_works_just_before_it_expires(client, assigned, settings):
    case, links = assigned
    later = timezone.now() + dt.timedelta(days=settings.SIGNED_LINK_MAX_AGE_DAYS, minutes=-1)

    with time_machine.travel(later, tick=False):
        assert client.get(links["accept"]).status_code == 200


@pytest.mark.parametrize("purpose", ["accept", "decline", "meet"])
def test_tampered_link_shows_a_clear_page_and_changes_nothing(client, assigned, purpose):
    case, links = assigned
    before = snapshot(case)
    path = links[purpose]
    token = path.rstrip("/").rsplit("/", 1)[1]
    # Flip one character of the payload (the part before the timestamp and signature).
    flipped = ("B" if token[3] != "B" else "C").join((token[:3], token[4:]))

    for tampered in (
        path.replace(token, flipped),
        path.replace(token, token[:-4]),
        "/act/accept/x/",
    ):
        response = client.post(tampered, {"reason": "x", **meeting_data()})
        assert_refused(response, 400, "not valid")
    assert snapshot(case) == before


def test_link_for_one_purpose_is_refused_on_another_purposes_url(client, assigned):
    case, links = assigned
    before = snapshot(case)
    accept_token = links["accept"].rstrip("/").rsplit("/", 1)[1]

    response = client.post(f"/act/meet/{accept_token}/", meeting_data())

    assert_refused(response, 400, "not valid")
    assert snapshot(case) == before


def test_unknown_purpose_is_refused(client, assigned):
    _case, links = assigned
    token = links["accept"].rstrip("/").rsplit("/", 1)[1]

    assert_refused(client.post(f"/act/close/{token}/"), 400, "not valid")


@pytest.mark.parametrize("purpose", ["accept", "decline", "meet"])
def test_links_are_refused_after_the_case_changed_since_the_email(
    client, assigned, coordinator, purpose
):
    case, links = assigned
    # A coordinator records the meeting meanwhile: the version moves on.
    case_transition(
        case=case, name="record_meeting", actor=Actor.staff(coordinator), data=meeting_data()
    )
    before = snapshot(case)

    response = client.post(links[purpose], {"reason": "x", **meeting_data()})

    assert_refused(response, 410, "changed since the email")
    assert snapshot(case) == before


def test_former_contacts_links_are_refused_after_reassignment(
    client, assigned, coordinator, contact_b
):
    case, links = assigned
    case_transition(
        case=case,
        name="assign_contact",
        actor=Actor.staff(coordinator),
        data={"contact": contact_b.email},
    )
    before = snapshot(case)

    assert_refused(client.post(links["accept"]), 410, "already been used")
    assert_refused(client.post(links["decline"], {"reason": "x"}), 410, "already been used")
    assert snapshot(case) == before
    # The new contact's email has links of their own that work.
    new_links = links_in(assigned_email(case, contact_b))
    assert client.post(new_links["accept"]).status_code == 200


def test_refusal_page_is_translated(client, assigned):
    _case, links = assigned
    client.cookies["django_language"] = "sv"
    client.post(links["accept"])

    response = client.post(links["accept"])

    assert response.status_code == 410
    assert '<html lang="sv">' in response.content.decode()
    assert "already been used" not in response.content.decode()
