"""Where the model is too fast on the held-out static batches (AMD's ROCm vLLM README latency tables and AMD's ROCm
blog of January 2025: 8 MI300X at tensor 8, Llama 3.1 70B and 405B FP8, one ``benchmark_latency.py`` call of B
prompts decoded together): the decode step each run implies against the model's, term by term, and how the miss grows
with the batch.

    python -m benchmarks.static_batch_terms [--rows]

A diagnostic (branch newserve2), not a fit: nothing here sets a coefficient.

The implied step: a static batch's measured end-to-end latency L = B O / (tokens/s per chip x chips) is one pass over
the B prompts and O - 1 steps of B sequences (``load.evaluate`` "batch"), so with the model's pass the step the run
implies is (L - TTFT_model) / (O - 1); the miss is that step less the model's (decode terms plus the host's work of
vLLM's loop, data/serving_host.csv). The miss is then fitted per table (engine, model, prompt length) as
a + s B over the batch sizes (least squares): s is the time per sequence per step the model lacks.

Read on the tables at this stop (``main``): the miss's intercept a (the step at B -> 0) is -0.1 ms (70B) and
+2.1-2.3 ms (405B) on the 0.8.5 and 0.9.0.1 tables, +0.4-0.5 / +3.5-3.8 ms on 0.9.1 and 0.10.0, +1.2-1.3 / +4.7-4.8 ms
on the January blog's 0.6.7.dev; the slope s is 42-56 us a sequence a step for the 70B and 94-138 us for the 405B on
every FP8-KV table, the same at 128 and 2,048 prompt tokens (so not the KV cache's reads, which grow 16x with the
context; the FP16-KV tables at 2,048 tokens show a small or negative s, where the model's own 16-bit KV reads take up the
miss), and about 2x larger for the 405B: not in proportion to the products' FLOP (5.8x), nearer the all-reduce's bytes
per step (layers x hidden, 3.15x).

Since branch mi300tp8 the model's all-reduce inside 8 MI300X is the chip's own measured one (RCCL at tensor 8, the
QuickReduce README's table in data/collective_bandwidth.csv; ``calc.serve.terms.measured_all_reduce_time``): 1.4-2.1x
the rings' time from 32 KiB to 8 MiB. With it the slope s falls to 38-53 us (70B) and 78-126 us (405B), and the
intercept a to -1.3/-1.4 ms (70B) and +0.0-0.2 ms (405B) on 0.8.5 and 0.9.0.1, -0.1/+0.0 and +2.6/+2.7 ms on the
January blog's: the 405B's constant miss was the all-reduce's latency (126 x 2 all-reduces a step at 16 us, not 10),
while the 70B's small batches now run ~1.4 ms (17%) long, where vLLM's own custom all-reduce (7 us at 2-32 KiB at
tensor 4, below) would beat RCCL's 16 us; no tensor-8 time of that kernel on MI300X is at hand. Static batches: 61% ->
84% within 20%, median |ln ratio| 0.141 -> 0.088. What is left grows with B: 40-50 us a sequence a step (70B) and
80-125 us (405B), the products and element-wise kernels at 64-128 rows (below).

One grounded lead before that change, at tensor 4: vLLM's own MI300X all-reduce at decode's sizes (``ALL_REDUCE_TP4``, vLLM PR
#19744's kernel test, tensor 4, the 'baseline' column: custom all-reduce / RCCL as vLLM picks them) takes 1.5-2.2x the
model's hierarchical-ring time from 1 to 8 MB and 0.72-0.75x of it at 2-32 KB, decode's sizes at a few sequences
(``all_reduce_against_measured``); the 2-4 MB messages of tensor 8 at B
= 128 (128 x 8,192 or 16,384 x 2 bytes) are where the slope sits. No tensor-8 rows of that kernel test were at hand in
the stored copy (its excerpt stops at tensor 4), so the model's tensor-8 all-reduce is not changed from it; were the tensor-8 times 1.8x the model's too, the all-reduce would
carry a quarter to a third of the miss at B = 128 (its bytes' part 2.0 ms a step of the 70B, 6.3 ms of the 405B:
~1.6 of 6 ms and ~5 of 14 ms). The rest grows with B as the products and
element-wise kernels at 64-128 rows would, which no MI300X measurement at tensor 8's shapes in data/ bounds
(data/serving_gemm.csv holds MI325X's tensor-1 Llama 2 70B products only).
"""

