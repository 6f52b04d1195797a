"""Kernel times on one chip: matrix products by shape, the attention core, and memory-bound operations.

    matmul           max(2 M K N / (R w), operand bytes / B) + result bytes / B + t_0
                     per (batched) product (M x K)(K x N): R the chip's best matmul rate, w the filled
                     share of the last wave of output tiles (NVIDIA's wave quantization), B the
                     achievable memory bandwidth, t_0 a fixed kernel overhead           [Isaev2023]
    forward/backward the backward pass is the input gradient (M x N)(N x K) and the weight gradient
                     (K x M)(M x N); in 8 bits the inputs are first cast from 16 bits  [Narayanan2021] app.
    attention core   fused (FlashAttention-2, or its Triton version), or two batched matmuls plus the
                     softmax and dropout traffic                                      [Dao2023]
                     (fused, a local window w skips the keys beyond it: the work of a causal sequence
                     2 w - w^2 / s long, calc.architecture.flop.causal_span)
    memory-bound     layer norms, dropouts, residuals, activations, the loss, the optimizer step:
                     bytes / B                                                        [Korthikanti2022] sec. 4.1
                     and t_0 per kernel of a layer (norms, bias-dropout-adds, activation, rotary)

M, K, N are the GEMM notation (rows, inner dimension, columns) of NVIDIA's matmul guide; every time
is in seconds, every rate and size a plain float (one prediction calls these some 50 times).
"""

from __future__ import annotations

from math import ceil, exp, log
from typing import NamedTuple

import pint

from calc.architecture.flop import causal_span
from calc.perf.layout import whole
from calc.perf.memo import IdentityMemo
from calc.perf.system import Chip, MatmulShapes, attention_sequence_share, build_chip, resolve_hardware
from calc.units import Q_


def matmul_time(chip: Chip, M, K, N, batch=1, *, sixteen_bit: bool = False) -> float:
    """Seconds of one (batched) matrix product (M x K)(K x N).

    .. math:: t = \\max\\left(\\frac{2MKN}{R \\, s \\, w}, \\frac{b (MK + KN)}{B}\\right) + \\frac{2 MN}{B} + t_0

    The main loop streams the operands (``b`` bytes each: 1 in 8 bits, 4.5 bits in NVFP4, else 2) while it multiplies at the
    measured best rate ``R``, less the last partial wave of output tiles over the compute units (``w``) and, where
    the chip's rates are measured by shape, the shape's share ``s`` of the best (:func:`shape_share`); the epilogue
    then writes the 16-bit result [Isaev2023]; NVIDIA, Matrix Multiplication Background User's Guide (tile and wave
    quantization). ``sixteen_bit``: at the 16-bit rate whatever the layers' format (an output layer kept in 16 bits).
    """
    flop = 2.0 * M * K * N * batch
    rate = shape_rate(chip, M, K, N, batch, sixteen_bit=sixteen_bit)
    operands = (2.0 if sixteen_bit else chip.operand_bytes) * (M * K + K * N) * batch
    bandwidth = chip.memory_bandwidth
    return max(flop / rate, operands / bandwidth) + 2.0 * M * N * batch / bandwidth + chip.kernel_overhead


def shape_rate(chip: Chip, M, K, N, batch=1, *, sixteen_bit: bool = False) -> float:
    """FLOP/s of the multiplications of one (batched) product (M x K)(K x N) at its shape, memory aside: the
    chip's measured best rate ``R`` times the filled share ``w`` of the last wave of output tiles over the compute
    units and, where the chip's rates are measured by shape, the shape's share ``s`` of the best (:func:`shape_share`),
    ``R s w`` of :func:`matmul_time` [Isaev2023]; NVIDIA, Matrix Multiplication Background User's Guide. Serving's
    products take it too, each against its own weight and activation bytes (``calc.serve.terms.dense_rate``).

    Where the chip has no table by shape (H200, MI300X, MI325X, H100 in 8 bits: data/matmul_efficiency.csv) it is the
    best rate less the wave share alone; where its compute units are not known either, the best rate.
    """
    rate = chip.matmul_rate_16bit if sixteen_bit else chip.matmul_rate
    units = chip.compute_units
    wave = 1.0
    if units:
        tiles = ceil(max(M, N) / chip.tile_long) * ceil(min(M, N) / chip.tile_short) * batch
        wave = tiles / (ceil(tiles / units) * units)
    shapes = chip.shapes_16bit if sixteen_bit else chip.shapes
    if shapes is not None:
        return rate * min(1.0, wave * _share(shapes, M, K, N))
    return rate * wave


