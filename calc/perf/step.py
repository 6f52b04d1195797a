"""One training step: the sum of the terms, its breakdown, and what it achieves.

.. math::
    t_{step} = m (t_{mb} + t_{last}) + t_{bubble} + t_{DP} + t_{opt}, \\quad
    m = \\frac{B}{b d}, \\quad d = \\frac{n}{t p c}

with :math:`t_{mb}` one micro-batch through the fullest stage's layers (calc.perf.layer), forward,
backward and recomputation, :math:`t_{last}` the last stage's output layer and loss, the bubble of the
schedule (calc.perf.pipeline), the data-parallel gradient reduction as far as it is not hidden
(calc.perf.collectives) and the optimizer step (calc.perf.kernels) [Narayanan2021] sec. 2-3.
Model FLOP (what MFU divides) is ``Transformer.flop_per_token("palm2022")``; hardware FLOP adds the
recomputed forward work (HFU, [Korthikanti2022] app. A).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
import pint

from calc.architecture import Transformer, lookup, published  # noqa: F401 (published: the doctest's)
from calc.display import counted
from calc.errors import InputError, checks_keywords, did_you_mean
from calc.perf import kernels
from calc.perf.collectives import all_gather, all_reduce, exposed, ranks_per_node
from calc.perf.layer import LayerTerms, cached_layer_terms, parameter_counts
from calc.perf.layout import FRAMEWORKS, Layout, Sizes, copied, recompute_modules, resolve
from calc.perf.memo import IdentityMemo
from calc.perf.memory import has_runtime, memory_parts, memory_per_chip
from calc.perf.pipeline import bubble, stage_transfers
from calc.perf.system import Chip, build_chip, resolve_hardware, runs_flash_attention
from calc.reader import MAX_WHOLE, read_chips, read_count
from calc.units import Q_, parse_quantity

PARTS = ("matmuls", "attention core", "memory-bound operations", "recomputation", "tensor-parallel communication",
         "expert all-to-all", "context-parallel exchange", "pipeline transfers", "pipeline bubble",
         "data-parallel communication", "optimizer step", "older framework")


@dataclass(frozen=True)
class Step:
    """A predicted training step: its time, where it goes, and what it achieves."""

    model: Transformer
    chip: Chip = field(repr=False)  # the chip at the layout's precision
    chips: int
    layout: Layout
    data_parallel: int
    micro_batches: int
    seconds: dict = field(repr=False)  # part -> seconds per step (floats; sum = step time)
    model_flop: float = field(repr=False)  # per step, whole run
    hardware_flop: float = field(repr=False)
    memory_key: tuple = field(repr=False)  # the arguments of the (cached) memory per chip, computed on demand
    sizes: Sizes | None = field(default=None, repr=False, compare=False)  # as resolved (what the search's bounds read)

    @property
    def hardware(self) -> str:
        """The accelerator's name."""
        return self.chip.name

    @property
    def peak(self) -> float:
        """Dense FLOP/s per chip at the layout's precision."""
        return self.chip.peak

    @property
    def capacity(self) -> float | None:
        """Memory per chip in bytes (None: not in data/hardware.csv)."""
        return self.chip.capacity

    @property
    def step_time(self) -> pint.Quantity:
        """Seconds per optimizer step."""
        return Q_(sum(self.seconds.values()), "s")

    @property
    def seconds_per_step(self) -> float:
        """Seconds per optimizer step, a float (what the search compares)."""
        return sum(self.seconds.values())

    @property
    def breakdown(self) -> dict[str, pint.Quantity]:
        """Seconds per step by part (the parts that take any time), summing to ``step_time``."""
        return {k: Q_(v, "s") for k, v in self.seconds.items() if v > 0}

    @property
    def sequence(self) -> int:
        """Tokens per sequence."""
        return self.layout.sequence or self.model.training_sequence

    @property
    def tokens_per_second(self) -> pint.Quantity:
        """Tokens trained per second by the whole cluster."""
        return Q_(self.layout.global_batch * self.sequence / self.seconds_per_step, "token/s")

    @property
    def throughput(self) -> pint.Quantity:
        """Model FLOP per second per chip."""
        return Q_(self.model_flop / self.chips / self.seconds_per_step, "FLOP/s/chip")

    @property
    def mfu(self) -> float:
        """Model FLOP utilization: model FLOP / (chips x peak x step time) [Chowdhery2022] app. B."""
        return self.model_flop / (self.chips * self.peak * self.seconds_per_step)

    utilization = mfu  # the name calc.estimate uses

    @property
    def hfu(self) -> float:
        """Hardware FLOP utilization: with the recomputed work [Korthikanti2022] app. A."""
        return self.hardware_flop / (self.chips * self.peak * self.seconds_per_step)

    @property
    def memory(self):
        """Memory per chip by part (calc.memory.Memory; see calc.perf.memory)."""
        return memory_per_chip(*self.memory_key)[0]

    @property
    def memory_bytes(self) -> float:
        """Training memory per chip in bytes, a float (what the search compares against capacity)."""
        return memory_parts(*self.memory_key)[1]

    @property
    def memory_per_chip(self) -> pint.Quantity:
        """Training memory per chip (weights, gradients, optimizer state, activations)."""
        return self.memory.total

    @property
    def stages(self) -> tuple:
        """Layers of each pipeline stage, first to last (uneven where the pipeline does not divide the layers)."""
        return self.memory_key[15]

    @property
    def fit(self) -> str:
        """"fits, with X GB to spare" or "needs X GB more" (per chip, against the chip's memory)."""
        if self.capacity is None:
            return "fits (no memory size for this chip in data/hardware.csv)"
        spare = (self.capacity - self.memory_bytes) / 1e9
        return f"fits, with {spare:,.1f} GB to spare" if spare >= 0 else f"needs {-spare:,.1f} GB more"

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
        per_step = self.layout.global_batch * self.sequence
        steps = tokens.m_as("token") / per_step
        if np.any(np.asarray(steps) < 1):  # a run is at least one optimizer step: never a fraction of one
            raise InputError("tokens", f"{float(np.min(tokens.m_as('token'))):,.0f} tokens is less than one optimizer "
                                       f"step of this layout ({counted(self.layout.global_batch, 'sequence')} × {self.sequence:,} "
                                       f"tokens = {per_step:,}); give more tokens or a smaller global batch")
        return Q_(steps * self.seconds_per_step, "s").to("day")

    def to_dict(self) -> dict:
        """The JSON form of ``python -m calc step --json``: every quantity as {value, unit}."""
        def vu(q, unit):
            return {"value": float(q.m_as(unit)), "unit": unit}
        lay = self.layout
        return {
            "hardware": self.hardware, "chips": self.chips, "layout": {
                "tensor": lay.tensor, "pipeline": lay.pipeline, "context": lay.context, "expert": lay.expert,
                "virtual_stages": lay.virtual_stages, "data_parallel": self.data_parallel,
                "micro_batch": lay.micro_batch, "micro_batches": self.micro_batches,
                "global_batch": lay.global_batch, "sequence": self.sequence, "recompute": lay.recompute,
                "zero": lay.zero, "precision": self.chip.precision},
            "step_time": vu(self.step_time, "s"),
            "throughput": vu(self.throughput, "FLOP/s/chip"),
            "mfu": {"value": self.mfu, "unit": ""},
            "hfu": {"value": self.hfu, "unit": ""},
            "tokens_per_second": vu(self.tokens_per_second, "token/s"),
            "memory_per_chip": vu(self.memory_per_chip, "GB/chip"),
            "stages": list(self.stages), "fit": self.fit,
            "breakdown": {k: vu(v, "s") for k, v in self.breakdown.items()},
        }


