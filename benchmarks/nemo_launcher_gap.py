"""Why the step model runs the NeMo Megatron launcher's 22.08 GPT-3 175B runs 1.39-1.42x too fast: a diagnostic.

    python -m benchmarks.nemo_launcher_gap

The held-out rows of data/validation_runs.csv from NVIDIA/NeMo-Framework-Launcher's README (sec. 7.1.2; source family
``nemo-launcher``): the 22.08 release's table (commit 3579cdb, 2022-09-07) and the 22.06 table it replaced (commit
19fb0843, 2022-07-14), each at the layout of conf/training/gpt3/*.yaml of its own commit.

1. Every launcher run: measured and predicted tokens per second per GPU, and their ratio.
2. The same 175B layout (T8 P8, micro-batch 2, selective recomputation, sequence parallelism, bf16, unfused attention)
   in both releases at the node counts both tables hold: how much the measurement moved between the releases and how
   much the model says the one configuration change (global batch 1536 -> 2048: a smaller 1F1B bubble) moves it.
3. Korthikanti et al. 2022's Megatron-LM run of the same model on the same chip (data/step_calibration.csv, T8 P8,
   selective, sequence parallel): seconds per sequence per model-parallel group, measured and predicted, beside the
   launcher's.
4. The 22.08 run on 64 GPUs by term, and the candidate causes as the model already counts them (the unfused core's
   softmax and dropout traffic, its selective recomputation, the 1F1B bubble, the exposed data-parallel reduction):
   how many times each term would have to grow to close the gap alone.
5. The launcher's own expectation at the same commit (the 22.08 config's max_time for its max_steps; the README's
   time to train): the throughput they imply at 128 nodes beside the table's.

A diagnostic: sets nothing, enters no score.
"""

from __future__ import annotations

import importlib

from calc import data
from calc.perf import validation

# NVIDIA/NeMo-Framework-Launcher 3579cdb, conf/training/gpt3/175b.yaml: trainer.max_steps 75000, max_time
# "25:23:00:00", global_batch_size 2048, encoder_seq_length 2048; README.md sec. 5.x: "The 175B model ... can be trained
# in about 27 days using 128 nodes" (the same sentence as at 19fb0843), sec. 7.1.2's 175B table at 128 nodes.
CONFIG_STEPS, CONFIG_DAYS, BATCH, SEQUENCE = 75_000, 25 + 23 / 24, 2048, 2048
README_DAYS, README_TOKENS, TABLE_128_NODES = 27, 300e9, 109_684


def _release(name: str) -> str:
    return "22.08" if "22.08" in name else "22.06"


def _per_gpu(p) -> tuple[float, float]:
    tokens = p.step.layout.global_batch * p.step.sequence
    return tokens / p.measured / p.step.chips, tokens / p.step.seconds_per_step / p.step.chips


