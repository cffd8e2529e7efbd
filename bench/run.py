"""`make bench`: seed a dedicated PostgreSQL database, serve it with gunicorn, drive it with wrk.

Environment (all optional):
  BENCH_CASES (100000)        cases to seed
  BENCH_DURATION (10)         seconds per measured wrk run; BENCH_WARMUP (3) before each
  BENCH_CONNECTIONS (2)       wrk connections (one wrk thread; = gunicorn workers)
  BENCH_PG (postgres://postgres@127.0.0.1:5432)  server; the database is BENCH_DB
  BENCH_DB (samverka_bench)   created, migrated and seeded here; dropped at the end
  BENCH_KEEP_DB=1             keep the database (and reuse it with BENCH_REUSE_DB=1)
  BENCH_REDIS_URL (redis://127.0.0.1:6379/13)   broker; flushed before the delivery run
  BENCH_PORT (8100)           gunicorn; 0 picks a free port
  BENCH_SMTP_PORT (BENCH_PORT+1, or free when BENCH_PORT=0)  the SMTP sink; 0 picks a free port
  BENCH_DELIVERY (2000)       outbox messages per delivery run
  BENCH_DELIVERY_PROCESSES (1,2)  Celery worker processes, one delivery run each ("" for none)
  BENCH_CONTACTS (5000)       contact persons in the seeded directory
  BENCH_INBOUND (1000)        email replies imported from a local Dovecot (bench/inbound.py)
  BENCH_SCENARIOS             comma-separated web scenarios to run (default all; "none")
  BENCH_OUT (bench/results)   where <date>-<cases>.json/.md go

Steps:
1. Drop and create BENCH_DB, `manage.py migrate`, `bench/seed.py`, then the report figures
   as production builds them (`manage.py reports_refresh --full`: the beat task's code).
2. Start an SMTP sink (aiosmtpd) and gunicorn (2 sync workers, DEBUG=0, BENCH_ENDPOINTS=1).
3. Log in as the bench coordinator (urllib) and fetch a CSRF cookie for the public form.
4. Per scenario: wrk warm-up, then a fixed-duration run; requests/s and p50/p95/p99.
   A scenario whose URL or command does not exist yet is reported as "not available".
   The reports (issue 14) are measured for the last full year and all municipalities.
5. Web worker RSS; submissions' references (distinct, no duplicates).
6. In-process (Django test client on the bench database): SQL queries per page, at two page
   sizes / timeline lengths, and EXPLAIN ANALYZE of each page's slowest query.
7. Reminder scan (`send_due_reminders`) with 1% of cases due: wall time, queries, plan.
8. Outbox delivery with 1 and 2 Celery worker processes to the SMTP sink: emails/s, RSS.
8b. Inbound email: replies/s imported by one process from a local Dovecot (bench/inbound.py).
9. Write JSON and Markdown, print the table.
"""

from __future__ import annotations

import base64
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.seed import BENCH_PASSWORD, COORDINATOR_EMAIL  # noqa: E402

CASES = int(os.environ.get("BENCH_CASES", "100000"))
DURATION = float(os.environ.get("BENCH_DURATION", "10"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "3"))
# As many connections as gunicorn workers: both stay busy (throughput is the ceiling) while a
# request never queues behind another, so p50/p95 are service times, not queueing.
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "2"))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DB_NAME = os.environ.get("BENCH_DB", "samverka_bench")
KEEP_DB = os.environ.get("BENCH_KEEP_DB") == "1"
REUSE_DB = os.environ.get("BENCH_REUSE_DB") == "1"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


def _port(name: str, default: int) -> int:
    """A port from the environment; 0 asks the kernel for a free one (tests run side by side)."""
    port = int(os.environ.get(name, str(default)))
    if port:
        return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = _port("BENCH_PORT", 8100)
# With BENCH_PORT=0 the sink gets its own free port: PORT + 1 may be anyone's.
SMTP_PORT = _port("BENCH_SMTP_PORT", 0 if os.environ.get("BENCH_PORT") == "0" else PORT + 1)
DELIVERY = int(os.environ.get("BENCH_DELIVERY", "2000"))
# Comma-separated subset of web scenarios to run (e.g. "ok,submit"); "none" skips them all.
ONLY = {n for n in os.environ.get("BENCH_SCENARIOS", "").split(",") if n}
DELIVERY_PROCESSES = [
    int(n) for n in os.environ.get("BENCH_DELIVERY_PROCESSES", "1,2").split(",") if n.strip()
]
OUT = Path(os.environ.get("BENCH_OUT", ROOT / "bench" / "results"))
BIN = Path(sys.executable).parent
DATABASE_URL = f"{PG}/{DB_NAME}"
BASE = f"http://127.0.0.1:{PORT}"
# Keys of the rows a run writes itself: a reused database keeps those of earlier runs.
RUN_ID = uuid.uuid4().hex[:12]
DEEP_PAGE = 400  # rows 9,976-10,000: far deeper than a person pages, deep enough for OFFSET

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DEBUG": "0",
    "SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "EMAIL_URL": f"smtp://127.0.0.1:{SMTP_PORT}",
    "SITE_URL": BASE,
    "BENCH_ENDPOINTS": "1",
    "LOG_LEVEL": "WARNING",
    # wrk submits thousands of forms a second from one address and one email: the abuse
    # limits (tests/security) are kept on, so their cost is measured, but set out of reach.
    "FORM_SUBMIT_RATE": "100000000/hour",
    "API_SUBMIT_RATE": "100000000/hour",
    "RECEIPTS_PER_ADDRESS_PER_DAY": "100000000",
    "FORM_MIN_FILL_SECONDS": "0",
}
# Targets of issue 6 (at 1,000,000 cases): p95 in ms, queries per request.
P95_TARGET = {
    "inbox": 50, "search": 150, "case": 30, "track": 30, "api_list": 50, "api_detail": 30,
    # Issue 14: each report for one year and all municipalities.
    "report": 300, "public": 300,
}  # fmt: skip
# The reports' year: the last full one (a year of cases in every municipality).
REPORT_YEAR = datetime.now(UTC).year - 1


