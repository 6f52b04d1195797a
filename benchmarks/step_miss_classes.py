"""The step model's held-out misses grouped by what they share: a diagnostic.

    python -m benchmarks.step_miss_classes

Over the held-out runs of data/validation_runs.csv as ``python -m benchmarks.validate_step`` predicts them
(calc.perf.validation.predictions; ratio = measured / predicted step time, above 1 the model is too fast):

1. The four families with the most misses (megatron-bridge, torchtitan, mlperf-training on GPUs, nemo-launcher)
   grouped by one shared trait at a time: chip, precision (as the run's name states it: FP8 current scaling, MXFP8,
   NVFP4, BF16), mixture of experts or dense, context parallel, pipeline (and interleaving), tensor parallel, per-GPU
   tokens a step, micro-batches a step, CUDA graphs stated in the note, recomputation. For each group: runs, share
   within 15%, median ratio, runs too fast (ratio > 1.15) and too slow (< 0.87).
2. Every held-out run by per-GPU tokens a step (global batch x sequence / chips), dense and MoE apart: whether the
   ratio climbs as the tokens fall, which a time fixed per step that the model lacks (optimizer step, a collective's
   latency at many ranks, kernel launches without CUDA graphs) would make it do on every family.
3. The strong-scaling pairs the model misses, each beside its smaller sibling of the same source and code: measured
   and predicted seconds, the seconds the model lacks, those seconds per layer and per micro-batch, and the model's
   ratio with the tensor-parallel collectives left unhidden (tp_overlap 0), a cause ruled out when it moves the
   ratio little.
4. Megatron-Bridge's mixtures of experts by model: the largest class of that family's misses, the predicted step by
   part (shares), and the spread of the source's own measurements of one layout across releases (the same model,
   chip, precision and layout in several NeMo containers), which bounds what any layout-based model can reach.

What it showed at branch strongscale (lead10 370a0fe, 1,030 runs, 79.71% within 15%):

- megatron-bridge's misses are its mixtures of experts: 55 of 145 runs are dense (89% within 15%), 90 MoE (48%, 42
  too fast). Two models hold 28 of the 42 and none of their runs is within: GPT-OSS 120B (18 runs, H100, B200 and
  GB200, BF16 and MXFP8, median ratio 1.46) and Nemotron 3 Nano 30B-A3B (10, 1.27); Qwen3 30B-A3B, Qwen3 235B-A22B
  and DeepSeek-V3 sit at medians 1.01-1.03. BF16 is not the trait: the family's other BF16 MoE runs (Qwen3 235B-A22B,
  DeepSeek-V3 on GB200) are at 0.89 and 1.00. GPT-OSS lacks 46% of its predicted step: the matmuls 1.9x, or the
  attention core 8x, the memory-bound operations 5.9x, the expert all-to-all 6.1x, each alone. The same GPT-OSS
  120B GB200 MXFP8 EP64 layout measured 2.83 s (26.06), 4.48 s (26.06.01) and 2.86 s (26.08): the source itself
  spreads 1.58x at one layout (median over 17 layouts measured in several releases 1.05x).
- torchtitan's 14 misses (28 runs, 50% within) are its context-parallel rows (CP 4 and 8 at 131,072-262,144 tokens,
  4 runs, 1.30-1.49), its float8 asyncTP 8B rows (1.21-1.43) and the 405B pipeline schedules (0.55-0.70, too slow):
  no one trait holds half of them.
- mlperf-training's Llama 3.1 8B misses are the two layouts at tensor 2 (512 GB200/GB300 at TP2 CP4, Cisco's 128
  H100 at TP2), 1.49-1.66, where every tensor-1 sibling of the same code is at 0.90-1.18 (of the family's 4 TP2
  runs 3 are too fast, median 1.51); the tensor-parallel collectives unhidden move them only to 1.40-1.58 (not the
  cause), the model shows no context-parallel exchange left (hidden behind the core) and its data-parallel reduction
  is already 27% of the step at 512; the seconds they lack are 0.96-1.06 ms per layer and micro-batch at 512 against
  0.58-0.83 at 72, 5.0 against 3.3 for Cisco's 128 and 64: the gap grows with tensor 2, not with a per-step time.
  Their userbuffers configs (NVIDIA's conf/tp_overlap/gb200tp2mbs1.yaml, Cisco's h100tp2mbs1.yaml) run the forward
  and dgrad products as ring exchanges, t chunk GEMMs of M / t rows: counted so, GB200 1.53 -> 1.40, GB300 1.66 ->
  1.52, Cisco's H100 1.49 -> 1.48 (H100's 8-bit products have no table by shape, only the wave share): a part of the
  Blackwell runs' gap at 1,024 rows a chunk, not the class's cause (not set).
- By per-GPU tokens a step the ratio does not climb as the tokens fall across the 1,030 runs: dense runs below
  2,048 tokens a GPU median 0.986 (34 runs, 82% within), 2,048-8,191 1.010, 8,192-32,767 1.021: no one fixed
  per-step time is missing from every family (the MoE runs' misses sit at 32,768 tokens a GPU and more).
- torchtitan's Llama 3.1 8B on 8 H100 by context-parallel size: CP 1 1.15, CP 2 1.07, CP 4 1.43, CP 8 1.49, the
  attention core 51-74% of the predicted step: the gap opens past CP 2 (PyTorch's experimental ring attention),
  no source here measures its per-step kernels.
- nemo-launcher's misses are its 22.08 release (the 175B at 1.39-1.42 whatever the data-parallel size, the 5B at
  1.13-1.27 rising with it; benchmarks/nemo_launcher_gap.py).

A diagnostic: sets nothing, enters no score.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict
from dataclasses import replace

from calc import data
from calc.perf import kernels, validation
from calc.perf.step import predict_step

FAMILIES = ("megatron-bridge", "torchtitan", "mlperf-training", "nemo-launcher")
WITHIN = validation.WITHIN
_CUDA_GRAPHS = re.compile(r"cuda.?graph|_cg\b|CUDA graphs", re.IGNORECASE)
_NO_GRAPHS = re.compile(r"no CUDA graphs|without CUDA graphs|cuda_graph[a-z_]* *(?:=|:) *(?:False|None)", re.IGNORECASE)
# The strong-scaling misses beside their smaller sibling of the same source and code (data/validation_runs.csv names)
PAIRS = (
    ("MLPerf Training v5.1 NVIDIA tyche_ngpu72_ngc25.09_nemo Llama 3.1 8B 72 GB200 FP8 TP1 PP1 VP1 CP2 MBS1 GBS36",
     "MLPerf Training v5.1 NVIDIA tyche_ngpu512_ngc25.09_nemo Llama 3.1 8B 512 GB200 FP8 TP2 PP1 VP1 CP4 MBS1 GBS64"),
    ("MLPerf Training v5.1 NVIDIA theia_ngpu72_ngc25.09_nemo Llama 3.1 8B 72 GB300 FP8 TP1 PP1 VP1 CP2 MBS1 GBS36",
     "MLPerf Training v5.1 NVIDIA theia_ngpu512_ngc25.09_nemo Llama 3.1 8B 512 GB300 FP8 TP2 PP1 VP1 CP4 MBS1 GBS64"),
    ("MLPerf Training v5.1 Cisco hpf_n8 Llama 3.1 8B 64 H100 SXM5 FP8 TP1 PP1 VP1 CP1 MBS1 GBS64",
     "MLPerf Training v5.1 Cisco hpf_n16 Llama 3.1 8B 128 H100 SXM5 FP8 TP2 PP1 VP1 CP1 MBS1 GBS64"),
    ("NeMo launcher 22.08 GPT-3 5B on 8 A100 TP1 PP1 DP8 MBS2 GBS2048",
     "NeMo launcher 22.08 GPT-3 5B on 256 A100 TP1 PP1 DP256 MBS2 GBS2048"),
)


def _precision(p) -> str:
    for word in ("NVFP4", "MXFP8", "current scaling", "float8"):
        if word in p.name:
            return word
    return p.step.chip.precision


def _tokens_bin(tokens: float) -> str:
    for edge in (2_048, 8_192, 32_768, 131_072):
        if tokens < edge:
            return f"< {edge:,}"
    return ">= 131,072"


def _batches_bin(m: int) -> str:
    return "1" if m == 1 else "2-8" if m <= 8 else "9-32" if m <= 32 else "> 32"


def traits(p, note: str) -> dict:
    """One held-out run's traits, each a short label."""
    lay, step = p.step.layout, p.step
    tokens = lay.global_batch * step.sequence / step.chips
    graphs = "no" if _NO_GRAPHS.search(note) else "yes" if _CUDA_GRAPHS.search(note + " " + p.name) else "unstated"
    return {
        "chip": step.hardware,
        "precision": _precision(p),
        "experts": "MoE" if step.model.experts > 1 else "dense",
        "context parallel": "CP 1" if lay.context == 1 else f"CP {lay.context}",
        "pipeline": ("PP 1" if lay.pipeline == 1 else "PP > 1, interleaved" if lay.virtual_stages > 1
                     else "PP > 1, 1F1B" if lay.schedule == "1f1b" else f"PP > 1, {lay.schedule}"),
        "tensor parallel": "TP 1" if lay.tensor == 1 else f"TP {lay.tensor}",
        "per-GPU tokens a step": _tokens_bin(tokens),
        "micro-batches a step": _batches_bin(step.micro_batches),
        "CUDA graphs (note)": graphs,
        "recompute": lay.recompute + (f" ({lay.recompute_modules})" if lay.recompute_modules else ""),
    }