# --------------------------------------------------------------------------- inputs


def whole_chips(chips) -> int:
    """A cluster's chip count as an int, read by the one reader of a cluster's chips (``calc.reader.read_chips``:
    an int, a Quantity [chip] or text ("1,024"), a whole number >= 1; 10**400 is refused there, by name)."""
    if type(chips) is int and 1 <= chips <= MAX_WHOLE:  # the common case, as the search passes it: no text to read
        return chips
    return int(read_chips(chips).m_as("chip"))


def as_layout(layout: Layout | None, fields: dict) -> Layout:
    """A Layout from a Layout and/or its fields as keywords; an unknown field is an InputError listing them."""
    if "uneven_pipeline" in fields:  # stages split unevenly by themselves now (calc.perf.layout.stage_sizes)
        warnings.warn("uneven_pipeline is no longer needed and is ignored: layers that do not divide the pipeline "
                      "are split unevenly, as Megatron-LM and Llama 3 do", DeprecationWarning, stacklevel=3)
        fields = {k: v for k, v in fields.items() if k != "uneven_pipeline"}
    unknown = [k for k in fields if k not in Layout.__dataclass_fields__]
    if unknown:  # said with the field meant, as every misspelt name is
        raise InputError("layout", f"unknown field {unknown[0]!r}{did_you_mean(unknown[0], Layout.__dataclass_fields__)};"
                                   f" the layout's fields are {', '.join(Layout.__dataclass_fields__)}")
    if layout is None:
        try:
            layout = Layout(**fields)
        except TypeError as exc:
            raise InputError("layout", f"{exc}; the layout's fields are {', '.join(Layout.__dataclass_fields__)}") from None
    elif fields:
        layout = replace(layout, **fields)
    return _counted(layout)