def log(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


# --- processes ------------------------------------------------------------------------------


def _start(args: list[str], env: dict | None = None, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env={**ENV, **(env or {})},
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        **kwargs,
    )


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _memory_mb(pid: int) -> dict[str, float]:
    """Current (VmRSS) and peak (VmHWM) resident memory of one process, in MB."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = round(int(rest.split()[0]) / 1024, 1)
    except OSError:
        pass
    return {"rss_mb": values.get("VmRSS", 0.0), "peak_rss_mb": values.get("VmHWM", 0.0)}


def _wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def _wait_tcp(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    """Until 127.0.0.1:`port` accepts connections; fails at once if `process` exited (a sink
    that could not bind its port would otherwise fail every delivery, slowly)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


# --- database -------------------------------------------------------------------------------


def _admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def database_exists() -> bool:
    import psycopg

    with psycopg.connect(f"{PG}/postgres") as conn:
        return bool(
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone()
        )


def database_drop() -> None:
    _admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def report_figures_build(*, full: bool) -> dict:
    """The report figures (issue 14), built as production builds them: the beat task's
    function, through `manage.py reports_refresh` (--full: the nightly rebuild)."""
    out = subprocess.run(
        [str(BIN / "python"), "manage.py", "reports_refresh", *(["--full"] if full else [])],
        cwd=ROOT,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    log(f"report figures: {result}")
    return result


def database_prepare(cases: int) -> dict:
    if REUSE_DB and database_exists():
        log(f"reusing database {DB_NAME}")
        subprocess.run([str(BIN / "python"), "manage.py", "migrate", "-v0"], cwd=ROOT, env=ENV)
        figures = report_figures_build(full=False)
        database_settle()
        return {"reused": True, "report_figures": figures}
    database_drop()
    _admin_sql(f'CREATE DATABASE "{DB_NAME}"')
    subprocess.run(
        [str(BIN / "python"), "manage.py", "migrate", "-v0"], cwd=ROOT, env=ENV, check=True
    )
    log(f"seeding {cases:,} cases")
    started = time.monotonic()
    out = subprocess.run(
        [str(BIN / "python"), "bench/seed.py", "--cases", str(cases)],
        cwd=ROOT,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["wall_seconds"] = round(time.monotonic() - started, 1)
    log(f"seeded: {result}")
    result["report_figures"] = report_figures_build(full=True)
    database_settle()
    return result


def database_settle() -> None:
    """VACUUM ANALYZE after the seed and the report figures: otherwise autovacuum works through
    millions of fresh rows while the scenarios are measured (a suspect, not a proven cause: the
    reminder scan took 4.6 s in one run and 10.4 s in the next, with the same 189 queries)."""
    import psycopg

    started = time.monotonic()
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    log(f"VACUUM ANALYZE in {time.monotonic() - started:.0f} s")


# --- HTTP helpers ---------------------------------------------------------------------------


class Browser:
    """urllib with a cookie jar: log in once, hand the cookies to wrk."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(BASE + path, timeout=60) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, ""

    def post(self, path: str, data: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        try:
            with self.opener.open(BASE + path, body, timeout=60) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, ""

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def login(self, email: str, password: str) -> None:
        status, html = self.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        self.post(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": email, "password": password},
        )
        if not self.cookie("sessionid"):
            raise RuntimeError(f"could not log in as {email}")


def wrk(paths: list[str], *, cookie: str = "", method: str = "GET", body: str = "",
        expect: int | None = None, duration: float = DURATION,
        content_type: str = "") -> dict:  # fmt: skip
    env = {**os.environ, "BENCH_PATHS": "|".join(paths), "BENCH_METHOD": method}
    if content_type:
        env["BENCH_CONTENT_TYPE"] = content_type
    if cookie:
        env["BENCH_COOKIE"] = cookie
    if body:
        env["BENCH_BODY"] = body
    if expect:
        env["BENCH_EXPECT"] = str(expect)
    result = {}
    for run, seconds in enumerate((WARMUP, duration)):
        if seconds <= 0:
            continue
        # "{n}" in a body is unique per request within one wrk run; the run's number in front
        # keeps the measured run from repeating the warm-up's values (a registration's email).
        if body:
            env["BENCH_BODY"] = body.replace("{n}", f"r{run}x{{n}}")
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{CONNECTIONS}",
                f"-d{max(seconds, 1):g}s",
                "--timeout",
                "30s",
                "-s",
                str(ROOT / "bench" / "wrk.lua"),
                BASE,
            ],  # fmt: skip
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        result = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    errors = sum(result[k] for k in result if k.startswith("errors_")) + result["unexpected"]
    return {
        "rps": round(result["rps"], 1),
        "p50_ms": round(result["p50_us"] / 1000, 2),
        "p95_ms": round(result["p95_us"] / 1000, 2),
        "p99_ms": round(result["p99_us"] / 1000, 2),
        "requests": result["requests"],
        "errors": errors,
    }


# --- in-process Django (query counts, plans, reminder scan, delivery bookkeeping) -----------


def django_setup() -> None:
    os.environ.update(ENV)
    import django

    django.setup()


def url_exists(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
        return True
    except Resolver404:
        return False


def command_exists(name: str) -> bool:
    from django.core.management import get_commands

    return name in get_commands()


def explain(sql: str, params=None) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def page_queries(client, path: str) -> dict:
    """Queries of one GET, and the plan of its slowest query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)  # warm caches (session, content types) like a steady-state server
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    wall = time.perf_counter() - started
    slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]), default=None)
    # The plan is that of the slowest read: a page's audit INSERT can be the slowest query.
    reads = [q for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    slowest_read = max(reads, key=lambda q: float(q["time"]), default=None)
    plan = explain(slowest_read["sql"]) if slowest_read else ""
    return {
        "status": response.status_code,
        "queries": len(ctx.captured_queries),
        "view_ms": round(wall * 1000, 1),
        "sql_ms": round(sum(float(q["time"]) for q in ctx.captured_queries) * 1000, 1),
        "html_kb": round(len(response.content) / 1024, 1),
        "slowest_ms": round(float(slowest["time"]) * 1000, 1) if slowest else 0,
        "slowest_sql": slowest["sql"][:2000] if slowest else "",
        "plan": plan,
    }


def choose_inputs() -> dict:
    """Real parameters from the seeded data: case references, a municipality, a search word."""
    from cases.models import Case
    from directory.models import Municipality
    from workflows.models import OPEN_STATES

    open_refs = list(
        Case.objects.filter(state__in=OPEN_STATES)
        .order_by("?")
        .values_list("reference", flat=True)[:15]
    )
    any_refs = list(Case.objects.order_by("?").values_list("reference", flat=True)[:10])
    long_refs = list(
        Case.objects.raw(
            "SELECT c.id, c.reference FROM cases_case c JOIN cases_caseevent e ON e.case_id = c.id"
            " GROUP BY c.id HAVING count(*) > 25 LIMIT 5"
        )
    )
    short_ref = (
        Case.objects.filter(state="received").values_list("reference", flat=True).first()
        or any_refs[0]
    )
    muni = Municipality.objects.get(code="1490")
    return {
        "case_refs": open_refs + any_refs + [c.reference for c in long_refs],
        "short_ref": short_ref,
        "long_ref": long_refs[0].reference if long_refs else short_ref,
        "municipality": muni.code,
        "search_word": "Björktorp",  # a place name: ~1 case in 320
        "search_broad": "matsvinn",  # a topic word: matches ~half of all cases
        "search_ref": any_refs[0],
    }


def api_paths(browser: Browser, inputs: dict) -> dict:
    """API list, a deep cursor and a detail path, if the API exists."""
    if not url_exists("/api/v1/cases/"):
        return {}
    status, body = browser.get("/api/v1/cases/")
    if status != 200:
        return {"error": f"GET /api/v1/cases/ answered {status}"}
    data = json.loads(body)
    paths = {"list": "/api/v1/cases/"}
    ref = inputs["case_refs"][0]
    for candidate in (f"/api/v1/cases/{ref}/", f"/api/v1/cases/{ref}"):
        if browser.get(candidate)[0] == 200:
            paths["detail"] = candidate
            break
    nxt = data.get("next") if isinstance(data, dict) else None
    if nxt:
        paths["deep"] = _deep_cursor(nxt, browser)
    return paths


def _deep_cursor(next_url: str, browser: Browser) -> str:
    """A cursor ~90% down the list: rewrite DRF's position, or follow `next` 40 times."""
    from cases.models import Case
    from workflows.models import OPEN_STATES

    parsed = urllib.parse.urlparse(next_url)
    query = urllib.parse.parse_qs(parsed.query)
    cursor = query.get("cursor", [""])[0]
    try:
        decoded = urllib.parse.parse_qs(base64.b64decode(cursor.encode()).decode())
        position = decoded["p"][0]
        # Replace the position by a created_at deep in the open cases (same text format).
        total = Case.objects.filter(state__in=OPEN_STATES).count()
        deep = (
            Case.objects.filter(state__in=OPEN_STATES)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[int(total * 0.9)]
        )
        if re.match(r"\d{4}-\d\d-\d\d", position):
            decoded["p"] = [str(deep)]
            decoded.pop("o", None)
            encoded = base64.b64encode(urllib.parse.urlencode(decoded, doseq=True).encode())
            query["cursor"] = [encoded.decode()]
            return parsed.path + "?" + urllib.parse.urlencode(query, doseq=True)
    except (ValueError, KeyError, IndexError):
        pass
    path = parsed.path + "?" + parsed.query
    for _ in range(40):
        status, body = browser.get(path)
        nxt = json.loads(body).get("next") if status == 200 else None
        if not nxt:
            break
        p = urllib.parse.urlparse(nxt)
        path = p.path + "?" + p.query
    return path


def query_counts(inputs: dict, api: dict) -> dict:
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=COORDINATOR_EMAIL))
    q = urllib.parse.quote(inputs["search_word"])
    pages = {
        "inbox_default": "/staff/",
        "inbox_filtered": f"/staff/?municipality={inputs['municipality']}&state=received",
        "inbox_search": f"/staff/?q={q}",
        "inbox_deep": f"/staff/?page={DEEP_PAGE}",
        "case_page_short": f"/staff/cases/{inputs['short_ref']}/",
        "case_page_long": f"/staff/cases/{inputs['long_ref']}/",
    }
    if inputs.get("conversation_ref"):
        pages["case_conversation"] = f"/staff/cases/{inputs['conversation_ref']}/"
        pages["track_conversation"] = f"/track/{inputs['conversation_token']}/"
    for key in ("list", "detail", "deep"):
        if key in api:
            pages[f"api_{key}"] = api[key]
    results = {name: page_queries(client, path) for name, path in pages.items()}
    with override_settings(INBOX_PAGE_SIZE=settings.INBOX_PAGE_SIZE * 4):
        big = page_queries(client, "/staff/")
    results["inbox_default"]["queries_at_4x_page_size"] = big["queries"]
    results["submit"] = submit_queries()
    return results