def _line(label: str, ratios: list) -> str:
    n = len(ratios)
    within = sum(abs(x - 1) <= WITHIN for x in ratios) / n
    fast, slow = sum(x > 1 + WITHIN for x in ratios), sum(x < 1 / (1 + WITHIN) for x in ratios)
    return (f"  {label:34s} {n:4d} {within:6.0%} {statistics.median(ratios):7.3f} {fast:5d} {slow:5d}")


def _header() -> str:
    return f"  {'':34s} {'runs':>4s} {'within':>6s} {'median':>7s} {'fast':>5s} {'slow':>5s}"


def main() -> None:
    preds, _ = validation.predictions()
    notes = {r["name"]: r["note"] or "" for r in data.validation_runs()}
    rows = {r["name"]: r for r in data.validation_runs()}

    print("1. The families with the most misses, grouped by one trait at a time "
          "(ratio measured / predicted; fast > 1.15, slow < 0.87)")
    for family in FAMILIES:
        runs = [p for p in preds if p.family == family and p.step.chip.hardware.vendor != "Google"]
        print(f"\n{family} ({len(runs)} GPU runs)")
        print(_header())
        for trait in traits(runs[0], "").keys():
            groups = defaultdict(list)
            for p in runs:
                groups[traits(p, notes[p.name])[trait]].append(p.ratio)
            print(f" {trait}")
            for label, ratios in sorted(groups.items(), key=lambda kv: -len(kv[1])):
                print(_line(label, ratios))

    print("\n2. Every held-out run by per-GPU tokens a step, dense and MoE apart")
    print(_header())
    for kind in ("dense", "MoE"):
        groups = defaultdict(list)
        for p in preds:
            t = traits(p, notes[p.name])
            if t["experts"] == kind:
                groups[t["per-GPU tokens a step"]].append(p.ratio)
        print(f" {kind}")
        order = ("< 2,048", "< 8,192", "< 32,768", "< 131,072", ">= 131,072")
        for label in order:
            if groups.get(label):
                print(_line(label, groups[label]))

    print("\n3. Strong-scaling misses beside their smaller sibling (seconds a step)")
    print(f"  {'run':70s} {'meas':>7s} {'pred':>7s} {'ratio':>6s} {'lacks':>7s} {'/layer/mb ms':>12s} "
          f"{'TP unhidden':>11s}")
    by_name = {p.name: p for p in preds}
    for pair in PAIRS:
        for name in pair:
            p = by_name.get(name)
            if p is None:
                print(f"  {name[:70]:70s} (not predicted)")
                continue
            r = rows[name]
            model = validation.build_model(r)
            layout = validation.build_layout(r, model)
            unhidden = predict_step(model, validation.cluster(r), int(r["chips"]), replace(layout, tp_overlap=0.0),
                                    False)
            lacks = p.measured - p.predicted
            per = lacks / (model.layers * p.step.micro_batches) * 1e3
            print(f"  {name[-70:]:70s} {p.measured:7.3f} {p.predicted:7.3f} {p.ratio:6.3f} {lacks:7.3f} {per:12.3f} "
                  f"{p.measured / unhidden.seconds_per_step:11.3f}")
        print()

    print("4. Megatron-Bridge's mixtures of experts by model (predicted step by part, median shares)")
    bridge = [p for p in preds if p.family == "megatron-bridge" and p.step.model.experts > 1]
    models = defaultdict(list)
    for p in bridge:
        models[rows[p.name]["model"]].append(p)
    print(_header())
    for model, runs in sorted(models.items(), key=lambda kv: -len(kv[1])):
        print(_line(model, [p.ratio for p in runs]))
        parts = defaultdict(list)
        for p in runs:
            total = p.predicted
            for part, seconds in p.step.seconds.items():
                parts[part].append(seconds / total)
        shares = ", ".join(f"{part} {statistics.median(xs):.2f}" for part, xs in parts.items()
                           if statistics.median(xs) >= 0.01)
        print(f"      {shares}")
    print("\n   One layout measured in several releases (max / min measured step; the source's own spread)")
    layouts = defaultdict(list)
    for p in bridge:
        key = re.sub(r"^MB \S+ ", "", p.name)
        layouts[key].append((p.measured, p.name.split()[1]))
    spread = sorted(((max(m for m, _ in v) / min(m for m, _ in v), k, v) for k, v in layouts.items() if len(v) > 1),
                    reverse=True)
    for ratio, key, v in spread[:10]:
        releases = ", ".join(f"{rel} {m:.2f}" for m, rel in sorted(v, key=lambda x: x[1]))
        print(f"  {ratio:5.2f}  {key}: {releases}")
    logs = [math.log(r) for r, _, _ in spread]
    if logs:
        print(f"  median across {len(logs)} layouts measured more than once: {math.exp(statistics.median(logs)):.3f}")

    print("\n5. How many times each predicted term would have to grow to close a class's gap alone (median over its runs)")
    classes = {
        "GPT-OSS 120B (Megatron-Bridge)": [p for p in bridge if rows[p.name]["model"] == "GPT-OSS 120B"],
        "Nemotron 3 Nano 30B-A3B (Megatron-Bridge)": [p for p in bridge
                                                      if rows[p.name]["model"] == "Nemotron 3 Nano 30B-A3B"],
        "Llama 3.1 8B at tensor 2 (MLPerf v5.1)": [by_name[b] for _, b in PAIRS[:3] if b in by_name],
    }
    terms = ("matmuls", "attention core", "memory-bound operations", "expert all-to-all", "tensor-parallel communication",
             "data-parallel communication", "optimizer step")
    print(f"  {'class':42s} {'lacks':>6s} " + " ".join(f"{t[:12]:>12s}" for t in terms))
    for label, runs in classes.items():
        if not runs:
            continue
        lacks = statistics.median((p.measured - p.predicted) / p.predicted for p in runs)
        growth = []
        for t in terms:
            xs = [1 + (p.measured - p.predicted) / p.step.seconds[t] for p in runs if p.step.seconds.get(t, 0) > 0]
            growth.append(f"{statistics.median(xs):12.1f}" if xs else f"{'-':>12s}")
        print(f"  {label:42s} {lacks:6.0%} " + " ".join(growth))

    print("\n6. The tensor-2 runs' products split as Transformer Engine's userbuffers ring exchange runs them "
          "(each forward and dgrad product as t chunks of M / t rows)")
    for _, name in PAIRS[:3]:
        p = by_name.get(name)
        if p is None:
            continue
        extra, whole, split = ring_exchange_split(p)
        print(f"  {name[-62:]:62s} a layer {whole * 1e3:6.3f} -> {split * 1e3:6.3f} ms, step +{extra * 1e3:5.1f} ms, "
              f"ratio {p.ratio:.3f} -> {p.measured / (p.predicted + extra):.3f}")


