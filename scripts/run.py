"""`make run`: migrate, seed the demo, then run the web server, a Celery worker and beat.

Embedded defaults: SQLite under var/, kombu's filesystem broker, email as files in var/mail/.
Set DATABASE_URL, REDIS_URL and EMAIL_URL to use real services. RUN_ADDRESS (127.0.0.1:8000)
is where the web server listens; SITE_URL, the base of the links in emails, follows it unless
it is set. Ctrl-C (or SIGTERM) stops everything within a few seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ADDRESS = os.environ.get("RUN_ADDRESS", "127.0.0.1:8000")
# After SIGTERM the children get this long before SIGKILL. Celery's warm shutdown takes 3-7 s
# even when idle (measured here) and waits for running tasks. Cutting it short loses nothing:
# with acks_late an interrupted task stays in Redis and runs again, and the outbox sweep
# re-sends any message whose claim went stale (also with the filesystem broker).
STOP_GRACE_SECONDS = 3.0


class Stop(Exception):
    """Raised in the main loop by SIGTERM/SIGHUP, as KeyboardInterrupt is by Ctrl-C."""


def site_url(address: str) -> str:
    """The base URL at which `runserver <address>` answers, for the links in emails.

    runserver takes "port", "host:port" or "[ipv6]:port"; a bare port or an "any address"
    host (0, 0.0.0.0, [::]) is reached at 127.0.0.1.
    """
    host, _, port = address.rpartition(":")
    if host in ("", "0", "0.0.0.0", "[::]"):
        host = "127.0.0.1"
    return f"http://{host}:{port}"


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


def _raise_stop(signum: int, frame: object) -> None:
    raise Stop(signal.Signals(signum).name)


def _signal_group(proc: subprocess.Popen, sig: signal.Signals) -> None:
    """Signal the child's whole process group: Celery's pool processes are in it too."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass  # the group is empty: everything in it has exited


def stop_all(running: dict[str, subprocess.Popen]) -> None:
    """1. SIGTERM every child (the group leader only: Celery's main process stops its own pool,
    while a pool process signalled directly is replaced by a fresh one). 2. Wait up to
    STOP_GRACE_SECONDS in all. 3. SIGKILL every group, which also takes any pool process
    that outlived its parent."""
    for proc in running.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for proc in running.values():
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for proc in running.values():
        _signal_group(proc, signal.SIGKILL)
        proc.wait()


def main() -> int:
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGHUP, _raise_stop)
    os.environ.setdefault("DEBUG", "1")
    # Children inherit it: email links point where this server answers, not at port 8000.
    os.environ.setdefault("SITE_URL", site_url(ADDRESS))
    processes = {
        "web": [sys.executable, "manage.py", "runserver", ADDRESS, "--noreload"],
        "worker": [
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            "-Q",
            "celery,periodic",
            "--loglevel=WARNING",
            "--concurrency=2",
            "--pool=prefork",
        ],
        "beat": [str(BIN / "celery"), "-A", "config", "beat", "--loglevel=WARNING"],
    }
    # Each child leads its own session, so Ctrl-C in the terminal reaches only this script and
    # stop_all decides the order: a SIGINT to every process at once also hit Celery's pool
    # processes directly, and nothing bounded how long the worker then took to go.
    running: dict[str, subprocess.Popen] = {}
    code = 0
    try:
        manage("migrate", "--noinput", "-v", "0")
        manage("seed_demo")
        for name, cmd in processes.items():
            running[name] = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True)
        print(f"\nSamverka runs on http://{ADDRESS}/  (staff: http://{ADDRESS}/staff/)")
        mail = Path(os.environ.get("VAR_DIR", "var")) / "mail"
        print(f"Emails are written to {mail}/ unless EMAIL_URL is set. Ctrl-C stops it all.\n")
        while True:
            for name, proc in running.items():
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}; stopping.")
                    code = 1
                    raise Stop(name)
            time.sleep(0.5)
    except (KeyboardInterrupt, Stop):
        pass
    finally:
        # A second Ctrl-C must not cut the clean-up short and leave children behind.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        stop_all(running)
    return code


if __name__ == "__main__":
    sys.exit(main())
