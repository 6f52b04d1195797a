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


@pytest.mark.parametrize("typed, meant", [
    # a release not listed is told the family's listed releases nearest it in release order (calc.serve.terms.release_key):
    # "sgl 0.5.0" was told "SGLang 0.5.9 or SGLang 0.5.7 or SGLang 0.5.3" (nearest in spelling), "vllm 0.9.9" the
    # line's oldest first (0.9.0, 0.9.0.1, 0.9.1); at the same distance, one of the line typed first
    ("sgl 0.5.0", "SGLang 0.5.1.post3 or SGLang 0.4.10.post2 or SGLang 0.5.2"),
    ("sglang 0.5.0", "SGLang 0.5.1.post3 or SGLang 0.4.10.post2 or SGLang 0.5.2"),
    ("vlm 0.9.9", "vLLM 0.9.2 or vLLM 0.10.0 or vLLM 0.9.1"),
    ("vllm 0.11.5", "vLLM 0.11.2 or vLLM 0.12.0 or vLLM 0.11.1"),  # ROCm builds neither offered nor counted
    ("vllm 0.8.2 (rocm)", "vLLM 0.8.5 (ROCm) or vLLM 0.7.3.dev (ROCm) or vLLM 0.9.0.1 (ROCm)"),
    ("sglang 0.3.0", "SGLang 0.4.0 or SGLang 0.4.1.post7 or SGLang 0.4.2.post4"),  # older than every one listed
])
def test_a_release_not_listed_is_told_the_nearest_releases_first(typed, meant):
    with pytest.raises(InputError) as exc:
        engine_name(typed)
    assert exc.value.message.endswith(f"got {typed!r}; did you mean {meant}?"), exc.value.message[-160:]