# the counts of a layout (zero is a ZeRO stage, checked by name in calc.perf.layout.check_options)
_COUNTS = ("tensor", "pipeline", "context", "expert", "expert_tensor", "virtual_stages", "micro_batch",
           "global_batch", "sequence", "zero_group")


def _counted(layout: Layout) -> Layout:
    """``layout`` with each count read by the one rule of a count at a door (``calc.reader.read_count``, as
    ``whole_chips`` reads the chips): tensor=8.0 is 8, as chips=1024.0 is 1,024; beyond 2^53 refused by name."""
    changes = {}
    for name in _COUNTS:
        v = getattr(layout, name)
        if v is not None and not (type(v) is int and 1 <= v <= MAX_WHOLE):
            changes[name] = read_count(name, v)
    return copied(layout, **changes) if changes else layout


_FLOP = IdentityMemo(4096)  # (model; sequence) -> FLOP per token: hashing a shape costs more than a lookup


def model_flop_per_token(model: Transformer, sequence: int) -> float:
    """Model FLOP per token, the PaLM count ([Chowdhery2022] app. B), as a float."""
    found = _FLOP.get((model,), (sequence,))
    if found is not None:
        return found
    return _FLOP.put((model,), (sequence,), _model_flop_per_token(model, sequence))


@lru_cache(maxsize=4096)
def _model_flop_per_token(model: Transformer, sequence: int) -> float:
    return model.flop_per_token("palm2022", context=sequence).m_as("FLOP/token")


# --------------------------------------------------------------------------- the model


@checks_keywords("calc.perf.predict", lambda: (*Layout.__dataclass_fields__, "uneven_pipeline"))  # **fields: a layout's
def predict(model, hardware, chips, layout: Layout | None = None, *, check_memory: bool = True, **fields) -> Step:
    """Predict one training step of ``model`` on ``chips`` chips of ``hardware`` with ``layout``.

    See the module docstring for the sum; each term is in its own file of calc.perf.

    Parameters
    ----------
    model : Transformer or str
        The shape, or the name of one in data/architectures.csv.
    hardware : calc.data.Hardware or str
        The accelerator (its system: chips per node, link bandwidths), or its name in data/hardware.csv.
    chips : int or Quantity [chip]
    layout : Layout, optional
        Or its fields as keywords (``tensor=8, pipeline=8, micro_batch=1, global_batch=1536``). Without a Layout
        ``global_batch`` is required, as the command line's ``--global-batch`` is: no one batch suits every model
        and chip count (a Layout's own default is 1 sequence, which splits over one data-parallel rank only). To
        have a batch and layout chosen, call :func:`calc.perf.search` with the batch
        :func:`calc.perf.utilization.batch_for` chooses, as the command line's estimate does.
    check_memory : bool
        Refuse a layout whose memory per chip exceeds the chip's (default); False only reports it.

    Raises
    ------
    InputError
        No Layout and no ``global_batch``; a size that does not divide (naming the field), fewer micro-batches than pipeline
        stages, a link the layout needs that data/hardware.csv lacks, or memory that does not fit.

    Examples
    --------
    Korthikanti et al. 2022, Table 5: the 175B model on 64 A100 in 13.75 s per step (MFU 51.4%).

    >>> gpt3 = Transformer(layers=96, d_model=12288, heads=96, vocab=51200, context=2048)
    >>> s = predict(gpt3, "A100 SXM4 80GB", 64, tensor=8, pipeline=8, virtual_stages=3,
    ...             micro_batch=1, global_batch=64, recompute="selective", flash_attention=False)
    >>> 12.4 < s.step_time.m_as("s") < 15.1
    True
    """
    if layout is None and "global_batch" not in fields:
        raise InputError("global_batch", "required: the sequences per optimizer step, e.g. global_batch=1536 (GPT-3: "
                                         "1536 sequences of 2048 tokens); calc.perf.utilization.batch_for(model, "
                                         "hardware, chips) gives the one the command line's estimate searches with")
    layout = as_layout(layout, fields)
    return predict_step(lookup(model), resolve_hardware(hardware), whole_chips(chips), layout, check_memory)


