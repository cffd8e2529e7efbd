"""Every email to the requester is in the case's thread and answers to the case's address."""

from __future__ import annotations

import re

import pytest

from cases.actors import Actor
from cases.services import case_transition
from inbound.models import ReplyAddress
from notifications.models import OutboxMessage
from notifications.services import message_deliver
from tests.factories import make_case

pytestmark = pytest.mark.django_db


def _send_all() -> None:
    for message in OutboxMessage.objects.order_by("pk"):
        assert message_deliver(message_id=message.pk) == "sent"


def test_requester_emails_carry_the_case_reply_address_and_one_thread(
    directory, coordinator, contact_a, smtp_sink, settings
):
    settings.INBOUND_IMAP_URL = "imap://samverka:secret@127.0.0.1:1/INBOX"
    settings.INBOUND_REPLY_DOMAIN = "svar.hb.example"
    case = make_case()
    case_transition(
        case=case,
        name="assign_contact",
        actor=Actor.staff(coordinator),
        data={"contact": contact_a.email},
    )
    make_case(requester_email="olle@alingsas.example")
    _send_all()

    emails = smtp_sink.wait_for(4)  # receipt + status to Eva, assignment to Anna, Olle's receipt
    to_eva = [m for m in emails if m["To"] == "eva.ek@boras.example"]
    to_anna = [m for m in emails if m["To"] == contact_a.email]
    to_olle = [m for m in emails if m["To"] == "olle@alingsas.example"]
    assert len(to_eva) == 2 and len(to_anna) == 1 and len(to_olle) == 1

    token = ReplyAddress.objects.get(case=case).token
    assert re.fullmatch(r"[a-z2-7]{24}", token), "an opaque random token, not the reference"
    for email in to_eva:
        assert email["Reply-To"] == f"svar+{token}@svar.hb.example"
    roots = {email["References"] for email in to_eva}
    assert len(roots) == 1, "one thread per case"
    [root] = roots
    assert re.fullmatch(r"<case-[a-z2-7]{24}@hb\.example>", root)
    assert {email["In-Reply-To"] for email in to_eva} == {root}
    assert len({email["Message-ID"] for email in to_eva}) == 2, "each email its own Message-ID"
    assert root not in {email["Message-ID"] for email in to_eva}

    # Another case: another address and another thread. Staff emails: no reply address.
    assert to_olle[0]["Reply-To"] != to_eva[0]["Reply-To"]
    assert to_olle[0]["References"] != root
    assert to_anna[0]["Reply-To"] is None and to_anna[0]["References"] is None


def test_a_retry_sends_the_same_thread_headers_and_they_are_kept_on_the_row(
    directory, smtp_sink, settings
):
    settings.INBOUND_IMAP_URL = "imap://samverka:secret@127.0.0.1:1/INBOX"
    make_case()
    receipt = OutboxMessage.objects.get(kind="receipt")
    smtp_sink.mode = "tempfail"
    assert message_deliver(message_id=receipt.pk) == "retry"
    receipt.refresh_from_db()
    first = dict(receipt.headers)
    assert first["Reply-To"].startswith("svar+")

    smtp_sink.mode = "ok"
    OutboxMessage.objects.filter(pk=receipt.pk).update(next_attempt_at=receipt.created_at)
    assert message_deliver(message_id=receipt.pk) == "sent"
    [email] = smtp_sink.wait_for(1)
    assert email["Reply-To"] == first["Reply-To"]
    assert email["References"] == first["References"]


def test_with_inbound_mail_off_emails_are_threaded_but_replies_go_to_the_sender(
    directory, smtp_sink, settings
):
    settings.INBOUND_IMAP_URL = ""
    make_case()
    _send_all()
    [email] = smtp_sink.wait_for(1)
    assert email["Reply-To"] is None
    assert email["References"].startswith("<case-")


def test_a_staff_message_to_the_requester_is_in_the_thread_with_the_reply_address(
    directory, coordinator, smtp_sink, settings
):
    from conversation.services import staff_message_send

    settings.INBOUND_IMAP_URL = "imap://samverka:secret@127.0.0.1:1/INBOX"
    case = make_case()
    staff_message_send(case=case, user=coordinator, body="Hej Eva! När passar det att ses?")
    _send_all()

    smtp_sink.wait_for(2)
    # The coordinators are told of the new request too; the thread is the requester's.
    emails = [m for m in smtp_sink.messages if m["To"] == case.requester_email]
    receipt, message = sorted(emails, key=lambda m: "Hej Eva" in str(m))
    token = ReplyAddress.objects.get(case=case).token
    assert message["Reply-To"] == receipt["Reply-To"] == f"svar+{token}@hb.example"
    assert message["References"] == receipt["References"]
    assert message["Message-ID"] != receipt["Message-ID"]
