"""Inbound email throughput: replies/s imported by one process from a local IMAP server.

`inbound_run(n)` (called by bench/run.py after the delivery runs, on the bench database) starts
a throw-away Dovecot (bench/dovecot.py), APPENDs `n` replies as mail clients write them (quoted
original, "Den … skrev:" header, signature; every tenth with a small PDF) to open cases' reply
addresses, then times one `mail_fetch` in this process (after an untimed warm-up fetch of
WARM_UP replies, as a running worker has done before): IMAP fetch, parse, record, import
(message, timeline, reminder reset, staff notification rows), move. Target: ≥ 50 replies/s.

Alone: `python bench/inbound.py [N]` seeds the bench database as `make bench` does (BENCH_*
variables, e.g. BENCH_CASES=1000), runs only this, and drops the database.
"""

from __future__ import annotations

import imaplib
import os
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.dovecot import Dovecot, available  # noqa: E402

TARGET_PER_S = 50
# Replies fetched before the timed fetch, not counted.
WARM_UP = 10
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _reply(n: int, address: str, sender: str, reference: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = address
    message["Subject"] = f"Re: Vi har tagit emot din förfrågan {reference}"
    message["Message-ID"] = f"<bench-reply-{n}-{time.time_ns()}@kommun.example>"
    message.set_content(
        f"Hej!\n\nTack för svaret. Vi kan träffas nästa vecka, svar nummer {n}.\n\n"
        "-- \nEva Ek\nMiljöstrateg\n\n"
        f"Den 5 dec. 2026 kl. 10:12 skrev Samverka <samverka@hb.example>:\n"
        f"> Hej,\n>\n> Vi har tagit emot din förfrågan ({reference}).\n> Samverka\n"
    )
    if n % 10 == 0:
        message.add_attachment(PDF, maintype="application", subtype="pdf", filename="agenda.pdf")
    return message.as_bytes()


def inbound_run(n: int) -> dict:
    """Needs Django set up on a migrated database with open cases."""
    if not available():
        return {"available": False, "why": "dovecot not installed"}
    from django.db import connection
    from django.test import override_settings

    from cases.models import Case
    from inbound.addresses import reply_address_get, reply_to
    from inbound.services import mail_fetch
    from workflows.models import OPEN_STATES

    cases = list(
        Case.objects.filter(state__in=OPEN_STATES)
        .order_by("-id")
        .values_list("id", "requester_email", "reference")[: max(n // 2, 1)]
    )
    if not cases:
        return {"available": False, "why": "no open cases"}
    server = Dovecot().start()
    media = tempfile.mkdtemp(prefix="bench-inbound-media-")
    try:
        addresses = {pk: reply_to(reply_address_get(case_id=pk)) for pk, _, _ in cases}
        session = imaplib.IMAP4("127.0.0.1", server.port)
        session.login(server.user, server.password)

        def append(numbers: range) -> None:
            for i in numbers:
                pk, email, reference = cases[i % len(cases)]
                session.append("INBOX", "", None, _reply(i, addresses[pk], email, reference))

        with override_settings(
            INBOUND_IMAP_URL=server.url(), INBOUND_BATCH_SIZE=n, MEDIA_ROOT=media
        ):
            # A worker that has fetched before: modules imported, email templates compiled
            # (a first fetch pays about a second and a half for that, once).
            append(range(n, n + WARM_UP))
            warm_up = mail_fetch()
            started = time.monotonic()
            append(range(n))
            append_s = time.monotonic() - started
            session.logout()
            # Counted, not captured: Django's capture keeps only the last 9,000 queries.
            queries = 0

            def count(execute, sql, params, many, context):
                nonlocal queries
                queries += 1
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                started, cpu = time.monotonic(), time.process_time()
                report = mail_fetch()
                seconds, cpu = time.monotonic() - started, time.process_time() - cpu
    finally:
        server.stop()
    imported = report.counts.get("imported", 0)
    return {
        "available": True,
        "replies": n,
        "cases": len(cases),
        "outcomes": dict(report.counts),
        "error": report.error or warm_up.error,
        "warm_up": WARM_UP,
        "append_seconds": round(append_s, 2),
        "seconds": round(seconds, 2),
        "replies_per_s": round(imported / seconds, 1) if seconds else None,
        "target_per_s": TARGET_PER_S,
        # What one reply costs this process, apart from waiting: on a busy machine the wall
        # figure mostly measures the wait for PostgreSQL and Dovecot.
        "cpu_ms_per_reply": round(1000 * cpu / n, 1),
        "queries_per_reply": round(queries / n, 1),
        "load_1m": round(os.getloadavg()[0], 1),
    }


def markdown_line(r: dict) -> str:
    if not r.get("available"):
        return f"- Inbound email: not available ({r.get('why', '')})."
    return (
        f"- Inbound email, one process: {r['replies_per_s']} replies/s "
        f"({r['outcomes'].get('imported', 0)}/{r['replies']} imported in {r['seconds']} s, "
        f"to {r['cases']} cases; from a local Dovecot; {r['cpu_ms_per_reply']} ms CPU and "
        f"{r['queries_per_reply']} queries per reply; load {r['load_1m']}) "
        f"(target ≥ {r['target_per_s']}/s)."
    )


def main() -> None:
    import json

    from bench import run

    n = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("BENCH_INBOUND", "1000"))
    run.database_prepare(run.CASES)
    run.django_setup()
    try:
        result = inbound_run(n)
    finally:
        from django.db import connections

        connections.close_all()
        if not run.KEEP_DB:
            run.database_drop()
    print(json.dumps(result, indent=2))
    print(markdown_line(result))


if __name__ == "__main__":
    main()
