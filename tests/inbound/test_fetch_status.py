"""Every fetch records how it went (inbound.FetchStatus), which /healthz reports: a real
IMAP server that goes away makes the fetch stale once the threshold has passed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from inbound.mailbox import MailboxConfig
from inbound.models import FetchStatus
from inbound.services import mail_fetch

pytestmark = [pytest.mark.django_db(transaction=True)]


def healthz(settings) -> dict:
    settings.HEALTH_TOKEN = "token-for-tests"
    response = Client().get("/healthz", HTTP_AUTHORIZATION="Bearer token-for-tests")
    return response.json()


def test_fetches_record_success_and_error_and_healthz_calls_a_long_failure_stale(
    imap, settings, postgres, redis_url
):
    settings.INBOUND_STALE_AFTER_SECONDS = 900
    good_url = settings.INBOUND_IMAP_URL
    label = MailboxConfig.from_url(good_url).label

    assert not mail_fetch().error
    status = FetchStatus.objects.get(mailbox=label)
    assert status.last_success_at is not None and status.last_error == ""
    assert healthz(settings)["inbound_fetch"] == "ok"

    # The IMAP server refuses the login (a changed password) for half an hour.
    settings.INBOUND_IMAP_URL = good_url.replace(imap.server.password, "wrong-password")
    with time_machine.travel(timezone.now() + timedelta(minutes=30), tick=False):
        assert "AUTHENTICATIONFAILED" in mail_fetch().error
        body = healthz(settings)
    assert body["inbound_fetch"] == "stale"
    assert "AUTHENTICATIONFAILED" in body["inbound_fetch_last_error"]
    assert body["inbound_fetch_last_success_age_seconds"] >= 1800
    assert any("no successful fetch" in w for w in body["warnings"])

    # Back: the next fetch succeeds and the warning is gone.
    settings.INBOUND_IMAP_URL = good_url
    assert not mail_fetch().error
    body = healthz(settings)
    assert body["inbound_fetch"] == "ok" and body["warnings"] == []
    assert "AUTHENTICATIONFAILED" in body["inbound_fetch_last_error"], "kept, with its age"