def predict_step(model: Transformer, hardware, chips: int, layout: Layout, check_memory: bool) -> Step:
    """:func:`predict` once the model, chip object and chip count are built (what the search calls). On a chip no
    FlashAttention runs on (Volta, ``calc.perf.system.NO_FLASH_ATTENTION``) the attention is unfused, and a fused
    FlashAttention-2 or cuDNN kernel asked for by name is refused."""
    if not runs_flash_attention(hardware):
        if layout.attention_kernel in ("flash2", "cudnn"):
            raise InputError("attention_kernel", f"{layout.attention_kernel} attention does not run on {hardware.name} "
                                                 "(Volta, sm70: FlashAttention-2 and cuDNN's fused attention need Ampere or "
                                                 "later); leave it out (the scores are then materialized) or use efficient")
        if layout.flash_attention and layout.attention_kernel == "native" and not layout.triton_attention:
            layout = replace(layout, flash_attention=False)
    sizes = resolve(layout, model, chips)
    chip = build_chip(hardware, layout.precision, layout.float8_casts)
    terms = cached_layer_terms(chip, model, sizes, layout, chips)
    per_micro_batch, recomputed_flop = cached_stage_time(chip, model, sizes, layout, terms, chips)
    seconds = step_seconds(chip, model, sizes, layout, per_micro_batch, chips)
    model_flop = model_flop_per_token(model, sizes.sequence) * sizes.global_batch * sizes.sequence
    hardware_flop = model_flop + recomputed_flop * sizes.micro_batches * chips
    memory_key = (model, sizes.micro_batch, sizes.sequence, layout.recompute, layout.zero,
                  shard_group(sizes, layout), sizes.tensor, sizes.pipeline, sizes.virtual_stages,
                  sizes.context, sizes.expert, sizes.sequence_parallel, bool(layout.flash_attention), layout.dropout,
                  sizes.dualpipe, sizes.stages, layout.expert_tensor, sizes.micro_batches, has_runtime(hardware),
                  layout.fused_loss)
    # the layout as predicted, its sequence, precision and sequence parallelism filled in
    shown = copied(layout, sequence=sizes.sequence, precision=chip.precision, sequence_parallel=sizes.sequence_parallel)
    step = Step(model, chip, chips, shown, sizes.data_parallel, sizes.micro_batches, seconds, model_flop,
                hardware_flop, memory_key, sizes)
    if check_memory and not step.fits:
        need, have = step.memory_bytes / 1e9, chip.capacity / 1e9
        raise InputError("memory per chip", f"this layout needs {need:,.1f} GB per chip and {chip.name} has "
                                            f"{chip.hardware.capacity_text}: it needs {need - have:,.1f} GB more; more tensor or pipeline "
                                            f"parallelism, recomputation, ZeRO or a smaller micro-batch would fit")
    return step


def seconds_but_data_parallel(model: Transformer, hardware, chips: int, layout: Layout) -> tuple[dict, int]:
    """The parts of :func:`predict_step`'s step but its data-parallel communication (left at zero, not computed: the
    search bounds a group of layouts without it, ``calc.perf.search.lower_bound``), and its micro-batches per step,
    by the same functions on the same arguments; an InputError as :func:`predict_step` raises it. Every other part is
    as the step's, but an older framework's, which is less (its share of a smaller sum)."""
    if not runs_flash_attention(hardware):  # Volta: the step itself, as predict_step adjusts or refuses its attention
        st = predict_step(model, hardware, chips, layout, False)
        return st.seconds, st.micro_batches
    sizes = resolve(layout, model, chips)
    chip = build_chip(hardware, layout.precision, layout.float8_casts)
    terms = cached_layer_terms(chip, model, sizes, layout, chips)
    per_micro_batch, _ = cached_stage_time(chip, model, sizes, layout, terms, chips)
    return step_seconds(chip, model, sizes, layout, per_micro_batch, chips, data_parallel_time=False), sizes.micro_batches


