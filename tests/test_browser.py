"""One real-browser test: streamlit serves the app, Playwright drives Debian's chromium.

Skipped only where chromium is absent (CI installs it: see .ci/run).
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server():
    port = _free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("streamlit did not start within 60 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_change_an_input_and_see_the_result_change(server, tmp_path):
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("CALC_SCREENSHOTS", tmp_path))
    query = "?compute=3.14e23+FLOP&hardware=V100+SXM2&chips=10000&utilization=0.3"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            page.goto(server + "/" + query)
            duration = page.locator('[data-testid="stMetric"]', has_text="duration")
            duration.first.wait_for(timeout=30_000)
            before = duration.first.inner_text()
            page.screenshot(path=str(shots / "estimate-before.png"), full_page=True)

            box = page.get_by_role("textbox", name="Chips", exact=True)
            box.fill("20000")
            box.press("Enter")
            page.wait_for_function(
                "b => [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
                ".some(e => e.innerText.includes('Duration') && e.innerText !== b)",
                arg=before, timeout=30_000,
            )
            after = duration.first.inner_text()
            page.screenshot(path=str(shots / "estimate-after.png"), full_page=True)
        finally:
            browser.close()
    assert before != after
    # 3.14e23 FLOP / (chips x 125 TFLOP/s x 0.3): 9.69 days on 10,000 chips, 4.85 on 20,000
    assert "9.69 days" in before and "4.85 days" in after
