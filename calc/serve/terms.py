"""The chip's terms that serving shares with training: rates, collective time, achievable bandwidth.

The one door from the serving model to the performance model of the chip (``calc.perf``): the chip
object (``calc.perf.system.build_chip``: the measured best matmul rate, the fused-attention rate,
the fast-link and network bandwidths at their achievable share, from ``data/hardware.csv`` and
``data/step_coefficients.csv``) and the collectives (``calc.perf.collectives``). Nothing is
re-derived here; serving's own coefficients (the share of the memory bandwidth decode kernels reach,
fixed costs per step and layer) are in ``data/serving_coefficients.csv``.

The serving model works on numpy arrays of sizes (one per batch size of a frontier): the perf
model's terms take one size at a time, so this file lifts them to arrays. A collective's time is
affine in its bytes (a latency plus bytes over a rate, [Isaev2023]), so two evaluations give its line
for every size at once; a matmul streaming its weights is the roofline max(FLOP / R, bytes / B) of
the chip's rates ([Williams2009]; ``calc.perf.kernels.matmul_time`` adds wave quantization and a
kernel overhead per product, which serving counts per layer in ``decode_layer_overhead``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from calc import data
from calc.errors import InputError
from calc.perf import collectives, kernels
from calc.perf.system import FOUR_BIT, Chip, build_chip


@dataclass(frozen=True)
class Rates:
    """What serving reads of a chip, as plain floats (FLOP/s, byte/s, bytes), with the chip object."""

    chip: Chip
    matmul: float  # best matmul rate at the weights' compute precision, FLOP/s (decode's thin products)
    attention: float  # fused attention kernel rate, FLOP/s
    memory_bandwidth: float  # peak memory bandwidth, byte/s, x stream_share (serving applies its own achievable share)
    streaming_bandwidth: float  # what streaming kernels reach (the perf model's achievable bandwidth), byte/s
    chips_per_node: int
    capacity: float  # memory per chip, bytes
    prefill_matmul: float = 0.0  # best rate of prefill's products (FP4 weights: the FP4 rate), FLOP/s; 0: ``matmul``
    prefill_attention: float = 0.0  # the context phase's fused attention (the chip's own kernel), FLOP/s; 0: ``attention``
    product_bandwidth: float = 0.0  # what decode's dense products stream their weights at (``product_share``); 0: memory
    # decode's routed experts where the chip's MoE layers are measured at this precision (``measured_experts``): the
    # weight-streaming bandwidth (byte/s) and best rate (FLOP/s) of their grouped GEMMs; 0: ``memory_bandwidth`` x the
    # decode efficiency and ``matmul``
    expert_bandwidth: float = 0.0
    expert_rate: float = 0.0
    # bytes per routed-expert weight (padding included) of the experts whose measured layers set prefill_expert_rates'
    # rates where their format is not the rates' own (MXFP4 experts beside 16-bit layers: ``expert_format_rates``);
    # 0: the rates' weights' bytes
    expert_format: float = 0.0
    # prefill's routed experts where the chip's MoE layers of the model's expert shape are measured at 1,024 to 8,192
    # tokens (``prefill_expert_rates``): ((hidden, expert width, experts, top-k), FLOP/s) pairs, the rate of their
    # grouped GEMMs; a shape not listed: ``matmul`` x the fitted prefill efficiency
    prefill_expert_rates: tuple = ()
    # (engine, release) of data/engine_all_reduce.csv whose measured all-reduce runs the tensor-parallel all-reduce
    # inside one node (``engine_all_reduce``: the serving engine's own custom kernels); (): the chip's own path
    all_reduce_table: tuple = ()

    def __post_init__(self):
        if not self.prefill_matmul:
            object.__setattr__(self, "prefill_matmul", self.matmul)
        if not self.product_bandwidth:
            object.__setattr__(self, "product_bandwidth", self.memory_bandwidth)
        if not self.prefill_attention:
            object.__setattr__(self, "prefill_attention", self.attention)

    @property
    def name(self) -> str:
        """The chip's name in data/hardware.csv."""
        return self.chip.name


def rates(hardware: data.Hardware, precision: str) -> Rates:
    """The perf model's chip ``hardware`` with matmuls at ``precision`` (a key of the chip's peaks).

    At "fp4" (NVFP4 weights and activations, on a chip with a 4-bit peak) prefill's products, thousands of rows, run at
    the chip's FP4 rate (``calc.perf.system.build_chip``: the dense FP4 peak of data/hardware.csv at its measured or
    8-bit share); decode's, a batch of tens to hundreds of rows, at the chip's 8-bit rate: the one published NVFP4 GEMM
    at such a thin shape on B200, 1024 x 7168 x 4608, ran at 3,370 TFLOP/s (FlashInfer pull request 1979, CUTLASS
    backend), 37% of the 9 PFLOP/s FP4 peak, near the 2,796 TFLOP/s of the FP8 rate the model gives B200, where
    cuBLAS's FP4 reaches 5,239 at 8192^3 (data/matmul_efficiency.csv).

    No measured NVFP4 rate by rows replaces this flat rate. The one B200 table of NVFP4 GEMMs by rows at hand (vLLM pull
    request 20578, the "Before" of pull request 20646: vLLM's CUTLASS kernel of July 2025 on Llama 3.1 8B's 6,144 x
    4,096 product, 1 to 16,384 rows, benchmarks/kernels/bench_nvfp4_gemm.py: do_bench_cudagraph) takes 11.3-11.8 us at
    every count from 1 to 512 rows: the kernel's least time for a 14 MB product, not a rate, so its 1,102 TFLOP/s at 256
    rows (0.38 of its 1,024-row rate) says nothing of a 70B layer's products, 3 to 19 times larger, whose roofline times
    at such rows are mostly above that floor. Read as a rate by rows it put the held-out Llama 3.3 70B FP4 rows (B200,
    GB200, TensorRT-LLM 1.0 and 1.2, tens to hundreds of sequences) mostly at 0.5-0.9 of their measured throughput where
    the flat rate gives 0.9-1.1 (held-out within 20% 74.7% -> 66%); its rows above the floor (1,024 rows and more, 2,895
    to 3,904 TFLOP/s) as the rate there, this rate below, moved the held-out bias from +7.9% to +8.3% for a median of
    0.1035 -> 0.1026.

    Nor do NVIDIA AIConfigurator's measured TensorRT-LLM GEMM tables (github.com/ai-dynamo/aiconfigurator, commit
    095f58a, aic-core/src/aiconfigurator_core/systems/data/{b200_sxm,gb200}/gemm/trtllm/{1.2.0rc5,1.3.0rc10}/
    gemm_perf.parquet: latency in ms per product of the PyTorch backend's NVFP4 Linear module, BF16 input quantized in
    the forward, CUDA-graph replay, no autotuner pass in collector/trtllm/collect_gemm.py). Llama 2 70B's products at
    tensor 1, 16 to 8,192 rows, fitted as ``measured_products`` fits MI325X's: B200 3.18 TB/s of weights and 4,251
    TFLOP/s (GB200 3.26, 4,755); a 70B-size product at 16 to 256 rows streams only 1.7-2.2 TB/s, an 8B-size one 0.7-1.0.
    As decode's and prefill's rates they moved the held-out rows to 64.8% within 20% (from 75.4%; bias +7.5% -> -5.2%);
    as decode's only (prefill at the FP4 rate) to 72.8%, median 0.103 -> 0.121, TPOT 152 -> 161 of 214, TTFT 75 -> 73:
    MLPerf v5.1's B200 Llama 3.1 8B 1.2-1.5x -> 1.0-1.24x and 405B Interactive 1.44x -> 1.06x, but TensorRT-LLM 1.0's
    Llama 3.3 70B at tensor 1 0.9-1.1x -> 0.6-0.8x and the FP4 mixtures of experts slower still. The same table's H200
    FP8 products (3.32 TB/s, 1,293 TFLOP/s) in place of the rates H200's held-out rows fit (87.8% within 20%, bias +0.5%)
    gave 81.7% and -7.0%: its few-row times run above what serving engines reach.
    What the same tables do ground is the slope of those times over the weights' bytes at few rows, apart from the
    fixed time of each product (its launch and its input's quantization, 4-16 us, alike on every chip and counted by
    the fitted per-layer overhead): decode's dense weights stream at that measured share against the calibration
    chips' (``product_share``, ``Rates.product_bandwidth``).

    Prefill's attention (the context phase) runs at the chip's own fused-attention kernel, ``attention_rate_cudnn`` of
    ``calc.perf.system.build_chip`` (on Hopper cuDNN's measured SDPA, 539 TFLOP/s; elsewhere the chip's attention rate):
    TensorRT-LLM's context attention is its fmha_v2 library, whose Hopper kernels are warp-specialized TMA and GMMA
    kernels of the FlashAttention-3 kind (cpp/kernels/fmha_v2/src/fmha/warpspec/, src/fmha/hopper/), not the
    Ampere-style FlashAttention-2 code whose rate (346 TFLOP/s on H100) the training model gives PyTorch's SDPA.
    Decode's attention keeps ``attention`` (generation kernels of their own: XQA, MLA).

    >>> r = rates(data.hardware("H100 SXM5"), "bf16")
    >>> round(r.memory_bandwidth / 1e12, 2)
    3.35
    """
    return _rates(hardware.name, precision)


