"""The measured MoE layers' fit out of sample: other expert shapes, layouts and chips than the model reads.

    python -m benchmarks.moe_shapes

Decode's routed experts run at a weight-streaming bandwidth and a rate fitted, per chip and precision, to TensorRT-LLM's
fused MoE module measured on DeepSeek-V3/R1's and Qwen3 235B-A22B's experts at expert parallel 4 and 8, tensor 1
(``terms.measured_experts``, ``terms.MOE_FIT_SHAPES``). Here the same fit, made on those rows of each chip (H100 too,
whose fit the model does not read), predicts the other rows of data/serving_moe.csv (NVIDIA AIConfigurator's tables:
Qwen3 30B-A3B, Mixtral 8x7B and 8x22B, Llama 4 Scout and Maverick, and the fit shapes at tensor 8), each layer as decode
counts it (``terms.moe_layer_parts``): by shape and layout the median |ln(model / measured)| at decode's 16 to 4,096
tokens and the ratio at each token count. Then prefill's grouped-GEMM rate fitted by shape at 1,024 to 8,192 tokens
(``terms.fit_prefill_experts``) beside the rate the model gives a shape it has no measured layers for. A diagnostic:
sets nothing, enters no score.
"""

from __future__ import annotations

import numpy as np

from calc import data
from calc.serve import phases, terms

CHIPS = (("H100 SXM5", "fp8"), ("H200 SXM", "fp8"), ("B200", "fp8"), ("B200", "fp4"))
NAMES = {(7168, 2048, 256, 8): "DeepSeek-V3", (4096, 1536, 128, 8): "Qwen3 235B-A22B",
         (2048, 768, 128, 8): "Qwen3 30B-A3B", (4096, 14336, 8, 2): "Mixtral 8x7B", (6144, 16384, 8, 2): "Mixtral 8x22B",
         (5120, 8192, 16, 1): "Llama 4 Scout", (5120, 8192, 128, 1): "Llama 4 Maverick",
         (2880, 2880, 128, 4): "GPT-OSS 120B"}


def fit_rows(chip: str, precision: str) -> list:
    """The rows a chip's decode fit is made on: ``terms.MOE_FIT_SHAPES`` at tensor 1, 16 to 4,096 tokens."""
    return [x for x in data.serving_moe() if x["chip"] == chip and x["precision"] == precision and x["tensor"] == 1
            and 16 <= x["tokens"] <= 4096 and terms._moe_key(x) in terms.MOE_FIT_SHAPES]


def out_of_sample(chip: str, precision: str) -> tuple[tuple[float, float], dict]:
    """The decode fit on ``chip``'s fit rows ((bandwidth, rate)) and, by (shape, tensor, expert parallel), the
    (tokens, model / measured) pairs of every measured layer of the chip at ``precision``."""
    r = terms._base_rates(chip, precision)
    bandwidth, rate = terms.fit_experts(fit_rows(chip, precision), r)
    out = {}
    for x in data.serving_moe():
        if x["chip"] != chip or x["precision"] != precision:
            continue
        w, f, k = terms.moe_layer_parts(x, r)
        model = float(phases.grouped_roofline(np.array(w) / bandwidth, np.array(f) / rate) + k)
        key = (terms._moe_key(x), int(x["tensor"]), int(x["expert_parallel"]))
        out.setdefault(key, []).append((float(x["tokens"]), model / x["measured_time"]))
    return (bandwidth, rate), {k: sorted(v) for k, v in out.items()}


def decode_error(pairs) -> float:
    """Median |ln(model / measured)| at decode's token counts (16 to 4,096)."""
    return float(np.median([abs(np.log(q)) for n, q in pairs if 16 <= n <= 4096]))


def prefill_rates(chip: str, precision: str) -> dict:
    """By expert shape, the grouped GEMMs' rate fitted to the chip's measured layers at 1,024 to 8,192 tokens, tensor 1."""
    r = terms._base_rates(chip, precision)
    by = {}
    for x in data.serving_moe():
        if x["chip"] == chip and x["precision"] == precision and x["tensor"] == 1 and 1024 <= x["tokens"] <= 8192:
            by.setdefault(terms._moe_key(x), []).append(x)
    return {k: terms.fit_prefill_experts(v, r) for k, v in sorted(by.items())}


def main() -> None:
    for chip, precision in CHIPS:
        (b, rate), groups = out_of_sample(chip, precision)
        print(f"\n{chip} {precision}: decode fit on {len(fit_rows(chip, precision))} layers of DeepSeek-V3's and Qwen3 "
              f"235B's experts: {b / 1e12:.2f} TB/s, {rate / 1e12:,.0f} TFLOP/s")
        print("| experts | tensor x expert parallel | in fit | median abs ln, 16-4,096 tokens | model / measured by tokens |")
        print("| --- | --- | --- | --- | --- |")
        for (shape, t, e), pairs in sorted(groups.items(), key=lambda kv: (kv[0][0] not in terms.MOE_FIT_SHAPES, kv[0])):
            fit = "yes" if shape in terms.MOE_FIT_SHAPES and t == 1 else "no"
            ratios = " ".join(f"{int(n)}:{q:.2f}" for n, q in pairs)
            print(f"| {NAMES.get(shape, shape)} | {t} x {e} | {fit} | {decode_error(pairs):.3f} | {ratios} |")
        k = phases.coefficients().prefill_matmul_efficiency
        base = terms._base_rates(chip, precision)
        print(f"prefill: the rate the model gives a shape without measured layers {base.matmul * k / 1e12:,.0f} "
              "TFLOP/s; fitted by shape (1,024-8,192 tokens, tensor 1): " + ", ".join(
                  f"{NAMES.get(s, s)} {v / 1e12:,.0f}" for s, v in prefill_rates(chip, precision).items()))


if __name__ == "__main__":
    main()
