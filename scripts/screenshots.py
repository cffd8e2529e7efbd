"""`make screenshots`: PNGs of the main pages at 1280 and 390 CSS px into docs/screenshots/.

So a reader sees the product before installing it, and the pictures follow the code: they are
made by this script, never by hand.

1. A fresh SQLite database in a temporary VAR_DIR (DEBUG on: `seed_demo` refuses otherwise),
   migrated and loaded with the demo directory, users and cases. Outside services are not
   used: the broker and the mail are the embedded file-based defaults.
2. `runserver` on a free port, waited for until the start page answers.
3. Debian's Chromium (driven by Playwright; CHROMIUM_PATH overrides) visits each page as a
   Swedish visitor, submits one request (receipt and tracking page), logs in as the demo
   coordinator (inbox and case page), and saves full-page PNGs.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
# SCREENSHOTS_DIR: elsewhere than the committed pictures (the test of this script uses it).
OUT = Path(os.environ.get("SCREENSHOTS_DIR") or ROOT / "docs" / "screenshots")
WIDTHS = (1280, 390)
HEIGHT = 900
DEMO_PASSWORD = "samverka-demo"  # cases/management/commands/seed_demo.py
COORDINATOR = "koordinator@hb.example"
START_TIMEOUT = 60.0
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def chromium() -> str:
    for candidate in (
        os.environ.get("CHROMIUM_PATH"),
        shutil.which("chromium"),
        "/usr/bin/chromium",
    ):
        if candidate and os.path.exists(candidate):
            return candidate
    sys.exit("Chromium not found: apt-get install chromium, or set CHROMIUM_PATH")


def wait_until_up(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the web server stopped (exit {server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)  # polling a server that is starting: there is nothing to wait on
    sys.exit(f"{url} did not answer within {START_TIMEOUT:.0f} s")


def shoot(page: Page, name: str, width: int) -> None:
    path = OUT / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"  {path}")


def take(base: str, browser_path: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
        for width in WIDTHS:
            context = browser.new_context(
                viewport={"width": width, "height": HEIGHT},
                locale="sv-SE",
                timezone_id="Europe/Stockholm",
            )
            context.set_default_timeout(15_000)
            page = context.new_page()
            for name, path in (
                ("start", "/"),
                ("how-it-works", "/how-it-works/"),
                ("areas", "/areas/"),
                ("contacts", "/contacts/?q=matsvinn"),
                ("request-form", "/requests/new/"),
            ):
                page.goto(base + path)
                shoot(page, name, width)
            # The request form is on screen: send one, as a municipality would.
            page.get_by_label("Kommun").select_option(label="Borås")
            page.get_by_label("Ditt namn").fill("Eva Ek")
            page.get_by_label("Din roll eller befattning").fill("Miljöstrateg")
            page.get_by_label("E-post").fill("eva.ek@boras.example")
            page.get_by_label("Kort rubrik för din förfrågan").fill("Minska matsvinnet i skolköken")
            page.get_by_label("Beskriv ert behov").fill(
                "Vi vill halvera matsvinnet i kommunens skolkök och behöver hjälp att mäta det."
            )
            page.get_by_role("checkbox", name="Resursåtervinning").check()
            page.get_by_label("Jag godkänner").check()
            page.get_by_role("button", name="Skicka förfrågan").click()
            page.get_by_test_id("reference").wait_for()
            shoot(page, "receipt", width)
            page.get_by_test_id("tracking-link").click()
            page.get_by_test_id("state").wait_for()
            shoot(page, "tracking", width)

            page.goto(f"{base}/accounts/login/")
            page.get_by_label("E-post").fill(COORDINATOR)
            page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Logga in").click()
            page.wait_for_url(f"{base}/staff/**")
            shoot(page, "inbox", width)
            # A demo case further along than the one just sent ("Matsvinn i skolköken", met
            # once), so the case page has a contact person and a history.
            page.goto(f"{base}/staff/?state=meeting_held")
            page.goto(
                base + page.locator("main a[href*='/staff/cases/']").first.get_attribute("href")
            )
            shoot(page, "case", width)
            context.close()
        browser.close()


def main() -> int:
    browser_path = chromium()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="samverka-screens-") as var:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "REDIS_URL", "CACHE_URL", "EMAIL_URL", "SITE_URL")
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DEBUG": "1",
                "VAR_DIR": var,
                "LOG_LEVEL": "WARNING",
                # The browser fills the request form in well under the minimum fill time.
                "FORM_MIN_FILL_SECONDS": "0",
            }
        )
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--verbosity=0"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [*manage, "seed_demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env={**env, "SITE_URL": base},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(f"{base}/", server)
            print(f"Screenshots of {base} into {OUT}/:")
            take(base, browser_path)
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
