"""/healthz: database, broker, last beat tick and outbox backlog, as JSON."""

from __future__ import annotations

from django.db import connection
from django.http import JsonResponse

from config.celery import app
from notifications.selectors import outbox_backlog


def healthz(request):
    checks: dict[str, object] = {}
    ok = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
        checks["outbox_backlog"] = outbox_backlog()
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
