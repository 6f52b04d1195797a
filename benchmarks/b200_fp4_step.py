"""What B200's NVFP4 products reach at Llama 3.1 8B's shapes, and how much of the 8B's step the model is short on
B200 at FP4 (MLPerf v5.1 Offline 1.19-1.28x, Server and Interactive through the knee: ``benchmarks.server_step_gain``)
its measured sources explain, term by term (branch b200fp4).

    python -m benchmarks.b200_fp4_step

A diagnostic, not a fit: nothing here sets a coefficient or enters a score; the what-ifs replace a setup's rates for
the rows printed only.

1. The products' rate at the model's shapes. The one B200 table of NVFP4 products by shape at serving's token counts
   is NVIDIA AIConfigurator's TensorRT-LLM 1.2.0rc5 GEMM table (ai-dynamo/aiconfigurator at 095f58a, b200_sxm/gemm/
   trtllm/1.2.0rc5/gemm_perf.parquet: the PyTorch backend's NVFP4 ``Linear``, its BF16 input quantized in the
   forward, 1 to 32,768 rows over a grid of N and K from 128 to 65,536); the grid points around the four products of
   a layer of Llama 3.1 8B (tensor 1), Llama 2 70B (tensor 1) and Llama 3.1 405B (tensor 2), at 2,048 and 8,192 rows,
   are data/matmul_efficiency.csv's B200 fp4 rows without a peak (a rate by shape, not a best share: nothing in the
   model reads them). A layer's rate (FLOP-weighted over QKV, attention output, gate and up fused, down; each
   product interpolated in ln N and ln K) at 8,192 rows: 8B 3,574 TFLOP/s, 70B 4,009, 405B at tensor 2 3,656; at
   2,048 rows 3,253, 3,887, 4,206. The 8B's products with K = 4,096 run slowest (QKV 6,144 x 4,096: 3,168; attention
   output 4,096 x 4,096: 2,910), its gate and up 28,672 x 4,096 near the grid's 8,192^3 (3,826). The table's best is
   4,377 (8,192 x 65,536 x 8,192), below cuBLAS's 5,239 at 8,192^3 (the model's FP4 rate, a burst; DeepGEMM pull
   request 348) by the quantization kernel inside each time and the collector's back-to-back replays. Against the
   8,192^3 point of the same table the 8B layer is at 0.93 of it, the 70B's 1.05, the 405B's 0.96: the shape
   explains 3-7% of a product's time, not the 8B's 20-28%.

2. The 8B's Offline step on B200 (NVIDIA's system, 2,409 sequences a GPU, the model's capacity; the measured
   throughput at it needs the step 1.285x): 110 ms = decode 38.0 (KV reads 20.5 at 0.9 x 8 TB/s, products and
   decode attention 14.7, per-layer and per-step overheads 2.8), prefill riding in the step 62.0 (16,265 prompt tokens:
   products 47.5 at 5,239 x 0.915, the rest the causal attention at 1,019 TFLOP/s and the element-wise kernels), and
   the C++ executor's host work 9.6 (4 us a sequence, added). What the sources say of each part:
   - products: at the table's shape share (``relative``) prefill's products take +3.4 ms (1.285 -> 1.24); at the
     table's rates as they stand (``absolute``, prefill at 8,192 rows and decode at 2,048, the quantization inside)
     the 8B's Offline rows come to 1.05-1.14x (from 1.19-1.28x);
   - the FP4 quantization of the products' inputs: NVIDIA's B200 and GB200 (x4) builds of Llama 2 70B and Llama 3.1
     405B (closed/NVIDIA/configs/<system>/<scenario>/llama2-70b.py, llama3_1-405b.py; all but Llama 2 70B Interactive
     on B200, which builds the FP4 GEMM plugin) set ``norm_quant_fusion``, the RMSNorm writing the QKV and gate/up
     inputs in NVFP4; none of their Llama 3.1 8B builds does (every scenario), nor HPE's RTX PRO 6000 Offline one. Unfused,
     each of the four products' inputs is read in BF16 and written in NVFP4 (2 + 0.5 + 1/16 bytes an element) by a
     kernel of its own: ``quantize_bytes`` 68 KB a token and layer for the 8B, 5.7 ms of the step at the streaming
     bandwidth (5%), of which the two inputs the fusion covers 1.8 ms. Tried and dropped for every FP4 product before (README:
     Llama 2 70B Offline, already 0.82x, slower); the build flag would confine it to the 8B, but it is a twentieth of
     the step, not a fifth;
   - decode attention at FP8 KV: AIConfigurator's TensorRT-LLM 1.2.0rc5 generation attention (32 query and 8 KV
     heads, head 128, FP8 cache, 64-512 sequences at 511-4,095 cached tokens) times B200 at 0.58-0.73 of H200 where
     their peak bandwidths are 0.60: B200 streams 0.82-1.03 of the share of its peak H200 reaches (median 0.94; H200
     the chip whose rows the model's 0.9 was fitted on), about 1.3 ms of the 20.5 (0 to 4.5);
   - the host: the 4 us a sequence and step is the calibration's (TensorRT engines of 2023-2024 through the C++
     executor), added without overlap; no figure of the v5.1 executor's per-step host time on the submitters' Xeon
     8570s is published.
   Together the grounded terms reach about 10 ms of the 31 ms missing (shape 3.4, the inputs' quantization 5.7,
   attention about 1.3); the table's rates as they stand, the quantization inside them, about 14 (1.285 -> 1.136) and
   15 with the attention: half of it at most.

3. Why no FP4 rate by shape is kept (each reading on every B200 FP4 setup with a dense feed-forward; held-out at
   30b7979: 1,101 rows, 73.39% within 20%, median 0.0899, bias +13.53%, latencies 47.7% of 566 within 25%; the 139
   Server/Interactive rows' TTFT 66 and TPOT 67 within 25%; closed loops (147: 66.0%, 0.0934) and static batches (160:
   61.3%, 0.1414) hold no B200 FP4 row and stay as they are under every reading):
   - ``absolute`` for prefill only: 74.39%, median 0.0900, bias +11.50%, latencies 46.6%; the 8B 75% -> 89% within
     20%, but TTFT 66 -> 49 (405B Interactive 1.25x -> 1.64x, Llama 2 70B Server 1.1-1.2x -> 1.3-1.4x, two past their
     knee), TPOT 67 -> 78;
   - ``absolute`` for prefill and decode: 73.30%, median 0.0953, bias +13.06%, latencies 50.0%, TTFT 60, TPOT 86;
   - decode only at the table's rate (at least the FP8 rate): 70.39%, median 0.0961, bias +15.17% (Llama 3.3 70B
     86% -> 81% within 20%);
   - ``relative``: 73.84%, median 0.0901, bias +13.10%, latencies 47.2%, TTFT 66 -> 59 (405B Interactive 1.25x ->
     1.33x), TPOT 67 -> 71, the 405B Server's TPOT 1.18-1.25x -> 1.42-1.51x (on their knee).
   Every reading that brings the 8B in takes the 405B's first tokens and Server steps out: the table's rates, which
   include the quantization kernel, run under what the 405B and 70B engines (``norm_quant_fusion``, GemmAllReduce)
   reach, and its shape share is too small to carry the 8B. The 8B's missing step is not in B200's product rate by
   shape. Left open: the 8B build's own runtime settings (``use_graphs`` and ``cuda_graph_padding_enabled``, which
   the v5.1 C++ executor runs without: ``benchmarks.mlperf_server_schedule``; ``workers_per_core`` 12, set in the 8B's
   configurations alone), the executor's per-sequence host time on this build and its CPUs (the model's 4 us is 9.6 ms of the
   step), and TensorRT's own FP4 kernels behind ``dynamic_quantize`` (no published table). The measurement that would settle it: an nsys timeline of one 8B Offline step on B200.
"""

