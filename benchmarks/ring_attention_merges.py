"""Context-parallel (ring) attention as the frameworks run it, beside the step model: a diagnostic.

    python -m benchmarks.ring_attention_merges

The step model times a context-parallel layer's attention core as one fused kernel over the chip's ``s / c``
queries and all ``s`` keys (half of it causal, calc.perf.kernels.attention_core at the rate of ``s / c`` rows) and
charges the ring's key-value exchange only where it outlasts that kernel (calc.perf.layer.context_exchange). It
counts neither the per-step merges of the partial outputs nor their copies. This script:

1. scores every held-out run with context parallelism (``context`` > 1 in data/validation_runs.csv) by CP size
   and by family, with the model as it is (calc.perf.validation.predictions);
2. counts, from the code, the bytes of the memory-bound work PyTorch's experimental context parallel adds per layer
   and micro-batch (torch/distributed/tensor/experimental/_attention.py, ``_templated_ring_attention`` and
   ``_templated_ring_attention_backward``, with ``_cp_options`` ``convert_to_f32=True``, ``enable_load_balance=True``
   and TorchTitan's ``--experimental.context_parallel_rotate_method`` default ``allgather``, torchtitan 9dec370
   torchtitan/config_manager.py), for E = micro-batch x heads / tensor x (s / c) x head size elements of one
   attention output on a chip (TorchTitan's Llama passes keys and values to SDPA after ``repeat_kv``, so they have
   as many heads as the queries: torchtitan/models/llama/model.py). Forward, on the last rank (every step ``i <=
   rank``, full queries; the ranks wait for one another at the next collective): each step's block output cast to
   fp32 (2 + 4 bytes an element), ``out - sigmoid(block_lse - lse) * (out - block_out)`` as three eager kernels over
   fp32 (12 + 8 + 12), the keys and values concatenated before each send (``torch.cat``, 16 bits, read and written:
   8), the first step's cast in (6) and the final cast back (4 + 2): ``12 + 46 (c - 1)`` bytes per element.
   Backward: fp32 zeros for the query, key and value gradients (12), the kernels' 16-bit gradients accumulated into
   them (``+=``: 4 + 2 + 4 = 10 each; the halves the load balance touches by ``_partial_update``, an add on the half
   and a ``torch.cat`` of the whole, 13), the fp32 key-value gradients concatenated before each all-to-all (16), the
   keys and values concatenated for the next send (8), the casts back (6 + 12): ``76 + 60 (c - 1)``. The forward is
   paid twice under full recomputation. Seconds at the chip's achievable memory bandwidth (``Chip.memory_bandwidth``),
   times layers a stage x (micro-batches + stages - 1) (1F1B).
   Transformer Engine's CP (``AttnFuncWithCPAndKVP2P``, transformer_engine/pytorch/attention/dot_product_attention/
   context_parallel.py) merges each step in one ``@jit_fuser`` kernel, ``flash_attn_fwd_out_correction``: the block
   output read (2), the fp32 output read and written (8), about 10 bytes an element a step, counted the same way for
   the Megatron-Core runs (NeMo, Megatron-Bridge, dgxc, MLPerf; their backward's accumulations left out).
3. TorchTitan's Llama 3.1 8B on 8 H100 at CP 1, 2, 4, 8 keeps s / c = 32,768 tokens a chip: every run has the same
   per-chip blocks and ``c - 1`` more ring steps. The measured step's increase per added ring step, beside the
   model's, separates what each ring step costs from what the ring's size costs.

What it showed at branch ringattn (lead10 da5d15d, 1,031 runs):

- CP runs: CP 2 171 runs 97.7% within 15% (median |dev| 0.039); CP 4 8 runs 50% (0.157, bias +24%); CP 8 6 runs 50%
  (0.156, +20%); CP 16 3 runs 67%; CP 32 1 run within. Of the 18 runs at CP 4 and more, NeMo's long-sequence tables
  (Transformer Engine's p2p ring, H100 and B200, CP 4-32) are 0.97-1.13, all 9 within; the misses are TorchTitan's
  4 (1.18-1.49), the two MLPerf v5.1 GB200/GB300 tensor-2 runs (1.53, 1.66; step_miss_classes: not the exchange),
  Llama 3's 128K CP16 row (0.73, too slow; Meta's own all-gather CP, recomputation unstated) and tpu-recipes'
  Ironwood 70B CP8 pair (1.13, 1.18).
- PyTorch CP's merges and copies, per layer and micro-batch of the 8B at s / c = 32,768 a chip (E = 134 M
  elements): CP 2 forward 58 E and backward 136 E bytes, CP 8 334 E and 496 E (44.8 and 66.6 GB, 21 and 31 ms at
  2.16 TB/s; with the forward recomputed, 72 ms a layer, 2.3 s a step). Counted, TorchTitan's 8B CP 2 1.072 ->
  1.029, CP 4 1.429 -> 1.359, CP 8 1.488 -> 1.407; its 405B CP 2/4/8 1.135/1.180/1.404 -> 1.109/1.139/1.341
  (torchtitan 14 -> 15 of 28 within 15%, median 0.152 -> 0.143). A real, counted cost (about an eighth of the
  8B's CP 8 gap), not the class's cause.
- Transformer Engine's fused merges on the Megatron-Core runs (NeMo's long-sequence tables, dgxc, MLPerf,
  Megatron-Bridge): under 1% of their step (NeMo 0.97-1.13 -> 0.97-1.12); one dgxc run (405B FP8 on 96 H100,
  0.851 -> 0.848) crosses out of 15%.
- Every held-out run, as is 822 of 1,031 within 15%, median |ratio - 1| 0.060, bias +4.8%; with both counts 822
  (the 405B CP 4 in, the dgxc 405B out), 0.059, +4.7%; with PyTorch's merges alone (TorchTitan's 6 CP runs) 823.
  Not set in the model: no layout field says which framework's CP a run has (TorchTitan's is a
  calc.perf.validation.build_layout matter, another branch's this round); a Layout field (``te`` | ``pytorch``)
  read by calc.perf.layer beside context_exchange, set for TorchTitan's rows, is the change this counts.
- The 8B's ring steps: measured step minus the previous CP size's, per added ring step (the per-chip blocks do not
  change): CP 1 -> 2 4.48 s for 1 step, 2 -> 4 8.85 s a step, 4 -> 8 7.30 s a step; the model 4.69 s a step each
  time. The one ring step of CP 2 costs what the model says; each step at CP 4 and 8 costs 1.6-1.9x. The merges
  are 0.30 s of the 2.6-4.2 s a step lacks. The exchange cannot make up the rest where the code waits: the
  forward's all-gather of all c - 1 shards (3.8 GB a layer at CP 8, keys and values with the queries' 32 heads,
  about 10 ms on NVLink) is issued before the first, causal block (about 30 ms) and waited after it; the
  backward's all-to-all of the fp32 key-value gradients (1.07 GB a step, about 3 ms) is waited after the next
  step's block (about 86 ms). The exact torch commit the runs used (1963fc8, 2024-12) is not stored here: the two
  stored versions of _attention.py (pytorch/pytorch, and ROCm/pytorch's copy holding an older upstream side) have
  the same _SDPAMerger, rotaters and load balance. What grows with c beyond the merges (NCCL's channels taking SMs
  from the attention kernels while the all-gather of 7 shards runs, the caching allocator under the 262K-token
  fp32 buffers, torch.compile around the DTensor dispatch) no source here measures.

Since branch ringwire the step model counts PyTorch's merges (``Layout.context_code`` "pytorch", set for TorchTitan's
rows by calc.perf.validation.build_layout; calc.perf.layer.context_merges, with ``pytorch_merge_bytes`` defined there
and imported here, and each merge kernel's fixed cost): section 1 scores the model with them, section 2 shows
TorchTitan's CP runs without them (the same layout under "te") and with them, and Transformer Engine's fused merges,
which the model leaves out, added to the Megatron-Core runs as before. With them the model's cost per added ring step of
TorchTitan's 8B (section 3) is 5.20 s from CP 1 to 2 (measured 4.48) and 5.00 s from 2 to 4 and 4 to 8 (measured 8.85,
7.30): the one ring step of CP 2 now costs the model 16% more than measured, the later ones still 1.5-1.8x less.

A diagnostic: sets nothing, enters no score.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import replace

from calc import data
from calc.perf import validation
from calc.perf.layer import pytorch_merge_bytes  # the one count, the step model's (Layout.context_code)
from calc.perf.step import predict_step

WITHIN = validation.WITHIN
TORCHTITAN_8B = "TorchTitan Llama 3.1 8B 8 H100 FSDP{dp} CP{cp} seq {seq}"
_8B_SIZES = ((8, 1, 32768), (4, 2, 65536), (2, 4, 131072), (1, 8, 262144))


def te_merge_bytes(context: int) -> tuple[float, float]:
    """Transformer Engine's fused output correction, about 10 bytes an element a ring step, forward only."""
    return 10.0 * context, 0.0


