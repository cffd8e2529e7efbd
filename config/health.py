"""/healthz: can this node serve, and does email need a person? As JSON.

- 503, status "error": the database or the broker did not answer within HEALTH_TIMEOUT_SECONDS,
  or no periodic task (the outbox sweep every 30 s, the reminder scan every minute) has ticked
  for BEAT_STALE_AFTER: beat is down, or nothing consumes the `periodic` queue. A load
  balancer or orchestrator should act on these.
- 200, status "warning" with a `warnings` list: messages failed in the last FAILED_WINDOW,
  messages stuck in "sending" (a dead worker's claim nobody has taken over), messages due for
  longer than OVERDUE_AFTER (no worker delivering, or a long SMTP outage). Email needs a
  person then, not the web node: a 503 would make every load balancer take every node out,
  and the site with them. Alert on the warning (and the figures) instead.
  With inbound mail on (INBOUND_IMAP_URL), a fetch that has not succeeded for
  INBOUND_STALE_AFTER_SECONDS is a warning too (`inbound_fetch: "stale"`, with the last
  success and the last error): replies are waiting in the mailbox, and nothing is lost.
- 200, status "ok" otherwise.

Anonymous callers (a load balancer) get the status alone, with the same HTTP code; the figures
(the outbox backlog, failures, ages) are for signed-in staff, or for monitoring that sends
`Authorization: Bearer <HEALTH_TOKEN>` when that setting is configured.

The checks run in threads of their own with one deadline, so a hung database or broker (one
that accepts connections and never answers) makes the answer late by at most the deadline.
The database check uses a fresh connection, which is also what a new web worker would need.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from inbound.selectors import fetch_health
from notifications.queue import broker_connection
from notifications.selectors import last_beat_tick, outbox_health

HEALTH_TIMEOUT_SECONDS = 4.0
# Lenient next to a publish's fuse: a busy Redis (a snapshot's fork) may pause for a moment.
BROKER_TIMEOUT_SECONDS = 2.0
# Beat sends the sweep every 30 s and the reminder scan every minute; five quiet minutes mean
# beat is not running or no worker consumes the periodic queue.
BEAT_STALE_AFTER = timedelta(minutes=5)
FAILED_WINDOW = timedelta(days=7)
OVERDUE_AFTER = timedelta(minutes=5)


class _Check(threading.Thread):
    def __init__(self, probe: Callable[[], dict[str, Any]]):
        super().__init__(daemon=True)  # a hung probe must not keep the process alive
        self.probe = probe
        self.result: dict[str, Any] | None = None
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            self.result = self.probe()
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            self.error = exc
        finally:
            connections.close_all()  # this thread's own connection, if it opened one


def _age(now: datetime, then: datetime | None) -> int | None:
    return round((now - then).total_seconds()) if then else None


def _database() -> dict[str, Any]:
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    outbox = outbox_health(
        failed_since=now - FAILED_WINDOW,
        stuck_before=now - timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS),
        overdue_before=now - OVERDUE_AFTER,
    )
    return {
        "outbox_backlog": outbox["backlog"],
        "outbox_failed": outbox["failed"],
        "outbox_failed_oldest_age_seconds": _age(now, outbox["failed_oldest"]),
        "outbox_stuck_sending": outbox["stuck"],
        "outbox_stuck_sending_oldest_age_seconds": _age(now, outbox["stuck_oldest"]),
        "outbox_overdue": outbox["overdue"],
        "outbox_overdue_oldest_age_seconds": _age(now, outbox["overdue_oldest"]),
        "beat_last_tick": last_beat_tick(),
        **fetch_health(now=now),
    }


def _broker() -> dict[str, Any]:
    with broker_connection(timeout=BROKER_TIMEOUT_SECONDS) as conn:
        # For Redis this is a round trip (kombu pings on connecting): a hung one times out.
        conn.ensure_connection(max_retries=0)
    return {}


def _warnings(checks: dict[str, Any]) -> list[str]:
    warnings = []
    if checks.get("outbox_failed"):
        warnings.append(
            f"{checks['outbox_failed']} message(s) failed in the last {FAILED_WINDOW.days} days"
        )
    if checks.get("outbox_stuck_sending"):
        warnings.append(
            f"{checks['outbox_stuck_sending']} message(s) stuck in sending (a dead worker's)"
        )
    if checks.get("outbox_overdue"):
        warnings.append(f"{checks['outbox_overdue']} message(s) overdue: is a worker running?")
    if checks.get("inbound_fetch") == "stale":
        age = checks.get("inbound_fetch_last_success_age_seconds")
        since = f"for {age} s" if age is not None else "yet"
        error = checks.get("inbound_fetch_last_error")
        warnings.append(
            f"inbound mail: no successful fetch {since}"
            + (f" (last error: {error})" if error else "")
        )
    return warnings


def healthz(request: HttpRequest) -> JsonResponse:
    database, broker = _Check(_database), _Check(_broker)
    deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
    for check in (database, broker):
        check.start()
    for check in (database, broker):
        check.join(max(0.0, deadline - time.monotonic()))

    checks: dict[str, Any] = {}
    ok = True
    for name, check in (("database", database), ("broker", broker)):
        if check.is_alive():
            checks[name] = f"error: no answer within {HEALTH_TIMEOUT_SECONDS:g} s"
            ok = False
        elif check.error is not None:
            checks[name] = f"error: {type(check.error).__name__}"
            ok = False
        else:
            checks[name] = "ok"
            checks.update(check.result or {})

    if database.result is not None:
        now = timezone.now()
        last_tick = checks.pop("beat_last_tick")
        checks["beat_last_tick_age_seconds"] = _age(now, last_tick)
        if last_tick is None:
            checks["beat"] = "no tick yet"  # a fresh start: beat's first tick is moments away
        elif now - last_tick > BEAT_STALE_AFTER:
            checks["beat"] = "stale"
            ok = False
        else:
            checks["beat"] = "ok"

    warnings = _warnings(checks)
    status = "error" if not ok else "warning" if warnings else "ok"
    body = {"status": status, "warnings": warnings, **checks} if _may_see_details(request) else {}
    return JsonResponse({"status": status, **body}, status=200 if ok else 503)


def _may_see_details(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    token = settings.HEALTH_TOKEN
    sent = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())
