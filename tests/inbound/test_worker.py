"""The periodic fetch in a real Celery worker (periodic queue) against the real IMAP server:
the reply is imported and the staff notification leaves through the same worker's outbox."""

from __future__ import annotations

import time

import pytest
from celery import current_app
from django.conf import settings

from inbound.addresses import reply_address_get, reply_to
from inbound.models import InboundMail, Outcome
from tests.factories import make_case
from tests.inbound.conftest import client_reply

pytestmark = pytest.mark.services


def wait_until(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_the_beat_task_imports_a_reply_in_a_real_worker(
    celery_worker_factory, smtp_sink, imap, directory, coordinator
):
    from conversation.models import Message

    case = make_case()
    imap.append(client_reply(to=reply_to(reply_address_get(case_id=case.pk))))
    celery_worker_factory(
        INBOUND_IMAP_URL=settings.INBOUND_IMAP_URL, MEDIA_ROOT=str(settings.MEDIA_ROOT)
    )

    # As beat sends it: by name, routed to the periodic queue.
    current_app.send_task("inbound.tasks.fetch_mail")

    wait_until(lambda: InboundMail.objects.filter(outcome=Outcome.IMPORTED).exists())
    assert Message.objects.get(case=case).body.startswith("Tack! Vi kan träffas")
    wait_until(lambda: imap.count("INBOX") == 0)
    # The coordinator (nobody is assigned) hears of the reply through the worker's outbox.
    emails = smtp_sink.wait_for(2)  # the receipt and the notice
    assert coordinator.email in {email["To"] for email in emails}