_SHARES = IdentityMemo(65536)  # (shapes; M, K, N) -> share: a layer asks for the same few shapes again and again


def shape_share(shapes: MatmulShapes, M, K, N) -> float:
    """The rate measured at the shape (M x K)(K x N), beside the wave share, over that at the best measured shape
    (at most 1): linear interpolation of the log rate in the log of each size between the measured shapes, each
    size held within the measured range (beyond 4096 a size is taken as 4096, where the measured rates have levelled
    off within a few percent of the best).

    A product with a short inner dimension K (a small model's hidden size, a weight's share under tensor
    parallelism) or a narrow result runs below the best rate: on H100, 739 TFLOP/s at M = N = 4096, K = 2048
    against 783 at K = 4096 (data/matmul_efficiency.csv, OpenXLA's sm_90 table).
    """
    return min(1.0, _share(shapes, M, K, N))


def _share(shapes: MatmulShapes, M, K, N) -> float:
    """:func:`shape_share` before it is held at 1: the measured rate over its wave share, over the best's."""
    found = _SHARES.get((shapes,), (M, K, N))
    if found is not None:
        return found
    corners = [_between(values, x) for values, x in zip(shapes.grid, (M, N, K))]
    total = 0.0
    for (m, wm) in corners[0]:
        for (n, wn) in corners[1]:
            for (k, wk) in corners[2]:
                total += wm * wn * wk * shapes.log_rate[m, n, k]
    return _SHARES.put((shapes,), (M, K, N), exp(total - shapes.top))


def _between(values: tuple, x) -> tuple:
    """The two measured sizes around ``x`` with their weights, linear in log(x) (``x`` held within the range)."""
    if x <= values[0]:
        return ((values[0], 1.0),)
    if x >= values[-1]:
        return ((values[-1], 1.0),)
    upper = next(i for i, v in enumerate(values) if v >= x)
    low, high = values[upper - 1], values[upper]
    weight = (log(x) - log(low)) / (log(high) - log(low))
    return ((low, 1.0 - weight), (high, weight))


class Matmul(NamedTuple):
    """One matrix product of a layer, forward and backward seconds, and its forward FLOP."""

    forward: float
    backward: float
    flop: float


