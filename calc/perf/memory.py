"""Memory per chip of a training step, stage by stage: what Megatron-LM, DeepSpeed and FSDP hold at the peak.

For each pipeline stage i of p (layers L_i, see ``calc.perf.layout.stage_sizes``), the peak is

    states       the stage's parameters (its layers; the embedding on the first stage, the output layer on
                 the last) x bytes per parameter (calc.memory), dense ones split over t tensor ranks, experts
                 over e expert x t_e expert-tensor ranks; ZeRO splits them over the d c data x context ranks
                 (experts over d c t / (e t_e)), stage 1 the optimizer state (Megatron's distributed
                 optimizer), 2 the gradients too, 3 the weights too        [Rajbhandari2020] sec. 5
    activations  the micro-batches in flight x L_i layers x one layer's activations (calc.memory) / c:
                 1F1B keeps p - i in flight on stage i [Narayanan2021] sec. 2.2; interleaved, Megatron's
                 warm-up 2 (p - i - 1) + (v - 1) p + 1 chunks of L_i / v layers (stage 0: L (1 + (p-1)/(p v)),
                 [Korthikanti2022] sec. 4.2.3); full recomputation also rebuilds one layer's activations
                 during its backward pass; the first stage adds its embedding norm's input, the last its
                 output layer (one micro-batch of logits: 16 bits, as a fused cross-entropy keeps them, or 10 bytes
                 each unfused in fp32, ``fused_loss`` off)
    gathered     ZeRO-3 / FSDP: 16-bit weights and gradients of the layer at work and the one prefetched, or,
                 under a pipeline, of the whole stage (FSDP2 keeps it gathered across micro-batches,
                 TorchTitan's ``reshard_after_forward`` off with pipeline parallelism); only of what is sharded
                 over more than one rank (experts whose expert ranks take all the data ranks are whole on
                 each chip: nothing to gather)
    fixed        on GPUs, the CUDA context and the communicators' buffers, and the caching allocator's slack
                 over the tensors (data/defaults.csv ``memory_fixed``, ``memory_allocator_slack``); TPUs' XLA
                 plans its buffers ahead: none

On TPUs XLA plans every buffer at compile time (``XLA_PLAN``): the loss's buffers and a layer's are counted in their
own phases, the larger one at the peak; under FSDP (no pipeline) each weight's gradient is reduced on its own, and
the next layer's weights are gathered early only where the recipe pipelines the all-gathers.

What a layer keeps follows the recomputation ([Korthikanti2022], ``saved="recompute"``), or a framework's
own checkpointing policy (``SAVED``): TorchTitan's per-operator selective checkpointing saves the outputs of
every other matmul of a block, its attention output and its input; MaxText's ``minimal_with_context`` the
outputs of every projection, the attention output and the layer input; MaxText's ``custom`` policy with
``decoder_layer_input: offload`` keeps the layer inputs in host memory (nothing per layer on the chip).

and the chip's memory is the largest stage's. DualPipe keeps two copies of each stage's weights
[DeepSeekAI2024] Table 2. Cached: a search asks for the same memory many times.
"""

from __future__ import annotations

from functools import lru_cache

from calc.units import Q_, ureg

