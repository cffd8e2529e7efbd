"""`make screenshots` (scripts/screenshots.py) writes a real PNG of every main page at both
widths. Run into a temporary folder, so the committed pictures are not touched."""

from __future__ import annotations

import os
import struct
import subprocess
import sys

import pytest

from tests.conftest import REQUIRE_SERVICES, ROOT
from tests.e2e.conftest import chromium_path

pytestmark = pytest.mark.browser

PAGES = (
    "start",
    "how-it-works",
    "areas",
    "contacts",
    "request-form",
    "receipt",
    "tracking",
    "inbox",
    "case",
)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])  # the IHDR chunk: width, height


def test_screenshot_command_writes_every_main_page_at_1280_and_390_px(tmp_path):
    if chromium_path() is None:
        if REQUIRE_SERVICES:
            pytest.fail("Chromium is required (REQUIRE_SERVICES=1) but not installed")
        pytest.skip("Chromium not installed")
    env = {**os.environ, "SCREENSHOTS_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "scripts/screenshots.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(f"{page}-{w}.png" for page in PAGES for w in (1280, 390))
    for path in tmp_path.iterdir():
        width, height = png_size(path.read_bytes())
        assert width == int(path.stem.rsplit("-", 1)[1]), path.name
        assert height >= 600, f"{path.name} is {height} px high: an empty page?"