def matmul(chip: Chip, M, K, N, batch=1, floor: float = 0.0, normed: bool = False) -> Matmul:
    """Forward and backward time of X (M x K) W (K x N) and its forward FLOP [Narayanan2021] app.

    The backward pass is the input gradient (M x N)(N x K) and the weight gradient (K x M)(M x N).
    In 8 bits the input and the output gradient are first cast from 16 bits (read 2, write 1 byte each: Transformer
    Engine, which fuses the cast with the kernel that produces the tensor). In NVFP4 each cast is two kernels
    (``nvfp4_cast_bytes``, 5.125 bytes an element): a pass for the tensor's amax, which its per-tensor FP32 scale needs
    before any block is cast (read 2), then the cast, reading 2 bytes and writing the row-wise and the column-wise
    (transposed, for the weight gradient) copies at 4.5 bits each, values and E4M3 scales (Transformer Engine,
    transformer_engine/pytorch/csrc/quantizer.cpp ``NVFP4Quantizer::quantize_impl``: nvte_compute_amax_with_config or
    nvte_hadamard_transform_amax, then nvte_quantize_v2 or nvte_quantize_with_hadamard_transform; the norm writes 16
    bits for the quantizer, csrc/extensions/normalization.cpp). Under FP8 current scaling (``Chip.float8_casts``
    "te_current", Float8CurrentScaling) each cast is three kernels (``fp8_current_cast_bytes``, 5 bytes an element):
    the amax pass (read 2), the scale from it (one element), the cast (read 2, write 1) (quantizer.cpp
    ``Float8CurrentScalingQuantizer::quantize_impl``, v2.8); an input a norm produced (``normed``: the LayerNormLinear
    of the QKV and the first feed-forward products) has its amax from the norm kernel, which writes 16 bits
    (normalization.cpp FUSED_NORM_AMAX_FP8, then ``quantize_with_amax``): the scale and the cast, 3 bytes, two
    kernels. torchao's Float8Linear with dynamic
    scaling (``Chip.float8_casts`` "tensorwise" or "rowwise", TorchTitan's float8) casts the weight too, and each
    cast first reads the 16-bit tensor for its amax (``float8_dynamic_cast_bytes``, two kernels); its backward casts
    again from the 16-bit input and weight the forward saved, and by row the output gradient twice, once along each
    axis (torchao/float8/float8_linear.py, matmul_with_hp_or_float8_args; float8_scaling_utils.py,
    hp_tensor_to_float8_dynamic). Term test: tests/test_perf_terms.py.

    ``floor``: no product takes less (an expert's GEMM in a grouped GEMM run as one cuBLASLt call per expert:
    ``Chip.grouped_gemm_floor``, see calc.perf.layer.experts).
    """
    forward = max(matmul_time(chip, M, K, N, batch), floor)
    backward = max(matmul_time(chip, M, N, K, batch), floor) + max(matmul_time(chip, K, M, N, batch), floor)
    if chip.eight_bit:
        overhead, bandwidth = chip.coefficients.kernel_overhead, chip.memory_bandwidth
        if chip.float8_casts in ("te", "te_current"):
            if chip.operand_bytes != 1.0:  # NVFP4: the amax pass, then the cast
                per, kernels = chip.coefficients.nvfp4_cast_bytes, 2
            elif chip.float8_casts == "te":  # FP8, delayed scaling: one kernel, fused with the producer's
                per, kernels = 3.0, 1
            else:  # FP8, current scaling: the amax pass, the scale, the cast
                per, kernels = chip.coefficients.fp8_current_cast_bytes, 3
            # a norm's output under current scaling: its amax from the norm kernel, no pass over 2 bytes of its own
            fused = normed and chip.float8_casts == "te_current" and chip.operand_bytes == 1.0
            forward += (per - 2.0 * fused) * M * K * batch / bandwidth + (kernels - fused) * overhead
            backward += per * M * N * batch / bandwidth + kernels * overhead
        else:
            cast = chip.coefficients.float8_dynamic_cast_bytes / bandwidth
            x, w, g = M * K * batch, K * N * batch, M * N * batch
            grads = 2 if chip.float8_casts == "rowwise" else 1  # by row, along each axis of the output gradient
            forward += cast * (x + w) + 4 * overhead
            backward += cast * (grads * g + w + x) + 2 * (grads + 2) * overhead
    return Matmul(forward, backward, 2.0 * M * K * N * batch)


def grouped_fp8_cast(chip: Chip) -> bool:
    """Whether Transformer Engine casts all the experts of a grouped product in one kernel. Its GroupedLinear
    quantizes the experts' inputs (forward) and output gradients (backward) with ``split_quantize``, which runs one
    fused kernel for them all (``nvte_multi_cast_transpose``) only under FP8 delayed scaling and only when every
    output has both its row-wise and its column-wise (transposed) data, i.e. on a chip whose casts write the
    transposed copy (``Chip.fp8_transposed_copy``: Hopper, Ada); otherwise each expert's quantizer runs its own
    kernels, as :func:`matmul` counts them (transformer_engine/pytorch/csrc/extensions/cast.cpp
    ``multi_tensor_quantize_impl``: "Currently only have fused kernel for FP8 delayed scaling", TransformerEngine
    v2.8, the same from v2.6 to v2.12; module/grouped_linear.py). Term test: tests/test_perf_fp4.py."""
    return chip.float8_casts == "te" and chip.fp8_transposed_copy


def matmul_16bit(chip: Chip, M, K, N) -> Matmul:
    """:func:`matmul` at the 16-bit rate with 16-bit operands: the output layer under 8-bit layers
    (Transformer Engine and torchao convert only the transformer layers; [DeepSeekAI2024] sec. 3.3.1)."""
    forward = matmul_time(chip, M, K, N, sixteen_bit=True)
    backward = matmul_time(chip, M, N, K, sixteen_bit=True) + matmul_time(chip, K, M, N, sixteen_bit=True)
    return Matmul(forward, backward, 2.0 * M * K * N)


