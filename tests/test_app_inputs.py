"""The app's door under hypothesis: whatever a shared link carries, the Estimate page answers with
numbers or with one escaped warning naming the field, never an exception; and the number it shows
is the one calc.estimate gives for the same strings (the doors agree).
"""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

import calc
from calc.vocabulary import QUANTITIES

APP = str(Path(__file__).resolve().parents[1] / "app.py")

TEXT = st.lists(st.sampled_from(list("0123456789.eE+-*/^() ,%_²⁻×") +
                                ["FLOP", "chip", "GPU", "day", "hour", "USD", "token", "**", "..", " ", "−",
                                 "[x](https://evil.example)", "<b>", "lognormal:", "nan", "1e400"]),
                min_size=1, max_size=12).map("".join)


def _run(query: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(st.sampled_from(QUANTITIES + ("hardware", "[Log in](https://evil.example)")), TEXT,
                       min_size=1, max_size=3))
def test_any_link_gives_numbers_or_a_warning_never_an_exception(query):
    at = _run({"params": "70e9 param", "tokens": "1.4e12 token", "hardware": "H100 SXM5", **query})
    assert not at.exception, [e.value for e in at.exception]
    for w in at.warning:  # user text is echoed as code, never as a live link or markup
        assert "](https://" not in w.value.replace("`", "") or "`" in w.value


@pytest.mark.parametrize("value", ["40", "4000", "0.4.5", "16 384", "9**9**9"])
def test_a_bad_utilization_in_a_link_is_named_and_never_clamped(value):
    at = _run({"params": "70e9 param", "tokens": "1.4e12 token", "hardware": "H100 SXM5", "chips": "1024 chip",
               "utilization": value})
    assert not at.exception
    text = " ".join(w.value for w in at.warning) + " ".join(e.value for e in at.error)
    assert "utilization" in text
    assert "100%" not in " ".join(m.value for m in at.metric if "tilization" in m.label)


def test_the_app_shows_what_the_api_computes():
    query = {"params": "70e9 param", "tokens": "1.4e12 token", "hardware": "H100 SXM5", "chips": "1024 chip",
             "utilization": "0.4"}
    at = _run(query)
    days = calc.estimate(**query).duration.m_as("day")
    shown = " ".join(str(m.value) for m in at.metric)
    assert f"{days:.3g}" in shown or f"{days:.1f}" in shown, (days, shown)