def submit_queries() -> dict:
    """Queries and time of one public submission (form POST, urlencoded as wrk sends it)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def post(n: str):
        body = urllib.parse.urlencode(SUBMISSION).replace("NNN", n)
        return Client().post(
            "/requests/new/", body, content_type="application/x-www-form-urlencoded"
        )

    post("warm-up")  # like a steady-state server: translations, templates, connection
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        response = post("measured")
    wall = time.perf_counter() - started
    return {
        "status": response.status_code,
        "queries": len(ctx.captured_queries),
        "view_ms": round(wall * 1000, 1),
        "sql_ms": round(sum(float(q["time"]) for q in ctx.captured_queries) * 1000, 1),
        "sql": [q["sql"][:200] for q in ctx.captured_queries],
    }


def submissions_check(since_id: int) -> dict:
    from django.db.models import Count

    from cases.models import Case

    new = Case.objects.filter(pk__gt=since_id)
    agg = new.aggregate(n=Count("id"), distinct=Count("reference", distinct=True))
    return {"created": agg["n"], "distinct_references": agg["distinct"]}


def reminder_scan() -> dict:
    if not command_exists("send_due_reminders"):
        return {"available": False}
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cases.models import Case

    now = timezone.now()
    try:
        # The scan sends nothing outside office hours: measure it at the next office moment
        # (within the 4 days before the seeded non-due cases fall due, so still 1% are due).
        from workflows.calendar import next_office_time

        now = next_office_time(now)
    except ImportError:
        pass
    due = (
        Case.objects.filter(next_reminder_at__lte=now).count()
        if hasattr(Case, "next_reminder_at")
        else None
    )
    started = time.monotonic()
    with CaptureQueriesContext(connection) as ctx:
        call_command(
            "send_due_reminders",
            now=now.isoformat(timespec="seconds"),
            stdout=open(os.devnull, "w"),  # noqa: SIM115
        )
    seconds = time.monotonic() - started
    selects = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT") and '"cases_case"' in q["sql"]
    ]
    plan = ""
    if selects:
        with connection.cursor() as cursor:
            sql = selects[0].replace("SKIP LOCKED", "")
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
    from notifications.models import OutboxMessage

    return {
        "available": True,
        "due_cases": due,
        "evaluated_at": now.isoformat(timespec="seconds"),
        "seconds": round(seconds, 2),
        "queries": len(ctx.captured_queries),
        "reminder_messages": OutboxMessage.objects.filter(kind__icontains="remind").count(),
        "selection_uses_index": "Index" in plan,
        "plan": plan,
    }


def delivery(processes: int, run: int) -> dict:
    """Queue DELIVERY outbox rows, start one Celery worker with `processes` children."""
    import redis
    from django.utils import timezone

    from config.celery import app
    from notifications.models import OutboxMessage, OutboxStatus
    from notifications.tasks import deliver_message

    redis.Redis.from_url(REDIS_URL).flushdb()
    now = timezone.now()
    body = "Hej!\n\n" + "Det här är ett meddelande från Samverka. " * 25
    rows = OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                key=f"bench-delivery:{RUN_ID}:{run}:{i}",
                kind="bench",
                recipient=f"mottagare{i}@kommun.example",
                subject=f"Samverka bench {run}/{i}",
                body_text=body,
                body_html=f"<p>{body}</p>",
                next_attempt_at=now,
            )
            for i in range(DELIVERY)
        ],
        batch_size=1000,
    )
    ids = [r.pk for r in rows]
    queues = _queues()
    worker = _start(
        [
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            f"--concurrency={processes}",
            "--pool=prefork",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            ",".join(queues),
            "-n",
            f"bench{run}@%h",
        ],  # fmt: skip
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5) and time.monotonic() < deadline:
            time.sleep(0.2)
        started = time.monotonic()
        for pk in ids:
            deliver_message.apply_async((pk,))
        pending = OutboxMessage.objects.filter(pk__in=ids).exclude(status=OutboxStatus.SENT)
        deadline = time.monotonic() + max(120, DELIVERY / 10)
        while pending.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        seconds = time.monotonic() - started
        sent = OutboxMessage.objects.filter(pk__in=ids, status=OutboxStatus.SENT).count()
        memory = [_memory_mb(pid) for pid in _children(worker.pid)] or [{"peak_rss_mb": 0}]
        return {
            "processes": processes,
            "messages": DELIVERY,
            "sent": sent,
            "seconds": round(seconds, 2),
            "emails_per_s": round(sent / seconds, 1),
            "worker_peak_rss_mb": max(m["peak_rss_mb"] for m in memory),
            "worker_main_rss_mb": _memory_mb(worker.pid)["peak_rss_mb"],
        }
    finally:
        _stop(worker)


def _queues() -> list[str]:
    """Every queue the task routes name, so the worker consumes deliveries wherever routed."""
    from django.conf import settings

    queues = {getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")}
    routes = getattr(settings, "CELERY_TASK_ROUTES", None) or {}
    if isinstance(routes, dict):
        for route in routes.values():
            if isinstance(route, dict) and route.get("queue"):
                queues.add(route["queue"])
    return sorted(queues)


# --- the run --------------------------------------------------------------------------------


# The public request form as the submission scenario posts it; NNN is made unique per request.
SUBMISSION = {
    "municipality": "1490",
    "requester_name": "Eva Bench",
    "requester_role": "Miljöstrateg",
    "requester_email": "eva.NNN@kommun.example",
    "title": "Matsvinn i skolköken NNN",
    "description": "Vi vill halvera matsvinnet i kommunens skolkök. " * 5,
    "areas": "resursatervinning",
    "consent": "on",
}


# The activity registration scenario: every POST registers a new address for one activity of
# ACTIVITY_CAPACITY seats (the rest join the waiting list); afterwards the confirmed count must
# equal the capacity exactly (or the number of registrations, if fewer).
ACTIVITY_CAPACITY = int(os.environ.get("BENCH_ACTIVITY_CAPACITY", "100"))
REGISTRATION = {
    "name": "Per Bench",
    "email": "per.NNN@kommun.example",
    "municipality": "1490",
    "role": "Handläggare",
    "join_waiting_list": "on",
    "consent": "on",
}
# The same through the API (JSON, no CSRF, no session), on an activity of its own.
REGISTRATION_API = json.dumps(
    {
        "name": "Pia Bench",
        "email": "pia.NNN@kommun.example",
        "municipality": "1490",
        "role": "Handläggare",
        "join_waiting_list": True,
        "consent": True,
    }
)


def activity_prepare(title: str = "Bench seminar") -> int | None:
    """One published activity for a registration scenario (None without the app)."""
    from django.apps import apps

    if not apps.is_installed("activities"):
        return None
    from datetime import timedelta

    from django.utils import timezone

    from activities.models import Activity

    starts = timezone.now() + timedelta(days=30)
    return Activity.objects.create(
        kind="seminar", title=title, starts_at=starts, ends_at=starts + timedelta(hours=2),
        capacity=ACTIVITY_CAPACITY, registration_deadline=starts - timedelta(days=1),
        published=True,
    ).pk  # fmt: skip


def activity_check(activity_id: int | None) -> dict:
    if activity_id is None:
        return {"available": False}
    from django.db.models import Count, Q

    from activities.models import Registration

    # One snapshot (a request still in flight when wrk stopped may commit between two counts).
    counts = Registration.objects.filter(activity_id=activity_id).aggregate(
        total=Count("pk"), confirmed=Count("pk", filter=Q(status="confirmed"))
    )
    total, confirmed = counts["total"], counts["confirmed"]
    return {
        "available": True,
        "registrations": total,
        "confirmed": confirmed,
        "capacity": ACTIVITY_CAPACITY,
        "confirmed_ok": confirmed == min(total, ACTIVITY_CAPACITY),
    }


def scenarios(browser: Browser, csrf: str, inputs: dict, api: dict) -> list[tuple]:
    session = f"sessionid={browser.cookie('sessionid')}"
    q = urllib.parse.quote(inputs["search_word"])
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, **SUBMISSION})
    form = form.replace("NNN", "{n}")
    out = [
        ("ok", "bare view /bench/ok (ceiling)", ["/bench/ok"], {}),
        ("submit", "public submission (POST + CSRF)", ["/requests/new/"],
         {"method": "POST", "body": form, "cookie": f"csrftoken={csrf}", "expect": 302}),
        ("inbox_default", "inbox, open cases, page 1", ["/staff/"], {"cookie": session}),
        ("inbox_filtered", "inbox, municipality + state, saved views, next-due order",
         [f"/staff/?municipality={inputs['municipality']}&state=received",
          f"/staff/?municipality={inputs['municipality']}&state=contact_assigned",
          "/staff/?view=new", "/staff/?view=waiting", "/staff/?view=open&sort=due"],
         {"cookie": session}),
        ("inbox_search", "inbox, free-text search (place, topic word, reference)",
         [f"/staff/?q={q}", f"/staff/?q={urllib.parse.quote(inputs['search_broad'])}",
          f"/staff/?q={urllib.parse.quote(inputs['search_ref'])}"],
         {"cookie": session}),
        ("inbox_deep", f"inbox, page {DEEP_PAGE}", [f"/staff/?page={DEEP_PAGE}"],
         {"cookie": session}),
        ("case_page", "case page (HTML)",
         [f"/staff/cases/{ref}/" for ref in inputs["case_refs"]], {"cookie": session}),
    ]  # fmt: skip
    conv_ref, conv_token = inputs.get("conversation_ref"), inputs.get("conversation_token")
    out += [
        ("case_conversation", "case page, 50-message conversation",
         [f"/staff/cases/{conv_ref}/"] if conv_ref else None, {"cookie": session}),
        ("track_conversation", "tracking page, 50-message conversation",
         [f"/track/{conv_token}/"] if conv_token else None, {}),
    ]  # fmt: skip
    for key, label in (
        ("detail", "API case detail"),
        ("list", "API list, first page"),
        ("deep", "API list, deep cursor"),
    ):
        if key in api:
            out.append((f"api_{key}", label, [api[key]], {"cookie": session}))
        else:
            out.append((f"api_{key}", label, None, {}))
    activity = inputs.get("activity_id")
    register = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, **REGISTRATION})
    out.append((
        "activity_register", "activity registration (POST + CSRF, row lock on the activity)",
        [f"/activities/{activity}/"] if activity else None,
        {"method": "POST", "body": register.replace("NNN", "{n}"),
         "cookie": f"csrftoken={csrf}", "expect": 302},
    ))  # fmt: skip
    api_activity = inputs.get("activity_api_id")
    out.append((
        "activity_register_api", "activity registration, API (JSON POST, row lock)",
        [f"/api/v1/activities/{api_activity}/registrations/"] if api_activity else None,
        {"method": "POST", "body": REGISTRATION_API.replace("NNN", "{n}"),
         "content_type": "application/json", "expect": 201},
    ))  # fmt: skip
    year = f"period=year&year={REPORT_YEAR}"
    out += [
        ("report_funnel", "report API: funnel, one year, all municipalities",
         [f"/api/v1/reports/funnel/?{year}"], {"cookie": session}),
        ("report_lead_times", "report API: lead times, one year, all municipalities",
         [f"/api/v1/reports/lead-times/?{year}"], {"cookie": session}),
        ("report_municipalities", "report API: per municipality, one year",
         [f"/api/v1/reports/municipalities/?{year}"], {"cookie": session}),
        ("report_charts", "report charts (SVG: funnel, endings, lead times, trend, "
         "municipalities, areas, load), one year",
         [f"/staff/reports/{name}.svg?{year}" for name in REPORT_CHARTS], {"cookie": session}),
        ("report_page", "reports page (all seven reports, HTML), one year",
         [f"/staff/reports/?{year}"], {"cookie": session}),
        ("public_figures", "public figures page (Samverkan i siffror), one year",
         [f"/siffror/?year={REPORT_YEAR}"], {}),
    ]  # fmt: skip
    return out


REPORT_CHARTS = ("funnel", "endings", "lead-times", "trend", "municipalities", "areas", "load")


def main() -> dict:
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    started_at = datetime.now(UTC)
    results: dict = {
        "date": started_at.isoformat(timespec="seconds"),
        "cases": CASES,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "settings": {
            "duration_s": DURATION,
            "warmup_s": WARMUP,
            "connections": CONNECTIONS,
            "gunicorn_workers": 2,
        },  # fmt: skip
    }
    results["seed"] = database_prepare(CASES)
    django_setup()
    from cases.models import Case

    sink = gunicorn = None
    try:
        sink = _start(
            [str(BIN / "python"), str(ROOT / "bench" / "smtp_sink.py"), str(SMTP_PORT)],
            stderr=subprocess.DEVNULL,
        )
        _wait_tcp(SMTP_PORT, sink)
        gunicorn = _start(
            [
                str(BIN / "gunicorn"),
                "--config",
                str(ROOT / "config" / "gunicorn.py"),
                "config.wsgi",
                "--log-level",
                "warning",
            ],  # fmt: skip
            env={
                "GUNICORN_BIND": f"127.0.0.1:{PORT}",
                "GUNICORN_WORKERS": "2",
                "GUNICORN_ACCESS_LOG": "",
            },
        )
        _wait_http(BASE + "/bench/ok")
        browser = Browser()
        browser.login(COORDINATOR_EMAIL, BENCH_PASSWORD)
        public = Browser()
        public.get("/requests/new/")
        csrf = public.cookie("csrftoken")
        inputs = choose_inputs()
        from bench.conversation import conversation_prepare

        inputs.update(conversation_prepare())  # a 50-message conversation (issue 11)
        inputs["activity_id"] = activity_prepare()
        inputs["activity_api_id"] = activity_prepare("Bench seminar (API)")
        api = api_paths(browser, inputs)
        results["inputs"] = inputs | {"api": api}
        last_id = Case.objects.order_by("-id").values_list("id", flat=True).first() or 0

        web = {}
        all_scenarios = scenarios(browser, csrf, inputs, api)
        # Prime both gunicorn workers (lazy imports, first connections) before any timing.
        for name, _, paths, _ in all_scenarios:
            if ONLY and name not in ONLY:
                continue
            for path in (paths or [])[:1] * 3:
                browser.get(path if not path.startswith("/requests/") else "/requests/new/")
        for name, label, paths, options in all_scenarios:
            if ONLY and name not in ONLY and name != "ok":
                continue
            if paths is None:
                web[name] = {"label": label, "available": False}
                log(f"{name}: not available")
                continue
            web[name] = {"label": label, "available": True, **wrk(paths, **options)}
            # Other work on the machine skews every figure: keep the 1-minute load with it.
            web[name]["load_1m"] = round(os.getloadavg()[0], 1)
            log(f"{name}: {web[name]}")
        ceiling = web["ok"]["rps"] or 1
        for row in web.values():
            if row.get("available"):
                row["pct_of_ceiling"] = round(100 * row["rps"] / ceiling, 1)
        results["web"] = web
        results["submissions"] = submissions_check(last_id)
        # Exactly `capacity` confirmed (the rest waiting), counted after the run.
        for name, key, activity_id in (
            ("activity_register", "activity_registrations", inputs["activity_id"]),
            ("activity_register_api", "activity_registrations_api", inputs["activity_api_id"]),
        ):
            results[key] = activity_check(activity_id)
            if web.get(name, {}).get("available"):
                web[name]["confirmed_ok"] = results[key]["confirmed_ok"]
        workers = _children(gunicorn.pid)
        results["web_worker_memory"] = [_memory_mb(pid) for pid in workers]
        _stop(gunicorn)
        gunicorn = None

        log("query counts and plans (in-process)")
        results["queries"] = query_counts(inputs, api)
        log("reminder scan")
        results["reminders"] = reminder_scan()
        log("outbox delivery")
        results["delivery"] = [delivery(n, run) for run, n in enumerate(DELIVERY_PROCESSES, 1)]
        log("inbound email")
        from bench.inbound import inbound_run

        results["inbound"] = inbound_run(int(os.environ.get("BENCH_INBOUND", "1000")))
    finally:
        _stop(gunicorn)
        _stop(sink)
        from django.db import connections

        connections.close_all()
        if not KEEP_DB:
            database_drop()
    write(results, started_at)
    return results


def _ms(value) -> str:
    return f"{value:.1f}" if isinstance(value, int | float) else "–"


def markdown(r: dict) -> str:
    web, queries = r["web"], r["queries"]
    query_of = {
        "submit": "submit",
        "inbox_default": "inbox_default",
        "inbox_filtered": "inbox_filtered",
        "inbox_search": "inbox_search",
        "inbox_deep": "inbox_deep",
        "case_page": "case_page_short",
        "case_conversation": "case_conversation",
        "track_conversation": "track_conversation",
        "api_list": "api_list",
        "api_detail": "api_detail",
        "api_deep": "api_deep",
    }
    target_of = {
        "ok": "ceiling",
        "submit": "≥ 10% of ceiling, 0 errors",
        "inbox_default": "p95 ≤ 50 ms",
        "inbox_filtered": "p95 ≤ 50 ms",
        "inbox_search": "p95 ≤ 150 ms",
        "inbox_deep": "p95 ≤ 50 ms",
        "case_page": "p95 ≤ 30 ms, ≤ 10 queries",
        "case_conversation": "p95 ≤ 30 ms",
        "track_conversation": "p95 ≤ 30 ms",
        "api_detail": "p95 ≤ 30 ms, ≤ 10 queries",
        "api_list": "p95 ≤ 50 ms",
        "api_deep": "p95 ≤ 50 ms",
        "activity_register": "0 errors, confirmed = capacity",
        "activity_register_api": "0 errors, confirmed = capacity",
        **{name: "p95 ≤ 300 ms" for name in (
            "report_funnel", "report_lead_times", "report_municipalities", "report_charts",
            "report_page", "public_figures")},
    }  # fmt: skip
    lines = [
        f"Samverka bench, {r['cases']:,} cases, {r['date']}, `make bench BENCH_CASES={r['cases']}` "
        f"({r['machine']['cpus']} CPUs; gunicorn 2 sync workers; wrk 1 thread, "
        f"{r['settings']['connections']} connections, {r['settings']['duration_s']:g} s runs "
        f"after {r['settings']['warmup_s']:g} s warm-up)",
        "",
        "| Scenario | req/s | % of bare | p50 ms | p95 ms | p99 ms | errors | SQL/req | "
        "SQL ms / view ms (1 req, in-process) | load | target | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, row in web.items():
        if not row.get("available"):
            lines.append(
                f"| {row['label']} | not available | | | | | | | | | {target_of[name]} | |"
            )
            continue
        page = queries.get(query_of.get(name, ""), {})
        q = page.get("queries", "")
        split = f"{page['sql_ms']:.0f} / {page['view_ms']:.0f}" if page else ""
        lines.append(
            f"| {row['label']} | {row['rps']:.0f} | {row['pct_of_ceiling']:.0f}% | "
            f"{_ms(row['p50_ms'])} | {_ms(row['p95_ms'])} | {_ms(row['p99_ms'])} | "
            f"{row['errors']} | {q} | {split} | {row['load_1m']} | {target_of[name]} | "
            f"{_met(name, row, q, web)} |"
        )
    s = r["submissions"]
    lines += ["", f"- Submissions under load: {s['created']:,} cases created, "
              f"{s['distinct_references']:,} distinct references "
              f"({s['created'] - s['distinct_references']} duplicates)."]  # fmt: skip
    for key, how in (("activity_registrations", "form"), ("activity_registrations_api", "API")):
        a = r.get(key, {})
        if a.get("available"):
            lines.append(
                f"- Activity registrations under load ({how}): {a['registrations']:,} registered, "
                f"{a['confirmed']} confirmed for {a['capacity']} seats "
                f"(equal: {a['confirmed_ok']})."
            )
    q = queries
    lines.append(
        f"- SQL/req and SQL/view ms of the case page are for an unassigned case (the heaviest: "
        f"assignment form); queries per request: inbox {q['inbox_default']['queries']} at page size 25, "
        f"{q['inbox_default']['queries_at_4x_page_size']} at 100; case page "
        f"{q['case_page_short']['queries']} (short timeline) vs "
        f"{q['case_page_long']['queries']} (30+ events)."
    )
    rem = r["reminders"]
    if rem.get("available"):
        lines.append(
            f"- Reminder scan: {rem['due_cases']} cases due, {rem['seconds']} s, "
            f"{rem['queries']} queries, selection uses an index: {rem['selection_uses_index']} "
            f"(target ≤ 5 s for 10,000 due)."
        )
    else:
        lines.append("- Reminder scan: not available (`send_due_reminders` does not exist).")
    for d in r["delivery"]:
        lines.append(
            f"- Outbox delivery, {d['processes']} worker process(es): {d['emails_per_s']} emails/s "
            f"({d['sent']}/{d['messages']} in {d['seconds']} s; worker peak RSS "
            f"{d['worker_peak_rss_mb']} MB) (target ≥ 100/s with 2)."
        )
    if "inbound" in r:
        from bench.inbound import markdown_line

        lines.append(markdown_line(r["inbound"]))
    memory = r["web_worker_memory"]
    if memory:
        lines.append(
            f"- Web worker RSS after the run: {max(m['rss_mb'] for m in memory)} MB "
            f"(peak {max(m['peak_rss_mb'] for m in memory)} MB) (target ≤ 150 MB)."
        )
    seed = r["seed"]
    figures = seed.get("report_figures")
    if figures:
        lines.append(
            f"- Report figures ({'full rebuild' if figures['full'] else 'incremental'}, the beat "
            f"task's code): {figures['case_facts']:,} case facts, {figures['daily_rows']:,} daily "
            f"rows, {figures['lead_time_rows']:,} lead-time rows in {figures['seconds']} s."
        )
    if "seconds" in seed:
        lines.append(
            f"- Seed: {seed['cases']:,} cases, {seed['events']:,} events, "
            f"{seed['outbox']:,} outbox rows, {seed['contacts']:,} contact persons in "
            f"{seed['wall_seconds']} s (COPY; migrate not included)."
        )
    return "\n".join(lines) + "\n"


def _met(name: str, row: dict, queries, web: dict) -> str:
    if name == "ok":
        return ""
    if name == "submit":
        ok = row["rps"] >= 0.1 * web["ok"]["rps"] and row["errors"] == 0
    elif name in ("activity_register", "activity_register_api"):
        ok = row["errors"] == 0 and bool(row.get("confirmed_ok"))
    else:
        key = "search" if name == "inbox_search" else name.split("_")[0]
        key = {"api": "api_detail" if name == "api_detail" else "api_list"}.get(key, key)
        ok = row["p95_ms"] <= P95_TARGET[key]
        if name in ("case_page", "api_detail") and isinstance(queries, int):
            ok = ok and queries <= 10
    return "yes" if ok else "**no**"


def write(results: dict, started_at: datetime) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    stem = f"{started_at:%Y-%m-%d}-{results['cases']}"
    table = markdown(results)
    (OUT / f"{stem}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    (OUT / f"{stem}.md").write_text(table)
    print(table)
    print(f"Written: {OUT / stem}.json and .md")


def _terminate(signum, frame):
    # SIGTERM (e.g. a test's timeout) unwinds through main()'s cleanup: no orphan servers.
    raise SystemExit(f"bench interrupted by signal {signum}")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    main()
