"""Serving small-expert mixtures of experts as TensorRT-LLM runs them: the experts' kernel precision by chip, and the
KV cache of layers with a local window held at full length (each term alone, against its source's count)."""

import pytest

from calc import data
from calc.serve import footprint, load, phases
from calc.serve.terms import rates


def test_mxfp4_experts_multiply_in_8_bits_on_blackwell_and_16_on_hopper():
    # TensorRT-LLM examples/models/core/gpt_oss/README.md, MoE Support Matrix: MXFP4 weights with MXFP8 activations on
    # Blackwell, BF16 activations on Hopper (the Triton backend's W4A16_MXFP4); a 4-bit peak marks block-scaled MMA
    assert footprint.expert_compute("mxfp4", data.hardware("B200").peaks) == "fp8"
    assert footprint.expert_compute("mxfp4", data.hardware("H100 SXM5").peaks) == "bf16"
    assert footprint.expert_compute("fp8", data.hardware("H100 SXM5").peaks) is None  # as the rest of the model
    assert footprint.expert_compute("fp4", data.hardware("B200").peaks) is None


def test_gpt_oss_expert_rate_by_chip():
    # BF16 attention on both chips; the experts at the 8-bit rate on B200, at the 16-bit rate (the rest's) on H200
    b = load.setup("GPT-OSS 120B", "B200", 1, tensor=1, precision="bf16")
    assert b.expert_rate == rates(data.hardware("B200"), "fp8").matmul > b.rates.matmul
    h = load.setup("GPT-OSS 120B", "H200 SXM", 1, tensor=1, precision="bf16")
    assert h.expert_rate is None and h.rates.matmul == rates(data.hardware("H200 SXM"), "bf16").matmul
    # with 8-bit attention on Hopper the experts still multiply in BF16
    h8 = load.setup("GPT-OSS 120B", "H200 SXM", 1, tensor=1, precision="fp8")
    assert h8.expert_rate == rates(data.hardware("H200 SXM"), "bf16").matmul < h8.rates.matmul
    # a model without MXFP4 experts keeps one rate
    assert load.setup("Qwen3 30B-A3B", "B200", 1, tensor=1, precision="fp4").expert_rate is None


def test_the_expert_rate_sets_the_experts_products_only():
    s = load.setup("GPT-OSS 120B", "H200 SXM", 1, tensor=1, precision="fp8")
    base = phases.decode_step(s.shape, s.layout, s.rates, 1.0, 2.0, 512, 1000, expert_bytes=s.expert_bytes)
    half = phases.decode_step(s.shape, s.layout, s.rates, 1.0, 2.0, 512, 1000, expert_bytes=s.expert_bytes,
                              expert_rate=s.rates.matmul / 2)
    moe = phases.expert_matmuls(s.shape, s.layout, s.rates, 512.0)
    assert float(phases.expert_matmuls(s.shape, s.layout, s.rates, 512.0, s.rates.matmul / 2)) == pytest.approx(2 * moe)
    assert float(half["total"]) > float(base["total"]) and float(half["kv cache"]) == float(base["kv cache"])
    pre = phases.prefill(s.shape, s.layout, s.rates, 1.0, 8000.0, 1000.0, expert_bytes=s.expert_bytes)
    slow = phases.prefill(s.shape, s.layout, s.rates, 1.0, 8000.0, 1000.0, expert_bytes=s.expert_bytes,
                          expert_rate=s.rates.matmul / 2)
    assert float(slow["total"]) > float(pre["total"])


def test_a_windowed_layers_cache_held_at_full_length_when_the_engine_does():
    # TensorRT-LLM's KVCacheManager with no max_attention_window: one pool at the longest sequence for every layer
    # (tensorrt_llm/_torch/pyexecutor/resource_manager.py); GPT-OSS 120B: 36 layers x 8 kv heads x 64 x 2 (K, V) x 2 bytes
    kw = dict(tensor=1, precision="bf16", kv_precision="bf16", input_tokens=1000, output_tokens=1000)
    own = load.setup("GPT-OSS 120B", "H200 SXM", 1, **kw)
    full = load.setup("GPT-OSS 120B", "H200 SXM", 1, window_memory=False, **kw)
    assert own.held(2000) == pytest.approx(0.5 * 2000 + 0.5 * 128) and full.held(2000) == 2000
    per_seq = phases.kv_per_token_chip(full.shape, full.layout, 2.0) * 2000
    assert per_seq == 36 * 8 * 64 * 2 * 2 * 2000
    free = 0.9 * (full.rates.capacity - phases.weights_per_chip(full.shape, full.layout, 2.0, full.expert_bytes))
    assert full.max_concurrency() == int(free // per_seq)
    assert own.max_concurrency() == pytest.approx(full.max_concurrency() * 2000 / 1064, rel=0.01)
    # the decode step still reads only the window on those layers (the attention kernel's window)
    assert full.cached(1500) == own.cached(1500) < 1500
    # a shape without a window holds the same either way
    d = dict(tensor=1, precision="fp8", input_tokens=1000, output_tokens=1000)
    assert load.setup("Llama 3 8B", "H100 SXM5", 1, window_memory=False, **d).max_concurrency() \
        == load.setup("Llama 3 8B", "H100 SXM5", 1, **d).max_concurrency()
