"""In a real browser: the time from a widget change to the updated numbers on screen.

Run: python benchmarks/bench_browser.py [--repeat 15]. Needs playwright and a chromium (tests/browsers.py).

Two streamlit servers in the same run: the calculator (Estimate page, typical scenario) and a
one-line script (a text field whose value is echoed). In each, the same user action: type a new
chip count and press Enter; the clock (the page's own performance.now) runs from the key press
to the frame where the shown number has changed. The two are measured in turn, so a noisy machine
slows both alike; medians over repeats, and their ratio (target: within 1.5x of the one-line script).
Beside it, the time until the whole page is redrawn (the run over, every element of it received,
and one more frame): the Estimate page sends its numbers first, its charts and fields after them.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from browsers import INSTALL, find_chromium  # noqa: E402

CHROMIUM = find_chromium()
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ONE_LINE = "import streamlit as st; st.metric('Chips', st.text_input('Chips', '1024', key='in_chips'))\n"
QUERY = "?params=70e9+param&tokens=1.4e12+token&hardware=H100+SXM5&chips=1024"

# The text of the first metric whose label contains ``label``.
METRIC_JS = """label => [...document.querySelectorAll('[data-testid="stMetric"]')]
  .map(e => e.innerText).find(t => t.includes(label)) || null"""
# Resolves on the first animation frame where that metric's text differs from ``before``.
CHANGED_JS = """([label, before]) => new Promise(resolve => {
  const look = () => {
    const t = [...document.querySelectorAll('[data-testid="stMetric"]')].map(e => e.innerText).find(t => t.includes(label));
    if (t && t !== before) resolve(performance.now()); else requestAnimationFrame(look);
  };
  look();
  setTimeout(() => resolve(null), 20000);
})"""
# Resolves on the first frame after the run is over (the app's script state back to notRunning).
SETTLED_JS = """() => new Promise(resolve => {
  const look = () => {
    const state = document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state');
    if (state === 'notRunning') requestAnimationFrame(() => resolve(performance.now())); else requestAnimationFrame(look);
  };
  look();
  setTimeout(() => resolve(null), 20000);
})"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(script: Path, cwd: Path) -> tuple[subprocess.Popen, str]:
    port = _port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
                             "--server.address", "127.0.0.1", "--server.port", str(port),
                             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                            cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"streamlit did not start for {script}")


class Session:
    """One page of one server, ready to change its chip count and time the update."""

    def __init__(self, browser, url: str, label: str):
        self.page = browser.new_page(viewport={"width": 1440, "height": 1000})
        self.page.set_default_timeout(30_000)
        self.page.goto(url)
        self.page.wait_for_function(METRIC_JS, arg=label)
        self.box = self.page.get_by_role("textbox", name="Chips", exact=True)
        self.label, self.url, self.count = label, url, 0

    def change(self) -> tuple[float, float]:
        """Milliseconds from Enter to the changed number, and to the whole page redrawn."""
        before = self.page.evaluate(METRIC_JS, self.label)
        self.count += 1
        self.box.fill(str(2048 + 16 * self.count))  # never the value already there
        t0 = self.page.evaluate("() => performance.now()")
        self.box.press("Enter")
        t1 = self.page.evaluate(CHANGED_JS, [self.label, before])
        if t1 is None:
            raise RuntimeError(f"{self.url}: the {self.label!r} metric did not change within 20 s")
        t2 = self.page.evaluate(SETTLED_JS)
        if t2 is None:
            raise RuntimeError(f"{self.url}: the run did not finish within 20 s")
        time.sleep(0.4)  # let the charts settle before the next change
        return t1 - t0, t2 - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    if CHROMIUM is None:
        sys.exit(f"no chromium found: install one with {INSTALL}")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as d:
        one_line = Path(d) / "one_line.py"
        one_line.write_text(ONE_LINE)
        servers = [_serve(one_line, Path(d)), _serve(ROOT / "app.py", ROOT)]
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
                sessions = [Session(browser, servers[0][1], "Chips"),
                            Session(browser, servers[1][1] + "/" + QUERY, "Duration")]
                for s in sessions:  # warm up
                    s.change(), s.change()
                base, app = [], []
                for _ in range(args.repeat):  # interleaved, so the machine's noise falls on both alike
                    base.append(sessions[0].change())
                    app.append(sessions[1].change())
                browser.close()
        finally:
            for proc, _ in servers:
                proc.terminate()
                proc.wait(10)
    for i, what in enumerate(["updated numbers", "whole page redrawn"]):
        bs, aps = [t[i] for t in base], [t[i] for t in app]
        b, a = statistics.median(bs), statistics.median(aps)
        print(f"Widget change to {what} in chromium, median of {args.repeat} (min-max)")
        print(f"  {'one-line Streamlit script':<30}{b:8.1f} ms  ({min(bs):.0f}-{max(bs):.0f})")
        print(f"  {'calc app, Estimate page':<30}{a:8.1f} ms  ({min(aps):.0f}-{max(aps):.0f})   ratio {a / b:.2f}x")


if __name__ == "__main__":
    main()
