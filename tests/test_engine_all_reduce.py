"""The NVLink chips' all-reduce as the serving engines' own kernels measure it (benchmarks/engine_all_reduce.py, a
diagnostic): AIConfigurator's tables beside the rings the serving model counts, which they leave in place (the model's
term, terms.engine_all_reduce_time, is off for every answer: tests/test_serve_engine_all_reduce.py)."""

import pytest

from benchmarks import engine_all_reduce as e
from calc import data
from calc.serve import terms


def test_the_table_holds_each_chip_engine_and_rank_count():
    rows = data.engine_all_reduce()
    assert len(rows) == 1173
    for r in rows:
        assert "github.com/ai-dynamo/aiconfigurator" in r["source"] and r["retrieved"] is not None
        assert r["measured_time"] > 0 and r["message_size"] >= 256
    tables = e.measured()
    assert {(chip, ranks) for chip, _, _, ranks in tables} == {(c, t) for c in e.CHIPS for t in (2, 4, 8)}
    assert {engine for _, engine, _, _ in tables} == {"TensorRT-LLM", "vLLM", "SGLang"}
    # TensorRT-LLM 1.3.0rc20 on 8 H100 at 16 KiB: 3.6 us
    assert tables[("H100 SXM5", "TensorRT-LLM", "1.3.0rc20", 8)][16384] == pytest.approx(3.6e-6, rel=0.02)


def test_the_engines_beat_the_rings_latency_at_decode_sizes_on_hopper():
    for r in e.comparison():
        if r["chip"] in ("H100 SXM5", "H200 SXM") and r["ranks"] == 8 and r["bytes"] <= 131072:
            assert 0.3 < r["measured"] / r["rings"] < 0.8, r


def test_engines_and_the_model_left_as_it_was():
    assert e.engine_of("TensorRT-LLM 0.20.0") == e.engine_of("NIM 1.8.0 (TensorRT-LLM)") == "TensorRT-LLM"
    assert e.engine_of("MLPerf Inference v5.1 (NVIDIA PyTorch backend)") == "TensorRT-LLM"
    assert e.engine_of("MLPerf Inference v5.1 (NVIDIA)") is None  # its 405B engines fuse GEMM and all-reduce
    assert e.engine_of("vLLM 0.11.0") == "vLLM" and e.engine_of("SGLang 0.4.3.post2") == "SGLang"
    assert terms.fabric_measured("H100 SXM5") is None and terms.fabric_measured("B200") is None  # rings, as before
