"""Step time from the parallel layout: what one training step takes, and so the utilization.

For a transformer shape, a chip, a chip count and a layout (tensor T, pipeline P, context C,
expert E, virtual stages v, micro-batch b, global batch B sequences of S tokens, recomputation),
the time of one optimizer step is built from its parts, each from a physical rate of the chip or
its links (``data/hardware.csv``) and a sourced coefficient (``data/step_coefficients.csv``):

    matmul           max(2 M K N / (peak x eta), operand bytes / memory bandwidth)
                     + result bytes / memory bandwidth + kernel overhead, per matrix product
                     of the layer on the chip's share of it (eta: measured best rate, less
                     the last partial wave of output tiles)                           [Isaev2023]
    attention core   scores and values: as two batched matmuls plus the softmax and dropout
                     traffic, or one fused kernel (flash attention)                  [Dao2023]
    memory-bound     layer norms, dropouts, residuals, activation functions: bytes / bandwidth
                                                                                     [Korthikanti2022] sec. 4.1
    backward         twice the forward work                                          [Narayanan2021] app.
    recomputation    full: the forward again; selective: the attention core again  [Korthikanti2022] sec. 5
    tensor parallel  2 all-reduces (or all-gather + reduce-scatter) per layer each way, of b s h
                                                                                     [Narayanan2021] sec. 3.2
    pipeline         bubble (p - 1) / v micro-batch times; m = B / (b d) micro-batches
                                                                                     [Narayanan2021] sec. 2.2
    data parallel    gradient all-reduce of the chip's share of the parameters, hierarchical:
                     inside the node over the fast links, across nodes over the network
    expert parallel  all-to-all of the routed tokens, twice each way per MoE layer
    context parallel ring exchange of keys and values, hidden behind the attention core as far
                     as it lasts

A collective of S bytes over a group of g chips, k of them in a node, takes
2 (k - 1)/k S / B_intra + 2 (g/k - 1)/(g/k) (S/k) / B_net (all-reduce; half for all-gather or
reduce-scatter) plus a latency per link kind.

Model FLOP (what MFU divides) is ``Transformer.flop_per_token("palm2022")``; hardware FLOP adds the
recomputed forward work (HFU, [Korthikanti2022] app. A). Everything inside is plain floats, so one
prediction takes a fraction of a millisecond; Quantities are made at the boundary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
import pint

from calc import data
from calc.architecture import Transformer, lookup, published
from calc.errors import InputError
from calc.units import Q_, parse_quantity

RECOMPUTE = ("none", "selective", "full")
SCHEDULES = ("1f1b", "dualpipe")  # pipeline schedules: Megatron's (interleaved) 1F1B, DeepSeek-V3's DualPipe
HOPPER = ("H100", "H200", "H800", "GH200")  # NVIDIA Hopper: the attention kernels of 2023-2024 fall short on it
PARTS = ("matmuls", "attention core", "memory-bound operations", "recomputation", "tensor-parallel communication",
         "expert all-to-all", "context-parallel exchange", "pipeline transfers", "pipeline bubble",
         "data-parallel communication", "optimizer step", "older framework")
# Framework versions measured slower than the code the model's coefficients describe, by a paired
# published comparison (same model, same layout): name -> coefficient in data/step_coefficients.csv
FRAMEWORKS = {"megatron-lm 2021": "efficiency_megatron_lm_2021"}


@dataclass(frozen=True)
class Layout:
    """How a training step is spread over the chips. Sizes are plain ints.

    Data parallelism is what is left: chips / (tensor x pipeline x context). ``global_batch``
    counts sequences; ``sequence`` defaults to the model's context. ``sequence_parallel`` defaults
    to on whenever tensor > 1 [Korthikanti2022]; ``zero`` 1 is Megatron's distributed optimizer
    (optimizer state split over the data-parallel ranks), 3 also splits weights and gradients.
    ``dp_overlap`` is the share of the data-parallel collectives a framework hides behind computation
    (default from data/step_coefficients.csv); no more hides than the computation that runs alongside.
    ``eager`` True: the element-wise work runs as separate PyTorch kernels, as the Llama reference code
    does without torch.compile (RMSNorm and rotary embedding in fp32, SwiGLU in two kernels); the
    traffic beyond the fused kernels is counted from that code (data/step_coefficients.csv).
    ``framework`` names an older code measured slower than today's on the same layout (FRAMEWORKS:
    "megatron-lm 2021", Narayanan et al.'s code, 0.921 of Korthikanti et al.'s on the same 1T layout):
    its step time is divided by that efficiency, shown as the part "older framework".
    ``triton_attention`` True: the fused attention kernel is FlashAttention's Triton version (what llm-foundry's
    MPT models ran by default, ``attn_impl: triton``, for ALiBi), which FlashAttention-2 beats by 1.3-1.5x in the
    forward pass and 2x in the backward pass [Dao2023] sec. 4.1.
    ``schedule`` "dualpipe": DeepSeek-V3's bidirectional pipeline schedule [DeepSeekAI2024] sec. 3.2.1: a
    forward chunk runs beside another micro-batch's backward chunk, so the expert all-to-all and the pipeline
    sends hide behind that computation (no more than it lasts, holding the SMs given to communication), the
    bubble is (p/2 - 1)(F&B + B - 3W) (their Table 2) and each stage keeps two copies of its weights.
    ``fused_grad_accumulation`` False: each micro-batch's weight gradients are added to the fp32 gradient buffer by a separate pass over it (Megatron-LM
    before its 2022 "gradient accumulation fusion"; frameworks without it).
    """

    tensor: int = 1
    pipeline: int = 1
    context: int = 1
    expert: int = 1
    virtual_stages: int = 1
    micro_batch: int = 1
    global_batch: int = 1
    sequence: int | None = None
    recompute: str = "selective"
    precision: str | None = None
    sequence_parallel: bool | None = None
    flash_attention: bool = True
    zero: int = 1
    dp_overlap: float | None = None
    tp_overlap: float = 0.0  # share of the tensor-parallel collectives hidden behind the matmuls they feed [Wang2023]
    fused_grad_accumulation: bool = True
    uneven_pipeline: bool = False  # stages may hold different numbers of layers; the fullest sets the pace
    dropout: bool = False  # dropout masks kept for the backward pass (GPT-3-era models; not Llama's)
    framework: str | None = None  # a framework version of FRAMEWORKS, measured slower on the same layout
    eager: bool = False  # element-wise work as separate PyTorch kernels, as the Llama reference code runs without
    # torch.compile: RMSNorm in fp32, rotary embedding in fp32 complex numbers, SwiGLU in two kernels
    triton_attention: bool = False  # the fused attention is FlashAttention's Triton kernel (flash_attn_triton.py, as
    # llm-foundry's MPT ran it for ALiBi), slower than FlashAttention-2 [Dao2023] sec. 4.1
    schedule: str = "1f1b"  # pipeline schedule, one of SCHEDULES: "dualpipe" overlaps each forward chunk with another
    # micro-batch's backward chunk, hiding the expert all-to-all and pipeline sends [DeepSeekAI2024] sec. 3.2.1

    def describe(self) -> str:
        """A short text such as ``T8 P8 v3 b1 selective``."""
        parts = [f"T{self.tensor}", f"P{self.pipeline}"]
        if self.virtual_stages > 1:
            parts.append(f"v{self.virtual_stages}")
        if self.context > 1:
            parts.append(f"C{self.context}")
        if self.expert > 1:
            parts.append(f"E{self.expert}")
        parts += [f"b{self.micro_batch}", f"{self.recompute} recompute"]
        if self.zero != 1:
            parts.append(f"ZeRO-{self.zero}")
        if self.schedule != "1f1b":
            parts.append("DualPipe")
        return " ".join(parts)


@dataclass(frozen=True)
class Step:
    """A predicted training step: its time, where it goes, and what it achieves."""

    model: Transformer
    hardware: str
    chips: int
    layout: Layout
    data_parallel: int
    micro_batches: int
    seconds: dict = field(repr=False)  # part -> seconds per step (floats; sum = step time)
    model_flop: float = field(repr=False)  # per step, whole run
    hardware_flop: float = field(repr=False)
    peak: float = field(repr=False)  # FLOP/s/chip at the layout's precision
    mem_key: tuple = field(repr=False)  # the arguments of the (cached) memory per chip, computed on demand
    capacity: float | None = field(repr=False)  # bytes/chip

    @property
    def step_time(self) -> pint.Quantity:
        """Seconds per optimizer step."""
        return Q_(sum(self.seconds.values()), "s")

    @property
    def breakdown(self) -> dict[str, pint.Quantity]:
        """Seconds per step by part (the parts that take any time), summing to ``step_time``."""
        return {k: Q_(v, "s") for k, v in self.seconds.items() if v > 0}

    @property
    def tokens_per_second(self) -> pint.Quantity:
        """Tokens trained per second by the whole cluster."""
        return Q_(self.layout.global_batch * self._seq / self._t, "token/s")

    @property
    def throughput(self) -> pint.Quantity:
        """Model FLOP per second per chip."""
        return Q_(self.model_flop / self.chips / self._t, "FLOP/s/chip")

    @property
    def mfu(self) -> float:
        """Model FLOP utilization: model FLOP / (chips x peak x step time) [Chowdhery2022] app. B."""
        return self.model_flop / (self.chips * self.peak * self._t)

    utilization = mfu  # the name calc.estimate uses

    @property
    def hfu(self) -> float:
        """Hardware FLOP utilization: with the recomputed work [Korthikanti2022] app. A."""
        return self.hardware_flop / (self.chips * self.peak * self._t)

    @property
    def memory(self):
        """Memory per chip by part (calc.memory.Memory), from calc.memory.per_chip."""
        return _memory(*self.mem_key)[0]

    @property
    def memory_bytes(self) -> float:
        """Training memory per chip in bytes, a float (what the search compares against capacity)."""
        return _memory(*self.mem_key)[1]

    @property
    def memory_per_chip(self) -> pint.Quantity:
        """Training memory per chip (weights, gradients, optimizer state, activations)."""
        return self.memory.total

    @property
    def fits(self) -> bool:
        """Whether the memory per chip is within the chip's capacity."""
        return self.capacity is None or self.memory_bytes <= self.capacity

    def duration(self, tokens) -> pint.Quantity:
        """Wall-clock time to train on ``tokens`` at this step time (whole steps), in days.

        Examples
        --------
        >>> gpt3 = published()["GPT-3 175B"][0]
        >>> s = predict(gpt3, "A100 SXM4 80GB", 1024, tensor=8, pipeline=8, micro_batch=1,
        ...             global_batch=1536, sequence=2048)
        >>> 20 < s.duration("300e9 token").m_as("day") < 60
        True
        """
        tokens = parse_quantity(tokens, "tokens", "token", bare_ok=True)
        per_step = self.layout.global_batch * self._seq
        steps = tokens.m_as("token") / per_step
        if np.any(np.asarray(steps) < 1):  # a run is at least one optimizer step: never a fraction of one
            raise InputError("tokens", f"{float(np.min(tokens.m_as('token'))):,.0f} tokens is less than one optimizer "
                                       f"step of this layout ({self.layout.global_batch:,} sequences × {self._seq:,} "
                                       f"tokens = {per_step:,}); give more tokens or a smaller global batch")
        return Q_(steps * self._t, "s").to("day")

    def to_dict(self) -> dict:
        """The JSON form of ``python -m calc step --json``: every quantity as {value, unit}."""
        def vu(q, unit):
            return {"value": float(q.m_as(unit)), "unit": unit}
        return {
            "hardware": self.hardware, "chips": self.chips, "layout": {
                "tensor": self.layout.tensor, "pipeline": self.layout.pipeline, "context": self.layout.context,
                "expert": self.layout.expert, "virtual_stages": self.layout.virtual_stages,
                "data_parallel": self.data_parallel, "micro_batch": self.layout.micro_batch,
                "micro_batches": self.micro_batches, "global_batch": self.layout.global_batch,
                "sequence": self._seq, "recompute": self.layout.recompute, "zero": self.layout.zero,
                "precision": self._precision},
            "step_time": vu(self.step_time, "s"),
            "throughput": vu(self.throughput, "FLOP/s/chip"),
            "mfu": {"value": self.mfu, "unit": ""},
            "hfu": {"value": self.hfu, "unit": ""},
            "tokens_per_second": vu(self.tokens_per_second, "token/s"),
            "memory_per_chip": vu(self.memory_per_chip, "GB/chip"),
            "breakdown": {k: vu(v, "s") for k, v in self.breakdown.items()},
        }

    @property
    def _t(self) -> float:
        return sum(self.seconds.values())

    @property
    def _seq(self) -> int:
        return self.layout.sequence or self.model.context

    @property
    def _precision(self) -> str:
        return self.layout.precision or data.hardware(self.hardware).default_precision


