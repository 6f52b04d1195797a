"""The two phases of serving on one replica, as arrays over batch sizes: prefill and decode.

    prefill   the training forward pass over the prompt tokens (compute-bound): every matmul at the
              chip's measured best rate (x prefill_matmul_efficiency), the causal attention core
              at the fused-attention rate, two tensor-parallel all-reduces per layer
                                                                     [Pope2022] sec. 3, [Narayanan2021] sec. 3.2
    decode    one token per sequence per step (memory-bound): the weights the step touches and
              the KV cache of every sequence read at the achievable bandwidth, each a roofline
              against its FLOP; two all-reduces per layer; a fixed cost per layer and per step
                                                                     [Pope2022] sec. 3.1, [Chen2022] (kipply)
              the dense products of a batch of hundreds of rows sit near the ridge, where streaming the
              weights and computing overlap only in part, as the grouped ones below (DeepGEMM's dense
              FP8 GEMMs of 64 to 4,096 rows: ``grouped_roofline``)
    eager     an engine without CUDA or HIP graphs (vLLM's enforce_eager: AMD's MLPerf harnesses) dispatches every
              kernel of every layer from the host each step: a layer takes at least its kernels and other PyTorch
              operations x their host time (``host_dispatch``), whatever the GPU's share
    host      the engine's own work per sequence of a step on the CPU (scheduler, sampler's bookkeeping, responses:
              ``host_step``, data/serving_host.csv): added to the step, or with an overlap scheduler (TensorRT-LLM's
              PyTorch backend) run beside the GPU's next step, the step then the longer of the two (``hosted``)
    both      the memory-bound kernels between the products on every token of the step: the norms fused with
              the residual adds and the feed-forward's activation (``elementwise``: TensorRT-LLM's fused
              add-RMSNorm, the step model's activation bytes [Korthikanti2022] sec. 4.1)
    MoE       only the experts the step's tokens reach are read: E (1 - (1 - k/E)^n); their products
              run as grouped GEMMs at their shape's tile and wave quantization and each group's measured share of
              the best rate by shape (the step model's OpenXLA tables: a short inner dimension is slow), and
              overlap weights and compute only in part near the ridge (DeepGEMM's masked layout); in decode, on a
              chip whose MoE layers are measured at the experts' precision, at the weight-streaming bandwidth and rate
              fitted to those layers (``terms.measured_experts``: TensorRT-LLM's fused MoE on H200 and B200), in
              prefill at the rate fitted to the same layers of the model's expert shape at 1K-8K tokens (FP8:
              ``terms.prefill_expert_rates``); the
              engine's routing, permutation and combine kernels move each token's k rows of d_model
              on every tensor rank (TensorRT-LLM's MoE runner), at a fixed cost per kernel
    layout    tensor T chips share each layer, pipeline P stages share the layers; expert parallel
              groups split the experts inside the T chips (bytes per chip are the same when the
              load balances); attention data parallel replicates attention and the dense layers on
              each of the T chips, each with 1/T of the sequences and its own KV cache, the MoE
              layers dispatching each chip's tokens to their top-k experts and combining them back
              (all-to-all, FP8 out, BF16 back: DeepEP) [DeepSeekAI2024] sec. 3.4

Everything inside is plain floats and numpy arrays; ``calc.serve`` builds the Quantities.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from calc import data
from calc.architecture import Transformer
from calc.serve import footprint
from calc.serve.terms import (
    Rates,
    all_reduce_time,
    expert_exchange_time,
    gather_exchange_time,
    grouped_matmul_time,
    matmul_time,
    send_latency,
)

ACTIVATION_BYTES = 2.0  # activations travel in 16 bits between layers and chips
ROUTER_KERNELS = 2  # a MoE layer's router product and top-k, whatever carries its tokens to the experts
NORM_BYTES = 8.0  # a fused residual add and RMSNorm: read and write the hidden state and the residual, 16 bits each


@dataclass(frozen=True)
class Coefficients:
    """The serving-only coefficients of data/serving_coefficients.csv, typed."""

    decode_bandwidth_efficiency: float
    decode_step_overhead: float  # s
    decode_layer_overhead: float  # s
    prefill_matmul_efficiency: float
    kv_memory_fraction: float
    load_power_fraction_prefill: float
    load_power_fraction_decode: float
    blend_input_per_output: float
    moe_routing_kernels: float  # kernels a MoE layer launches beside its two grouped GEMMs and activation
    grouped_gemm_overlap: float  # p of the grouped GEMMs' (memory^p + compute^p)^(1/p)
    eager_kernel_host_time: float  # s: host time of one kernel-launching operation of an eager PyTorch forward
    eager_op_host_time: float  # s: host time of one PyTorch operation that launches no kernel (view, slice, allocation)
    eager_kernels_per_layer: float  # kernels a dense decoder layer launches in a decode step without graphs
    eager_ops_per_layer: float  # operations without a kernel a dense decoder layer runs in a decode step without graphs
    adp_eager_step_share: float  # a step under attention data parallelism without CUDA graphs: this much longer


_OVERRIDE: list[Coefficients] = []  # set only inside ``fitted`` (calibration), innermost last


def coefficients() -> Coefficients:
    """The sourced serving coefficients (data/serving_coefficients.csv), or those a calibration is trying."""
    return _OVERRIDE[-1] if _OVERRIDE else _sourced()


class fitted:
    """``with fitted(coefficients):`` predictions use ``coefficients`` instead of the sourced ones."""

    def __init__(self, k: Coefficients):
        self.k = k

    def __enter__(self):
        _OVERRIDE.append(self.k)
        return self.k

    def __exit__(self, *exc):
        _OVERRIDE.pop()


@lru_cache(maxsize=1)
def _sourced() -> Coefficients:
    k = data.serving_coefficients()
    return Coefficients(**{n: float(k[n].m_as("s") if k[n].check("[time]") else k[n].magnitude)
                           for n in Coefficients.__dataclass_fields__})


@dataclass(frozen=True)
class Layout:
    """How one replica spreads over its chips: tensor x pipeline chips."""

    tensor: int = 1
    pipeline: int = 1
    expert: int = 1
    attention_data_parallel: bool = False
    gather_bytes: float = 0.0  # > 0: attention data parallel ranks all-gather every rank's tokens (this many bytes an
    # element) before each MoE layer and reduce-scatter its BF16 outputs (TensorRT-LLM without an all-to-all); 0: DeepEP
    # the busiest expert-parallel rank's routed tokens over the mean (its grouped products pace every MoE layer; 1:
    # balanced): ``calc.serve.load.expert_load``, from a router's measured spread
    expert_load: float = 1.0
    # the busiest expert-parallel rank's experts over the even share N / E: ceil(N / E) E / N, where E does not divide
    # the N experts (vLLM's determine_expert_map, fused_moe/layer.py: the first N mod E ranks hold one more); 1 where it
    # does. That rank holds, reads and multiplies this many times the even share, and paces each MoE layer
    uneven: float = 1.0

    @property
    def chips(self) -> int:
        """Chips of one replica: tensor x pipeline."""
        return self.tensor * self.pipeline


@dataclass(frozen=True)
class Shape:
    """What serving needs of a model, as floats: parameter groups and attention widths."""

    layers: int
    d_model: int
    heads: int
    qk_dim: int
    v_dim: int
    dense: float  # params every token uses in every step: attention, dense feed-forward, shared experts, norms, router
    unembedding: float  # params of the output layer, read every step
    embedding: float  # params of the input embedding (held, rows read only)
    expert: float  # params of one routed expert in one layer
    experts: int
    per_token: int
    moe_layers: int
    kv_elements: int  # cached elements per token and layer
    latent: bool  # MLA: the latent is shared by all heads (replicated over tensor-parallel ranks)
    kv_heads: int
    attention_width: int  # per head and cached token, the FLOP-carrying width of scores + values in decode
    expert_ff: int = 0  # a routed expert's feed-forward width
    gated: bool = False  # gate and up projections (SwiGLU): the first product is twice as wide
    dense_ff: float = 0.0  # dense feed-forward width per layer on average: dense layers' and shared experts' widths, over the layers
    norms: int = 2  # norms per layer


@lru_cache(maxsize=1024)
def shape(model: Transformer) -> Shape:
    """The parameter groups of ``model`` that serving reads differently."""
    bk = {k: v.m_as("param") for k, v in model.breakdown().items()}
    routed = bk.get("routed experts", 0.0)
    unemb = bk.get("unembedding", 0.0) or bk.get("embedding", 0.0)  # tied: the embedding is read as the output layer
    embedding = bk.get("embedding", 0.0) if "unembedding" in bk else 0.0
    dense = model.params().m_as("param") - routed - embedding - bk.get("unembedding", 0.0)
    latent = model.kv_lora_rank is not None
    if latent:  # absorbed MLA decode: scores over latent + rotary key, values over the latent [DeepSeekAI2024b] sec. 2.1
        width = 2 * model.kv_lora_rank + model.qk_rope_head_dim
    else:
        width = model.qk_dim + model.v_dim
    return Shape(
        layers=model.layers, d_model=model.d_model, heads=model.heads, qk_dim=model.qk_dim, v_dim=model.v_dim,
        dense=dense, unembedding=unemb, embedding=embedding,
        expert=routed / (model.experts * model.moe_layers) if model.moe_layers else 0.0,
        experts=model.experts, per_token=model.experts_per_token, moe_layers=model.moe_layers,
        kv_elements=footprint.kv_elements_per_token_layer(model), latent=latent, kv_heads=model.kv,
        attention_width=width, expert_ff=model.expert_ff if model.moe_layers else 0, gated=model.gated,
        dense_ff=(model.ff * model.dense_ffn_layers + model.shared_ff * model.moe_layers) / model.layers,
        norms=model.norms_per_layer)


# --------------------------------------------------------------------------- memory


def weights_per_chip(s: Shape, lay: Layout, weight_bytes: float, expert_bytes: float | None = None) -> float:
    """Bytes of weights each chip holds: dense parts split T ways (replicated under attention data
    parallelism), experts split over the T chips, layers over P stages. ``expert_bytes``: bytes per routed-expert
    weight when the experts are held in another format than the rest (GPT-OSS: MXFP4); default ``weight_bytes``."""
    eb = weight_bytes if expert_bytes is None else expert_bytes
    dense_split = 1 if lay.attention_data_parallel else lay.tensor
    routed = s.expert * s.experts * s.moe_layers
    return (weight_bytes * (s.dense + s.unembedding + s.embedding) / dense_split + eb * routed * lay.uneven / lay.tensor) / lay.pipeline


def kv_per_token_chip(s: Shape, lay: Layout, kv_bytes: float) -> float:
    """Bytes of KV cache per token of one sequence on a chip that holds that sequence: heads split
    over T (a key/value head is copied when T exceeds the heads); the MLA latent copied on every
    rank; under attention data parallelism the whole cache, on one chip."""
    if lay.attention_data_parallel or s.latent:
        share = 1.0
    else:
        share = max(1.0 / lay.tensor, 1.0 / s.kv_heads)
    return s.kv_elements * share * kv_bytes * s.layers / lay.pipeline


def max_concurrency(s: Shape, lay: Layout, r: Rates, weight_bytes: float, kv_bytes: float, cached,
                    expert_bytes: float | None = None, kv_fraction: float | None = None,
                    mtp: Shape | None = None) -> np.ndarray:
    """Sequences of ``cached`` tokens each that one replica's memory holds (may be 0 or negative
    when the weights alone do not fit): the KV share of the memory left after the weights
    (``kv_fraction``, the engine's setting where a run states it; default data/serving_coefficients.csv
    kv_memory_fraction). ``mtp``: the multi-token prediction module a speculative decode runs (``mtp_shape``): its
    weights and its layer of KV cache held too (``mtp_held``)."""
    share = coefficients().kv_memory_fraction if kv_fraction is None else kv_fraction
    w = weights_per_chip(s, lay, weight_bytes, expert_bytes)
    per_token = kv_per_token_chip(s, lay, kv_bytes)
    if mtp is not None:
        mw, mkv = mtp_held(mtp, lay, weight_bytes, kv_bytes, expert_bytes)
        w, per_token = w + mw, per_token + mkv
    free = share * (r.capacity - w)
    per_seq = per_token * np.asarray(cached, dtype=float)
    per_chip = np.floor(free / per_seq)
    return per_chip * (lay.tensor if lay.attention_data_parallel else 1)


# --------------------------------------------------------------------------- time


def expert_matmuls(s: Shape, lay: Layout, r: Rates, tokens, rate: float | None = None):
    """Seconds of the routed experts' products of one MoE layer on one chip carrying ``tokens`` (an
    array: the replica's tokens of the step) as grouped GEMMs: the chip's share (1 / E) of the experts the
    tokens touch, each split over T / E chips, each getting tokens x k / touched rows; up (and gate) then down, each at its shape's
    tile and wave quantization (``terms.grouped_matmul_time``), not at the best rate of a large product."""
    n = np.asarray(tokens, dtype=float)
    touched = footprint.experts_touched(n, s.experts, s.per_token)  # the grouped GEMM skips experts with no rows
    groups = touched / lay.expert * lay.uneven
    split = lay.tensor / lay.expert
    rows = n * s.per_token / np.maximum(touched, 1e-9)
    width = s.expert_ff / split
    up = grouped_matmul_time(r, rows, s.d_model, int(round((2 if s.gated else 1) * width)), groups, rate)
    return up + grouped_matmul_time(r, rows, int(round(width)), s.d_model, groups, rate)


def routing_kernels(lay: Layout) -> float:
    """Kernels of one MoE layer's own work beside its grouped GEMMs (``moe_routing``): the router's product and its top-k
    (``ROUTER_KERNELS``) where DeepEP's dispatch and combine permute and sum the rows (attention data parallelism
    without an all-gather), else TensorRT-LLM's runner's ``moe_routing_kernels`` (data/serving_coefficients.csv)."""
    if lay.attention_data_parallel and not lay.gather_bytes:
        return float(ROUTER_KERNELS)
    return coefficients().moe_routing_kernels


def moe_routing(s: Shape, lay: Layout, r: Rates, tokens, bandwidth: float):
    """Seconds of one MoE layer's own work on one chip beside its expert weights and products, and the bytes its
    grouped GEMMs move besides the weights (arrays over ``tokens``, the replica's tokens of the step):
    ``(kernels, gemm_bytes)``.

    .. math:: t = n_k \\, t_k + a \\, [3 R h + N h + 3 R w \\, [g = 2]] / B, \\qquad
              b_{gemm} = a \\, R \\, (2 h + (g + 1) w)

    (g = 2 for a gated feed-forward, whose activation is a kernel of its own; w the expert width on a chip)

    TensorRT-LLM's MoE runner (``CutlassMoeFCRunner::runMoe``, cpp/tensorrt_llm/kernels/mixtureOfExperts/
    moe_kernels.cu): the router's product and ``topkGatingSoftmax``, a radix sort of the R = N k / E_p routed rows by
    expert (cub, an upsweep, a scan and a downsweep), ``computeTotalRowsBeforeExpert``, ``expandInputRows`` (each
    token copied into its k rows in expert order: read and write R rows of h elements), the two grouped GEMMs with the
    gated activation between them (``doGatedActivation``: read the 2 w wide rows, write w), and
    ``finalizeMoeRouting`` (read the R rows of the second GEMM's output, write the N tokens): ``moe_routing_kernels``
    (data/serving_coefficients.csv) kernels beyond a dense feed-forward's, each at the fixed cost per kernel of the
    step model (``kernel_overhead``, [Isaev2023]); every row in 16 bits (a = 2 bytes). Under tensor parallelism
    each rank runs the layer on all N tokens with w = ff / T of each expert: the h-wide rows (the permutation, the
    second GEMM's output, the combine) do not shrink with T. The grouped GEMMs read their R input rows and write
    their output rows (``gemm_bytes``), inside their roofline with the weights. Under attention data parallelism
    the tokens reach their experts through DeepEP's dispatch and combine, which permute the rows and sum a token's
    k outputs inside the exchange (deepseek-ai/DeepEP, README.md; ``expert_exchange_time``): only the router's
    product and its top-k remain (``ROUTER_KERNELS``). Where the ranks all-gather their tokens instead
    (``Layout.gather_bytes``: TensorRT-LLM's CutlassFusedMoE, "routing + fp4_allgather + FusedMoe Op + reducescatter,
    with AttentionDP on") each rank runs the whole runner over the N gathered tokens of all ranks, its R = N k / E_p
    rows, and writes the N tokens' outputs for the reduce-scatter."""
    n = np.asarray(tokens, dtype=float)
    rows = n * s.per_token / lay.expert * lay.uneven
    w = s.expert_ff / (lay.tensor / lay.expert)
    g = 2.0 if s.gated else 1.0
    act = 3.0 * rows * w if s.gated else 0.0 * rows  # a separate kernel only for a gated activation
    count = routing_kernels(lay)
    dispatched = lay.attention_data_parallel and not lay.gather_bytes  # DeepEP's dispatch and combine permute the rows
    permuted = 0.0 * rows if dispatched else 3.0 * rows * s.d_model + n * s.d_model
    moved = ACTIVATION_BYTES * (permuted + act)
    kernels = count * r.chip.kernel_overhead + moved / bandwidth
    return kernels, ACTIVATION_BYTES * rows * (2.0 * s.d_model + (g + 1.0) * w)


def grouped_roofline(memory, compute):
    """Seconds of grouped GEMMs that stream their weights for ``memory`` seconds and compute for ``compute`` (arrays):
    (m^p + c^p)^(1/p), p = ``grouped_gemm_overlap`` (data/serving_coefficients.csv). A grouped GEMM near its ridge
    overlaps the two only in part: DeepGEMM's masked-layout grouped GEMMs for MoE decode (H800, FP8, 1-4 groups of
    256-1,024 rows) run 1.10-1.46x the roofline max(m, c) of this model's rates, most where m = c; p = 1.5 puts them
    within 10% (tests/test_serve.py). Far from the ridge it is the roofline. Decode's dense products (attention
    projections, feed-forward, output layer: one GEMM per weight of a batch's rows) run the same way: against
    DeepGEMM's dense FP8 GEMMs (H800, 64, 128 and 4,096 rows, 17 shapes) this curve at the same p misses by 12% at
    the median where the plain roofline misses by 22% (tests/test_serve.py).

    >>> round(float(grouped_roofline(1.0, 1.0)), 3), round(float(grouped_roofline(1.0, 0.1)), 3)
    (1.587, 1.021)
    """
    p = coefficients().grouped_gemm_overlap
    m, c = np.asarray(memory, dtype=float), np.asarray(compute, dtype=float)
    top = np.maximum(np.maximum(m, c), 1e-300)
    return top * ((m / top) ** p + (c / top) ** p) ** (1.0 / p)


def elementwise(s: Shape, lay: Layout, r: Rates, tokens):
    """Seconds per layer of the memory-bound element-wise kernels on ``tokens`` (an array) at the streaming bandwidth.

    .. math:: t = n \\, (b_{norm} \\, N_{norm} \\, h + b_{ffn} \\, [1.5]_{gated} \\, f / T) / B

    Each norm fused with the residual add that precedes it (TensorRT-LLM's ``RMSNorm.forward`` with a residual:
    ``flashinfer_fused_add_rmsnorm``, in place: read the hidden state and the residual, write both, 16 bits each,
    ``NORM_BYTES`` = 8 per element; tensorrt_llm/_torch/modules/rms_norm.py), on every rank's whole hidden state; the
    dense feed-forward's activation at the step model's ``ffn_bytes_forward`` (data/step_coefficients.csv: read its
    input, write its output, 16 bits; gated 1.5x, two inputs [Korthikanti2022] sec. 4.1) on the rank's 1 / T of the
    width f (the dense layers' and shared experts' width per layer; routed experts' activations are ``moe_routing``'s).
    A batch of thousands of tokens moves gigabytes through them a step; the casts of the products' inputs to 8 bits
    are not counted."""
    n = np.asarray(tokens, dtype=float)
    split = 1 if lay.attention_data_parallel else lay.tensor
    ffn = r.chip.coefficients.ffn_bytes_forward * (1.5 if s.gated else 1.0) * s.dense_ff / split
    return n * (NORM_BYTES * s.norms * s.d_model + ffn) / r.streaming_bandwidth


def _dispatch_bytes(weight_bytes: float) -> float:
    """Bytes per element a token's hidden state is dispatched in: FP8 when the experts run in 8 bits or
    fewer (DeepEP's dispatch casts to FP8), else 16 bits."""
    return 1.0 if weight_bytes <= 1.0 else ACTIVATION_BYTES


def _exchange(s: Shape, lay: Layout, r: Rates, tokens, expert_bytes: float):
    """Seconds of one MoE layer's token exchange under attention data parallelism, each of the T chips carrying
    ``tokens``: DeepEP's all-to-all dispatch and combine (``expert_exchange_time``), or where ``Layout.gather_bytes`` is
    set, an all-gather of all T chips' tokens in that format and a reduce-scatter of their BF16 outputs
    (``gather_exchange_time``)."""
    if lay.gather_bytes:
        return gather_exchange_time(r, tokens, s.d_model, lay.tensor, lay.gather_bytes)
    return expert_exchange_time(r, tokens, s.d_model, s.per_token, lay.tensor, _dispatch_bytes(expert_bytes))


def host_dispatch(layers: float) -> float:
    """Host seconds to dispatch ``layers`` decoder layers of one decode step in eager mode (no CUDA or HIP graphs).

    .. math:: t_{host} = L \\, (n_k \\, t_k + n_o \\, t_o)

    n_k, n_o: the kernels and the Python-level operations that launch none (views, slices, allocations) of a Llama
    layer in AMD's vLLM for ROCm, FP8 (13 and 36, ``eager_kernels_per_layer``, ``eager_ops_per_layer``); t_o = 2.3 us
    an operation (PyTorch's operator micro-benchmark, ``eager_op_host_time``), t_k = 18.0 us a kernel (``eager_kernel
    _host_time``: gpt-fast's Llama 2 7B in eager PyTorch on MI210, host-bound at batch 1, 34.95 ms a token over its 1,816
    kernels and 998 other operations [Song2024]), data/serving_coefficients.csv. In eager mode the host runs the model's
    Python and PyTorch's dispatcher and launches each kernel as it goes; the GPU runs them as they arrive, so a layer
    takes the longer of its GPU time and its host time (the GPU waits where the host is slower), where a graph replays
    the step in one launch [Nguyen2021].

    >>> round(host_dispatch(80) * 1e3, 1)  # Llama 2 70B's 80 layers: 80 x (13 x 18.0 + 36 x 2.3) us
    25.3
    """
    k = coefficients()
    return layers * (k.eager_kernels_per_layer * k.eager_kernel_host_time + k.eager_ops_per_layer * k.eager_op_host_time)


def decode_step(s: Shape, lay: Layout, r: Rates, weight_bytes: float, kv_bytes: float, batch, context,
                kv_reads: float = 1.0, expert_bytes: float | None = None, eager: bool = False, queries: int = 1) -> dict:
    """Seconds of one decode step of a replica carrying ``batch`` sequences of ``context`` cached
    tokens on average, by part (arrays over ``batch``): {"weights", "kv cache", "compute",
    "communication", "overhead"} plus "total". Pipeline stages each carry 1/P of the batch in turn.
    ``kv_reads``: times each cached key and value is read per step (1 with a grouped-query decode
    kernel; heads / kv_heads with a kernel that reads them once per query head). ``expert_bytes``: bytes per
    routed-expert weight (default ``weight_bytes``; GPT-OSS's MXFP4 experts beside BF16 attention). The routed experts'
    grouped GEMMs stream and compute at the chip's measured MoE layers' bandwidth and rate where ``r`` has them
    (``Rates.expert_bandwidth``, ``terms.measured_experts``) and the experts are in the rates' precision. ``eager``: the
    engine runs without graphs: where a stage's layers take less GPU time than the host needs to dispatch their
    kernels (``host_dispatch``), the difference is added to "overhead" (the GPU waits for the host). ``queries``: tokens
    each sequence carries through the step (1; k + 1 where a speculative step verifies k draft tokens,
    ``speculative_step``): the products' rows, the experts', the attention's queries, the element-wise and the exchanged
    rows x ``queries``; the weights and each sequence's cached keys and values are read once."""
    k = coefficients()
    eb = weight_bytes if expert_bytes is None else expert_bytes
    b = np.asarray(batch, dtype=float) / lay.pipeline  # sequences of one micro-batch (P in flight)
    q = float(queries)  # tokens of each sequence in the step
    n = b * q  # rows of the step's products
    bw = r.memory_bandwidth * k.decode_bandwidth_efficiency
    layers = s.layers / lay.pipeline
    T = lay.tensor
    adp = lay.attention_data_parallel
    dense_split = 1 if adp else T
    b_attn = b / T if adp else b  # sequences whose attention and dense layers run on each chip

    # dense weights (attention, dense feed-forward, shared experts, output layer): one roofline
    dense_params = (s.dense + s.unembedding) / dense_split / lay.pipeline
    dense_mem = dense_params * weight_bytes / (r.product_bandwidth * k.decode_bandwidth_efficiency)  # ``product_share``
    dense_flop = 2.0 * dense_params * b_attn * q / r.matmul
    # routed experts: the ones the micro-batch's tokens reach, spread over the T chips
    moe_layers = s.moe_layers / lay.pipeline
    touched = footprint.experts_touched(n, s.experts, s.per_token) if s.moe_layers else 0.0
    # the chip's measured MoE layers at the experts' precision, where it has them (``terms.measured_experts``)
    measured = r.expert_bandwidth and (expert_bytes is None or expert_bytes == weight_bytes)
    ebw = r.expert_bandwidth if measured else bw
    moe_mem = moe_layers * touched * s.expert * eb * lay.uneven / T / ebw
    # the busiest expert rank's rows pace each MoE layer (``Layout.expert_load``; the weights read are every rank's own)
    moe_flop = (moe_layers * expert_matmuls(s, lay, r, n * lay.expert_load, r.expert_rate if measured else None)
                if s.moe_layers else 0.0 * b)
    if s.moe_layers:  # routing, permutation and combine; the GEMMs' own rows beside the weights
        routing, gemm_bytes = moe_routing(s, lay, r, n, bw)
        moe_mem = moe_mem + moe_layers * gemm_bytes / ebw
        routing = moe_layers * routing
    else:
        routing = 0.0 * b
    # attention over the cache: read every cached token once, scores and values against it
    kv_chip = kv_per_token_chip(s, lay, kv_bytes)
    heads_chip = s.heads if adp else s.heads / T
    kv_mem = b_attn * context * kv_chip * kv_reads / bw
    attn_flop = 2.0 * b_attn * q * context * heads_chip * s.attention_width * layers / r.attention

    act = n * s.d_model * ACTIVATION_BYTES
    if adp:  # each chip's tokens dispatched to their experts and combined back on each MoE layer
        comm = moe_layers * _exchange(s, lay, r, b_attn * q, eb)
    else:
        comm = 2 * layers * all_reduce_time(r, act, T)
    comm = comm + (send_latency(r) if lay.pipeline > 1 else 0.0)  # hand-off to the next stage (none for one stage)
    overhead = layers * k.decode_layer_overhead + routing

    moe = grouped_roofline(moe_mem, moe_flop)
    dense_t = grouped_roofline(dense_mem, dense_flop)  # near the ridge weights and compute overlap only in part
    weights = dense_t * (dense_mem >= dense_flop) + moe * (moe_mem >= moe_flop)
    compute = dense_t * (dense_flop > dense_mem) + moe * (moe_flop > moe_mem) + attn_flop * (attn_flop > kv_mem)
    kv = kv_mem * (kv_mem >= attn_flop)
    compute = compute + layers * elementwise(s, lay, r, b_attn * q)
    stage = weights + compute + kv + comm + overhead
    if eager:  # the host dispatching every kernel sets the pace where the GPU's layers are shorter
        wait = np.maximum(host_dispatch(layers) - stage, 0.0)
        overhead, stage = overhead + wait, stage + wait
    # P micro-batches each pass the P stages: a token of each sequence every P stage times. Each micro-batch is an
    # iteration of the engine's loop of its own, scheduled, launched and sampled apart (TensorRT-LLM's forwardAsync
    # takes one micro-batch at a time [NVIDIA2025trtllmpp]): the step's fixed cost is paid by each of the P
    P = lay.pipeline
    parts = {"weights": weights * P, "kv cache": kv * P, "compute": compute * P,
             "communication": comm * P, "overhead": (overhead + k.decode_step_overhead) * P}
    parts["total"] = (stage + k.decode_step_overhead) * P
    return parts


@lru_cache(maxsize=256)
def mtp_shape(model: Transformer) -> Shape | None:
    """One multi-token prediction module of ``model`` as a one-layer ``Shape`` (None without one): its transformer
    layer (with the model's routed experts where the model has them), the projection of 2 d to d and its norms
    (``Transformer.mtp_params``), reading the main model's output head each pass; the embedding and the head are the
    main model's, held once [DeepSeekAI2024] sec. 2.2. DeepSeek-V3/R1: one module (num_nextn_predict_layers 1)."""
    if not model.mtp_modules:
        return None
    s = shape(model)
    moe = 1 if s.moe_layers else 0
    routed = s.expert * s.experts * moe
    per = model.mtp_params().m_as("param") / model.mtp_modules
    ff = (model.shared_ff if moe else model.ff) or 0
    return replace(s, layers=1, moe_layers=moe, dense=per - routed, embedding=0.0, dense_ff=float(ff))


def speculative_step(s: Shape, mtp: Shape, lay: Layout, r: Rates, weight_bytes: float, kv_bytes: float, batch,
                     context, draft: int, accepted: float, kv_reads: float = 1.0, expert_bytes: float | None = None,
                     eager: bool = False) -> dict:
    """Seconds of decode per emitted token of a speculative step with ``draft`` draft tokens (k) from the model's
    multi-token prediction module and ``accepted`` tokens emitted per sequence and step on average (a, 1 <= a <= k + 1),
    by part as ``decode_step`` (arrays over ``batch``).

    .. math:: t_{token} = \\frac{t_{decode}(B, q = k + 1) + t_{MTP}(B, q = a) + (k - 1) \\, t_{MTP}(B)}{a}

    The target model verifies the k + 1 tokens of each sequence in one step (``decode_step`` with ``queries`` k + 1:
    the weights and each sequence's cache read once, the products, the attention's queries and the per-token work
    x (k + 1)), then drafts the next step's k tokens with k passes of the one MTP module reused (TensorRT-LLM's "MTP
    Eagle", its default path for DeepSeek-V3/R1 whose checkpoints hold one module: "call the same MTP module forward K
    times"; the first pass over the a accepted tokens of each sequence, the others over one; verification and drafting
    captured in one CUDA graph, so the step's fixed cost is paid once), each pass one layer of the model's shape
    (``mtp_shape``) and the shared output head (TensorRT-LLM tech blog 2, DeepSeek R1 MTP Implementation and
    Optimization, 2025-05-23 [NVIDIA2025trtllmmtp]; [DeepSeekAI2024] sec. 2.2). The step emits a tokens a sequence: the
    expected tokens per step of speculative decoding, (1 - alpha^(k+1)) / (1 - alpha) for an i.i.d. acceptance alpha
    [Leviathan2023] eq. 1, here taken as the user's or the source's stated mean a, never fitted. Under pipeline
    parallelism the module runs on the last stage after each of the P micro-batches (1 / P of the sequences each). The
    MTP module's weights are taken at the main model's precision (TensorRT-LLM's min-latency recipe holds them in BF16
    beside FP4 experts: not counted).

    >>> from calc.architecture import lookup
    >>> from calc.serve.terms import rates
    >>> from calc import data
    >>> m = lookup("DeepSeek-V3"); r = rates(data.hardware("B200"), "fp8")
    >>> one = decode_step(shape(m), Layout(8), r, 1.0, 1.0, 1.0, 2000.0)["total"]
    >>> spec = speculative_step(shape(m), mtp_shape(m), Layout(8), r, 1.0, 1.0, 1.0, 2000.0, 3, 2.8)["total"]
    >>> 1.5 < float(one / spec) < 2.8  # 2.8 tokens a step for a step up to 1.9x longer
    True
    """
    k, a = int(draft), float(accepted)
    target = decode_step(s, lay, r, weight_bytes, kv_bytes, batch, context, kv_reads, expert_bytes, eager,
                         queries=k + 1)
    P = lay.pipeline
    last = replace(lay, pipeline=1)  # the module on the last stage, after each micro-batch
    b = np.asarray(batch, dtype=float) / P
    fixed = coefficients().decode_step_overhead  # one graph: the step's fixed cost paid once, by the target's step
    first = decode_step(mtp, last, r, weight_bytes, kv_bytes, b, context, kv_reads, expert_bytes, eager, queries=a)
    rest = decode_step(mtp, last, r, weight_bytes, kv_bytes, b, context, kv_reads, expert_bytes, eager)
    parts = {}
    for key in target:
        drafting = first[key] + (k - 1) * rest[key]
        if key in ("overhead", "total"):
            drafting = drafting - k * fixed
        parts[key] = (target[key] + P * drafting) / a
    return parts


def mtp_held(mtp: Shape | None, lay: Layout, weight_bytes: float, kv_bytes: float,
             expert_bytes: float | None = None) -> tuple[float, float]:
    """Bytes of the multi-token prediction module's weights on its busiest chip, and of its KV cache per cached token
    of a sequence there: ``(weights, kv per token)``; (0, 0) without one. The module's own layer (its head and embedding
    are the main model's, held once) on the last pipeline stage, split as a layer of the model; one layer of keys and
    values per module (TensorRT-LLM's MTP Eagle reuses one module's cache for its k passes, tech blog 2)."""
    if mtp is None:
        return 0.0, 0.0
    last = replace(lay, pipeline=1)
    held = replace(mtp, unembedding=0.0, embedding=0.0)
    return weights_per_chip(held, last, weight_bytes, expert_bytes), kv_per_token_chip(mtp, last, kv_bytes)


def host_step(lay: Layout, batch, per_sequence: float):
    """Seconds of the engine's host work of one decode step of a replica carrying ``batch`` sequences (an array): the
    scheduler, the sampler's bookkeeping and each sequence's response, ``per_sequence`` seconds for each sequence the
    step's executor loop carries (data/serving_host.csv). Every tensor-parallel rank runs its own loop over all the
    replica's sequences; under attention data parallelism each rank's loop carries its 1 / T of them. Pipeline stages
    take 1 / P of them a step, P steps a token: the whole batch a token as without.

    .. math:: t_{host} = h \\, n / T_{adp}

    >>> round(float(host_step(Layout(), 1536, 29.4e-6)) * 1e3, 1)  # TensorRT-LLM PR #10273: 45.11 ms at 1,536 a rank
    45.2
    """
    n = np.asarray(batch, dtype=float)
    return per_sequence * n / (lay.tensor if lay.attention_data_parallel else 1)


def hosted(gpu, host, overlap: bool):
    """Seconds of a step whose GPU work takes ``gpu`` and the host's ``host`` (arrays): with an overlap scheduler
    (TensorRT-LLM's PyExecutor, on by default: the host's work for step n runs while the GPU computes step n + 1,
    features/overlap-scheduler.md; SGLang's zero-overhead scheduler) the longer of the two, else their sum."""
    return np.maximum(gpu, host) if overlap else gpu + host


def rank_prefill(s: Shape, lay: Layout, r: Rates, tokens, prompt: float, span: float | None = None):
    """Seconds of the part of ``tokens`` prompt tokens riding in a decode step (arrays) that each attention rank does on
    its own prompts under attention data parallelism: the dense products (attention's projections, the dense layers and
    shared experts) at the prefill rate, the attention core and the element-wise kernels of its 1 / T of the tokens, as
    ``prefill`` counts them; the routed experts (every rank's tokens gathered or dispatched to them), the exchange and the
    routing are shared by all ranks and left out. 0 without attention data parallelism (``load.rank_imbalance``)."""
    n = np.asarray(tokens, dtype=float)
    if not lay.attention_data_parallel:
        return 0.0 * n
    k = coefficients()
    n_attn = n / lay.pipeline / lay.tensor
    layers = s.layers / lay.pipeline
    rate = r.prefill_matmul * k.prefill_matmul_efficiency
    dense = 2.0 * s.dense / lay.pipeline * n_attn / rate
    attn = n_attn * (prompt if span is None else span) * s.heads * (s.qk_dim + s.v_dim) * layers / r.prefill_attention
    return (dense + attn + layers * elementwise(s, lay, r, n_attn)) * lay.pipeline


def prefill(s: Shape, lay: Layout, r: Rates, weight_bytes: float, tokens, prompt: float, *, weights: bool = True,
            span: float | None = None, expert_bytes: float | None = None, fused_all_reduce: bool = False) -> dict:
    """Seconds of the forward pass over ``tokens`` prompt tokens (arrays), made of sequences of
    ``prompt`` tokens, by part {"compute", "weights", "communication", "overhead", "total"}.
    ``weights`` False: the tokens ride in a decode step that reads the weights anyway (chunked prefill); under pipeline
    parallelism they ride in the P micro-batches in flight, 1/P of them each, as the decode step's sequences do
    (TensorRT-LLM's in-flight batching schedules P micro-batches, each with its own context chunks, and holds
    max_batch_size x P sequences: cpp/tensorrt_llm/batch_manager/trtGptModelInflightBatching.cpp, mNumMicroBatches =
    pp_size; trtGptModel.h, mMaxNumSequences [NVIDIA2025trtllmpp]), so a stage works on each token once a step, not P
    times: the step's time is P stage times of 1/P of the tokens. A pass of its own (``weights`` True) carries the
    prompt through the P stages one after the other.
    ``span``: the full-attention prompt length of the same attention FLOP (``footprint.attended_span``: less than
    ``prompt`` where layers attend within a window); default ``prompt``. ``expert_bytes``: bytes per routed-expert
    weight (default ``weight_bytes``). ``fused_all_reduce``: the tensor-parallel all-reduce after the attention output
    product and after the feed-forward down product runs inside that product (TensorRT-LLM's gemm_allreduce_plugin, a
    CUTLASS GEMM whose epilogue reduces the output tiles over the ranks as they are done), so each all-reduce shows only
    where it is longer than its product: max(0, t_AR - t_product) per product and layer, the roofline of two overlapped
    streams [Williams2009]; an estimate of the most the overlap hides, no constant (off by default: no held-out answer
    uses it, see benchmarks/mlperf_server_schedule.py)."""
    k = coefficients()
    eb = weight_bytes if expert_bytes is None else expert_bytes
    n = np.asarray(tokens, dtype=float)
    if not weights:  # riding in the decode step's P micro-batches: 1/P of the tokens in each
        n = n / lay.pipeline
    T = lay.tensor
    adp = lay.attention_data_parallel
    dense_split = 1 if adp else T
    n_attn = n / T if adp else n
    layers = s.layers / lay.pipeline
    moe_layers = s.moe_layers / lay.pipeline
    rate = r.prefill_matmul * k.prefill_matmul_efficiency
    # the routed experts' grouped products have a few hundred rows each (tokens x top-k / experts): thin products, at the
    # chip's rate for decode's (``terms.rates``: with FP4 weights the 8-bit rate)
    expert_rate = r.matmul * k.prefill_matmul_efficiency
    for shape, measured in r.prefill_expert_rates:  # the chip's measured MoE layers of this shape, in the rates' format
        if shape == (s.d_model, s.expert_ff, s.experts, s.per_token) and eb == (r.expert_format or weight_bytes):
            expert_rate = measured
    bw = r.streaming_bandwidth
    dense_params = s.dense / dense_split / lay.pipeline
    flop = 2.0 * dense_params * n_attn
    wbytes = (dense_params * weight_bytes
              + moe_layers * s.expert * footprint.experts_touched(n, s.experts, s.per_token) * lay.uneven / T * eb)
    if not weights:
        wbytes = 0.0 * wbytes
    moe = moe_layers * expert_matmuls(s, lay, r, n * lay.expert_load, expert_rate) if s.moe_layers else 0.0 * n
    routing = 0.0 * n
    if s.moe_layers:  # the MoE layers' routing, permutation and combine; the grouped GEMMs' rows beside the weights
        kernels, gemm_bytes = moe_routing(s, lay, r, n, bw)
        # riding in a decode step, its fixed kernel costs are the step's: the same kernels as moe_routing counts
        routing = moe_layers * (kernels - (0.0 if weights else routing_kernels(lay) * r.chip.kernel_overhead))
        wbytes = wbytes + moe_layers * gemm_bytes
    matmuls = np.maximum(matmul_time(r, flop, 0.0, bw, rate) + moe, wbytes / bw)
    # causal attention core: per sequence and layer, prompt^2 / 2 score and value products per head
    heads_chip = s.heads if adp else s.heads / T
    attn = n_attn * (prompt if span is None else span) * heads_chip * (s.qk_dim + s.v_dim) * layers / r.prefill_attention
    act = n * s.d_model * ACTIVATION_BYTES
    if adp:
        comm = moe_layers * _exchange(s, lay, r, n_attn, eb)
    else:
        comm = 2 * layers * all_reduce_time(r, act, T)
        if fused_all_reduce and T > 1:
            one = all_reduce_time(r, act, T)
            o_proj = matmul_time(r, 2.0 * n * s.heads * s.v_dim * s.d_model / T, 0.0, bw, rate)
            down = matmul_time(r, 2.0 * n * s.dense_ff * s.d_model / T, 0.0, bw, rate)
            comm = layers * (np.maximum(one - o_proj, 0.0) + np.maximum(one - down, 0.0))
    overhead = np.zeros_like(n)  # riding in a decode step: that step pays the fixed costs
    # the prompt passes the P stages one after the other: the stage times add up to the whole model
    P = lay.pipeline
    attn = attn + layers * elementwise(s, lay, r, n_attn)
    compute = np.where(flop / rate + moe >= wbytes / bw, matmuls, 0.0) + attn
    wread = np.where(flop / rate + moe >= wbytes / bw, 0.0, matmuls)
    if weights:  # a pass of its own: the engine's fixed costs of a step (launches, scheduling, the first token)
        overhead = overhead + layers * k.decode_layer_overhead + k.decode_step_overhead / P
    overhead = overhead + routing
    parts = {"compute": compute * P, "weights": wread * P, "communication": comm * P, "overhead": overhead * P}
    parts["total"] = (matmuls + attn + comm + overhead) * P
    return parts
