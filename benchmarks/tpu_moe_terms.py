"""Mixture-of-experts training on TPU under MaxText, term by term: the held-out runs the step model predicts too fast.

    python -m benchmarks.tpu_moe_terms

For each held-out MaxText run of a mixture of experts on TPU (tpu-recipes: Ironwood DeepSeek-V3, Qwen3 235B-A22B and
GPT-OSS 120B, FSDP over every device and no expert parallelism; Llama 4 Maverick on v5p; Mixtral 8x7B on Trillium) it
prints the measured and predicted step, the model's parts, the rows each expert's grouped product gets on one JAX
device and the partial-tile factor the model now charges them (calc.perf.layer.tile_visits), the experts' FSDP
all-gather a layer against that layer's forward computation, the activations the run's remat policy offloads to the
host a step (bytes a chip each way, and the seconds at the PCIe rates the JAX scaling book gives: 16 GB/s each way a
TPU v4 chip, 32 GB/s a Trillium's; none is published for TPU7x), and what is left: measured - predicted seconds a
MoE layer. A diagnostic: it sets nothing.

What it shows (at branch tpumoe):

* Two costs are code-grounded and now in the model. MaxText's token-dropping dense path (Mixtral on Trillium,
  capacity factor 1.25: 1,280 slots a sequence and two one-hot einsums; ``Layout.capacity_factor``) takes Mixtral
  from 1.41 to 1.06. The Pallas grouped products' partial m tiles (megablox's and tokamax's ``make_group_metadata``:
  tiles_m + groups - 1 grid steps; 512-row tiles) charge DeepSeek-V3's 1,024 rows an expert a device x1.50,
  GPT-OSS's 2,560 x1.20, Qwen3's 4,096 x1.12, Maverick's 1,024 x1.50: Ironwood DeepSeek-V3 1.54-1.69 -> 1.30-1.45,
  Qwen3 1.52/1.76 -> 1.44/1.68, GPT-OSS 2.84 -> 2.60, Maverick 1.46 -> 1.37.
* The experts' FSDP gathers are not what is left: a DeepSeek-V3 MoE layer's 22.5 GB of 16-bit experts (MaxText's
  moe.py casts them to bf16, then shard_map's in_specs gather all 256 on every device) take ~57 ms at the model's
  ICI rate beside ~70 ms of that layer's forward computation in bf16 (~48 ms in fp8: ~10 ms a layer, 0.6 s a step,
  would wait on a layer-by-layer schedule), the backward's gather and reduce-scatter beside about three times as
  much; XLA runs them asynchronously on the SparseCores (the recipes' offload flags). Qwen3's and GPT-OSS's
  (12-16 ms) hide whole; Maverick's on v5p (82 ms beside 80) is the one at par.
* The host offloads (every MoE recipe here offloads decoder_layer_input; GPT-OSS also mlpwo, 1.9 GB a layer a device)
  are the one part the model leaves out that could reach GPT-OSS's gap: 170 GB a chip each way a step, 5.3 s at
  32 GB/s against a forward pass of about 1.3 s. DeepSeek-V3's 57 GB and Qwen3's 101 GB would hide behind their
  forward passes at that rate. No measured host-transfer rate for TPU7x is at hand, so nothing is set.
* What is left a MoE layer after both terms (DeepSeek-V3 bf16 105-109 ms, fp8 114-121 ms; Qwen3 101 / 119 ms;
  GPT-OSS 292 ms; Maverick 278 ms; Mixtral 22 ms) is larger in fp8 than in bf16 on the same shapes (as the dense
  Ironwood runs in fp8, 1.08-1.19 against 1.02-1.13 in bf16), and still unsized: the grouped products' in-kernel
  rate at these shapes (MaxText pull request 3731, April 2026: about 66% MFU on the gmms after re-mapping the tile
  sizes the Ironwood recipes' MaxText passed mis-permuted), the routing's argsort and row gathers (offloaded to the
  SparseCores by xla_tpu_enable_offloading_gather_to_sparsecore) and the 8-bit quantization inside the kernels; no
  measurement of any of them on TPU is at hand.
"""

from __future__ import annotations

