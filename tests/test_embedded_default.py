"""`make run`'s embedded default (SQLite, filesystem broker) bears a small office's load."""

from __future__ import annotations

import http.cookiejar
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port


@pytest.fixture
def embedded_server(tmp_path: Path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DJANGO_SETTINGS_MODULE")
    }
    db = tmp_path / "samverka.sqlite3"
    env.update(DATABASE_URL=f"sqlite:///{db}", DEBUG="1", DJANGO_SETTINGS_MODULE="config.settings")
    # What is tested here is SQLite under simultaneous writes from one client; the public
    # form's abuse limits (tests/security) would refuse most of them by design.
    env.update(FORM_SUBMIT_RATE="", FORM_MIN_FILL_SECONDS="0")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [*manage, "import_directory", "directory/data"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = free_port()
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.2)
    yield base, db
    server.terminate()
    server.wait(10)


def submit(base: str, n: int) -> int:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/requests/new/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "municipality": "1490",
            "requester_name": f"Eva {n}",
            "requester_role": "Chef",
            "requester_email": f"eva{n}@boras.example",
            "title": f"Förfrågan {n}",
            "description": "Hej",
            "area_unknown": "on",
            "consent": "on",
        }
    ).encode()
    request = urllib.request.Request(
        base + "/requests/new/", data=data, headers={"Referer": base + "/requests/new/"}
    )
    response = opener.open(request, timeout=60)
    assert "/requests/receipt/" in response.url
    return response.status


def test_twenty_simultaneous_submissions_all_succeed_on_sqlite(embedded_server):
    base, db = embedded_server
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda n: submit(base, n), range(20)))
    assert statuses == [200] * 20
    with sqlite3.connect(db) as conn:
        references = [r for (r,) in conn.execute("SELECT reference FROM cases_case")]
    assert len(references) == 20
    assert len(set(references)) == 20