from __future__ import annotations

import dataclasses
import math

from calc import data
from calc.serve import load, validation
from calc.serve.phases import coefficients

SOFTWARE = "TensorRT-LLM 1.2.0rc5"  # data/matmul_efficiency.csv's B200 fp4 rows of AIConfigurator's table
REFERENCE = (8192, 8192, 8192)  # the table's point at cuBLAS's 8,192^3 (the model's FP4 rate)
NVFP4_BYTES = 0.5 + 1.0 / 16.0  # an element and its E4M3 scale per 16
BF16_BYTES = 2.0


def table() -> dict:
    """(m, n, k) -> FLOP/s of B200's NVFP4 products in AIConfigurator's TensorRT-LLM 1.2.0rc5 table
    (data/matmul_efficiency.csv: chip B200, precision fp4, the rows without a peak)."""
    return {(int(r["m"]), int(r["n"]), int(r["k"])): r["measured_tflops"] * 1e12 for r in data.matmul_efficiency()
            if r["chip"] == "B200" and r["precision"] == "fp4" and (r["software"] or "").startswith(SOFTWARE)}


def _around(values: list, x: float) -> tuple:
    """The two grid values around x (the same twice where x is one) and x's share of the way between them in ln."""
    if x in values:
        return x, x, 0.0
    lo = max(v for v in values if v < x)
    hi = min(v for v in values if v > x)
    return lo, hi, (math.log(x) - math.log(lo)) / (math.log(hi) - math.log(lo))


