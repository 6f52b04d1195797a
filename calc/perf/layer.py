"""One micro-batch through one transformer layer on one chip: the terms of the layer, by kind of layer.

A layer is its attention (projections, core) and its feed-forward block (dense, or routed experts with
a router and shared experts), each matmul timed by calc.perf.kernels; beside them the memory-bound
work, the tensor-parallel collectives (two all-reduces each way per layer, or all-gather +
reduce-scatter under sequence parallelism, [Narayanan2021] sec. 3.2, [Korthikanti2022] sec. 4.2.2), the
context-parallel ring exchange (and, under PyTorch's context parallel, its merges and copies) and the expert all-to-all. Everything is for ``tokens`` = b s / c
tokens on this chip's share of the layer (1/t of its matrices).
"""

from __future__ import annotations

from functools import lru_cache
from math import ceil
from typing import NamedTuple

from calc.architecture import Transformer
from calc.perf import kernels
from calc.perf.collectives import all_gather, all_reduce, all_to_all, ranks_per_node, ring_exchange
from calc.perf.kernels import AttentionCore, Matmul
from calc.perf.layout import Layout, Sizes
from calc.perf.memo import IdentityMemo
from calc.perf.system import Chip, devices_per_chip


class Block(NamedTuple):
    """A kind of layer (dense, or mixture of experts; in a hybrid stack also attention alone or a Mamba-2 mixer):
    how many, and its own terms (seconds)."""

    count: int  # layers of this kind in the model
    matmul_forward: float  # feed-forward matmuls (and the router), forward; a Mamba layer's in and out projections
    matmul_backward: float
    matmul_flop: float  # forward FLOP of those matmuls
    elementwise_forward: float  # the feed-forward activation's memory traffic, forward; a Mamba layer's conv and norm
    all_to_all: float  # expert dispatch + combine, one way (forward)
    permutation: float = 0.0  # the routed tokens' permutation passes, forward (the backward moves as much)
    attention: bool = True  # the layer has the attention terms of LayerTerms
    sublayers: int = 2  # blocks with a norm and residual (and a tensor-parallel reduction) each: a hybrid's layer one
    scan: AttentionCore | None = None  # a Mamba layer's SSD scan, in the attention core's place
    dispatch_sync: float = 0.0  # the token dispatcher's count exchange and host round trip, forward (none backward)


class FeedForward(NamedTuple):
    """A feed-forward block's seconds (matmuls forward and backward, activation traffic forward) and FLOP."""

    matmul_forward: float
    matmul_backward: float
    flop: float
    elementwise_forward: float


class LayerTerms(NamedTuple):
    """Seconds per layer and micro-batch on one chip, the parts every kind of layer shares, and the kinds."""

    query_key_value: Matmul
    attention_output: Matmul
    core: AttentionCore
    tensor_parallel_forward: float
    tensor_parallel_backward: float
    context_exchange: float  # the ring exchange left exposed behind the attention core, forward
    context_merges_forward: float  # PyTorch CP's per-step merges, casts and key-value copies, forward (context_merges)
    context_merges_backward: float  # and its fp32 gradient accumulators and copies, backward
    hidden_elementwise: float  # norms, dropouts, residuals, forward
    eager_elementwise: float  # unfused RMSNorm and rotary embedding, forward and backward
    elementwise_kernels: float  # the fixed cost of the memory-bound kernels, forward (the backward pays as much)
    blocks: tuple  # Block, dense first


_COUNTS = IdentityMemo(4096)  # model -> counts: a prediction asks twice; hashing a shape costs more


def parameter_counts(model: Transformer) -> tuple[float, float, float]:
    """Attention parameters (all layers), routed-expert parameters and all parameters, as floats."""
    found = _COUNTS.get((model,))
    if found is not None:
        return found
    return _COUNTS.put((model,), (), _parameter_counts(model))


@lru_cache(maxsize=4096)
def _parameter_counts(model: Transformer) -> tuple[float, float, float]:
    parts = model.breakdown()
    return (parts["attention"].m_as("param") if "attention" in parts else 0.0,
            parts["routed experts"].m_as("param") if "routed experts" in parts else 0.0, model.params().m_as("param"))


