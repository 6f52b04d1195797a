"""What holds the sequences in flight: the memory, or the serving engine's own limit of sequences per micro-batch
(vLLM's max_num_seqs, TensorRT-LLM's max_batch_size: data/serving_engines.csv). The engine's cap was applied
(``Setup.max_concurrency``) but every door said it as memory: "saturating: 256 sequences in flight (memory holds 256)"
for Llama 3.1 70B on 8 MI300X at tensor 8 under vLLM 0.6.4 (ROCm), whose memory holds over 1,000 (fresh16)."""

import contextlib
import io

import pytest
from apppage import open_page

from calc.__main__ import main
from calc.errors import InputError
from calc.serve import serve

CAPPED = dict(model="Llama 3.1 70B", hardware="MI300X", chips=8, tensor=8, engine="vLLM 0.6.4 (ROCm)")
ENGINE = "the engine's limit of 256 sequences per micro-batch"  # vLLM 0.6.4's max_num_seqs, data/serving_engines.csv


def test_the_engines_cap_is_said_as_the_engines():
    capped = serve(**CAPPED)
    memory = serve(**{k: v for k, v in CAPPED.items() if k != "engine"})
    assert memory.max_concurrency > 1000 and capped.max_concurrency == 256  # the cap binds, far below the memory
    assert capped.limited_by["max_concurrency"] == ENGINE and capped.limited_by["concurrency"] == ENGINE
    assert memory.limited_by["max_concurrency"] == "memory capacity (KV cache)"
    assert memory.limited_by["concurrency"] == "memory capacity (KV cache)"
    # a closed loop under the cap: the load is given, the most it could be is the engine's
    loop = serve(**CAPPED, concurrency=64)
    assert loop.limited_by["concurrency"] == "given" and loop.limited_by["max_concurrency"] == ENGINE
    # an engine whose cap the memory does not reach: the memory (Llama 3.1 8B on one H100 holds 219 of vLLM 0.9.2's 1,024)
    held = serve(model="Llama 3.1 8B", hardware="H100 SXM5", chips=1, engine="vLLM 0.9.2")
    assert held.max_concurrency == 219 and held.limited_by["max_concurrency"] == "memory capacity (KV cache)"


def _cli(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(list(argv)) == 0
    return out.getvalue()


def test_the_command_line_says_the_engine_not_the_memory():
    text = _cli("serve", "--model", "Llama 3.1 70B", "--hardware", "MI300X", "--chips", "8", "--tensor", "8",
                "--engine", "vLLM 0.6.4 (ROCm)")
    assert f"saturating: 256 sequences in flight (at most 256: {ENGINE}, below what the memory holds)" in text
    assert "memory holds 256" not in text
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        _cli("serve", "--model", "Llama 3.1 70B", "--hardware", "MI300X", "--chips", "8", "--tensor", "8",
             "--engine", "vLLM 0.6.4 (ROCm)", "--frontier", "--points", "5000")
    assert ("every concurrency from 1 to the 256 in flight at most (what the memory holds, or the engine's limit of "
            "256 sequences per micro-batch)") in err.getvalue()
    plain = _cli("serve", "--model", "Llama 3.1 8B", "--hardware", "H100 SXM5", "--chips", "1")
    assert "saturating: 219 sequences in flight (memory holds 219)" in plain


def test_the_serving_page_says_the_engine_not_the_memory():
    at = open_page("app_pages/serving.py", **{"serving.model": "Llama 3.1 70B", "serving.hardware": "MI300X",
                                               "serving.chips": "8", "serving.tensor": "8",
                                               "serving.engine": "vLLM 0.6.4 (ROCm)"})
    assert not at.exception and not at.error
    text = " ".join(m.value for m in at.markdown).replace("\\", "")  # the page escapes its markdown
    assert f"256 requests in flight; at most 256: {ENGINE}, below what the memory holds." in text
    assert "the memory holds 256" not in text


def test_more_than_the_engines_cap_is_refused_as_the_engines():
    # it read "needs 41.9 GB of KV cache per chip, -115 GB more than the 157 GB left after the weights"
    with pytest.raises(InputError) as err:
        serve(**CAPPED, concurrency=512)
    said = str(err.value)
    assert f"a concurrency of 512 is more than {ENGINE} allows: at most 256 (tensor 8 x pipeline 1, 1 replica)" in said
    assert "-" not in said.split("allows")[1] and "the memory holds 1," in said
    with pytest.raises(InputError, match="GB of KV cache per chip"):  # the memory's own limit: as before
        serve(model="Llama 3.1 8B", hardware="H100 SXM5", chips=1, concurrency=512)
