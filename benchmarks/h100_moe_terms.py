"""Why the mixtures of experts on H100 (and Llama 4 Maverick) are predicted too fast: three candidates read off
TensorRT-LLM's own code and kernel tables, each scored, none kept.

    python -m benchmarks.h100_moe_terms

A diagnostic (branch h100moe): sets nothing, enters no score. It follows benchmarks/small_moe_terms.py (the step by
term, and ``n at measured``: the sequences at which the model's own throughput equals the measured one) and
benchmarks/moe_shapes.py (the model's MoE layer beside AIConfigurator's measured ones).

1. The held-out MoE rows measured on both H100 and H200 at one model and layout (TensorRT-LLM 1.0 and 1.2 perf-overview
   tables): the sequences the model holds a replica (``n``), the sequences the measurement implies at the model's own
   step (``n at measured``), and the memory a chip has left after its weights. For Llama 4 Maverick and Scout and
   Qwen3 235B-A22B that share falls with the memory left, least on H100 (Maverick TP8 FP8 128 / 2,048: H100 30 GB
   left, 27% of n; H200 91 GB, 60%; Scout TP4 53 GB 39%, 114 GB 94%); GPT-OSS 20B at tensor 1 implies 151 and 162
   sequences on H100 and H200 alike (25% and 14% of n), whatever the memory. Neither is a term of the step the
   engine's code or the kernel tables below supply.
2. GPT-OSS's MXFP4 experts on Hopper run TensorRT-LLM's Triton MoE (W4A16: each MXFP4 weight dequantised to BF16
   in the kernel, OpenAI's triton_kernels matmul_ogs; the perf overview's GPT-OSS options "moe_config: backend: CUTLASS
   # Hopper: use TRITON", docs/source/developer-guide/perf-overview.md at 03e27c7; the model counts MXFP4 bytes and the
   16-bit rate, ``footprint.padded_experts``). AIConfigurator's measured layers (data/serving_moe.csv, TensorRT-LLM
   1.2.0rc5) take the same time on H100 as on H200 (0.99-1.10x at 16-8,192 tokens, with 1.4x less bandwidth): the kernel
   is not bound by the weights' bytes. The model's layer on H100 is 0.66-1.39 of the measured at decode's 16-2,048
   tokens (0.95-1.39 at 128-2,048, where the DEP4 rows' steps sit): the MoE layer is not the too-fast term.
3. trtllm-bench's own max_batch_size and max_num_tokens: the perf overview passes neither, so trtllm-bench 1.2 sets
   them from its heuristic (tensorrt_llm/bench/benchmark/utils/general.py ``get_settings`` ->
   tensorrt_llm/bench/build/tuning.py ``calc_engine_setting``, ``finetune_setting``; attention DP and checkpoint
   sizes only entered with PR #13498, 2026-04-27): requests the KV cache holds = fraction x (NVML memory x T x P -
   safetensors elements x bytes per element of the quant algorithm, 2 for any algorithm but none / FP8 / FP8 block /
   NVFP4) / (2 x layers x max(T, KV heads) x head size x KV bytes x (I + O)); max_batch_size that count (at most
   4,096, over P) rounded up to 32 below 256 (at least 64), to 128 below 1,024, else to 256; max_num_tokens
   count x (1 + I / O) (at most 32,768) rounded up to 256 below 4,096 (at least 2,048), to 512 below 8,192, else to
   1,024, and with chunked prefill off (its default) at least I + max_batch_size. Under attention data parallelism the cap is per rank while the count is the whole group's: it never binds
   the H100 DEP rows (GPT-OSS 120B DEP4: 1,536 a rank against the model's 363). Where it binds (TP1 and
   DeepSeek's MLA, whose KV the heuristic counts as 128 full heads), it takes the rows too slow: GPT-OSS 120B on one
   H200 1.61 -> 0.46, DeepSeek-R1 B200 DEP4 1,024 / 8,192 0.91 -> 0.59. The safetensors element counts are not at
   hand (here: the model's parameters, packed MXFP4 / NVFP4 weights at half an element plus their scales), so the
   reconstruction is not exact; at these margins the conclusion does not turn on it.

Tried in the model and not kept (scored on every row, branch h100moe from e570d1f):

- H100's own measured MoE layers read as H200's and B200's are (``terms.MOE_FIT_CHIPS`` + "H100 SXM5": decode's
  bandwidth and rate fitted to its FP8 layers, prefill's MXFP4 rate): 1,166 rows, within 20% 73.07% -> 73.16%,
  median |ln ratio| 0.0929 -> 0.0937 (worse), bias +12.78% -> +12.41%, closed loops 66.0% -> 65.3% (worse), static
  batches as before; H100 median 0.0674 -> 0.0679; Qwen3 235B on H100 DEP8 (1.2) 1.34-1.68 -> 1.23-1.38 but TP8
  (1.0) 0.80-0.94 -> 0.73-0.87. The aggregate is worse, as it was when branch servmoe tried it on fewer rows.
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks.small_moe_terms import at_measured
from calc import data
from calc.architecture import lookup
from calc.serve import load, phases, terms, validation

# (model, lengths) measured on both H100 and H200 at one layout in one release
PAIRS = (
    ("trtllm10-h100-llama4-maverick-tp8-fp8-128-2048", "trtllm10-h200-llama4-maverick-tp8-fp8-128-2048"),
    ("trtllm10-h100-llama4-maverick-tp8-fp8-2048-2048", "trtllm10-h200-llama4-maverick-tp8-fp8-2048-2048"),
    ("trtllm10-h100-llama4-scout-tp4-fp8-128-2048", "trtllm10-h200-llama4-scout-tp4-fp8-128-2048"),
    ("trtllm10-h100-qwen3-235b-tp8-fp8-1000-1000", "trtllm10-h200-qwen3-235b-tp8-fp8-1000-1000"),
    ("trtllm12-h100-gpt-oss-20b-tp1-fp8-1000-1000", "trtllm12-h200-gpt-oss-20b-tp1-fp8-1000-1000"),
    ("trtllm12-h100-gpt-oss-120b-dep4-fp8-1000-1000", "trtllm12-h200-gpt-oss-120b-tp1-fp8-1000-1000"),
    ("trtllm12-h100-qwen3-235b-dep8-fp8-1000-1000", "trtllm12-h200-qwen3-235b-dep4-fp8-1000-1000"),
)

GIB = 2.0 ** 30
# tuning.py BYTES_PER_ELEM: bytes of a stored weight by the checkpoint's quant algorithm; any other algorithm
# (GPT-OSS's MXFP4) and an unquantised checkpoint at 2
_BENCH_BYTES = {"fp8": 1.0, "fp4": 0.5}


def memory_left(s: load.Setup) -> float:
    """Bytes a chip has after its weights, as the model holds them."""
    return float(s.rates.capacity - phases.weights_per_chip(s.shape, s.layout, s.weight_bytes, s.expert_bytes))


def pair_row(name: str) -> dict:
    """Section 1: a row's model / measured, ``n`` and ``n at measured`` a replica, and the memory left a chip."""
    c = next(x for x in validation.cases() if x.name == name)
    s = validation.setup(c)
    n = s.max_concurrency()
    at = at_measured(s, c.throughput_per_chip, n)
    return {"case": c, "ratio": validation.predict(c).throughput_per_chip / c.throughput_per_chip,
            "n": n / s.replicas, "n_at_measured": None if at is None else at / s.replicas, "left": memory_left(s)}