def feed_forward(chip: Chip, model: Transformer, width: float, tokens: float, tensor: int, eager: bool,
                 floor: float = 0.0, normed: bool = False) -> FeedForward:
    """Up (and gate) and down projections of a feed-forward block of ``width`` on ``tokens``: forward and
    backward matmul seconds, forward FLOP, and the activation's forward traffic (``floor`` and ``normed``, the up
    projection's input straight from the norm, a dense block's: see :func:`calc.perf.kernels.matmul`)."""
    up = kernels.matmul(chip, tokens, model.d_model, (2 if model.gated else 1) * width / tensor, floor=floor,
                        normed=normed)
    down = kernels.matmul(chip, tokens, width / tensor, model.d_model, floor=floor)
    elementwise = kernels.activation_traffic(chip, tokens, width, tensor, model.gated, eager)
    return FeedForward(up.forward + down.forward, up.backward + down.backward, up.flop + down.flop, elementwise)


def experts(chip: Chip, model: Transformer, sizes: Sizes, tokens: float, eager: bool, count: int, chips: int,
            capacity: float | None = None) -> Block:
    """A mixture-of-experts layer on this chip: its ``experts / e`` experts on the tokens routed to them,
    the router, the shared experts, and the dispatch and combine all-to-all of the routed tokens.

    ``capacity`` F (``Layout.capacity_factor``): MaxText's token-dropping dense path (``sparse_matmul: False``,
    layers/moe.py of its tpu-recipes-v0.1.2 tag, ``generate_masks`` and ``dense_matmul``): each expert computes
    C = ceil(s k / E) x F slots of each sequence (``expert_capacity_per_batch``) whatever was routed to it, and the
    tokens reach the slots and come back through one-hot einsums, matrix products over the sequence: the dispatch
    BSM,BSEC -> EBCM, (E C x s)(s x h) a sequence, whose backward gives the tokens' gradient only (its mask is a
    one-hot cast), and the combine EBCM,BSEC -> BSM, (s x E C)(E C x h), whose backward gives the gradients of the
    expert outputs and of the combine weights (the router's probabilities times the one-hot slots)."""
    tensor, expert = sizes.tensor, sizes.expert
    expert_tensor = sizes.expert_tensor or tensor
    width = model.expert_d_ff or model.ff
    routed_per_token = model.experts_per_token
    local = model.experts // expert
    # expert tensor parallelism: each chip runs its experts' 1/expert_tensor on expert_tensor / tensor of the tokens
    # the tensor ranks hold (the tokens of the t d c ranks over e x expert_tensor of them)
    per_expert = tokens * routed_per_token * expert / model.experts * expert_tensor / tensor
    einsums = kernels.Matmul(0.0, 0.0, 0.0)
    if capacity:
        span = sizes.sequence / sizes.context  # a sequence's tokens on this chip
        slots = int(max(ceil(span * routed_per_token / model.experts) * capacity, capacity))  # C of each expert
        sequences = tokens / span
        per_expert = sequences * slots * expert * expert_tensor / tensor
        hidden = model.d_model / tensor
        dispatch_forward = kernels.matmul_time(chip, model.experts * slots, span, hidden, sequences)
        dispatch_backward = kernels.matmul_time(chip, span, model.experts * slots, hidden, sequences)
        combine = kernels.matmul(chip, span, model.experts * slots, hidden, sequences)
        einsums = kernels.Matmul(dispatch_forward + combine.forward, dispatch_backward + combine.backward,
                                 2 * combine.flop)
    # each local expert's products one cuBLASLt call each (Transformer Engine's GroupedLinear: multi-stream cuBLAS,
    # general_grouped_gemm), none faster than such a call takes at few tokens, measured on Blackwell
    # (``Chip.grouped_gemm_floor``, data/step_coefficients.csv grouped_gemm_expert_time); DeepSeek's DeepGEMM under
    # DualPipe is one grouped kernel: no floor there
    floor = 0.0 if sizes.dualpipe else chip.grouped_gemm_floor
    routed = FeedForward(*(x * local for x in feed_forward(chip, model, width, per_expert, expert_tensor, eager,
                                                             floor)))
    if kernels.grouped_fp8_cast(chip) and not sizes.dualpipe and local > 1:
        # FP8 delayed scaling on a TN-only chip: one cast kernel for all local experts' inputs and one for their output
        # gradients, of each of the two products, where each expert's cast was counted a kernel of its own
        saved = 2 * (local - 1) * chip.coefficients.kernel_overhead
        routed = routed._replace(matmul_forward=routed.matmul_forward - saved,
                                 matmul_backward=routed.matmul_backward - saved)
    if chip.hardware.vendor == "Google" and not capacity:  # MaxText's sparse_matmul: Pallas grouped products
        visits = tile_visits(per_expert / devices_per_chip(chip.hardware), local,
                             chip.coefficients.pallas_grouped_matmul_tile_rows)
        routed = routed._replace(matmul_forward=routed.matmul_forward * visits,
                                 matmul_backward=routed.matmul_backward * visits)
    router = kernels.matmul(chip, tokens, model.d_model, model.experts)
    if model.shared_experts:
        shared = feed_forward(chip, model, width * model.shared_experts, tokens, tensor, eager)
    else:
        shared = FeedForward(0.0, 0.0, 0.0, 0.0)
    rows = tokens * expert_tensor / tensor * routed_per_token  # this rank's routed token copies
    in_node = ranks_per_node(expert, expert_tensor, chip.chips_per_node)
    # the routed tokens there and back (16 bits), and their routing probabilities on the way there in an all-to-all of
    # their own (fp32; token_dispatch's ``global_probs = all_to_all(self.ep_group, permuted_probs, ...)``,
    # megatron/core/transformer/moe/token_dispatcher.py, core_v0.14.0 on): small, so its latency
    dispatch = (deepep_exchange(chip, model, tokens * expert_tensor / tensor, expert, in_node, chips)
                if sizes.dualpipe and expert_tensor == 1 else
                2 * all_to_all(chip, 2.0 * rows * model.d_model, expert, in_node, chips)
                + (all_to_all(chip, 4.0 * rows, expert, in_node, chips) if not sizes.dualpipe else 0.0))
    return Block(count, routed.matmul_forward + router.forward + shared.matmul_forward + einsums.forward,
                 routed.matmul_backward + router.backward + shared.matmul_backward + einsums.backward,
                 routed.flop + router.flop + shared.flop + einsums.flop,
                 routed.elementwise_forward + shared.elementwise_forward,
                 dispatch, permutation(chip, model, sizes, tokens, local),
                 dispatch_sync=dispatch_sync(chip, model, expert * expert_tensor, expert_tensor, chips))