from __future__ import annotations

import sys
from collections import defaultdict

import numpy as np

from calc import data
from calc.serve import load, terms, validation

# vLLM PR #19744 ('[Feature][Rocm] add quick all reduce for rocm', merged 2025; https://github.com/vllm-project/vllm/pull/19744),
# the kernel test's TP=4 table on MI300X, column 'baseline' (vLLM's custom all-reduce or RCCL, fp16), microseconds
# by message size in bytes
ALL_REDUCE_TP4 = {2 * 1024: 7.18, 16 * 1024: 7.26, 32 * 1024: 7.58, 256 * 1024: 14.39, 512 * 1024: 14.65,
                  2 ** 20: 22.91, 2 * 2 ** 20: 36.64, 4 * 2 ** 20: 63.86, 8 * 2 ** 20: 118.31}


# ROCm/aiter commit fbb52ddfad ('[MI300X] tune Gemm performance for llama 70b/405b', PR #1092, 26 September 2025;
# https://github.com/ROCm/aiter/blob/fbb52ddfad/aiter/configs/a8w8_tuned_gemm.csv): the tuned CK a8w8 row-wise FP8
# products on MI300X (cu_num 304) at Llama 3.1 70B's and 405B's tensor-8 shapes, microseconds by (N, K) and M (tokens)
AITER_TP8 = {
    "Llama 3.1 70B": {(1280, 8192): {1: 15.98, 16: 12.76, 32: 12.91, 64: 12.87, 128: 13.19, 256: 17.30, 512: 27.16},
                      (8192, 1024): {1: 6.17, 16: 6.20, 32: 6.50, 64: 7.65, 128: 10.85, 256: 13.23, 512: 19.86},
                      (7168, 8192): {1: 26.36, 16: 25.59, 32: 26.09, 64: 28.92, 128: 37.56, 256: 59.30, 512: 88.56},
                      (8192, 3584): {1: 12.10, 16: 11.91, 32: 12.53, 64: 15.02, 128: 19.72, 256: 30.04, 512: 47.39}},
    "Llama 3.1 405B": {(2304, 16384): {1: 28.68, 16: 23.27, 32: 23.57, 64: 25.47, 128: 32.75, 256: 46.93, 512: 72.21},
                       (16384, 2048): {1: 12.32, 16: 12.58, 32: 13.92, 64: 17.27, 128: 22.44, 256: 32.17, 512: 54.72},
                       (13312, 16384): {1: 71.79, 16: 72.65, 32: 79.46, 64: 95.47, 128: 124.09, 256: 177.71,
                                        512: 282.13},
                       (16384, 6656): {1: 31.35, 16: 32.89, 32: 32.76, 64: 39.33, 128: 56.93, 256: 85.13, 512: 145.17}},
}


def products_against_measured(model: str) -> list[tuple[int, float, float]]:
    """(tokens M, measured us, model us) of one layer's four dense products of ``model`` at tensor 8 on MI300X in FP8:
    ``AITER_TP8``'s summed times against the model's decode products (``phases.grouped_roofline`` of the weights
    streamed at the products' bandwidth and the FLOP at the matmul rate, as ``phases`` counts them).

    Read: the 70B's layer takes 2.0-2.4x the model's from M = 1 to 256 (61 us at M = 1 against 26, 81 against 39 at
    128; 1.8x at 512), the 405B's 1.4-1.6x; the slope from 64 to 256 rows, 0.29 us a row a layer (70B) and 0.86 us
    (405B), is 2.0x and 1.6x the model's (0.15 and 0.55): 23 and 108 us a sequence a step against the model's 12 and
    69, some 11 us of the 40-50 us (70B) and 39 us of the 80-125 us (405B) a sequence a step left in ``slopes``. These are aiter's CK kernels (vLLM's ROCm path when its aiter linear layers are on), not necessarily
    the hipBLASLt products (torch._scaled_mm) of the held-out builds; at M = 1 they would alone take 4.9 ms (70B) and
    18 ms (405B) of steps measured at 7.6 and 22.4 ms, so vLLM's small-batch products (its skinny GEMMs) run faster
    than these, and the model's fixed cost per layer (``decode_layer_overhead``) holds the rest. Not set in the model.
    """
    from calc.serve import phases

    r = terms.rates(data.hardware("MI300X"), "fp8")
    k = phases.coefficients()
    shapes = AITER_TP8[model]
    weights = float(sum(n * kk for n, kk in shapes))  # FP8: one byte a weight
    out = []
    for m in sorted(next(iter(shapes.values()))):
        measured = sum(t[m] for t in shapes.values())
        memory = weights / (r.product_bandwidth * k.decode_bandwidth_efficiency)
        compute = 2.0 * weights * m / r.matmul
        out.append((m, measured, float(phases.grouped_roofline(memory, compute)) * 1e6))
    return out


