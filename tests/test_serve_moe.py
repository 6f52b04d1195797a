"""Serving mixtures of experts as TensorRT-LLM runs them: the experts' input format by chip, the tokens all-gathered under
attention data parallelism, and the KV cache of layers with a local window held at full length (each term alone,
against its source's count)."""

import pytest

from calc import data
from calc.errors import InputError
from calc.serve import footprint, load, phases
from calc.serve.terms import all_reduce_time, expert_exchange_time, gather_exchange_time, rates


def test_mxfp4_experts_take_mxfp8_inputs_on_blackwell_and_bf16_on_hopper():
    # TensorRT-LLM examples/models/core/gpt_oss/README.md, MoE Support Matrix: MXFP4 weights with MXFP8 activations on
    # Blackwell, BF16 activations on Hopper (the Triton backend's W4A16_MXFP4); a 4-bit peak marks block-scaled MMA
    assert footprint.expert_activation("mxfp4", data.hardware("B200").peaks) == "fp8"
    assert footprint.expert_activation("mxfp4", data.hardware("H100 SXM5").peaks) == "bf16"
    assert footprint.expert_activation("fp8", data.hardware("H100 SXM5").peaks) is None  # as the rest of the model
    assert footprint.expert_activation("fp4", data.hardware("B200").peaks) is None


def test_gathered_tokens_in_the_experts_input_format():
    # CutlassFusedMoE under attention DP: quantize, then all-gather (NVFP4: 4 bits + one FP8 scale per 16)
    assert footprint.gathered_bytes("fp4", "fp8") == 9 / 16
    assert footprint.gathered_bytes("fp8", "fp8") == 1.0
    kw = dict(tensor=4, expert=4, attention_data_parallel=True, input_tokens=1000, output_tokens=1000)
    hopper = load.setup("GPT-OSS 120B", "H100 SXM5", 4, precision="bf16", expert_exchange="gather", **kw)
    blackwell = load.setup("GPT-OSS 120B", "B200", 4, precision="bf16", expert_exchange="gather", **kw)
    assert (hopper.layout.gather_bytes, blackwell.layout.gather_bytes) == (2.0, 1.0)  # BF16 (Triton), MXFP8
    assert load.setup("GPT-OSS 120B", "B200", 4, precision="bf16", **kw).layout.gather_bytes == 0.0  # DeepEP default
    with pytest.raises(InputError, match="expert_exchange"):
        load.setup("GPT-OSS 120B", "B200", 4, precision="bf16", expert_exchange="ring", **kw)


def test_gather_exchange_moves_every_token_to_every_chip_once():
    # all-gather of N T tokens x h x q bytes and reduce-scatter of their BF16 outputs, calc.perf.collectives' rings
    r = rates(data.hardware("H100 SXM5"), "fp8")
    n, h, T = 512.0, 7168, 8
    t = float(gather_exchange_time(r, n, h, T, 1.0))
    assert t == pytest.approx(float(all_reduce_time(r, n * T * h * 1.0, T, 1.0) + all_reduce_time(r, n * T * h * 2.0, T, 1.0)))
    assert float(gather_exchange_time(r, n, h, 1, 1.0)) == 0.0
    # whatever the experts per token; DeepEP's all-to-all grows with top-k: with 8 of them it moves more
    assert t < float(expert_exchange_time(r, n, h, 8, T, 1.0))
    # in a decode step the gathered path runs the whole MoE runner over the gathered tokens (its kernels and rows)
    s = load.setup("Qwen3 235B-A22B", "H100 SXM5", 8, tensor=8, expert=8, attention_data_parallel=True, precision="fp8")
    g = load.setup("Qwen3 235B-A22B", "H100 SXM5", 8, tensor=8, expert=8, attention_data_parallel=True, precision="fp8",
                   expert_exchange="gather")
    k_deep, _ = phases.moe_routing(s.shape, s.layout, s.rates, 4096.0, 3e12)
    k_gather, _ = phases.moe_routing(g.shape, g.layout, g.rates, 4096.0, 3e12)
    assert float(k_gather) > float(k_deep)


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


def test_hoppers_triton_experts_hold_their_weights_padded():
    # TritonMXFP4FusedMoEMethod (TensorRT-LLM fused_moe_triton.py): K to a multiple of 128, N to one of 256; GPT-OSS's
    # gate+up 2880 x 5760 -> 2944 x 5888, down 2880 x 2880 -> 2944 x 3072
    ratio = (2944 * 5888 + 2944 * 3072) / (3 * 2880 * 2880)
    h = load.setup("GPT-OSS 120B", "H200 SXM", 1, tensor=1, precision="bf16")
    b = load.setup("GPT-OSS 120B", "B200", 1, tensor=1, precision="bf16")
    assert h.expert_bytes == pytest.approx(4.25 / 8 * ratio) and b.expert_bytes == 4.25 / 8
    assert footprint.padded_experts("fp8", data.hardware("H200 SXM").peaks, 2880, 2880, True) == 1.0


def test_prompts_riding_in_a_step_never_take_negative_time():
    # hypothesis found it: under attention data parallelism with DeepEP's dispatch a MoE layer's own kernels are the
    # router's two, but the riding prefill took the runner's eight off, so a 1-token prompt's prefill came out negative
    # and the closed loop's queue raised TypeError (a negative load to a fractional power)
    s = load.setup("Qwen3 30B-A3B", "H100 SXM5", 8, tensor=1, attention_data_parallel=True, input_tokens=1, output_tokens=39)
    for tokens in (0.5, 1.64, 10.0):
        p = phases.prefill(s.shape, s.layout, s.rates, s.weight_bytes, tokens, 1.0, weights=False, span=1.0,
                           expert_bytes=s.expert_bytes)
        assert float(p["total"]) > 0 and float(p["overhead"]) >= 0
    from calc import serve

    r = serve("Qwen3 30B-A3B", "H100 SXM5", 8, attention_data_parallel=True, concurrency=512, input_tokens=1,
              output_tokens=39)
    assert r.ttft.m_as("s") > 0
