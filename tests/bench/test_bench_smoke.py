"""The benchmark harness runs end to end on tiny data, so `make bench` cannot rot.

200 cases, a 50-person directory, 1-second wrk runs without warm-up, one delivery run of 20
emails: every stage of bench/run.py (seed, gunicorn, wrk with the Lua script, login and CSRF,
query counts and plans, reminder scan, Celery delivery to the SMTP sink, JSON and Markdown)
executes against real PostgreSQL and Redis. The figures are not judged here; only that each
stage produced them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from urllib.parse import urlparse

import pytest
from django.conf import settings

from tests.conftest import ROOT, _need, free_port


@pytest.fixture
def bench_env(postgres, redis_url, tmp_path):
    _need(shutil.which("wrk") is not None, "wrk (Debian: apt-get install wrk)")
    db = urlparse(settings.TEST_DATABASE_URL)
    return {
        **os.environ,
        "BENCH_CASES": "200",
        "BENCH_CONTACTS": "50",
        "BENCH_DURATION": "1",
        "BENCH_WARMUP": "0",
        "BENCH_CONNECTIONS": "2",
        "BENCH_DELIVERY": "20",
        "BENCH_DELIVERY_PROCESSES": "2",
        "BENCH_INBOUND": "20",
        # Few seats, so that even a 1-second run registers more people than there are seats.
        "BENCH_ACTIVITY_CAPACITY": "3",
        "BENCH_PG": f"postgres://{db.username or 'postgres'}@{db.hostname}:{db.port or 5432}",
        "BENCH_DB": f"{db.path.lstrip('/')}_bench_smoke",
        "BENCH_REDIS_URL": redis_url,
        # Free ports: a fixed one failed the run when another process held it.
        "BENCH_PORT": str(free_port()),
        "BENCH_SMTP_PORT": str(free_port()),
        "BENCH_OUT": str(tmp_path),
    }


def test_bench_runs_every_stage_on_tiny_data_and_writes_its_table(bench_env, tmp_path):
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "run.py")],
        cwd=ROOT,
        env=bench_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        proc.terminate()  # run.py cleans up its gunicorn, sink and workers on SIGTERM
        stdout, stderr = proc.communicate(timeout=30)
        pytest.fail("bench/run.py took over 180 s:\n" + stdout[-3000:] + stderr[-3000:])
    assert proc.returncode == 0, stdout[-3000:] + stderr[-3000:]
    [result_file] = tmp_path.glob("*-200.json")
    result = json.loads(result_file.read_text())
    assert (tmp_path / result_file.name.replace(".json", ".md")).exists()
    assert "| bare view /bench/ok (ceiling) |" in stdout

    assert result["seed"]["cases"] == 200
    web = result["web"]
    for name in (
        "ok",
        "submit",
        "inbox_default",
        "inbox_search",
        "inbox_deep",
        "case_page",
        "case_conversation",
        "track_conversation",
        # The reports (issue 14): their p95 is in the table.
        "report_funnel",
        "report_lead_times",
        "report_municipalities",
        "report_charts",
        "report_page",
        "public_figures",
    ):
        assert web[name]["requests"] > 0, name
        assert web[name]["errors"] == 0, name
    for name in ("report_funnel", "report_lead_times", "report_municipalities", "report_page"):
        assert web[name]["p95_ms"] > 0, name
        assert f"| {web[name]['label']} |" in stdout
    # The figures were built by the beat task's code from the seeded timelines: one fact a case.
    figures = result["seed"]["report_figures"]
    assert figures["full"] is True and figures["case_facts"] == 200, figures
    assert figures["daily_rows"] > 0 and figures["lead_time_rows"] > 0, figures
    submissions = result["submissions"]
    assert submissions["created"] == submissions["distinct_references"] > 0
    assert result["queries"]["inbox_default"]["queries"] > 0
    submit = result["queries"]["submit"]
    assert submit["status"] == 302 and submit["queries"] > 0, submit
    assert result["queries"]["case_page_long"]["plan"]
    assert result["web_worker_memory"]
    [delivery] = result["delivery"]
    assert delivery["sent"] == delivery["messages"] == 20

    # Registration under load, by the form and by the API: throughput and p95 are reported,
    # and exactly the capacity is confirmed, the rest on the waiting list.
    for name, key in (
        ("activity_register", "activity_registrations"),
        ("activity_register_api", "activity_registrations_api"),
    ):
        row = web[name]
        assert row["requests"] > 3 and row["errors"] == 0, row
        assert row["rps"] > 0 and row["p95_ms"] > 0, row
        seats = result[key]
        assert seats["registrations"] > seats["capacity"] == 3, seats
        assert seats["confirmed"] == 3, seats
        assert row["confirmed_ok"] is True
        assert f"| {row['label']} |" in stdout
