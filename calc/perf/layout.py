"""The parallel layout of a training step, its options, and the checks that it divides the model and chips.

Every option is defined once (``RECOMPUTE`` in calc.vocabulary, ``SCHEDULES``, ``FRAMEWORKS``, ``ZERO_STAGES``,
``ATTENTION_KERNELS``, ``CONTEXT_CODES``), and every field of :class:`Layout` carries its help text, command-line flag
and app label in its metadata, so the ``step`` command's flags and the Parallel layouts page's fields
are generated from the dataclass (``layout_options``): a new field is one edit here.

:func:`resolve` checks a layout against a model and a chip count and gives the sizes the terms use
(:class:`Sizes`), in the notation of [Narayanan2021]: tensor t, pipeline p, data d = n / (t p c),
virtual stages v, micro-batch b, global batch B, micro-batches per step m = B / (b d).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import NamedTuple

from calc.architecture import Transformer
from calc.display import counted, number
from calc.errors import InputError, did_you_mean, nearest
from calc.memory import sequence_parallel_on
from calc.reader import whole
from calc.vocabulary import RECOMPUTE, ZERO_STAGES  # recomputation modes and ZeRO stages, defined there

# Megatron-Core's selective recomputation by module (--recompute-modules): the ones the step model times
RECOMPUTE_MODULES = ("mla_up_proj", "mlp", "moe", "moe_act", "layernorm")
SCHEDULES = ("1f1b", "dualpipe", "deepspeed")  # pipeline schedules: Megatron's (interleaved) 1F1B, DeepSeek-V3's
# DualPipe, DeepSpeed's pipeline engine (TrainSchedule: 1F1B with blocking sends one after another)
# the fused attention kernel's code: the chip's own (default), or FlashAttention-2's Ampere-style code (PyTorch SDPA's
# flash backend), which on Blackwell runs far below the chip's own kernels (calc.perf.system.Chip.attention_rate_flash2),
# or cuDNN's fused attention (PyTorch SDPA's cuDNN backend), which on Hopper runs above FlashAttention-2's code
# (calc.perf.system.Chip.attention_rate_cudnn), or xformers' CUTLASS memory-efficient kernel (PyTorch SDPA's
# EFFICIENT_ATTENTION backend), Ampere-style code at half FlashAttention-2's rate (calc.perf.system.Chip.attention_rate_efficient)
ATTENTION_CODES = ("native", "flash2", "cudnn", "efficient")
ATTENTION_KERNELS = {"flash2": False, "triton": True}  # --attention NAME -> Layout.triton_attention
# the code that casts 16-bit matmul inputs to 8 bits: Transformer Engine's with delayed scaling (the cast fused with its
# producer, the amax kept from the last step), Transformer Engine's with current scaling (an amax pass, then the cast:
# Float8CurrentScaling, MLPerf's FP8_RECIPE tensorwise, Megatron-Bridge's fp8_recipe "tensorwise"), or torchao's
# Float8Linear with dynamic scaling, by tensor or by row (TorchTitan's float8)
FLOAT8_CASTS = ("te", "te_current", "tensorwise", "rowwise")
# the context-parallel (ring attention) code: Transformer Engine's (NeMo, Megatron-Core: each ring step's partial output
# merged into the running one by one fused kernel), or PyTorch's experimental context parallel (TorchTitan: the merges,
# fp32 casts and key-value copies as separate eager kernels, calc.perf.layer.context_merges)
CONTEXT_CODES = ("te", "pytorch")
# Framework versions measured slower than the code the model's coefficients describe, by a paired
# published comparison (same model, same layout): name -> field of calc.perf.system.Coefficients
# "megatron-lm 2019": the code of Shoeybi et al. 2019 (no fused softmax or bias-GELU, tensor parallelism only), from
# NVIDIA's paired 39 -> 62.4 TFLOP/s on one V100 of a DGX-2H, chained through the 2021 ratio (data/step_coefficients.csv)
FRAMEWORKS = {"megatron-lm 2021": "efficiency_megatron_lm_2021", "megatron-lm 2019": "efficiency_megatron_lm_2019"}


def _option(help_: str, *, flag: str | None = None, label: str | None = None, choices=None, required=False,
            several=False):
    """A field's metadata: its help, command-line flag (default ``--field-name``; "" for none), app label; ``several``:
    some of ``choices``, comma-separated."""
    return {"help": help_, "flag": flag, "label": label, "choices": choices, "required": required, "several": several}


def _field(default, help_: str, **kw):
    return field(default=default, metadata=_option(help_, **kw))


@dataclass(frozen=True)
class Layout:
    """How a training step is spread over the chips. Sizes are plain ints.

    Data parallelism is what is left: chips / (tensor x pipeline x context). ``global_batch``
    counts sequences; ``sequence`` defaults to the model's ``training_sequence`` (its context, at most
    8,192, as every training door). ``sequence_parallel`` defaults
    to on whenever tensor > 1 [Korthikanti2022]; ``zero`` 1 is Megatron's distributed optimizer
    (optimizer state split over the data-parallel ranks), 3 also splits weights and gradients.
    ``dp_overlap`` is the share of the data-parallel collectives a framework hides behind computation
    (default from data/step_coefficients.csv); no more hides than the computation that runs alongside.
    ``eager`` True: the element-wise work runs as separate PyTorch kernels, as the Llama reference code
    does without torch.compile (RMSNorm and rotary embedding in fp32, SwiGLU in two kernels).
    ``framework`` names an older code measured slower than today's on the same layout (``FRAMEWORKS``):
    its step time is divided by that efficiency, shown as the part "older framework".
    ``triton_attention`` True: the fused attention kernel is FlashAttention's Triton version, which
    FlashAttention-2 beats by 1.3-1.5x forward and 2x backward [Dao2023] sec. 4.1.
    ``attention_kernel`` "flash2": the fused attention runs FlashAttention-2's Ampere-style code (PyTorch SDPA's
    flash backend, flash-attn 2.x) instead of the chip's own kernels (cuDNN, FlashAttention-4 on Blackwell): on
    Blackwell it reaches 17% of the 16-bit peak forward (Dao-AILab/flash-attention issue 1589). "cudnn": cuDNN's
    fused attention (PyTorch SDPA's cuDNN backend): on Hopper, where the native rate is FlashAttention-2's code, at
    cuDNN's measured causal rate, 55% of the peak [Shah2024] Fig. 5; elsewhere the chip's own rate. "efficient":
    xformers' CUTLASS memory-efficient attention (PyTorch SDPA's EFFICIENT_ATTENTION backend), Ampere-style code about
    half as fast as FlashAttention-2 forward and backward [Dao2023] sec. 4.1.
    ``schedule`` "dualpipe": DeepSeek-V3's bidirectional schedule [DeepSeekAI2024] sec. 3.2.1: the expert
    all-to-all and pipeline sends hide behind the paired chunk's computation, the bubble is
    (p/2 - 1)(F&B + B - 3W) (their Table 2) and each stage keeps two copies of its weights.
    ``schedule`` "deepspeed": DeepSpeed's pipeline engine (Megatron-DeepSpeed's default), whose TrainSchedule
    has 1F1B's bubble but sends and receives one tensor at a time with blocking calls, so each micro-batch's four
    transfers follow one another (calc.perf.pipeline.stage_transfers); no interleaving.
    ``expert_tensor``: the experts' matrices split over this many ranks instead of ``tensor``; experts then spread
    over expert x expert_tensor of the tensor x data x context ranks (Megatron-Core's expert tensor parallelism,
    which lets expert parallelism span tensor ranks).
    ``zero_group`` (with ZeRO-3): weights, gradients and optimizer state are sharded over groups of this many
    data x context ranks and replicated across the groups, whose gradient shards are then all-reduced once per step
    (PyTorch FSDP's HYBRID_SHARD; MaxText's ici_fsdp inside a slice with dcn_data_parallelism across slices).
    ``eight_bit_gathers`` False: in 8 bits, the tensor-parallel all-gathers still move 16-bit data (TorchTitan's
    rowwise float8 recipes gather in high precision; only its tensorwise recipe gathers float8).
    ``float8_casts`` "tensorwise" or "rowwise": in 8 bits the matmul inputs are cast as torchao's Float8Linear does
    (calc.perf.kernels.matmul): the weights too, every cast from the 16-bit tensor after a pass for its amax, and
    the backward casting again from the 16-bit copies the forward saved; "te": Transformer Engine's casts under delayed
    scaling (the scale from the amax history); "te_current": Transformer Engine's current (per-tensor) scaling, each
    cast an amax pass first (MLPerf's FP8_RECIPE tensorwise, Megatron-Bridge's fp8_recipe "tensorwise").
    ``fused_grad_accumulation`` False: each micro-batch's weight gradients are added to the fp32
    gradient buffer by a separate pass (Megatron-LM before its 2022 gradient-accumulation fusion).
    ``expert_overlap`` True: the expert dispatch and combine of one micro-batch run while another micro-batch's
    forward or backward computes, as under DualPipe (Megatron-Core 0.14's batch-level overlap of the expert-parallel
    all-to-all, --overlap-moe-expert-parallel-comm, megatron/core/transformer/moe/README.md).
    ``capacity_factor`` F: the experts run MaxText's token-dropping dense path (``sparse_matmul: False``,
    ``capacity_factor`` F > 0; its layers/moe.py ``generate_masks`` and ``dense_matmul``): each expert computes
    ceil(s k / E) x F slots per sequence whatever it was routed, the tokens reaching them through a one-hot einsum
    (BSM,BSEC -> EBCM) and coming back through another (EBCM,BSEC -> BSM), matrix products of their own.
    ``context_code`` "pytorch": with context > 1, the ring attention runs as PyTorch's experimental context parallel
    does (torch/distributed/tensor/experimental/_attention.py, which TorchTitan runs): each ring step's partial output
    cast to fp32 and merged by separate eager kernels, the keys and values concatenated before each send, fp32
    gradient accumulators (calc.perf.layer.context_merges); "te": Transformer Engine's context parallel (NeMo,
    Megatron-Core), whose per-step merge is one fused kernel, not counted apart.
    ``recompute_modules`` (with ``recompute`` "selective"): Megatron-Core's modules recomputed in the backward pass
    (``RECOMPUTE_MODULES``): mla_up_proj the latent attention's up-projections, mlp a dense layer's feed-forward block,
    moe a mixture-of-experts layer (its dispatch and combine too), moe_act the experts' activation, layernorm the two
    norms (TransformerConfig.recompute_modules, megatron/core/transformer/transformer_config.py).
    """

    tensor: int = _field(1, "tensor-parallel ranks", label="Tensor parallel")
    pipeline: int = _field(1, "pipeline stages", label="Pipeline stages")
    context: int = _field(1, "context-parallel ranks", label="Context parallel")
    expert: int = _field(1, "expert-parallel ranks", label="Expert parallel")
    expert_tensor: int | None = _field(None, "tensor ranks each expert is split over (Megatron's expert-tensor "
                                             "parallelism; default: the tensor ranks)")
    virtual_stages: int = _field(1, "interleaved stages per chip", label="Virtual stages per chip")
    micro_batch: int = _field(1, "sequences per micro-batch", label="Micro-batch (sequences)")
    global_batch: int = _field(1, "sequences per optimizer step", required=True)
    sequence: int | None = _field(None, "tokens per sequence (default: the model's training sequence, its "
                                        "context at most 8,192)")
    recompute: str = _field("selective", "activation recomputation: none, selective (default) or full", choices=RECOMPUTE,
                            label="Recomputation")
    precision: str | None = _field(None, "number format of the peak: bf16, fp16, fp8, tf32, fp32... (default: the chip's 16-bit format)")
    sequence_parallel: bool | None = _field(None, "split norms and dropouts over the tensor ranks too "
                                                  "(default: on when tensor > 1)")
    flash_attention: bool = _field(True, "the attention core as one fused kernel (default); off: the scores "
                                         "materialized")
    zero: int = _field(1, "ZeRO stage: 0, 1 (distributed optimizer, default), 2 or 3", choices=ZERO_STAGES)
    zero_group: int | None = _field(None, "data-parallel ranks a ZeRO-3 shard spans, replicated across the groups "
                                          "(hybrid sharding: FSDP's HYBRID_SHARD, MaxText's slices); default all")
    dp_overlap: float | None = _field(None, "share of data-parallel communication hidden behind compute")
    tp_overlap: float = _field(0.0, "share of tensor-parallel communication hidden behind the matmuls "
                                    "(NeMo's tp_comm_overlap) [Wang2023]")
    fused_grad_accumulation: bool = _field(True, "gradients summed over micro-batches inside the weight-gradient "
                                                 "matmul (default); off: a separate pass, as Megatron-LM before 2022")
    dropout: bool = _field(False, "dropout masks kept for the backward pass (GPT-3-era models)")
    framework: str | None = _field(None, "an older framework version measured slower on the same layout",
                                   choices=tuple(FRAMEWORKS))
    eager: bool = _field(False, "element-wise work as separate PyTorch kernels (no torch.compile, as the "
                                "Llama reference code)")
    fused_loss: bool = _field(True, "the cross-entropy as one fused kernel keeping one 16-bit copy of the logits "
                                    "(default); off: an fp32 copy and its log-softmax kept too (TorchTitan's loss)")
    eight_bit_gathers: bool = _field(True, "in 8 bits under sequence parallelism the tensor-parallel all-gathers move "
                                           "8-bit data (default: Transformer Engine; TorchTitan's tensorwise float8); "
                                           "off: 16-bit (TorchTitan's rowwise float8)")
    float8_casts: str = _field("te", "in 8 bits, the code that casts the matmul inputs: te (Transformer Engine, delayed "
                                     "scaling, default), te_current (Transformer Engine's current scaling: an amax pass "
                                     "before each cast; MLPerf's and Megatron-Bridge's tensorwise FP8 recipe), "
                                     "tensorwise or rowwise (torchao's Float8Linear, dynamic scaling, as TorchTitan's float8 "
                                     "recipes run it)", choices=FLOAT8_CASTS, label="Float8 casts")
    fp32_reduce: bool = _field(False, "gradients reduced in fp32 across the data-parallel ranks, 16-bit weights "
                                      "gathered (TorchTitan's FSDP2 default mixed_precision_reduce); default: 16 bits",
                                label="fp32 reduce")
    triton_attention: bool = _field(False, "fused attention kernel: flash2 (FlashAttention-2, default) or triton "
                                           "(FlashAttention's Triton kernel, as MPT ran it)",
                                    flag="--attention", choices=tuple(ATTENTION_KERNELS))
    attention_kernel: str = _field("native", "fused attention code: native (the chip's own kernels, default), "
                                             "flash2 (FlashAttention-2's Ampere-style code, as PyTorch SDPA's flash "
                                             "backend runs it), cudnn (cuDNN's fused attention, PyTorch SDPA's cuDNN "
                                             "backend) or efficient (xformers' CUTLASS memory-efficient attention, "
                                             "PyTorch SDPA's EFFICIENT_ATTENTION backend)", choices=ATTENTION_CODES,
                                   label="Attention kernel")
    schedule: str = _field("1f1b", "pipeline schedule: 1f1b (default), dualpipe (DeepSeek-V3's, hiding the "
                                   "expert all-to-all behind computation) or deepspeed (DeepSpeed's pipeline "
                                   "engine: blocking sends one after another)", choices=SCHEDULES,
                           label="Pipeline schedule")
    expert_overlap: bool = _field(False, "the expert all-to-all of one micro-batch runs behind another's computation "
                                         "(Megatron-Core's --overlap-moe-expert-parallel-comm)",
                                   label="Expert overlap")
    capacity_factor: float | None = _field(None, "a token-dropping mixture of experts as MaxText's dense path computes it "
                                                 "(sparse_matmul off): each expert on ceil(s k / E) x F slots a sequence, "
                                                 "the tokens dispatched to them and combined back by one-hot einsums; "
                                                 "default none: dropless grouped products")
    context_code: str = _field("te", "with context parallelism, the ring attention's code: te (Transformer Engine, "
                                     "NeMo and Megatron-Core: one fused merge a ring step, default) or pytorch "
                                     "(PyTorch's experimental context parallel, as TorchTitan runs it: fp32 merges, "
                                     "casts and key-value copies as separate kernels)", choices=CONTEXT_CODES,
                               label="Context-parallel code")
    recompute_modules: str | None = _field(None, "with selective recomputation, the modules recomputed too, comma-separated "
                                                 "(Megatron-Core's --recompute-modules): mla_up_proj, mlp, moe, moe_act, "
                                                 "layernorm", choices=RECOMPUTE_MODULES, several=True,
                                           label="Recomputed modules")

    def describe(self) -> str:
        """A short text such as ``T8 P8 v3 b1 selective recompute``."""
        parts = [f"T{self.tensor}", f"P{self.pipeline}"]
        if self.virtual_stages > 1:
            parts.append(f"v{self.virtual_stages}")
        if self.context > 1:
            parts.append(f"C{self.context}")
        if self.expert > 1:
            parts.append(f"E{self.expert}")
        parts += [f"b{self.micro_batch}", "no recompute" if self.recompute == "none" else f"{self.recompute} recompute"]
        if self.zero != 1:
            parts.append(f"ZeRO-{self.zero}")
        if self.schedule != "1f1b":
            parts.append({"dualpipe": "DualPipe", "deepspeed": "DeepSpeed pipeline"}[self.schedule])
        return " ".join(parts)

    def options(self) -> str:
        """The kernel and overlap options set away from their defaults, for the line that shows one layout
        (``describe`` stays short for tables): ``cudnn attention, expert overlap, recompute moe_act,layernorm``."""
        parts = []
        if self.expert > 1 and self.expert_tensor is not None and self.expert_tensor != self.tensor:
            parts.append(f"expert tensor {self.expert_tensor}")  # (--expert-tensor) describe's T is the rest's
        if self.attention_kernel != "native":
            parts.append(f"{self.attention_kernel} attention")
        if self.triton_attention:
            parts.append("Triton attention")
        if self.float8_casts != "te" and self.precision == "fp8":
            parts.append(f"{self.float8_casts} float8 casts")
        if self.fp32_reduce:
            parts.append("fp32 reduce")
        if self.context_code != "te" and self.context > 1:
            parts.append(f"{self.context_code} context parallel")
        if self.expert_overlap:
            parts.append("expert overlap")
        if self.capacity_factor:
            parts.append(f"expert capacity factor {self.capacity_factor:g} (token dropping)")
        if self.recompute_modules:
            parts.append(f"recompute {self.recompute_modules}")
        return ", ".join(parts)


@dataclass(frozen=True)
class LayoutOption:
    """One field of :class:`Layout` as a door shows it: name, flag, help, default, kind, choices, label."""

    name: str
    flag: str
    help: str
    default: object
    kind: str  # "whole", "fraction", "text", "switch" (default off), "switch off" (default on), "either" (None),
    # "named" (a switch chosen by name on the command line: --attention flash2 | triton), "names" (some of the choices,
    # comma-separated: recompute_modules)
    choices: tuple | None
    label: str | None
    required: bool


def layout_options() -> list[LayoutOption]:
    """The fields of :class:`Layout`, for the command line and the app to build their inputs from."""
    out = []
    for f in fields(Layout):
        meta = f.metadata
        kind = {"int": "whole", "float": "fraction", "float | None": "fraction", "int | None": "whole",
                "bool": "switch" if f.default is False else "switch off", "bool | None": "either"}.get(f.type, "text")
        flag = meta["flag"] or "--" + f.name.replace("_", "-")
        if kind.startswith("switch") and meta["choices"]:
            kind = "named"
        elif meta["several"]:
            kind = "names"
        elif kind == "switch off":
            flag = "--no-" + f.name.replace("_", "-")
        out.append(LayoutOption(f.name, flag, meta["help"], f.default, kind, meta["choices"], meta["label"],
                                meta["required"]))
    return out


class Sizes(NamedTuple):
    """A layout's sizes once checked against the model and chips, named as in [Narayanan2021]."""

    tensor: int  # t
    pipeline: int  # p
    context: int  # c
    expert: int  # e
    virtual_stages: int  # v
    micro_batch: int  # b, sequences
    global_batch: int  # B, sequences
    sequence: int  # s, tokens
    data_parallel: int  # d = n / (t p c)
    micro_batches: int  # m = B / (b d), per step and data-parallel rank
    stage_layers: float  # layers on the fullest pipeline stage
    stages: tuple  # layers of each pipeline stage, first to last (each chip's virtual stages summed)
    sequence_parallel: bool
    dualpipe: bool
    expert_tensor: int = 0  # ranks each expert's matrices are split over (0: read as ``tensor``)


