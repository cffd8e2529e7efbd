"""/healthz on real services: it answers within 5 s whatever hangs, tells a failing node (503)
from email that needs a person (200 "warning"), and busy workers do not make beat look dead."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from config.celery import app
from notifications.models import OutboxMessage, OutboxStatus, ScheduledRun
from notifications.queue import deliveries_enqueue
from tests.conftest import ROOT, free_port
from tests.faults import HungListener, closed_port, use_broker, wait_until

pytestmark = pytest.mark.services


@pytest.fixture
def live_db(transactional_db, postgres, redis_url):
    """/healthz checks the database from a thread of its own: it must see committed rows."""
    yield
    use_broker(settings.CELERY_BROKER_URL)


HEALTH_TOKEN = "monitoring-token-for-tests"


@pytest.fixture(autouse=True)
def _health_token(settings):
    settings.HEALTH_TOKEN = HEALTH_TOKEN


def healthz() -> tuple[int, dict, float]:
    """/healthz as monitoring sees it: with the token, so with the figures."""
    started = time.monotonic()
    response = Client().get("/healthz", HTTP_AUTHORIZATION=f"Bearer {HEALTH_TOKEN}")
    return response.status_code, response.json(), time.monotonic() - started


def message(status: str, **fields) -> OutboxMessage:
    now = timezone.now()
    return OutboxMessage.objects.create(
        key=f"health:{OutboxMessage.objects.count()}",
        kind="receipt",
        recipient="eva.ek@boras.example",
        subject="Hej",
        body_text="Hej",
        status=status,
        next_attempt_at=fields.pop("next_attempt_at", now),
        **fields,
    )


def tick(age: timedelta = timedelta(0)) -> None:
    run = ScheduledRun.objects.create(name="outbox_sweep", slot=str(age))
    ScheduledRun.objects.filter(pk=run.pk).update(ran_at=timezone.now() - age)


def test_healthy_node_answers_ok_with_the_outbox_figures(live_db):
    tick()
    message(OutboxStatus.PENDING)

    status, body, _ = healthz()

    assert status == 200
    assert body["status"] == "ok"
    assert body["warnings"] == []
    assert (body["database"], body["broker"], body["beat"]) == ("ok", "ok", "ok")
    assert body["outbox_backlog"] == 1
    assert body["outbox_failed"] == 0
    assert body["outbox_stuck_sending"] == 0


def test_failed_and_stuck_messages_are_a_warning_with_counts_and_the_oldest_age(live_db):
    tick()
    now = timezone.now()
    failed = message(OutboxStatus.FAILED, attempts=1, claimed_at=now, last_error="550")
    OutboxMessage.objects.filter(pk=failed.pk).update(created_at=now - timedelta(hours=2))
    message(OutboxStatus.FAILED, attempts=1, claimed_at=now, last_error="550")
    # A claim not renewed for longer than the claim timeout: its worker died.
    stale = now - timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS + 120)
    message(OutboxStatus.SENDING, attempts=1, claimed_at=stale)
    message(OutboxStatus.PENDING, next_attempt_at=now - timedelta(minutes=30))

    status, body, _ = healthz()

    # Email needs a person, but this web node serves: a load balancer must keep it.
    assert status == 200
    assert body["status"] == "warning"
    assert body["outbox_failed"] == 2
    assert 7190 <= body["outbox_failed_oldest_age_seconds"] <= 7300
    assert body["outbox_stuck_sending"] == 1
    assert body["outbox_stuck_sending_oldest_age_seconds"] >= 120
    assert body["outbox_overdue"] == 1
    assert body["outbox_overdue_oldest_age_seconds"] >= 1790
    assert len(body["warnings"]) == 3
    assert "2 message(s) failed" in body["warnings"][0]
    assert "stuck in sending" in body["warnings"][1]


def test_a_live_send_and_a_retry_in_back_off_are_no_warning(live_db):
    tick()
    now = timezone.now()
    message(OutboxStatus.SENDING, attempts=1, claimed_at=now)
    message(OutboxStatus.PENDING, attempts=2, next_attempt_at=now + timedelta(minutes=20))

    status, body, _ = healthz()

    assert (status, body["status"], body["warnings"]) == (200, "ok", [])
    assert body["outbox_backlog"] == 2


def test_no_periodic_tick_for_five_minutes_is_an_error(live_db):
    tick(age=timedelta(minutes=6))

    status, body, _ = healthz()

    assert status == 503
    assert (body["status"], body["beat"]) == ("error", "stale")
    assert body["beat_last_tick_age_seconds"] >= 360


@pytest.mark.parametrize("broker", ["hung", "closed"])
def test_a_hung_or_refusing_broker_makes_healthz_answer_503_within_five_seconds(live_db, broker):
    tick()
    with HungListener() as hung:
        port = hung.port if broker == "hung" else closed_port()
        use_broker(f"redis://127.0.0.1:{port}/0")

        status, body, elapsed = healthz()

    assert status == 503
    assert body["broker"].startswith("error")
    assert body["database"] == "ok"
    assert elapsed < 5, f"/healthz took {elapsed:.1f} s with the broker {broker}"
    if broker == "hung":
        assert hung.accepted >= 1  # it did reach the listener, which never answered


def _get(url: str, timeout: float) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {HEALTH_TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_hung_database_makes_gunicorn_answer_503_within_five_seconds(redis_url):
    """The production server (config/gunicorn.py, whose workers read the database before
    serving) with DATABASE_URL pointing at a PostgreSQL that accepts and never answers."""
    port = free_port()
    with HungListener() as hung:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{hung.port}/samverka",
            "REDIS_URL": redis_url,
            "DEBUG": "0",
            "SECRET_KEY": "health-test-secret-key-0123456789abcdef",
            "ALLOWED_HOSTS": "127.0.0.1",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_ACCESS_LOG": "",
            "HEALTH_TOKEN": HEALTH_TOKEN,
        }
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "--config", "config/gunicorn.py"]
            + ["config.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            started = time.monotonic()
            # The first answer includes the worker's start (its warm-up gives up on the
            # database after DATABASE_CONNECT_TIMEOUT instead of waiting forever).
            wait_until(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), timeout=30)
            first = time.monotonic() - started

            began = time.monotonic()
            status, body = _get(f"http://127.0.0.1:{port}/healthz", timeout=30)
            elapsed = time.monotonic() - began
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(5)

    assert first < 20, f"the first answer took {first:.1f} s"
    assert status == 503
    assert body["database"].startswith("error")
    assert body["broker"] == "ok"
    assert elapsed < 5, f"/healthz took {elapsed:.1f} s with a hung database"


def _answers(url: str) -> bool:
    try:
        _get(url, timeout=30)
        return True
    except OSError:
        return False


def test_a_delivery_backlog_does_not_delay_the_periodic_tick(
    celery_worker_factory, smtp_sink, live_db
):
    """Deliveries wait in the `celery` queue, the sweep goes to `periodic`: one worker takes
    the sweep after the delivery in hand, not after the whole backlog."""
    smtp_sink.delay = 0.3  # 30 deliveries: about 9 s of work for one process
    now = timezone.now()
    rows = OutboxMessage.objects.bulk_create(
        OutboxMessage(
            key=f"backlog:{i}",
            kind="bench",
            recipient=f"r{i}@kommun.example",
            subject=f"Backlog {i}",
            body_text="Hej",
            next_attempt_at=now,
        )
        for i in range(30)
    )
    for row in rows:  # one task each, as submissions make them
        assert deliveries_enqueue(message_ids=[row.pk]) == [row.pk]
    app.send_task("notifications.tasks.outbox_sweep")
    celery_worker_factory()

    wait_until(lambda: ScheduledRun.objects.filter(name="outbox_sweep").exists(), timeout=30)
    unsent = OutboxMessage.objects.exclude(status=OutboxStatus.SENT).count()

    assert unsent >= 20, f"the sweep ran only when {30 - unsent} of 30 deliveries were done"
    status, body, _ = healthz()
    assert body["beat"] == "ok"
    assert body["outbox_backlog"] >= 1


def test_anonymous_callers_get_the_status_alone_and_staff_or_the_token_the_figures(
    live_db, coordinator
):
    tick()
    message(OutboxStatus.FAILED, attempts=1, claimed_at=timezone.now(), last_error="550")

    anonymous = Client().get("/healthz")
    wrong = Client().get("/healthz", HTTP_AUTHORIZATION="Bearer not-the-token")
    staff = Client()
    staff.force_login(coordinator)

    assert anonymous.status_code == 200
    assert anonymous.json() == {"status": "warning"}
    assert wrong.json() == {"status": "warning"}
    assert staff.get("/healthz").json()["outbox_failed"] == 1
    assert healthz()[1]["outbox_failed"] == 1


# --- The inbound fetch (inbound.FetchStatus, written by every mail_fetch) ---------------------

IMAP_URL = "imap://samverka:secret@127.0.0.1:1/INBOX"
IMAP_LABEL = "samverka@127.0.0.1:1/INBOX"


def fetch_status(success_age: timedelta | None, error: str = "", error_age: timedelta = None):
    from inbound.models import FetchStatus

    now = timezone.now()
    row = FetchStatus.objects.create(
        mailbox=IMAP_LABEL,
        last_success_at=now - success_age if success_age is not None else None,
        last_error=error,
        last_error_at=now - error_age if error_age is not None else None,
    )
    # A mailbox that has been fetched from for an hour.
    FetchStatus.objects.filter(pk=row.pk).update(created_at=now - timedelta(hours=1))


def test_inbound_mail_off_is_reported_as_off_and_is_no_warning(live_db, settings):
    settings.INBOUND_IMAP_URL = ""
    tick()

    status, body, _ = healthz()

    assert (status, body["status"], body["inbound_fetch"]) == (200, "ok", "off")


def test_a_recent_successful_fetch_is_ok_with_its_time_and_the_last_error(live_db, settings):
    settings.INBOUND_IMAP_URL = IMAP_URL
    tick()
    fetch_status(
        timedelta(seconds=30), error="UID FETCH: NO [SERVERBUG]", error_age=timedelta(minutes=3)
    )

    status, body, _ = healthz()

    assert (status, body["status"], body["warnings"]) == (200, "ok", [])
    assert body["inbound_fetch"] == "ok"
    assert 29 <= body["inbound_fetch_last_success_age_seconds"] <= 60
    assert body["inbound_fetch_last_success_at"].startswith(str(timezone.now().year))
    assert body["inbound_fetch_last_error"] == "UID FETCH: NO [SERVERBUG]"
    assert body["inbound_fetch_last_error_age_seconds"] >= 180


def test_no_successful_fetch_for_longer_than_the_threshold_is_stale_a_warning_not_an_error(
    live_db, settings
):
    """Replies wait in the mailbox (nothing is lost): a person should look, the node serves."""
    settings.INBOUND_IMAP_URL = IMAP_URL
    settings.INBOUND_STALE_AFTER_SECONDS = 900
    tick()
    fetch_status(
        timedelta(minutes=20), error="ConnectionRefusedError", error_age=timedelta(seconds=5)
    )

    status, body, _ = healthz()

    assert (status, body["status"], body["inbound_fetch"]) == (200, "warning", "stale")
    assert body["inbound_fetch_last_success_age_seconds"] >= 1200
    [warning] = body["warnings"]
    assert "no successful fetch for" in warning and "ConnectionRefusedError" in warning
    # A load balancer sees the warning only.
    anonymous = Client().get("/healthz")
    assert anonymous.status_code == 200 and anonymous.json() == {"status": "warning"}


def test_a_mailbox_never_fetched_successfully_is_stale_after_the_threshold_too(live_db, settings):
    settings.INBOUND_IMAP_URL = IMAP_URL
    tick()
    fetch_status(None, error="LOGIN: NO [AUTHENTICATIONFAILED]", error_age=timedelta(seconds=5))

    status, body, _ = healthz()

    assert (body["status"], body["inbound_fetch"]) == ("warning", "stale")
    assert body["inbound_fetch_last_success_at"] is None
    assert "AUTHENTICATIONFAILED" in body["warnings"][0]


def test_before_the_first_fetch_the_inbound_fetch_says_so(live_db, settings):
    settings.INBOUND_IMAP_URL = IMAP_URL
    tick()

    status, body, _ = healthz()

    assert (status, body["status"], body["inbound_fetch"]) == (200, "ok", "no fetch yet")