@lru_cache(maxsize=256)
def _rates(name: str, precision: str) -> Rates:
    base = _base_rates(name, precision)
    fitted = measured_experts(name, precision, base)
    base = replace(base, prefill_expert_rates=prefill_expert_rates(name, precision, base))
    if fitted is None:
        return base
    return replace(base, expert_bandwidth=fitted[0], expert_rate=fitted[1])


@lru_cache(maxsize=256)
def _base_rates(name: str, precision: str) -> Rates:
    hardware = data.hardware(name)
    if hardware.memory is None or hardware.memory_bandwidth is None:
        raise InputError("hardware", f"data/hardware.csv has no memory size or bandwidth for {hardware.name}")
    prefill = 0.0
    products = product_share(hardware.name, precision)  # before the 4-bit precision reads as the 8-bit rate's
    if precision in FOUR_BIT:  # prefill at the 4-bit rate, decode at the 8-bit one (see :func:`rates`)
        prefill = build_chip(hardware, precision).matmul_rate
        precision = "fp8"
    chip = build_chip(hardware, precision)
    matmul = chip.matmul_rate
    peak = hardware.memory_bandwidth.m_as("byte/s/chip")
    bandwidth = peak * stream_share(hardware.name)
    own = measured_products(hardware.name, precision)
    die = hardware.name if own is not None else same_die(hardware.name, precision)
    if die is not None:  # the compute die's measured products (the chip's own, else its sibling's): their share of the
        # die's peak bandwidth, over the fitted efficiency that decode applies (see measured_products, same_die)
        from calc.serve.phases import coefficients

        share = measured_products(die, precision)[0] / data.hardware(die).memory_bandwidth.m_as("byte/s/chip")
        bandwidth = peak * share / coefficients().decode_bandwidth_efficiency
        matmul = own[1] if own is not None else matmul  # a sibling's rate is not the chip's: its own best stays
    return Rates(chip=chip, matmul=matmul, attention=chip.attention_rate,
                 memory_bandwidth=bandwidth,
                 streaming_bandwidth=chip.memory_bandwidth, chips_per_node=chip.chips_per_node,
                 # the KV budget: kv_memory_fraction of the datasheet memory left after the weights, the basis the
                 # serving coefficients were calibrated on; the runtime's larger total (Hardware.capacity) without the
                 # engines' activation workspace counted made the calibration worse (81% -> 72% of throughput rows
                 # within 25%), so serving keeps the datasheet figure
                 capacity=hardware.memory.m_as("byte/chip"), prefill_matmul=prefill,
                 prefill_attention=chip.attention_rate_cudnn,
                 product_bandwidth=peak * products if products is not None else bandwidth)


@lru_cache(maxsize=64)
def measured_products(chip: str, precision: str) -> tuple[float, float] | None:
    """The weight-streaming bandwidth (byte/s) and the matmul rate (FLOP/s) that put a dense layer's products, as
    decode and prefill count them, on ``chip``'s own measured times at ``precision`` (data/serving_gemm.csv), or None
    where the chip has none.

    Decode and prefill run a step's dense products as one roofline over their summed weights and FLOP
    (``phases.grouped_roofline``): at ``m`` tokens, products of weights P (bytes) and 2 m (sum of n k) FLOP take
    g(P / B, F / R). B and R are fitted, least squares in ln time, to the summed measured times of the products at each
    token count (a whole layer's products: the sum the model makes). Where a chip has such measurements they replace
    the best rate of a single large GEMM (``calc.perf.system.build_chip``) and the streaming share of a copy kernel
    times the fitted ``decode_bandwidth_efficiency``: the products a serving engine runs, tuned as it tunes them.

    MI325X FP8, Llama 2 70B's four products at tensor 1 (AMD's MLPerf Inference v5.1 hipBLASLt tuning, 16 to 2,048
    tokens): B = 4.73 TB/s (of 6.0), R = 1,356 TFLOP/s, every token count within 3%; a 4096 x 3648 x 32896 GEMM
    reaches 1,519 (AMD's Max-Achievable FLOPs, data/matmul_efficiency.csv).

    A chip with no table of its own whose compute die is measured (``same_die``: MI300X, MI325X's die with HBM3 at 5.3
    TB/s and a 750 W limit) streams its products' weights at the share of its peak bandwidth the die's products reach
    (4.73 of 6.0 TB/s: 0.788, 4.18 of MI300X's 5.3), in place of its copy kernel's share relative to the calibration
    chips' (``stream_share``: 0.921 x 0.90 = 0.829 of peak); its rate stays its own measured best (MI300X: hipBLASLt's
    1,159.5 TFLOP/s at its power limit, below 1,356 x 2,100 / 1,700 at its peak clock; ``clocked`` where a clock is
    held). Against AMD's ROCm vLLM static batches (8 MI300X, Llama 3.1 70B and 405B, held out): 20 -> 21 of 32 within
    20%, median |ln ratio| 0.151 -> 0.135; the held-out headline and the calibration table as before (MI300X's
    MLPerf v4.1 row 1.37x -> 1.36x).

    >>> b, r = measured_products("MI325X", "fp8")
    >>> round(b / 1e12, 2), round(r / 1e12)
    (4.73, 1356)
    >>> measured_products("H100 SXM5", "fp8") is None
    True
    """
    from calc.serve.footprint import WEIGHT_PRECISIONS
    from calc.serve.phases import grouped_roofline

    rows = [r for r in data.serving_gemm() if r["chip"] == chip and r["precision"] == precision]
    if not rows:
        return None
    per_weight = WEIGHT_PRECISIONS[precision][0] if precision in WEIGHT_PRECISIONS else 1.0
    sums = {}  # tokens -> [weight bytes, FLOP, seconds] of the products measured at that count
    for r in rows:
        s = sums.setdefault(float(r["m"]), [0.0, 0.0, 0.0])
        s[0] += per_weight * r["n"] * r["k"]
        s[1] += 2.0 * r["m"] * r["n"] * r["k"]
        s[2] += r["measured_time"]
    w, f, t = (np.array(c) for c in zip(*sums.values()))
    if len(t) < 2:
        raise InputError("hardware", f"data/serving_gemm.csv: {chip} {precision} needs products at two token counts "
                                     "or more (a bandwidth and a rate)")
    # a coarse-to-fine grid over ln B and ln R around the bandwidth of the fewest tokens and the rate of the most
    b0, r0 = np.log(w[np.argmin(f / w)] / t[np.argmin(f / w)]), np.log(f[np.argmax(f / w)] / t[np.argmax(f / w)])
    width = 0.7
    for _ in range(4):
        lb = b0 + np.linspace(-width, width, 41)[:, None, None]
        lr = r0 + np.linspace(-width, width, 41)[None, :, None]
        err = np.log(grouped_roofline(w / np.exp(lb), f / np.exp(lr)) / t)
        i, j = np.unravel_index(np.argmin((err ** 2).sum(axis=2)), err.shape[:2])
        b0, r0 = float(lb[i, 0, 0]), float(lr[0, j, 0])
        width /= 8
    return float(np.exp(b0)), float(np.exp(r0))


def _moe_shape(row):
    """The serving shape of the routed experts of a measured MoE layer (data/serving_moe.csv): gated, as every measured
    layer is (SwiGLU)."""
    from calc.serve.phases import Shape

    h, f = int(row["hidden"]), int(row["expert_width"])
    return Shape(layers=1, d_model=h, heads=1, qk_dim=1, v_dim=1, dense=0.0, unembedding=0.0, embedding=0.0,
                 expert=3.0 * h * f, experts=int(row["experts"]), per_token=int(row["top_k"]), moe_layers=1,
                 kv_elements=1, latent=False, kv_heads=1, attention_width=1, expert_ff=f, gated=True)


def measured_experts(chip: str, precision: str, base: Rates | None = None) -> tuple[float, float] | None:
    """The weight-streaming bandwidth (byte/s) and the best rate (FLOP/s) that put a mixture-of-experts layer's grouped
    GEMMs, as decode counts them, on ``chip``'s measured MoE layers at ``precision`` (data/serving_moe.csv), or None
    where the chip has none.

    Decode counts one rank's MoE layer over n tokens as the grouped roofline of the experts the tokens touch (their
    weights and the GEMMs' rows over B) and their products at tile and wave quantization (rate R), plus the routing
    kernels (``phases.moe_routing``). B and R are fitted, least squares in ln time, to the measured layers at decode's
    token counts (at most 4,096 tokens entering a rank), each counted as the model counts it on the measured layout
    (expert parallel E x tensor T: ``phases.Layout(tensor=E T, expert=E)``); the routing kernels stay the model's.
    The measured layer is the engine's fused module, tuned as it runs (NVIDIA AIConfigurator's TensorRT-LLM 1.2.0rc5
    tables); where a chip has it, it replaces the copy kernel's share of the peak bandwidth x the fitted
    ``decode_bandwidth_efficiency`` and the best rate of one large GEMM for decode's routed experts (prefill's
    take their own rate from the same layers at prefill's sizes: ``prefill_expert_rates``). Without it the model's MoE layer ran at 0.64-0.93 of the measured on H200 FP8 (median 0.86), 0.52-0.81
    on B200 FP8 and 0.60-0.94 on B200 NVFP4: the layer streams its experts below the copy kernel's share and its
    products reach a fraction of one large GEMM's rate at tens of rows an expert. Fitted: H200 FP8 3.67 TB/s (of 4.8)
    and 773 TFLOP/s, B200 FP8 4.12 TB/s (of 8.0) and 2,672, B200 NVFP4 4.78 TB/s and 2,169 (decode's 4-bit products
    counted at the 8-bit rate, see ``rates``); each measured layer within 0.75-1.23 of it, median |ln ratio| 0.06-0.08
    against 0.15-0.33 before (tests/test_serve.py).

    >>> b, r = measured_experts("H200 SXM", "fp8")
    >>> round(b / 1e12, 2), round(r / 1e12)
    (3.67, 773)
    >>> measured_experts("H100 SXM5", "fp8") is None
    True
    """
    if len(_decode_moe_rows(chip, precision)) < 2:
        return None
    return _fit_experts(chip, precision, base or _base_rates(chip, precision))