def mxfp4_layers() -> list[tuple]:
    """Section 2: (tensor, tokens, H100 measured s, H200 measured s, the model's H100 layer / measured) for
    GPT-OSS 120B's MXFP4 MoE layers of data/serving_moe.csv, the model's layer as decode counts it at the 16-bit rate and
    the copy kernel's share x the fitted decode efficiency (as tests/test_serve_moe_formats.py takes H200's)."""
    r = terms.rates(data.hardware("H100 SXM5"), "bf16")
    bw = r.memory_bandwidth * phases.coefficients().decode_bandwidth_efficiency
    rows = {(x["chip"], int(x["tensor"]), int(x["tokens"])): x for x in data.serving_moe() if x["precision"] == "mxfp4"}
    out = []
    for (chip, t, n), x in sorted(rows.items()):
        if chip != "H100 SXM5" or n < 16:
            continue
        w, f, k = terms.moe_layer_parts(x, r)
        model = float(phases.grouped_roofline(np.array(w) / bw, np.array(f) / r.matmul) + k)
        out.append((t, n, x["measured_time"], rows[("H200 SXM", t, n)]["measured_time"], model / x["measured_time"]))
    return out


def _round_batch(raw: float) -> int:
    if raw < 256:
        return max(64, 32 * math.ceil(raw / 32))
    return 128 * math.ceil(raw / 128) if raw < 1024 else 256 * math.ceil(raw / 256)


def _round_tokens(raw: float) -> int:
    if raw < 4096:
        return max(2048, 256 * math.ceil(raw / 256))
    return 512 * math.ceil(raw / 512) if raw < 8192 else 1024 * math.ceil(raw / 1024)


