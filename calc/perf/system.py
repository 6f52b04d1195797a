"""What the performance model needs of a chip: its rates, built once, and the model's coefficients.

A :class:`Chip` is made from a ``calc.data.Hardware`` (one row of data/hardware.csv) at one number
format: its dense peak, the best matmul rate it reaches (measured, [Isaev2023]), the fused-attention
rate, the achievable memory bandwidth, and its links (fast links inside a node, the network across
nodes), each derated by a coefficient of data/step_coefficients.csv, as Calculon's system files do
(processor, memory and network objects, each with its efficiency). :class:`Coefficients` holds every
row of that file as a typed field: a row missing from the file is a ``DataError`` when it is read, a
misspelt field an ``AttributeError`` where it is written.

Training steps, prefill and decoding use the same chip: decoding reads weights and the KV cache at
``Chip.memory_bandwidth`` and pays the tensor-parallel all-reduce of calc.perf.collectives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from math import ceil, log
from typing import NamedTuple

from calc import data
from calc.errors import DataError, InputError

# NVIDIA Hopper: the attention kernels of 2023-2024 (FlashAttention-2's Ampere-style instructions) fall short on it
HOPPER = ("H100", "H200", "H800", "GH200")
# NVIDIA Blackwell data-center chips: their own attention kernels (cuDNN, FlashAttention-4) use the tcgen05 tensor-core
# instructions; FlashAttention-2's Ampere-style mma.sync code runs far below them
BLACKWELL = ("B200", "GB200", "B300", "GB300")
# NVIDIA chips whose FP8 GEMM takes any layout (sm100-sm119 and sm130 on: Transformer Engine's
# nvte_is_non_tn_fp8_gemm_supported, transformer_engine/common/transformer_engine.cpp, v2.8): the data-center Blackwells.
# On the others (Ada, Hopper, the sm120 RTX Blackwells) FP8 GEMMs are TN only, so each cast also writes a transposed copy
NON_TN_FP8 = BLACKWELL
# NVIDIA Volta (sm70): no FlashAttention runs on it. FlashAttention-2 "currently supports Ampere, Ada, or Hopper GPUs ...
# please use FlashAttention 1.x for Turing" (Dao-AILab/flash-attention README, "NVIDIA CUDA Support"), FlashAttention
# 1.x Turing or Ampere; cuDNN's fused attention needs Ampere too. Its attention scores are materialized (Megatron-LM's
# unfused core: baddbmm, softmax, bmm), the step model's no-flash-attention path
NO_FLASH_ATTENTION = ("V100",)
UNFUSED_ATTENTION_NOTE = ("unfused (the scores materialized): {chip} is a Volta chip (sm70), which no FlashAttention "
                          "runs on (FlashAttention-2 needs Ampere or later, 1.x Turing or later; Dao-AILab/flash-attention README)")


def runs_flash_attention(hardware) -> bool:
    """Whether FlashAttention's fused kernel runs on ``hardware`` (a Hardware or its name): not on Volta
    (``NO_FLASH_ATTENTION``)."""
    return not getattr(hardware, "name", hardware).startswith(NO_FLASH_ATTENTION)
# TPUs whose two TensorCores are each a JAX device running its own kernels on its own share of the batch: TPU7x
# (tpu-recipes' Ironwood recipes: per_device_batch_size x 2 x chips is the global batch, e.g. DeepSeek-V3's 8 x 256
# devices = 2,048 sequences on a tpu7x-4x4x8 of 128 chips); TPU v4 and v5p join theirs as one megacore device
# (tpu-recipes' Llama 4 Maverick on v5p: 4 a device x 128 chips = 512)
DEVICES_PER_CHIP = {"TPU v7 Ironwood": 2}


def devices_per_chip(hardware) -> int:
    """JAX devices a chip of ``hardware`` (a Hardware or its name) is (``DEVICES_PER_CHIP``; 1 elsewhere)."""
    return DEVICES_PER_CHIP.get(getattr(hardware, "name", hardware), 1)


EIGHT_BIT = ("fp8", "int8")
# 4-bit block formats: NVFP4's E2M1 values with one E4M3 scale per 16, 4 + 8/16 = 4.5 bits a value (Transformer Engine,
# transformer_engine/common/cast/nvfp4/quantize_transpose_nvfp4.cuh: SCALE_DIM = 16) [NVIDIA2025nvfp4]
FOUR_BIT = ("fp4",)
FOUR_BIT_BYTES = (4 + 8 / 16) / 8


def _unit(unit: str, meaning: str):
    return field(metadata={"unit": unit, "meaning": meaning})


@dataclass(frozen=True)
class Coefficients:
    """The rows of data/step_coefficients.csv, each in the unit written beside it (source: that file)."""

    matmul_efficiency_default: float = _unit("", "best matmul rate / dense peak where the chip has no measurement")
    kernel_overhead: float = _unit("s", "fixed time per kernel (matmul or memory-bound)")
    moe_host_sync_latency: float = _unit("s", "a device-to-host copy of a few bytes that the host waits for")
    grouped_gemm_expert_time: float = _unit("s", "one expert's GEMM in a multi-stream cuBLASLt grouped GEMM, few tokens")
    memory_efficiency: float = _unit("", "share of the memory bandwidth streaming kernels reach")
    intra_node_efficiency: float = _unit("", "share of the fast-link bandwidth collectives reach")
    network_efficiency: float = _unit("", "share of the network bandwidth collectives reach")
    intra_node_latency: float = _unit("s", "fixed time per collective on the fast links")
    network_latency: float = _unit("s", "fixed time per collective over the network")
    hidden_bytes_forward: float = _unit("byte", "element-wise traffic per token and hidden unit per layer")
    ffn_bytes_forward: float = _unit("byte", "traffic of the fused bias-activation per token and ff unit")
    score_bytes_forward: float = _unit("byte", "traffic per attention-score element, unfused attention")
    backward_traffic_ratio: float = _unit("", "backward work per forward [Narayanan2021]")
    flash_attention_efficiency: float = _unit("", "fused attention rate / best matmul rate")
    flash_backward_ratio: float = _unit("", "fused attention backward time per forward")
    dp_exposed: float = _unit("", "default share of the data-parallel reduction not hidden")
    optimizer_traffic: float = _unit("byte/param", "memory traffic of one mixed-precision Adam step")
    matmul_tile_long: float = _unit("", "long side of a matmul output tile")
    matmul_tile_short: float = _unit("", "short side of a matmul output tile")
    grad_accumulator_bytes: float = _unit("byte", "bytes per element of the running gradient sum")
    flash_attention_hopper_utilization: float = _unit("", "fused attention rate on Hopper / 16-bit peak")
    collective_sm_share: float = _unit("", "share of the compute units a hidden collective holds")
    flash_attention_2_blackwell_utilization: float = _unit("", "FlashAttention-2's code on Blackwell / 16-bit peak")
    blackwell_attention_head64_share: float = _unit("", "Blackwell's fused attention rate at head size 64 / at 128")
    cross_entropy_bytes: float = _unit("byte", "loss traffic per token and vocabulary entry")
    efficiency_megatron_lm_2021: float = _unit("", "throughput of Megatron-LM early 2021 / 2022")
    efficiency_megatron_lm_2019: float = _unit("", "throughput of Megatron-LM 2019 (the paper's code) / 2022")
    eager_rmsnorm_bytes: float = _unit("byte", "eager RMSNorm traffic per token and hidden unit")
    eager_rope_bytes: float = _unit("byte", "eager rotary-embedding traffic per query or key element")
    eager_swiglu_bytes: float = _unit("byte", "eager SwiGLU traffic per token and ff unit")
    triton_attention_forward_ratio: float = _unit("", "Triton flash attention forward / FlashAttention-2's")
    triton_attention_backward_ratio: float = _unit("", "Triton flash attention backward / FlashAttention-2's")
    dualpipe_communication_sms: float = _unit("", "compute units DualPipe's communication kernels hold")
    nccl_ring_base_latency: float = _unit("s", "start-up time of one ring collective (NCCL, Simple)")
    nccl_ring_nvlink_step_latency: float = _unit("s", "time per ring step over NVLink (NCCL, Simple)")
    nccl_ring_network_step_latency: float = _unit("s", "time per ring step across the network (NCCL, Simple)")
    moe_permutation_bytes: float = _unit("byte", "traffic per routed-row element of one MoE token permutation pass")
    cudnn_attention_hopper_utilization: float = _unit("", "cuDNN's fused causal attention rate on Hopper / 16-bit peak")
    flash_backward_rate_share: float = _unit("", "fused attention backward rate / forward rate, FlashAttention-2 on A100")
    float8_dynamic_cast_bytes: float = _unit("byte", "traffic per element of one torchao dynamic float8 cast")
    nvfp4_cast_bytes: float = _unit("byte", "traffic per element of one Transformer Engine NVFP4 cast (amax pass and cast)")
    fp8_current_cast_bytes: float = _unit("byte", "traffic per element of one Transformer Engine FP8 current-scaling cast "
                                                  "(amax pass and cast)")
    flash_backward_rate_share_hopper: float = _unit("", "fused attention backward rate / forward rate on H100")
    flash2_backward_rate_share_blackwell: float = _unit("", "FlashAttention-2's backward rate / forward rate on B200")
    efficient_attention_flash2_ratio: float = _unit("", "xformers' CUTLASS memory-efficient attention rate / FlashAttention-2's")
    pallas_grouped_matmul_tile_rows: float = _unit("", "rows of a TPU grouped matmul's m tile (MaxText's megablox, tokamax)")


@lru_cache(maxsize=1)
def coefficients() -> Coefficients:
    """Every coefficient of data/step_coefficients.csv, converted to its field's unit, checked once."""
    rows = data.step_coefficients()
    values = {}
    for f in fields(Coefficients):
        if f.name not in rows:
            raise DataError("data/step_coefficients.csv", None, "name", f"no row {f.name!r} ({f.metadata['meaning']})")
        q = rows[f.name]
        unit = f.metadata["unit"]
        values[f.name] = float(q.m_as(unit) if unit else q.magnitude)
    return Coefficients(**values)