def moe_layer_parts(row, r: Rates) -> tuple[float, float, float]:
    """A measured MoE layer of data/serving_moe.csv as decode counts it on ``r``'s chip: (bytes its grouped GEMMs
    stream: the touched experts' weights on one rank and the GEMMs' own rows; seconds of their products at a best
    rate of 1 FLOP/s, tile and wave quantization and shape shares included; seconds of the routing kernels), on the
    measured layout (expert parallel E x tensor T: ``phases.Layout(tensor=E T, expert=E)``), ``row["tokens"]``
    tokens entering the rank. The layer takes ``grouped_roofline(bytes / B, products / R) + routing``."""
    from calc.serve import footprint
    from calc.serve.footprint import WEIGHT_PRECISIONS
    from calc.serve.phases import Layout, coefficients, expert_matmuls, moe_routing

    s = _moe_shape(row)
    lay = Layout(tensor=int(row["tensor"] * row["expert_parallel"]), expert=int(row["expert_parallel"]))
    n = np.array([float(row["tokens"])])
    per_weight = WEIGHT_PRECISIONS[row["precision"]][0] * _padded(row)
    touched = footprint.experts_touched(n, s.experts, s.per_token)
    routing, gemm_bytes = moe_routing(s, lay, r, n, r.memory_bandwidth * coefficients().decode_bandwidth_efficiency)
    products = float(expert_matmuls(s, lay, r, n, 1.0)[0])
    return float(touched[0] * s.expert * per_weight / lay.tensor + gemm_bytes[0]), products, float(routing[0])


# The model reads measured MoE layers (decode's ``measured_experts``, prefill's ``prefill_expert_rates``) of
# DeepSeek-V3/R1's and Qwen3 235B-A22B's experts (block-scaled FP8 or NVFP4, expert parallel 4 or 8, tensor 1) on H200
# and B200 (and the chips of their die and memory, ``moe_sibling``). data/serving_moe.csv's other shapes (Qwen3
# 30B-A3B, Mixtral 8x7B and 8x22B, Llama 4 Scout and Maverick, GPT-OSS 120B), layouts (tensor 4 and 8) and chip (H100)
# test that fit out of sample (tests/test_serve_moe_shapes.py, benchmarks/moe_shapes.py); read by the model they made
# the held-out figures worse, each tried apart: H100's own decode fit (2.64 TB/s and 793 TFLOP/s on these shapes) median
# |ln ratio| 0.0832 -> 0.0846; decode fitted on every shape and layout 0.0832 -> 0.088; prefill at every measured
# shape's own rate (Mixtral's per-tensor FP8 at 1,620-1,653 TFLOP/s on Hopper, above the model's 1,179-1,284) 0.0832
# -> 0.0863, TTFT 95 -> 94 and TPOT 158 -> 157 within 25% of 233; prefill on H100's measured layers too 0.0832 -> 0.0841.
# Tried again on 1,166 rows (branch h100moe, H100 read as H200 and B200 are, decode's FP8 fit and prefill's MXFP4 rate):
# median 0.0929 -> 0.0937, closed loops 66.0% -> 65.3% within 20%, within 73.07% -> 73.16%; not kept
# (benchmarks/h100_moe_terms.py).
MOE_FIT_CHIPS = ("H200 SXM", "B200")
MOE_FIT_SHAPES = ((7168, 2048, 256, 8), (4096, 1536, 128, 8))  # (hidden, expert width, experts, top-k)


def _padded(row) -> float:
    """Weights a measured layer's kernel stores per weight of its experts (``footprint.padded_experts``: MXFP4 experts on
    Hopper padded as TensorRT-LLM's Triton MoE takes them; 1 for every other format)."""
    from calc.serve import footprint

    return footprint.padded_experts(row["precision"], data.hardware(row["chip"]).peaks, int(row["hidden"]),
                                    int(row["expert_width"]), True)


# Expert formats whose measured MoE layers prefill reads where the rest of the model is in another format: MXFP4 experts
# (GPT-OSS) beside 16-bit attention on Hopper, TensorRT-LLM's Triton MoE (W4A16: each MXFP4 weight dequantised to BF16
# in OpenAI's triton_kernels matmul_ogs, tensorrt_llm/_torch/modules/fused_moe/fused_moe_triton.py; AIConfigurator's
# collector/trtllm/collect_moe.py sets moe_backend "triton" for GPT-OSS on SM 90-99, as the perf overview's GPT-OSS
# options do on Hopper: "moe_config: backend: ... Hopper: use TRITON")
FORMAT_MEASURED_EXPERTS = ("mxfp4",)


@lru_cache(maxsize=64)
def _format_prefill(chip: str, expert_precision: str) -> tuple:
    """Prefill's rate by expert shape, ((hidden, expert width, experts, top-k), FLOP/s) pairs, fitted to the measured
    MoE layers in ``expert_precision`` (``FORMAT_MEASURED_EXPERTS``) of ``chip`` or of its die and memory
    (``moe_sibling``), where that is a chip whose measured layers the model reads (``MOE_FIT_CHIPS``), at 1,024 to
    8,192 tokens, tensor 1 (``fit_prefill_experts``, on the chip's rates at the kernel's activations); () where none."""
    from calc.serve import footprint

    if expert_precision not in FORMAT_MEASURED_EXPERTS:
        return ()
    c = chip if chip in MOE_FIT_CHIPS else moe_sibling(chip, expert_precision)
    if c not in MOE_FIT_CHIPS:  # as prefill_expert_rates: H100's own layers made the held-out figures worse (above)
        return ()
    r = _base_rates(chip, footprint.expert_activation(expert_precision, data.hardware(chip).peaks) or "bf16")
    by_shape = {}
    for x in data.serving_moe():
        if x["chip"] == c and x["precision"] == expert_precision and x["tensor"] == 1 and 1024 <= x["tokens"] <= 8192:
            by_shape.setdefault(_moe_key(x), []).append(x)
    return tuple((k, fit_prefill_experts(v, r)) for k, v in sorted(by_shape.items()) if len(v) >= 2)


def expert_format_rates(r: Rates, chip: str, expert_precision: str, expert_bytes: float) -> Rates:
    """``r`` with prefill's routed experts at ``chip``'s measured MoE layers in ``expert_precision`` where the experts
    are in another format than the rest (``FORMAT_MEASURED_EXPERTS``) and the chip, or its die and memory, has them
    (``_format_prefill``: the grouped GEMMs' rate by shape, fitted as ``prefill_expert_rates`` fits the FP8 layers');
    ``expert_bytes`` (bytes per expert weight as the model holds them, padding included) marks which experts the rates
    are for (``Rates.expert_format``). Else ``r`` as it is.

    GPT-OSS 120B's MXFP4 experts on H200 (TensorRT-LLM 1.2.0rc5's Triton MoE, data/serving_moe.csv, tensor 1): 0.71 /
    0.97 / 2.06 / 4.00 ms a layer at 1,024 / 2,048 / 4,096 / 8,192 tokens, where prefill at the fitted efficiency x
    the chip's 709 TFLOP/s BF16 rate (649) gave 0.70 / - / 1.51 / 2.95 ms: fitted 506 TFLOP/s. Held-out: the two
    TensorRT-LLM 1.2 GPT-OSS 120B rows on one H200 1.68 -> 1.61x (1,000 / 1,000) and 1.14 -> 1.06x (8,192 / 1,024);
    median |ln ratio| 0.0830 -> 0.0829, bias +9.19% -> +9.18%, the rest as before. Decode's experts keep the model's rates: at
    decode's sizes the measured layer is where the model's puts it (32 / 256 / 512 / 1,024 tokens: the model's 0.56 /
    0.87 / 1.04 / 1.24 of the measured; a fit of decode's bandwidth and rate to these layers, as ``measured_experts``
    fits the FP8 ones, departs from them as much, 0.72-1.33, and moved the held-out rows by that misfit).

    >>> r = rates(data.hardware("H200 SXM"), "bf16")
    >>> f = expert_format_rates(r, "H200 SXM", "mxfp4", 0.5631687242798353)
    >>> round(dict(f.prefill_expert_rates)[(2880, 2880, 128, 4)] / 1e12), f.expert_bandwidth == r.expert_bandwidth
    (506, True)
    >>> expert_format_rates(r, "H200 SXM", "fp8", 1.0) is r, expert_format_rates(r, "H100 SXM5", "mxfp4", 0.56) is r
    (True, True)
    """
    prefill = _format_prefill(chip, expert_precision)
    if not prefill:
        return r
    shapes = dict(prefill)
    return replace(r, expert_format=float(expert_bytes),
                   prefill_expert_rates=tuple(x for x in r.prefill_expert_rates if x[0] not in shapes) + prefill)