def summary(ratios: list[float]) -> str:
    if not ratios:
        return "0 runs"
    within = sum(abs(r - 1) <= WITHIN for r in ratios)
    bias = math.exp(statistics.mean(math.log(r) for r in ratios)) - 1
    return (f"{len(ratios):4d} runs, {within:3d} within 15% ({100 * within / len(ratios):5.1f}%), "
            f"median |ratio - 1| {statistics.median(abs(r - 1) for r in ratios):.3f}, bias {100 * bias:+.1f}%")


def merged_ratio(r: dict, pred) -> tuple[float, float, float] | None:
    """(seconds the merges add a step, the ratio without them, the ratio with them) for a run on PyTorch's or
    Transformer Engine's CP. PyTorch's the step model counts (``Layout.context_code`` "pytorch", set for TorchTitan's
    rows: calc.perf.layer.context_merges): their seconds are the step's less the same layout's under "te"."""
    context = int(float(r["context"] or 1))
    if context <= 1:
        return None
    torch_cp = "TorchTitan" in (r["framework"] or "")
    te_cp = "Megatron-Core" in (r["framework"] or "")  # NeMo, Megatron-Bridge, Megatron-LM: Transformer Engine's CP
    if not (torch_cp or te_cp):
        return None
    step = pred.step
    lay, model, chip = step.layout, step.model, step.chip
    total = sum(step.seconds.values())
    if torch_cp and lay.context_code == "pytorch":
        chips = int(r["chips"])
        without = predict_step(model, validation.cluster(r), chips, replace(lay, context_code="te"), False)
        with_ = predict_step(model, validation.cluster(r), chips, lay, False)
        seconds = sum(with_.seconds.values()) - sum(without.seconds.values())
        return seconds, pred.ratio * total / (total - seconds), pred.ratio
    elements = lay.micro_batch * model.heads / lay.tensor * (lay.sequence / context) * model.v_dim
    forward, backward = (pytorch_merge_bytes if torch_cp else te_merge_bytes)(context)
    passes = 2 if lay.recompute == "full" else 1
    per_layer = elements * (passes * forward + backward) / chip.memory_bandwidth
    layers = model.layers / lay.pipeline
    seconds = per_layer * layers * (step.micro_batches + lay.pipeline - 1)
    return seconds, pred.ratio, pred.ratio * total / (total + seconds)