BYTE_PER_CHIP = ureg.Unit("byte/chip")
# Bytes per logit at the loss. A fused cross-entropy keeps one 16-bit copy and writes the gradient in place
# (flash-attn's xentropy kernel, as llm-foundry's benchmarks run it; Megatron-Core's cross_entropy_loss_fusion).
# An unfused fp32 loss, F.cross_entropy(logits.float()) as TorchTitan's torchtitan/components/loss.py, holds the
# 16-bit logits, their fp32 copy and the fp32 log-softmax it saves for the backward pass.
LOSS_BYTES = {True: 2, False: 2 + 4 + 4}
# What each layer keeps for its backward pass besides the recomputation's count:
#   recompute            [Korthikanti2022]'s count for the layout's recomputation (none, selective, full)
#   every other matmul   TorchTitan's "op" selective checkpointing: its policy MUST_SAVEs the outputs of matmuls
#                        1, 3, 5... of each block (the count restarts per block), of the attention kernel and of the
#                        tensor-parallel reduce-scatters; the block's input is the checkpoint's input
#                        (torchtitan/distributed/activation_checkpoint.py ``_get_custom_policy``; _save_list of
#                        torchtitan/parallelisms/parallelize_llama.py since 2024-08)
#   matmuls and context  MaxText's ``minimal_with_context``: jax.checkpoint_policies.save_only_these_names of the
#                        query/key/value/output projections, the feed-forward's (mlpwi_0, mlpwi_1, mlpwo) and the
#                        attention output "context" (src/maxtext/layers/decoders.py ``minimal_policy``), and the
#                        layer input the remat starts from
#   host                 MaxText's ``custom`` policy with ``decoder_layer_input: offload``: the layer inputs the
#                        recomputation starts from go to host memory (src/maxtext/configs/base.yml), nothing per
#                        layer stays on the chip
SAVED = ("recompute", "every other matmul", "matmuls and context", "host")
# XLA_PLAN: what a compiled XLA program (TPUs, no caching allocator) holds beside the states and saved activations.
#   phases     XLA's buffer assignment gives buffers that are never live together the same bytes (openxla/xla
#              xla/service/heap_simulator/heap_simulator.h, commit a282f0d): the loss's logits and the output layer's
#              gathered weights and unreduced gradient die before the last layer's backward pass starts, so the peak
#              holds the larger of the loss's phase and a layer's (gathered weights, recomputed activations), not both
#   per weight GSPMD partitions each dot on its own (xla/service/spmd/dot_handler.cc, commit b75ac6f): a weight's
#              gradient, contracting over the FSDP-sharded batch, is that one weight's partial sum, reduce-scattered
#              alone, not a layer's flat buffer as PyTorch FSDP's: one weight's 16-bit gradient unreduced (the
#              layer's largest; MaxText's DenseGeneral casts the kernel to its bfloat16 dtype before the dot,
#              MaxText/layers/linears.py, and treats Q, K, V as one with fused_qkv), with the layer's 16-bit weights
#   one layer  a scanned layer's all-gathers run in its own loop iteration, overlapping only "a more limited amount of
#              computation in the current iteration", unless XLA's collective pipeliner moves them across iterations
#              (xla/service/collective_pipeliner.h, commit 02b44c6; its backward direction starts an all-gather one
#              iteration early, as the loop's next layer needs it); MaxText's HOST_OFFLOAD_FLAGS turn it on
#              (xla_tpu_enable_ag_backward_pipelining, and the pipeliner's should_allow_loop_variant_parameter_in_chain
#              and should_add_loop_invariant_op_in_chain; benchmarks/xla_flags_library.py of MaxText tag
#              tpu-recipes-v0.1.2, commit 14b5876, 2025-04-16): with them the next layer's weights are held too
#              (``prefetch``, the default), without them one layer's


@lru_cache(maxsize=1)
def fixed_costs() -> tuple[float, float]:
    """(bytes per chip held beside the tensors, the allocator's slack as a share of the tensors), data/defaults.csv."""
    from calc import data

    d = data.defaults()
    return d["memory_fixed"].value.m_as("byte/chip"), float(d["memory_allocator_slack"].value.m_as(""))


@lru_cache(maxsize=4096)
def _parameters(model) -> tuple[float, float, float, float]:
    """(per-layer dense parameters summed over layers, routed experts', embedding's, output layer's), floats."""
    parts = {k: v.m_as("param") for k, v in model.breakdown().items()}
    embedding = parts.get("embedding", 0.0) + parts.get("position embedding", 0.0)
    output = parts.get("unembedding", 0.0)
    experts = parts.get("routed experts", 0.0)
    layers = model.params().m_as("param") - embedding - output - experts
    return layers, experts, embedding, output if output else embedding  # tied: the last stage keeps a copy