def _moe_key(row) -> tuple:
    return int(row["hidden"]), int(row["expert_width"]), int(row["experts"]), int(row["top_k"])


def _decode_moe_rows(chip: str, precision: str) -> list:
    """The measured MoE layers of ``chip`` at ``precision`` at decode's token counts (16 to 4,096 entering a rank) that
    decode's fit reads (``MOE_FIT_CHIPS``, ``MOE_FIT_SHAPES`` at tensor 1), or where it has none those of its die
    and memory (``moe_sibling``)."""
    def rows(c):
        if c not in MOE_FIT_CHIPS:
            return []
        return [x for x in data.serving_moe() if x["chip"] == c and x["precision"] == precision
                and 16 <= x["tokens"] <= 4096 and x["tensor"] == 1 and _moe_key(x) in MOE_FIT_SHAPES]

    own = rows(chip)
    sibling = None if own else moe_sibling(chip, precision)
    return own or (rows(sibling) if sibling else [])


@lru_cache(maxsize=64)
def moe_sibling(chip: str, precision: str) -> str | None:
    """The first chip (by name) of data/serving_moe.csv measured at ``precision`` with ``chip``'s compute die and memory:
    as many compute units and the same peak memory bandwidth in data/hardware.csv (GB200 and B200: 148 SMs and 8 TB/s of
    HBM3e, GB200 at a higher power limit; H200 NVL and H200 SXM: 132 SMs and 4.8 TB/s at 600 W against 700 W); None
    where there is none. A decode MoE layer streams its experts and runs tens of rows an expert: the die and its memory
    set its time, as GB200 takes B200's measured matmul share (data/hardware.csv).

    >>> moe_sibling("GB200", "fp4"), moe_sibling("H200 NVL", "fp8"), moe_sibling("H100 SXM5", "fp8")
    ('B200', 'H200 SXM', None)
    """
    return _sibling(chip, {r["chip"] for r in data.serving_moe() if r["precision"] == precision},
                    lambda other, own: other.memory_bandwidth == own.memory_bandwidth)


@lru_cache(maxsize=64)
def _fit_experts(chip: str, precision: str, r: Rates) -> tuple[float, float]:
    return fit_experts(_decode_moe_rows(chip, precision), r)


def fit_experts(rows, r: Rates) -> tuple[float, float]:
    """The weight-streaming bandwidth (byte/s) and best rate (FLOP/s) that put measured MoE layers ``rows`` (of
    data/serving_moe.csv) as decode counts them on ``r``'s chip (``moe_layer_parts``) nearest their measured times,
    least squares in ln time (``measured_experts``)."""
    from calc.serve.phases import coefficients, grouped_roofline

    parts = [moe_layer_parts(x, r) for x in rows]
    w, f, k = (np.array(c) for c in zip(*parts))
    t = np.array([x["measured_time"] for x in rows])
    # a coarse-to-fine grid over ln B and ln R around the decode bandwidth and the best rate the chip has without them
    b0, r0 = np.log(r.memory_bandwidth * coefficients().decode_bandwidth_efficiency), np.log(r.matmul)
    width = 1.5
    for _ in range(5):
        lb = b0 + np.linspace(-width, width, 41)[:, None, None]
        lr = r0 + np.linspace(-width, width, 41)[None, :, None]
        err = np.log((grouped_roofline(w / np.exp(lb), f / np.exp(lr)) + k) / t)
        i, j = np.unravel_index(np.argmin((err ** 2).sum(axis=2)), err.shape[:2])
        b0, r0 = float(lb[i, 0, 0]), float(lr[0, j, 0])
        width /= 8
    return float(np.exp(b0)), float(np.exp(r0))


# prefill's experts read the measured layers at FP8 only: B200's NVFP4 rows are the least of two kernels (CUTLASS and
# TensorRT-LLM-gen's), which differ by up to 3.5x at prefill's sizes (Qwen3 235B-A22B at tensor 8, 4,096 tokens: 0.62
# against 0.16 ms) and of which the one a served model's prompts run is not stated at a source at hand
PREFILL_MEASURED_PRECISIONS = ("fp8",)


@lru_cache(maxsize=64)
def prefill_expert_rates(chip: str, precision: str, base: Rates | None = None) -> tuple:
    """The rate (FLOP/s) of prefill's routed-expert grouped GEMMs by expert shape, ((hidden, expert width, experts,
    top-k), rate) pairs, fitted to the measured MoE layers the model reads (``MOE_FIT_CHIPS``, ``MOE_FIT_SHAPES``) of
    ``chip`` or of its die and memory (``moe_sibling``) at ``precision``, 1,024 to 8,192 tokens entering a rank, tensor 1
    (data/serving_moe.csv: TensorRT-LLM 1.2.0rc5's fused MoE module, NVIDIA AIConfigurator); () where there are none or
    at another precision than ``PREFILL_MEASURED_PRECISIONS``. ``phases.prefill`` runs the routed experts of a model
    of that shape at that rate, in place of the chip's best rate x the fitted ``prefill_matmul_efficiency``.

    Prefill counts a rank's MoE layer over n tokens as max(products / R, (touched experts' weights + the GEMMs' rows) /
    the streaming bandwidth) plus the routing kernels (``phases.prefill``, ``phases.moe_routing``); R is fitted, least
    squares in ln time, by shape: at prefill's sizes the measured rate follows each expert's GEMM, not one rate a chip
    (H200, 1,024-8,192 tokens, tensor 1: Qwen3 30B-A3B's 2048 x 768 block-scaled FP8 experts 317 TFLOP/s, DeepSeek-V3's
    7168 x 2048 472, Qwen3 235B-A22B's 4096 x 1536 493, Mixtral 8x7B's 4096 x 14336 in per-tensor FP8 1,620; H100
    296 / 501 / 499 / 1,653). The fine-grained block-scaled experts run at 0.4 of the 1,179 TFLOP/s (0.915 x 1,289) the
    model gave them on H200 (B200 Qwen3 235B: 1,353 against 2,558): the model's layer took 0.54-0.79 of the measured.
    Held-out (benchmarks/validate_serve): within 20% 77.3% -> 77.4%, median |ln ratio| 0.0832 -> 0.0830, bias +9.48%
    -> +9.19%, TTFT and TPOT within 25% as before (95 and 158 of 233), closed loops 92.8% -> 93.8%, static batches and
    the calibration table as before; DeepSeek-R1 median 0.564 -> 0.356, DeepSeek-V3 0.157 -> 0.153, Qwen3 235B-A22B
    0.209 -> 0.238 (bias +5.8% -> +2.4%).

    >>> rates_ = dict(prefill_expert_rates("H200 SXM", "fp8"))
    >>> round(rates_[(7168, 2048, 256, 8)] / 1e12), round(rates_[(4096, 1536, 128, 8)] / 1e12)
    (472, 493)
    >>> prefill_expert_rates("B200", "fp4"), prefill_expert_rates("H100 SXM5", "fp8")
    ((), ())
    """
    if precision not in PREFILL_MEASURED_PRECISIONS:
        return ()
    c = chip if chip in MOE_FIT_CHIPS else moe_sibling(chip, precision)
    if c not in MOE_FIT_CHIPS:
        return ()
    r = base or _base_rates(chip, precision)
    by_shape = {}
    for x in data.serving_moe():
        if x["chip"] == c and x["precision"] == precision and 1024 <= x["tokens"] <= 8192 and x["tensor"] == 1 \
                and _moe_key(x) in MOE_FIT_SHAPES:
            by_shape.setdefault(_moe_key(x), []).append(x)
    return tuple((shape, fit_prefill_experts(rows, r)) for shape, rows in sorted(by_shape.items()) if len(rows) >= 2)


def prefill_layer_parts(row, r: Rates) -> tuple[float, float, float]:
    """A measured MoE layer of data/serving_moe.csv as prefill counts it on ``r``'s chip (``phases.prefill``): (seconds
    of its grouped GEMMs' products at a rate of 1 FLOP/s, tile and wave quantization and shape shares included; seconds
    of the touched experts' weights and the GEMMs' rows at the streaming bandwidth; seconds of the routing kernels), on
    the measured layout, ``row["tokens"]`` tokens entering the rank. The layer takes max(products / R, weights) +
    routing."""
    from calc.serve import footprint
    from calc.serve.phases import Layout, expert_matmuls, moe_routing

    bw = r.streaming_bandwidth
    s = _moe_shape(row)
    lay = Layout(tensor=int(row["tensor"] * row["expert_parallel"]), expert=int(row["expert_parallel"]))
    n = np.array([float(row["tokens"])])
    weights = s.expert * footprint.experts_touched(n, s.experts, s.per_token) / lay.tensor \
        * footprint.WEIGHT_PRECISIONS[row["precision"]][0] * _padded(row)
    routing, gemm_bytes = moe_routing(s, lay, r, n, bw)
    return float(expert_matmuls(s, lay, r, n, 1.0)[0]), float((weights + gemm_bytes)[0]) / bw, float(routing[0])