def product_rate(m: int, n: float, k: float, rows: dict | None = None) -> float:
    """FLOP/s of an (m x k)(k x n) NVFP4 product at ``m`` rows of the table (2,048 or 8,192), bilinear in ln n and
    ln k between the grid points transcribed around it."""
    rows = table() if rows is None else rows
    ns = sorted({nn for (mm, nn, _) in rows if mm == m})
    ks = sorted({kk for (mm, _, kk) in rows if mm == m})
    n0, n1, a = _around(ns, n)
    k0, k1, b = _around(ks, k)
    ln = lambda nn, kk: math.log(rows[(m, nn, kk)])  # noqa: E731
    return math.exp((1 - a) * (1 - b) * ln(n0, k0) + a * (1 - b) * ln(n1, k0) + (1 - a) * b * ln(n0, k1)
                    + a * b * ln(n1, k1))


def products(s: load.Setup) -> list:
    """(N, K) of a dense layer's four products on one rank (QKV, attention output, gate and up fused, down)."""
    sh, T = s.shape, s.layout.tensor
    return [((sh.heads + 2 * sh.kv_heads) * sh.qk_dim / T, sh.d_model), (sh.d_model, sh.heads * sh.v_dim / T),
            ((2 if sh.gated else 1) * sh.dense_ff / T, sh.d_model), (sh.d_model, sh.dense_ff / T)]


def layer_rate(s: load.Setup, m: int, rows: dict | None = None) -> float:
    """FLOP/s of a layer's four products at ``m`` rows: their FLOP over their summed times at the table's rates."""
    rows = table() if rows is None else rows
    p = products(s)
    return sum(n * k for n, k in p) / sum(n * k / product_rate(m, n, k, rows) for n, k in p)


def quantize_bytes(s: load.Setup, fused_norm: bool) -> float:
    """Bytes a token and layer of the kernels that quantize the four products' BF16 inputs to NVFP4 (read 2 bytes,
    write 0.5 and a scale per 16); ``fused_norm``: the QKV and gate/up inputs written in NVFP4 by the RMSNorm
    (``norm_quant_fusion``), only the attention output's and the down product's inputs quantized apart."""
    sh, T = s.shape, s.layout.tensor
    per = BF16_BYTES + NVFP4_BYTES
    inputs = [sh.heads * sh.v_dim / T, sh.dense_ff / T] + ([] if fused_norm else [sh.d_model, sh.d_model])
    return per * sum(inputs)


def with_rates(s: load.Setup, reading: str, rows: dict | None = None) -> load.Setup:
    """``s`` with B200's FP4 products read from the table: "relative" prefill at the model's rate x the layer's share
    of the table's 8,192^3 point (at most 1); "absolute" prefill at the layer's rate at 8,192 rows (over the fitted
    prefill efficiency, which ``phases.prefill`` applies) and decode at its rate at 2,048 rows."""
    rows = table() if rows is None else rows
    r = s.rates
    if reading == "relative":
        share = min(1.0, layer_rate(s, 8192, rows) / rows[REFERENCE])
        r = dataclasses.replace(r, prefill_matmul=r.prefill_matmul * share)
    elif reading == "absolute":
        r = dataclasses.replace(r, prefill_matmul=layer_rate(s, 8192, rows) / coefficients().prefill_matmul_efficiency,
                                matmul=layer_rate(s, 2048, rows))
    else:
        raise ValueError(f"reading: expected 'relative' or 'absolute', got {reading!r}")
    return dataclasses.replace(s, rates=r)


