"""Withdrawing tells everyone concerned: the requester gets a confirmation, the coordinators and
the assigned contact person a notice. All through the outbox, in the same transaction."""

from __future__ import annotations

from django.core import mail

from cases.actors import Actor
from cases.errors import TransitionNotAllowed
from cases.services import case_transition
from notifications.models import OutboxMessage
from notifications.services import message_deliver
from tests.factories import make_case, make_user


def withdraw_through_the_page(client, case, reason="Vi löste det själva.") -> None:
    response = client.post(f"/track/{case.token}/withdraw/", {"reason": reason, "confirm": "on"})
    assert response.status_code == 302


def sent(recipient: str):
    """Deliver the one withdrawal message to `recipient`; return subject, text and HTML."""
    message = OutboxMessage.objects.get(kind="withdrawn", recipient=recipient)
    assert message_deliver(message_id=message.pk) == "sent"
    email = mail.outbox[-1]
    assert email.to == [recipient]
    return email.subject, email.body, email.alternatives[0][0]


def test_requester_gets_a_swedish_confirmation_and_no_separate_status_email(client, directory):
    case = make_case()

    withdraw_through_the_page(client, case)

    subject, text, html = sent(case.requester_email)
    assert subject == f"Förfrågan återtagen: {case.reference}"
    assert (
        f'Du har dragit tillbaka din samverkansförfrågan {case.reference} "{case.title}".' in text
    )
    assert "Ditt skäl: Vi löste det själva." in text
    assert "går inte att ångra" in text
    assert "http://testserver/requests/new/" in text
    assert "Ditt skäl: Vi löste det själva." in html
    # The requester's own step: the confirmation replaces the generic status email.
    assert not OutboxMessage.objects.filter(kind="status").exists()


def test_requester_who_wrote_in_english_gets_the_confirmation_in_english(client, directory):
    case = make_case(language="en")

    withdraw_through_the_page(client, case, reason="")

    subject, text, _html = sent(case.requester_email)
    assert subject == f"Request withdrawn: {case.reference}"
    assert "You have withdrawn your collaboration request" in text
    assert "Your reason" not in text


def test_every_active_coordinator_is_told_in_swedish_with_the_reason_and_a_link(client, directory):
    first, second = make_user("coordinator"), make_user("coordinator")
    inactive = make_user("coordinator")
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    case = make_case()

    withdraw_through_the_page(client, case)

    for user in (first, second):
        subject, text, html = sent(user.email)
        assert subject == f"Förfrågan återtagen: {case.reference} {case.title}"
        assert f"Eva Ek från Borås har dragit tillbaka förfrågan {case.reference}." in text
        assert "Skäl: Vi löste det själva." in text
        assert f"http://testserver/staff/cases/{case.reference}/" in text
        assert f'href="http://testserver/staff/cases/{case.reference}/"' in html
    assert not OutboxMessage.objects.filter(recipient=inactive.email).exists()


def test_the_assigned_contact_person_is_told_too(client, coordinator, contact_a):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)

    withdraw_through_the_page(client, case, reason="")

    subject, text, _html = sent(contact_a.email)
    assert subject == f"Förfrågan återtagen: {case.reference} {case.title}"
    assert "Skäl: Inget angivet" in text
    recipients = set(
        OutboxMessage.objects.filter(kind="withdrawn").values_list("recipient", flat=True)
    )
    assert recipients == {case.requester_email, coordinator.email, contact_a.email}


def test_without_a_contact_person_only_the_requester_and_coordinators_are_told(
    client, coordinator, directory
):
    case = make_case()

    withdraw_through_the_page(client, case)

    recipients = sorted(
        OutboxMessage.objects.filter(kind="withdrawn").values_list("recipient", flat=True)
    )
    assert recipients == sorted([case.requester_email, coordinator.email])


def test_a_refused_withdrawal_tells_no_one(coordinator, directory):
    case = make_case(steps=("decline",), actor=coordinator)

    try:
        case_transition(case=case, name="withdraw", actor=Actor.requester(), data={})
    except TransitionNotAllowed:
        pass
    else:
        raise AssertionError("a declined case cannot be withdrawn")

    assert not OutboxMessage.objects.filter(kind="withdrawn").exists()


def test_the_notices_are_queued_in_the_withdrawal_and_sent_only_after_commit(
    coordinator, directory, django_capture_on_commit_callbacks
):
    case = make_case()

    with django_capture_on_commit_callbacks() as callbacks:
        case_transition(case=case, name="withdraw", actor=Actor.requester(), data={})
        assert OutboxMessage.objects.filter(kind="withdrawn", status="pending").count() == 2
        assert callbacks == []

    # One publish after the commit carries both (notifications.services._enqueue_after_commit).
    assert len(callbacks) == 1
