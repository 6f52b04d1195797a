"""Shared by the tests: the run's summary says plainly when the browser tests skipped."""

from __future__ import annotations

from browsers import SKIP_REASON


def pytest_terminal_summary(terminalreporter):
    skipped = [r for r in terminalreporter.stats.get("skipped", [])
               if isinstance(r.longrepr, tuple) and SKIP_REASON in str(r.longrepr[2])]
    if skipped:
        terminalreporter.write_line(f"{len(skipped)} browser tests skipped: {SKIP_REASON}", yellow=True, bold=True)