# --------------------------------------------------------------------------- inputs


def _whole(name: str, v, low: int = 1) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise InputError(name, f"expected a whole number >= {low}, got {v!r}")
    return v


def _chips(chips) -> int:
    from calc.estimate import read_chips  # the one reader of a cluster's chips (10**400 is refused there, by name)

    return int(read_chips(chips).m_as("chip"))


def _model(model) -> Transformer:
    return lookup(model)


@dataclass(frozen=True)
class _Chip:
    name: str
    peak: float  # FLOP/s at the layout's precision
    mm: float  # best matmul rate at the layout's precision, FLOP/s
    mm16: float  # best matmul rate at 16 bits (attention, the output layer under 8-bit layers), FLOP/s
    attn: float  # fused attention rate, FLOP/s
    mem: float  # achievable memory bandwidth, byte/s
    per_node: int
    intra: float | None  # byte/s, achievable
    net: float | None
    capacity: float | None  # bytes
    units: int | None  # compute units (SMs, CUs): tiles run in waves of this many


@lru_cache(maxsize=256)
def _chip(name: str, precision: str | None) -> tuple[_Chip, str]:
    hw = data.hardware(name)
    k = _coefficients()
    precision = precision or hw.default_precision
    peak = hw.peak(precision).m_as("FLOP/s/chip")
    eta = hw.matmul_efficiency or k["matmul_efficiency_default"]
    # 8-bit inputs reach a smaller share of their (twice higher) peak where it is measured (Bekman's FP8 MAMF)
    eta_mm = (hw.matmul_efficiency_fp8 or eta) if precision in ("fp8", "int8") else eta
    # Attention and element-wise kernels run at 16 bits whatever the matmul precision.
    p16 = hw.peak(hw.default_precision).m_as("FLOP/s/chip") if hw.default_precision in hw.peaks else peak
    if hw.memory_bandwidth is None:
        raise InputError("hardware", f"data/hardware.csv has no memory bandwidth for {hw.name}")
    attn = min(peak, p16) * eta * k["flash_attention_efficiency"]
    if hw.name.startswith(HOPPER):  # FlashAttention-2's Ampere-style kernels do not use Hopper's
        # asynchronous tensor-core instructions: 35% of the H100's peak [Shah2024] sec. 1
        attn = min(attn, p16 * k["flash_attention_hopper_utilization"])
    chip = _Chip(
        hw.name, peak, peak * eta_mm, min(peak, p16) * eta, attn,
        hw.memory_bandwidth.m_as("byte/s/chip") * k["memory_efficiency"], hw.chips_per_node or 1,
        None if hw.intra_node_bandwidth is None else hw.intra_node_bandwidth.m_as("byte/s/chip") * k["intra_node_efficiency"],
        None if hw.network_bandwidth is None else hw.network_bandwidth.m_as("byte/s/chip") * k["network_efficiency"],
        None if hw.memory is None else hw.memory.m_as("byte/chip"), hw.compute_units)
    return chip, precision