@lru_cache(maxsize=65536)
def memory_per_chip(*args, **kwargs):
    """(calc.memory.Memory of the fullest stage, its total in bytes per chip as a float) for one layout: the parts of
    :func:`memory_parts` (the same arguments) as Quantities."""
    from calc.memory import Memory

    parts, total = memory_parts(*args, **kwargs)
    return Memory({k: Q_(x, BYTE_PER_CHIP) for k, x in parts.items()}), total


@lru_cache(maxsize=65536)
def memory_parts(model, micro_batch, sequence, recompute, zero, data_parallel, tensor, pipeline, virtual_stages,
                 context, expert, sequence_parallel, flash_attention, dropout, dualpipe=False, stages=None,
                 expert_tensor=None, micro_batches=None, runtime=True, fused_loss=True, saved="recompute",
                 optimizer="adam-mixed", prefetch=True):
    """(bytes per chip by part of the fullest stage, their total), floats, for one layout (what the search compares
    against a chip's capacity; :func:`memory_per_chip` gives them as Quantities).

    ``data_parallel`` counts the data x context ranks the states are split over; ``stages`` the layers of
    each stage (default: even); ``expert_tensor`` the tensor ranks an expert is split over (default
    ``tensor``); ``micro_batches`` per step, which bounds those in flight (default: no bound); ``runtime``
    False: no CUDA context, communicator buffers or caching allocator (a TPU's XLA plans its memory ahead);
    ``saved`` what a layer keeps (``SAVED``; a framework's policy replaces the count of its dense layers);
    ``optimizer`` the bytes per parameter of weights, gradients and optimizer state (data/optimizers.csv; default
    mixed-precision Adam's 2 + 2 + 12 [Rajbhandari2020] sec. 3.1, ``adam-bf16`` MaxText's weight_dtype bfloat16);
    ``prefetch`` False: XLA gathers one layer's weights at a time (no collective pipelining, ``XLA_PLAN``; only
    without ``runtime``).
    """
    from calc.memory import _state_bytes, activations_per_layer

    p, v, t, c = pipeline, virtual_stages, tensor, context
    stages = stages or (model.layers // p,) * p
    t_e = t if expert_tensor is None else expert_tensor
    in_flight_cap = micro_batches or 10**9
    per_param, _ = _state_bytes("zero2020", zero, optimizer)
    dense_layers, experts, embedding, output = _parameters(model)
    expert_dp = max(data_parallel * t // (expert * t_e), 1)
    kw = dict(sequence=sequence, micro_batch=micro_batch, recompute=recompute, tensor=t,
              sequence_parallel=sequence_parallel, flash_attention=flash_attention, dropout=dropout)
    moe = model.moe_layers
    one_layer = _layer_bytes(model, saved, c, sequence, micro_batch, recompute, t, sequence_parallel, flash_attention,
                             dropout)
    working = 0.0
    if recompute == "full":  # the layer being recomputed holds its whole activations during its backward
        working = activations_per_layer(model, **{**kw, "recompute": "selective"}, moe=moe > 0) / c
        if model.layer_pattern is not None:  # a hybrid's largest kind of layer
            working = 2.0 * sequence * micro_batch * _hybrid_elements(model, t, sequence_parallel, largest=True) / c
    h, vocab, sp = model.d_model, model.vocab, t if sequence_parallel else 1
    tokens = 2.0 * sequence * micro_batch / c  # bytes per element (bf16) x tokens of a micro-batch
    logits = tokens * (2 * h / sp + LOSS_BYTES[fused_loss] / 2 * vocab / t)
    fixed, slack = fixed_costs() if runtime else (0.0, 0.0)
    planned = not runtime  # XLA assigns every buffer ahead by its liveness (XLA_PLAN)
    best, best_parts = -1.0, None
    # in-flight micro-batches fall with the stage index: the peak is on the first stage, the first of the fullest
    # (its layers) or the last (the output layer)
    for i in sorted({0, stages.index(max(stages)), p - 1}):
        layers = stages[i]
        dense, routed = _stage_parameters(model, i, stages, t, expert, t_e)
        parts = _states(per_param, zero, dense, routed, data_parallel, expert_dp)
        if dualpipe:
            parts["weights"] *= 2
        gathered = out_gathered = 0.0
        if zero == 3:  # gathered 16-bit weights and their unreduced 16-bit gradients
            layer = (dense_layers + experts * t / (expert * t_e)) / model.layers / t  # one layer's, on this chip
            # under a pipeline FSDP keeps the stage gathered across its micro-batches (no reshard after forward);
            # otherwise the weights of the layer at work and of the one prefetched, and the first one's gradients
            gathered = 4.0 * (dense + routed) if p > 1 else 6.0 * layer
            if data_parallel == 1 or expert_dp == 1:  # a shard of one rank is the whole tensor: nothing gathered
                whole = (dense_layers * (data_parallel > 1) + experts * t / (expert * t_e) * (expert_dp > 1))
                gathered = (4.0 * (dense * (data_parallel > 1) + routed * (expert_dp > 1)) if p > 1
                            else 6.0 * whole / model.layers / t)
            if planned and p == 1:  # XLA: per weight, one layer at a time unless the gathers are pipelined (XLA_PLAN)
                whole = (dense_layers * (data_parallel > 1) + experts * t / (expert * t_e) * (expert_dp > 1))
                gathered = (2.0 * (2 if prefetch else 1) * whole / model.layers / t
                            + 2.0 * _largest_matrix(model, t, expert, t_e, data_parallel > 1, expert_dp > 1))
            if planned and i == p - 1 and data_parallel > 1:  # the output layer's, at the loss (tied: the embedding);
                out_gathered = 4.0 * output / t if p == 1 else gathered  # a pipeline stage's stay gathered throughout
            parts["gathered"] = gathered
        acts = _held_layers(i, p, v, layers, in_flight_cap) * one_layer
        if i == 0 and model.embedding_norm:
            acts += tokens * h / sp
        loss = logits if i == p - 1 else 0.0
        if planned and loss + out_gathered > working + gathered:  # the loss's phase is the larger (XLA_PLAN)
            acts += loss
            if zero == 3:
                parts["gathered"] = out_gathered
        else:  # XLA: the layers' phase; a caching allocator holds both (the loss's blocks stay reserved)
            acts += working + (0.0 if planned else loss)
        parts["activations"] = acts
        tensors = sum(parts.values())
        parts["fixed and allocator"] = fixed + slack * tensors
        total = tensors + parts["fixed and allocator"]
        if total > best:
            best, best_parts = total, parts
    return best_parts, best


def memory_floors(key: tuple, recomputes, zeros) -> dict:
    """{(recompute, zero): bytes per chip that layout holds at least}, for each recomputation of ``recomputes`` and
    ZeRO stage of ``zeros`` of the layout whose :func:`memory_parts` arguments are ``key`` (a Step's ``memory_key``):
    a layout of a search's group (the same but for those two) cannot fit where its floor exceeds the chip's memory.

    .. math:: M_{r,z} \\ge F + (1 + a) \\left( \\sum_k b_k \\left( \\frac{P_d}{d_{k,z}} + \\frac{P_e}{d_{e,k,z}} \\right)
              + n_0 A_r \\right)

    with F and a the fixed bytes and the allocator's slack (``fixed_costs``), b_k the bytes per parameter of the
    weights, gradients and optimizer state, P_d and P_e the first stage's dense and routed-expert parameters on the
    chip, d_{k,z} the data-parallel ranks ZeRO stage z splits part k over (1 where it does not: ``_states``), n_0 the
    layers whose activations the first stage holds (``_held_layers``) and A_r one layer's under recomputation r
    (``_layer_bytes``).

    Proof. :func:`memory_parts` returns the largest of F + (1 + a) T_i over the stages it compares, the first among
    them, with a >= 0 and T_i the sum of the stage's parts, so M >= F + (1 + a) T_0. Of T_0's parts: the states are
    the sum above (the same ``_states``; DualPipe only doubles the weights), the gathered weights of ZeRO 3 are >= 0,
    and the activations are n_0 A_r plus the embedding norm's input, the loss's logits and the recomputed layer's
    working set, all >= 0. The sizes are ``key``'s but for its recomputation and ZeRO stage, d among them: ZeRO 1 and
    3 split over the same data x context ranks when no ``zero_group`` is set (the search sets none).
    tests/test_search_memory_floor.py checks the floor against every layout of several searches.
    """
    (model, micro_batch, sequence, _, _, data_parallel, tensor, pipeline, virtual_stages, context, expert,
     sequence_parallel, flash_attention, dropout, _, stages, expert_tensor, micro_batches, runtime, *rest) = key
    saved = rest[1] if len(rest) > 1 else "recompute"  # memory_parts' defaults, as predict_step leaves them
    optimizer = rest[2] if len(rest) > 2 else "adam-mixed"
    from calc.memory import _state_bytes

    stages = stages or (model.layers // pipeline,) * pipeline
    t_e = tensor if expert_tensor is None else expert_tensor
    per_param, _ = _state_bytes("zero2020", 1, optimizer)
    expert_dp = max(data_parallel * tensor // (expert * t_e), 1)
    dense, routed = _stage_parameters(model, 0, stages, tensor, expert, t_e)
    states = {z: sum(_states(per_param, z, dense, routed, data_parallel, expert_dp).values()) for z in zeros}
    held = _held_layers(0, pipeline, virtual_stages, stages[0], micro_batches or 10**9)
    acts = {r: held * _layer_bytes(model, saved, context, sequence, micro_batch, r, tensor, sequence_parallel,
                                   flash_attention, dropout) for r in recomputes}
    fixed, slack = fixed_costs() if runtime else (0.0, 0.0)
    return {(r, z): fixed + (1 + slack) * (states[z] + acts[r]) for r in recomputes for z in zeros}


@lru_cache(maxsize=4096)
def _layer_bytes(model, saved: str, context: int, sequence: int, micro_batch: int, recompute: str, tensor: int,
                 sequence_parallel: bool, flash_attention: bool, dropout: bool) -> float:
    """Bytes one layer keeps for its backward pass on one chip, averaged over the stack's layers (dense and experts'),
    under ``recompute`` (calc.memory.activations_per_layer) or a framework's ``saved`` policy (``SAVED``); a hybrid's
    by its pattern."""
    if saved == "host":
        return 0.0
    if model.layer_pattern is not None and recompute != "full":
        return 2.0 * sequence * micro_batch * _hybrid_elements(model, tensor, sequence_parallel) / context
    from calc.memory import activations_per_layer

    kw = dict(sequence=sequence, micro_batch=micro_batch, recompute=recompute, tensor=tensor,
              sequence_parallel=sequence_parallel, flash_attention=flash_attention, dropout=dropout)
    moe = model.moe_layers
    dense_kept = activations_per_layer(model, **kw)
    if saved != "recompute":
        dense_kept = 2.0 * sequence * micro_batch * _kept_elements(model, saved, tensor, sequence_parallel)
    return ((model.layers - moe) * dense_kept + moe * activations_per_layer(model, moe=True, **kw)
            ) / model.layers / context


def _states(per_param: dict, zero: int, dense: float, routed: float, data_parallel: int, expert_dp: int) -> dict:
    """Bytes per chip of weights, gradients and optimizer state of ``dense`` and ``routed`` parameters, each split
    over the data-parallel ranks from the ZeRO stage that shards it [Rajbhandari2020] sec. 5."""
    split = {"weights": 3, "gradients": 2, "optimizer_state": 1}  # the ZeRO stage from which each is split
    return {k: bytes_ * (dense / (data_parallel if zero >= split[k] else 1)
                         + routed / (expert_dp if zero >= split[k] else 1)) for k, bytes_ in per_param.items()}


def _stage_parameters(model, i: int, stages: tuple, tensor: int, expert: int, expert_tensor: int) -> tuple:
    """(dense, routed expert) parameters of pipeline stage ``i`` on one chip: its share of the layers, the embedding on
    the first stage, the output layer on the last (on the only stage, unless tied to the embedding)."""
    p, dense_layers, experts, embedding, output = len(stages), *_parameters(model)
    share = stages[i] / model.layers
    dense = share * dense_layers + (embedding if i == 0 else 0.0) + (output if i == p - 1 and p > 1 else 0.0)
    if p == 1:
        dense += output if output != embedding or not model.tied_embeddings else 0.0
    return dense / tensor, share * experts / (expert * expert_tensor)


def _held_layers(i: int, pipeline: int, virtual_stages: int, layers: int, in_flight_cap: int) -> float:
    """Layers' activations stage ``i`` holds at its peak: 1F1B's p - i micro-batches in flight, or Megatron's
    interleaved warm-up of 2 (p - i - 1) + (v - 1) p + 1 chunks of ``layers`` / v, at most the step's micro-batches."""
    p, v = pipeline, virtual_stages
    if v > 1:
        return min(2 * (p - i - 1) + (v - 1) * p + 1, in_flight_cap * v) * layers / v
    return min(p - i, in_flight_cap) * layers


def _largest_matrix(model, tensor: int, expert: int, expert_tensor: int, dense_sharded: bool,
                    routed_sharded: bool) -> float:
    """Elements on one chip of a layer's largest weight whose gradient XLA reduce-scatters on its own (``XLA_PLAN``):
    the query, key and value projections taken as one (MaxText's ``fused_qkv``), the attention output, one dense
    feed-forward kernel, or one kernel of the routed experts stacked (MaxText's [experts, d_model, d_ff]); only of
    what FSDP shards (``*_sharded``)."""
    h, t = model.d_model, tensor
    dense = max(h * (model.heads * model.qk_dim + 2 * model.kv * model.qk_dim), model.heads * model.v_dim * h,
                h * model.ff if model.dense_ffn_layers else 0, h * model.shared_ff) / t
    routed = model.experts * h * model.expert_ff / (expert * expert_tensor) if model.moe_layers else 0.0
    return max(dense if dense_sharded else 0.0, routed if routed_sharded else 0.0)


def _kept_elements(model, saved: str, tensor: int, sequence_parallel: bool) -> float:
    """Elements per token one dense layer keeps on one chip under a framework's checkpointing policy (``SAVED``):
    the layer input, the attention output (and its fp32 log-sum-exp per head), and the outputs of the matmuls
    the policy saves, in the block's forward order (query, key, value, output; gate, up, down)."""
    h, t = model.d_model, tensor
    sp = t if sequence_parallel else 1
    # (elements per token on one chip) of each matmul's output: column-parallel ones split over the tensor ranks,
    # the row-parallel output and down projections whole before their reduction [Narayanan2021] sec. 3
    kv = max(model.kv, t)  # fewer key/value heads than tensor ranks: each rank keeps a copy of one
    outputs = [model.heads * model.qk_dim / t, kv * model.qk_dim / t, kv * model.v_dim / t, h]
    outputs += [model.ff / t, model.ff / t, h] if model.gated else [model.ff / t, h]
    if saved == "every other matmul":
        kept = sum(outputs[0::2]) + (2 * h / t if t > 1 else 0)  # and the two reduce-scatters' outputs
    elif saved == "matmuls and context":
        kept = sum(outputs)
    else:
        raise ValueError(f"saved: expected one of {', '.join(SAVED)}, got {saved!r}")
    return h / sp + (model.heads * model.v_dim + 2 * model.heads) / t + kept


def _hybrid_elements(model, tensor: int, sequence_parallel: bool, largest: bool = False) -> float:
    """Elements per token a hybrid stack's layer keeps on one chip, averaged over its pattern (or of its largest
    kind), without recomputation beyond a fused attention kernel's. Every layer: its norm's input and output. Attention
    (*): Q, K, V, the output and the fp32 log-sum-exp per head [Korthikanti2022] sec. 4.1; a dense feed-forward (-) or
    experts (E) as calc.memory counts them; a Mamba-2 mixer (M): the in projection's output (z, x B C before the
    conv, dt), the conv's output (x, B, C), the scan's output y and the gated norm's (the out projection's input),
    as mamba_ssm's ``MambaChunkScanCombinedFn`` and causal-conv1d keep them for the backward (the chunk states
    are recomputed)."""
    h, t, m = model.d_model, tensor, model
    sp = t if sequence_parallel else 1
    n_int = 3 if m.gated else 2
    kv = max(m.kv, t)
    xbc = m.d_inner + 2 * m.mamba_groups * m.ssm_state
    kinds = {
        "*": (m.heads * m.qk_dim + kv * m.qk_dim + kv * m.v_dim + m.heads * m.v_dim + 2 * m.heads) / t,
        "-": n_int * m.ff / t,
        "E": (m.experts_per_token * (2 * h + n_int * m.expert_ff) + 2 * m.experts
              + (n_int * m.shared_ff if m.shared_ff else 0)) / t,
        "M": (2 * m.d_inner + xbc + m.mamba_heads + xbc + 2 * m.d_inner) / t,
    }
    if largest:
        return 2 * h / sp + max(kinds[k] for k in set(m.layer_pattern))
    return 2 * h / sp + sum(kinds[k] for k in m.layer_pattern) / m.layers


def has_runtime(hardware) -> bool:
    """Whether the chip runs a CUDA-style runtime with a caching allocator (GPUs), not XLA's planned memory (TPUs)."""
    return hardware.vendor != "Google"


def layout_memory(model, hardware, chips: int, layout, saved: str = "recompute", optimizer: str = "adam-mixed",
                  prefetch: bool = True):
    """(Memory of the fullest stage, its bytes per chip, the chip's capacity in bytes or None) of ``layout``,
    checked against ``model`` and ``chips`` (calc.perf.layout.resolve) without the step's time terms: a layout
    whose links data/hardware.csv lacks still has a memory; ``saved`` a framework's checkpointing policy (``SAVED``);
    ``optimizer`` the states' bytes per parameter (data/optimizers.csv, as ``memory_per_chip``); ``prefetch`` False:
    XLA's all-gathers not pipelined across layers (``XLA_PLAN``)."""
    from calc.perf.layout import resolve
    from calc.perf.system import resolve_hardware

    hardware = resolve_hardware(hardware)
    sizes = resolve(layout, model, chips)
    found, total = memory_per_chip(model, sizes.micro_batch, sizes.sequence, layout.recompute, layout.zero,
                                   sizes.data_parallel * sizes.context, sizes.tensor, sizes.pipeline,
                                   sizes.virtual_stages, sizes.context, sizes.expert, sizes.sequence_parallel,
                                   bool(layout.flash_attention), layout.dropout, sizes.dualpipe, sizes.stages,
                                   layout.expert_tensor, sizes.micro_batches, has_runtime(hardware),
                                   layout.fused_loss, saved, optimizer, prefetch)
    capacity = hardware.capacity.m_as("byte/chip") if hardware.capacity is not None else None
    return found, total, capacity
