"""`make run`: migrate, seed the demo, then run the web server, a Celery worker and beat.

Embedded defaults: SQLite under var/, kombu's filesystem broker, email as files in var/mail/.
Set DATABASE_URL, REDIS_URL and EMAIL_URL to use real services. Ctrl-C stops everything.
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


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


def main() -> int:
    os.environ.setdefault("DEBUG", "1")
    manage("migrate", "--noinput", "-v", "0")
    manage("seed_demo")
    processes = {
        "web": [sys.executable, "manage.py", "runserver", ADDRESS, "--noreload"],
        "worker": [
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            "--loglevel=WARNING",
            "--concurrency=2",
            "--pool=prefork",
        ],
        "beat": [str(BIN / "celery"), "-A", "config", "beat", "--loglevel=WARNING"],
    }
    running = {name: subprocess.Popen(cmd, cwd=ROOT) for name, cmd in processes.items()}
    print(f"\nSamverka runs on http://{ADDRESS}/  (staff: http://{ADDRESS}/staff/)")
    print("Emails are written to var/mail/ unless EMAIL_URL is set. Ctrl-C stops it all.\n")
    code = 0
    try:
        while True:
            for name, proc in running.items():
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}; stopping.")
                    raise KeyboardInterrupt
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for proc in running.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in running.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    return code


if __name__ == "__main__":
    sys.exit(main())