@lru_cache(maxsize=1)
def _coefficients() -> dict[str, float]:
    out = {}
    for name, q in data.step_coefficients().items():
        out[name] = float(q.m_as("s") if q.check("[time]") else q.magnitude)
    return out


# --------------------------------------------------------------------------- the model


def predict(model, hardware: str, chips, layout: Layout | None = None, *, check_memory: bool = True,
            **fields) -> Step:
    """Predict one training step of ``model`` on ``chips`` chips of ``hardware`` with ``layout``.

    .. math::
        t_{step} = m (t_{mb} + t_{last}) + \\frac{p - 1}{v} t_{mb} + (1 - o) t_{DP} + t_{opt}, \\quad
        m = \\frac{B}{b d}, \\quad d = \\frac{n}{T P C}

    with :math:`t_{mb}` the time of one micro-batch through a stage's layers, forward, backward
    and recomputation ([Narayanan2021] sec. 2.2 for the bubble, sec. 3.2 for the collectives).

    Parameters
    ----------
    model : Transformer or str
        The shape, or the name of one in data/architectures.csv.
    hardware : str
        An accelerator of data/hardware.csv (its system: chips per node, link bandwidths).
    chips : int or Quantity [chip]
    layout : Layout, optional
        Or its fields as keywords (``tensor=8, pipeline=8, micro_batch=1, global_batch=1536``).
    check_memory : bool
        Refuse a layout whose memory per chip exceeds the chip's (default); False only reports it.

    Returns
    -------
    Step

    Raises
    ------
    InputError
        A size that does not divide (naming the field), fewer micro-batches than pipeline
        stages, a link the layout needs that data/hardware.csv lacks, or memory that does not fit.

    References
    ----------
    [Narayanan2021] sec. 2-3, [Korthikanti2022] sec. 4-5 and app. A, [Isaev2023].

    Examples
    --------
    Korthikanti et al. 2022, Table 5: the 175B model on 64 A100 in 13.75 s per step (MFU 51.4%).

    >>> gpt3 = Transformer(layers=96, d_model=12288, heads=96, vocab=51200, context=2048)
    >>> s = predict(gpt3, "A100 SXM4 80GB", 64, tensor=8, pipeline=8, virtual_stages=3,
    ...             micro_batch=1, global_batch=64, recompute="selective", flash_attention=False)
    >>> 12.4 < s.step_time.m_as("s") < 15.1
    True
    """
    if layout is None:
        try:
            layout = Layout(**fields)
        except TypeError as exc:
            raise InputError("layout", f"{exc}; the layout's fields are {', '.join(Layout.__dataclass_fields__)}") from None
    elif fields:
        layout = replace(layout, **fields)
    m = _model(model)
    n = _chips(chips)
    return _predict(m, hardware, n, layout, check_memory)