@dataclass(frozen=True)
class Chip:
    """One chip at one number format: rates in FLOP/s, byte/s and bytes, plain floats for speed."""

    hardware: data.Hardware = field(repr=False)
    precision: str  # the matmuls' number format
    peak: float  # dense FLOP/s at ``precision``
    matmul_rate: float  # best matmul rate at ``precision``, FLOP/s
    matmul_rate_16bit: float  # best matmul rate at 16 bits (attention, an output layer kept in 16 bits)
    attention_rate: float  # fused attention kernel, FLOP/s
    memory_bandwidth: float  # achievable, byte/s
    chips_per_node: int
    intra_node_bandwidth: float | None  # achievable, byte/s, one way
    network_bandwidth: float | None
    capacity: float | None  # memory, bytes
    compute_units: int | None  # SMs or CUs: matmul output tiles run in waves of this many
    coefficients: Coefficients = field(repr=False)  # the model's coefficients, travelling with the chip
    # the fast links' measured rate by message size: (log bytes, byte/s) points above intra_node_bandwidth, or ()
    link_curve: tuple = field(default=(), repr=False)
    # measured matmul rate by shape (data/matmul_efficiency.csv) at ``precision`` and at 16 bits, or None
    shapes: MatmulShapes | None = field(default=None, repr=False, compare=False)
    shapes_16bit: MatmulShapes | None = field(default=None, repr=False, compare=False)
    attention_rate_flash2: float = 0.0  # FlashAttention-2's Ampere-style code on this chip, FLOP/s (0: attention_rate)
    attention_full_rate_head_dim: float = 0.0  # below this head size the chip's own attention slows in proportion (0: never)
    attention_rate_cudnn: float = 0.0  # cuDNN's fused attention on this chip, FLOP/s (0: attention_rate)
    # the fused attention's backward rate over its forward rate (1: as fast; measured per kernel and chip family)
    attention_backward_share: float = 1.0
    attention_backward_share_flash2: float = 1.0  # FlashAttention-2's Ampere-style code on this chip
    # xformers' CUTLASS memory-efficient attention (PyTorch SDPA's EFFICIENT_ATTENTION) on this chip, FLOP/s (0: its
    # share of attention_rate_flash2)
    attention_rate_efficient: float = 0.0
    float8_casts: str = "te"  # in 8 bits, the code casting the matmul inputs (calc.perf.layout.FLOAT8_CASTS)
    tile_long: float = field(init=False, repr=False)  # matmul output tiles (coefficients), read ~50 times a step
    tile_short: float = field(init=False, repr=False)
    kernel_overhead: float = field(init=False, repr=False)
    grouped_gemm_floor: float = field(init=False, repr=False)  # an expert's GEMM in a multi-stream grouped GEMM, at least
    eight_bit: bool = field(init=False, repr=False)  # matmul inputs cast to 8 bits or fewer (FP8, INT8, NVFP4)
    operand_bytes: float = field(init=False, repr=False)  # bytes per matmul input element: 2, 1 or 4.5 bits
    # an FP8 cast writes a transposed copy too (Transformer Engine on a chip whose FP8 GEMM takes only the TN layout)
    fp8_transposed_copy: bool = field(init=False, repr=False)

    def __post_init__(self):
        coeff = self.coefficients
        for name, value in (("tile_long", coeff.matmul_tile_long), ("tile_short", coeff.matmul_tile_short),
                            ("kernel_overhead", coeff.kernel_overhead),
                            # Transformer Engine's grouped GEMM (cuBLASLt, one call per expert): measured on Blackwell only
                            ("grouped_gemm_floor", coeff.grouped_gemm_expert_time
                             if self.name.startswith(BLACKWELL) else 0.0),
                            ("eight_bit", self.precision in EIGHT_BIT + FOUR_BIT),
                            ("operand_bytes", FOUR_BIT_BYTES if self.precision in FOUR_BIT
                             else 1.0 if self.precision in EIGHT_BIT else 2.0),
                            ("fp8_transposed_copy", self.precision == "fp8" and transposed_fp8_copy(self.hardware))):
            object.__setattr__(self, name, value)
        if not self.attention_rate_flash2:
            object.__setattr__(self, "attention_rate_flash2", self.attention_rate)
        if not self.attention_rate_cudnn:
            object.__setattr__(self, "attention_rate_cudnn", self.attention_rate)
        if not self.attention_rate_efficient:
            object.__setattr__(self, "attention_rate_efficient",
                               self.attention_rate_flash2 * coeff.efficient_attention_flash2_ratio)

    @property
    def name(self) -> str:
        """The chip's name as data/hardware.csv spells it (e.g. "H100 SXM5")."""
        return self.hardware.name



