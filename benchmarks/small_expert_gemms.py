"""Small experts' products at their measured GEMM rates: is the grouped GEMM the mixtures of experts' shared miss?

    python -m benchmarks.small_expert_gemms

A diagnostic (branch smallexp): sets nothing, enters no score. Two held-out classes are predicted too fast by both
models: in training (``python -m benchmarks.validate_step``) Megatron-Bridge's GPT-OSS 120B (18 runs, median 1.46) and
Nemotron 3 Nano 30B-A3B (10 runs, 1.27), beside its Qwen3 30B-A3B, Qwen3 235B-A22B and DeepSeek-V3 at medians 1.01-1.03
(benchmarks/step_miss_classes.py, sections 4 and 5); in serving the small-expert mixtures on Hopper
(benchmarks/small_moe_terms.py). The candidate shared cause is the rate of the experts' products at their small
shapes (GPT-OSS: hidden 2880, gate+up 5760, down 2880; Nemotron 3 Nano: 2688 x 1856, squared ReLU, not gated).

It compares, on B200, GB200 and H100 in BF16 and FP8, single GEMMs measured at the grid shapes of NVIDIA
AIConfigurator's TensorRT-LLM 1.3.0rc20 tables nearest each model's expert products (data/expert_gemm_shapes.csv,
2,048 / 8,192 / 32,768 rows) with the time the step model gives the same shape (``calc.perf.kernels.matmul_time``):

1. by chip, precision and model, measured / model time of the model's up and down products together (GPT-OSS's
   shape between the grid shapes below and above it, the geometric mean);
2. the same over Qwen3 235B-A22B's and DeepSeek-V3's (the shapes whose Megatron-Bridge runs the model meets): how much
   slower, relative to what the model already gives the shapes it fits, the small experts' products run;
3. the held-out Megatron-Bridge MoE runs with their routed products' seconds (one GEMM an expert, as
   ``calc.perf.layer.experts`` counts them) scaled by the chip's relative factor of section 2 at the rows an expert
   gets: the class's ratio before and after, and the factor those products alone would need to close it.
4. the source's own model TFLOP/s a GPU of each Megatron-Bridge MoE model by chip and precision (median over its
   releases and layouts) beside the model's (the source's figure times the run's ratio).

What it shows (branch smallexp, from lead10 6c3b855):

* The small shapes are not slow, measured. In BF16 every shape runs faster than the step model gives it (measured /
  model 0.49-0.91 at 8,192-32,768 rows, 0.46-0.82 at 2,048: the model's BF16 rates are conservative for every shape
  alike); in FP8 slower, again for every shape (0.97-1.24 on B200 and GB200 at 8,192-32,768 rows, 1.09-1.54 on H100,
  whose 8-bit products the model has no table by shape for). Over Qwen3 235B-A22B's and DeepSeek-V3's, GPT-OSS's
  products are at 0.87-1.01 on every chip, precision and row count, Nemotron 3 Nano's at 0.74-1.05 (H100 FP8 0.99-1.23),
  Qwen3 30B-A3B's (whose runs the model meets at 0.83-1.02) at 0.62-1.35: measured, the small experts' products run as
  fast as or faster than the large ones' beside what the model gives each, where GPT-OSS's gap would need all its
  matmuls x1.9 (benchmarks/step_miss_classes.py section 5).
* Applied to the held-out runs (routed products only, at each run's rows an expert), the relative factors move GPT-OSS
  120B's median 1.46 -> 1.51 (the wrong way: its factor is 0.89-0.97) and Nemotron 3 Nano's 1.27 -> 1.28 (its H100 FP8
  runs 1.35-1.41 -> 1.33-1.39), DeepSeek-V3 1.01 -> 1.02, Qwen3 30B-A3B 1.02 -> 1.05, Qwen3 235B-A22B 1.03 -> 1.01.
  The routed products alone would have to grow 1.9-4.0x (GPT-OSS, median 2.3x) and 1.7-2.6x (Nemotron 3 Nano, 1.9x)
  to close the classes. The grouped GEMM rate is not their cause; nothing is set.
* What the class is, in the source's own units: GPT-OSS 120B in BF16 reports 433 TFLOP/s a GB200 (the model: 802),
  355 a B200 (541), 158 an H100 (230), where DeepSeek-V3 in BF16 on GB200 reports 782 (the model: 785) and Qwen3
  235B-A22B 728 (651); in MXFP8 on GB200 GPT-OSS reports 934 (1,298) and Nemotron 3 Nano 747 (926), beside Qwen3
  30B-A3B's 600 (614). The model expects GPT-OSS, whose products are larger than Qwen3 30B-A3B's (32,768 rows an
  expert at EP64 and 4 sequences a micro-batch), to run at DeepSeek-V3's efficiency; the source measures it at about
  half of it in BF16, with products that run, measured, as fast as DeepSeek-V3's.
* Serving: the model's MoE layers already sit at their measured layers where these shapes are measured (python -m
  benchmarks.moe_shapes: Qwen3 30B-A3B on H100 at tensor 1, model / measured 0.74-1.03 at 4-512 tokens entering a rank,
  0.70-0.82 at 1,024-4,096; Llama 4 Maverick TP8 on H100 0.77-1.25 at 16-4,096; GPT-OSS's MXFP4 layers on H200 at prefill's
  measured 506 TFLOP/s and decode at 0.56-1.24 of them, tests/test_serve_moe_formats.py): the 1.2-2.4x the
  small-expert serving rows need is not in their MoE layer either.

What is left for GPT-OSS in Megatron-Bridge is outside the products' rate: its attention with learnable sinks
(``softmax_type = "learnable"``, TE's cuDNN backend) on alternate sliding-window layers, the clamped quick-GELU GLU
with a +1 offset on the linear half (Megatron-Core's ``weighted_bias_quick_geglu_impl``), the experts' biases, the
201,088-entry vocabulary, and the 26.06 / 26.06.01 releases' own 1.58x spread at one layout; none is measured here.
Nor is a grouped kernel itself at these shapes for training: Transformer Engine's GroupedLinear (the runs' kernel) and
tokamax's ragged_dot ship benchmark scripts, no results; DeepGEMM's README tables hold DeepSeek's shapes only;
AIConfigurator's fused-MoE tables hold GPT-OSS's experts in MXFP4 weights only (w4a16 / w4a8), at 16,384 tokens at most
(512 rows an expert at 128 experts, top-4), against 1,024-32,768 rows an expert in these runs.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict

from calc import data
from calc.perf import kernels, system, validation

CHIPS = ("B200", "GB200", "H100 SXM5")
PRECISIONS = ("bf16", "fp8")
ROWS = (2048, 8192, 32768)
# a model's expert products: (up k, up n, down k, down n) per grid shape; GPT-OSS's 2880 between two grid shapes
SHAPES = {
    "GPT-OSS 120B": (((2560, 5120, 2560, 2560), (3072, 6144, 3072, 3072)), (2880, 5760, 2880, 2880)),
    "Nemotron 3 Nano 30B-A3B": (((2560, 2048, 2048, 2560),), (2688, 1856, 1856, 2688)),
    "Qwen3 30B-A3B": (((2048, 1536, 768, 2048),), (2048, 1536, 768, 2048)),
    "Qwen3 235B-A22B": (((4096, 3072, 1536, 4096),), (4096, 3072, 1536, 4096)),
    "DeepSeek-V3": (((7168, 4096, 2048, 7168),), (7168, 4096, 2048, 7168)),
}
REFERENCE = ("Qwen3 235B-A22B", "DeepSeek-V3")


def measured() -> dict:
    """(chip, precision, m, n, k) -> measured seconds (data/expert_gemm_shapes.csv)."""
    return {(r["chip"], r["precision"], int(r["m"]), int(r["n"]), int(r["k"])): float(r["measured_time"])
            for r in data.expert_gemm_shapes()}


def _chip(name: str, precision: str):
    return system.build_chip(system.resolve_hardware(name), precision)


def model_factor(chip: str, precision: str, model: str, m: int, table: dict | None = None) -> float:
    """Measured / step-model time of ``model``'s up and down products together at ``m`` rows on ``chip`` (the geometric
    mean over the grid shapes standing for its shape)."""
    table = measured() if table is None else table
    c = _chip(chip, precision)
    logs = []
    for uk, un, dk, dn in SHAPES[model][0]:
        meas = table[(chip, precision, m, un, uk)] + table[(chip, precision, m, dn, dk)]
        mod = kernels.matmul_time(c, m, uk, un) + kernels.matmul_time(c, m, dk, dn)
        logs.append(math.log(meas / mod))
    return math.exp(statistics.fmean(logs))


def relative_factor(chip: str, precision: str, model: str, m: int, table: dict | None = None) -> float:
    """:func:`model_factor` of ``model`` over the geometric mean of the reference shapes' (``REFERENCE``)."""
    table = measured() if table is None else table
    ref = math.exp(statistics.fmean(math.log(model_factor(chip, precision, x, m, table)) for x in REFERENCE))
    return model_factor(chip, precision, model, m, table) / ref


