"""Which chromium the browser tests drive: Playwright's own, or Debian's, whichever is there.

Playwright's own comes with ``python -m playwright install chromium``; Debian's with
``apt-get install chromium``. Neither: the browser tests skip, and the run's summary says so
(tests/conftest.py).
"""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

INSTALL = "python -m playwright install chromium, or apt-get install chromium"
SKIP_REASON = f"no chromium found (install one with: {INSTALL})"


@functools.cache
def find_chromium() -> str | None:
    """The path of a chromium to launch, or None: Playwright's own first, then the system's."""
    cache = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")
    try:
        if not any(cache.glob("chromium*")):  # nothing installed: spare starting Playwright's driver (1 s)
            raise FileNotFoundError(cache)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            own = p.chromium.executable_path
        if own and Path(own).exists():
            return own
    except Exception:  # playwright absent or its driver not runnable: look for the system's
        pass
    for candidate in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None
