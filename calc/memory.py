"""Training memory per chip: model states as frameworks allocate them, and activations per architecture.

    states       N x (weights + gradients + optimizer bytes per parameter), split over tensor x
                 pipeline ranks (experts also over expert-parallel ranks), and over data-parallel
                 ranks by ZeRO stage: 1 optimizer state, 2 gradients, 3 weights   [Rajbhandari2020] sec. 5
                 Named conventions (``states``): ``zero2020`` (the paper: bytes from the optimizer,
                 16 for mixed-precision Adam), ``deepspeed`` (its estimators: the fp32 gradient
                 partition, 4 x the largest layer gathered under ZeRO-3), ``megatron`` and
                 ``megatron-distributed`` (bf16 weights, fp32 gradients; 6 + 12/d bytes); data/model_states.csv
    fine-tuning  LoRA / QLoRA: the frozen base in 16 or 4 bits, states for the adapters only
                 (rank r on every attention and feed-forward matrix: r (d_in + d_out) each)  [Hu2021], [Dettmers2023]
    activations  per layer, the tensors autograd keeps for the backward pass, counted for this
                 architecture (grouped-query and latent attention, gated or expert feed-forward,
                 sandwich and parallel blocks), in ``activation_bytes`` each:
                 norm inputs and outputs, Q K V, attention output, feed-forward intermediates
                 (gated: 3 ff, gate and up as a fused SwiGLU keeps them and their product, Megatron-Core's
                 bias_swiglu_impl; 4 ff eager, act(gate) too; 2 ff plain) and, without flash
                 attention, the s x s scores (+ dropout masks)                    [Korthikanti2022] sec. 4.1
                 divided by t tensor ranks, the norm and dropout parts only with sequence parallelism;
                 selective recomputation drops the s x s part, full keeps each layer's input;
                 times the layers the first pipeline stage holds in flight (all L under 1F1B)
                 ``implementation="eager"`` adds what unfused PyTorch keeps beside (RMSNorm's normalized
                 input, K and V repeated to every query head): Hugging Face's eager code, measured
    logits       the last stage's output layer: its input and one copy of the logits (s b V / t),
                 as a fused cross-entropy keeps them (in fp32, one copy is also what Hugging Face keeps)

A mixture of experts holds every expert (memory uses total parameters) but computes with the
active ones (``Transformer.active_params``). The defaults of every function here are ``DEFAULTS``,
shared with the command line; the layout's fields have the names, defaults and meaning of
``calc.perf.Layout`` (ZeRO stage 1, Megatron's distributed optimizer, where the convention has it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import pint

from calc import data
from calc.architecture import Transformer
from calc.display import number
from calc.errors import InputError, did_you_mean
from calc.reader import whole as _whole
from calc.units import Q_, ureg
from calc.vocabulary import RECOMPUTE, ZERO_STAGES

IMPLEMENTATIONS = ("fused", "eager")  # what the kernels keep: fused (Megatron-style) or unfused PyTorch
STATES = ("zero2020", "deepspeed", "megatron", "megatron-distributed")
FINETUNING = ("lora", "qlora")
DEFAULTS = {"micro_batch": 1, "sequence": None, "recompute": "selective", "optimizer": "adam-mixed",
            "states": "zero2020", "zero": None, "data_parallel": 1, "tensor": 1, "pipeline": 1, "expert_parallel": 1,
            "sequence_parallel": None, "flash_attention": True, "dropout": False, "activation_bytes": 2,
            "finetune": None, "lora_rank": 16, "implementation": "fused"}


@dataclass(frozen=True)
class Memory:
    """Bytes per chip by part: ``weights``, ``gradients``, ``optimizer_state``, ``activations``
    (and ``gathered`` under DeepSpeed's ZeRO-3)."""

    parts: dict  # name -> Quantity [byte/chip]

    @property
    def total(self) -> pint.Quantity:
        """All parts together, in GB/chip."""
        return sum(self.parts.values(), Q_(0.0, "byte/chip")).to("GB/chip")


def sequence_parallel_on(tensor: int, given: bool | None = None) -> bool:
    """Whether the norms and dropouts are split over the tensor ranks too: ``given``, else on whenever tensor > 1,
    as Megatron-LM runs tensor parallelism ([Korthikanti2022] sec. 4.2.2; its recipes pass ``--sequence-parallel``
    with ``--tensor-model-parallel-size``, "Always enable sequence parallelism with TP_SIZE=2":
    https://github.com/NVIDIA/Megatron-LM/blob/main/examples/llama/train_llama3_8b_h100_fp8.sh). The one default of
    ``per_chip`` (the memory door) and ``calc.perf.Layout`` (the step door): the two said 39.5 and 26.1 GB per chip
    for one layout of GPT-3 175B on tensor 8 (train24).

    >>> sequence_parallel_on(8), sequence_parallel_on(1), sequence_parallel_on(8, False)
    (True, False, False)
    """
    return tensor > 1 if given is None else bool(given)


def default_zero(states: str = "zero2020") -> int:
    """The ZeRO stage when none is given: 1 (Megatron's distributed optimizer, ``calc.perf.Layout``'s default)
    where the model-state convention has it, else the convention's lowest (``megatron``: 0, ``deepspeed``: 2)."""
    if states not in STATES or states == "zero2020":
        return 1
    stages = sorted(z for n, z in data.model_states() if n == states)
    return 1 if 1 in stages else stages[0]


def optimizer_bytes(name: str) -> dict[str, pint.Quantity]:
    """Bytes per parameter of weights, gradients and optimizer state (data/optimizers.csv)."""
    rows = data.optimizers()
    if name not in rows:
        raise InputError("optimizer", f"unknown optimizer {name!r}; expected one of {', '.join(rows)}"
                                      f"{did_you_mean(name, rows)}")
    r = rows[name]
    return {k: r.quantity(k) for k in ("weights", "gradients", "optimizer_state")}


@lru_cache(maxsize=256)
def _state_bytes(states: str, zero: int, optimizer: str) -> tuple[dict[str, float], float]:
    """(bytes per parameter of weights, gradients, optimizer state; bytes per largest-layer parameter gathered)."""
    if states == "zero2020":
        return {k: q.m_as("byte/param") for k, q in optimizer_bytes(optimizer).items()}, 0.0
    if states not in STATES:
        raise InputError("states", f"unknown model-state convention {states!r}; expected one of "
                                   f"{', '.join(STATES)}{did_you_mean(states, STATES)}")
    if optimizer != DEFAULTS["optimizer"]:
        raise InputError("optimizer", f"the {states} convention is for mixed-precision Adam ({DEFAULTS['optimizer']}); "
                                      f"use states zero2020 for {optimizer!r}")
    rows = data.model_states()
    stages = sorted(z for n, z in rows if n == states)
    if (states, zero) not in rows:
        raise InputError("zero", f"the {states} convention has ZeRO stage {' or '.join(map(str, stages))}, got {zero}")
    r = rows[(states, zero)]
    b = {k: (r[k] or 0.0) for k in ("weights", "gradients", "optimizer_state")}
    return b, r["gathered"] or 0.0


def lora_params(model: Transformer, rank: int) -> pint.Quantity:
    """Trainable LoRA parameters: rank r on every attention and feed-forward matrix, r (d_in + d_out) each [Hu2021].

    Examples
    --------
    >>> from calc.architecture import published
    >>> lora_params(published()["Llama 2 7B"][0], 16)   # 16 x (7 matrices of 32 layers)
    <Quantity(39976960, 'param')>
    """
    _whole("lora_rank", rank)
    d, H, m = model.d_model, model.heads, model
    if m.kv_lora_rank is None:
        q, kv = H * m.head_width, m.kv * m.head_width
        attention = 2 * (d + q) + 2 * (d + kv)
    else:
        qr = m.q_lora_rank
        attention = ((d + qr) + (qr + H * m.qk_dim) if qr else d + H * m.qk_dim) \
            + (d + m.kv_lora_rank + m.qk_rope_head_dim) + (m.kv_lora_rank + H * (m.qk_nope_head_dim + m.v_head_dim)) \
            + (H * m.v_head_dim + d)
    n = 3 if m.gated else 2
    dense = n * (d + m.ff)
    moe = n * (d + m.expert_ff) * m.experts + (n * (d + m.shared_ff) if m.shared_ff else 0)
    per = m.layers * attention + (m.layers - m.moe_layers) * dense + m.moe_layers * moe
    return Q_(rank * per, "param")


def activations_per_layer(model: Transformer, *, sequence: int, micro_batch: int = 1, recompute: str = "selective",
                          tensor: int = 1, sequence_parallel: bool = False, flash_attention: bool = True,
                          dropout: bool = False, activation_bytes: float = 2, moe: bool = False,
                          implementation: str = "fused") -> float:
    """Bytes one layer keeps for the backward pass (see the module docstring), on one chip.

    ``implementation="eager"`` counts what unfused PyTorch code (Hugging Face's eager attention)
    keeps beside: each RMSNorm's normalized input before its weight, K and V repeated to every
    query head for grouped-query attention (not with flash attention), and each routed expert's
    output kept for its product with the routing weight.

    Examples
    --------
    >>> from calc.architecture import published
    >>> gpt3 = published()["GPT-3 175B"][0]   # [Korthikanti2022] Table 2, selective: 34 s b h / t with SP
    >>> b = activations_per_layer(gpt3, sequence=2048, tensor=8, sequence_parallel=True, dropout=True,
    ...                           flash_attention=False)
    >>> b == 34 * 2048 * 12288 / 8
    True
    """
    if implementation not in IMPLEMENTATIONS:
        raise InputError("implementation", f"expected one of {', '.join(IMPLEMENTATIONS)}, got {implementation!r}"
                                           f"{did_you_mean(implementation, IMPLEMENTATIONS)}")
    m, s, b, t = model, sequence, micro_batch, tensor
    h, H = m.d_model, m.heads
    sp = t if sequence_parallel else 1  # what the norm/dropout (replicated) parts are divided by
    if recompute == "full":  # the layer's input only, [Korthikanti2022] sec. 4.3
        return activation_bytes * s * b * h / sp
    # replicated parts (elements per token): norm inputs and the pre-norms' outputs; dropout masks (1 byte)
    norm_inputs = 1 if m.parallel_block else m.norms_per_layer  # a parallel block's norms share one input
    pre = 1 if m.norms_per_layer == 1 else 2  # outputs of the norms before attention and feed-forward
    rep = (norm_inputs + pre) * h + (h if dropout else 0)  # two 1-byte masks = one element of 2 bytes
    # split parts: attention
    if m.kv_lora_rank is None:
        kv = max(m.kv, t)  # more tensor ranks than key/value heads: each rank keeps a copy of one
        qkv = H * m.qk_dim + kv * m.qk_dim + kv * m.v_dim
        latent = 0
        qk_norm = 0 if m.qk_norm == "none" else H * m.qk_dim + kv * m.qk_dim  # the norms keep their inputs
    else:  # latent attention: the low-rank activations (kept whole on every rank) and full-width Q, K, V
        qkv = 2 * H * m.qk_dim + H * m.v_dim
        latent = 2 * (m.q_lora_rank or 0) + 2 * m.kv_lora_rank + m.qk_rope_head_dim
        qk_norm = 0
    out = H * m.v_dim  # attention output = the output projection's input
    core = 0.0
    if recompute == "none":
        if flash_attention:
            core = H * 4 / activation_bytes  # the fp32 log-sum-exp per head and token
        else:
            core = H * s * (1 + (1.5 if dropout else 0))  # softmax output; dropout mask (1 byte) and output
    # feed-forward
    n_int = (3 if implementation == "fused" else 4) if m.gated else 2
    if moe:
        k = m.experts_per_token
        ffn = k * (2 * h + n_int * m.expert_ff) + 2 * m.experts + (n_int * m.shared_ff if m.shared_ff else 0)
    else:
        ffn = n_int * m.ff
    if implementation == "eager":
        if m.norm == "rmsnorm":
            rep += m.norms_per_layer * (h + 1)
            qk_norm *= 2
            latent += (m.q_lora_rank or 0) + (m.kv_lora_rank or 0)  # the latent norms' normalized inputs
        if m.kv_lora_rank is None and not flash_attention:
            qkv += (H - kv) * (m.qk_dim + m.v_dim)
        if moe:  # each routed expert's output, kept for its product with the routing weight; the shared gate's
            ffn += m.experts_per_token * h + (h + 1 if m.shared_expert_gate else 0)
    split = qkv + qk_norm + out + core + ffn
    elements = rep / sp + latent + split / t
    return activation_bytes * s * b * elements


def per_chip(model: Transformer | str, *, micro_batch: int = 1, sequence: int | None = None, recompute: str = "selective",
             optimizer: str = "adam-mixed", states: str = "zero2020", zero: int | None = None, data_parallel: int = 1,
             tensor: int = 1, pipeline: int = 1, expert_parallel: int = 1, sequence_parallel: bool | None = None,
             flash_attention: bool = True, dropout: bool = False, activation_bytes: float = 2,
             finetune: str | None = None, lora_rank: int = 16, implementation: str = "fused") -> Memory:
    """Memory per chip to train ``model`` with the given layout.

    Parameters
    ----------
    model : Transformer
    micro_batch, sequence : int
        Sequences per micro-batch and tokens per sequence (default: ``model.training_sequence``, its context at
        most 8,192, as every training door).
    recompute : str
        ``none``, ``selective`` or ``full`` activation recomputation.
    optimizer, states, zero : str, str, int
        Bytes per parameter (data/optimizers.csv), the framework convention (``STATES``) and ZeRO stage
        (default ``default_zero(states)``: 1, the distributed optimizer, where the convention has it).
    data_parallel, tensor, pipeline, expert_parallel : int
        Ranks of each kind; experts are split over ``expert_parallel`` x ``tensor`` x ``pipeline``.
    sequence_parallel, flash_attention, dropout : bool
        ``sequence_parallel`` None (the default): on when tensor > 1 (``sequence_parallel_on``), as the step's layout.
    activation_bytes : float
        Bytes per activation element (2 for bf16).
    finetune, lora_rank : str, int
        ``lora`` or ``qlora`` (data/finetuning.csv): a frozen base and trainable rank-r adapters.
    implementation : str
        ``fused`` (what fused kernels keep, [Korthikanti2022]) or ``eager`` (unfused PyTorch, see
        ``activations_per_layer``).

    Returns
    -------
    Memory
        ``weights``, ``gradients``, ``optimizer_state``, ``activations`` (+ ``gathered``) in byte/chip.

    Examples
    --------
    >>> from calc.architecture import published
    >>> m = per_chip(published()["GPT-3 175B"][0], zero=3, data_parallel=1024, tensor=8, recompute="full")
    >>> round(m.parts["weights"].m_as("GB/chip"), 3)
    0.043
    """
    from calc.architecture import lookup

    model = lookup(model)  # a name of data/architectures.csv works as in calc.perf.predict
    zero = default_zero(states) if zero is None else zero
    s = model.training_sequence if sequence is None else sequence
    _check_layout(model, zero, recompute, micro_batch, s, data_parallel, tensor, pipeline, expert_parallel,
                  activation_bytes)
    parts = _model_states(model, finetune, lora_rank, states, zero, optimizer, data_parallel, tensor, pipeline,
                          expert_parallel)
    parts = {k: Q_(v, _BYTE_PER_CHIP) for k, v in parts.items()}
    kw = dict(sequence=s, micro_batch=micro_batch, recompute=recompute, tensor=tensor,
              sequence_parallel=sequence_parallel_on(tensor, sequence_parallel), flash_attention=flash_attention, dropout=dropout,
              activation_bytes=activation_bytes, implementation=implementation)
    parts["activations"] = Q_(_activations(model, pipeline, kw), _BYTE_PER_CHIP)
    return Memory(parts)


def _check_layout(model, zero, recompute, micro_batch, sequence, data_parallel, tensor, pipeline, expert_parallel,
                  activation_bytes) -> None:
    for name, v in (("micro_batch", micro_batch), ("data_parallel", data_parallel), ("tensor", tensor),
                    ("pipeline", pipeline), ("expert_parallel", expert_parallel)):
        _whole(name, v)
    if zero not in ZERO_STAGES or isinstance(zero, bool):
        raise InputError("zero", f"expected a ZeRO stage 0, 1, 2 or 3, got {zero!r}")
    if recompute not in RECOMPUTE:
        raise InputError("recompute", f"expected one of {', '.join(RECOMPUTE)}, got {recompute!r}"
                                      f"{did_you_mean(recompute, RECOMPUTE)}")
    if model.heads % tensor:
        raise InputError("tensor", f"{tensor} tensor ranks do not divide {model.heads} heads")
    if model.kv_lora_rank is None and model.kv % tensor and tensor % model.kv:
        raise InputError("tensor", f"{tensor} tensor ranks can neither split nor replicate evenly the {model.kv} "
                                   f"key/value heads (use a divisor or a multiple of {model.kv})")
    if model.layers % pipeline:
        raise InputError("pipeline", f"{pipeline} pipeline stages do not divide {model.layers} layers")
    if expert_parallel > 1 and (model.experts == 1 or model.experts % expert_parallel):
        raise InputError("expert_parallel", f"{expert_parallel} expert-parallel ranks do not divide the "
                                            f"{model.experts} experts")
    if expert_parallel > data_parallel:
        raise InputError("expert_parallel", f"expert parallelism ({expert_parallel}) runs inside data parallelism "
                                            f"({data_parallel}); give data_parallel >= expert_parallel")
    model.check_sequence(sequence)  # a whole number, not beyond its positions
    if isinstance(activation_bytes, bool) or not isinstance(activation_bytes, (int, float)) or activation_bytes <= 0:
        raise InputError("activation_bytes", f"expected a positive number, got {activation_bytes!r}")


def _model_states(model, finetune, lora_rank, states, zero, optimizer, data_parallel, tensor, pipeline,
                  expert_parallel) -> dict[str, float]:
    """Bytes per chip of weights, gradients and optimizer state (and ZeRO-3's gathered layer), by ZeRO stage."""
    # parameters on one chip, before data-parallel sharding
    total, experts = _param_counts(model)
    dense = total - experts
    per_rank = dense / (tensor * pipeline) + experts / (expert_parallel * tensor * pipeline)
    expert_share = (experts / (expert_parallel * tensor * pipeline)) / per_rank if per_rank else 0.0
    split = {"weights": 3, "gradients": 2, "optimizer_state": 1}  # the ZeRO stage from which each is split
    parts = {}
    if finetune is not None:
        rows = data.finetuning()
        given, finetune = finetune, finetune.strip().lower() if isinstance(finetune, str) else finetune
        if finetune not in rows:  # said as calc.finetuning.row says it (estimate's door), case read alike
            raise InputError("finetune", f"expected one of {', '.join(rows)} (data/finetuning.csv), got {given!r:.40}"
                                         f"{did_you_mean(given, rows)}")
        r = rows[finetune]
        if r["base_weights"] is None:  # full fine-tuning: every weight trained
            raise InputError("finetune", f"{finetune} fine-tuning trains every weight: its memory is a training "
                                         "run's; leave the fine-tuning out (lora or qlora keep the base frozen)")
        adapters = lora_params(model, lora_rank).m_as("param") / (tensor * pipeline)
        frozen = per_rank * r["base_weights"] / (data_parallel if zero >= 3 else 1)
        for k, col in (("weights", "adapter_weights"), ("gradients", "adapter_gradients"),
                       ("optimizer_state", "adapter_optimizer_state")):
            parts[k] = adapters * r[col] / (data_parallel if zero >= split[k] else 1)
        parts["weights"] += frozen
        return parts
    per_param, gathered = _state_bytes(states, zero, optimizer)
    # expert weights shard over the data-parallel ranks that hold the same experts (dp / ep)
    dp_dense, dp_expert = data_parallel, data_parallel // expert_parallel
    for k, bytes_ in per_param.items():
        if zero >= split[k]:
            n = per_rank * ((1 - expert_share) / dp_dense + expert_share / dp_expert)
        else:
            n = per_rank
        parts[k] = n * bytes_
    if gathered:
        parts["gathered"] = gathered * model.largest_layer().m_as("param")
    return parts


def _activations(model, pipeline: int, kw: dict) -> float:
    """Activation bytes on the busiest pipeline stage: the first stage's L/p layers x p micro-batches in flight
    (1F1B), or the last stage's L/p layers and the output layer, whichever is more."""
    moe = model.moe_layers
    layers = (model.layers - moe) * activations_per_layer(model, **kw) + moe * activations_per_layer(model, moe=True,
                                                                                                      **kw)
    h, V = model.d_model, model.vocab
    s, micro_batch, tensor, activation_bytes = kw["sequence"], kw["micro_batch"], kw["tensor"], kw["activation_bytes"]
    sp = tensor if kw["sequence_parallel"] else 1
    final_norm = h + 1 if kw["implementation"] == "eager" and model.norm == "rmsnorm" else 0  # its normalized copy
    output = activation_bytes * s * micro_batch * ((2 * h + final_norm) / sp + V / tensor)
    first = activation_bytes * s * micro_batch * h / sp if model.embedding_norm else 0.0  # the norm's input
    return max(layers + first, layers / pipeline + output) if pipeline > 1 else layers + first + output


_BYTE_PER_CHIP = ureg.Unit("byte/chip")  # parsed once: a search asks for thousands of layouts' memory


@lru_cache(maxsize=4096)
def _param_counts(model: Transformer) -> tuple[float, float]:
    """All parameters and the routed experts' (floats): the expert share splits over expert-parallel ranks."""
    return (model.params().m_as("param"),
            model.breakdown().get("routed experts", Q_(0, "param")).m_as("param"))


def training_memory(model: Transformer, **layout) -> Memory:
    """``per_chip`` with the conventions of earlier releases, [Korthikanti2022] Table 2: sequence
    parallelism on and the attention scores materialized (no flash attention), unless given."""
    layout.setdefault("sequence_parallel", True)
    layout.setdefault("flash_attention", False)
    return per_chip(model, **layout)


def min_chips(model: Transformer, hardware: str, **layout) -> tuple[pint.Quantity, int]:
    """The fewest chips of ``hardware`` that hold the training state in the given layout.

    Tensor, pipeline and expert parallelism, ZeRO stage and the rest are kept as given (see
    ``per_chip``; defaults ``DEFAULTS``); the data-parallel size is the least that fits.

    Returns
    -------
    (pint.Quantity, int)
        Chips (data-parallel x tensor x pipeline) and the data-parallel size.

    Raises
    ------
    InputError
        When no data-parallel size fits (ZeRO stage 0 does not shard, or activations alone overflow).

    Examples
    --------
    >>> from calc.architecture import published
    >>> chips, dp = min_chips(published()["Llama 2 70B"][0], "H100 SXM5", zero=3, tensor=8, sequence=4096)
    >>> chips.m_as("chip") == 8 * dp
    True
    """
    hw = data.hardware(hardware)
    if hw.capacity is None:
        raise InputError("hardware", f"data/hardware.csv has no memory size for {hw.name}")
    cap = hw.capacity.m_as("byte/chip")
    layout = {**{k: v for k, v in DEFAULTS.items() if k not in ("data_parallel", "zero")}, **layout}
    layout.pop("data_parallel", None)
    if layout.get("zero") is None:
        layout["zero"] = default_zero(layout["states"])
    ep = layout.get("expert_parallel", 1)
    at = {d: per_chip(model, data_parallel=d, **layout).total.m_as("byte/chip") for d in (ep, 2 * ep)}
    # total(d) = fixed + shardable / d: two points give both
    shardable = (at[ep] - at[2 * ep]) * 2 * ep
    fixed = at[ep] - shardable / ep
    if fixed >= cap:
        what = "one micro-batch's activations and the unsharded states" if layout.get("zero") else \
            "the states (ZeRO stage 0 does not shard them; use ZeRO stage 1, 2 or 3)"
        raise InputError("hardware", f"{what} do not fit on {hw.name} ({number(fixed / 1e9)} GB of "
                                     f"{number(cap / 1e9)} GB per chip) at tensor {layout.get('tensor', 1)}, "
                                     f"pipeline {layout.get('pipeline', 1)}")
    d = max(ep, math.ceil(shardable / (cap - fixed)) if shardable > 0 else ep)
    d = math.ceil(d / ep) * ep
    chips = d * layout.get("tensor", 1) * layout.get("pipeline", 1)
    return Q_(chips, "chip"), d