def fit_prefill_experts(rows, r: Rates) -> float:
    """The grouped GEMMs' rate (FLOP/s) that puts measured MoE layers ``rows`` (of data/serving_moe.csv) as prefill
    counts them on ``r``'s chip (``prefill_layer_parts``) nearest their measured times, least squares in ln time
    (``prefill_expert_rates``)."""
    unit, stream, kernels = (np.array(c) for c in zip(*[prefill_layer_parts(x, r) for x in rows]))
    t = np.array([x["measured_time"] for x in rows])
    lr = np.log(r.matmul) + np.linspace(-3.0, 1.0, 4001)[:, None]  # 0.05 to 2.7 x the chip's best rate, 0.1% steps
    err = np.log((np.maximum(unit / np.exp(lr), stream) + kernels) / t)
    return float(np.exp(lr[np.argmin((err ** 2).sum(axis=1)), 0]))


@lru_cache(maxsize=64)
def rate_per_clock(chip: str, precision: str) -> float | None:
    """FLOP/s per MHz of the GPU clock of a dense layer's products at ``precision`` on ``chip``'s compute die: the rate
    of ``measured_products`` over the clock it was measured at (data/serving_gemm.csv ``clock_mhz``), from the chip's
    own measurements or, where it has none, those of a chip with the same compute die (as many compute units and the
    same dense peak at ``precision`` in data/hardware.csv: MI300X and MI325X, CDNA 3's 304 CUs at 2,614.9 TFLOP/s FP8,
    MI325X changing the memory and the power limit); None where neither is measured at a stated clock. A matrix core
    does its FLOP per clock: the products' compute-bound time scales with the clock (the weights' streaming does not).

    >>> round(rate_per_clock("MI300X", "fp8") / 1e9)  # MI325X's 1,356 TFLOP/s at 1,700 MHz
    798
    """
    c = chip if measured_products(chip, precision) is not None else same_die(chip, precision)
    if c is not None:
        clocks = {r["clock_mhz"] for r in data.serving_gemm() if r["chip"] == c and r["precision"] == precision}
        if len(clocks) == 1 and None not in clocks:
            return measured_products(c, precision)[1] / clocks.pop()
    return None


def _sibling(chip: str, measured: set[str], alike) -> str | None:
    """The first chip (by name) of ``measured`` other than ``chip`` with as many compute units as it in
    data/hardware.csv and ``alike(other, own)`` (both Hardware rows); None where there is none or ``chip`` has no
    compute-unit count: the one rule by which a chip borrows a die sibling's measurement (``same_die``,
    ``moe_sibling``)."""
    chips = data.hardware_table()
    own = chips.get(chip)
    if own is None or not own.compute_units:
        return None
    return next((c for c in sorted(measured - {chip}) if chips[c].compute_units == own.compute_units
                 and alike(chips[c], own)), None)


@lru_cache(maxsize=64)
def same_die(chip: str, precision: str) -> str | None:
    """The first chip (by name) of data/serving_gemm.csv measured at ``precision`` whose compute die is ``chip``'s: as
    many compute units and the same dense peak at ``precision`` in data/hardware.csv (MI300X and MI325X: CDNA 3's 304
    CUs at 2,614.9 TFLOP/s FP8, MI325X changing the memory and the power limit); None where there is none.

    >>> same_die("MI300X", "fp8"), same_die("H100 SXM5", "fp8")
    ('MI325X', None)
    """
    return _sibling(chip, {r["chip"] for r in data.serving_gemm() if r["precision"] == precision},
                    lambda other, own: other.peaks.get(precision) == own.peaks.get(precision))


def clocked(r: Rates, precision: str, clock_mhz: float) -> Rates:
    """``r`` with the GPU clock held at most ``clock_mhz`` MHz (AMD's MLPerf harness: rocm-smi --setperfdeterminism,
    data/serving_clocks.csv): the products at ``rate_per_clock`` x the clock, at most the chip's own rate (a chip whose
    power limit already holds its clock below the cap, as MI300X's 750 W does under FP8 GEMMs, gains nothing);
    prefill's products in proportion. Bandwidths, attention and element-wise kernels are left as they are. Unchanged
    where the die's rate per clock is not measured.

    >>> r = clocked(rates(data.hardware("MI300X"), "fp8"), "fp8", 1300)
    >>> round(r.matmul / 1e12)  # 1,356 x 1,300 / 1,700, below MI300X's own 1,159.5
    1037
    >>> round(clocked(rates(data.hardware("MI300X"), "fp8"), "fp8", 2000).matmul / 1e12)
    1160
    """
    if not clock_mhz > 0:
        raise InputError("clock", f"expected a clock in MHz above 0, got {clock_mhz!r:.40}")
    per = rate_per_clock(r.name, precision)
    if per is None:
        return r
    rate = min(r.matmul, per * clock_mhz)
    return replace(r, matmul=rate, prefill_matmul=r.prefill_matmul * rate / r.matmul)


PRODUCT_KERNELS = {"bf16": "products bf16", "fp16": "products bf16", "fp8": "products fp8", "fp4": "products nvfp4"}
# the serving precision -> data/memory_bandwidth.csv's kernel of decode-size products in that format (fp16 as bf16)


def _product_share(chip: str, kernel: str) -> float | None:
    """``chip``'s measured weight streaming of decode-size products of ``kernel`` over its peak, or None."""
    shares = [r["measured_tbps"] / r["peak_tbps"] for r in data.memory_bandwidth()
              if r["chip"] == chip and r["kernel"] == kernel]
    return max(shares) if shares else None


@lru_cache(maxsize=64)
def product_share(chip: str, precision: str) -> float | None:
    """The share of its peak memory bandwidth at which ``chip``'s decode products in ``precision`` stream their weights,
    against that of the chips the serving coefficients were fitted on; None where the chip has no such measurement or
    is one of those chips (the fitted ``decode_bandwidth_efficiency`` is their share).

    .. math:: s = \\min\\Big(1, \\frac{B_p / B_{peak}}{\\overline{B_c / B_{peak,c}}}\\Big)

    B_p: the weight bytes a second of the chip's TensorRT-LLM Linear products at 16 rows stream in ``precision``, the
    slope of their measured latency over their weight bytes (NVIDIA AIConfigurator's measured GEMM tables, fitted
    latency = fixed + bytes / B over the products of 8 MB of weights or more; data/memory_bandwidth.csv, kernel
    "products <format>"); the mean over every product row of the calibration chips of data/serving_calibration.csv
    (H100 SXM5 and H200 SXM in BF16 and FP8, A100 in BF16: 0.795-0.873 of peak, mean 0.838). The fixed time of a
    product (4-16 us: its launch, the input's quantization) is alike on every chip, as the per-layer overhead the
    calibration fits counts it; only the streaming differs. Blackwell's products stream less of their peak: B200's
    BF16 5.96 and FP8 5.85 of 8 TB/s (0.745, 0.731), its NVFP4 4.61 (0.576: the 4-bit products at few rows run
    far below their bytes' roofline), GB200's 4.66, B300's 4.12, GB300's 4.29.

    >>> round(product_share("B200", "fp4"), 3), round(product_share("B200", "fp8"), 3), product_share("H200 SXM", "fp8")
    (0.688, 0.873, None)
    """
    kernel = PRODUCT_KERNELS.get(precision)
    calibration = sorted({r["hardware"] for r in data.serving_calibration()})
    if kernel is None or chip in calibration:
        return None
    own = _product_share(chip, kernel)
    if own is None:
        return None
    others = [x for c in calibration for k in sorted(set(PRODUCT_KERNELS.values()))
              if (x := _product_share(c, k)) is not None]
    return min(1.0, own / (sum(others) / len(others))) if others else None


def _copy_share(chip: str) -> float | None:
    """The best measured streaming copy bandwidth of ``chip`` over its peak (data/memory_bandwidth.csv), or None."""
    shares = [r["measured_tbps"] / r["peak_tbps"] for r in data.memory_bandwidth()
              if r["chip"] == chip and r["kernel"] == "copy"]
    return max(shares) if shares else None


@lru_cache(maxsize=64)
def stream_share(chip: str) -> float:
    """The share of its peak memory bandwidth ``chip``'s decode kernels reach against that of the chips the serving
    coefficients were fitted on: its measured streaming copy over its peak (data/memory_bandwidth.csv), divided by
    the mean of the same over the other chips of data/serving_calibration.csv that have one, at most 1 (the fitted
    ``decode_bandwidth_efficiency`` is at its upper bound, Calculon's 90% [Isaev2023]: no chip reaches more of its
    peak than the fit gives); 1 where the chip has no measurement.

    One benchmark on every chip (BabelStream in Microsoft Azure's AI-benchmarking-guide): H100 SXM5 copies at 2.90 of
    3.35 TB/s (0.866), H200 4.01 of 4.8 (0.835), MI300X at best 4.15 of 5.3 (0.783, a later run than 4.11): MI300X's
    decode reaches 0.783 / 0.851 = 0.921 of the share the fit gives the NVIDIA chips. Blackwell streams as much of its
    peak as Hopper: GB300's STREAM-like triad 7.14 of 8 TB/s (0.89, H100's triad 2.97 of 3.35: 0.89), GB200's best
    copy or triad 6.98 (0.87); recorded, not read (not a copy kernel), and either would give 1.

    >>> round(stream_share("MI300X"), 3), stream_share("H100 SXM5"), stream_share("B200")
    (0.921, 1.0, 1.0)
    """
    own = _copy_share(chip)
    if own is None:
        return 1.0
    others = [x for x in (_copy_share(c) for c in sorted({r["hardware"] for r in data.serving_calibration()})
                          if c != chip) if x is not None]
    return min(1.0, own / (sum(others) / len(others))) if others else 1.0