class MatmulShapes(NamedTuple):
    """A chip's measured matmul rates on a full grid of shapes (M, N, K), as the log of each rate over its wave
    share (the filled part of the last wave of output tiles at that shape), and that value at the best shape."""

    grid: tuple  # (M values, N values, K values), each sorted
    log_rate: dict  # (M, N, K) -> ln(measured rate / wave share)
    top: float  # log_rate at the shape measured fastest


@lru_cache(maxsize=64)
def matmul_shapes(chip: str, precision: str, compute_units: int | None) -> MatmulShapes | None:
    """The measured rates by shape of ``chip`` at ``precision`` (batch 1) in data/matmul_efficiency.csv, or None
    where there is no full grid of shapes: OpenXLA's default matmul table for its GPU cost model (sm_90: H100;
    sm_100: B200), 256 to 4096 in each of M, N and K. Each rate is divided by its shape's wave share (tiles of
    ``matmul_tile_long`` x ``matmul_tile_short`` over ``compute_units``) so that :func:`calc.perf.kernels.matmul_time`
    applies the wave share of the real shape once."""
    rows = [r for r in data.matmul_efficiency() if r["chip"] == chip and r["precision"] == precision
            and r["batch"] == 1 and r["m"] and r["n"] and r["k"]]
    grid = tuple(tuple(sorted({int(r[c]) for r in rows})) for c in ("m", "n", "k"))
    if not rows or len(rows) != len(grid[0]) * len(grid[1]) * len(grid[2]) or min(map(len, grid)) < 2:
        return None
    coeff = coefficients()
    log_rate, best, fastest = {}, None, 0.0
    for r in rows:
        m, n, k = int(r["m"]), int(r["n"]), int(r["k"])
        log_rate[m, n, k] = log(r["measured_tflops"] / wave_share(m, n, 1, coeff.matmul_tile_long,
                                                                   coeff.matmul_tile_short, compute_units))
        if r["measured_tflops"] > fastest:
            best, fastest = (m, n, k), r["measured_tflops"]
    return MatmulShapes(grid, log_rate, log_rate[best])