def tile_visits(rows: float, groups: int, tile: float) -> float:
    """Work of a TPU grouped matmul over its ``groups`` experts of ``rows`` rows each (on one device), over the work of
    those rows, in m tiles of ``tile`` rows.

    .. math:: \\frac{m / t_m + G - 1}{m / t_m}, \\quad m = G r

    MaxText's grouped products on TPU (megablox's gmm and tgmm, tokamax's ragged dot: src/MaxText/kernels/megablox/
    backend.py and tokamax/_src/ops/ragged_dot/pallas_mosaic_tpu_kernel.py, ``make_group_metadata``) run one grid step
    per (group, m tile) pair a group's rows touch, each over the whole tile, the rows of other groups masked out:
    "tiles_m <= group_tiles.sum() <= tiles_m + num_groups - 1", the bound reached when every group but the first
    starts inside a tile, as with routed group sizes it all but always does. The forward product, the input gradient
    and the weight gradient (tgmm, whose reduction runs over the same tiles) each pay it."""
    if groups <= 1 or rows <= 0:
        return 1.0
    return 1.0 + (groups - 1) * tile / (groups * rows)


def nodes_reached(model: Transformer, nodes: int) -> float:
    """Nodes one token's routed experts sit on, expert ranks spread over ``nodes`` nodes: as many as ``k`` experts
    drawn evenly reach, :math:`N (1 - (1 - 1/N)^k)`, at most the nodes of the ``groups_per_token`` groups it may
    choose (DeepSeek-V3's node-limited routing, each token to at most 4 of its 8 nodes, [DeepSeekAI2024] sec. 2.1.2,
    where its 8 groups are the 8 nodes' experts)."""
    reached = nodes * (1 - (1 - 1 / nodes) ** model.experts_per_token)
    groups, chosen = model.expert_groups, model.groups_per_token
    if groups and chosen and groups % nodes == 0:  # a group within one node
        reached = min(reached, chosen)
    elif groups and chosen and nodes % groups == 0:  # a group over nodes / groups nodes
        reached = min(reached, chosen * nodes // groups)
    return reached


def deepep_exchange(chip: Chip, model: Transformer, tokens: float, expert: int, in_node: int, chips: int) -> float:
    """Forward seconds of the routed tokens' dispatch and combine by DeepEP's normal kernels, as DeepSeek-V3 trained
    under DualPipe: a token crosses the network once to each node its experts sit on and is forwarded there over the
    fast links to their chips ([DeepSeekAI2024] sec. 3.2.2); dispatched in FP8 with one fp32 scale per 128 values
    under 8-bit matmuls, combined in BF16 (sec. 3.3.3; DeepEP's tests/test_internode.py counts the FP8 bytes as
    ``(1 + 4 / 128) / 2`` of BF16's). The network share at the network's achievable rate (50 GB/s x 0.9 on the
    H800), which DeepEP's normal kernels reach counting every reached node (DeepEP README, H800 with 400 Gb/s CX7:
    46 and 45 GB/s RDMA at 64 expert ranks, DeepSeek-V3's setting of 4,096 tokens, top-4 groups, top-8 experts);
    the fast links carry each routed copy; the slower sets the time, each way.

    .. math:: t = \\sum_{b \\in \\{b_{disp}, 2\\}} \\max\\left(\\frac{T n_{reach} d b}{B_{net}} + a_{net},
              \\frac{T k d b}{B_{fast}} + a_{fast}\\right)
    """
    from calc.perf.collectives import link_rate

    coeff = chip.coefficients
    nodes = expert // in_node if in_node else 1
    dispatch_bytes = 1.0 + 4.0 / 128 if chip.eight_bit else 2.0
    seconds = 0.0
    for per_value in (dispatch_bytes, 2.0):
        inside = (tokens * model.experts_per_token * model.d_model * per_value / link_rate(chip, True, chips)
                  + coeff.intra_node_latency) if in_node > 1 else 0.0
        outside = (tokens * nodes_reached(model, nodes) * model.d_model * per_value / link_rate(chip, False, chips)
                   + coeff.network_latency) if nodes > 1 else 0.0
        seconds += max(inside, outside)
    return seconds


def dispatch_sync(chip: Chip, model: Transformer, group: int, stride: int, chips: int) -> float:
    """Forward seconds of a dropless token dispatcher's metadata on a GPU: the all-gather of each rank's tokens per
    expert (E counts of 8 bytes) over the ``group`` of expert x expert-tensor ranks, then the host round trip that
    reads the counts back (``moe_host_sync_latency``), during which the GPU has nothing queued.

    .. math:: t = t_{AG}(8 E g) + t_{sync}

    Megatron-Core's ``MoEAlltoAllTokenDispatcher.preprocess`` gathers ``num_local_tokens_per_expert`` over the
    tensor x expert group (``gather_from_sequence_parallel_region(..., group=self.tp_ep_group)``) and copies the
    all-to-all's input and output splits and the tokens per local expert to the host, synchronising at
    ``cuda_sync_point`` ("before_ep_alltoall"; "before_finish" without expert parallelism) before the dispatch:
    ``torch.distributed.all_to_all_single`` and Transformer Engine's ``GroupedLinear`` (``m_splits``) take them as host
    integers (megatron/core/transformer/moe/token_dispatcher.py, core_v0.15.0). Once per layer's forward pass (again
    when recomputed); the backward reuses the splits. A TPU's XLA compiles static shapes (capacity, no round trip):
    none there. Term test: tests/test_perf_terms.py.
    """
    if chip.hardware.vendor == "Google":  # XLA: static shapes, no host round trip (calc.perf.memory.has_runtime)
        return 0.0
    gather = all_gather(chip, 8.0 * model.experts * group, group, ranks_per_node(group, 1, chip.chips_per_node), chips)
    return gather + chip.coefficients.moe_host_sync_latency


def permutation(chip: Chip, model: Transformer, sizes: Sizes, tokens: float, local: int) -> float:
    """Forward seconds of a mixture-of-experts layer's token permutations, memory-bound (the backward moves as much).

    .. math:: t = b_p \\, [2 (k + 1) T + 4 R] \\, h / B

    Megatron-Core's token dispatcher permutes this rank's T tokens into k rows each in expert order before the
    dispatch (read T, write k T rows) and back after the combine (read k T, write T rows), k the experts per token,
    and sorts the R = k T_e rows its experts receive by local expert and back when it holds several
    (``sort_chunks_by_idxs``: read and write R rows each way); rows of h elements of ``moe_permutation_bytes`` (16
    bits). T is the sequence-parallel share of the micro-batch's tokens, T_e the tokens of the tensor ranks the
    experts' ``expert_tensor`` ranks serve (megatron/core/transformer/moe/token_dispatcher.py, moe_utils.py).
    Under DualPipe (DeepSeek's own code, dispatching with DeepEP) only the received rows are sorted and back: DeepEP's
    dispatch reads each token in place and its combine sums a token's rows inside the kernel (deepseek-ai/DeepEP,
    README.md). Term test: tests/test_perf_terms.py.
    """
    tensor, k = sizes.tensor, model.experts_per_token
    routed = 0.0 if sizes.dualpipe else (tokens / tensor if sizes.sequence_parallel else tokens)
    received = k * tokens * (sizes.expert_tensor or tensor) / tensor if local > 1 else 0.0
    rows = 2 * (k + 1) * routed + 4 * received
    return chip.coefficients.moe_permutation_bytes * rows * model.d_model / chip.memory_bandwidth


def layer_terms(chip: Chip, model: Transformer, sizes: Sizes, layout: Layout, chips: int) -> LayerTerms:
    """Every term of one layer for one micro-batch on one chip (see the module docstring)."""
    tensor, context, hidden = sizes.tensor, sizes.context, model.d_model
    tokens = sizes.micro_batch * sizes.sequence / context  # tokens of the micro-batch on this chip
    tokens_elementwise = tokens / tensor if sizes.sequence_parallel else tokens  # what element-wise work runs on
    attention_params, _, _ = parameter_counts(model)
    attention_params /= model.attention_layers or 1
    output_params = model.heads * model.v_dim * hidden
    input_params = max(attention_params - output_params, 0.0)
    qkv = kernels.matmul(chip, tokens, hidden, input_params / hidden / tensor, normed=True)
    out = kernels.matmul(chip, tokens, output_params / hidden / tensor, hidden)
    core = attention_core(chip, model, sizes, layout)
    tp_forward, tp_backward = tensor_parallel(chip, tokens, hidden, tensor, sizes.sequence_parallel, chips,
                                              layout.eight_bit_gathers)
    exchange = context_exchange(chip, model, sizes, core.forward, chips)
    merges = context_merges(chip, model, sizes, layout.context_code)
    eager = kernels.eager_traffic(chip, model, tokens, tokens_elementwise, tensor) if layout.eager else 0.0
    if model.layer_pattern is not None:
        blocks = hybrid_blocks(chip, model, sizes, layout, tokens, chips)
    else:
        moe_layers = (model.layers - model.dense_layers) if model.experts > 1 else 0
        dense_block = feed_forward(chip, model, model.ff, tokens, tensor, layout.eager, normed=True)
        dense = Block(model.layers - moe_layers, *dense_block, 0.0)
        blocks = (dense,)
        if moe_layers:
            blocks += (experts(chip, model, sizes, tokens, layout.eager, moe_layers, chips, layout.capacity_factor),)
    return LayerTerms(qkv, out, core, tp_forward, tp_backward, exchange, *merges,
                      kernels.hidden_state_traffic(chip, tokens_elementwise, hidden), eager,
                      kernels.elementwise_kernels(chip, model, layout.eager), blocks)


def attention_core(chip: Chip, model: Transformer, sizes: Sizes, layout: Layout) -> AttentionCore:
    """The attention core of a layer as the average over the attention layers (calc.perf.kernels.attention_core):
    the ``window_layers`` with a local window (GPT-OSS's sliding 128 on every other layer, Llama 4's chunks of
    8,192) at their own work, the others causal over the whole sequence."""
    kwargs = dict(micro_batch=sizes.micro_batch, heads=model.heads, tensor=sizes.tensor, sequence=sizes.sequence,
                  context=sizes.context, qk_dim=model.qk_dim, v_dim=model.v_dim, fused=bool(layout.flash_attention),
                  triton=layout.triton_attention, flash2=layout.attention_kernel == "flash2",
                  cudnn=layout.attention_kernel == "cudnn", efficient=layout.attention_kernel == "efficient")
    full = kernels.attention_core(chip, **kwargs)
    windowed = model.window_layers if model.window is not None and model.window < sizes.sequence else 0
    if not windowed:
        return full
    local = kernels.attention_core(chip, window=model.window, **kwargs)
    share = windowed / (model.attention_layers or 1)
    return AttentionCore(*((1.0 - share) * a + share * b for a, b in zip(full, local)))


def mamba(chip: Chip, model: Transformer, sizes: Sizes, tokens: float, count: int) -> Block:
    """A Mamba-2 layer on this chip [Dao2024] sec. 7.1: the in projection (d to z, x, B, C, dt; column-parallel)
    and the out projection (d_inner to d; row-parallel), the conv1d and gated norm's traffic, and the SSD scan
    (calc.perf.kernels.ssd_scan) where an attention layer has its core."""
    t = sizes.tensor
    width = 2 * model.d_inner + 2 * model.mamba_groups * model.ssm_state + model.mamba_heads
    up = kernels.matmul(chip, tokens, model.d_model, width / t)
    down = kernels.matmul(chip, tokens, model.d_inner / t, model.d_model)
    scan = kernels.ssd_scan(chip, model, micro_batch=sizes.micro_batch, sequence=sizes.sequence // sizes.context,
                            tensor=t)
    return Block(count, up.forward + down.forward, up.backward + down.backward, up.flop + down.flop,
                 kernels.mamba_traffic(chip, model, tokens, t), 0.0, attention=False, sublayers=1, scan=scan)


def hybrid_blocks(chip: Chip, model: Transformer, sizes: Sizes, layout: Layout, tokens: float, chips: int) -> tuple:
    """The kinds of layer of a hybrid stack (``layer_pattern``), one block each with its own norm and residual:
    attention alone (*), a dense feed-forward alone (-), a mixture of experts alone (E), a Mamba-2 mixer (M)."""
    pattern, t, eager = model.layer_pattern, sizes.tensor, layout.eager
    none = (0.0, 0.0, 0.0, 0.0)
    blocks = [Block(pattern.count("*"), *none, 0.0, attention=True, sublayers=1)]
    if "-" in pattern:
        blocks.append(Block(pattern.count("-"), *feed_forward(chip, model, model.ff, tokens, t, eager, normed=True), 0.0,
                            attention=False, sublayers=1))
    if "E" in pattern:
        blocks.append(experts(chip, model, sizes, tokens, eager, pattern.count("E"), chips, layout.capacity_factor)._replace(
            attention=False, sublayers=1))
    if "M" in pattern:
        blocks.append(mamba(chip, model, sizes, tokens, pattern.count("M")))
    return tuple(blocks)


_TERMS = IdentityMemo(16384)  # (chip, model; the sizes and fields the terms depend on) -> LayerTerms


def cached_layer_terms(chip: Chip, model: Transformer, sizes: Sizes, layout: Layout, chips: int) -> LayerTerms:
    """:func:`layer_terms`, remembered for the same chip object, shape object and the sizes the terms depend on:
    layouts that differ only in pipeline depth, interleaving, recomputation, ZeRO stage or global batch
    (a search's, the calibration's micro-batch and interleaving sweep, an app rerun) share them."""
    key = (sizes.tensor, sizes.context, sizes.micro_batch, sizes.sequence, sizes.expert,
           sizes.expert_tensor, sizes.dualpipe,
           sizes.sequence_parallel, bool(layout.flash_attention), layout.triton_attention, layout.attention_kernel, layout.eager,
           layout.eight_bit_gathers, layout.capacity_factor, layout.context_code)
    found = _TERMS.get((chip, model), key)
    if found is not None:
        return found
    return _TERMS.put((chip, model), key, layer_terms(chip, model, sizes, layout, chips))


def tensor_parallel(chip: Chip, tokens: float, hidden: int, tensor: int, sequence_parallel: bool,
                    chips: int, eight_bit_gathers: bool = True) -> tuple[float, float]:
    """Forward and backward seconds of a layer's tensor-parallel collectives on the b s h activations (16 bits):
    two all-reduces each way (the same volume as all-gather + reduce-scatter under sequence parallelism)
    [Narayanan2021] sec. 3.2; with sequence parallelism the backward gathers each block's input again for
    the weight gradients [Korthikanti2022] sec. 4.2.2.

    In 8 bits under sequence parallelism every all-gather moves 8-bit data: Transformer Engine casts the norm's
    output to FP8 before gathering it (forward, and again for the weight gradient), and gathers the output
    gradient of a row-parallel layer with its quantizer (``LayerNormLinear.forward``, ``grad_output_preprocess``,
    transformer_engine/pytorch/module); the reduce-scatters stay in 16 bits. Term test: tests/test_perf_terms.py.
    ``eight_bit_gathers`` False: 16-bit gathers in 8 bits too (TorchTitan's rowwise float8: "for rowwise recipes, we
    use regular TP and all-gather happens in high precision", torchtitan/models/llama3/infra/parallelize.py).
    """
    nbytes = 2.0 * tokens * hidden
    in_node = ranks_per_node(tensor, 1, chip.chips_per_node)
    if sequence_parallel and chip.eight_bit and eight_bit_gathers:
        gather = all_gather(chip, nbytes / 2, tensor, in_node, chips)
        scatter = all_gather(chip, nbytes, tensor, in_node, chips)
        forward = 2 * (gather + scatter)
        return forward, forward + 2 * gather
    forward = 2 * all_reduce(chip, nbytes, tensor, in_node, chips)
    backward = forward + (2 * all_gather(chip, nbytes, tensor, in_node, chips) if sequence_parallel else 0.0)
    return forward, backward


def context_exchange(chip: Chip, model: Transformer, sizes: Sizes, core_forward: float, chips: int) -> float:
    """Forward seconds of ring attention's key-value exchange left after hiding behind the attention core
    [Liu2023]: each of c - 1 steps passes one rank's keys and values (16 bits)."""
    context, tensor = sizes.context, sizes.tensor
    if context <= 1:
        return 0.0
    kv_heads = model.kv / tensor if model.kv >= tensor else 1
    nbytes = 2.0 * sizes.micro_batch * (sizes.sequence / context) * kv_heads * (model.qk_dim + model.v_dim)
    inside = ranks_per_node(context, tensor, chip.chips_per_node) >= context
    return max(0.0, ring_exchange(chip, nbytes, context, inside, chips) - core_forward)


def pytorch_merge_bytes(context: int) -> tuple[float, float]:
    """Bytes a ring attention output element, forward and backward, of PyTorch's experimental context parallel's
    merges, casts and copies on a chip (torch/distributed/tensor/experimental/_attention.py, ``_SDPAMerger`` and
    ``_templated_ring_attention`` / ``_templated_ring_attention_backward``, with its defaults ``convert_to_f32``,
    ``enable_load_balance`` and the all-gather rotater, as TorchTitan runs it; keys and values with the queries' heads,
    TorchTitan's Llama passing them to SDPA after ``repeat_kv``), counted on the last rank (every step full queries).

    Forward: each later step's block output cast to fp32 (2 + 4), ``out - sigmoid(block_lse - lse) * (out -
    block_out)`` as three eager kernels over fp32 (12 + 8 + 12), the keys and values concatenated before each send
    (``torch.cat``, 16 bits read and written, 8); the first step's cast in (6) and the final cast back (4 + 2):
    ``12 + 46 (c - 1)``. Backward: fp32 zeros for the query, key and value gradients (12), the kernels' 16-bit
    gradients added into them (4 + 2 + 4 = 10 each; the halves the load balance touches by ``_partial_update``, an
    add on the half and a ``torch.cat`` of the whole, 13), the fp32 key-value gradients concatenated before each
    all-to-all (16), the keys and values concatenated for the next send (8), the casts back (6 + 12):
    ``76 + 60 (c - 1)``. Counted by benchmarks/ring_attention_merges.py (which scores it on the held-out runs).

    >>> pytorch_merge_bytes(8)
    (334.0, 496.0)
    """
    return 12.0 + 46.0 * (context - 1), 76.0 + 60.0 * (context - 1)


def pytorch_merge_kernels(context: int) -> tuple[int, int]:
    """Kernels PyTorch's context parallel launches a layer for its merges and copies, forward and backward (the code
    :func:`pytorch_merge_bytes` reads, eager). Forward: each later step 2 casts (output, log-sum-exp), 5 kernels
    updating the output (``block_lse - lse``, sigmoid, ``out - block_out``, the product, the difference) and 3 the
    log-sum-exp (difference, logsigmoid, difference), and one key-value ``torch.cat``; the first step's 2 casts and
    the final 2 back: ``4 + 11 (c - 1)``. Backward: 3 ``zeros_like``, each step 3 gradient adds and the key-value
    gradients' ``torch.cat``, the c - 1 key-value ``torch.cat`` for the sends, and 2 casts back: ``9 + 5 (c - 1)``
    (the load balance's ``_partial_update`` concatenations left out).

    >>> pytorch_merge_kernels(8)
    (81, 44)
    """
    return 4 + 11 * (context - 1), 9 + 5 * (context - 1)


def context_merges(chip: Chip, model: Transformer, sizes: Sizes, code: str) -> tuple[float, float]:
    """Forward and backward seconds a layer of ring attention's merges of the partial outputs, their casts and the
    key-value copies, as memory traffic at the chip's achievable bandwidth plus each kernel's fixed cost
    (``kernel_overhead``, as every memory-bound kernel pays) [Liu2023].

    ``code`` "pytorch" (``Layout.context_code``; TorchTitan): PyTorch's experimental context parallel merges in fp32
    with separate eager kernels (:func:`pytorch_merge_bytes`, :func:`pytorch_merge_kernels`) over the E = b (h / t)
    (s / c) d_v elements of a chip's attention output. "te": Transformer Engine's ``AttnFuncWithCPAndKVP2P``
    (transformer_engine/pytorch/attention/dot_product_attention/context_parallel.py, NeMo and Megatron-Core) corrects
    the output in one fused kernel a step (``flash_attn_fwd_out_correction``, about 10 bytes an element), under 1% of
    the step (benchmarks/ring_attention_merges.py): not counted apart. Term test: tests/test_perf_terms.py.
    """
    context = sizes.context
    if context <= 1 or code != "pytorch":
        return 0.0, 0.0
    elements = sizes.micro_batch * model.heads / sizes.tensor * (sizes.sequence / context) * model.v_dim
    forward, backward = pytorch_merge_bytes(context)
    kernels_forward, kernels_backward = pytorch_merge_kernels(context)
    overhead = chip.coefficients.kernel_overhead
    return (elements * forward / chip.memory_bandwidth + kernels_forward * overhead,
            elements * backward / chip.memory_bandwidth + kernels_backward * overhead)
