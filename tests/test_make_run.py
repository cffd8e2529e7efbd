"""`make run` (scripts/run.py) serves on RUN_ADDRESS, links emails there and stops completely.

The script runs as `make run` would, on the embedded defaults (SQLite, filesystem broker, mail
files) in a temporary VAR_DIR and on a free port, so it touches nothing of a real checkout.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from email import message_from_bytes
from pathlib import Path

import pytest

from tests.conftest import ROOT, body_of, free_port
from tests.test_embedded_default import submit

# Django's file email backend ends every message with a line of 79 dashes.
MESSAGE_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached within {timeout} s")


def descendants(pid: int) -> set[int]:
    """Every live process below `pid`, whatever session it leads (read from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # "pid (comm) state ppid ...": comm may hold spaces, so split after its ")".
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it exited while we looked
        if fields[0] != "Z":
            parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's bookkeeping is left


def emails_to(mail_dir: Path, address: str) -> list:
    messages = []
    for path in sorted(mail_dir.glob("*.log")):
        for raw in path.read_bytes().split(MESSAGE_SEPARATOR):
            if raw.strip():
                message = message_from_bytes(raw.lstrip())
                if message["To"] == address:
                    messages.append(message)
    return messages


@pytest.fixture
def make_run(tmp_path: Path):
    """scripts/run.py in its own process group, as a terminal's foreground job would be."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to find the child processes")
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SITE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(VAR_DIR=str(tmp_path), RUN_ADDRESS=f"127.0.0.1:{port}", DEBUG="1")
    # A script posts the form at once: the abuse rules (tests/security) would rightly refuse it.
    env.update(FORM_SUBMIT_RATE="", FORM_MIN_FILL_SECONDS="0")
    log = (tmp_path / "run.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "scripts/run.py"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if proc.poll() is not None:
            raise AssertionError("run.py exited:\n" + (tmp_path / "run.log").read_text()[-3000:])
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
        except urllib.error.HTTPError:
            pass  # 503 (e.g. no beat tick yet) is still an answer
        except OSError:
            return False
        return True

    seen: set[int] = set()
    try:
        wait_until(answers, 90, "the web server answering")
        # The worker and beat start beside the web server; wait for all of them and the
        # worker's two pool processes before anything relies on them.
        seen |= wait_until(
            lambda: len(found := descendants(proc.pid)) >= 5 and found,
            30,
            "web, worker (with its pool) and beat running",
        )
        yield proc, base, tmp_path, seen
    finally:
        seen |= descendants(proc.pid)
        for pid in [proc.pid, *seen]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)  # only if the test already failed
        proc.wait(10)
        log.close()


@pytest.mark.parametrize(
    "stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm-to-the-group"]
)
def test_make_run_links_emails_to_its_address_and_stops_every_process_within_seconds(
    make_run, stop_signal
):
    proc, base, var_dir, children = make_run
    submit(base, 1)
    [receipt] = wait_until(
        lambda: emails_to(var_dir / "mail", "eva1@boras.example"), 30, "the receipt email"
    )
    assert f"{base}/track/" in body_of(receipt)  # not http://127.0.0.1:8000

    children |= descendants(proc.pid)
    # Ctrl-C: the terminal sends SIGINT to the foreground process group; a service manager
    # sends SIGTERM to it. Either way everything must be gone within a few seconds.
    os.killpg(proc.pid, stop_signal)
    wait_until(
        lambda: not alive(proc.pid) and not any(alive(pid) for pid in children),
        5,
        "every process of make run gone",
    )
    assert proc.wait(1) == 0
