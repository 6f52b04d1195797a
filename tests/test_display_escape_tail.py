"""A long refusal cut to fit keeps its suggestion (fresh17): the Serving page's link warning for
'serving.engine=vlm 0.11' listed every engine and was cut before its last words, 'did you mean vLLM 0.11.2?'."""

from __future__ import annotations

import pytest

from calc.display import escape
from calc.errors import InputError
from calc.serve.engines import engine_name


def test_the_engines_suggestion_survives_the_cut():
    with pytest.raises(InputError) as exc:
        engine_name("vlm 0.11")
    assert len(exc.value.message) > 600  # the list of every engine: longer than the page's warning holds
    shown = escape(exc.value.message, limit=600).replace("\\", "")
    assert shown.endswith("…, got 'vlm 0.11'; did you mean vLLM 0.11.2?"), shown[-120:]
    assert shown.startswith("expected one of SGLang")


@pytest.mark.parametrize("text, limit, shown", [
    ("x" * 300, 100, "x" * 99 + "…"),  # no suggestion: cut at the end, as before
    ("a" * 500 + "; did you mean foo?", 100, "a" * 80 + "…; did you mean foo?"),
    ("a" * 50 + "; did you mean " + "b" * 200 + "?", 100, "a" * 50 + "; did you mean " + "b" * 34 + "…"),  # too long
])
def test_a_cut_keeps_a_short_suggestion_only(text, limit, shown):
    out = escape(text, limit=limit).replace("\\", "")
    assert out == shown and len(out) == limit