def wave_share(M, N, batch, tile_long: float, tile_short: float, units: int | None) -> float:
    """The filled share of the waves of output tiles of an (M x N) result over ``units`` compute units (NVIDIA,
    Matrix Multiplication Background User's Guide, wave quantization); 1 where the units are not known."""
    if not units:
        return 1.0
    tiles = ceil(max(M, N) / tile_long) * ceil(min(M, N) / tile_short) * batch
    return tiles / (ceil(tiles / units) * units)


def _sustained(row) -> bool:
    return (row["statistic"] or "").startswith("MSMF")


@lru_cache(maxsize=64)
def best_matmul_share(chip: str, precision: str) -> float | None:
    """The best measured matmul rate over the peak of ``chip`` at ``precision`` in data/matmul_efficiency.csv
    (Bekman's maximum achievable matmul FLOP/s, a burst at the boost clock; the rows that state their peak), or None
    where not measured: B200 BF16 1770.9 of 2250 TFLOP/s (78.7%), GB200 1822 of 2500 (72.9%) (S. Bekman,
    ml-engineering, compute/accelerator/README.md)."""
    shares = [r["measured_tflops"] / r["peak_tflops"] for r in data.matmul_efficiency()
              if r["chip"] == chip and r["precision"] == precision and r["peak_tflops"] and not _sustained(r)]
    return max(shares) if shares else None