def main() -> None:
    preds, _ = validation.predictions()
    runs = [p for p in preds if p.family == "nemo-launcher"]
    print("1. NeMo launcher runs (tokens/s per GPU)")
    print(f"{'release':8s} {'model':5s} {'GPUs':>5s} {'T':>2s} {'P':>2s} {'GBS':>5s} {'measured':>9s} "
          f"{'predicted':>9s} {'ratio':>6s}")
    for p in sorted(runs, key=lambda p: (_release(p.name), p.step.layout.tensor, p.step.chips)):
        measured, predicted = _per_gpu(p)
        size = "175B" if p.step.layout.pipeline > 1 else "5B"
        print(f"{_release(p.name):8s} {size:5s} {p.step.chips:5d} {p.step.layout.tensor:2d} {p.step.layout.pipeline:2d} "
              f"{p.step.layout.global_batch:5d} {measured:9.1f} {predicted:9.1f} {p.ratio:6.3f}")

    print("\n2. The 175B layout in both releases (per-GPU tokens/s, 22.06 over 22.08)")
    big = {(_release(p.name), p.step.chips): p for p in runs if p.step.layout.pipeline > 1}
    for chips in sorted({c for r, c in big if r == "22.06"}):
        if ("22.08", chips) not in big:
            continue
        old, new = _per_gpu(big["22.06", chips]), _per_gpu(big["22.08", chips])
        print(f"  {chips:5d} GPUs: measured {old[0]:.1f} / {new[0]:.1f} = {old[0] / new[0]:.3f}; "
              f"predicted {old[1]:.1f} / {new[1]:.1f} = {old[1] / new[1]:.3f}")

    print("\n3. Seconds per sequence per model-parallel group (64 GPUs, T8 P8, selective, sequence parallel)")
    calibration = importlib.import_module("calc.perf.calibration")  # the module, not the function of calc.perf
    for c in calibration.calibration():
        if c.name == "Korthikanti 2022 175B selective":
            s = c.step
            groups = s.chips // (s.layout.tensor * s.layout.pipeline)
            per = s.layout.global_batch / groups
            print(f"  {c.name} (Megatron-LM, MBS {s.layout.micro_batch}, v {s.layout.virtual_stages}): measured "
                  f"{c.published / per:.4f}, predicted {s.seconds_per_step / per:.4f}")
    for p in runs:
        s = p.step
        if s.layout.pipeline > 1 and s.chips in (64, 128):
            groups = s.chips // (s.layout.tensor * s.layout.pipeline)
            per = s.layout.global_batch / groups
            print(f"  NeMo {_release(p.name)} on {s.chips} GPUs (MBS 2, 1F1B): measured {p.measured / per:.4f}, "
                  f"predicted {s.seconds_per_step / per:.4f}")

    print("\n4. NeMo 22.08, 175B on 64 GPUs, by term (s per step)")
    p = next(p for p in runs if _release(p.name) == "22.08" and p.step.chips == 64)
    total, missing = p.step.seconds_per_step, p.measured - p.step.seconds_per_step
    for term, seconds in sorted(p.step.seconds.items(), key=lambda kv: -kv[1]):
        if seconds > 0:
            print(f"  {term:32s} {seconds:8.2f}  {seconds / total:6.1%}")
    print(f"  {'predicted':32s} {total:8.2f}\n  {'measured':32s} {p.measured:8.2f}  (missing {missing:.1f} s)")
    coeff = data.step_coefficients()
    print(f"  unfused core's softmax and dropout traffic: {coeff['score_bytes_forward'].m:g} B per score forward, "
          f"x{coeff['backward_traffic_ratio'].m:g} backward, the core rerun by selective recomputation")
    core = p.step.seconds["attention core"] + p.step.seconds["recomputation"]
    for label, seconds in (("attention core + its recomputation", core),
                           ("pipeline bubble", p.step.seconds["pipeline bubble"]),
                           ("data-parallel communication", p.step.seconds["data-parallel communication"]),
                           ("memory-bound operations", p.step.seconds["memory-bound operations"])):
        grow = (seconds + missing) / seconds if seconds > 0 else float("inf")
        print(f"  to close it alone, {label} would grow {grow:.1f}x")

    print("\n5. The launcher's own expectation at 128 nodes (tokens/s)")
    config = CONFIG_STEPS * BATCH * SEQUENCE / (CONFIG_DAYS * 86400)
    readme = README_TOKENS / (README_DAYS * 86400)
    print(f"  22.08 config: {CONFIG_STEPS:,} steps of {BATCH} x {SEQUENCE} tokens within max_time {CONFIG_DAYS:.2f} days: "
          f">= {config:,.0f}")
    print(f"  README: {README_TOKENS / 1e9:.0f}B tokens in about {README_DAYS} days: {readme:,.0f}")
    print(f"  22.08 table: {TABLE_128_NODES:,} ({README_TOKENS / TABLE_128_NODES / 86400:.1f} days for "
          f"{README_TOKENS / 1e9:.0f}B tokens)")
    old = big.get(("22.06", 1024))
    if old is not None:
        print(f"  22.06 table: {_per_gpu(old)[0] * 1024:,.0f}; the model at the 22.08 layout: "
              f"{_per_gpu(big['22.08', 1024])[1] * 1024:,.0f}")


if __name__ == "__main__":
    main()
