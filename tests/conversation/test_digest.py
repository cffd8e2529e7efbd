"""The daily digest follows each staff user's choices for replies, withdrawals, new requests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Notify
from cases.actors import Actor
from cases.services import case_transition
from cases.services.reminders import digests_send
from conversation.models import Channel
from conversation.services import requester_message_add
from notifications.models import OutboxMessage
from tests.factories import make_case

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=STOCKHOLM)


def test_a_contact_who_chose_the_digest_gets_replies_and_withdrawals_there_not_at_once(
    coordinator, contact_a, contact_user_a
):
    contact_user_a.notify_reply = Notify.DIGEST
    contact_user_a.notify_withdrawn = Notify.DIGEST
    contact_user_a.save()
    with time_machine.travel(at(2026, 11, 26, 10), tick=False):
        replied = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
        gone = make_case(
            steps=("assign_contact",), actor=coordinator, contact=contact_a, title="Skolskogen"
        )
        requester_message_add(case=replied, body="Här är svaret", channel=Channel.WEB)
        case_transition(case=gone, name="withdraw", actor=Actor.requester(), data={})
    assert not OutboxMessage.objects.filter(recipient=contact_a.email, kind="reply").exists()
    assert not OutboxMessage.objects.filter(recipient=contact_a.email, kind="withdrawn").exists()

    digests_send(now=at(2026, 11, 27, 8, 15))
    digest = OutboxMessage.objects.get(kind="digest", recipient=contact_a.email)
    assert replied.reference in digest.body_text and gone.reference in digest.body_text
    coordinator_digest = OutboxMessage.objects.get(kind="digest", recipient=coordinator.email)
    assert replied.reference in coordinator_digest.body_text


def test_a_coordinator_who_turned_new_requests_off_gets_a_digest_without_them(
    directory, coordinator
):
    coordinator.notify_new_request = Notify.OFF
    coordinator.save()
    with time_machine.travel(at(2026, 11, 26, 10), tick=False):
        case = make_case(title="Unik rubrik om fjärrvärme")
    assert not OutboxMessage.objects.filter(kind="new_request").exists()
    digests_send(now=at(2026, 11, 27, 8, 15))
    digest = OutboxMessage.objects.get(kind="digest", recipient=coordinator.email)
    assert case.reference not in digest.body_text
