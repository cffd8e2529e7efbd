"""The scheduled retention job runs in a real Celery worker, once per tick."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from cases.models import Case
from config.celery import app
from notifications.models import ScheduledRun
from privacy.models import RetentionRun
from tests.factories import make_case
from tests.faults import use_broker, wait_until

pytestmark = pytest.mark.services


@pytest.fixture
def live_db(transactional_db, postgres, redis_url, directory):
    use_broker(redis_url)
    yield
    use_broker(settings.CELERY_BROKER_URL)


def test_the_job_anonymises_due_cases_in_a_real_worker_once_per_tick(
    live_db, celery_worker_factory, coordinator
):
    due = make_case(steps=("decline",), actor=coordinator, requester_name="Gammal Avböjd")
    Case.objects.filter(pk=due.pk).update(state_changed_at=timezone.now() - timedelta(days=800))
    fresh = make_case(steps=("decline",), actor=coordinator, requester_name="Ny Avböjd")

    # Two beats (or one beat twice) in the same hour: two tasks for one tick.
    app.send_task("privacy.tasks.apply_retention")
    app.send_task("privacy.tasks.apply_retention")
    # A marker behind them on the same queue: when it has run, both before it have too.
    app.send_task("notifications.tasks.outbox_sweep")
    celery_worker_factory()

    wait_until(lambda: ScheduledRun.objects.filter(name="outbox_sweep").exists(), timeout=60)
    assert RetentionRun.objects.count() == 1
    run = RetentionRun.objects.get()
    assert (run.trigger, run.cases, run.references) == ("job", 1, [due.reference])
    assert Case.objects.get(pk=due.pk).requester_name == ""
    assert Case.objects.get(pk=fresh.pk).requester_name == "Ny Avböjd"
    assert ScheduledRun.objects.filter(name="apply_retention").count() == 1