def seconds_in_group(first: Step, layout: Layout) -> dict:
    """:func:`predict_step`'s parts of the step of ``layout``, a layout of ``first``'s search group (the same but for
    its recomputation and ZeRO stage, whose sizes, chip and shape are ``first``'s: ``Sizes`` holds neither), by the
    same functions on the same arguments, without resolving the layout again or building its Step (what the search
    times a layout that cannot fit by, when only its time counts)."""
    terms = cached_layer_terms(first.chip, first.model, first.sizes, layout, first.chips)
    per_micro_batch, _ = cached_stage_time(first.chip, first.model, first.sizes, layout, terms, first.chips)
    return step_seconds(first.chip, first.model, first.sizes, layout, per_micro_batch, first.chips)


def recomputation_per_step(step: Step, recompute: str) -> float:
    """Seconds per step that ``step``'s layout with ``recompute`` in place of its own spends recomputing: the part
    "recomputation" of its step, m times its stage's (``step_seconds`` adds nothing else to it), from the same
    remembered stage time its prediction would read (what the search bounds a group's other layouts by)."""
    layout = copied(step.layout, recompute=recompute)
    terms = cached_layer_terms(step.chip, step.model, step.sizes, layout, step.chips)
    per_micro_batch, _ = cached_stage_time(step.chip, step.model, step.sizes, layout, terms, step.chips)
    return step.micro_batches * per_micro_batch["recomputation"]


_LOGITS = IdentityMemo(4096)  # (chip; tokens, d_model, vocab share) -> Matmul: one per micro-batch shape in a search


def output_layer(chip: Chip, tokens: float, d_model: int, vocab_share: float) -> kernels.Matmul:
    """The output layer's product on this chip, in 16 bits whatever the layers' precision ([DeepSeekAI2024] sec.
    3.3.1 keeps the output head in BF16), remembered for the same chip object and shape."""
    key = (tokens, d_model, vocab_share)
    found = _LOGITS.get((chip,), key)
    if found is not None:
        return found
    logits = (kernels.matmul_16bit(chip, tokens, d_model, vocab_share) if chip.eight_bit
              else kernels.matmul(chip, tokens, d_model, vocab_share))
    return _LOGITS.put((chip,), key, logits)


_STAGES = IdentityMemo(16384)  # (chip, model, terms; what else stage_time reads) -> its answer: ZeRO 1 and 3 share it


def cached_stage_time(chip: Chip, model: Transformer, sizes: Sizes, layout: Layout, terms: LayerTerms,
                      chips: int) -> tuple[dict, float]:
    """:func:`stage_time`, remembered for the same chip, shape and layer terms (objects), sizes and the layout's
    fields it reads (a search's layouts that differ only in their ZeRO stage share it). Its dict is not to be
    changed by the caller."""
    objects = (chip, model, terms)
    key = (sizes, layout.recompute, layout.recompute_modules, bool(layout.flash_attention), layout.tp_overlap,
           layout.expert_overlap, layout.schedule, chips)
    found = _STAGES.get(objects, key)
    if found is not None:
        return found
    return _STAGES.put(objects, key, stage_time(chip, model, sizes, layout, terms, chips))