def matmul_time(r: Rates, flop, nbytes, bandwidth: float, rate: float | None = None):
    """Seconds of matrix products doing ``flop`` while streaming ``nbytes`` (arrays): the roofline
    max(FLOP / rate, bytes / bandwidth) [Williams2009], the rate the chip's measured best, the
    bandwidth what the caller's kernels reach."""
    return np.maximum(flop / (rate or r.matmul), nbytes / bandwidth)


def grouped_matmul_time(r: Rates, rows, K: int, N: int, groups, rate: float | None = None):
    """Seconds of the multiplications of one grouped matrix product: ``groups`` products (rows x K)(K x N)
    in one launch, as a mixture of experts' grouped GEMM runs each expert's tokens against its weights
    (``rows`` an array: the tokens each expert gets, on average). ``calc.perf.kernels.matmul_time``'s
    quantization lifted to arrays and counted over all the groups: each group's output padded to whole
    tiles (tile quantization), the launch's tiles over the chip's compute units in whole waves (wave
    quantization) [Isaev2023]; NVIDIA, Matrix Multiplication Background User's Guide; and each group at its shape's
    measured share of the best rate (``group_shape_share``: the step model's ``calc.perf.kernels.shape_share``, as
    ``calc.perf.kernels.shape_rate`` gives a product its ``R s w``). The weights' bytes and the fixed cost per kernel
    are the caller's (the experts touched; ``decode_layer_overhead``).

    >>> r = rates(data.hardware("H100 SXM5"), "fp8")
    >>> t = grouped_matmul_time(r, 40.0, 4096, 3584, 8)        # 40 tokens an expert: tiles of 64 rows
    >>> round(float(2 * 40 * 4096 * 3584 * 8 / t / r.matmul), 2)  # share of the best rate
    0.53
    """
    chip = r.chip
    M = np.asarray(rows, dtype=float)
    best = rate or r.matmul
    flop = 2.0 * M * K * N * groups
    if not chip.compute_units:
        return flop / best
    Mt = np.maximum(np.ceil(M), 1.0)
    long_, short = np.maximum(Mt, N), np.minimum(Mt, N)
    big = np.ceil(long_ / chip.tile_long) * np.ceil(short / chip.tile_short)
    big_filled = np.maximum(M, 1e-9) * N / (big * chip.tile_long * chip.tile_short)
    # fewer rows than a tile: the grouped GEMM takes a tile of 16, 32 or 64 rows by N's tile (TensorRT-LLM's
    # MoE GEMM configurations, cutlass_extensions gemm_configs.h: CtaShape16x128x64 ... CtaShape128x128x64). The
    # fastest of the engine's candidate tiles at the shape instead (TensorRT-LLM's AutoTuner over its sm90/sm100 grouped
    # tiles of 16-128 tokens) was tried and not kept: held-out bias +9.19% -> +9.48%, TPOT 158 -> 157 of 233, median
    # 0.0830 -> 0.0832 (tests/test_serve_frontier_tiles.py's docstring has the numbers)
    tm = np.clip(2.0 ** np.ceil(np.log2(Mt)), 16.0, chip.tile_short)
    small = np.ceil(Mt / tm) * np.ceil(N / chip.tile_short)
    small_filled = np.maximum(M, 1e-9) * N / (small * tm * chip.tile_short)
    few = Mt < chip.tile_short
    per_group = np.where(few, small, big)
    filled = np.where(few, small_filled, big_filled)  # tile quantization
    tiles = per_group * np.ceil(groups)
    waves = np.ceil(tiles / chip.compute_units) * chip.compute_units  # wave quantization
    return flop / (best * filled * tiles / waves * group_shape_share(chip, M, K, N))


def group_shape_share(chip: Chip, rows, K: int, N: int):
    """The measured share of the best rate at one group's shape (``rows`` x K)(K x N), wave quantization aside
    (``calc.perf.kernels.shape_share``: the chip's rates by shape, OpenXLA's sm_90 and sm_100 tables of
    data/matmul_efficiency.csv), for an array of ``rows``; 1 where the chip has no table by shape. The share is linear
    in log M between the measured M of the table at fixed K and N, so the step model's function is asked once per
    measured M and the rows between are interpolated the same way it interpolates them.

    A short inner dimension runs far below the best rate on Blackwell in 8 bits: 0.34 at 728 x 768 x 2048 on B200
    (Qwen3 30B-A3B's down projection), 0.80 at 728 x 2048 x 1536 (its gate and up), 0.875 and 1 on H100.
    """
    M = np.asarray(rows, dtype=float)
    shapes = chip.shapes
    if shapes is None:
        return np.ones_like(M)
    grid, logs = _group_logs(shapes, int(K), int(N))
    # np.interp holds M within the measured range, as the step model does
    return np.minimum(1.0, np.exp(np.interp(np.log(np.maximum(M, 1.0)), grid, logs)))


_GROUP_LOGS: dict = {}  # (id(shapes), K, N) -> (ln of the measured M, ln share at each)


def _group_logs(shapes, K: int, N: int) -> tuple:
    key = (id(shapes), K, N)
    found = _GROUP_LOGS.get(key)
    if found is None:
        if len(_GROUP_LOGS) >= 4096:  # user-given expert shapes: bounded, as kernels._share's cache is
            _GROUP_LOGS.clear()
        found = (np.log(shapes.grid[0]), np.log([kernels._share(shapes, m, K, N) for m in shapes.grid[0]]))
        _GROUP_LOGS[key] = found
    return found


def all_reduce_time(r: Rates, nbytes, group: int, factor: float = 2.0):
    """Seconds of one all-reduce (``factor`` 2; 1: an all-gather or a reduce-scatter) of ``nbytes``
    (an array) over ``group`` chips of one replica, ``calc.perf.collectives``' hierarchical rings
    (the group fills a node before it spans nodes); inside one node where the serving engine's own all-reduce is
    measured on the chip at that group (``Rates.all_reduce_table``, ``engine_all_reduce_time``), that time; else of ``MEASURED_ALL_REDUCE_CHIPS`` or of
    its die and fabric (``fabric_measured``) whose all-reduce is measured at that group, the measured time at the size
    (``measured_all_reduce_time``)."""
    nbytes = np.asarray(nbytes, dtype=float)
    if group <= 1:
        return np.zeros_like(nbytes)
    if r.all_reduce_table and factor == 2.0 and group <= r.chips_per_node:
        engine = engine_all_reduce_time(r.name, r.all_reduce_table, nbytes, group)
        if engine is not None:
            return engine
    measured_chip = fabric_measured(r.name) if factor == 2.0 and group <= r.chips_per_node else None
    if measured_chip is not None:
        measured = measured_all_reduce_time(measured_chip, nbytes, group)
        if measured is not None:
            return measured
    in_node = collectives.ranks_per_node(group, 1, r.chips_per_node)
    term = collectives.all_reduce if factor == 2.0 else collectives.all_gather
    one, two = term(r.chip, 1.0, group, in_node), term(r.chip, 2.0, group, in_node)
    slope = two - one  # seconds per byte; the rest is the latency of each link kind
    return (one - slope) + slope * nbytes


# chips whose serving all-reduce inside a node is their own measured one (data/collective_bandwidth.csv, a time by
# message size at the group): MI300X, whose rings the model reads 1.4-2.1x too fast at tensor 8 (see
# ``measured_all_reduce_time``). Not H100 SXM5, whose nccl-tests times are there too: the engines' one-shot custom
# all-reduce over NVLink, not NCCL's, runs decode's messages (vLLM PR #2192), and the model is not read against it.
MEASURED_ALL_REDUCE_CHIPS = ("MI300X",)


@lru_cache(maxsize=64)
def fabric_measured(chip: str) -> str | None:
    """The chip of ``MEASURED_ALL_REDUCE_CHIPS`` whose measured all-reduce inside a node is ``chip``'s: the chip itself,
    else the first (by name) with its compute die and its fabric (as many compute units, chips per node and link
    bandwidth in data/hardware.csv, the one sibling rule ``_sibling``): MI325X is CDNA 3's MI300X die with new memory on
    the same 8-way Infinity Fabric (448 GB/s a chip), so its all-reduce is MI300X's measured one. None: the rings.

    >>> fabric_measured("MI300X"), fabric_measured("MI325X"), fabric_measured("H100 SXM5"), fabric_measured("MI355X")
    ('MI300X', 'MI300X', None, None)
    """
    if chip in MEASURED_ALL_REDUCE_CHIPS:
        return chip
    return _sibling(chip, set(MEASURED_ALL_REDUCE_CHIPS),
                    lambda other, own: (other.chips_per_node, other.intra_node_bandwidth)
                    == (own.chips_per_node, own.intra_node_bandwidth))