def main() -> None:
    preds, _ = validation.predictions()
    rows = {r["name"]: r for r in data.validation_runs()}
    by_context, by_family = defaultdict(list), defaultdict(list)
    for p in preds:
        context = int(float(rows[p.name]["context"] or 1))
        by_context[context].append(p.ratio)
        if context > 1:
            by_family[p.family].append(p.ratio)
    print("1. Held-out runs by context-parallel size (ratio = measured / predicted step time):")
    for c in sorted(by_context):
        print(f"   CP {c:2d}: {summary(by_context[c])}")
    print("   CP > 1 by family:")
    for f in sorted(by_family):
        print(f"   {f:18s} {summary(by_family[f])}")

    print("\n2. Every run at CP > 1: ratio without and with the merges (PyTorch CP's unfused ones on TorchTitan, which the "
          "step model counts, Layout.context_code; Transformer Engine's fused ones on NVIDIA's frameworks, which it "
          "does not):")
    cp_preds = sorted((p for p in preds if int(float(rows[p.name]["context"] or 1)) > 1),
                      key=lambda p: (int(float(rows[p.name]["context"])), p.family, p.name))
    before, after = [], []
    for p in cp_preds:
        r = rows[p.name]
        got = merged_ratio(r, p)
        if got is None:
            before.append(p.ratio)
            after.append(p.ratio)
            if int(float(r["context"])) > 2:
                print(f"   CP {int(float(r['context'])):2d} {p.ratio:6.3f}  (no count: {r['framework']})  {p.name}")
            continue
        seconds, unmerged, ratio = got
        before.append(unmerged)
        after.append(ratio)
        if int(float(r["context"])) > 2 or "TorchTitan" in r["framework"]:
            print(f"   CP {int(float(r['context'])):2d} {unmerged:6.3f} -> {ratio:6.3f}  (+{seconds:6.2f} s)  {p.name}")
    print(f"   CP > 1 without the merges: {summary(before)}")
    print(f"   CP > 1 with the merges:    {summary(after)}")
    moved = {p.name: merged_ratio(rows[p.name], p) for p in cp_preds}
    every = [moved[p.name][1] if moved.get(p.name) else p.ratio for p in preds]
    every_after = [moved[p.name][2] if moved.get(p.name) else p.ratio for p in preds]
    print(f"   every held-out run without them:    {summary(every)}")
    print(f"   every held-out run with the merges: {summary(every_after)}")
    for family in ("torchtitan", "nemo-docs", "megatron-bridge", "mlperf-training", "dgxc-benchmarking"):
        got = [moved[p.name][1:] if moved.get(p.name) else (p.ratio, p.ratio) for p in preds if p.family == family]
        print(f"   {family:18s} unmerged {summary([a for a, _ in got])}")
        print(f"   {'':18s} merged   {summary([b for _, b in got])}")

    print("\n3. TorchTitan's Llama 3.1 8B on 8 H100, s / c = 32,768 a chip: the step's increase per added ring step")
    by_name = {p.name: p for p in preds}
    previous = None
    for dp, cp, seq in _8B_SIZES:
        p = by_name[TORCHTITAN_8B.format(dp=dp, cp=cp, seq=seq)]
        r = rows[p.name]
        step = predict_step(p.step.model, validation.cluster(r), int(r["chips"]), p.step.layout, False)
        predicted = sum(step.seconds.values())
        line = f"   CP {cp}: measured {p.measured:6.2f} s, predicted {predicted:6.2f} s, ratio {p.ratio:.3f}"
        if previous is not None:
            steps = cp - previous[0]
            line += (f"; per added ring step measured {(p.measured - previous[1]) / steps:5.2f} s, "
                     f"model {(predicted - previous[2]) / steps:5.2f} s")
        print(line)
        previous = (cp, p.measured, predicted)


if __name__ == "__main__":
    main()