@lru_cache(maxsize=64)
def sustained_matmul_share(chip: str, precision: str) -> float | None:
    """The measured sustained matmul rate over the peak of ``chip`` at ``precision`` (data/matmul_efficiency.csv's
    MSMF rows), or None where not measured: a matmul that fills the chip draws its full power and runs at the clock
    that power allows, below the boost clock of a burst. B200 BF16 1456.3 of 2250 TFLOP/s (64.7%, ~994 W at 1339
    MHz), H200 708.5 of 989 (71.6%, ~693 W at 1465 MHz) (S. Bekman, ml-engineering, compute/accelerator/README.md:
    "for training-throughput reasoning use MSMF")."""
    shares = [r["measured_tflops"] / r["peak_tflops"] for r in data.matmul_efficiency()
              if r["chip"] == chip and r["precision"] == precision and r["peak_tflops"] and _sustained(r)]
    return max(shares) if shares else None


@lru_cache(maxsize=64)
def measured_link_curve(chip: str, nominal: float, floor: float, per_node: int) -> tuple:
    """The bus bandwidth nccl-tests measures for an all-reduce over a whole node of ``chip`` (``per_node`` ranks) by
    message size (data/collective_bandwidth.csv, the mean over the sources at each size), as (ln bytes, byte/s)
    points where it beats ``floor`` (the flat rate of :func:`build_chip`), at most the links' ``nominal`` one-way
    rate; () where not measured. 8 x H100 SXM5 (NVIDIA dgxc-benchmarking, nccl/README.md): 362, 401, 422, 437 GB/s at
    64, 128, 256, 512 MiB of NVLink 4's 450, where Calculon's flat 65% [Isaev2023] is A100's NVLink 3; below 32 MiB
    (tensor-parallel decoding, small layers) the measured rate falls under that floor and the floor stands, the fixed
    costs being NCCL's latency model (calc.perf.collectives.ring_latency)."""
    sizes: dict = {}
    for r in data.collective_bandwidth():
        if (r["kind"] == "measured" and r["operation"] == "all_reduce" and r["chip"] == chip and r["fabric"] == "nvlink"
                and r["nodes"] == 1 and r["ranks"] == per_node and r["bus_bandwidth"]):
            sizes.setdefault(r["message_size"], []).append(r["bus_bandwidth"] * 1e9)
    points = [(math.log(size), min(nominal, sum(v) / len(v))) for size, v in sorted(sizes.items())]
    return tuple((x, y) for x, y in points if y > floor)


def resolve_hardware(hardware) -> data.Hardware:
    """The chip object: a ``calc.data.Hardware`` as given, or a name of data/hardware.csv looked up once."""
    return hardware if isinstance(hardware, data.Hardware) else data.hardware(hardware)