def bench_settings(c: validation.Case, fraction: float = 0.90) -> tuple[int, int]:
    """Section 3: (max_batch_size, max_num_tokens) trtllm-bench 1.2's heuristic sets for row ``c`` (the module's
    docstring), ``fraction`` trtllm-bench's kv_cache_free_gpu_mem_fraction (its default 0.90; the perf overview "in
    many cases" 0.95). The stored elements are the model's parameters with packed 4-bit weights at half an element and
    their scales (NVFP4: one per 16, MXFP4: one per 32); the memory is NVML's total (data/hardware.csv memory_usable)."""
    m, s = lookup(c.model), validation.setup(c)
    sh = s.shape
    routed = sh.expert * sh.experts * sh.moe_layers
    rest = sh.dense + sh.unembedding + sh.embedding
    if c.precision == "fp4":
        elements = (routed + sh.dense) * (0.5 + 1 / 16) + sh.unembedding + sh.embedding
    elif m.expert_precision == "mxfp4":
        elements = routed * (0.5 + 1 / 32) + rest
    else:
        elements = routed + rest
    engine = elements * _BENCH_BYTES.get(c.precision, 2.0)
    hw = data.hardware(c.hardware)
    memory = (hw.memory_usable or hw.memory).m_as("byte/chip") * c.tensor * c.pipeline
    kv = 1.0 if c.kv_precision == "fp8" else 2.0
    head = m.head_dim or m.d_model // m.heads  # DeepSeek's config states no head_dim: hidden / heads
    per_request = 2 * m.layers * max(c.tensor, m.kv) * head * kv * (c.input_tokens + c.output_tokens)
    requests = fraction * (memory - engine) / per_request
    batch = min(requests, 4096) / c.pipeline
    most = _round_batch(batch)
    # chunked prefill off (trtllm-bench's default): the budget raised to hold the longest prompt and a full batch
    return most, max(_round_tokens(min(batch * (1 + c.input_tokens / c.output_tokens), 32768)), c.input_tokens + most)


def bench_capped(c: validation.Case) -> dict:
    """Section 3 for row ``c``: trtllm-bench's settings, the model's sequences a rank without and with them, and the
    ratio the model would give under them (``validation.predict``'s offline path with the settings as the run's)."""
    batch, tokens = bench_settings(c)
    s = validation.setup(c)
    s2 = validation.setup(c, max_batch_size=batch, max_num_tokens=tokens)
    ranks = s.replicas * (c.tensor if c.attention_data_parallel else 1)
    n2 = s2.max_concurrency()
    requests = c.requests or (data.serving_workloads().get(c.name) or {}).get("requests")
    capped = load.finite_run(s2, n2, requests) if requests else float(load.evaluate(s2, n2, "continuous")["per_chip"])
    return {"batch": batch, "tokens": tokens, "n": s.max_concurrency() / ranks, "n_capped": n2 / ranks,
            "ratio": validation.predict(c).throughput_per_chip / c.throughput_per_chip,
            "ratio_capped": capped / c.throughput_per_chip}


def main() -> None:
    print("1. The same model and lengths on H100 and H200 (n: sequences a replica)")
    print("| row | model / measured | n | n at measured | share | memory left a chip (GB) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for pair in PAIRS:
        for name in pair:
            x = pair_row(name)
            at = x["n_at_measured"]
            share = "-" if at is None else f"{at / x['n']:.0%}"
            print(f"| {name} | {x['ratio']:.2f} | {x['n']:.0f} | {'-' if at is None else f'{at:.0f}'} | {share} | "
                  f"{x['left'] / 1e9:.0f} |")
    print("\n2. GPT-OSS 120B's MXFP4 MoE layer (TensorRT-LLM 1.2.0rc5 Triton MoE, AIConfigurator), us")
    print("| tensor | tokens | H100 measured | H200 measured | H100 / H200 | model / measured (H100) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for t, n, h100, h200, q in mxfp4_layers():
        print(f"| {t} | {n} | {h100 * 1e6:.0f} | {h200 * 1e6:.0f} | {h100 / h200:.2f} | {q:.2f} |")
    print("\n3. trtllm-bench 1.2's own max_batch_size / max_num_tokens (TensorRT-LLM 1.2 rows; n a rank)")
    print("| row | max_batch_size | max_num_tokens | n | n capped | ratio | ratio capped |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for c in validation.cases():
        if c.engine == "TensorRT-LLM 1.2" and c.scenario == "offline" and c.input_tokens in (1000, 8192):
            x = bench_capped(c)
            print(f"| {c.name} | {x['batch']} | {x['tokens']} | {x['n']:.0f} | {x['n_capped']:.0f} | "
                  f"{x['ratio']:.2f} | {x['ratio_capped']:.2f} |")


if __name__ == "__main__":
    main()
