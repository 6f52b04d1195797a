"""What Megatron-Bridge's code runs for GPT-OSS 120B and Nemotron 3 Nano, beside what the step model counts: a diagnostic.

    python -m benchmarks.bridge_moe_code_paths

A diagnostic (branch gptoss): sets nothing, enters no score. The two held-out classes that hold most of Megatron-Bridge's
misses (``python -m benchmarks.step_miss_classes`` section 4: GPT-OSS 120B, 18 runs, median ratio 1.46, none within
15%; Nemotron 3 Nano 30B-A3B, 10 runs, 1.27) are predicted too fast (ratio = measured / predicted step, above 1), and
their expert products are not the cause (``python -m benchmarks.small_expert_gemms``). This reads what the framework
builds for them and scores, with the step model's own terms, each code path that could have been counted otherwise:

1. Every run of the two classes: measured and predicted seconds, the ratio, the predicted step by part, and the time the
   model lacks per layer and micro-batch, and per token and layer on the fullest stage (``lacking_per_token_layer``).
2. That lacking time by chip: whether it is a fixed time or scales with the chip's speed (each chip's 16-bit matmul
   rate, memory bandwidth and fast-link rate beside H100's).
3. GPT-OSS's attention counted otherwise, and its expert all-to-all left unhidden, each alone (``COUNTERFACTUALS``):
   the class's median ratio after each, and whether the unfused path fits in memory at all (``unfused_scores_bytes``).
4. What the source itself says of a run (the 26.06.01 release's footnote).

What the code shows (Megatron-Bridge 067f987, Megatron-LM d98e8a6, TransformerEngine d0067d0):

* GPT-OSS's attention: the bridge sets ``softmax_type = "learnable"`` (the sinks), ``window_size = (127, 0)`` on every
  other layer (``window_attn_skip_freq = 2``), YaRN positions, biases on every linear layer (``add_bias_linear``,
  ``add_qkv_bias``) and the clamped quick-GELU GLU with a +1 linear offset (src/megatron/bridge/models/gpt_oss/
  gpt_oss_bridge.py, ``provider_bridge``). Megatron-Core hands the softmax type to Transformer Engine's
  DotProductAttention (megatron/core/extensions/transformer_engine.py). TE's backend filter disables FlashAttention for
  any softmax type but vanilla and keeps FusedAttention (cuDNN) and the unfused path (transformer_engine/pytorch/
  attention/dot_product_attention/utils.py, "Filter: Softmax type"); cuDNN's F16 arbitrary-sequence backend takes
  learnable sinks from cuDNN 9.13.1 and a (left, 0) sliding window from 9.2 (transformer_engine/common/fused_attn/
  fused_attn.cpp, ``nvte_get_fused_attn_backend``), and the NeMo container ran cuDNN 9.13.1 with FusedAttention for
  GPT-OSS (NVIDIA-NeMo/RL issue 1685, 2025-12-22: "in nemo image cuDNN version is 91310"). The runs' attention is
  cuDNN's fused kernel, not the unfused S x S path, and section 3 shows the unfused path could not have fitted: its
  stored scores alone are 309 GB a GB200 at 4 sequences a micro-batch, against 186 GB.
* The activation is one fused kernel (megatron/core/transformer/moe/experts.py: ``weighted_bias_quick_geglu_impl``,
  a jit-fused quick-GEGLU with the bias, clamp, offset and routing weights, megatron/core/fusions/fused_bias_geglu.py),
  recomputed where the recipe says ``moe_act`` (the step model counts both). The biases are elementwise work beside
  products of 2,880-5,760 columns.
* The perf recipes: BF16 on GB200 sets the all-to-all dispatcher (the bridge's default), ``overlap_moe_expert_parallel_
  comm`` and ``delay_wgrad_compute``, recompute of layernorm and moe_act, no CUDA graphs (src/megatron/bridge/
  perf_recipes/gpt_oss/gb200/gpt_oss.py; the step model reads the overlap and the modules from each row's note);
  MXFP8 from 26.06 a full-iteration CUDA graph with HybridEP (``_apply_gpt_oss_120b_full_iter_fp8mx_configs``) and
  ``NVTE_CUTEDSL_FUSED_GROUPED_MLP``, cuDNN frontend's fused grouped MLP kernels.
* Nemotron 3 Nano's recipes (src/megatron/bridge/perf_recipes/nemotronh/gb200/nemotronh.py) set HybridEP (flex
  dispatcher, 16-32 SMs), TE CUDA graphs over attn, mamba, moe_router and moe_preprocess, no recomputation
  (``_apply_nemotron_3_nano_perf_defaults``): each of these makes a run faster than the step model's terms (no host
  sync to wait for under a graphed preprocess), the wrong way for a class predicted too fast.

What it shows (branch gptoss, from lead 06f361b, 1,031 runs, 79.92% within 15%):

* The model lacks 0.72-0.73 microseconds a token and layer in GPT-OSS's BF16 runs on B200 and GB200 and 1.36 on H100
  (section 2, medians): H100 over Blackwell 1.9x, about the chips' own ratio (2.0-2.5x in 16-bit rate, memory and
  links alike): a time that grows with the work, not a fixed one per step or kernel. Nemotron 3 Nano lacks 0.11-0.12
  on Blackwell in MXFP8 and 0.36 on H100 in FP8.
* The same GB200 layout in MXFP8 under the 26.06 and 26.08 recipes (full-iteration CUDA graph, HybridEP, cuDNN's fused
  grouped MLP) lacks 0.27: measured, BF16 takes 1.8x MXFP8's step (4.92-5.20 s against 2.83-2.86), predicted 1.35x
  (2.77 against 2.06). Most of the class's gap sits in the BF16 recipe's path (all-to-all dispatcher, no CUDA graphs,
  Transformer Engine's grouped GEMM), which the model reads only as its overlap and recomputed modules.
* Each code path counted otherwise moves GPT-OSS's median little (section 3): its sliding-window layers at the full
  causal work (as if cuDNN's band mask skipped no key block) 1.462 -> 1.379; cuDNN's own attention rate (TE runs
  cuDNN, not FlashAttention, for sinks; it differs from the model's default on H100 only) 1.488, the wrong way; the
  expert all-to-all unhidden 1.462 (only the GB200 EP64 runs with the overlap move); all three 1.417. The unfused
  path, the one that would be "far slower", is excluded by the container's cuDNN and by memory.
* The 26.06.01 MXFP8 GB200 run (18,304 tokens/s a GPU against 28,947 in 26.06) is flagged by the source itself:
  "Performance regression in GPT-OSS 120B pre-training is a known issue" (docs/performance-summary-archive.md,
  footnote gpt-oss-note, to NVIDIA/cudnn-frontend issue 256: ``grouped_gemm_dglu_wrapper_sm100`` 10x slower from
  cudnn-frontend 1.24.0), a run no step model of the layout should meet (ratio 2.18; it stays in the score).

What remains: GPT-OSS's BF16 runs lack 26-87% of their predicted step on every chip, and no code path read here
supplies it; a measurement of the BF16 recipe's MoE layer (Transformer Engine's GroupedLinear with biases under the
all-to-all dispatcher, without CUDA graphs) would be the next step. Nemotron 3 Nano lacks 19-41%, where its recipes'
settings all point the other way. Nothing is set.
"""

