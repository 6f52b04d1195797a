"""What each term of a large mixture of experts' decode step contributes, beside the kernels' own measurements.

    python -m benchmarks.moe_decode_terms

DeepSeek-R1 on 8 H200 in FP8 (attention data parallel 8, experts on 8 ranks, the ranks all-gathering their tokens as
TensorRT-LLM's CutlassFusedMoE does on a DGX H200: the layout of the DeepSeek-R1 blog's H200 row) and in NVFP4 on 8 B200
(dispatched by an all-to-all, as NVIDIA's MLPerf v5.1 harness runs it), at 64 to 256 sequences a rank: the model's
decode step by term (``phases.decode_step``'s parts itemized) at the decode rates alone ("plain") and at the chip's
measured MoE layers (``terms.measured_experts``), and beside them the per-step sum of the measured kernels of
data/serving_moe.csv (the MoE layer at the tokens entering a rank) and data/serving_mla.csv (the MLA generation step at
the rank's sequences and their mean context), 58 MoE layers and 61 attention layers. A diagnostic: sets nothing, enters
no score.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from calc import data
from calc.architecture import lookup
from calc.serve import footprint, phases, terms

PER_RANK = (64, 128, 256)


def _interp(points: dict, x: float) -> float:
    """Linear in ln x between the measured points (held at the ends)."""
    xs = np.array(sorted(points))
    return float(np.interp(np.log(x), np.log(xs), [points[k] for k in xs]))


def measured_moe(chip: str, precision: str, hidden: int, tokens: float) -> float | None:
    pts = {r["tokens"]: r["measured_time"] for r in data.serving_moe() if r["chip"] == chip
           and r["precision"] == precision and r["hidden"] == hidden and r["expert_parallel"] == 8}
    return _interp(pts, tokens) if pts else None


def measured_mla(chip: str, kv: str, batch: int, context: float) -> float | None:
    rows = [r for r in data.serving_mla() if r["chip"] == chip and r["kv_precision"] == kv and r["batch"] == batch]
    return _interp({r["context"]: r["measured_time"] for r in rows}, context) if rows else None


def terms_of(sh, lay, r, weight_bytes, kv_bytes, b, context):
    """The step's terms (s), the one-stage decode step itemized as ``phases.decode_step`` counts it."""
    k = phases.coefficients()
    bw = r.memory_bandwidth * k.decode_bandwidth_efficiency
    ebw = r.expert_bandwidth or bw
    T = lay.tensor
    b_attn = b / T
    dense_params = sh.dense + sh.unembedding
    dense = phases.grouped_roofline(dense_params * weight_bytes / bw, 2.0 * dense_params * b_attn / r.matmul)
    touched = footprint.experts_touched(b, sh.experts, sh.per_token)
    routing, gemm_bytes = phases.moe_routing(sh, lay, r, b, bw)
    moe_mem = sh.moe_layers * (touched * sh.expert * weight_bytes / T + gemm_bytes) / ebw
    moe_flop = sh.moe_layers * phases.expert_matmuls(sh, lay, r, b, r.expert_rate or None)
    kv_chip = phases.kv_per_token_chip(sh, lay, kv_bytes)
    attention = max(b_attn * context * kv_chip / bw,
                    2.0 * b_attn * context * sh.heads * sh.attention_width * sh.layers / r.attention)
    return {"dense products": dense, "routed experts": phases.grouped_roofline(moe_mem, moe_flop),
            "MoE routing": sh.moe_layers * routing, "MLA attention": attention,
            "token exchange": sh.moe_layers * phases._exchange(sh, lay, r, b_attn, weight_bytes),
            "norms, activation": sh.layers * phases.elementwise(sh, lay, r, b_attn),
            "fixed per layer and step": sh.layers * k.decode_layer_overhead + k.decode_step_overhead}


def main():
    sh = phases.shape(lookup("DeepSeek-R1"))
    cases = [("H200 SXM", "fp8", 1.0, "bf16", 2.0, 1.0, 2048.0), ("B200", "fp4", 0.5625, "fp8", 1.0, 0.0, 4825.0)]
    for chip, precision, wb, kv, kvb, gather, context in cases:
        r = terms.rates(data.hardware(chip), precision)
        plain = replace(r, expert_bandwidth=0.0, expert_rate=0.0)
        lay = phases.Layout(tensor=8, expert=8, attention_data_parallel=True, gather_bytes=gather)
        print(f"DeepSeek-R1 on 8 {chip}, {precision} weights, {kv} KV cache, {context:,.0f} cached tokens a sequence, "
              "attention data parallel 8 x experts 8 (ms a step)")
        print(f"| term | {' | '.join(f'{n} a rank: plain / measured MoE' for n in PER_RANK)} |")
        print("| --- |" + " --- |" * len(PER_RANK))
        before = [terms_of(sh, lay, plain, wb, kvb, n * 8.0, context) for n in PER_RANK]
        after = [terms_of(sh, lay, r, wb, kvb, n * 8.0, context) for n in PER_RANK]
        for name in before[0]:
            cells = " | ".join(f"{float(x[name]) * 1e3:.1f} / {float(y[name]) * 1e3:.1f}" for x, y in zip(before, after))
            print(f"| {name} | {cells} |")
        cells = " | ".join(f"{sum(float(v) for v in x.values()) * 1e3:.1f} / {sum(float(v) for v in y.values()) * 1e3:.1f}"
                           for x, y in zip(before, after))
        print(f"| total | {cells} |")
        moe = [measured_moe(chip, precision, sh.d_model, n * 8.0) for n in PER_RANK]
        mla = [measured_mla(chip, kv, n, context) for n in PER_RANK]
        print(f"| measured MoE layers x {sh.moe_layers} (data/serving_moe.csv) | "
              + " | ".join(f"{m * sh.moe_layers * 1e3:.1f}" if m else "-" for m in moe) + " |")
        print(f"| measured MLA generation x {sh.layers} (data/serving_mla.csv) | "
              + " | ".join(f"{m * sh.layers * 1e3:.1f}" if m else "-" for m in mla) + " |")
        print()


if __name__ == "__main__":
    main()