def matmul_rate(hardware, M: int, K: int, N: int, precision: str | None = None) -> pint.Quantity:
    """The rate the model gives one matrix product (M x K)(K x N) on ``hardware`` (see :func:`matmul_time`).

    Examples
    --------
    >>> round(matmul_rate("H800 SXM5", 8192, 16384, 8192, "fp8").m_as("TFLOP/s/chip"))
    1322
    """
    rates = build_chip(resolve_hardware(hardware), precision)
    dims = [whole(n, v) for n, v in (("M", M), ("K", K), ("N", N))]
    return Q_(2.0 * M * K * N / matmul_time(rates, *dims), "FLOP/s/chip")


class AttentionCore(NamedTuple):
    """Seconds of the attention core (scores and values) for one micro-batch on one chip."""

    forward: float
    backward: float
    recompute: float  # what selective recomputation runs again (0 for a fused kernel: it recomputes inside)
    flop: float  # forward FLOP, the full s x s as MFU counts it (s x min(s, w) on a layer with a local window w)


def attention_core(chip: Chip, *, micro_batch: int, heads: int, tensor: int, sequence: int, context: int,
                   qk_dim: int, v_dim: int, fused: bool, triton: bool, flash2: bool = False,
                   cudnn: bool = False, efficient: bool = False, window: int | None = None) -> AttentionCore:
    """The attention core: fused, ``0.5 F / R_attn`` (causal: half the blocks skipped) and
    ``flash_backward_ratio`` times that backward [Dao2023] sec. 3.1.2, at the backward's measured share of the
    forward's rate (``Chip.attention_backward_share``: 0.863 on A100 [Dao2023] sec. 4.1, 0.870 on H100
    [Shah2024] Fig. 5-6; :func:`calc.perf.system.attention_backward_shares`); FlashAttention's Triton kernel
    1.4x slower forward and 2x backward [Dao2023] sec. 4.1; unfused, two batched matmuls (Q K^T, then
    the scores times V) and the softmax and dropout traffic [Korthikanti2022] sec. 4.1.

    Each chip holds ``heads / tensor`` heads and ``sequence / context`` of the queries. ``flash2``: the fused
    kernel is FlashAttention-2's Ampere-style code whatever the chip (``Chip.attention_rate_flash2``); ``cudnn``: cuDNN's
    fused attention (``Chip.attention_rate_cudnn``: on Hopper its own measured rate); ``efficient``: xformers' CUTLASS
    memory-efficient kernel (PyTorch SDPA's EFFICIENT_ATTENTION), Ampere-style code at half FlashAttention-2's rate on
    the same chip [Dao2023] sec. 4.1 (``Chip.attention_rate_efficient``), with FlashAttention-2's backward share. Blackwell's own
    kernels run at ``min(1, d / d*)`` of their rate at head size ``d``: the softmax's exponentials, a fixed cost per
    score element, bind below ``d* = 64 / blackwell_attention_head64_share`` (FlashAttention-4's forward on B200).

    ``window``: a layer with a local window w (sliding, or chunked) where each query attends to min(w, i) keys. The
    fused kernels skip the key blocks outside the window as they skip those above a causal mask (FlashAttention-2's
    ``window_size``, cuDNN's sliding-window mask): their work is that of a causal sequence
    :func:`calc.architecture.flop.causal_span` long, ``0.5 F' / R`` with F' = F x span / s, at the rate of a causal kernel
    whose query blocks each see as many keys (``attention_sequence_share(span)``, 2 w keys' causal length for w
    keys per block); ``flop`` counts min(s, w) keys a query, as the PaLM count does for such a layer. Unfused, the
    scores are computed in full and masked (no saving).
    """
    coeff = chip.coefficients
    flop = 2.0 * micro_batch * (heads / tensor) * (sequence / context) * sequence * (qk_dim + v_dim)
    if fused and window is not None and window < sequence:
        span = causal_span(sequence, window)
        rows = min(sequence / context, span)  # the causal length of as many keys per query block
        work = flop * span / sequence  # the pairs of a causal sequence ``span`` long, counted in full as ``flop`` is
        flop *= window / sequence
    else:
        rows, work = sequence / context, flop
    if fused:
        rate = (chip.attention_rate_flash2 if flash2 else chip.attention_rate_cudnn if cudnn else
                chip.attention_rate_efficient if efficient else chip.attention_rate)
        ampere_code = flash2 or efficient  # FlashAttention-2's or xformers' mma.sync code, not the chip's own kernels
        if chip.attention_full_rate_head_dim and not ampere_code:  # Blackwell's own kernels: exponentials bind at small heads
            rate *= min(1.0, qk_dim / chip.attention_full_rate_head_dim)
        if chip.hardware.vendor == "NVIDIA":  # short sequences: few query blocks per head, each with its fixed cost
            rate *= attention_sequence_share(rows)
        forward = 0.5 * work / rate + coeff.kernel_overhead
        share = chip.attention_backward_share_flash2 if ampere_code else chip.attention_backward_share
        backward = coeff.flash_backward_ratio * forward / share
        if triton:
            forward, backward = forward * coeff.triton_attention_forward_ratio, backward * coeff.triton_attention_backward_ratio
        return AttentionCore(forward, backward, 0.0, flop)
    heads_here = micro_batch * heads / tensor
    scores = matmul(chip, sequence / context, qk_dim, sequence, heads_here)
    values = matmul(chip, sequence / context, sequence, v_dim, heads_here)
    softmax = coeff.score_bytes_forward * heads_here * (sequence / context) * sequence / chip.memory_bandwidth
    forward = scores.forward + values.forward + softmax
    backward = scores.backward + values.backward + coeff.backward_traffic_ratio * softmax
    return AttentionCore(forward, backward, forward, flop)