def measured_all_reduce_time(chip: str, nbytes, group: int):
    """Seconds of one all-reduce of ``nbytes`` (an array) over ``group`` ``chip``s of one node, read off the chip's
    measured times (data/collective_bandwidth.csv: kind measured, one node, ``group`` ranks, the time column; the mean
    over sources at each size): log-log interpolation between the measured sizes, the smallest size's time below them
    (the latency floor) and the last two sizes' bytes per second above them; None where fewer than two sizes are
    measured.

    8 MI300X (RCCL 2.20.5 on ROCm 6.2, the QuickReduce README's RCCL column): 16 us at 32 KiB, 26 us at 1 MiB, 34 us at
    2 MiB, 52 us at 4 MiB, 83 us at 8 MiB, 1.4-2.1x the hierarchical rings' 10-60 us (``calc.perf.collectives``,
    MI300X's Infinity Fabric figures) from 32 KiB to 8 MiB and 1.03x at 64 MiB. Decode's all-reduces at tensor 8 are 16
    KiB (Llama 3.1 70B) to 32 KiB (405B) a sequence, 2 to 4 MiB at 128. vLLM's ROCm builds run them on their own
    custom all-reduce (vllm/distributed/device_communicators/custom_all_reduce.py, world sizes 2-8 on ROCm), measured
    at tensor 2 and 4 only (ROCm/aiter PR #801, vLLM PR #19744: 0.6-0.9x RCCL's at 1-4 MiB, 0.4x at 32 KiB); at tensor
    8 RCCL's is the chip's one measurement, and vLLM's custom all-reduce at tensor 8 on MI355X (vLLM PR #39080: 16 us at
    768 KiB, 24 us at 1.5 MiB, over links 1.2x MI300X's) sits between the rings and RCCL. Against AMD's ROCm vLLM
    static batches (held out, 8 MI300X, Llama 3.1 70B and 405B FP8): 61% -> 84% within 20% of 160, median |ln ratio|
    0.141 -> 0.088 (benchmarks/static_batch_terms.py).

    >>> round(float(measured_all_reduce_time("MI300X", 2.0 * 2 ** 20, 8)) * 1e6, 2)  # us at 2 MiB
    34.05
    >>> measured_all_reduce_time("MI300X", 1024.0, 3) is None
    True
    """
    return _interpolated(_measured_all_reduce(chip, group), nbytes)


def _interpolated(table: tuple | None, nbytes):
    """Seconds at ``nbytes`` off a measured table (ln sizes, ln times, s per byte past the largest): log-log
    interpolation, the smallest size's time below, the last two sizes' slope above; None for no table."""
    if table is None:
        return None
    ln_size, ln_time, tail = table
    nbytes = np.asarray(nbytes, dtype=float)
    inside = np.exp(np.interp(np.log(np.maximum(nbytes, 1.0)), ln_size, ln_time))
    biggest, longest = float(np.exp(ln_size[-1])), float(np.exp(ln_time[-1]))
    return np.where(nbytes > biggest, longest + tail * (nbytes - biggest), inside)


@lru_cache(maxsize=64)
def _measured_all_reduce(chip: str, group: int) -> tuple | None:
    sizes: dict = {}
    for x in data.collective_bandwidth():
        if (x["kind"] == "measured" and x["operation"] == "all_reduce" and x["chip"] == chip and x["nodes"] == 1
                and x["ranks"] == group and x["message_size"] and x["time"]):
            sizes.setdefault(float(x["message_size"]), []).append(float(x["time"]))
    return _log_table({size: sum(times) / len(times) for size, times in sizes.items()})


def _log_table(times: dict) -> tuple | None:
    """A measured all-reduce's {bytes: seconds} as ``_interpolated`` reads it: (ln sizes, ln times, seconds per byte
    past the largest size, from the last two); None for fewer than two sizes."""
    if len(times) < 2:
        return None
    size = np.array(sorted(times))
    time = np.array([times[s] for s in size])
    return np.log(size), np.log(time), float((time[-1] - time[-2]) / (size[-1] - size[-2]))


# the engines whose own tensor-parallel all-reduce data/engine_all_reduce.csv measures (its engine column), each with
# the first release of the family whose custom all-reduce runs by default where the engine has it (NVLink, one node):
# TensorRT-LLM from 0.8 (trtllm-build's PluginConfig use_custom_all_reduce True, "gives better performance with
# NVLink"; 0.5-0.7 built engines with examples/*/build.py, whose --use_custom_all_reduce was a store_true flag off by
# default, NCCL's all-reduce plugin otherwise; later releases choose the custom kernels at AllReduce's AUTO strategy);
# vLLM from 0.3.0 (custom_all_reduce.py, PR #2192, January 2024: on unless disable_custom_all_reduce, every release
# since); SGLang from its first release (vLLM's parallel state and custom all-reduce, then sgl-kernel's own
# CustomAllReduce, on unless --disable-custom-all-reduce)
ENGINE_ALL_REDUCE_FROM = {"TensorRT-LLM": (0, 8), "vLLM": (0, 3), "SGLang": (0,)}
# an engine named without its release, read as its family at a release whose custom all-reduce runs by default: NIM's
# TensorRT-LLM profiles (NIM 1.x, 2025) and NVIDIA's MLPerf PyTorch-backend runs (TensorRT-LLM 1.x's PyTorch flow)
_ENGINE_UNNUMBERED = (("NIM", "(TensorRT-LLM)", "TensorRT-LLM"), ("MLPerf", "(NVIDIA PyTorch backend)", "TensorRT-LLM"))
_RELEASE = re.compile(r"(\d+(?:\.\d+)*)(?:\.?(rc|dev|post)(\d+))?")


def release_key(release: str) -> tuple:
    """A release as a sortable key: its numbers (four places), then a pre-release (rc, dev) before and a post-release
    after the plain release ("1.2.0rc5" < "1.2" < "1.2.0.post1"); the build tail after "+" ignored.

    >>> release_key("1.2.0rc5") < release_key("1.2") < release_key("1.3.0rc20")
    True
    """
    m = _RELEASE.match(release.split("+")[0])
    if m is None:
        return ()
    nums = tuple(int(x) for x in m.group(1).split("."))[:4]
    tag = {"rc": -1, "dev": -1, "post": 1}.get(m.group(2), 0)
    return nums + (0,) * (4 - len(nums)) + (tag, int(m.group(3) or 0))


def engine_all_reduce(engine: str | None, chip: str) -> tuple:
    """(engine, release) of data/engine_all_reduce.csv whose measured all-reduce ``engine`` (a serving engine's name
    as data/serving_host.csv or a held-out row spells it: "vLLM 0.11.0", "TensorRT-LLM 1.2.0rc1 (trtllm-serve)") runs
    on ``chip``; () for the chip's own path (the rings, or its measured collective: ``measured_all_reduce_time``).

    The release read: the engine's own release where the chip's table lists it, else the newest listed release of its
    family at or before it; a release older than every table of its family reads the family's oldest table where its
    custom all-reduce runs by default at that release (``ENGINE_ALL_REDUCE_FROM``: TensorRT-LLM 0.8 and later, vLLM
    0.3.0 and later, SGLang), the rings before (TensorRT-LLM 0.5-0.7 built with NCCL's plugin). NIM's TensorRT-LLM
    profiles and NVIDIA's MLPerf PyTorch-backend runs read TensorRT-LLM's oldest table. An engine named without a
    release (NVIDIA's MLPerf TensorRT engines, "TensorRT-LLM (MLPerf Inference v4.0, NVIDIA)": their builds set their
    own plugins, the v5.x 405B ones fusing the all-reduce into the products with gemm_allreduce_plugin, which no
    table times), another family and a chip without tables keep their path.

    >>> engine_all_reduce("TensorRT-LLM 0.20.0", "H100 SXM5"), engine_all_reduce("TensorRT-LLM 0.6.1", "H100 SXM5")
    (('TensorRT-LLM', '1.2.0rc5'), ())
    >>> engine_all_reduce("vLLM 0.19.1", "H100 SXM5"), engine_all_reduce("MLPerf Inference v5.1 (NVIDIA)", "B200")
    (('vLLM', '0.14.0'), ())
    """
    if not engine:
        return ()
    family, release = None, None
    for start, tail, fam in _ENGINE_UNNUMBERED:
        if engine.startswith(start) and tail in engine:
            family = fam
    if family is None:
        m = re.match(r"(TensorRT-LLM|vLLM|SGLang) v?(\d[\w.+]*)", engine)
        if m is None:
            return ()
        family, release = m.group(1), m.group(2)
    listed = sorted(_engine_releases(chip, family), key=release_key)
    if not listed:
        return ()
    if release is None:
        return family, listed[0]
    key = release_key(release)
    before = [x for x in listed if release_key(x) <= key]
    if before:
        return family, before[-1]
    return (family, listed[0]) if key >= release_key(".".join(map(str, ENGINE_ALL_REDUCE_FROM[family]))) else ()