_CHIPS: dict = {}


def transposed_fp8_copy(hardware: data.Hardware) -> bool:
    """Whether Transformer Engine's FP8 casts on this chip write a transposed copy beside the row-wise one: on an
    NVIDIA chip without non-TN FP8 GEMMs (Hopper, Ada, sm120) a tensor needed column-wise (a matmul input for the
    weight gradient, an output gradient) is cast to both layouts (quantizer.cpp ``Float8Quantizer::create_tensor``
    and ``Float8CurrentScalingQuantizer::create_tensor``: ``with_transpose = columnwise_usage &&
    !nvte_is_non_tn_fp8_gemm_supported()``, TransformerEngine v2.8); a data-center Blackwell reads the one copy
    either way. Other vendors' FP8 code is not Transformer Engine's CUDA path: False there.

    What it decides: whether Transformer Engine casts a grouped product's experts in one kernel
    (:func:`calc.perf.kernels.grouped_fp8_cast`). The copy's byte is not added to the casts of
    :func:`calc.perf.kernels.matmul`: scored on the held-out runs (1,058; 843 within 15%, median |ln ratio| 0.0609),
    it left 842 within 15% at a median of 0.0620 (the Hopper FP8 runs it reaches already predicted slow, median
    measured / predicted 0.97); retried with the current-scaling casts applied (branch train80): 845 within, the
    median 0.0591 -> 0.0609. Yet TE's GEMM profiling page shows the copy: its delayed-scaling casts take 2.22x
    as long on H200 NVL as on B300, the model's passes 2.14x with the copy, 1.62x without."""
    return hardware.vendor == "NVIDIA" and not hardware.name.startswith(NON_TN_FP8)


def build_chip(hardware: data.Hardware, precision: str | None = None, float8_casts: str = "te") -> Chip:
    """The rates of ``hardware`` at ``precision`` (default: its 16-bit format), built once per chip object.

    .. math:: R_{mm} = \\eta P, \\quad R_{attn} = \\min(P, P_{16}) \\, \\eta \\, \\eta_{attn}, \\quad
              B = \\eta_{mem} B_{HBM}

    with :math:`\\eta` the measured sustained (else best) matmul rate over the dense peak :math:`P` (FP8's where
    measured), capped on Hopper at 35% of the 16-bit peak for attention [Shah2024] sec. 1; the links
    at their efficiencies of data/step_coefficients.csv [Isaev2023], and the fast links' measured rate by message size
    where data/collective_bandwidth.csv has it for a whole node of the chip (:func:`measured_link_curve`).
    """
    key = (hardware.name, precision, float8_casts)
    found = _CHIPS.get(key)
    if found is not None and found.hardware is hardware:
        return found
    built = _build(hardware, precision)
    if float8_casts != "te":  # the casts' code: the same rates (calc.perf.kernels.matmul counts its traffic)
        built = replace(built, float8_casts=float8_casts)
    _CHIPS[key] = built
    return built