def _predict(model: Transformer, hardware: str, n: int, lay: Layout, check_memory: bool) -> Step:
    t, p, c, e, v = (_whole(k, getattr(lay, k)) for k in ("tensor", "pipeline", "context", "expert", "virtual_stages"))
    b, B = _whole("micro_batch", lay.micro_batch), _whole("global_batch", lay.global_batch)
    s = model.context if lay.sequence is None else model.check_sequence(_whole("sequence", lay.sequence))
    if lay.framework is not None and lay.framework not in FRAMEWORKS:
        raise InputError("framework", f"expected one of {', '.join(FRAMEWORKS)} (or none: today's code), "
                                      f"got {lay.framework!r}")
    if lay.schedule not in SCHEDULES:
        raise InputError("schedule", f"expected one of {', '.join(SCHEDULES)}, got {lay.schedule!r}")
    dual = lay.schedule == "dualpipe"
    if lay.recompute not in RECOMPUTE:
        raise InputError("recompute", f"expected one of {', '.join(RECOMPUTE)}, got {lay.recompute!r}")
    if lay.zero not in (0, 1, 2, 3):
        raise InputError("zero", f"expected a ZeRO stage 0, 1, 2 or 3, got {lay.zero!r}")
    overlap = lay.dp_overlap
    if overlap is not None and not (isinstance(overlap, (int, float)) and 0 <= overlap <= 1):
        raise InputError("dp_overlap", f"expected a fraction from 0 to 1, got {overlap!r}")
    if not (isinstance(lay.tp_overlap, (int, float)) and 0 <= lay.tp_overlap <= 1):
        raise InputError("tp_overlap", f"expected a fraction from 0 to 1, got {lay.tp_overlap!r}")
    if n % (t * p * c):
        raise InputError("chips", f"{n} chips are not a multiple of tensor x pipeline x context = {t} x {p} x {c}")
    d = n // (t * p * c)
    if model.heads % t:
        raise InputError("tensor", f"{t} tensor ranks do not divide the {model.heads} attention heads")
    if model.kv % t and t % model.kv:
        raise InputError("tensor", f"{t} tensor ranks neither divide nor are a multiple of the {model.kv} key/value heads")
    stage_layers = model.layers / p  # layers per pipeline stage
    if model.layers % (p * v):
        if not lay.uneven_pipeline:
            what = "pipeline" if v == 1 else "virtual_stages"
            raise InputError(what, f"pipeline x virtual stages = {p} x {v} do not divide the {model.layers} layers "
                                   f"(uneven_pipeline, --uneven-pipeline, lets stages differ, as Llama 3 did)")
        if model.layers < p * v:
            raise InputError("pipeline", f"{p} x {v} stages are more than the {model.layers} layers")
        stage_layers = math.ceil(model.layers / (p * v)) * v  # the fullest stage
    if s % c:
        raise InputError("context", f"{c} context ranks do not divide the sequence of {s} tokens")
    if model.experts % e:
        raise InputError("expert", f"{e} expert ranks do not divide the {model.experts} experts")
    if (d * c) % e:
        raise InputError("expert", f"{e} expert ranks do not divide the data x context = {d} x {c} ranks they come from")
    if B % (b * d):
        raise InputError("global_batch", f"{B} sequences do not split into micro-batches of {b} over {d} data-parallel ranks")
    mb = B // (b * d)
    if dual and (p % 2 or mb % 2 or v > 1):
        raise InputError("schedule", f"DualPipe needs an even number of pipeline stages and of micro-batches and no "
                                     f"interleaving; got {p} stages, {mb} micro-batches, {v} virtual stages")
    if mb < p:
        raise InputError("micro_batch", f"{mb} micro-batches per step are fewer than the {p} pipeline stages; "
                                        f"use a larger global batch or a smaller micro-batch")
    if v > 1 and mb % p:
        raise InputError("virtual_stages", f"the interleaved schedule needs the {mb} micro-batches to be a multiple "
                                           f"of the {p} pipeline stages")
    chip, precision = _chip(hardware, lay.precision)
    k = _coefficients()
    sp = (t > 1) if lay.sequence_parallel is None else bool(lay.sequence_parallel)
    flash = bool(lay.flash_attention)
    rec = lay.recompute

    # ----- links: who sits in a node with whom (tensor innermost, then context, data, pipeline)
    cpn = chip.per_node

    def per_node(size, stride):
        return max(1, min(size, cpn // stride)) if cpn >= stride else 1

    def link(kind):
        bw = chip.intra if kind == "intra" else chip.net
        if bw is None:
            what = "fast-link (intra-node)" if kind == "intra" else "network"
            raise InputError("hardware", f"data/hardware.csv has no {what} bandwidth for {chip.name}, "
                                         f"which this layout over {n} chips needs")
        return bw

    lat_i, lat_n = k["intra_node_latency"], k["network_latency"]

    def collective(nbytes, g, kk, factor):
        """factor 2: all-reduce; 1: all-gather or reduce-scatter (of the full nbytes)."""
        if g <= 1 or nbytes <= 0:
            return 0.0
        out = 0.0
        if kk > 1:
            out += factor * (kk - 1) / kk * nbytes / link("intra") + lat_i
        nodes = g // kk
        if nodes > 1:
            out += factor * (nodes - 1) / nodes * nbytes / kk / link("net") + lat_n
        return out

    def all_to_all(nbytes, g, kk):
        if g <= 1:
            return 0.0
        inside = nbytes * (kk - 1) / g / link("intra") + lat_i if kk > 1 else 0.0
        outside = nbytes * (g - kk) / g / link("net") + lat_n if g > kk else 0.0
        return max(inside, outside)

    ovh = k["kernel_overhead"]
    mem = chip.mem
    eight_bit = precision in ("fp8", "int8")

    tiles = (k["matmul_tile_long"], k["matmul_tile_short"])

    def one(M, K, N, batch):
        return _matmul(chip, M, K, N, batch, eight_bit, tiles, ovh)

    def gemm(M, K, N, batch=1):
        """Forward and backward time of a (batched) matrix product X (M x K) W (K x N), and its
        forward FLOP: each product a roofline plus a fixed kernel overhead, its output tiles running
        in whole waves over the compute units (NVIDIA's wave quantization). The backward pass is the
        input gradient (M x N)(N x K) and the weight gradient (K x M)(M x N). In 8 bits the input
        and the output gradient are first cast from 16 bits (read 2, write 1 byte each)."""
        fwd, bwd = one(M, K, N, batch), one(M, N, K, batch) + one(K, M, N, batch)
        if eight_bit:
            fwd += 3.0 * M * K * batch / mem + ovh
            bwd += 3.0 * M * N * batch / mem + ovh
        return fwd, bwd, 2.0 * M * K * N * batch

    # ----- one layer, one micro-batch, this chip's share
    h, H, L = model.d_model, model.heads, model.layers
    tok = b * s / c  # tokens of the micro-batch on this chip
    tok_sp = tok / t if sp else tok  # tokens the element-wise work runs on
    attn_params, expert, total = _counts(model)
    attn_params /= L
    out_params = H * model.v_dim * h
    in_params = max(attn_params - out_params, 0.0)
    g_ff = 2 if model.gated else 1
    back = k["backward_traffic_ratio"]

    t_qkv, b_qkv, f_qkv = gemm(tok, h, in_params / h / t)
    t_out, b_out, f_out = gemm(tok, out_params / h / t, h)
    core_flop = 2.0 * b * (H / t) * (s / c) * s * (model.qk_dim + model.v_dim)  # full s x s, as counted by MFU
    if flash:
        core_f = 0.5 * core_flop / chip.attn + ovh  # causal: half the blocks are skipped
        core_b = k["flash_backward_ratio"] * core_f
        if lay.triton_attention:  # FlashAttention's Triton kernel: FlashAttention-2 is 1.3-1.5x faster forward,
            # 2x backward [Dao2023] sec. 4.1
            core_f, core_b = core_f * k["triton_attention_forward_ratio"], core_b * k["triton_attention_backward_ratio"]
        core_rec = 0.0  # the fused kernel recomputes inside its backward already
    else:
        heads_b = b * H / t
        t_sc, b_sc, _ = gemm(s / c, model.qk_dim, s, heads_b)
        t_av, b_av, _ = gemm(s / c, s, model.v_dim, heads_b)
        soft = k["score_bytes_forward"] * heads_b * (s / c) * s / mem
        core_f = t_sc + t_av + soft
        core_b = b_sc + b_av + back * soft
        core_rec = core_f
    tp_bytes = 2.0 * tok * h  # b s h at 16 bits, the tensor that tensor-parallel collectives move
    tp_group = per_node(t, 1)
    tp_f = 2 * collective(tp_bytes, t, tp_group, 2)  # two per layer each way, same volume with SP
    # Sequence parallelism keeps only its shard of each block's input: the backward pass gathers it
    # again for the weight gradients [Korthikanti2022] sec. 4.2.2.
    tp_b = tp_f + (2 * collective(tp_bytes, t, tp_group, 1) if sp else 0.0)
    cp_f = 0.0
    if c > 1:  # ring attention: keys and values of every other context rank pass by once
        kv_bytes = 2.0 * b * (s / c) * (model.kv / t if model.kv >= t else 1) * (model.qk_dim + model.v_dim)
        ring = (c - 1) * (kv_bytes / (link("intra") if per_node(c, t) >= c else link("net")) + lat_i)
        cp_f = max(0.0, ring - core_f)
    hidden_ew = k["hidden_bytes_forward"] * tok_sp * h / mem
    eager_ew = 0.0  # seconds per layer, forward and backward, beyond the fused kernels counted above
    if lay.eager:  # counted from the eager Llama code (TorchTitan's RMSNorm and apply_rotary_emb; Hugging Face's
        # LlamaRMSNorm is the same): only RMSNorm (LayerNorm is one kernel eagerly too), only rotary positions
        if model.norm == "rmsnorm":
            eager_ew += k["eager_rmsnorm_bytes"] * model.norms_per_layer * tok_sp * h
        if not model.learned_positions:
            eager_ew += k["eager_rope_bytes"] * tok * (model.heads + model.kv) * model.qk_dim / t
        eager_ew /= mem

    def ffn(width, tokens):
        t_up, b_up, f_up = gemm(tokens, h, g_ff * width / t)
        t_dn, b_dn, f_dn = gemm(tokens, width / t, h)
        ew = k["ffn_bytes_forward"] * (1.5 if model.gated else 1) * tokens * width / t / mem
        if lay.eager and model.gated:  # silu and the product as two kernels, their backward as three: per
            # forward pass, as the backward ratio then applies
            ew += k["eager_swiglu_bytes"] / (1 + back) * tokens * width / t / mem
        return t_up + t_dn, b_up + b_dn, f_up + f_dn, ew

    moe_layers = (L - model.dense_layers) if model.experts > 1 else 0
    dense_layers = L - moe_layers
    kinds = []  # (count, matmul fwd, matmul bwd, matmul flop fwd, elementwise fwd, all-to-all fwd)
    mm_d, bw_d, fl_d, ew_d = ffn(model.ff, tok)
    kinds.append((dense_layers, mm_d, bw_d, fl_d, ew_d, 0.0))
    if moe_layers:
        ew_w = model.expert_d_ff or model.ff
        kx = model.experts_per_token
        local = model.experts // e
        per_expert = tok * kx * e / model.experts
        mm_x, bw_x, fl_x, ew_x = (x * local for x in ffn(ew_w, per_expert))
        t_r, b_r, f_r = gemm(tok, h, model.experts)
        mm_s, bw_s, fl_s, ew_s = ffn(ew_w * model.shared_experts, tok) if model.shared_experts else (0.0,) * 4
        a2a = 2 * all_to_all(2.0 * tok * kx * h, e, per_node(e, t))
        kinds.append((moe_layers, mm_x + t_r + mm_s, bw_x + b_r + bw_s, fl_x + f_r + fl_s, ew_x + ew_s, a2a))

    per = dict.fromkeys(PARTS, 0.0)  # seconds per micro-batch through one stage (the bottleneck)
    o_tp, sm = lay.tp_overlap, k["collective_sm_share"]
    sm_dual = k["dualpipe_communication_sms"] / chip.units if chip.units else sm
    rec_flop = 0.0  # recomputed FLOP per micro-batch per chip
    for count, mm_ffn, bw_ffn, fl_ffn, ew_ffn, a2a in kinds:
        if not count:
            continue
        share = count / L * stage_layers  # layers of this kind on the fullest stage, on average
        mm_fwd = t_qkv + t_out + mm_ffn
        ew_fwd = hidden_ew + ew_ffn
        per["matmuls"] += share * (mm_fwd + b_qkv + b_out + bw_ffn)
        per["attention core"] += share * (core_f + core_b)
        per["memory-bound operations"] += share * ((1 + back) * ew_fwd + eager_ew)
        per["tensor-parallel communication"] += share * (_hide(tp_f, o_tp, mm_fwd, sm)
                                                         + _hide(tp_b, o_tp, b_qkv + b_out + bw_ffn, sm))
        # DualPipe: this layer's all-to-alls run while the paired chunk computes [DeepSeekAI2024] sec. 3.2.1
        behind = mm_fwd + b_qkv + b_out + bw_ffn + core_f + core_b + (1 + back) * ew_fwd
        per["expert all-to-all"] += share * (_hide(2 * a2a, 1.0, behind, sm_dual) if dual else 2 * a2a)
        per["context-parallel exchange"] += share * 3 * cp_f
        if rec == "full":
            per["recomputation"] += share * (mm_fwd + core_f + ew_fwd + tp_f + a2a + cp_f)
            rec_flop += share * (f_qkv + f_out + fl_ffn + core_flop)
        elif rec == "selective" and not flash:
            per["recomputation"] += share * core_rec
            rec_flop += share * core_flop
    if p > 1:  # activations to the next stage and gradients back, once per virtual stage: each tensor rank
        # sends its 1/t slice and the receivers all-gather it over the fast links [Narayanan2021] sec. 4.1
        pp_bytes = 2.0 * tok * h
        across = t * c * d >= cpn
        send = pp_bytes / t / link("net" if across else "intra") + (lat_n if across else lat_i)
        per["pipeline transfers"] = 2 * v * (send + collective(pp_bytes, t, tp_group, 1))
        if dual:
            compute = per["matmuls"] + per["attention core"] + per["memory-bound operations"]
            per["pipeline transfers"] = _hide(per["pipeline transfers"], 1.0, compute, sm_dual)
    t_mb = sum(per.values())

    # ----- the last stage also computes the logits and the loss (vocabulary split over tensor ranks), the
    # output layer in 16 bits whatever the layers' precision (Transformer Engine and torchao convert only the
    # transformer layers; [DeepSeekAI2024] sec. 3.3.1 keeps the output head in BF16)
    if eight_bit:
        chip16 = replace(chip, mm=chip.mm16)
        M, K, N = tok, h, model.vocab / t
        t_lg = _matmul(chip16, M, K, N, 1, False, tiles, ovh)
        b_lg = _matmul(chip16, M, N, K, 1, False, tiles, ovh) + _matmul(chip16, K, M, N, 1, False, tiles, ovh)
    else:
        t_lg, b_lg, _ = gemm(tok, h, model.vocab / t)
    last_mm = t_lg + b_lg
    last_ew = k["cross_entropy_bytes"] * tok * model.vocab / t / mem  # the loss over fp32 logits, both ways

    seconds = {part: mb * x for part, x in per.items()}
    seconds["matmuls"] += mb * last_mm
    seconds["memory-bound operations"] += mb * last_ew
    if dual:  # (p/2 - 1)(F&B + B - 3W) [DeepSeekAI2024] Table 2, with F&B = F + B (overlap hides communication,
        # not computation), B = 2F and W (weight gradients) = B/2: (p/2 - 1)(F + B/2)
        seconds["pipeline bubble"] = (p / 2 - 1) * (1 + back / 2) / (1 + back) * t_mb
    else:
        seconds["pipeline bubble"] = (p - 1) / v * t_mb

    # ----- data parallel: this chip's gradients (and ZeRO's parameter gathers)
    dense_chip = (total - expert) / (t * p)
    expert_chip = expert / (t * p * e)
    dp_dense, dp_expert = d * c, d * c // e
    grad = 2.0  # bytes per gradient element reduced (16-bit)
    volume = mb * 1.5 if lay.zero == 3 else 1.0  # ZeRO-3 gathers weights for every micro-batch, each way
    t_dp = volume * (collective(grad * dense_chip, dp_dense, per_node(dp_dense, t), 2)
                     + collective(grad * expert_chip, dp_expert, per_node(dp_expert, t * e), 2))
    # The share a framework hides behind computation (default: none, as Megatron-LM 2021 and the published
    # PyTorch FSDP runs behave), no more than the computation that runs alongside, and hidden collectives
    # still hold a share of the compute units: NCCL's kernels run on the SMs
    o = 1 - k["dp_exposed"] if overlap is None else overlap
    if lay.zero == 3:
        # ZeRO-3 / FSDP gather each layer's weights and reduce-scatter its gradients every micro-batch;
        # prefetching [Zhao2023] sec. 3.3 hides them behind the layers' compute, all but the first layer's gather
        seconds["data-parallel communication"] = mb * _hide(t_dp / mb, o * (1 - 1 / stage_layers), t_mb, sm)
    else:  # the gradient reduction can hide behind the backward pass of the last micro-batch only
        seconds["data-parallel communication"] = _hide(t_dp, o, back / (1 + back) * t_mb, sm)
    if not lay.fused_grad_accumulation:  # read the new 16-bit gradient, read and write the running sum,
        # which is fp32 except under fp16, where Megatron-LM 2021 kept it in fp16 (--accumulate-allreduce-grads-in-fp32)
        per_param = 2 + 2 * (2 if precision == "fp16" else k["grad_accumulator_bytes"])
        seconds["memory-bound operations"] += mb * per_param * (dense_chip + expert_chip) / mem
    shard = dp_dense if lay.zero >= 1 else 1
    seconds["optimizer step"] = k["optimizer_traffic"] * (dense_chip + expert_chip) / shard / mem
    if lay.framework is not None:  # the whole step at the older code's measured efficiency
        seconds["older framework"] = sum(seconds.values()) * (1 / k[FRAMEWORKS[lay.framework]] - 1)

    # ----- FLOP and memory
    model_flop = _model_flop(model, s) * B * s
    hardware_flop = model_flop + rec_flop * mb * n
    mem_model = model if model.layers % p == 0 else replace(model, layers=int(stage_layers) * p)
    mem_key = (mem_model, b, s, rec, lay.zero, d * c, t, p, v, c, e, sp, flash, lay.dropout, dual)
    step = Step(model, chip.name, n, replace(lay, sequence=s, precision=precision, sequence_parallel=sp), d, mb,
                seconds, model_flop, hardware_flop, chip.peak, mem_key, chip.capacity)
    if check_memory and not step.fits:
        need, have = step.memory_bytes / 1e9, chip.capacity / 1e9
        raise InputError("memory per chip", f"this layout needs {need:,.1f} GB per chip and {chip.name} has "
                                            f"{have:,.0f} GB: {need - have:,.1f} GB over; more tensor or pipeline "
                                            f"parallelism, recomputation, ZeRO or a smaller micro-batch would fit")
    return step


def _hide(comm: float, share: float, behind: float, sm: float) -> float:
    """Exposed seconds of a collective of which ``share`` runs behind ``behind`` seconds of computation:
    no more hides than that computation lasts, and the hidden part still holds a share ``sm`` of the
    compute units (the collective's kernels run on them), slowing the computation it hides behind."""
    hidden = min(share * comm, behind)
    return comm - hidden + hidden * sm / (1 - sm)


def _matmul(chip: _Chip, M, K, N, batch, eight_bit, tiles, overhead) -> float:
    """Seconds of one (batched) matrix product (M x K)(K x N): the main loop streams the operands
    while it multiplies at the measured best rate, less the last partial wave of output tiles over
    the compute units (NVIDIA's wave quantization); the epilogue then writes the 16-bit result."""
    flop = 2.0 * M * K * N * batch
    rate = chip.mm
    if chip.units:
        n = math.ceil(max(M, N) / tiles[0]) * math.ceil(min(M, N) / tiles[1]) * batch
        rate *= n / (math.ceil(n / chip.units) * chip.units)
    operands = (1.0 if eight_bit else 2.0) * (M * K + K * N) * batch
    return max(flop / rate, operands / chip.mem) + 2.0 * M * N * batch / chip.mem + overhead


def matmul_rate(hardware: str, M: int, K: int, N: int, precision: str | None = None) -> pint.Quantity:
    """The rate the step model gives one matrix product (M x K)(K x N) on ``hardware``.

    .. math:: t = \\max\\left(\\frac{2MKN}{\\eta P w}, \\frac{b (MK + KN)}{B}\\right) + \\frac{2 MN}{B} + t_0

    with :math:`\\eta` the measured best matmul rate over the dense peak :math:`P` at that precision (FP8's
    where data/hardware.csv has it, else the 16-bit one), :math:`w` the filled share of the last wave of
    output tiles, :math:`B` the achievable memory bandwidth and
    :math:`t_0` a fixed kernel overhead (data/step_coefficients.csv).

    Examples
    --------
    >>> round(matmul_rate("H800 SXM5", 8192, 16384, 8192, "fp8").m_as("TFLOP/s/chip"))
    1322
    """
    chip, precision = _chip(hardware, precision)
    k = _coefficients()
    dims = [_whole(n, v) for n, v in (("M", M), ("K", K), ("N", N))]
    t = _matmul(chip, *dims, 1, precision in ("fp8", "int8"), (k["matmul_tile_long"], k["matmul_tile_short"]),
                k["kernel_overhead"])
    return Q_(2.0 * M * K * N / t, "FLOP/s/chip")


@lru_cache(maxsize=4096)
def _counts(model: Transformer) -> tuple[float, float, float]:
    """Attention parameters (all layers), routed-expert parameters and all parameters, as floats."""
    bk = model.breakdown()
    return (bk["attention"].m_as("param") if "attention" in bk else 0.0,
            bk["routed experts"].m_as("param") if "routed experts" in bk else 0.0, model.params().m_as("param"))


@lru_cache(maxsize=4096)
def _model_flop(model: Transformer, s: int) -> float:
    return model.flop_per_token("palm2022", context=s).m_as("FLOP/token")


@lru_cache(maxsize=65536)
def _memory(model, b, s, recompute, zero, dp, t, p, v, c, e, sp, flash, dropout, dualpipe=False):
    """calc.memory's memory per chip, with what it does not model: interleaving keeps
    (1 + (p - 1)/(p v)) more layers in flight [Korthikanti2022] sec. 4.2.3, context ranks split
    the activations, and DualPipe keeps two copies of the weights [DeepSeekAI2024] Table 2."""
    from calc.memory import Memory, per_chip

    mem = per_chip(model, micro_batch=b, sequence=s, recompute=recompute, zero=zero, data_parallel=dp, tensor=t,
                   pipeline=p, expert_parallel=e, sequence_parallel=sp, flash_attention=flash, dropout=dropout)
    parts = dict(mem.parts)
    act = parts["activations"] / c
    if v > 1:
        act = act * (1 + (p - 1) / (p * v))
    parts["activations"] = act
    if dualpipe:
        parts["weights"] = parts["weights"] * 2
    out = Memory(parts)
    return out, out.total.m_as("byte/chip")


# --------------------------------------------------------------------------- search


@dataclass(frozen=True)
class Search:
    """Layouts that fit, fastest first, and why the best one wins."""

    steps: list
    tried: int
    refused: int  # faster than the fastest that fits, but did not fit in memory
    why: str
    ties: int = 0  # layouts left out because a simpler one listed takes the same time and memory


def search(model, hardware: str, chips, global_batch: int, *, sequence: int | None = None,
           precision: str | None = None, flash_attention: bool = True, top: int = 10) -> Search:
    """The fastest layouts of ``model`` on ``chips`` chips of ``hardware`` that fit in memory.

    Tries tensor parallelism in powers of two up to a node, every pipeline depth that divides the
    layers, interleaving, context parallelism for long sequences, expert parallelism for mixtures
    of experts, micro-batches of 1 to 8, each recomputation and ZeRO 1 or 3; ranks by step time.
    A layout that takes the same time and memory as a simpler one (context ranks each holding a
    larger micro-batch of shorter pieces: the same tokens per chip; ZeRO-3 over one replica) is
    left out and counted in ``ties``. ``refused`` counts the layouts faster than the fastest that
    fits which do not fit, whatever ``top`` is.

    Examples
    --------
    >>> gpt3 = published()["GPT-3 175B"][0]
    >>> r = search(gpt3, "H100 SXM5", 1024, 1536, sequence=2048, top=3)
    >>> len(r.steps) == 3 and r.steps[0].step_time <= r.steps[1].step_time
    True
    """
    m = _model(model)
    n = _chips(chips)
    B = _whole("global_batch", global_batch)
    s = m.context if sequence is None else _whole("sequence", sequence)
    top = _whole("top", top)
    chip, precision = _chip(hardware, precision)
    tp = [t for t in (1, 2, 4, 8, 16, 32, 64) if t <= max(chip.per_node, 1) and n % t == 0 and m.heads % t == 0
          and (m.kv % t == 0 or t % m.kv == 0)]
    cps = [c for c in (1, 2, 4, 8, 16) if s % c == 0 and (c == 1 or s // c >= 4096)]
    found, tried = [], 0
    for t in tp:
        for c in cps:
            for p in _divisors(m.layers):
                if n % (t * p * c):
                    continue
                d = n // (t * p * c)
                for e in ([x for x in _divisors(m.experts) if (d * c) % x == 0 and x <= 64] if m.experts > 1 else [1]):
                    for v in ((1, 2, 3, 4) if p > 1 else (1,)):
                        if m.layers % (p * v):
                            continue
                        for b in (1, 2, 4, 8):
                            if B % (b * d) or B // (b * d) < p or (v > 1 and (B // (b * d)) % p):
                                continue
                            for rec in RECOMPUTE[1:] if flash_attention else RECOMPUTE:  # fused attention
                                # already recomputes the scores: none and selective take the same time
                                for zero in ((1, 3) if d * c > 1 else (1,)):  # ZeRO over one replica is none
                                    lay = Layout(t, p, c, e, v, b, B, s, rec, precision, None, flash_attention, zero)
                                    tried += 1
                                    try:
                                        found.append(_predict(m, hardware, n, lay, False))
                                    except InputError:
                                        continue
    # Memory is the slow part: check it fastest first, only until the top layouts (and a rival split
    # for the explanation) are found. Among equal times the simpler layout comes first.
    found.sort(key=lambda st: (round(st._t, 9), _complexity(st.layout)))
    fitting, splits, refused, ties = [], set(), 0, 0
    for st in found:
        if len(fitting) >= top and len(splits) > 1:
            break
        if not st.fits:
            refused += not fitting
            continue
        if any(_same(st, f) for f in fitting[-8:]):
            ties += 1
            continue
        fitting.append(st)
        splits.add(_split(st.layout))
    if not tried:  # nothing divides: memory was never the question
        why = (f"no layout to try: no tensor x pipeline x context split of {n:,} chips leaves data-parallel copies that "
               f"share the global batch of {B:,} sequences evenly, with at least one micro-batch (1 to 8 sequences) "
               f"per pipeline stage (tensor: a power of two up to a node of {chip.per_node} that divides the "
               f"{m.heads} heads; pipeline: a divisor of the {m.layers} layers); a chip count and a global batch "
               "with more factors of two (1,024; 1,536; 2,048) would")
        return Search([], 0, 0, why, 0)
    return Search(fitting[:top], tried, refused, _why(fitting), ties)


def _divisors(x: int) -> list[int]:
    return [i for i in range(1, x + 1) if x % i == 0]


def _split(lay: Layout) -> tuple:
    return lay.tensor, lay.pipeline, lay.context, lay.expert


def _complexity(lay: Layout) -> tuple:
    """Fewer kinds of parallelism first: context, expert, interleaving, ZeRO-3, then larger micro-batches."""
    return lay.context, lay.expert, lay.virtual_stages, lay.zero, lay.micro_batch


def _same(a: Step, b: Step) -> bool:
    """The same step time and memory per chip (to 0.1%): nothing to choose between them."""
    return abs(a._t - b._t) <= 1e-3 * b._t and abs(a.memory_bytes - b.memory_bytes) <= 1e-3 * b.memory_bytes


def _why(found: list) -> str:
    if not found:
        return "no layout fits in memory: more chips, a chip with more memory or a smaller global batch would."
    best = found[0]
    rival = next((s for s in found[1:] if _split(s.layout) != _split(best.layout)), None)
    head = (f"{best.layout.describe()} is fastest: {best._t:.3g} s per step, MFU {best.mfu:.1%}, "
            f"{best.memory_per_chip.m_as('GB/chip'):.0f} GB per chip")
    if rival is None:
        return head + "; no other split of the chips fits."
    diff = {k: rival.seconds[k] - best.seconds[k] for k in PARTS}
    gains = sorted(((v, k) for k, v in diff.items() if v > 1e-4 * best._t), reverse=True)[:2]
    losses = sorted(((-v, k) for k, v in diff.items() if v < -1e-4 * best._t), reverse=True)[:1]
    against = (f"Against the best other split, {rival.layout.describe()} ({rival._t:.3g} s, "
               f"{rival._t / best._t - 1:.1%} slower)")
    if not gains:
        return f"{head}. {against}: the same time in every part."
    text = ", ".join(f"{k} {v:.3g} s less" for v, k in gains)
    if losses:
        text += "; it pays " + ", ".join(f"{v:.3g} s more {k}" for v, k in losses)
    return f"{head}. {against}: {text}."


# --------------------------------------------------------------------------- budget


@dataclass(frozen=True)
class Option:
    """One chip count: its fastest layout that fits, and what the whole run then takes."""

    chips: int
    step: Step
    duration: pint.Quantity  # day
    chip_hours: pint.Quantity  # chip*hour
    cost: pint.Quantity | None  # USD, at the search's price (None: no price)
    within: bool  # within the budget


@dataclass(frozen=True)
class BudgetSearch:
    """Chip counts and their fastest layouts for a run of ``tokens``, against a budget."""

    options: list  # every chip count with a layout that fits, fewest chips first
    best: Option | None  # the fastest (or cheapest) run within the budget
    budget: pint.Quantity  # USD or chip*hour
    price: pint.Quantity | None  # USD/chip/hour
    price_source: str
    why: str
    stopped: str = "max_chips"  # why no more chips were tried: "batch", "budget" or "max_chips"


GOALS = ("fastest", "cheapest")


def budget_search(model, hardware: str, global_batch: int, tokens, budget, *, sequence: int | None = None,
                  precision: str | None = None, flash_attention: bool = True, price=None, max_chips=None,
                  goal: str = "fastest") -> BudgetSearch:
    """The chip count and layout that train ``model`` on ``tokens`` fastest (or cheapest) within a budget.

    .. math:: \\text{cost}(n) = n \\, \\frac{D}{B s} \\, t_{step}(n) \\, \\text{price}

    For chip counts n in powers of two (up to ``max_chips``), the fastest layout that fits
    (:func:`search`; at a given chip count the fastest is also the cheapest) gives the run's
    duration, chip-hours and cost; ``goal`` picks the fastest run within the budget or the cheapest.
    Counts stop growing once two in a row are over the budget (more chips cost more chip-hours).

    Parameters
    ----------
    budget : Quantity or str
        A cost ("$2M", "2e6 USD") or chip-hours ("434k GPU-hours").
    price : Quantity or str, optional
        USD per chip-hour; default: calc.estimate's default price (calc.cost.default_price).
    max_chips : int, optional
        The largest cluster to consider (default 131,072).

    Examples
    --------
    >>> llama = published()["Llama 2 7B"][0]
    >>> r = budget_search(llama, "H100 SXM5", 1024, "2e12 token", "$1M")
    >>> r.best.within and r.best.cost.m_as("USD") <= 1e6
    True
    """
    from calc.display import number

    m = _model(model)
    B = _whole("global_batch", global_batch)
    s = m.context if sequence is None else _whole("sequence", sequence)
    D = parse_quantity(tokens, "tokens", "token", bare_ok=True).m_as("token")
    if not D > 0:
        raise InputError("tokens", f"expected a positive number of training tokens, got {tokens!r}")
    money = _budget(budget)
    if goal not in GOALS:
        raise InputError("goal", f"expected one of {', '.join(GOALS)}, got {goal!r}")
    top = 131_072 if max_chips is None else _chips(max_chips)
    hw = data.hardware(hardware)
    if price is not None:
        rate = parse_quantity(price, "price", "USD/chip/hour", bare_ok=True).to("USD/chip/hour")
        source = "given"
    else:  # calc.estimate's default price, by the same rule
        from calc.cost import default_price, no_price_message, price_basis

        found = default_price(hw.name)
        rate = None if found is None else found.price.to("USD/chip/hour")
        source = "none" if found is None else price_basis(found)
        if rate is None and money.check("[currency]"):
            raise InputError("price", no_price_message(hw.name) + "; or give the budget in chip-hours")
    steps = D / (B * s)
    counts = [2 ** i for i in range(top.bit_length()) if 2 ** i <= top] + ([top] if top & (top - 1) else [])
    options, over, stopped = [], 0, "max_chips"
    for n in counts:
        found = search(m, hardware, n, B, sequence=s, precision=precision, flash_attention=flash_attention, top=1)
        if not found.steps:
            if found.tried == 0 and n > B:
                stopped = "batch"  # more chips than the batch can spread over
                break
            continue
        st = found.steps[0]
        seconds = steps * st._t
        hours = Q_(n * seconds / 3600, "chip*hour")
        cost = None if rate is None else (hours * rate).to("USD")
        spent = cost if money.check("[currency]") else hours
        within = spent.m_as(money.units) <= money.magnitude
        options.append(Option(n, st, Q_(seconds, "s").to("day"), hours, cost, within))
        over = 0 if within else over + 1
        if over >= 2 and any(o.within for o in options):
            stopped = "budget"
            break
    fits = [o for o in options if o.within]
    key = (lambda o: (o.duration, o.chips)) if goal == "fastest" else (lambda o: (o.chip_hours, o.duration))
    best = min(fits, key=key) if fits else None
    why = _budget_why(best, options, money, hw.name, goal, D)
    if stopped == "batch" and best is options[-1] and goal == "fastest":
        why = why[:-1] + (f"; {number(2 * best.chips)} chips or more have no layout for a global batch of "
                          f"{number(B)} sequences: a larger batch would use them.")
    return BudgetSearch(options, best, money, rate, source, why, stopped)


def _budget(value) -> pint.Quantity:
    expected = 'a cost in USD ("$2M", "2e6 USD") or chip-hours ("434k GPU-hours")'
    for unit in ("USD", "chip*hour"):
        try:
            q = parse_quantity(value, "budget", unit, bare_ok=False)
        except InputError:
            continue
        if not q.magnitude > 0:
            raise InputError("budget", f"expected {expected} above zero, got {value!r}")
        return q.to(unit)
    raise InputError("budget", f"expected {expected}, got {value!r}")


def _budget_why(best, options, money, chip, goal, tokens) -> str:
    from calc.display import number, show

    def run(o):
        cost = "" if o.cost is None else f", {show('cost', o.cost)}"
        return (f"{number(o.chips)} {chip} ({o.step.layout.describe()}) take {show('duration', o.duration)}, "
                f"{show('chip_hours', o.chip_hours)}{cost}")

    limit = show("cost", money) if money.check("[currency]") else show("chip_hours", money)
    what = f"{show('tokens', Q_(tokens, 'token'))}"
    if not options:
        return f"no chip count up to the largest tried has a layout that fits for {what}."
    if best is None:
        cheapest = min(options, key=lambda o: o.chip_hours)
        return f"no run fits within {limit}; the cheapest: {run(cheapest)}."
    text = f"For {what}: {run(best)}, the {goal} within {limit}"
    if goal == "fastest":
        faster = [o for o in options if o.duration < best.duration and not o.within]
        if faster:
            nxt = min(faster, key=lambda o: o.chips)
            text += f"; {run(nxt)}, over the budget"
    else:
        faster = [o for o in options if o.within and o.duration < best.duration]
        if faster:
            text += f"; the fastest within it, {run(min(faster, key=lambda o: o.duration))}"
    return text + "."


# --------------------------------------------------------------------------- calibration


@dataclass(frozen=True)
class Calibration:
    """One published measurement of data/step_calibration.csv against the prediction."""

    name: str
    measure: str  # "throughput" (TFLOP/s/chip as the paper counts it) or "step time"
    published: float
    predicted: float
    step: Step
    source: str

    @property
    def ratio(self) -> float:
        """Predicted / published throughput (published / predicted step time): above 1 is too fast."""
        return self.predicted / self.published if self.measure == "throughput" else self.published / self.predicted


def calibration() -> list[Calibration]:
    """Every run of data/step_calibration.csv predicted from its published layout.

    A micro-batch or interleaving the paper does not state is the fastest that fits (the authors
    tuned both, [Narayanan2021] sec. 3.4). Narayanan et al.'s runs ran the Megatron-LM code of early
    2021 (``framework="megatron-lm 2021"``: 0.921 of the 2022 code's throughput on the same 1T layout,
    which already holds the later gradient-accumulation fusion, so that is not added again). Throughput is counted as the paper
    counts it: [Narayanan2021] eq. 3, the ``megatron2021-recompute`` count.
    """
    out = []
    for r in data.step_calibration():
        s = int(r["sequence"])
        model = Transformer(layers=int(r["layers"]), d_model=int(r["d_model"]), heads=int(r["heads"]),
                            vocab=int(r["vocab"]), context=s, learned_positions=True, biases=True)
        base = Layout(tensor=int(r["tensor"]), pipeline=int(r["pipeline"]), global_batch=int(r["global_batch"]),
                      sequence=s, recompute=r["recompute"], precision=r["precision"],
                      sequence_parallel=r["sequence_parallel"] == "yes", flash_attention=False, zero=0, dropout=True,
                      framework=r["framework"] or None)
        best = None
        for v in ([int(r["virtual_stages"])] if r["virtual_stages"] else [1, 2, 3, 4]):
            for b in ([int(r["micro_batch"])] if r["micro_batch"] else [1, 2, 4, 8, 16]):
                try:
                    st = _predict(model, r["hardware"], int(r["chips"]), replace(base, virtual_stages=v, micro_batch=b),
                                  True)
                except InputError:
                    continue
                if best is None or st._t < best._t:
                    best = st
        if best is None:
            raise data.DataError(r.path, r.line, "name", "no layout of this run fits in memory")
        if r["published_throughput"] is not None:
            flop = model.flop_per_token("megatron2021-recompute", context=s).m_as("FLOP/token") * best.layout.global_batch * s
            out.append(Calibration(r["name"], "throughput", r["published_throughput"],
                                   flop / best._t / best.chips / 1e12, best, r["source"]))
        else:
            out.append(Calibration(r["name"], "step time", r["published_step_time"], best._t, best, r["source"]))
    return out


@dataclass(frozen=True)
class HeldOut:
    """One published measurement of data/step_heldout.csv (not calibrated on) against the prediction."""

    name: str
    framework: str
    published: float  # tokens per second per chip
    step: Step
    source: str

    @property
    def predicted(self) -> float:
        """Predicted tokens per second per chip."""
        return self.step.tokens_per_second.m_as("token/s") / self.step.chips

    @property
    def ratio(self) -> float:
        """Predicted / published throughput: above 1 is too fast."""
        return self.predicted / self.published


def heldout() -> list[HeldOut]:
    """Every run of data/step_heldout.csv predicted from its published layout, one rule for all.

    Memory is not checked (the runs ran); a shape written out in the file is an MPT- or GPT-3-style
    model (no gating, tied embeddings; learned positions and biases where the row says so).
    """
    out = []
    shapes = published()
    for r in data.step_heldout():
        s = int(r["sequence"])
        if r["shape"]:
            model = replace(shapes[r["shape"]][0], context=s)
        else:
            gpt = r["learned_positions"] == "yes"
            model = Transformer(layers=int(r["layers"]), d_model=int(r["d_model"]), heads=int(r["heads"]),
                                vocab=int(r["vocab"]), context=s, learned_positions=gpt, biases=gpt)
        p, v = int(r["pipeline"]), int(r["virtual_stages"])
        lay = Layout(tensor=int(r["tensor"]), pipeline=p, context=int(r["context"]), virtual_stages=v,
                     micro_batch=int(r["micro_batch"]), global_batch=int(r["global_batch"]), sequence=s,
                     recompute=r["recompute"], precision=r["precision"], zero=int(r["zero"]),
                     dp_overlap=r["dp_overlap"], tp_overlap=r["tp_overlap"] or 0.0, eager=r["eager"] == "yes",
                     triton_attention=r["attention"] == "triton", uneven_pipeline=model.layers % (p * v) != 0)
        st = _predict(model, r["hardware"], int(r["chips"]), lay, False)
        out.append(HeldOut(r["name"], r["framework"], r["published_tokens_per_second"], st, r["source"]))
    return out