def stage_time(chip: Chip, model: Transformer, sizes: Sizes, layout: Layout, terms: LayerTerms,
               chips: int) -> tuple[dict, float]:
    """Seconds by part of one micro-batch through the fullest stage's layers, forward, backward and
    recomputation (full: the forward again; selective: the unfused attention core again [Korthikanti2022]
    sec. 5), and the FLOP recomputed per micro-batch on this chip."""
    coeff = chip.coefficients
    back, sm_share = coeff.backward_traffic_ratio, coeff.collective_sm_share
    sm_dualpipe = coeff.dualpipe_communication_sms / chip.compute_units if chip.compute_units else sm_share
    per = dict.fromkeys(PARTS, 0.0)
    recomputed_flop = 0.0
    modules = recompute_modules(layout) if layout.recompute == "selective" else ()
    no_matmul = kernels.Matmul(0.0, 0.0, 0.0)
    for block in terms.blocks:
        if not block.count:
            continue
        share = block.count / model.layers * sizes.stage_layers  # layers of this kind on the fullest stage
        # a hybrid's layers: attention alone, or none (its Mamba scan in the core's place), one sublayer each
        qkv, out, core = ((terms.query_key_value, terms.attention_output, terms.core) if block.attention
                          else (no_matmul, no_matmul, block.scan or kernels.AttentionCore(0.0, 0.0, 0.0, 0.0)))
        half = block.sublayers / 2  # 1.0 for a transformer layer: its norms, residuals and reductions as they are
        tp_forward, tp_backward = terms.tensor_parallel_forward * half, terms.tensor_parallel_backward * half
        exchange = terms.context_exchange if block.attention else 0.0
        # PyTorch context parallel's merges and copies (calc.perf.layer.context_merges), one set an attention layer
        merges_forward, merges_backward = ((terms.context_merges_forward, terms.context_merges_backward)
                                           if block.attention else (0.0, 0.0))
        matmul_forward = qkv.forward + out.forward + block.matmul_forward
        elementwise_forward = terms.hidden_elementwise * half + block.elementwise_forward
        backward = qkv.backward + out.backward + block.matmul_backward
        per["matmuls"] += share * (matmul_forward + qkv.backward + out.backward + block.matmul_backward)
        per["attention core"] += share * (core.forward + core.backward)
        per["memory-bound operations"] += share * ((1 + back) * elementwise_forward + terms.eager_elementwise * half
                                                   + 2 * terms.elementwise_kernels * half
                                                   + 2 * block.permutation + merges_forward + merges_backward)
        per["tensor-parallel communication"] += share * (
            exposed(tp_forward, layout.tp_overlap, matmul_forward, sm_share)
            + exposed(tp_backward, layout.tp_overlap, backward, sm_share))
        # DualPipe (and Megatron-Core's expert overlap): this layer's all-to-alls run while the paired chunk computes
        # [DeepSeekAI2024] sec. 3.2.1
        behind = (matmul_forward + qkv.backward + out.backward + block.matmul_backward + core.forward + core.backward
                  + (1 + back) * elementwise_forward)
        per["expert all-to-all"] += share * ((exposed(2 * block.all_to_all, 1.0, behind, sm_dualpipe)
                                              if sizes.dualpipe or layout.expert_overlap else 2 * block.all_to_all)
                                             + block.dispatch_sync)  # the host waits: nothing to hide it behind
        per["context-parallel exchange"] += share * 3 * exchange
        if layout.recompute == "full":
            per["recomputation"] += share * (matmul_forward + core.forward + elementwise_forward + tp_forward
                                             + terms.elementwise_kernels * half + block.permutation
                                             + block.all_to_all + block.dispatch_sync + exchange + merges_forward)
            recomputed_flop += share * (qkv.flop + out.flop + block.matmul_flop + core.flop)
        elif layout.recompute == "selective" and not layout.flash_attention and block.attention:
            per["recomputation"] += share * core.recompute
            recomputed_flop += share * core.flop
        if modules:
            seconds, flop = module_recomputation(chip, model, terms, block, block.permutation > 0, modules)
            per["recomputation"] += share * seconds
            recomputed_flop += share * flop
    if sizes.pipeline > 1:
        activation_bytes = 2.0 * (sizes.micro_batch * sizes.sequence / sizes.context) * model.d_model
        across = sizes.tensor * sizes.context * sizes.data_parallel >= chip.chips_per_node
        per["pipeline transfers"] = stage_transfers(chip, activation_bytes, sizes.tensor,
                                                    ranks_per_node(sizes.tensor, 1, chip.chips_per_node),
                                                    sizes.virtual_stages, across, chips,
                                                    one_at_a_time=layout.schedule == "deepspeed",
                                                    gathered=not sizes.sequence_parallel)
        if sizes.dualpipe:
            compute = per["matmuls"] + per["attention core"] + per["memory-bound operations"]
            per["pipeline transfers"] = exposed(per["pipeline transfers"], 1.0, compute, sm_dualpipe)
    return per, recomputed_flop