from __future__ import annotations

import statistics
from dataclasses import replace

from calc import data
from calc.perf import step as perf_step
from calc.perf import validation

CLASSES = ("GPT-OSS 120B", "Nemotron 3 Nano 30B-A3B")
SOURCE = "megatron-bridge"
# the source's footnote on a run it measured during a kernel regression (docs/performance-summary-archive.md)
FLAGGED = {"MB 26.06.01 GPT-OSS 120B GB200 x64 MXFP8 TP1 PP1 CP1 VP1 EP64 GBS1280 MBS4":
           "Performance regression in GPT-OSS 120B pre-training is a known issue (NVIDIA/cudnn-frontend issue 256)"}
COUNTERFACTUALS = ("sliding-window layers at full causal work", "cuDNN's attention rate",
                   "expert all-to-all unhidden", "all three")
SCORE_BYTES = 2  # Transformer Engine's unfused path keeps the 16-bit softmax output for the backward


def class_rows() -> dict:
    """Model name -> the held-out Megatron-Bridge rows of that model (data/validation_runs.csv)."""
    out = {m: [] for m in CLASSES}
    for r in data.validation_runs():
        if r["source_family"] == SOURCE and r["model"] in out:
            out[r["model"]].append(r)
    return out


def predict(r, *, model_change: dict | None = None, layout_change: dict | None = None):
    """The step model's Step for row ``r``, its shape and layout changed by the given fields."""
    model = validation.build_model(r)
    if model_change:
        model = replace(model, **model_change)
    layout = validation.build_layout(r, model)
    if layout_change:
        layout = replace(layout, **layout_change)
    return perf_step.predict_step(model, validation.cluster(r), int(r["chips"]), layout, False)


def token_layers(step) -> float:
    """Tokens times layers one chip's fullest pipeline stage runs in a step (forward and backward once)."""
    sizes = step.layout
    tokens = step.micro_batches * sizes.micro_batch * step.sequence / sizes.context
    return tokens * max(step.stages)