import re

from calc import data
from calc.perf import validation
from calc.perf.collectives import all_gather
from calc.perf.layer import parameter_counts, tile_visits
from calc.perf.system import devices_per_chip

PCIE = (16e9, 32e9)  # bytes/s each way a chip: JAX scaling book, "How to think about TPUs" (v4; Trillium 2x)
_OFFLOADED = re.compile(r"remat custom with ([a-z_ ,]+?) offloaded")


def maxtext_moe_runs() -> list:
    """The held-out validation predictions of MaxText mixtures of experts on TPU, with their rows."""
    rows = {r["name"]: r for r in data.validation_runs()}
    preds, _ = validation.predictions()
    return [(p, rows[p.name]) for p in preds
            if p.step.model.experts > 1 and rows[p.name]["chip"].startswith("TPU") and "MaxText" in rows[p.name]["framework"]]


def offload_bytes(p, row) -> float:
    """Bytes a chip sends to the host a step (and reads back as many): the tensors the row's remat policy offloads,
    16 bits each, per layer (decoder_layer_input; the projections; mlpwo, the experts' down products' rows)."""
    model, lay = p.step.model, p.step.layout
    found = _OFFLOADED.search(row["note"] or "")
    names = found.group(1) if found else ""
    tokens = lay.micro_batch * lay.sequence * p.step.micro_batches / max(1, lay.tensor)  # this chip's, a step
    per_token = 0.0
    if "decoder_layer_input" in names:
        per_token += model.d_model * model.layers
    if "projections" in names:
        per_token += (model.heads * model.qk_dim + model.kv * (model.qk_dim + model.v_dim)
                      + model.d_model) * model.attention_layers
    if "mlpwo" in names:
        per_token += model.experts_per_token * model.d_model * (model.layers - model.dense_layers)
    return 2.0 * tokens * per_token


def main() -> None:
    for p, row in maxtext_moe_runs():
        step, model, lay = p.step, p.step.model, p.step.layout
        chip, s = step.chip, step.seconds
        devices = devices_per_chip(chip.hardware)
        tokens = lay.micro_batch * lay.sequence / lay.context
        per_expert = tokens * model.experts_per_token * lay.expert / model.experts
        moe_layers = model.layers - model.dense_layers
        _, expert_params, _ = parameter_counts(model)
        gather = all_gather(chip, 2.0 * expert_params / moe_layers / lay.expert, step.chips, step.chips, step.chips)
        forward = (s["matmuls"] + s["attention core"]) / 3 / model.layers  # forward ~ a third of forward + backward
        host = offload_bytes(p, row)
        left = (p.measured - p.predicted) / moe_layers
        print(f"{p.name}\n  measured {p.measured:6.2f} s  predicted {p.predicted:6.2f} s  ratio {p.ratio:.2f}"
              f"   (model: matmuls {s['matmuls']:.2f}, recompute {s['recomputation']:.2f}, attention "
              f"{s['attention core']:.2f}, memory-bound {s['memory-bound operations']:.2f}, data-parallel exposed "
              f"{s['data-parallel communication']:.2f})")
        if lay.capacity_factor:
            print(f"  token dropping, capacity factor {lay.capacity_factor:g}: experts on capacity slots, one-hot einsums")
        else:
            visits = tile_visits(per_expert / devices, model.experts // lay.expert,
                                 chip.coefficients.pallas_grouped_matmul_tile_rows)
            print(f"  {per_expert / devices:,.0f} rows an expert a device ({devices} device(s) a chip): partial tiles "
                  f"x{visits:.2f} on the routed products")
        print(f"  experts' FSDP gather a layer {1e3 * gather:5.1f} ms beside ~{1e3 * forward:5.1f} ms of a layer's "
              f"forward computation")
        print(f"  host offload {host / 1e9:6.1f} GB a chip each way a step: "
              + ", ".join(f"{host / rate:5.2f} s at {rate / 1e9:.0f} GB/s" for rate in PCIE))
        print(f"  left: {1e3 * left:6.1f} ms a MoE layer ({moe_layers} MoE layers)")


if __name__ == "__main__":
    main()
