"""What keeps a field change on the Estimate page quick, checked in chromium without a clock.

The browser redraws the page once per element it receives, so the page sends the numbers before
anything else and sends few elements (benchmarks/bench_browser.py measures the time). These tests
read the websocket frames of one change: the new numbers come before the fields are sent again,
and the count of frames stays within a budget. Timings are not asserted anywhere.
"""

from __future__ import annotations

import time

import pytest
from test_browser import TYPICAL, User, browser, server  # noqa: F401 (fixtures)
from test_browser import pytestmark as browser_found

pytestmark = [browser_found, pytest.mark.slow]

# Every element is one frame: the typical scenario's change gets 58 (metrics, derivation, two
# charts, downloads, 18 fields in three rows), 76 when each field had a column of its own, 90
# before the metrics went into one row.
FRAME_BUDGET = 62


def _frames_of_one_change(user: User, chips: str) -> list[bytes]:
    frames: list[bytes] = []
    user.page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(
        f if isinstance(f, bytes) else f.encode())))
    user.open("", TYPICAL)  # the socket opens after the listener: every frame is seen
    frames.clear()
    user.type("Chips", chips)
    user.page.wait_for_function("() => document.body.innerText.includes('Duration')")
    time.sleep(0.5)
    user.settle()
    return list(frames)


def test_a_field_change_sends_the_numbers_before_the_fields(browser, server):  # noqa: F811
    user = User(browser, server)
    try:
        frames = _frames_of_one_change(user, "2048")
        user.check("Duration · derived", "9.08 days")  # 18.2 days on 1,024 chips, half on 2,048 (at the 37% default)
        first = lambda text: next(i for i, f in enumerate(frames) if text.encode() in f)  # noqa: E731
        assert first("9.08 days") < first("e.g. 989"), "the fields were sent before the numbers"
        assert first("9.08 days") < first("Duration against chip count"), "the charts were sent before the numbers"
        assert len(frames) <= FRAME_BUDGET, f"{len(frames)} elements sent for one field change"
    finally:
        user.close()


def test_every_quantity_is_drawn_when_opened_and_follows_a_change(browser, server):  # noqa: F811
    user = User(browser, server)
    try:
        user.open("", TYPICAL)
        assert user.page.locator('[data-testid="stTable"]').count() == 0  # closed: not drawn
        user.page.get_by_text("Every quantity", exact=True).click()
        user.page.wait_for_selector('[data-testid="stTable"]', timeout=30_000)
        user.settle()
        user.type("Chips", "2048")
        user.check("9.08 days")
        assert user.page.locator('[data-testid="stTable"]').count() == 1  # still open, redrawn
        assert len(user.charts(2)) == 2  # and both charts drew
    finally:
        user.close()
