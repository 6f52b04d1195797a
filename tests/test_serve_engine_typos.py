"""An engine's family misspelt with its release typed is told that release first (fresh17): `--engine "vlm 0.11"`
was answered "did you mean vLLM 0.19.1 or vLLM 0.11.2 or vLLM 0.11.1?", the first a release nobody typed."""

from __future__ import annotations

import pytest

from calc.errors import InputError
from calc.serve.engines import engine_name


@pytest.mark.parametrize("typed, meant", [("vlm 0.11", "vLLM 0.11.2"), ("trtlm 1.0", "TensorRT-LLM 1.0"),
                                          ("vlm 0.19", "vLLM 0.19.1")])
def test_a_misspelt_family_with_its_release_is_told_that_release(typed, meant):
    assert engine_name(meant.split(" (")[0].replace("vLLM", "vllm")) == meant  # what the family spelt right reads
    with pytest.raises(InputError) as exc:
        engine_name(typed)
    assert exc.value.message.endswith(f"got {typed!r}; did you mean {meant}?")


def test_a_release_that_does_not_resolve_keeps_the_nearest_names():
    with pytest.raises(InputError, match=r"got 'vlm 0\.99'; did you mean vLLM 0\.9"):
        engine_name("vlm 0.99")