def copied(layout: Layout, **changes) -> Layout:
    """``dataclasses.replace(layout, **changes)`` without running ``__init__`` (it checks nothing) on each of the
    thirty-odd fields: a search builds tens of thousands of layouts, and ``replace`` took a seventh of its time.

    >>> copied(Layout(tensor=8), pipeline=4) == Layout(tensor=8, pipeline=4)
    True
    """
    new = object.__new__(Layout)
    values = new.__dict__
    values.update(layout.__dict__)
    values.update(changes)
    return new


def check_options(layout: Layout) -> None:
    """The named options are among the known ones and the overlaps are fractions."""
    if layout.framework is not None and layout.framework not in FRAMEWORKS:
        raise InputError("framework", f"expected one of {', '.join(FRAMEWORKS)} (or none: today's code), "
                                      f"got {layout.framework!r}{did_you_mean(layout.framework, FRAMEWORKS)}")
    if layout.attention_kernel not in ATTENTION_CODES:
        raise InputError("attention_kernel", f"expected one of {', '.join(ATTENTION_CODES)}, got {layout.attention_kernel!r}"
                                             f"{did_you_mean(layout.attention_kernel, ATTENTION_CODES)}")
    if layout.float8_casts not in FLOAT8_CASTS:
        raise InputError("float8_casts", f"expected one of {', '.join(FLOAT8_CASTS)}, got {layout.float8_casts!r}"
                                         f"{did_you_mean(layout.float8_casts, FLOAT8_CASTS)}")
    if layout.context_code not in CONTEXT_CODES:
        raise InputError("context_code", f"expected one of {', '.join(CONTEXT_CODES)}, got {layout.context_code!r}"
                                         f"{did_you_mean(layout.context_code, CONTEXT_CODES)}")
    if layout.schedule not in SCHEDULES:
        raise InputError("schedule", f"expected one of {', '.join(SCHEDULES)}, got {layout.schedule!r}"
                                     f"{did_you_mean(layout.schedule, SCHEDULES)}")
    if layout.recompute not in RECOMPUTE:
        raise InputError("recompute", f"expected one of {', '.join(RECOMPUTE)}, got {layout.recompute!r}"
                                      f"{did_you_mean(layout.recompute, RECOMPUTE)}")
    if layout.recompute_modules is not None:
        names = recompute_modules(layout)
        unknown = [m for m in names if m not in RECOMPUTE_MODULES]
        if not isinstance(layout.recompute_modules, str) or unknown:
            meant = [m if m in RECOMPUTE_MODULES else next(iter(nearest(m, RECOMPUTE_MODULES)), None) for m in names]
            hint = f" (did you mean {','.join(meant)}?)" if unknown and None not in meant else ""
            raise InputError("recompute_modules", f"expected comma-separated names among {', '.join(RECOMPUTE_MODULES)}, "
                                                  f"got {layout.recompute_modules!r}{hint}")
    if layout.zero not in ZERO_STAGES:
        raise InputError("zero", f"expected a ZeRO stage 0, 1, 2 or 3, got {layout.zero!r}")
    overlap = layout.dp_overlap
    if overlap is not None and not (isinstance(overlap, (int, float)) and 0 <= overlap <= 1):
        raise InputError("dp_overlap", f"expected a fraction from 0 to 1, got {overlap!r}")
    factor = layout.capacity_factor
    if factor is not None and not (isinstance(factor, (int, float)) and factor > 0 and math.isfinite(factor)):
        got = f"{factor:g}" if isinstance(factor, (int, float)) else repr(factor)  # "0", not "0.0"; inf a traceback
        raise InputError("capacity_factor", f"expected a positive expert capacity factor (MaxText's 1.25), got {got}")
    if not (isinstance(layout.tp_overlap, (int, float)) and 0 <= layout.tp_overlap <= 1):
        raise InputError("tp_overlap", f"expected a fraction from 0 to 1, got {layout.tp_overlap!r}")