def module_recomputation(chip: Chip, model: Transformer, terms: LayerTerms, block, moe: bool,
                         modules: tuple) -> tuple[float, float]:
    """Seconds and FLOP one layer of ``block``'s kind recomputes in the backward pass under Megatron-Core's
    selective recomputation by module (``Layout.recompute_modules``; TransformerConfig.recompute_modules): their
    forward again. mla_up_proj: the latent attention's query and key-value up-projections, their share of the
    query-key-value matmul's parameters; mlp: a dense layer's feed-forward block; moe: a mixture-of-experts layer,
    its dispatch, permutations and combine too; moe_act: the experts' activation; layernorm: the two norms (4 of the
    ``hidden_bytes_forward`` bytes per element each, read 2 and write 2)."""
    seconds = flop = 0.0
    if "mla_up_proj" in modules and model.kv_lora_rank:
        heads = model.heads
        up = heads * (model.kv_lora_rank * (model.qk_nope_head_dim + model.v_head_dim)
                      + (model.q_lora_rank * model.qk_dim if model.q_lora_rank else 0))
        attention, _, _ = parameter_counts(model)
        share = up / (attention / model.layers - heads * model.v_dim * model.d_model)
        seconds += share * terms.query_key_value.forward
        flop += share * terms.query_key_value.flop
    if ("moe" in modules and moe) or ("mlp" in modules and not moe):
        seconds += (block.matmul_forward + block.elementwise_forward + block.permutation + block.all_to_all
                    + block.dispatch_sync)
        flop += block.matmul_flop
    elif "moe_act" in modules and moe:
        seconds += block.elementwise_forward
    if "layernorm" in modules:
        seconds += terms.hidden_elementwise * 4 * model.norms_per_layer / chip.coefficients.hidden_bytes_forward
    return seconds, flop


def step_seconds(chip: Chip, model: Transformer, sizes: Sizes, layout: Layout, per_micro_batch: dict,
                 chips: int, data_parallel_time: bool = True) -> dict:
    """Seconds per step by part: every micro-batch through the stage, the last stage's output layer and
    loss, the bubble, the data-parallel collectives, the optimizer step and an older framework's slowness
    (``data_parallel_time`` False: the data-parallel collectives left at zero, not computed)."""
    coeff = chip.coefficients
    micro_batches, tensor = sizes.micro_batches, sizes.tensor
    micro_batch_time = sum(per_micro_batch.values())
    # the last stage also computes the logits and the loss (vocabulary split over tensor ranks), the output layer
    # in 16 bits whatever the layers' precision ([DeepSeekAI2024] sec. 3.3.1 keeps the output head in BF16)
    tokens = sizes.micro_batch * sizes.sequence / sizes.context
    vocab_share = model.vocab / tensor
    logits = output_layer(chip, tokens, model.d_model, vocab_share)
    seconds = {part: micro_batches * x for part, x in per_micro_batch.items()}
    seconds["matmuls"] += micro_batches * (logits.forward + logits.backward)
    seconds["memory-bound operations"] += micro_batches * kernels.loss_traffic(chip, tokens, model.vocab, tensor)
    seconds["pipeline bubble"] = bubble(layout.schedule, sizes.pipeline, sizes.virtual_stages, micro_batch_time,
                                        coeff.backward_traffic_ratio)
    _, expert_params, total_params = parameter_counts(model)
    dense_chip = (total_params - expert_params) / (tensor * sizes.pipeline)
    expert_chip = expert_params / ((sizes.expert_tensor or tensor) * sizes.pipeline * sizes.expert)
    seconds["data-parallel communication"] = (data_parallel(chip, sizes, layout, dense_chip, expert_chip,
                                                            micro_batch_time, chips) if data_parallel_time else 0.0)
    if sizes.pipeline > 1 and model.tied_embeddings and data_parallel_time:
        # the first stage's embedding and the last stage's output layer are one matrix, its two gradients all-reduced
        # between those stages before the optimizer step (Megatron-LM's _allreduce_embedding_grads, DeepSpeed's
        # _exec_reduce_tied_grads) [Narayanan2021] sec. 3.2
        apart = sizes.tensor * sizes.context * sizes.data_parallel * (sizes.pipeline - 1)
        seconds["data-parallel communication"] += all_reduce(chip, 2.0 * model.vocab * model.d_model / tensor, 2,
                                                             ranks_per_node(2, apart, chip.chips_per_node), chips)
    if not layout.fused_grad_accumulation:
        seconds["memory-bound operations"] += kernels.gradient_accumulation_traffic(chip, dense_chip + expert_chip,
                                                                                    micro_batches)
    shards = shard_group(sizes, layout) if layout.zero >= 1 else 1
    seconds["optimizer step"] = kernels.optimizer_traffic(chip, dense_chip + expert_chip, shards)
    if layout.framework is not None:  # the whole step at the older code's measured efficiency
        efficiency = getattr(coeff, FRAMEWORKS[layout.framework])
        seconds["older framework"] = sum(seconds.values()) * (1 / efficiency - 1)
    return seconds