def ring_exchange_split(p) -> tuple[float, float, float]:
    """Seconds a step would grow, and one layer's forward and dgrad products whole and split, were each of the layer's
    four products' forward and output-gradient (dgrad) GEMMs run as ``t`` chunk GEMMs of M / t rows (Transformer
    Engine's userbuffers ``ring_exchange`` overlap: the all-gather's chunks arrive one a step and each is multiplied
    as it comes, the reduce-scatter's likewise; the MLPerf v5.1 Llama 3.1 8B tensor-2 configs, NVIDIA's
    conf/tp_overlap/gb200tp2mbs1.yaml and Cisco's h100tp2mbs1.yaml, set ring_exchange for qkv_fprop, fc1_fprop,
    proj_dgrad, fc2_dgrad, fc2_fprop and NVIDIA's proj_fprop; Cisco's proj_fprop is pipeline with 2 splits)."""
    step, model = p.step, p.step.model
    t = step.layout.tensor
    M, h = step.layout.micro_batch * step.sequence / step.layout.context, model.d_model
    shapes = ((M, h, (model.heads + 2 * model.kv) * model.qk_dim / t), (M, model.heads * model.v_dim / t, h),
              (M, h, 2 * model.ff / t), (M, model.ff / t, h))
    whole = split = 0.0
    for a, k, n in shapes:
        whole += kernels.matmul_time(step.chip, a, k, n) + kernels.matmul_time(step.chip, a, n, k)
        split += t * (kernels.matmul_time(step.chip, a / t, k, n) + kernels.matmul_time(step.chip, a / t, n, k))
    return (split - whole) * model.layers * step.micro_batches, whole, split


if __name__ == "__main__":
    main()
