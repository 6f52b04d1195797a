"""One opener for the page tests: a new session from a link (query parameters), then the page."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def open_page(page: str, *, errors_ok: bool = False, **query) -> AppTest:
    """``page`` (e.g. "app_pages/layouts.py") opened from a link with ``query``; never an exception,
    and no error box unless ``errors_ok`` (a test of what a bad link says)."""
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    if not errors_ok:
        assert not at.error, [e.value for e in at.error]
    return at
