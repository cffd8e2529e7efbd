"""The first emails: receipt, status update, assignment. Queued with the change, sent after commit."""

from __future__ import annotations

import pytest
from django.core import mail

from cases.actors import Actor
from cases.models import Case
from cases.services import case_submit, case_transition, intake
from notifications.models import OutboxMessage
from notifications.services import message_deliver
from tests.factories import make_case, request_data

XSS = '<script>alert("boo")</script>'


def only(kind: str, **filters) -> OutboxMessage:
    return OutboxMessage.objects.get(kind=kind, **filters)


def delivered(kind: str, **filters):
    """Send the message (a receipt is rendered only then, from the case as it is) and return
    the email as it left: subject, text and HTML."""
    assert message_deliver(message_id=only(kind, **filters).pk) == "sent"
    email = mail.outbox[-1]
    return email.subject, email.body, email.alternatives[0][0]


def test_submission_queues_its_receipt_for_delivery_only_after_commit(
    directory, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        case, _token = case_submit(**request_data())
        assert only("receipt").status == "pending"
        assert callbacks == [], "nothing may be enqueued before the transaction commits"

    assert len(callbacks) == 1
    assert only("receipt").case_id == case.pk


def test_rolled_back_submission_queues_and_sends_nothing(
    directory, django_capture_on_commit_callbacks, mailoutbox, monkeypatch
):
    def allocate_then_fail(*, case_id: int, year: int) -> str:
        raise RuntimeError("the intake's last step failed")

    monkeypatch.setattr(intake, "reference_allocate", allocate_then_fail)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError, match="last step failed"):
            case_submit(**request_data())

    assert callbacks == []
    assert Case.objects.count() == 0
    assert OutboxMessage.objects.count() == 0
    assert mailoutbox == []


def test_receipt_carries_the_reference_and_a_working_private_tracking_link(client, directory):
    case = make_case()

    receipt = only("receipt")
    link = f"http://testserver/track/{case.token}/"
    assert receipt.recipient == case.requester_email
    subject, text, html = delivered("receipt")
    assert case.reference in subject
    assert link in text
    assert f'href="{link}"' in html
    receipt.refresh_from_db()
    assert (receipt.body_text, receipt.body_html, receipt.context) == ("", "", {}), (
        "the token is erased once delivered"
    )
    assert client.get(f"/track/{case.token}/").status_code == 200


def test_receipt_is_in_swedish_by_default_and_english_for_the_english_interface(directory):
    sv = make_case(requester_email="sv@kommun.example")
    en = make_case(requester_email="en@kommun.example", language="en")

    sv_mail = only("receipt", recipient="sv@kommun.example")
    en_mail = only("receipt", recipient="en@kommun.example")
    assert (sv_mail.language, en_mail.language) == ("sv", "en")
    sv_subject, _, sv_html = delivered("receipt", recipient="sv@kommun.example")
    en_subject, _, en_html = delivered("receipt", recipient="en@kommun.example")
    assert en_subject == f"Request received: {en.reference}"
    assert sv_subject == f"Förfrågan mottagen: {sv.reference}"
    assert '<html lang="sv"' in sv_html
    assert '<html lang="en"' in en_html


def test_status_email_tells_the_requester_about_the_assigned_contact(coordinator, contact_a):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)

    status = only("status")
    assert status.recipient == case.requester_email
    assert case.reference in status.subject
    assert contact_a.name in status.body_text
    assert contact_a.email in status.body_text


def test_each_public_step_sends_the_requester_one_status_email(coordinator, contact_a):
    case = make_case(
        steps=("assign_contact", "record_meeting", "start_project", "close"),
        actor=coordinator,
        contact=contact_a,
    )

    statuses = OutboxMessage.objects.filter(kind="status", recipient=case.requester_email)
    assert statuses.count() == 4


def test_decline_email_gives_the_requester_the_reason(coordinator, directory):
    make_case(steps=("decline",), actor=coordinator)

    assert "Ingen forskning inom området." in only("status").body_text


def test_contact_person_gets_an_assignment_email_with_a_link_to_the_case(coordinator, contact_a):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)

    assigned = only("assigned")
    assert assigned.recipient == contact_a.email
    assert case.reference in assigned.subject
    assert f"http://testserver/staff/cases/{case.reference}/" in assigned.body_text


def test_reassignment_emails_the_new_contact_person(coordinator, contact_a, contact_b):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)

    case_transition(
        case=case,
        name="assign_contact",
        actor=Actor.staff(coordinator),
        data={"contact": contact_b.email},
    )

    assert sorted(
        OutboxMessage.objects.filter(kind="assigned").values_list("recipient", flat=True)
    ) == sorted([contact_a.email, contact_b.email])


def test_internal_note_on_a_step_is_not_in_the_requesters_email(coordinator, contact_a):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)

    case_transition(
        case=case,
        name="record_meeting",
        actor=Actor.staff(coordinator),
        data={"date": "2026-01-10", "notes": "Anteckning", "note": "Internt: budgeten är slut"},
    )

    status = OutboxMessage.objects.filter(kind="status").latest("id")
    assert "budgeten" not in status.body_text
    assert "budgeten" not in status.body_html


def test_user_text_is_escaped_in_the_html_part_and_plain_in_the_text_part(coordinator, contact_a):
    make_case(
        steps=("assign_contact",),
        actor=coordinator,
        contact=contact_a,
        requester_name=XSS,
        title=XSS,
        description=XSS,
    )

    _, receipt_text, receipt_html = delivered("receipt")
    assert "<script>" not in receipt_html
    assert "&lt;script&gt;" in receipt_html
    assert XSS in receipt_text
    # The coordinators' "new request" email is also rendered only when sent.
    _, new_text, new_html = delivered("new_request")
    assert "<script>" not in new_html and "&lt;script&gt;" in new_html
    assert XSS in new_text
    for message in OutboxMessage.objects.exclude(kind__in=["receipt", "new_request"]):
        assert "<script>" not in message.body_html, message.kind
        assert "&lt;script&gt;" in message.body_html, message.kind


def test_subject_shows_user_text_as_typed_without_html_entities(coordinator, contact_a):
    make_case(
        steps=("assign_contact",),
        actor=coordinator,
        contact=contact_a,
        title='Skola & "förskola"',
    )

    assert only("assigned").subject.endswith('Skola & "förskola"')


def test_submitting_through_the_form_queues_exactly_one_receipt(client, directory):
    client.post(
        "/requests/new/",
        {
            "municipality": "1490",
            "requester_name": "Eva Ek",
            "requester_role": "Strateg",
            "requester_email": "eva@kommun.example",
            "title": "Fråga",
            "description": "Beskrivning",
            "area_unknown": "on",
            "consent": "on",
        },
    )

    assert OutboxMessage.objects.filter(kind="receipt").count() == 1
    assert only("receipt").recipient == "eva@kommun.example"