def ssd_scan(chip: Chip, model, *, micro_batch: int, sequence: int, tensor: int) -> AttentionCore:
    """One Mamba-2 layer's SSD scan on one chip: the chunked algorithm's four steps [Dao2024] sec. 6, Listing 1,
    as the batched products they are, each timed by :func:`matmul_time` at the 16-bit rate (mamba_ssm's Triton
    kernels run them in bf16 with fp32 states whatever the projections' format): per chunk of Q tokens and
    group, C B^T (Q x N)(N x Q); per chunk and head, the masked scores times X (Q x Q)(Q x P), the chunk's
    state B^T X (N x Q)(Q x P) and the output from the passed states C h (Q x N)(N x P); between chunks the
    fp32 states (N x P per head) written, passed on and read again. Backward: each product's two gradient
    products, as :func:`matmul`; five kernels each way (mamba_ssm's ``_mamba_chunk_scan_combined_fwd``:
    chunk cumsum, chunk state, state passing, bmm chunk, chunk scan). Heads and groups split over ``tensor``.
    """
    Q, N, P = model.ssd_chunk, model.ssm_state, model.mamba_head_dim
    chunks = micro_batch * max(sequence // Q, 1)
    heads, groups = chunks * model.mamba_heads / tensor, chunks * max(model.mamba_groups / tensor, 1)
    products = ((Q, N, Q, groups), (Q, Q, P, heads), (N, Q, P, heads), (Q, N, P, heads))
    forward = sum(matmul_time(chip, M, K, N_, b, sixteen_bit=True) for M, K, N_, b in products)
    backward = sum(matmul_time(chip, M, N_, K, b, sixteen_bit=True) + matmul_time(chip, K, M, N_, b, sixteen_bit=True)
                   for M, K, N_, b in products)
    states = 2 * 4.0 * heads * N * P / chip.memory_bandwidth  # fp32 states written and read again
    overhead = 5 * chip.coefficients.kernel_overhead
    flop = micro_batch * sequence * model.ssd_flop / tensor
    back = chip.coefficients.backward_traffic_ratio
    return AttentionCore(forward + states + overhead, backward + back * states + overhead, 0.0, flop)


def mamba_traffic(chip: Chip, model, tokens: float, tensor: int) -> float:
    """Forward seconds of a Mamba-2 layer's memory-bound work besides the scan [Dao2024] sec. 7.1, Fig. 6: the
    causal conv1d with its SiLU over x, B and C (read and written, 16 bits) and the gated RMSNorm of the scan's
    output by z (y and z read, the product written), each with its kernel's fixed cost."""
    conv = model.d_inner + 2 * model.mamba_groups * model.ssm_state
    nbytes = 2.0 * tokens * (2 * conv + 3 * model.d_inner) / tensor
    return nbytes / chip.memory_bandwidth + 2 * chip.coefficients.kernel_overhead


# --------------------------------------------------------------------------- memory-bound operations


def hidden_state_traffic(chip: Chip, tokens: float, hidden: int) -> float:
    """Forward seconds of a layer's norms and bias-dropout-residual adds on ``tokens`` x ``hidden``
    (``hidden_bytes_forward`` per element) [Korthikanti2022] sec. 4.1."""
    return chip.coefficients.hidden_bytes_forward * tokens * hidden / chip.memory_bandwidth


def elementwise_kernels(chip: Chip, model, eager: bool = False) -> float:
    """Forward seconds of the fixed cost (launch, ramp-up, tail: ``kernel_overhead``, as each matmul pays) of a
    layer's memory-bound kernels, one each: its norms, the two bias-dropout-residual adds, the activation, and
    rotary embedding on the queries and on the keys (Megatron-Core's TransformerLayer: input_layernorm,
    self_attn_bda, pre_mlp_layernorm, mlp's bias_swiglu / bias_gelu, mlp_bda; attention.py applies
    apply_rotary_pos_emb to query and key apart) [Isaev2023]. The backward pays one kernel per forward one.

    ``eager``: as TorchTitan's code runs without torch.compile (the code ``eager_traffic`` counts bytes of): each
    RMSNorm (a LayerNorm stays one kernel) 8 kernels (x.float(), pow, mean, + eps, rsqrt, x *, type_as, * weight), rotary 3 on each of the
    queries and keys (float(), the complex product, type_as), SwiGLU 2 (silu, then the product).
    """
    rotary = 0 if model.learned_positions else (6 if eager else 2)
    norm = 8 if eager and model.norm == "rmsnorm" else 1  # eager LayerNorm is one kernel (F.layer_norm)
    count = model.norms_per_layer * norm + 2 + (2 if eager and model.gated else 1) + rotary
    return count * chip.coefficients.kernel_overhead


def activation_traffic(chip: Chip, tokens: float, width: int, tensor: int, gated: bool, eager: bool) -> float:
    """Forward seconds of the fused bias-activation on a feed-forward block of ``width`` split over ``tensor``
    ranks (gated: 1.5x, two inputs); in eager mode SwiGLU's two kernels add ``eager_swiglu_bytes`` over
    forward and backward, counted per forward pass as the backward ratio then applies (TorchTitan's code)."""
    coeff = chip.coefficients
    seconds = coeff.ffn_bytes_forward * (1.5 if gated else 1) * tokens * width / tensor / chip.memory_bandwidth
    if eager and gated:
        seconds += coeff.eager_swiglu_bytes / (1 + coeff.backward_traffic_ratio) * tokens * width / tensor / chip.memory_bandwidth
    return seconds


def eager_traffic(chip: Chip, model, tokens: float, tokens_sequence_parallel: float, tensor: int) -> float:
    """Seconds per layer, forward and backward, of unfused RMSNorm and rotary embedding beyond the fused
    kernels (TorchTitan's RMSNorm and apply_rotary_emb; Hugging Face's LlamaRMSNorm is the same)."""
    coeff = chip.coefficients
    traffic = 0.0
    if model.norm == "rmsnorm":
        traffic += coeff.eager_rmsnorm_bytes * model.norms_per_layer * tokens_sequence_parallel * model.d_model
    if not model.learned_positions:
        traffic += coeff.eager_rope_bytes * tokens * (model.heads + model.kv) * model.qk_dim / tensor
    return traffic / chip.memory_bandwidth


def loss_traffic(chip: Chip, tokens: float, vocab: int, tensor: int) -> float:
    """Seconds of the cross-entropy over fp32 logits, forward and backward (``cross_entropy_bytes`` per
    token and vocabulary entry on this rank's share)."""
    return chip.coefficients.cross_entropy_bytes * tokens * vocab / tensor / chip.memory_bandwidth


def optimizer_traffic(chip: Chip, params: float, shards: int) -> float:
    """Seconds of one mixed-precision Adam step over this chip's ``params`` / ``shards``
    (``optimizer_traffic`` bytes per parameter) [Micikevicius2018] sec. 3.1, [Rajbhandari2020]."""
    return chip.coefficients.optimizer_traffic * params / shards / chip.memory_bandwidth


def gradient_accumulation_traffic(chip: Chip, params: float, micro_batches: int) -> float:
    """Seconds per step of adding each micro-batch's 16-bit weight gradients to the running sum in a separate
    pass: read the new gradient, read and write the sum (fp32; fp16 under fp16, as Megatron-LM 2021 kept it)."""
    per_param = 2 + 2 * (2 if chip.precision == "fp16" else chip.coefficients.grad_accumulator_bytes)
    return micro_batches * per_param * params / chip.memory_bandwidth