def rows() -> list[dict]:
    """One dict per held-out static batch: its case, the step it implies and the model's (s), their difference
    ``miss`` and the model's decode parts (s)."""
    out = []
    for c in validation.cases():
        if c.scenario != validation.STATIC_BATCH or validation._refusal(c) is not None:
            continue
        s = validation.setup(c)
        at = load.evaluate(s, c.batch, "batch")
        ttft, tpot = float(at["ttft"]), float(at["tpot"])
        latency = c.batch * c.output_tokens / (c.throughput_per_chip * c.chips)
        implied = (latency - ttft) / (c.output_tokens - 1)
        parts = {k: float(v) for k, v in at["decode"].items() if k != "total"}
        out.append({"case": c, "implied": implied, "model": tpot, "miss": implied - tpot, "parts": parts})
    return out


def slopes(found: list[dict]) -> dict:
    """(engine, model, prompt tokens, KV precision) -> (a, s): the miss fitted as a + s B over the table's batches (s)."""
    groups = defaultdict(list)
    for r in found:
        c = r["case"]
        groups[(c.engine, c.model, c.input_tokens, c.kv_precision)].append((c.batch, r["miss"]))
    fits = {}
    for key, pts in groups.items():
        b, m = (np.array(v, dtype=float) for v in zip(*pts))
        if len(b) >= 2:
            s, a = np.polyfit(b, m, 1)
            fits[key] = (float(a), float(s))
    return fits


def all_reduce_against_measured(group: int = 4) -> list[tuple[int, float, float]]:
    """(bytes, measured us, model us) for each message size of ``ALL_REDUCE_TP4`` on MI300X at tensor ``group``
    (``terms.all_reduce_time`` at FP8 rates: the collective term does not depend on the precision)."""
    r = terms.rates(data.hardware("MI300X"), "fp8")
    return [(n, t, float(terms.all_reduce_time(r, float(n), group)) * 1e6) for n, t in ALL_REDUCE_TP4.items()]


def main(argv: list[str]) -> None:
    found = rows()
    if "--rows" in argv:
        for r in found:
            c = r["case"]
            parts = " ".join(f"{k} {v * 1e3:.2f}" for k, v in r["parts"].items())
            print(f"{c.name}: step implied {r['implied'] * 1e3:.2f} ms, model {r['model'] * 1e3:.2f} "
                  f"(miss {r['miss'] * 1e3:+.2f}; {parts})")
    print("miss = a + s B per table (a in ms, s in us a sequence a step):")
    for (engine, model, prompt, kv), (a, s) in sorted(slopes(found).items()):
        print(f"  {engine:22s} {model:15s} {prompt:5d} in, KV {kv or '-':5s}: a {a * 1e3:+.2f} ms, s {s * 1e6:6.1f} us")
    for model in AITER_TP8:
        print(f"{model}'s dense products a layer at tensor 8 on MI300X, aiter's tuned FP8 GEMMs against the model:")
        for m, measured, mine in products_against_measured(model):
            print(f"  M {m:4d}: measured {measured:6.1f} us, model {mine:6.1f} us ({measured / mine:.2f}x)")
    print("MI300X all-reduce at tensor 4, vLLM PR #19744's baseline against the model:")
    for n, measured, model in all_reduce_against_measured():
        print(f"  {n / 1024:8.0f} KiB: measured {measured:6.1f} us, model {model:6.1f} us ({measured / model:.2f}x)")


if __name__ == "__main__":
    main(sys.argv[1:])