@lru_cache(maxsize=64)
def _engine_releases(chip: str, family: str) -> tuple:
    return tuple(sorted({r["release"] for r in data.engine_all_reduce() if r["chip"] == chip and r["engine"] == family}))


def engine_all_reduce_time(chip: str, table: tuple, nbytes, group: int):
    """Seconds of one all-reduce of ``nbytes`` (an array) over ``group`` ``chip``s of one node as the serving engine's
    own kernels take it (data/engine_all_reduce.csv, ``table`` (engine, release) from ``engine_all_reduce``: NVIDIA
    AIConfigurator's custom_allreduce_perf tables, BF16, each engine's op in a CUDA graph, 256 B-1 GiB; log-log
    interpolation as ``measured_all_reduce_time``); None where the table has no such group. At decode's 16-128 KiB
    they take 0.26-0.75x the rings' ~10 us on H100 and H200 (benchmarks/engine_all_reduce.py).

    >>> round(float(engine_all_reduce_time("H100 SXM5", ("vLLM", "0.14.0"), 16384.0, 8)) * 1e6, 1) < 10
    True
    """
    return _interpolated(_engine_table(chip, table, group), nbytes)


@lru_cache(maxsize=256)
def _engine_table(chip: str, table: tuple, group: int) -> tuple | None:
    return _log_table({float(r["message_size"]): float(r["measured_time"]) for r in data.engine_all_reduce()
                       if (r["chip"], r["engine"], r["release"]) == (chip, *table) and int(r["ranks"]) == group})


def expert_exchange_time(r: Rates, tokens, d_model: int, top_k: int, group: int, dispatch_bytes: float = 1.0):
    """Seconds of one MoE layer's token dispatch and combine over ``group`` expert-parallel chips, each
    chip sending its ``tokens`` (an array) to the ``top_k`` experts each picks and receiving their outputs:
    all-to-alls of tokens x top-k x d_model elements, ``dispatch_bytes`` each on the way out (1: FP8, as
    DeepEP's and TensorRT-LLM's wide-EP kernels send) and 2 (BF16) back, ``calc.perf.collectives.all_to_all``
    (the group fills a node before it spans nodes). Only the routed tokens' hidden states move, not the
    batch's activations as an all-gather would [DeepSeekAI2024] sec. 3.4; against DeepEP's low-latency
    kernels on H800 (data/expert_dispatch.csv, 128 tokens, top-8, EP 16-256) each all-to-all reads 0.86-0.97
    of the measured time (tests/test_serve.py). Inside one node of a chip whose own DeepEP low-latency kernels are
    measured (``measured_exchange``: 8 H200, 8 B200) the two kernels take their fitted latency and rate instead."""
    tokens = np.asarray(tokens, dtype=float)
    if group <= 1:
        return np.zeros_like(tokens)
    in_node = collectives.ranks_per_node(group, 1, r.chips_per_node)
    per_token = top_k * d_model * (dispatch_bytes + 2.0)
    measured = measured_exchange(r.name, group) if group <= r.chips_per_node else None
    if measured is not None:  # the chip's own low-latency kernels inside a node: a latency each and bytes at a rate
        return 2 * measured[0] + measured[1] * per_token * tokens
    zero = collectives.all_to_all(r.chip, 0.0, group, in_node)
    slope = collectives.all_to_all(r.chip, 1.0, group, in_node) - zero  # seconds per byte; ``zero``: two latencies
    return 2 * zero + slope * per_token * tokens


@lru_cache(maxsize=64)
def measured_exchange(chip: str, group: int) -> tuple[float, float] | None:
    """(latency in s, s per byte) of one DeepEP low-latency dispatch or combine inside one node of ``group`` ``chip``s,
    fitted (least squares) to the chip's measured kernels (data/expert_dispatch.csv, fabric nvlink, one node: NVIDIA
    AIConfigurator's SGLang DeepEP tables, 16 to 512 tokens a rank, top-8, hidden 7168, FP8 dispatch and BF16
    combine): each kernel's time t = a + s x its bytes (tokens x top-k x hidden x 1 or 2); None where the chip has
    none. On 8 H200 the kernels take 1.3x the all-to-all of the chip's NVLink figures (128 tokens a rank: 40 us
    dispatch and 72 us combine against 86 us for both), on 8 B200 1.4x (74 against 53 us).

    >>> a, s = measured_exchange("H200 SXM", 8)
    >>> round(a * 1e6, 1), round(1 / s / 1e9)  # us, GB/s
    (9.2, 232)
    """
    rows = [x for x in data.expert_dispatch() if x["chip"] == chip and x["fabric"] == "nvlink" and x["nodes"] == 1
            and x["expert_parallel"] == group and x["latency"] is not None and "low-latency" in x["kernel"]]
    if len(rows) < 2:
        return None
    nbytes = np.array([x["tokens_per_batch"] * x["top_k"] * x["hidden"] * (1.0 if x["operation"] == "dispatch" else 2.0)
                       for x in rows])
    t = np.array([x["latency"] for x in rows])
    slope, intercept = np.polyfit(nbytes, t, 1)
    return float(max(intercept, 0.0)), float(slope)


def send_latency(r: Rates) -> float:
    """Fixed seconds of a point-to-point send between pipeline stages inside a node."""
    return collectives.send(r.chip, 0.0, False)


def gather_exchange_time(r: Rates, tokens, d_model: int, group: int, gather_bytes: float):
    """Seconds of one MoE layer's token exchange over ``group`` attention data parallel chips that all-gather their
    tokens instead of dispatching them: each chip's ``tokens`` (an array) x ``d_model`` elements gathered from all
    chips in ``gather_bytes`` each (the experts' input format: 0.5625 NVFP4 with its scales, 1 FP8, 2 BF16), then the
    outputs of every gathered token reduce-scattered in BF16, ``calc.perf.collectives``' rings (the group fills a node
    before it spans nodes). TensorRT-LLM's MoE under attention DP without an all-to-all: allgather of the quantized
    inputs, the fused MoE over all ranks' tokens, reducescatter (tensorrt_llm/_torch/modules/fused_moe/
    fused_moe_cutlass.py, CutlassFusedMoE; fused_moe_triton.py after the gate, in BF16); its all-to-all needs as many
    expert ranks as experts per token and multi-node NVLink or DeepEP opted in (fused_moe_wide_ep.py,
    select_alltoall_method_type), which no single-node DGX B200, H100 or H200 has. Against the all-to-all of top-k
    rows it moves every token to every chip once, whatever k [NVIDIA2025trtllmmoe]."""
    tokens = np.asarray(tokens, dtype=float)
    if group <= 1:
        return np.zeros_like(tokens)
    everyone = tokens * group * d_model
    return all_reduce_time(r, everyone * gather_bytes, group, 1.0) + all_reduce_time(r, everyone * 2.0, group, 1.0)


def matmul_basis(hardware: data.Hardware | str) -> dict:
    """Whether ``hardware``'s matrix-product rate is a measurement or the documented fallback, as the answer says it:
    ``basis`` "measured" (data/hardware.csv's matmul_efficiency, whose source names the measurement: the chip's own or,
    as GB200 takes B200's sustained rate and B300 GB300's, the same silicon's; the chip's rows of data/matmul_efficiency.csv; or its
    products' times in data/serving_gemm.csv) or "default" (none of them: the best rate is the dense peak x
    ``matmul_efficiency_default`` of data/step_coefficients.csv, the median share of the accelerators Bekman measured,
    S. Bekman, ml-engineering, Maximum Achievable Matmul FLOPS table); ``share`` the 16-bit share the chip object uses
    (``calc.perf.system.build_chip``); ``note`` one sentence.

    >>> matmul_basis("H100 SXM5")["basis"], matmul_basis("GB300")["basis"], matmul_basis("L4")["basis"]
    ('measured', 'measured', 'default')
    """
    from calc.perf.system import best_matmul_share, coefficients, sustained_matmul_share

    hw = data.hardware(hardware)
    measured = [p for p in ("bf16", "fp8", "fp4")
                if sustained_matmul_share(hw.name, p) or best_matmul_share(hw.name, p)]
    own = bool(hw.matmul_efficiency or hw.matmul_efficiency_fp8 or measured
               or any(r["chip"] == hw.name for r in data.serving_gemm()))
    share = build_chip(hw, hw.default_precision).matmul_rate / hw.peak(hw.default_precision).m_as("FLOP/s/chip")
    if own:
        return {"basis": "measured", "share": round(share, 4),
                "note": f"{hw.name}'s matrix products at a measured rate ({share:.0%} of the dense "
                        f"{hw.default_precision} peak: data/hardware.csv's matmul_efficiency or the chip's rows of "
                        "data/matmul_efficiency.csv and data/serving_gemm.csv, whose sources name the measurement, "
                        "on this chip or, where the row says so, on the same silicon)"}
    default = coefficients().matmul_efficiency_default
    return {"basis": "default", "share": round(default, 4),
            "note": f"no matmul measurement of {hw.name}'s own: its matrix products at {default:.0%} of the dense peak, "
                    "the median share of the measured accelerators (data/step_coefficients.csv "
                    "matmul_efficiency_default); a measured rate would replace it"}