def lacking_per_token_layer(measured: float, step) -> float:
    """Seconds the model lacks per token and layer of the fullest stage: (measured - predicted) / token-layers."""
    return (measured - step.seconds_per_step) / token_layers(step)


def unfused_scores_bytes(step) -> float:
    """Bytes a chip would hold for the backward of Transformer Engine's unfused attention (its 16-bit softmax output,
    micro-batch x heads / tensor x s / c x s) over the fullest stage's attention layers, one micro-batch in flight."""
    lay, m = step.layout, step.model
    per_layer = SCORE_BYTES * lay.micro_batch * m.heads / lay.tensor * (step.sequence / lay.context) * step.sequence
    return per_layer * max(step.stages)


def counterfactual(r, which: str):
    """The Step of row ``r`` with one of ``COUNTERFACTUALS`` applied."""
    swa = {"window": None, "window_layers": 0}
    cudnn = {"attention_kernel": "cudnn"}
    unhidden = {"expert_overlap": False}
    if which == COUNTERFACTUALS[0]:
        return predict(r, model_change=swa)
    if which == COUNTERFACTUALS[1]:
        return predict(r, layout_change=cudnn)
    if which == COUNTERFACTUALS[2]:
        return predict(r, layout_change=unhidden)
    return predict(r, model_change=swa, layout_change={**cudnn, **unhidden})


def runs() -> dict:
    """Model -> [(row, measured seconds, Step)] for the two classes, as ``validate_step`` predicts them."""
    preds = {p.name: p for p in validation.predictions()[0]}
    return {m: [(r, preds[r["name"]].measured, preds[r["name"]].step) for r in rows if r["name"] in preds]
            for m, rows in class_rows().items()}


def _chip_ratios(name: str) -> tuple[float, float, float]:
    """(16-bit matmul rate, memory bandwidth, fast-link rate) of chip ``name`` over H100's."""
    from calc.perf.system import build_chip, resolve_hardware
    a, h = (build_chip(resolve_hardware(n), "bf16") for n in (name, "H100 SXM5"))
    return a.peak / h.peak, a.memory_bandwidth / h.memory_bandwidth, a.intra_node_bandwidth / h.intra_node_bandwidth


def main() -> None:
    classes = runs()
    print("1. Every run: measured / predicted seconds a step, the predicted parts, what the model lacks")
    for model, items in classes.items():
        print(f"  {model}")
        for r, meas, st in items:
            parts = ", ".join(f"{k} {v:.2f}" for k, v in st.seconds.items() if v > 0.005)
            lack = lacking_per_token_layer(meas, st) * 1e6
            print(f"    {r['name'][3:72]:69s} {meas:7.2f} {st.seconds_per_step:7.2f} {meas / st.seconds_per_step:5.2f}"
                  f"  lacks {lack:4.2f} us/token-layer   [{parts}]")
    print("\n2. What the model lacks a token and layer, by chip and precision (median, microseconds), and the chip over H100")
    for model, items in classes.items():
        groups = {}
        for r, meas, st in items:
            groups.setdefault((st.hardware, r["precision"]), []).append(lacking_per_token_layer(meas, st) * 1e6)
        for (chip, precision), xs in sorted(groups.items()):
            rate, memory, link = _chip_ratios(chip)
            print(f"  {model:25s} {chip:10s} {precision:6s} {len(xs):2d} runs  {statistics.median(xs):4.2f}"
                  f"   (x H100: rate {rate:.1f}, memory {memory:.1f}, links {link:.1f})")
    print("\n3. GPT-OSS 120B's code paths counted otherwise (median ratio over its runs)")
    items = classes["GPT-OSS 120B"]
    print(f"  {'as the model counts it':45s} {statistics.median(m / s.seconds_per_step for _, m, s in items):.3f}")
    for which in COUNTERFACTUALS:
        ratios = [meas / counterfactual(r, which).seconds_per_step for r, meas, _ in items]
        print(f"  {which:45s} {statistics.median(ratios):.3f}")
    for r, _, st in items:
        if st.hardware in ("GB200", "B200") and st.layout.micro_batch == 4:
            need, have = unfused_scores_bytes(st) / 1e9, st.capacity / 1e9
            print(f"  unfused attention's stored scores, {r['name'][3:60]}: {need:,.0f} GB a chip of {have:,.0f}")
            break
    print("\n4. Runs the source flags")
    for name, why in FLAGGED.items():
        print(f"  {name}: {why}")


if __name__ == "__main__":
    main()
