"""A long refusal cut to fit keeps its suggestion (fresh17): the Serving page's link warning for
'serving.engine=vlm 0.11' listed every engine and was cut before its last words, 'did you mean vLLM 0.11.2?'."""

from __future__ import annotations

import re

import pytest

from calc.display import escape
from calc.errors import InputError
from calc.serve.engines import engine_name


def test_the_engines_suggestion_survives_the_cut():
    with pytest.raises(InputError) as exc:
        engine_name("vllm 0.8.2")  # a release not listed: every vLLM release, then the nearest
    assert len(exc.value.message) > 600  # longer than the page's warning holds
    shown = escape(exc.value.message, limit=600).replace("\\", "")
    # cut at a whole release with how many more, never mid-name (doors23), the suggestion kept whole (fresh17)
    assert re.search(r"vLLM [\d.]+ and \d+ more, got 'vllm 0\.8\.2'; did you mean vLLM 0\.8\.5 or vLLM 0\.7\.3 or "
                     r"vLLM 0\.8\.5\.post1\?$", shown), shown[-160:]
    assert shown.startswith("expected one of vLLM 0.6.0, ") and len(shown) <= 600


def test_a_misspelt_family_is_told_the_families_not_every_engine():
    """`serve --engine "vlm 0.11"` listed every engine on a line of 800 characters, its suggestion at the end
    (doors23): a family misspelt is told the families and the release it meant."""
    with pytest.raises(InputError) as exc:
        engine_name("vlm 0.11")
    said = exc.value.message
    assert said.startswith("expected a release of a family (nim, sglang, tensorrt-llm, vllm: ") and len(said) < 250, said
    assert said.endswith("got 'vlm 0.11'; did you mean vLLM 0.11.2?"), said


@pytest.mark.parametrize("text, limit, shown", [
    ("x" * 300, 100, "x" * 99 + "…"),  # no suggestion: cut at the end, as before
    ("a" * 500 + "; did you mean foo?", 100, "a" * 80 + "…; did you mean foo?"),
    ("a" * 50 + "; did you mean " + "b" * 200 + "?", 100, "a" * 50 + "; did you mean " + "b" * 34 + "…"),  # too long
])
def test_a_cut_keeps_a_short_suggestion_only(text, limit, shown):
    out = escape(text, limit=limit).replace("\\", "")
    assert out == shown and len(out) == limit


def test_a_list_of_names_is_cut_at_a_whole_name_with_how_many_more():
    """A link's or a file's unknown name listed every name of the calculator, cut mid-word: "…, dura…" (doors23)."""
    from calc.scenario import NAMES, check_field

    with pytest.raises(InputError) as exc:
        check_field("model_type", "llama")
    out = escape(exc.value, limit=200).replace("\\", "")
    assert len(out) <= 200 and "…" not in out, out
    head, more = re.fullmatch(r"model_type: not a name of the calculator; expected one of (.*) and (\d+) more", out).groups()
    names = head.split(", ")
    assert names == list(NAMES[:len(names)]) and len(names) + int(more) == len(NAMES), out


def test_prose_is_cut_at_a_word():
    out = escape("the file holds a model's shape, not a scenario saved by the page " * 5, limit=60).replace("\\", "")
    assert out == "the file holds a model's shape, not a scenario saved by…", out  # at a word, no list