def _build(hw: data.Hardware, precision: str | None) -> Chip:
    coeff = coefficients()
    precision = precision or hw.default_precision
    peak = hw.peak(precision).m_as("FLOP/s/chip")
    # a training step keeps the chip busy for seconds: the sustained matmul rate (MSMF) where measured, else the best
    # achievable (a burst; MAMF); data/hardware.csv's column first (a run's own, e.g. at a locked clock)
    eta = (hw.matmul_efficiency or sustained_matmul_share(hw.name, "bf16") or best_matmul_share(hw.name, "bf16")
           or coeff.matmul_efficiency_default)
    # 8-bit inputs reach a smaller share of their (twice higher) peak where it is measured (Bekman's FP8 MAMF, MSMF)
    eta8 = (hw.matmul_efficiency_fp8 or sustained_matmul_share(hw.name, "fp8") or best_matmul_share(hw.name, "fp8")
            or eta)
    # 4-bit inputs: their own measured share where there is one (B200: cuBLAS's block-scaled FP4 at 8192^3, a burst;
    # B300: Transformer Engine's GEMM benchmark, a layer's products pre-quantized), else the chip's 8-bit share of the
    # (twice higher) 4-bit peak
    eta4 = (sustained_matmul_share(hw.name, "fp4") or best_matmul_share(hw.name, "fp4") or eta8
            ) if precision in FOUR_BIT else eta8
    eta_matmul = eta8 if precision in EIGHT_BIT else eta4 if precision in FOUR_BIT else eta
    # Attention and element-wise kernels run at 16 bits whatever the matmul precision.
    peak16 = hw.peak(hw.default_precision).m_as("FLOP/s/chip") if hw.default_precision in hw.peaks else peak
    if hw.memory_bandwidth is None:
        raise InputError("hardware", f"data/hardware.csv has no memory bandwidth for {hw.name}")
    attention = min(peak, peak16) * eta * coeff.flash_attention_efficiency
    if hw.name.startswith(HOPPER):  # FlashAttention-2's Ampere-style kernels do not use Hopper's
        # asynchronous tensor-core instructions: 35% of the H100's peak [Shah2024] sec. 1
        attention = min(attention, peak16 * coeff.flash_attention_hopper_utilization)

    # FlashAttention-2's code (PyTorch SDPA's flash backend) on Blackwell: forward at 17% of the 16-bit peak, measured
    # (Dao-AILab/flash-attention issue 1589); elsewhere it is the chip's attention rate above
    flash2 = (min(attention, peak16 * coeff.flash_attention_2_blackwell_utilization) if hw.name.startswith(BLACKWELL)
              else attention)

    # cuDNN's fused attention (PyTorch SDPA's cuDNN backend) on Hopper: its own measured causal rate, 55% of the H100's
    # peak [Shah2024] Fig. 5; elsewhere the chip's attention rate (on Blackwell cuDNN is the chip's own kernel)
    cudnn = peak16 * coeff.cudnn_attention_hopper_utilization if hw.name.startswith(HOPPER) else attention

    def link(q, efficiency):
        return None if q is None else q.m_as("byte/s/chip") * efficiency

    curve = ()
    # A100 keeps Calculon's flat share: it is checked there on Korthikanti et al.'s per-layer times (tests/test_step.py)
    if hw.intra_node_bandwidth is not None and not hw.name.startswith("A100"):
        nominal = hw.intra_node_bandwidth.m_as("byte/s/chip")
        curve = measured_link_curve(hw.name, nominal, nominal * coeff.intra_node_efficiency, hw.chips_per_node or 1)
    return Chip(
        hw, precision, peak, peak * eta_matmul, min(peak, peak16) * eta, attention,
        hw.memory_bandwidth.m_as("byte/s/chip") * coeff.memory_efficiency, hw.chips_per_node or 1,
        link(hw.intra_node_bandwidth, coeff.intra_node_efficiency), link(hw.network_bandwidth, coeff.network_efficiency),
        None if hw.capacity is None else hw.capacity.m_as("byte/chip"), hw.compute_units, coeff, curve,
        shape_table(hw, precision), shape_table(hw, "bf16"), flash2,
        64 / coeff.blackwell_attention_head64_share if hw.name.startswith(BLACKWELL) else 0.0,
        cudnn, *attention_backward_shares(hw, coeff))


# OpenXLA's matmul tables are per GPU architecture (sm_90: Hopper; sm_100: Blackwell), measured on one chip of each
ARCHITECTURE_TABLES = ((HOPPER, "H100 SXM5"), (BLACKWELL, "B200"))


def shape_table(hw: data.Hardware, precision: str) -> MatmulShapes | None:
    """The measured rates by shape that give a matmul of ``hw`` at ``precision`` its share of the best rate: the chip's
    own table at that format (:func:`matmul_shapes`, :func:`_shape_precision`), else its own 16-bit table (an 8-bit
    product's share taken in proportion, as FP4's is from FP8's), else the table of its architecture measured on
    another chip (OpenXLA's sm_90 table, on H100, for H200 and H800; sm_100's, on B200, for GB200), its rates over the
    wave share of ``hw``'s own compute units; None where none is measured (A100, AMD, TPU, Gaudi: the wave share alone,
    :func:`calc.perf.kernels.shape_rate`)."""
    fmt = _shape_precision(precision)
    names = [hw.name] + [chip for family, chip in ARCHITECTURE_TABLES if hw.name.startswith(family) and chip != hw.name]
    for name in names:
        for p in dict.fromkeys((fmt, "bf16")):
            table = matmul_shapes(name, p, hw.compute_units)
            if table is not None:
                return table
    return None