def shard_group(sizes: Sizes, layout: Layout) -> int:
    """Ranks that share out the model states: all data x context ranks, or ZeRO-3's hybrid ``zero_group``."""
    ranks = sizes.data_parallel * sizes.context
    return layout.zero_group if layout.zero == 3 and layout.zero_group else ranks


def data_parallel(chip: Chip, sizes: Sizes, layout: Layout, dense_chip: float, expert_chip: float,
                  micro_batch_time: float, chips: int) -> float:
    """Exposed seconds per step of the gradient all-reduce of this chip's parameters (16 bits) over the
    data x context ranks (experts' over those holding the same experts), and of ZeRO-3's weight gathers.

    ZeRO-3 / FSDP gather each layer's weights for the forward and again for the backward and reduce-scatter its
    gradients, every micro-batch (1.5x an all-reduce's traffic, three ring latencies per layer, each growing with
    the ranks), prefetching hiding all but the first layer's gather [Zhao2023] sec. 3.3; otherwise
    the reduction hides behind the last micro-batch's backward pass only. The share hidden defaults to
    ``1 - dp_exposed`` (none: Megatron-LM 2021 and the published FSDP runs behave so) [Narayanan2021] sec. 4.
    ``fp32_reduce``: the gradients reduced in fp32, 4 bytes each (TorchTitan's FSDP2: MixedPrecisionPolicy(param_dtype=
    bf16, reduce_dtype=float32), --training.mixed_precision_reduce's default and, in 2024, only choice).
    """
    coeff = chip.coefficients
    dense_ranks = sizes.data_parallel * sizes.context
    expert_tensor = sizes.expert_tensor or sizes.tensor  # experts replicated over t d c / (e x expert_tensor) ranks
    expert_ranks = dense_ranks * sizes.tensor // (sizes.expert * expert_tensor)
    per_node = chip.chips_per_node
    dense_in_node = ranks_per_node(dense_ranks, sizes.tensor, per_node)
    expert_in_node = ranks_per_node(expert_ranks, expert_tensor * sizes.expert, per_node)
    hidden = 1 - coeff.dp_exposed if layout.dp_overlap is None else layout.dp_overlap
    back = coeff.backward_traffic_ratio
    grad_bytes = 4.0 if layout.fp32_reduce else 2.0  # bytes per gradient reduced
    if layout.zero == 3:  # per layer: gathered for the forward and again for the backward, its gradients scattered
        group = shard_group(sizes, layout)
        replicas = dense_ranks // group
        if replicas > 1:  # hybrid sharding: the shards within a group, the groups' gradient shards all-reduced
            dense_ranks, expert_ranks = group, max(1, group * sizes.tensor // (sizes.expert * expert_tensor))
            dense_in_node = ranks_per_node(dense_ranks, sizes.tensor, per_node)
            expert_in_node = ranks_per_node(expert_ranks, expert_tensor * sizes.expert, per_node)
        layers = max(1, round(sizes.stage_layers))
        # two 16-bit gathers and the gradients' reduce-scatter (as many bytes, or twice in fp32), per layer
        transfers = 4 if layout.fp32_reduce else 3
        per_layer = (transfers * all_gather(chip, 2.0 * dense_chip / layers, dense_ranks, dense_in_node, chips)
                     + transfers * all_gather(chip, 2.0 * expert_chip / layers, expert_ranks, expert_in_node, chips))
        per_micro_batch = exposed(layers * per_layer, hidden * (1 - 1 / sizes.stage_layers),
                                  micro_batch_time, coeff.collective_sm_share)
        across = 0.0
        if replicas > 1:
            shard = grad_bytes * (dense_chip + expert_chip) / group
            across = exposed(all_reduce(chip, shard, replicas, ranks_per_node(replicas, sizes.tensor * group, per_node),
                                        chips), hidden, back / (1 + back) * micro_batch_time, coeff.collective_sm_share)
        return sizes.micro_batches * per_micro_batch + across
    seconds = (all_reduce(chip, grad_bytes * dense_chip, dense_ranks, dense_in_node, chips)
               + all_reduce(chip, grad_bytes * expert_chip, expert_ranks, expert_in_node, chips))
    return exposed(seconds, hidden, back / (1 + back) * micro_batch_time, coeff.collective_sm_share)