def offline_cases() -> list:
    """MLPerf v5.1 Offline rows on B200 at FP4 of the three dense models (8B, Llama 2 70B, 405B)."""
    return [c for c in validation.cases() if c.name.startswith("mlperf51-") and c.name.endswith("offline")
            and c.hardware == "B200" and c.precision == "fp4" and "deepseek" not in c.name]


def offline_ratio(c, reading: str | None = None) -> float:
    """Model / measured throughput per chip of Offline row ``c`` at the model's capacity (within 0.4% of
    ``validation.predict``'s), with B200's FP4 products read as ``reading`` (None: the model's own)."""
    s = validation.setup(c)
    if reading is not None:
        s = with_rates(s, reading)
    r = load.evaluate(s, s.max_concurrency(), "continuous")
    return float(r["per_chip"]) / c.throughput_per_chip


def step_parts(c) -> dict:
    """The model's Offline step of row ``c`` at its capacity, by part (s), with the quantization kernels' time at the
    streaming bandwidth, unfused and with the norm's fusion."""
    s = validation.setup(c)
    n = s.max_concurrency() / s.replicas
    r = load.evaluate(s, s.max_concurrency(), "continuous")
    tokens = n + n * s.input_tokens / s.output_tokens  # decode tokens and prompt tokens a step
    products = 2.0 * s.shape.dense * (n * s.input_tokens / s.output_tokens) / (
        s.rates.prefill_matmul * coefficients().prefill_matmul_efficiency)
    q = lambda fused: tokens * s.shape.layers * quantize_bytes(s, fused) / s.rates.streaming_bandwidth  # noqa: E731
    return {"sequences": n, "step": float(r["tpot"]), "decode": float(r["decode"]["total"]),
            "kv": float(r["decode"]["kv cache"]), "prefill": float(r["prefill"]["total"]), "prefill_products": products,
            "host": float(r["tpot"]) - float(r["decode"]["total"]) - float(r["prefill"]["total"]),
            "quantize": q(False), "quantize_fused": q(True)}


def main() -> None:
    rows = table()
    kinds = {}
    for c in offline_cases():
        kinds.setdefault(c.model, c)
    print("| model (tensor) | layer rate at 8,192 / 2,048 rows, TFLOP/s | share of the table's 8,192^3 | "
          "the model's prefill / decode rate |")
    print("| --- | --- | --- | --- |")
    for model, c in kinds.items():
        s = validation.setup(c)
        print(f"| {model} ({s.layout.tensor}) | {layer_rate(s, 8192, rows) / 1e12:.0f} / "
              f"{layer_rate(s, 2048, rows) / 1e12:.0f} | {layer_rate(s, 8192, rows) / rows[REFERENCE]:.2f} | "
              f"{s.rates.prefill_matmul * coefficients().prefill_matmul_efficiency / 1e12:.0f} / "
              f"{s.rates.matmul / 1e12:.0f} |")
    print()
    print("| Offline row | model / measured | relative | absolute |")
    print("| --- | --- | --- | --- |")
    for c in offline_cases():
        print(f"| {c.name} | {offline_ratio(c):.3f} | {offline_ratio(c, 'relative'):.3f} | "
              f"{offline_ratio(c, 'absolute'):.3f} |")
    print()
    c = next(c for c in offline_cases() if c.name == "mlperf51-nvidia-b200-sxm-180gbx8-llama3-1-8b-offline")
    p = step_parts(c)
    print(f"{c.name}: {p['sequences']:.0f} sequences a GPU, step {p['step'] * 1e3:.1f} ms = decode "
          f"{p['decode'] * 1e3:.1f} (KV reads {p['kv'] * 1e3:.1f}) + prefill {p['prefill'] * 1e3:.1f} (products "
          f"{p['prefill_products'] * 1e3:.1f}) + host {p['host'] * 1e3:.1f}; the inputs' NVFP4 quantization "
          f"{p['quantize'] * 1e3:.1f} ms unfused, {p['quantize_fused'] * 1e3:.1f} with the norm's fusion")


if __name__ == "__main__":
    main()
