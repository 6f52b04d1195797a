"""The published runs of data/validation_runs.csv as the step model reads them: a shape, a chip and a layout.

A row's shape is the named one of data/architectures.csv when there is one, a hybrid attention / Mamba-2
stack's from data/hybrid_shapes.csv, else built from its columns (a gated feed-forward unless d_ff = 4 d_model;
mixtures of experts with their dense layers); rows whose blocks the model has no shape for (latent attention
without a named shape) give no shape. ``sharding`` zero3 / fsdp is ZeRO stage 3, zero2 stage 2, else Megatron's distributed optimizer
(stage 1, the recipes' default). A recomputation the row does not state is None: the caller chooses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from calc import data
from calc.architecture import Transformer, lookup
from calc.errors import InputError
from calc.perf.layout import Layout
from calc.vocabulary import INTERLEAVED

ZERO_OF_SHARDING = {None: 1, "zero1": 1, "zero2": 2, "zero3": 3, "fsdp": 3}
UNFUSED_LOSS = ("TorchTitan",)  # cross-entropy on an fp32 copy of the logits (torchtitan/components/loss.py)
# MaxText remat policies that keep (or offload to the host) only the layer input and the Q/K/V projections and
# rematerialize the rest: "custom" (base.yml's defaults: context, mlpwi, mlpwo, out_proj 'remat') and qkv_proj_offloaded
REMAT_ALL_BUT_QKV = re.compile(r"remat custom|remat_policy=qkv_proj_offloaded")
# the checkpointing policy a row's framework applies, where it differs from [Korthikanti2022]'s count (calc.perf.memory.SAVED)
_HOST = re.compile(r"decoder_layer_input[^;]*offloaded")
_MINIMAL_WITH_CONTEXT = re.compile(r"remat minimal_with_context")
# parameters, gradients and both Adam moments in bf16, no fp32 master copy (data/optimizers.csv adam-bf16): MaxText's
# weight_dtype bfloat16; torch.optim.Adam on the bf16 parameters NeMo AutoModel's from_config built before 2026-06
# XLA flags that leave the FSDP all-gathers in their own layer's loop iteration (calc.perf.memory.XLA_PLAN)
_NO_AG_PIPELINING = re.compile(r"no all-gather pipelining")
_DUALPIPE = re.compile(r"DualPipe schedule")  # DeepSeek-V3's own pipeline schedule (a row's note)
_BF16_WEIGHTS = re.compile(r"weight_dtype bfloat16|bf16 parameters with torch.optim.Adam")
PRECISION_OF_RUN = {"bf16": "bf16", "fp16": "fp16", "fp8": "fp8", "mxfp8": "fp8", "nvfp4": "fp4", "int8": "int8"}  # int8: MaxText AQT


@dataclass(frozen=True)
class PublishedRun:
    """One row of data/validation_runs.csv: its shape (None: not buildable, ``why`` says why), chip, layout."""

    name: str
    source_family: str
    model: Transformer | None
    hardware: str
    chips: int
    layout: Layout | None
    recompute_stated: bool
    peak_memory: float | None  # GB per chip, measured, where published
    why: str = ""
    saved: str = "recompute"  # what a layer keeps: the framework's checkpointing policy (calc.perf.memory.SAVED)
    optimizer: str = "adam-mixed"  # the states' bytes per parameter (data/optimizers.csv), as the recipe sets them
    prefetch: bool = True  # XLA: the next layer's weights gathered during this one's (calc.perf.memory.XLA_PLAN)


def _whole_or_none(value) -> int | None:
    return None if value is None else int(value)


def hybrid_model(r) -> Transformer:
    """The shape of a hybrid attention / Mamba-2 row (Nemotron-H): its attention and expert widths from the row,
    its pattern and Mamba-2 dimensions from data/hybrid_shapes.csv; each layer one block with one RMSNorm, the
    feed-forward squared ReLU (not gated: Nemotron-H's relu2)."""
    shape = data.hybrid_shapes().get(r["model"])
    if shape is None or shape["layer_pattern"] != r["layer_pattern"]:
        raise InputError("model", f"{r['model']}: hybrid Mamba-2 layers without their dimensions in "
                                  "data/hybrid_shapes.csv")
    moe = r["experts"] is not None and r["experts"] > 1
    fields = dict(layers=int(r["layers"]), d_model=int(r["d_model"]), heads=int(r["heads"]),
                  vocab=int(r["vocab"] or shape["vocab"]), context=int(r["sequence"]), kv_heads=_whole_or_none(r["kv_heads"]),
                  head_dim=_whole_or_none(r["head_dim"]), d_ff=_whole_or_none(r["d_ff"]) or _whole_or_none(r["expert_d_ff"]), gated=False,
                  norm="rmsnorm", norms_per_layer=1, tied_embeddings=shape["tied_embeddings"] == "true",
                  layer_pattern=shape["layer_pattern"], mamba_heads=int(shape["mamba_heads"]),
                  mamba_head_dim=int(shape["mamba_head_dim"]), ssm_state=int(shape["ssm_state"]),
                  mamba_groups=int(shape["mamba_groups"]), conv_kernel=int(shape["conv_kernel"]),
                  ssd_chunk=int(shape["ssd_chunk"]))
    if moe:  # the shared expert twice a routed one's width (the row's note: "shared expert 3712 wide")
        shared = _SHARED_WIDTH.search(r["note"] or "")
        fields.update(experts=int(r["experts"]), experts_per_token=int(r["experts_per_token"]),
                      shared_experts=_whole_or_none(r["shared_experts"]) or 0, expert_d_ff=_whole_or_none(r["expert_d_ff"]),
                      shared_d_ff=int(shared.group(1)) if shared else None)
    return Transformer(**fields)


_SHARED_WIDTH = re.compile(r"shared expert (\d+) wide")


def run_model(r: data.Row) -> Transformer:
    """The shape of a row: its named shape, a hybrid stack's (:func:`hybrid_model`), else one from its columns
    (an InputError when it has none)."""
    if r["layer_pattern"]:
        return hybrid_model(r)
    try:
        named = lookup(r["model"])
    except InputError:
        named = None
    if named is not None:  # a proxy with fewer layers (NVIDIA's scaled-down 405B) keeps the row's count
        return named if named.layers == int(r["layers"]) else replace(named, layers=int(r["layers"]))
    if r["attention"] == "mla":
        raise InputError("model", f"{r['model']}: latent attention needs its ranks, which the row does not give")
    d, ff = int(r["d_model"]), int(r["d_ff"] or 4 * r["d_model"])
    kw = {}
    if (r["experts"] or 1) > 1:
        kw = dict(experts=int(r["experts"]), experts_per_token=int(r["experts_per_token"]),
                  shared_experts=int(r["shared_experts"] or 0), dense_layers=int(r["dense_layers"] or 0),
                  expert_d_ff=int(r["expert_d_ff"] or ff))
    return Transformer(layers=int(r["layers"]), d_model=d, heads=int(r["heads"]), vocab=int(r["vocab"]),
                       context=int(r["sequence"]), kv_heads=int(r["kv_heads"] or r["heads"]),
                       head_dim=int(r["head_dim"]) if r["head_dim"] else None, d_ff=ff, gated=ff != 4 * d,
                       tied_embeddings=False, norm="rmsnorm" if ff != 4 * d else "layernorm", **kw)


def run_saved(r: data.Row) -> str:
    """What a row's layers keep for the backward pass (calc.perf.memory.SAVED): TorchTitan's selective checkpointing
    is per operator (every other matmul), MaxText's ``minimal_with_context`` every projection, and MaxText's
    ``custom`` policy with ``decoder_layer_input: offload`` keeps the layer inputs in host memory."""
    note = r["note"] or ""
    if _HOST.search(note):
        return "host"
    if _MINIMAL_WITH_CONTEXT.search(note):
        return "matmuls and context"
    if r["framework"].startswith("TorchTitan") and r["recompute"] in ("selective", None):
        return "every other matmul"  # llama3_8b.toml: mode 'selective', selective_ac_option 'op'
    return "recompute"


def run_optimizer(r: data.Row) -> str:
    """The bytes per parameter of a row's weights, gradients and optimizer state (data/optimizers.csv): MaxText with
    ``weight_dtype bfloat16``, and torch.optim.Adam on bf16 parameters (NeMo AutoModel's from_config), keep all four in
    bf16 (``adam-bf16``); otherwise mixed-precision Adam (MaxText's fp32 default weight_dtype holds 4 + 4 + 4 + 4
    bytes, the same 16 as ``adam-mixed``)."""
    return "adam-bf16" if _BF16_WEIGHTS.search(r["note"] or "") else "adam-mixed"


def run_prefetch(r: data.Row) -> bool:
    """Whether XLA holds the next layer's gathered weights during this one's (calc.perf.memory.XLA_PLAN): False
    where the row's recipe sets XLA flags without collective pipelining (no ``xla_tpu_enable_ag_backward_pipelining``,
    which MaxText's HOST_OFFLOAD_FLAGS set); True where the row does not say (the count that holds both)."""
    return not _NO_AG_PIPELINING.search(r["note"] or "")


def run_recompute(r: data.Row) -> str | None:
    """The row's recomputation: MaxText's policies that keep only the layer input and the Q/K/V projections are
    "full" (as calc.perf.validation counts them); None where the row states none."""
    if REMAT_ALL_BUT_QKV.search(r["note"] or ""):
        return "full"
    return r["recompute"]


def run_schedule(r: data.Row) -> str:
    """A row's pipeline schedule (calc.perf.layout.SCHEDULES): DeepSpeed's engine for Megatron-DeepSpeed, DualPipe where
    the note says so ([DeepSeekAI2024] sec. 3.2.1), else Megatron's 1F1B: one rule for the memory check and the step
    validation (calc.perf.validation.build_layout)."""
    if r["framework"] == "Megatron-DeepSpeed":
        return "deepspeed"  # its PR #6, 2021-07-30: "use pp engine even for pp=1"
    return "dualpipe" if _DUALPIPE.search(r["note"] or "") else "1f1b"


def interleaving_counts(layers: int, pipeline: int) -> tuple[int, ...]:
    """The virtual stages per pipeline rank a run may have interleaved where its source does not say how many: every
    ``v`` from 2 whose ``p v`` model chunks split the ``layers`` evenly, the embedding and the loss as a layer each where
    that evens them (Megatron-LM's account_for_embedding_in_pipeline_split and account_for_loss_in_pipeline_split;
    calc.perf.layout.stage_sizes; the Llama 3 paper's one layer fewer on the first and last stages, [Dubey2024]
    sec. 3.3.2), at most one layer a chunk.

    Examples
    --------
    >>> interleaving_counts(126, 16)   # Llama 3.1 405B: 128 = 126 + 2 over 16 v chunks
    (2, 4, 8)
    >>> interleaving_counts(96, 8)     # GPT-3 175B
    (2, 3, 4, 6, 12)
    """
    return tuple(v for v in range(2, (layers + 2) // pipeline + 1)
                 if layers % (pipeline * v) == 0 or (layers + 2) % (pipeline * v) == 0)


def fastest_interleaving(stated, layers: int, pipeline: int, step_seconds: Callable[[int], float]) -> int:
    """The virtual stages per pipeline rank the step model takes for a layout whose virtual_stages cell (data/
    run_layouts.csv, data/validation_runs.csv) is ``stated``: the one rule of the back-test (calc.backtest, through
    calc.perf.utilization.published_layout) and the step validation (calc.perf.validation.build_layout).

    A count: that count. Blank (None): 1, no interleaving: the configs that interleave state the count (NeMo's and
    Megatron-LM's virtual_pipeline_model_parallel_size), so a blank is a run without it. ``INTERLEAVED`` ("interleaved",
    a source that names the interleaved schedule [Narayanan2021] but not its count, as the Llama 3 paper, [Dubey2024]
    sec. 3.3.2): of :func:`interleaving_counts`, the one whose step ``step_seconds(v)`` is shortest (the fewest on a
    tie), a count the model refuses (InputError, e.g. micro-batches not a multiple of the stages) skipped. Memory is
    not enforced: ``step_seconds`` predicts with the memory check off, as the validation predicts every run (the runs
    ran) and the back-test its published layouts, since calc.perf.memory's estimate can exceed what a team made fit
    (Llama 3.1 405B's 8K pre-training holds no recomputation through deallocations the estimate does not model,
    sec. 3.3.2; enforced, no count of it would fit and the rule would read the paper's interleaving as none).

    Raises
    ------
    InputError
        ``virtual_stages``: interleaved, and no count from 2 splits the layers evenly or the model takes none.
    """
    if stated is None:
        return 1
    if stated != INTERLEAVED:
        return int(stated)
    best, best_seconds = None, None
    for v in interleaving_counts(layers, pipeline):
        try:
            seconds = step_seconds(v)
        except InputError:
            continue
        if best is None or seconds < best_seconds:
            best, best_seconds = v, seconds
    if best is None:
        raise InputError("virtual_stages", f"interleaved, count not stated: no count from 2 of virtual stages splits "
                                           f"the {layers} layers over {pipeline} pipeline stages evenly, or the step "
                                           "model takes none of them")
    return best


def run_layout(r: data.Row, recompute: str | None = None) -> Layout:
    """The layout a row states (``recompute``: the choice where the row states none, default selective)."""
    tensor, pipeline, context, expert = (int(r[k] or 1) for k in ("tensor", "pipeline", "context", "expert"))
    expert_tensor = int(r["expert_tensor"]) if r["expert_tensor"] else None
    data_parallel = int(r["chips"]) // (tensor * pipeline * context)
    if expert_tensor is None and (data_parallel * context) % expert:  # unstated: 1, as the recipes set it
        expert_tensor = 1  # where experts spread over the tensor ranks too (Megatron-Core's MoE folding)
    return Layout(tensor=tensor, pipeline=pipeline, context=context, expert=expert,
                  virtual_stages=_virtual_stages(r), expert_tensor=expert_tensor,
                  micro_batch=int(r["micro_batch"] or 1), global_batch=int(r["global_batch"]),
                  sequence=int(r["sequence"]), recompute=run_recompute(r) or recompute or "selective",
                  precision=PRECISION_OF_RUN[r["precision"]], zero=ZERO_OF_SHARDING[r["sharding"]],
                  fused_loss=not r["framework"].startswith(UNFUSED_LOSS), schedule=run_schedule(r))


def _virtual_stages(r: data.Row) -> int:
    """The row's virtual stages: its count, 1 where blank, and where it says "interleaved" the count the step
    validation takes (:func:`fastest_interleaving`, through calc.perf.validation.build_layout): one record."""
    if r["virtual_stages"] != INTERLEAVED:
        return int(r["virtual_stages"] or 1)
    from calc.perf import validation

    return validation.build_layout(r, validation.build_model(r)).virtual_stages


def published_runs() -> list[PublishedRun]:
    """Every row of data/validation_runs.csv with its shape and layout (or why it has none)."""
    out = []
    for r in data.validation_runs():
        peak = r["peak_memory"]
        try:
            model, why = run_model(r), ""
        except InputError as exc:
            model, why = None, str(exc)
        layout = run_layout(r) if r["global_batch"] else None
        if layout is None and not why:
            why = "no global batch"
        out.append(PublishedRun(r["name"], r["source_family"], model, r["chip"], int(r["chips"]), layout,
                                r["recompute"] is not None, peak, why, run_saved(r), run_optimizer(r),
                                run_prefetch(r)))
    return out


def run_memory(run: PublishedRun):
    """(layout as run, Memory, bytes per chip, capacity in bytes) of a published run. Where the row states no
    recomputation, the first of selective and full that fits (the tables leave it to per-model recipes, which
    recompute when they must)."""
    from calc.perf.memory import layout_memory

    layout = run.layout
    found, total, capacity = layout_memory(run.model, run.hardware, run.chips, layout, run.saved, run.optimizer,
                                           run.prefetch)
    if not run.recompute_stated and capacity is not None and total > capacity:
        full = replace(layout, recompute="full")
        again = layout_memory(run.model, run.hardware, run.chips, full, optimizer=run.optimizer,
                              prefetch=run.prefetch)  # full: [Korthikanti2022]'s count
        if again[1] <= capacity:
            layout, (found, total, capacity) = full, again
    return layout, found, total, capacity
