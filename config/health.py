"""/healthz: database, broker, last beat tick and outbox backlog, as JSON."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.http import JsonResponse
from django.utils import timezone

from config.celery import app
from notifications.selectors import last_beat_tick, outbox_backlog

# Beat fires the reminder scan every minute; five quiet minutes mean beat is not running.
BEAT_STALE_AFTER = timedelta(minutes=5)


def healthz(request):
    checks: dict[str, object] = {}
    ok = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
        checks["outbox_backlog"] = outbox_backlog()
        last_tick = last_beat_tick()
        checks["beat_last_tick_age_seconds"] = (
            round((timezone.now() - last_tick).total_seconds()) if last_tick else None
        )
        if last_tick is None:
            checks["beat"] = "no tick yet"  # a fresh start: beat's first tick is a minute away
        elif timezone.now() - last_tick > BEAT_STALE_AFTER:
            checks["beat"] = "stale"
            ok = False
        else:
            checks["beat"] = "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        checks["database"] = f"error: {type(exc).__name__}"
        ok = False
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["broker"] = f"error: {type(exc).__name__}"
        ok = False
    return JsonResponse({"status": "ok" if ok else "error", **checks}, status=200 if ok else 503)