def recompute_modules(layout: Layout) -> tuple[str, ...]:
    """The names in ``layout.recompute_modules`` (none when it is unset or empty)."""
    text = layout.recompute_modules if isinstance(layout.recompute_modules, str) else ""
    return tuple(m.strip() for m in text.split(",") if m.strip())


def _check_capacity(factor: float, model: Transformer) -> None:
    """A capacity factor F only for a mixture of experts, and at most E / k: there C = ceil(s k / E) F slots give each
    expert one for every token of the sequence (a token reaches an expert once), and slots beyond hold no token."""
    if model.experts <= 1:
        raise InputError("capacity_factor", "read only for a mixture of experts (each expert's slots a sequence); the "
                                            "model given is dense: leave it out")
    most = model.experts / model.experts_per_token
    if factor > most:
        raise InputError("capacity_factor", f"expected at most E / k = {number(most)} ({model.experts} experts, "
                                            f"{model.experts_per_token} a token): there each expert has a slot for every "
                                            f"token of the sequence and more slots hold none; got {number(factor)}")


def resolve(layout: Layout, model: Transformer, chips: int) -> Sizes:
    """Check that ``layout`` divides ``model`` and ``chips``; the sizes the terms use, or an InputError naming the field."""
    tensor, pipeline = whole("tensor", layout.tensor), whole("pipeline", layout.pipeline)
    context, expert = whole("context", layout.context), whole("expert", layout.expert)
    virtual = whole("virtual_stages", layout.virtual_stages)
    micro_batch, global_batch = whole("micro_batch", layout.micro_batch), whole("global_batch", layout.global_batch)
    sequence = model.training_sequence if layout.sequence is None else model.check_sequence(layout.sequence)  # within its positions
    check_options(layout)
    if layout.capacity_factor is not None:  # a dense model's layout said "expert capacity factor 1.25 (token
        _check_capacity(layout.capacity_factor, model)  # dropping)"; 10^9 ran a step of 10^10 s
    if chips % (tensor * pipeline * context):
        raise InputError("chips", f"expected a multiple of tensor x pipeline x context = {tensor} x {pipeline} x "
                                  f"{context}, got {number(chips)} chip{'s' * (chips != 1)} (Megatron-Core's "
                                  "initialize_model_parallel refuses the same: world_size is not divisible by "
                                  "tensor x pipeline x context)")
    data_parallel = chips // (tensor * pipeline * context)
    check_heads(model, tensor)
    stages = stage_sizes(model.layers, pipeline, virtual)
    expert_tensor = tensor if layout.expert_tensor is None else whole("expert_tensor", layout.expert_tensor)
    if sequence % context:
        raise InputError("context", f"expected context ranks that divide the sequence of {sequence} tokens, got "
                                    f"{context} (each rank takes s / c of it)")
    if model.experts % expert:
        raise InputError("expert", f"expected expert ranks that divide the {model.experts} experts, got {expert} "
                                   "(Megatron-Core's MoELayer asserts the same: num_moe_experts % ep_size == 0)")
    # Megatron-Core folds expert x expert-tensor ranks over the tensor x context x data ranks of a stage, whatever the
    # tensor size: its one check is world_size % (expert_tensor x expert x pipeline) (parallel_state.py,
    # initialize_model_parallel), so an expert-tensor size need not divide the tensor size
    if (tensor * context * data_parallel) % (expert * expert_tensor):
        raise InputError("expert", f"expected expert x expert-tensor ranks that divide the tensor x context x data = "
                                   f"{tensor} x {context} x {number(data_parallel)} ranks of a pipeline stage, got "
                                   f"{expert} x {expert_tensor} (Megatron-Core refuses the same: world_size is not "
                                   "divisible by expert_tensor_model_pipeline_parallel size)")
    if layout.zero_group is not None:
        group = whole("zero_group", layout.zero_group)
        if (data_parallel * context) % group:
            raise InputError("zero_group", f"{group} ranks per shard group do not divide the data x context = "
                                           f"{number(data_parallel)} x {context} ranks")
    if global_batch % (micro_batch * data_parallel):
        raise InputError("global_batch", f"expected a whole number of micro-batches of {micro_batch} over "
                                         f"{number(data_parallel)} data-parallel rank{'s' * (data_parallel != 1)}, "
                                         f"got {number(global_batch)} sequence"
                                         f"{'s' * (global_batch != 1)} (Megatron-Core's num_microbatches_calculator "
                                         "refuses the same: global batch size is not divisible by micro batch size "
                                         "times data parallel size)")
    micro_batches = global_batch // (micro_batch * data_parallel)
    dualpipe = layout.schedule == "dualpipe"
    _check_schedule(pipeline, virtual, micro_batches, dualpipe)
    if layout.schedule == "deepspeed" and virtual > 1:
        raise InputError("virtual_stages", f"DeepSpeed's pipeline engine does not interleave stages; got {virtual} "
                                           "virtual stages (use 1, or schedule 1f1b)")
    sequence_parallel = sequence_parallel_on(tensor, layout.sequence_parallel)  # the one default, as memory's
    return Sizes(tensor, pipeline, context, expert, virtual, micro_batch, global_batch, sequence, data_parallel,
                 micro_batches, float(max(stages)), stages, sequence_parallel, dualpipe, expert_tensor)