def _factor_at(chip: str, precision: str, model: str, rows: float, table: dict) -> float:
    """:func:`relative_factor` at ``rows`` rows, log-interpolated between the measured row counts (held at the ends)."""
    xs = [math.log(m) for m in ROWS]
    ys = [math.log(relative_factor(chip, precision, model, m, table)) for m in ROWS]
    x = min(max(math.log(rows), xs[0]), xs[-1])
    for (x0, y0), (x1, y1) in zip(zip(xs, ys), zip(xs[1:], ys[1:])):
        if x <= x1:
            return math.exp(y0 + (y1 - y0) * (x - x0) / (x1 - x0))
    return math.exp(ys[-1])


def routed_seconds(p) -> tuple[float, float]:
    """(seconds a step of the routed experts' products on the fullest pipeline stage, rows an expert gets) of a
    prediction, as ``calc.perf.layer.experts`` counts the products (one GEMM an expert, the grouped-GEMM floor)."""
    step, m = p.step, p.step.model
    lay, chip = step.layout, step.chip
    tensor, expert = lay.tensor, lay.expert
    expert_tensor = lay.expert_tensor or tensor
    tokens = lay.micro_batch * step.sequence / lay.context
    rows = tokens * m.experts_per_token * expert / m.experts * expert_tensor / tensor
    width = m.expert_d_ff or m.ff
    floor = chip.grouped_gemm_floor
    up = kernels.matmul(chip, rows, m.d_model, (2 if m.gated else 1) * width / expert_tensor, floor=floor)
    down = kernels.matmul(chip, rows, width / expert_tensor, m.d_model, floor=floor)
    per_layer = (m.experts // expert) * (up.forward + up.backward + down.forward + down.backward)
    if m.layer_pattern is not None:
        moe_layers = m.layer_pattern.count("E")
    else:
        moe_layers = m.layers - m.dense_layers
    return per_layer * moe_layers / lay.pipeline * step.micro_batches, rows


def _precision(r) -> str:
    return "bf16" if r["precision"] == "bf16" else "fp8"


def held_out(table: dict | None = None) -> dict:
    """By model, the Megatron-Bridge MoE runs on the measured chips: (name, ratio, ratio with the routed products at the
    relative factor, factor the routed products alone would need)."""
    table = measured() if table is None else table
    rows = {r["name"]: r for r in data.validation_runs()}
    preds, _ = validation.predictions()
    out = defaultdict(list)
    for p in preds:
        r = rows[p.name]
        if p.family != "megatron-bridge" or p.step.model.experts <= 1 or r["model"] not in SHAPES:
            continue
        chip = p.step.chip.hardware.name
        if chip not in CHIPS:
            continue
        routed, per_expert = routed_seconds(p)
        f = _factor_at(chip, _precision(r), r["model"], per_expert, table)
        after = p.measured / (p.predicted + routed * (f - 1))
        needed = 1 + (p.measured - p.predicted) / routed
        out[r["model"]].append((p.name, p.ratio, after, needed, f, per_expert))
    return dict(out)


def reported_rates() -> dict:
    """By (chip, precision, model), the Megatron-Bridge MoE runs' median model TFLOP/s a GPU as the source reports it
    and as the model would (the reported figure times the run's ratio), and the runs."""
    rows = {r["name"]: r for r in data.validation_runs()}
    preds, _ = validation.predictions()
    by = defaultdict(list)
    for p in preds:
        r = rows[p.name]
        if p.family == "megatron-bridge" and p.step.model.experts > 1 and r["measured_model_tflops"]:
            by[(r["chip"], r["precision"], r["model"])].append((float(r["measured_model_tflops"]), p.ratio))
    return {k: (statistics.median(x for x, _ in v), statistics.median(x * q for x, q in v), len(v))
            for k, v in sorted(by.items())}


def main() -> None:
    table = measured()
    print("1-2. measured / step-model time of each model's expert products (up + down), and over the reference shapes'")
    print("| chip | precision | model | " + " | ".join(f"{m:,} rows" for m in ROWS) + " | relative, "
          + " / ".join(f"{m:,}" for m in ROWS) + " |")
    print("| --- | --- | --- | " + " | ".join("---" for _ in ROWS) + " | --- |")
    for chip in CHIPS:
        for precision in PRECISIONS:
            for model in SHAPES:
                f = [model_factor(chip, precision, model, m, table) for m in ROWS]
                rel = [relative_factor(chip, precision, model, m, table) for m in ROWS]
                print(f"| {chip} | {precision} | {model} | " + " | ".join(f"{x:.2f}" for x in f) + " | "
                      + " / ".join(f"{x:.2f}" for x in rel) + " |")
    print("\n3. Megatron-Bridge's MoE runs with the routed products at the relative factor (median over each model's runs)")
    print("| model | runs | ratio | with the factor | factor applied | routed products would need |")
    print("| --- | --- | --- | --- | --- | --- |")
    for model, runs in held_out(table).items():
        med = [statistics.median(x[i] for x in runs) for i in (1, 2, 4, 3)]
        print(f"| {model} | {len(runs)} | {med[0]:.2f} | {med[1]:.2f} | {med[2]:.2f} | {med[3]:.1f}x |")
    print("\n4. Megatron-Bridge's MoE runs: model TFLOP/s a GPU as the source reports it and as the step model gives it")
    print("| chip | precision | model | runs | reported | model |")
    print("| --- | --- | --- | --- | --- | --- |")
    for (chip, precision, model), (reported, modelled, n) in reported_rates().items():
        print(f"| {chip} | {precision} | {model} | {n} | {reported:,.0f} | {modelled:,.0f} |")


if __name__ == "__main__":
    main()