def _shape_precision(precision: str) -> str:
    """The format whose measured rates by shape give a matmul's share of its best rate: 16-bit for bf16 and fp16,
    8-bit for fp4 (no FP4 table by shape is published: its rates by shape taken in proportion to FP8's), else its own."""
    return "bf16" if precision in ("bf16", "fp16") else "fp8" if precision in FOUR_BIT else precision


_SEQUENCE_SHARES: dict = {}  # query rows -> share: a step asks for the same few sequence lengths again and again


def attention_sequence_share(sequence: float) -> float:
    """A fused attention kernel's rate at ``sequence`` query rows over its rate at long sequences (at most 1).

    Short sequences give each (batch, head) few query blocks, so the fixed cost of each block's start (loading Q,
    the epilogue's rescale and write) weighs more: measured with batch x sequence = 16k tokens, 16 heads of 128, on
    H100 (pytorch/benchmark commit ff65cb6, data/attention_kernels.csv), FlashAttention-2's algorithm (Triton
    tutorial) runs forward at 0.69 of its 16k rate at 512, 0.82 at 1k, 0.91 at 2k, 0.96 at 4k and 0.99 at 8k
    (FlashAttention-3 0.69, 0.83, 0.91, 0.95, 0.99 in the same run). Linear in log sequence between the measured
    lengths, held at the shortest below it and 1 from the longest.
    """
    found = _SEQUENCE_SHARES.get(sequence)
    if found is not None:
        return found
    curve = _sequence_curve()
    x = log(max(sequence, 1.0))
    if x <= curve[0][0]:
        share = curve[0][1]
    elif x >= curve[-1][0]:
        share = 1.0
    else:
        share = next(y0 + (y1 - y0) * (x - x0) / (x1 - x0)
                     for (x0, y0), (x1, y1) in zip(curve, curve[1:]) if x0 <= x <= x1)
    _SEQUENCE_SHARES[sequence] = share
    return share


@lru_cache(maxsize=1)
def _sequence_curve() -> tuple[tuple[float, float], ...]:
    rows = sorted((r["sequence"], r["measured_tflops"]) for r in data.attention_kernels()
                  if r["kernel"].startswith("Triton tutorial FlashAttention-2") and r["direction"] == "forward"
                  and r["chip"] == "H100 SXM5" and r["measured_tflops"])
    if len(rows) < 2:
        raise DataError("data/attention_kernels.csv", None, "kernel",
                        "no FlashAttention-2 forward rates by sequence length on H100 SXM5")
    longest = rows[-1][1]
    return tuple((log(s), min(t / longest, 1.0)) for s, t in rows)


def attention_backward_shares(hw: data.Hardware, coeff: Coefficients) -> tuple[float, float]:
    """The fused attention's backward rate over its forward rate on ``hw``: (the chip's kernel, FlashAttention-2's code).

    Each kernel's backward runs below its forward's rate (five matrix products to two, with the atomic adds of dQ
    and the recomputed softmax), measured per chip family: FlashAttention-2 on A100, backward up to 63% of the
    peak against 73% forward [Dao2023] sec. 4.1 (0.863; ``flash_backward_rate_share``, for NVIDIA's chips before
    Hopper); on H100 the same kernel at head size 128, sequence 16k, 322 against 370 TFLOP/s [Shah2024] Fig. 5-6
    (0.870; cuDNN 0.867, FlashAttention-3 0.866 in the same figures); FlashAttention-2's code on B200 at head size
    64, sequence 16k, 334 against 379 TFLOP/s (0.880; Dao-AILab/flash-attention issue 1589). Blackwell's own
    kernels (cuDNN, FlashAttention-4) and other vendors' have no published backward-to-forward measurement here: 1.
    """
    if hw.vendor != "NVIDIA":
        return 1.0, 1.0
    if hw.name.startswith(BLACKWELL):
        return 1.0, coeff.flash2_backward_rate_share_blackwell
    share = coeff.flash_backward_rate_share_hopper if hw.name.startswith(HOPPER) else coeff.flash_backward_rate_share
    return share, share