def check_heads(model: Transformer, tensor: int) -> None:
    """Refuse ``tensor`` ranks that do not divide the attention heads, or that neither divide nor are a
    multiple of the key/value heads (copied when tensor exceeds them): the one rule of training
    (Megatron-LM) and serving (vLLM's ``verify_with_parallel_config``, TensorRT-LLM's attention)."""
    if model.heads % tensor:
        raise InputError("tensor", f"expected tensor ranks that divide the {model.heads} attention heads, got {tensor} "
                                   "(Megatron-Core's attention and vLLM's verify_with_parallel_config refuse the same)")
    if model.kv % tensor and tensor % model.kv:
        raise InputError("tensor", f"expected tensor ranks that divide or are a multiple of the {model.kv} key/value "
                                   f"heads (copied beyond them), got {tensor} (Megatron-Core's TransformerConfig "
                                   "refuses the same: num_query_groups must be a multiple or divisor of "
                                   "tensor_model_parallel_size; vLLM's QKVParallelLinear divides the tensor size "
                                   "by the key/value heads beyond them)")


@lru_cache(maxsize=4096)  # a search asks for the same few depths thousands of times
def stage_sizes(layers: int, pipeline: int, virtual: int = 1) -> tuple[int, ...]:
    """Layers of each pipeline stage, first to last (a chip's ``virtual`` chunks summed).

    Layers that divide evenly split evenly. Otherwise the embedding and the loss count as one layer each,
    as Megatron-LM's ``account_for_embedding_in_pipeline_split`` and ``account_for_loss_in_pipeline_split``
    do, and the first and last chunks take one layer less (Llama 3.1 405B: 126 layers over 16 stages as
    7, 8 x 14, 7, [Dubey2024] sec. 3.3.2). Otherwise the split is as even as it can be, the extra layers
    on the middle chunks first. Interleaved, chip k holds chunks k, k + p, k + 2p... [Narayanan2021] sec. 2.2.

    Examples
    --------
    >>> stage_sizes(126, 16)
    (7, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 7)
    >>> stage_sizes(61, 16)   # DeepSeek-V3's 61 layers
    (3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 3, 3)
    >>> stage_sizes(126, 16, 8)   # Megatron-Bridge: the first and last chunks hold only the embedding, the loss
    (7, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 7)
    >>> stage_sizes(80, 8, 2)
    (10, 10, 10, 10, 10, 10, 10, 10)
    """
    chunks = pipeline * virtual
    if layers < chunks and (layers + 2) != chunks:  # chunks may hold only the embedding or the loss
        what = "pipeline" if virtual == 1 else "virtual_stages"
        raise InputError(what, f"pipeline x virtual stages = {pipeline} x {virtual} are more than the {layers} layers")
    if (layers + 2) % chunks == 0 and layers % chunks:  # the embedding and the loss as a layer each
        sizes = [(layers + 2) // chunks] * chunks
        sizes[0] -= 1
        sizes[-1] -= 1
    else:  # as even as can be, the extra layers on the middle chunks first (the ends hold embedding and loss)
        base, extra = divmod(layers, chunks)
        order = sorted(range(chunks), key=lambda k: (k in (0, chunks - 1), abs(2 * k - (chunks - 1)), k))
        sizes = [base + (k in order[:extra]) for k in range(chunks)]
    return tuple(sum(sizes[k::pipeline]) for k in range(pipeline))


def _check_schedule(pipeline: int, virtual: int, micro_batches: int, dualpipe: bool) -> None:
    """Refuse what the schedule's own code refuses. Fewer micro-batches than stages run under 1F1B: Megatron-Core's
    ``forward_backward_pipelining_without_interleaving`` warms up min(p - rank - 1, m) of them and DeepSpeed's
    ``TrainSchedule`` runs 2 (m + p - 1) steps for any m, so the bubble stays (p - 1) micro-batch times and the
    stages hold min(p - i, m) in flight (``calc.perf.memory``)."""
    if dualpipe and (pipeline % 2 or micro_batches % 2 or micro_batches < 2 * pipeline or virtual > 1):
        raise InputError("schedule", f"DualPipe needs an even number of pipeline stages, an even number of "
                                     f"micro-batches at least twice the stages, and no interleaving (DualPipe.step "
                                     f"asserts num_ranks % 2 == 0, num_chunks % 2 == 0 and num_chunks >= "
                                     f"num_ranks * 2); got {counted(pipeline, 'stage')}, "
                                     f"{counted(micro_batches, 'micro-batch', 'micro-batches')}, "
                                     f"{counted(virtual, 'virtual stage')}")
    if virtual > 1 and (micro_batches < pipeline or micro_batches % pipeline):
        raise InputError("virtual_stages", f"the interleaved schedule needs the micro-batches per step to be a "
                                           f"multiple of the {pipeline} pipeline stages, got {micro_batches} (Megatron-"
                                           "Core's schedules.py refuses the same: micro-batches run in groups of p, "
                                           "microbatch_group_size_per_vp_stage's default, and a last group smaller "
                                           "than p is an error); use 1 virtual stage, or a global batch that gives a "
                                           "multiple of p")
