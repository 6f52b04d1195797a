"""Where a searched layout's step goes, and how the step model does on the published runs nearest to it.

    python -m benchmarks.search_terms [--model NAME] [--hardware NAME] [--chips N] [--sustained]

1. The fastest layout ``calc.perf.search`` finds for the model on the chips (at the global batch ``calc step --search``
   takes: ``calc.perf.utilization.batch_for``), its step by term (seconds and share), its MFU and HFU, and the rates
   behind the two largest terms: the matmuls' (the PaLM count's 6N part over the matmul term) and the attention
   core's (the count's 12 L H Q T part over its term; a causal kernel does half of that work, so it can pass 100%).
2. The held-out published runs (calc.perf.validation, each at its stated layout) on the same chip, scored by layout
   class (data-parallel only, ZeRO-3 or not, and model-parallel) and recomputation: is the model fast there too?
3. The searches on the famous clusters of tests/test_search_famous.py (GPT-3 175B and Llama 3 70B on 1,024 A100,
   GPT-3 175B on 1,024 V100).

``--sustained``: the same with every A100 SXM4 at the sustained matmul rate of data/matmul_efficiency.csv (Azure's
cuBLASLt sweep after 10,000 warm-ups, FP16, 256.5 of 312 TFLOP/s) in place of data/hardware.csv's burst
(Bekman's MAMF, 0.859), and the held-out score overall and by chip: the swap a sustained A100 clock would make.
A diagnostic: sets nothing, enters no score.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import replace

from calc import data, perf
from calc.architecture import lookup
from calc.perf import validation
from calc.perf.system import sustained_matmul_share
from calc.perf.utilization import batch_for

FAMOUS = (("GPT-3 175B", "A100 SXM4 80GB", 1024, 1536, 2048), ("Llama 3 70B", "A100 SXM4 80GB", 1024, 512, 8192),
          ("GPT-3 175B", "V100 SXM2", 1024, 1536, 2048))
SUSTAINED_FROM = "A100 SXM4 80GB"  # the chip Azure measured; the 40GB is the same 400 W die


def sustain_a100() -> float:
    """Every A100 SXM4's matmul share set to the measured sustained FP16 rate (data/matmul_efficiency.csv's MSMF-like
    row; the FP16 and BF16 tensor peaks are equal), by wrapping ``calc.data.hardware``; the share set."""
    share = sustained_matmul_share(SUSTAINED_FROM, "fp16")
    plain = data.hardware

    def hardware(name):
        hw = plain(name)
        return replace(hw, matmul_efficiency=share) if hw.name.startswith("A100 SXM4") else hw

    data.hardware = hardware
    return share


def terms(model_name: str, hardware: str, chips: int, global_batch: int | None = None,
          sequence: int | None = None) -> None:
    """Print the fastest layout's step by term and the rates behind it."""
    model = lookup(model_name)
    batch = batch_for(model_name, hardware, chips, global_batch=global_batch, sequence=sequence)
    found = perf.search(model, hardware, chips, batch.sequences, sequence=batch.sequence, top=1)
    s = found.steps[0]
    total, seq = s.seconds_per_step, s.sequence
    tokens = s.layout.global_batch * seq / chips  # per chip per step
    attention = 12 * model.layers * model.heads * model.qk_dim * seq  # FLOP a token, the PaLM count's attention part
    matmul = s.model_flop / (s.layout.global_batch * seq) - attention
    print(f"{model_name} on {chips:,} {hardware}, {batch.sequences:,} sequences of {seq:,} tokens: "
          f"{s.layout.describe()}, data parallel {s.data_parallel}, {s.micro_batches} micro-batches; "
          f"{total:.2f} s, MFU {s.mfu:.1%}, HFU {s.hfu:.1%}, {s.memory_bytes / 1e9:.1f} GB per chip")
    for part, seconds in s.seconds.items():
        if seconds > 0:
            print(f"    {part:32s} {seconds:8.3f} s  {seconds / total:6.1%}")
    if s.seconds.get("matmuls"):
        print(f"    matmuls at {matmul * tokens / s.seconds['matmuls'] / s.peak:.1%} of peak (6N part of the count)")
    if s.seconds.get("attention core"):
        print(f"    attention core at {attention * tokens / s.seconds['attention core'] / s.peak:.1%} of peak "
              "(counted in full; the causal kernel does half)")


def layout_class(step) -> str:
    """data-parallel only (ZeRO-3 or not) or model-parallel, and the recomputation."""
    lay = step.layout
    dp_only = lay.tensor == lay.pipeline == lay.context == lay.expert == 1
    kind = ("DP-only ZeRO-3" if lay.zero >= 3 else "DP-only") if dp_only else "model-parallel"
    return f"{kind}, {'no' if lay.recompute == 'none' else lay.recompute} recompute"


def by_class(chip_prefix: str) -> None:
    """The held-out runs on chips named ``chip_prefix...``: scores by chip, layout class and source family."""
    preds, _ = validation.predictions()
    groups = defaultdict(list)
    for p in preds:
        if p.step.hardware.startswith(chip_prefix):
            groups[(p.step.hardware, layout_class(p.step), p.family)].append(p.ratio)
            groups[(p.step.hardware, "all", "")].append(p.ratio)
    print(f"\nheld-out runs on {chip_prefix} at their stated layouts (measured / predicted step time: above 1 "
          "the model is too fast)")
    for key in sorted(groups):
        sc = validation.Score.of(groups[key])
        print(f"    {key[0]:16s} {key[1]:32s} {key[2]:16s} {sc.rows:4d} runs, {sc.within:4.0%} within 15%, "
              f"median {sc.median_log_error:.3f}, bias {sc.bias:+.1%}")


def overall() -> None:
    """The held-out score overall and by chip."""
    rep = validation.report()
    o = rep.model["overall"]
    print(f"\nheld-out overall: {o.rows} runs, {o.within:.2%} within 15%, median {o.median_log_error:.4f}, "
          f"bias {o.bias:+.2%}")
    preds, _ = validation.predictions()
    chips = defaultdict(list)
    for p in preds:
        chips[p.step.hardware].append(p.ratio)
    for chip in sorted(chips):
        sc = validation.Score.of(chips[chip])
        print(f"    {chip:22s} {sc.rows:4d} runs, {sc.within:4.0%} within 15%, median {sc.median_log_error:.3f}, "
              f"bias {sc.bias:+.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="Llama 3 8B")
    parser.add_argument("--hardware", default="A100 SXM4 80GB")
    parser.add_argument("--chips", type=int, default=64)
    parser.add_argument("--sustained", action="store_true",
                        help="every A100 SXM4 at the measured sustained matmul rate (a what-if)")
    args = parser.parse_args()
    if args.sustained:
        print(f"A100 SXM4 at the sustained matmul share {sustain_a100():.3f} (was the burst's)\n")
    terms(args.model, args.hardware, args.chips)
    print()
    for model, hardware, chips, batch, sequence in FAMOUS:
        terms(model, hardware, chips, batch, sequence)
    by_class(args.hardware.split()[0])
    overall()


if __name__ == "__main__":
    main()
