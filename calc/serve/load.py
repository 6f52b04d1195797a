"""The serving load: a batch, a steady concurrency, the saturating throughput, or the best layout
under latency limits; and the throughput-latency frontier over batch sizes.

    static batch B     TTFT = prefill(B I);  TPOT = decode(B);  throughput = B O / (TTFT + (O - 1) TPOT)
    concurrency C      continuous batching [Yu2022] (Orca): each step decodes C sequences and carries
                       C I / O prompt tokens of the requests that join (chunked prefill [Agrawal2024]):
                       TPOT = decode(C) + prefill(C I / O);  TTFT = TPOT + prefill(I);
                       throughput = C O / (TTFT + (O - 1) TPOT)
                       under attention data parallelism (T ranks) the step waits for the rank with the most prompt
                       tokens where the lengths vary (``rank_imbalance``: E[max of T Poisson counts] / mean of the
                       ranks' own share, ``phases.rank_prefill``), and a step with a prompt on any rank runs without
                       CUDA graphs (``eager_share`` of the steps, adp_eager_step_share longer)
                       prefill apart (vLLM's V0 scheduler without chunked prefill, SGLang without mixed chunks) the
                       prompts joining over a round of n steps (vLLM's num_scheduler_steps) run in a pass of their own,
                       run only when a prompt waits: a = n C / O arrive a round, a pass in a share q = 1 - exp(-a) of
                       the rounds holding a / q prompts (``separate_passes``): TPOT = decode(C) + q pass(a I / q) / n;
                       TTFT = pass((1 + a) I) + decode(C); a request arriving waits for the round in progress (step_wait)
    disaggregated      prefill on chips of its own, the chips given decode only (Splitwise [Patel2024],
                       DistServe [Zhong2024], DeepSeek's V3/R1 service): TPOT = decode(C);
                       TTFT = prefill(I) + TPOT (the KV cache's transfer not counted); throughput per
                       decode chip = C / TPOT; an input token costs the prefill chips' seconds of a pass
                       over the C I / O prompt tokens that join each step, on the same layout
    saturating         the concurrency the memory allows, as a throughput benchmark runs
    limits             the layout and concurrency with the most tokens/s per chip whose TTFT and TPOT
                       stay within the limits. MLPerf Inference's server and interactive constraints
                       are p99s; the model's figures are steady-state means with no queueing tail, so
                       a p99 limit bounds the mean times p99 / mean of MLPerf's Server runs
                       (``calc.serve.percentiles``; the answer says which statistic it bounded)

    waits              a request's TTFT on a served load (one consistent formula, ``step_wait``, ``prefill_wait``):
                       TTFT = W_step + W_ahead + TTFT(C) above. W_step: the residual of the step (round of n steps)
                       in progress at a Poisson arrival, n tau / 2 + lambda S^2 / 2 ([Kleinrock1975] sec. 5.2),
                       the engine busy with probability 1 - exp(-C). W_ahead: the prompts queued ahead of it for
                       the token budget per step (TensorRT-LLM's max_num_tokens, 8,192 by default; vLLM's
                       max_num_batched_tokens): K = max(1, floor((budget - C) / I)) whole prompts a step, served as
                       by K servers of tau_K = m n d + K S (m = I / (budget - C) steps for a prompt longer than
                       the room, chunked; else 1); the M/D/K wait Wq = tau_K rho^(sqrt(2(K+1)) - 1) /
                       (2 K (1 - rho)), rho = lambda tau_K / K ([Sakasegawa1977], [Whitt1993]; Pollaczek-Khinchine
                       at K = 1), less its residual of the service in progress (W_step's): W_ahead = rho Wq.
                       at_rate: lambda the Poisson rate. A closed loop of C clients (evaluate with queue, calc.serve
                       --concurrency): lambda the other C - 1 clients' rate (the arrival theorem [Reiser1980]: one
                       client never waits), W_ahead at most (C - 1) tau_K / K; W_step a whole step, n tau (its request
                       arrives as its last token ends a step, so it waits for all of the next: ``_step_after``).
                       None where the C decoding sequences alone fill the budget (the engine's own must be larger: unknown).
                       Under attention data parallelism with TensorRT-LLM's balance of the ranks' prompts, the steps
                       until the balance releases them ((K - 1) / 2 of a release every K steps, ``adp_balance_wait``).
                       A throughput benchmark's
                       saturation has neither (its engine's budget is set to its workload)

Decode reads a cache of I + O/2 tokens per sequence on average; memory holds I + O per sequence. Where the requests'
lengths vary (a benchmark's dataset, ``Setup.output_spread``), the sequences a step decodes are length-biased (a
request of output O is in flight for O steps): decode reads E[O (I + O/2)] / E[O] per sequence
(``Setup.in_flight_context``) and a prompt's attention costs E[I^2] / E[I] per token (``Setup.attended_prompt``).
Concurrency and batch count all sequences in flight over all replicas, spread evenly.
"""

from __future__ import annotations

import functools
import math
import statistics
from dataclasses import dataclass, fields, replace

import numpy as np

from calc import data
from calc.architecture import Transformer, lookup, shape_name
from calc.display import counted, number
from calc.errors import InputError
from calc.perf.layout import check_heads
from calc.reader import read_chips, whole_text
from calc.serve import cost, footprint, phases
from calc.serve.phases import Layout
from calc.serve.terms import Rates, clocked, engine_all_reduce, expert_format_rates, rates
from calc.units import Quantity, parse_quantity
from calc.vocabulary import precision_hint, precision_name

# decode attention kernels: "grouped" reads each cached key/value head once per step (TensorRT-LLM's XQA from
# v0.8, FlashInfer, vLLM's paged attention for GQA); "per-head" once per query head (TensorRT-LLM before v0.8:
# XQA gave Llama 2 70B 2.4x the throughput on one H200, docs/source/blogs/XQA-kernel.md)
ATTENTION_KERNELS = {"grouped": None, "per-head": None}
LIMITED = {"weights": "memory bandwidth (weights)", "kv cache": "memory bandwidth (KV cache)",
           "compute": "compute", "communication": "communication", "overhead": "fixed overheads"}


@dataclass(frozen=True)
class Setup:
    """Everything one prediction needs, resolved and checked once: plain floats and ints."""

    model: Transformer
    shape: phases.Shape
    hardware: data.Hardware
    rates: Rates
    layout: Layout
    chips: int
    precision: str
    kv_precision: str
    weight_bytes: float
    kv_bytes: float
    input_tokens: int
    output_tokens: int
    window: int | None
    window_layers: int
    price: float | None  # USD/chip/hour
    price_basis: str
    pue: float
    carbon_intensity: float  # kg/kWh
    attention_kernel: str = "grouped"  # "per-head": a decode kernel that reads each key/value head once per query head
    disaggregated: bool = False  # prefill on chips of its own (the chips given decode only) [Patel2024], [Zhong2024]
    expert_precision: str | None = None  # the routed experts' weights (GPT-OSS: mxfp4); None: ``precision``
    expert_bytes: float | None = None  # bytes per routed-expert weight; None: ``weight_bytes``
    window_memory: bool = True  # False: the engine holds the whole context for layers with a window too (see held)
    gather_bytes: float = 0.0  # > 0: under attention data parallelism the experts' tokens are all-gathered (phases.Layout)
    # the engine's scheduler runs once every this many decode steps (vLLM's num_scheduler_steps, multi-step scheduling):
    # the prompts that arrive join at the next round's start, and a round holds this many steps
    scheduler_steps: int = 1
    # False: the prompts that join run as a prefill pass of their own, not riding in a decode step (vLLM's V0 scheduler
    # without enable_chunked_prefill, SGLang without enable_mixed_chunk: a step is prefill only or decode only).
    # TensorRT-LLM's in-flight batching mixes them whether or not it chunks the context: True for it
    # (MicroBatchScheduler returns the context and generation requests of one forward, chunking or not)
    chunked_prefill: bool = True
    # the engine's own limits where a run states them (data/serving_engine_settings.csv; None: the engine's defaults):
    # sequences batched per pipeline micro-batch (TensorRT-LLM's max_batch_size, vLLM's max_num_seqs), tokens a step
    # carries, decode tokens and whole prompts (TensorRT-LLM's max_num_tokens, vLLM's max_num_batched_tokens; None:
    # data/serving_coefficients.csv prefill_token_budget, the engines' default: ``prefill_wait``), and the
    # share of the memory left after the weights that the KV cache takes (TensorRT-LLM's kv_cache_free_gpu_mem_fraction;
    # None: data/serving_coefficients.csv kv_memory_fraction)
    max_batch_size: int | None = None
    max_num_tokens: int | None = None
    kv_memory_fraction: float | None = None
    # True: the engine runs without CUDA or HIP graphs (vLLM's enforce_eager): the host dispatches every kernel of every
    # layer each decode step, and a step takes at least that host time (``phases.host_dispatch``)
    eager: bool = False
    # the engine's host work per sequence in flight and decode step (s; data/serving_host.csv), hidden behind the GPU's
    # next step where ``host_overlap`` (TensorRT-LLM's overlap scheduler): ``phases.host_step``, ``phases.hosted``
    host_per_sequence: float = 0.0
    host_overlap: bool = True
    # the spread of the requests' lengths about input_tokens and output_tokens, their means (data/serving_datasets.csv:
    # a benchmark's dataset): Var / mean^2 of the prompt and of the output, and Cov(I, O) / (mean I x mean O); 0: every
    # request alike (trtllm-bench, NIM, a static batch). See ``in_flight_context``
    input_spread: float = 0.0
    output_spread: float = 0.0
    length_covariance: float = 0.0
    output_max: int | None = None  # the longest output of those requests (tokens): the tail of a finite run (finite_run)
    # under attention data parallelism, TensorRT-LLM's balance of the ranks' prompts (attention_dp_config: NVIDIA's MLPerf
    # harness): a prompt waits until every rank has one, at most this many iterations, then this many more for others
    # to join (0, 0: balance off, prompts scheduled as they come; ``adp_balance_wait``)
    adp_timeout_iters: int = 0
    adp_batching_wait_iters: int = 0
    # how the harness deals the requests it is issued to the replicas: None, each replica's arrivals random (Poisson: one
    # replica, or a dispatch not stated); "round_robin", in turn (NVIDIA's MLPerf harness in Interactive: ``arrival_scv``)
    dispatch: str | None = None
    # True: the engine fuses the tensor-parallel all-reduce after the attention output and feed-forward down products into
    # those products (TensorRT-LLM's gemm_allreduce_plugin), so a prompt's all-reduce shows only beyond its product
    # (``phases.prefill``)
    fused_all_reduce: bool = False
    # the decode batch sizes a rank's CUDA graphs were captured at, ascending, where the engine pads a generation-only
    # step's batch up to the nearest of them (TensorRT-LLM's cuda_graph_batch_sizes with cuda_graph_padding_enabled;
    # data/serving_graph_padding.csv); () : every step at its own batch (``graph_padding``)
    graph_batch_sizes: tuple = ()
    # the longest sequence (tokens, prompt and output so far) whose decode steps the engine replays from a CUDA graph:
    # vLLM's V0 engine runs a decode step whose longest sequence is longer eagerly (max_seq_len_to_capture,
    # data/serving_graph_capture.csv; ``graph_eager_share``); None: every decode step from its graph
    graph_max_context: int | None = None
    # why the weights are in ``precision``: "given", or where none was given the default's reason
    # (``default_precision``: the checkpoint's format, or the chip's 16-bit one)
    precision_basis: str = "given"
    # speculative decoding with the model's multi-token prediction module (DeepSeek-V3/R1): k draft tokens a step and
    # the mean tokens a sequence emits a step, 1 <= a <= k + 1, stated by the user or the source (``decode``,
    # ``phases.speculative_step``); 0: one token a step, as without
    draft_tokens: int = 0
    accepted_tokens: float = 1.0

    @property
    def kv_reads(self) -> float:
        """Reads of each cached key and value per decode step (see ATTENTION_KERNELS)."""
        if self.attention_kernel == "grouped" or self.shape.latent:
            return 1.0
        return self.shape.heads / self.shape.kv_heads

    @property
    def replicas(self) -> int:
        """Replicas of the model over the chips."""
        return self.chips // self.layout.chips

    @property
    def arrival_scv(self) -> float:
        """c_a^2, the squared coefficient of variation of the times between the requests one replica gets, where the
        requests come at random (Poisson, a serving benchmark's request rate) and the harness deals them to the R
        replicas (``dispatch``): 1 for a replica's share of a Poisson stream taken at random; 1 / R dealt in turn
        (round robin), as a replica then gets every R-th arrival and the time between two is the sum of R exponential
        gaps, an Erlang-R time of mean R / lambda and variance R / lambda^2 ([Kleinrock1975] sec. 4.4)."""
        return 1.0 / self.replicas if self.dispatch == "round_robin" else 1.0

    def cached(self, tokens):
        """Cached tokens per layer for ``tokens`` of a sequence, sliding windows applied."""
        return footprint.cached_tokens(tokens, self.window, self.window_layers, self.shape.layers)

    def span(self, prompt):
        """The full-attention prompt length of the same attention FLOP as a ``prompt``-token prefill, windows applied."""
        return footprint.attended_span(prompt, self.window, self.window_layers, self.shape.layers)

    def held(self, tokens):
        """Cached tokens per layer that the memory holds for ``tokens`` of a sequence: ``cached`` where the engine sizes
        a windowed layer's cache by its window, else every token on every layer (``window_memory`` False: TensorRT-LLM's
        KV cache manager without ``max_attention_window`` in its kv_cache_config, one pool at the longest sequence for
        all layers, the window applied only by the attention kernel [NVIDIA2025trtllmkv])."""
        return self.cached(tokens) if self.window_memory else tokens

    @property
    def in_flight_context(self) -> float:
        """Mean tokens cached per sequence in flight (before windows): I + O / 2 for requests alike; with lengths that
        vary, the mean over the sequences a step decodes, which are length-biased: a request of output O is in flight
        for O steps, so a step holds it in proportion to O (the inspection paradox of renewal theory: the interval an
        observer lands in is length-biased, density x f(x) / E[X], [Kleinrock1975] sec. 5.2), at its mean context I + O / 2 over those steps:

            E[O (I + O / 2)] / E[O] = E[I] (1 + k) + E[O] (1 + c_O^2) / 2,

        k = Cov(I, O) / (E[I] E[O]) and c_O^2 = Var(O) / E[O]^2 (``length_covariance``, ``output_spread``). No
        constant: the dataset's moments. The memory a sequence holds stays I + O of the mean request
        (``max_concurrency``): the model reserves a request's full length for requests alike, and with lengths that
        vary the engines of the runs that state a dataset (NVIDIA's MLPerf harness at TensorRT-LLM's MAX_UTILIZATION
        policy, vLLM's paged blocks) allocate a sequence's cache as it grows, holding the length-biased mean context
        above, not a reservation at the full length; which the engine holds is its capacity policy's question, not
        the spread's (branch lenvar: the length-biased full length, E[O (I + O)] / E[O], cost DeepSeek-R1's MLPerf
        rows half their concurrency that the harness's memory does not bind)."""
        prompt, gen = float(self.input_tokens), float(self.output_tokens)
        if not (self.output_spread or self.length_covariance):
            return prompt + gen / 2
        return prompt * (1.0 + self.length_covariance) + gen * (1.0 + self.output_spread) / 2

    @property
    def attended_prompt(self):
        """The prompt length whose attention FLOP per prompt token is the mean's: I for prompts alike; with prompts
        that vary, a prompt's attention FLOP grows as I^2, so per prompt token E[I^2] / E[I] = E[I] (1 + c_I^2)
        (``input_spread``)."""
        if not self.input_spread:
            return self.input_tokens
        return float(self.input_tokens) * (1.0 + self.input_spread)

    @functools.cached_property
    def watts(self) -> float | None:
        """The chip's TDP (W; ``cost.tdp``), read once per setup: its unit conversion was a fifth of each ``evaluate``."""
        return cost.tdp(self.hardware)

    @property
    def mtp(self) -> phases.Shape | None:
        """The multi-token prediction module a speculative decode runs and holds (``phases.mtp_shape``); None without
        draft tokens."""
        return phases.mtp_shape(self.model) if self.draft_tokens else None

    def max_concurrency(self) -> int:
        """Sequences in flight that the memory of all replicas holds, at most the engine's ``max_batch_size`` per
        micro-batch where the run states one: TensorRT-LLM holds max_batch_size x the pipeline depth sequences
        (mMaxNumSequences, cpp/tensorrt_llm/batch_manager/trtGptModel.h [NVIDIA2025trtllmpp]), per attention rank under
        attention data parallelism. Worked out once per setup (frozen: the search asked each layout three times)."""
        most = self.__dict__.get("_max_concurrency")  # kept beside the fields, as functools.cached_property keeps
        if most is None:
            most = self.__dict__["_max_concurrency"] = self._max_concurrency()
        return most

    def _max_concurrency(self) -> int:
        per = phases.max_concurrency(self.shape, self.layout, self.rates, self.weight_bytes, self.kv_bytes,
                                     self.held(self.input_tokens + self.output_tokens), self.expert_bytes,
                                     kv_fraction=self.kv_memory_fraction, mtp=self.mtp)
        per = max(float(per), 0.0)
        if self.max_batch_size is not None:
            lay = self.layout
            per = min(per, self.max_batch_size * lay.pipeline * (lay.tensor if lay.attention_data_parallel else 1))
        return int(per) * self.replicas


def decode(s: Setup, batch, context, eager: bool) -> dict:
    """Seconds of decode per token a sequence emits, by part (``phases.decode_step``: one token a step), or with
    ``Setup.draft_tokens`` a speculative step over the tokens it emits (``phases.speculative_step``)."""
    if not s.draft_tokens:
        return phases.decode_step(s.shape, s.layout, s.rates, s.weight_bytes, s.kv_bytes, batch, context, s.kv_reads,
                                  s.expert_bytes, eager)
    return phases.speculative_step(s.shape, s.mtp, s.layout, s.rates, s.weight_bytes, s.kv_bytes, batch, context,
                                   s.draft_tokens, s.accepted_tokens, s.kv_reads, s.expert_bytes, eager)


def evaluate(s: Setup, concurrency, mode: str, queue: bool = False) -> dict:
    """Every output as float arrays over ``concurrency`` (all replicas), for ``mode`` "batch", "continuous" or
    "arrivals": ttft, tpot (s), per_chip, total (output token/s), per_user, usd_in, usd_out
    (USD per token), joule_in, joule_out (J per token), and the parts of each phase. "arrivals": continuous batching
    with the requests arriving at random (Poisson, a serving benchmark's request rate, MLPerf's Server): under pipeline
    parallelism the prompts a micro-batch carries vary, and the pipeline runs at the pace of its heaviest micro-batch
    (``microbatch_imbalance``); with one stage it is "continuous". ``queue`` (continuous, prefill on the same chips):
    the TTFT of a served closed loop of ``concurrency`` clients, each sending its next request when its last one ends,
    with the wait of its prompt behind the others' for the step's token budget (``prefill_wait``: the arrival theorem
    [Reiser1980], a request arriving sees the other C - 1 clients' load, so one client never waits), and for the whole
    step (round of steps) that starts as its previous request ends (``_step_after``: a closed loop's request arrives at
    a step boundary, not at a random time as ``step_wait``'s Poisson arrivals do); without it (a throughput benchmark's saturation,
    whose engine is given a budget to its workload) none."""
    k = phases.coefficients()
    c = np.asarray(concurrency, dtype=float) / s.replicas  # per replica
    prompt, gen = float(s.input_tokens), float(s.output_tokens)
    lay, sh, r = s.layout, s.shape, s.rates
    span = float(s.span(s.attended_prompt))
    eb = s.expert_bytes
    fused = s.fused_all_reduce  # the prompt's all-reduce fused into its products (gemm_allreduce_plugin)
    dec = decode(s, c, s.cached(s.in_flight_context), s.eager)
    if not s.eager and _past_capture(s) > 0.0:  # steps with a sequence beyond the captured length run eagerly
        share = graph_eager_share(s, c)
        bare = decode(s, c, s.cached(s.in_flight_context), True)
        dec = {key: dec[key] + share * (bare[key] - dec[key]) for key in dec}
    host = phases.host_step(lay, c, s.host_per_sequence) if s.host_per_sequence else None
    if host is not None and s.draft_tokens:  # a speculative step's host work over the tokens it emits
        host = host / s.accepted_tokens
    stretch = 1.0  # the step's time over the GPU's (prefill and decode parts) where the host's work lengthens it
    if host is not None and not (mode != "batch" and not s.disaggregated and s.chunked_prefill):
        dec = {**dec, "total": phases.hosted(dec["total"], host, s.host_overlap)}  # a step of its own: its host work
    if mode == "batch":
        pre = phases.prefill(sh, lay, r, s.weight_bytes, c * prompt, prompt, span=span, expert_bytes=eb,
                             fused_all_reduce=fused)
        ttft, tpot = pre["total"], dec["total"]
        prefill_per_token = pre["total"] / (c * prompt)
    elif s.disaggregated:  # prefill chips of their own take the joining prompts in passes of their own
        pre = phases.prefill(sh, lay, r, s.weight_bytes, c * prompt / gen, prompt, span=span, expert_bytes=eb,
                             fused_all_reduce=fused)
        tpot = dec["total"]
        # the TTFT's prompt in a pass of its own: what limits it is this pass's (``limited_by``), not the per-step
        # share above that prices the input tokens (a few prompt tokens a step against the whole weights read)
        first = phases.prefill(sh, lay, r, s.weight_bytes, prompt, prompt, span=span, expert_bytes=eb,
                               fused_all_reduce=fused)
        ttft = first["total"] + tpot
        prefill_per_token = pre["total"] / (c * prompt / gen)
    elif not s.chunked_prefill:  # the prompts of a round of n steps in one pass of their own, when any has come
        n = s.scheduler_steps
        a = n * c / gen  # prompts arriving over a round (Poisson; ``separate_passes``)
        q, per_pass = separate_passes(a)
        one = phases.prefill(sh, lay, r, s.weight_bytes, per_pass * prompt, prompt, span=span, expert_bytes=eb,
                             fused_all_reduce=fused)
        pre = {k: q * v for k, v in one.items()}  # a round's expected pass: the weights read q times, not every round
        tpot = dec["total"] + pre["total"] / n
        # its own pass holds it and the Poisson a others of its round (size-biased: 1 + a), then its first step
        ttft = phases.prefill(sh, lay, r, s.weight_bytes, (1.0 + a) * prompt, prompt, span=span,
                              expert_bytes=eb, fused_all_reduce=fused)["total"] + dec["total"]
        prefill_per_token = pre["total"] / (a * prompt)
        pre = {k: v / n for k, v in pre.items()}  # per step, as the chunked path's
    else:
        pre = phases.prefill(sh, lay, r, s.weight_bytes, c * prompt / gen, prompt, weights=False, span=span,
                             expert_bytes=eb, fused_all_reduce=fused)
        alone = phases.prefill(sh, lay, r, s.weight_bytes, prompt, prompt, span=span, expert_bytes=eb,
                               fused_all_reduce=fused)["total"]
        tpot = dec["total"] + pre["total"]
        if mode == "arrivals" and lay.pipeline > 1:  # the heaviest of the P micro-batches paces the pipeline
            tpot = tpot + pre["total"] * (microbatch_imbalance(c / (lay.pipeline * gen), lay.pipeline) - 1.0)
        if lay.attention_data_parallel and lay.tensor > 1 and s.output_spread:  # the busiest rank paces each MoE layer
            own = phases.rank_prefill(sh, lay, r, c * prompt / gen, prompt, span)
            tpot = tpot + own * (rank_imbalance(s, c) - 1.0)
        graphed = 1.0
        if lay.attention_data_parallel and lay.tensor > 1 and not s.eager:  # a prompt on any rank: no graph
            eager = eager_share(s, c)
            tpot = tpot + eager * k.adp_eager_step_share * dec["total"]
            graphed = 1.0 - eager
        if s.graph_batch_sizes and not s.eager:  # the graph steps at their captured batch (``graph_padding``)
            tpot = tpot + graphed * graph_padding(s, c, dec["total"])
        if host is not None:  # the step carries the joining prompts too: the host's work against the whole step
            hosted = phases.hosted(tpot, host, s.host_overlap)
            stretch, tpot = hosted / tpot, hosted  # the chips wait for the host as long: charged to both phases
        ttft = tpot + alone
        prefill_per_token = pre["total"] / (c * prompt / gen) * stretch
    if queue and mode != "batch" and not s.disaggregated:
        if np.ndim(c) == 0:
            c, ttft, tpot = float(c), float(ttft), float(tpot)
        others = np.maximum(c - 1.0, 0.0) if np.ndim(c) else max(c - 1.0, 0.0)
        lam = others / (ttft + (gen - 1) * tpot)  # the other clients' requests/s (a replica; their life without the wait)
        S = pre["total"] * gen / c  # one prompt's prefill riding in a step (as step_wait's)
        ttft = ttft + _step_after(s, tpot, others) + prefill_wait(s, c, lam, dec["total"], S, ahead_at_most=others)
    decode_per_token = dec["total"] / c * stretch
    # a sequence holds the decode chips for its O steps only when its prompt ran elsewhere
    per_replica = c / tpot if s.disaggregated and mode != "batch" else c * gen / (ttft + (gen - 1) * tpot)
    chips = lay.chips  # chip-seconds per token of a replica
    watts = s.watts
    out = {"ttft": ttft, "tpot": tpot, "total": per_replica * s.replicas, "per_chip": per_replica / chips,
           # a user's speed: 1 / TPOT as it decodes; with one output token there is no decoding (fresh24: "34.3 per
           # user" beside 18.7 per chip for one user), the request's own token over its TTFT
           "per_user": 1.0 / tpot if gen > 1 else 1.0 / ttft, "decode": dec, "prefill": pre,
           "chip_s_in": chips * prefill_per_token, "chip_s_out": chips * decode_per_token}
    if s.disaggregated and mode != "batch":
        out["prefill_pass"] = first  # the parts of the TTFT's own prefill pass (a batch's is "prefill" itself)
    if s.price is not None:
        out["usd_in"] = s.price / 3600 * out["chip_s_in"]
        out["usd_out"] = s.price / 3600 * out["chip_s_out"]
    if watts is not None:
        out["joule_in"] = watts * k.load_power_fraction_prefill * s.pue * out["chip_s_in"]
        out["joule_out"] = watts * k.load_power_fraction_decode * s.pue * out["chip_s_out"]
    return out


def separate_passes(arrivals):
    """The share q of scheduler rounds that run a prefill pass, and the prompts such a pass carries, a / q, for an
    engine that runs its prefill apart from its decode (``Setup.chunked_prefill`` False), ``arrivals`` a the mean
    prompts that arrive over a round (of n steps: C n / O for C sequences in flight and O output tokens).

    The engine runs a prefill pass only when a prompt waits, and then with every prompt waiting that fits its token
    budget: SGLang's Scheduler.get_next_batch_to_run runs get_new_batch_prefill first, which returns None when the
    waiting queue is empty, else a batch of the waiting requests up to max_prefill_tokens and chunked_prefill_size
    ("Run prefill first if possible"), else the running batch decodes (python/sglang/srt/managers/scheduler.py; with
    enable_mixed_chunk False, the default, the prefill batch carries no decoding request); vLLM's V0
    Scheduler._schedule_default schedules the waiting prompts first and the running decodes only when it scheduled no
    prompt (vllm/core/scheduler.py; under num_scheduler_steps n at a round's start). The arrivals over a round are
    Poisson (a serving benchmark's request rate; in a closed loop the C sequences each end with chance n / O in a round,
    a binomial of mean a, Poisson for C large), so a round has a pass with chance q = 1 - exp(-a), and the pass holds
    the a / q prompts that arrived (1 as a -> 0, a as a grows): a pass reads the weights once, however many prompts it
    holds. Arrays broadcast."""
    if np.ndim(arrivals) == 0:  # one load (a prediction): plain floats, a few times faster than arrays
        a = float(arrivals)
        q = -math.expm1(-a)
        return q, (a / q if q > 0 else 1.0)
    a = np.asarray(arrivals, dtype=float)
    q = -np.expm1(-a)
    return q, np.divide(a, q, out=np.ones_like(a), where=q > 0)


_POISSON_EXACT_UP_TO = 400.0  # mean prompts a micro-batch up to which microbatch_imbalance sums the Poisson law


def microbatch_imbalance(prompts, stages: int):
    """E[max of ``stages`` independent Poisson counts of mean ``prompts``] / ``prompts`` (arrays; 1 where no prompt
    joins): how much longer than the balanced share the prompts of a pipeline's step take when they arrive at random.

    Under pipeline parallelism P micro-batches pass the P stages in turn (TensorRT-LLM's in-flight batching,
    numMicroBatches = the pipeline depth [NVIDIA2025trtllmpp]); each carries its decode sequences and the prompt chunks
    that arrived while the one before it was scheduled, a Poisson number N_j of mean mu = C / (P O) under random
    arrivals ([Kleinrock1975] sec. 2.6). A micro-batch's time on a stage is d + S N_j (d its decode share, S one
    prompt's prefill on a stage), the same on every stage. In a cyclic pipeline each stage takes the micro-batches in
    order and a micro-batch re-enters the first stage only when it has left the last: for P stages and P micro-batches
    the period is P max_j (d + S N_j) (the heaviest passes the stages back to back, the others wait behind it), where
    the balanced step of ``evaluate``'s continuous mode is P d + P S mu. The expected step is longer by
    P S (E[max_j N_j] - mu) = (the step's prompt time) x (this ratio - 1). No constant: the ratio of Poisson order
    statistics, E[max] = sum_k (1 - F(k)^P).

    >>> round(float(microbatch_imbalance(2.0, 2)), 3), float(microbatch_imbalance(2.0, 1))
    (1.386, 1.0)
    """
    if np.ndim(prompts) == 0 and 0.0 < float(prompts) <= _POISSON_EXACT_UP_TO and stages > 1:  # one load: plain floats
        m = float(prompts)
        term = math.exp(-m)  # P(N = 0)
        cdf, total = term, 0.0
        for k in range(int(m + 12.0 * math.sqrt(m) + 30)):
            total += 1.0 - min(cdf, 1.0) ** stages
            term *= m / (k + 1)
            cdf += term
        return total / m
    mu = np.asarray(prompts, dtype=float)
    if stages <= 1:
        return np.ones_like(mu) if mu.ndim else 1.0
    flat = np.maximum(mu.reshape(-1), 1e-12)
    # many prompts a micro-batch: the normal limit, E[max of P standard normals] by Blom's (1958) plotting position,
    # Phi^-1((P - 0.375) / (P + 0.25)); up to _POISSON_EXACT_UP_TO the Poisson law summed, a bounded number of terms
    ratio = 1.0 + statistics.NormalDist().inv_cdf((stages - 0.375) / (stages + 0.25)) / np.sqrt(flat)
    exact = flat <= _POISSON_EXACT_UP_TO
    if exact.any():
        few = flat[exact]
        top = int(np.max(few) + 12.0 * math.sqrt(float(np.max(few))) + 30)
        k = np.arange(top, dtype=float)
        log_fact = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, top, dtype=float)))))
        pmf = np.exp(-few[:, None] + k[None, :] * np.log(few)[:, None] - log_fact[None, :])
        cdf = np.minimum(np.cumsum(pmf, axis=1), 1.0)
        ratio[exact] = np.sum(1.0 - cdf ** stages, axis=1) / few
    ratio = np.where(mu.reshape(-1) > 0, ratio, 1.0).reshape(mu.shape)
    return ratio if mu.ndim else float(ratio)


def rank_imbalance(s: Setup, concurrency):
    """E[most prompts on one of the T attention ranks] / their mean, for the prompts that join a step under attention
    data parallelism (arrays over ``concurrency``, all replicas; 1 without it): how much longer than the balanced share
    the ranks' own work on the prompts (``phases.rank_prefill``) holds the step.

    Each rank runs attention and the dense layers on its own sequences and prompts; at every MoE layer the ranks'
    tokens meet (all-gathered or dispatched), so each layer waits for the rank with the most prompt tokens, and the step
    is the busiest rank's. A rank takes a new request as one of its sequences ends (TensorRT-LLM gives a request to the
    rank with the fewest in flight), C / (T O) a step on average, a Poisson count as the sequences end at random
    ([Kleinrock1975] sec. 2.6): the step's prompts take E[max of T Poisson counts] / mean (``microbatch_imbalance``,
    no constant) of the balanced share ``evaluate`` counts. With TensorRT-LLM's balance of the ranks' prompts
    (``Setup.adp_timeout_iters``, ``adp_balance_wait``) the prompts are held and go together every K steps
    (K = min(t, ceil(T / (C / O)) + b)): the ranks' counts are those of K steps, the ratio of counts of mean K C / (T O),
    closer to 1; counts cut by the step's token budget and a release's condition that every rank hold one are not
    modelled. Requests alike (no ``Setup.output_spread``: trtllm-bench's fixed lengths, every request queued at once)
    are admitted a prompt a rank in turn and end in the order they began, the ranks in lockstep (``finite_run``'s
    cohorts): ``evaluate`` takes the ranks as balanced there and counts this only where the lengths vary.

    >>> s = setup("DeepSeek-V3", "H200 SXM", 8, tensor=8, expert=8, attention_data_parallel=True, precision="fp8",
    ...           input_tokens=1024, output_tokens=2048)
    >>> round(float(rank_imbalance(s, 1024.0)), 2)  # 128 sequences a rank: a prompt a rank every 16 steps
    6.54
    """
    lay = s.layout
    if not lay.attention_data_parallel or lay.tensor <= 1:
        return np.ones_like(np.asarray(concurrency, dtype=float)) if np.ndim(concurrency) else 1.0
    if np.ndim(concurrency) == 0:  # one load (a prediction): plain floats
        per_step = float(concurrency) / s.replicas / s.output_tokens  # prompts joining a step (a replica)
        if s.adp_timeout_iters:
            per_step *= min(float(s.adp_timeout_iters),
                            math.ceil(lay.tensor / max(per_step, 1e-12)) + s.adp_batching_wait_iters)
        return microbatch_imbalance(per_step / lay.tensor, lay.tensor)
    per_step = np.asarray(concurrency, dtype=float) / s.replicas / s.output_tokens
    if s.adp_timeout_iters:
        fill = np.ceil(lay.tensor / np.maximum(per_step, 1e-12)) + s.adp_batching_wait_iters
        per_step = per_step * np.minimum(float(s.adp_timeout_iters), fill)
    return microbatch_imbalance(per_step / lay.tensor, lay.tensor)


def graph_eager_share(s: Setup, concurrency):
    """The share of decode steps that run without CUDA graphs because a sequence in the step is longer than the engine
    captures (``Setup.graph_max_context`` L; arrays over ``concurrency``, all replicas; 0 without a limit): vLLM's V0
    engine replays a decode step's graph only where max_decode_seq_len, its longest sequence's length (prompt and
    tokens so far), is at most max_seq_len_to_capture (ModelInputForGPUBuilder._use_captured_graph,
    vllm/worker/model_runner.py; 8,192 by default, data/serving_graph_capture.csv), and runs the step eagerly else
    (``phases.decode_step`` with ``eager``: the host's dispatch of every kernel, ``phases.host_dispatch``).

    A sequence of prompt I and output O is past L in a share p = (I + O - L) / O of its O decode steps (0 to 1).
    Requests alike (no ``Setup.output_spread``: a benchmark's fixed lengths, its sequences begun together and ending
    together, as ``rank_imbalance`` takes them) are in lockstep: p of the steps. Lengths that vary put the n sequences a
    replica's step holds at independent points of their lives: a step is captured only where all are within L,
    1 - (1 - p)^n, at the mean request's p (a lower bound: the longer requests pass L sooner). No constant.

    >>> s = setup("Llama 3.1 8B", "H100 SXM5", 1, input_tokens=3200, output_tokens=6400, graph_max_context=8192)
    >>> float(graph_eager_share(s, 128.0))  # (3,200 + 6,400 - 8,192) / 6,400 of the steps
    0.22
    """
    c = np.asarray(concurrency, dtype=float) / s.replicas
    p = _past_capture(s)
    if p and (s.output_spread or s.input_spread):
        return 1.0 - (1.0 - p) ** np.maximum(c, 1.0)
    return p + 0.0 * c


def _past_capture(s: Setup) -> float:
    """The share of the mean request's decode steps at which it is longer than ``Setup.graph_max_context`` (0 to 1;
    0 without a limit): (I + O - L) / O."""
    if s.graph_max_context is None:
        return 0.0
    gen = float(s.output_tokens)
    return min(max((float(s.input_tokens) + gen - s.graph_max_context) / gen, 0.0), 1.0)


def graph_padding(s: Setup, concurrency, step):
    """The seconds a decode step replayed from a CUDA graph adds to ``step`` (the step at its own batch, seconds; arrays
    over ``concurrency``, all replicas) where the engine pads its batch to the captured sizes
    (``Setup.graph_batch_sizes``): TensorRT-LLM's PyTorch backend runs a generation-only step at the smallest captured
    batch at least the rank's own, under attention data parallelism the widest rank's (_get_padded_batch all-gathers
    each rank's batch and pads every rank to the largest, so the ranks replay one graph), its padded sequences dummy
    requests of one cached token; a batch above the largest captured size runs without a graph (_get_padded_batch
    returns 0 and no graph is found): data/serving_coefficients.csv adp_eager_step_share longer (TensorRT-LLM tech blog
    3's 22%). The padded step is ``phases.decode_step`` at the captured batch with the attention's cached tokens those
    of the run's own sequences (each dummy holds one token). The rank's batch is its share of the sequences of a
    micro-batch, C / (P T) under attention data parallelism, C / P else: the ranks' mean, where the widest rank paces
    it (a lower bound). No constant: TensorRT-LLM tech blog 20 measures the waste (DeepSeek-R1 on 4 GB200, up to
    1.5x output throughput with sizes every 64 above 128 against the default's doubling).

    >>> s = setup("DeepSeek-V3", "B200", 8, tensor=8, expert=8, attention_data_parallel=True, precision="fp4",
    ...           kv_precision="fp8", input_tokens=804, output_tokens=3681, graph_batch_sizes=(128, 256, 384, 512))
    >>> round(float(graph_padding(s, 8 * 128.0, 0.03)) * 1e3, 3)  # 128 a rank: a captured size, nothing padded
    0.0
    >>> round(float(graph_padding(s, 8 * 160.0, 0.03)) * 1e3, 1)  # 160 a rank run at 256
    6.8
    >>> round(float(graph_padding(s, 8 * 600.0, 0.03)) * 1e3, 1)  # above 512 a rank: no graph, 22% of the step
    6.6
    """
    lay = s.layout
    c = np.asarray(concurrency, dtype=float) / s.replicas
    one = c.ndim == 0
    ranks = lay.pipeline * (lay.tensor if lay.attention_data_parallel else 1)
    b = np.atleast_1d(c / ranks)
    sizes = np.asarray(s.graph_batch_sizes, dtype=float)
    at = np.searchsorted(sizes, np.ceil(b - 1e-9))  # the smallest captured size >= the rank's batch
    above = at >= len(sizes)
    padded = np.where(above, b, sizes[np.minimum(at, len(sizes) - 1)])
    cc = np.atleast_1d(c)
    context = s.cached(s.in_flight_context)
    grow = padded > b
    extra = np.zeros_like(b)
    if grow.any():
        wide = padded[grow] * ranks
        full = decode(s, wide, context * cc[grow] / wide, s.eager)["total"]
        own = decode(s, cc[grow], context, s.eager)["total"]
        extra[grow] = full - own
    step = np.broadcast_to(np.asarray(step, dtype=float), b.shape)
    extra = extra + np.where(above, phases.coefficients().adp_eager_step_share * step, 0.0)
    return float(extra[0]) if one else extra


def eager_share(s: Setup, concurrency):
    """The share of decode steps that run without CUDA graphs under attention data parallelism (arrays over
    ``concurrency``, all replicas; 0 without it): TensorRT-LLM's PyTorch backend replays a step's graph only where every
    attention rank's batch is generation-only (CUDAGraphRunner.maybe_get_cuda_graph all-gathers each rank's
    can_run_cuda_graph), so a step with a prompt on any rank runs eager on all of them, at
    data/serving_coefficients.csv adp_eager_step_share longer (``evaluate``).

    Lengths that vary (``Setup.output_spread``): the C / O prompts a step are Poisson over the ranks, a step has one
    with chance 1 - exp(-C / O); with TensorRT-LLM's balance of the ranks' prompts they go together once a release
    period of K steps (``rank_imbalance``): 1 / K. Requests alike (the ranks in lockstep, ``rank_imbalance``): each rank
    takes its C / (T O) prompts a step k at a time, k = max(1, floor((budget - C / T) / I)) whole prompts the step's
    token budget holds (``prefill_wait``'s), and every rank at once: C / (T O k) of the steps, at most all. No constant.

    >>> s = setup("DeepSeek-V3", "H200 SXM", 8, tensor=8, expert=8, attention_data_parallel=True, precision="fp8",
    ...           input_tokens=1024, output_tokens=2048, max_num_tokens=1151)
    >>> float(eager_share(s, 1024.0))  # the DeepSeek-R1 blog's H200 run: a prompt a rank every 16 steps, in turn
    0.0625
    """
    lay = s.layout
    c = np.asarray(concurrency, dtype=float) / s.replicas
    if not lay.attention_data_parallel or lay.tensor <= 1:
        return 0.0 * c
    if c.ndim == 0:  # one load (a prediction): plain floats
        c = float(c)
    per_step = c / s.output_tokens  # prompts joining a step (a replica)
    if s.output_spread:
        if s.adp_timeout_iters:
            fill = np.ceil(lay.tensor / np.maximum(per_step, 1e-12)) + s.adp_batching_wait_iters
            return 1.0 / np.minimum(float(s.adp_timeout_iters), fill)
        return -np.expm1(-per_step)
    budget = s.max_num_tokens or _default_budget()
    k = np.maximum(1.0, np.floor((budget - c / lay.tensor) / s.input_tokens))
    return np.minimum(1.0, per_step / lay.tensor / k)


def capacity(s: Setup) -> float:
    """The most requests per second (all replicas) the layout completes: its saturating output tokens/s over the
    output tokens of a request, at the concurrency the memory allows."""
    return float(evaluate(s, s.max_concurrency(), "continuous")["total"]) / s.output_tokens


def arrivals_capacity(s: Setup) -> float:
    """The most requests per second (all replicas) the layout completes with its requests arriving at random (Poisson,
    a serving benchmark's request rate, MLPerf's Server): ``capacity`` with one pipeline stage; under P > 1 the heaviest
    of the P micro-batches paces the pipeline (``evaluate``'s "arrivals", ``microbatch_imbalance``), so less: the most
    over the concurrencies the memory holds."""
    if s.layout.pipeline == 1:
        return capacity(s)
    most = s.max_concurrency()
    c = np.geomspace(min(1e-3, most), most, 96)  # all replicas, as at_rate solves for the load
    return float(np.max(evaluate(s, c, "arrivals")["total"])) / s.output_tokens


def finite_run(s: Setup, concurrency: int, requests: int) -> float:
    """Output tokens/s per chip of a run of ``requests`` requests queued at once, as a throughput benchmark runs them
    (trtllm-bench throughput: a dataset of fixed input and output lengths, every request sent at t = 0; MLPerf's
    Offline: loadgen issues every sample at once), at most ``concurrency`` sequences in flight (all replicas).

    Requests alike: the requests go through in cohorts that start and finish together, each lasting one request's life
    at its own size (TTFT + (O - 1) TPOT of ``evaluate`` in continuous mode, the model's step times at that
    concurrency); the last cohort holds what is left, with fewer sequences in flight sharing the same weight reads and
    fixed costs. The run's throughput is its output tokens over its time. Admission staggered by a prefill token budget
    (cohorts that drift apart) is not modelled.

    Lengths that vary (``Setup.output_spread`` and ``output_max`` given: a benchmark's dataset): the run holds n
    sequences in flight at the steady rate X(n) of ``evaluate`` until the queue empties, then drains: the n sequences
    left finish their residual outputs, the last after the longest, K = ``output_max`` steps, the batch b_k thinning
    step by step. A step of b sequences takes tau(b) ~ a + (tau(n) - a) b / n (a: a decode step of one sequence, the
    chord of the model's step times), so the drain's K steps take a K + (tau(n) - a) sum_k b_k, and sum_k b_k = n E[R]
    are the drain's tokens, E[R] = E[O^2] / (2 E[O]) = O (1 + c_O^2) / 2 the mean residual output of the sequences in
    flight, length-biased ([Kleinrock1975] sec. 5.2). Against the same tokens at X(n) the run is longer by

        a (K - E[R])    per replica (E[O] for E[R] where every request is in flight from the start)

    no constant: the dataset's spread and longest output, the model's step times. As tau(b) is convex in b (a
    roofline), the chord overstates the drain: an upper bound of the tail."""
    n = int(concurrency)
    if n < 1 or requests < 1:
        raise InputError("requests", f"expected a run of at least one request and one sequence in flight, read "
                                     f"{requests} requests at a concurrency of {concurrency}")
    if s.output_max is not None and s.output_spread:
        n = min(n, int(requests))
        r = evaluate(s, float(n), "continuous")
        steady = requests * s.output_tokens / float(r["total"])  # s: the run's tokens at the steady rate
        one = float(evaluate(s, float(s.replicas), "continuous")["decode"]["total"])  # a decode step of one sequence
        residual = s.output_tokens * (1.0 + s.output_spread) / 2 if requests > n else float(s.output_tokens)
        seconds = steady + one * max(s.output_max - residual, 0.0)
        return requests * s.output_tokens / seconds / s.chips
    full, rest = divmod(int(requests), n)
    sizes = [n] * (1 if full else 0) + ([rest] if rest else [])
    r = evaluate(s, np.array(sizes, dtype=float), "continuous")
    life = np.asarray(r["ttft"]) + (s.output_tokens - 1) * np.asarray(r["tpot"])
    seconds = (full * life[0] if full else 0.0) + (life[-1] if rest else 0.0)
    return requests * s.output_tokens / seconds / s.chips


def at_rate(s: Setup, rate: float) -> tuple[float, dict]:
    """The sequences in flight and every output of ``evaluate`` under open-loop Poisson arrivals at ``rate``
    requests/s (all replicas, spread evenly), as a serving benchmark's request rate offers them; TTFT with its wait.

    The engine runs steps (TensorRT-LLM's in-flight batching, vLLM's scheduler): each step decodes the sequences in
    flight and carries the prompts that arrived during the step before (chunked prefill [Agrawal2024]: with the
    engines' default token budgets, TensorRT-LLM's max_num_tokens 8,192 and vLLM's max_num_batched_tokens, the
    prompts of one step's arrivals fit one step at the loads served). Then

        C        sequences in flight per replica, by Little's law [Little1961]: lambda = C / (TTFT + (O - 1) TPOT),
                 the closed-loop evaluate(C) solved for the rate lambda per replica (tau = TPOT(C) grows with the
                 prompts a step carries: tau = d(C) / (1 - rho), rho = lambda S, the prefill's share of the time)
        wait     a request arriving while a step runs waits for it to end: the mean residual life of the steps,
                 E[tau^2] / (2 E[tau]) ([Kleinrock1975] sec. 5.2), where a step's length varies with the Poisson
                 number of prompts it carries (variance lambda tau S^2): tau / 2 + rho S / 2; the engine is busy
                 (a step running) with probability 1 - exp(-C) (sequences in flight are Poisson, M/G/inf)
        TTFT     wait + the closed-loop TTFT at C (the step carrying its prompt, and its own prefill)

    S is the prefill seconds of one prompt riding in a decode step. A rate at or beyond ``arrivals_capacity`` has no
    steady state (the queue grows without end): a one-line error naming request_rate and the most the layout
    sustains."""
    return rate_on(s, rate, rate_grid(s))


def rate_grid(s: Setup) -> tuple:
    """What ``at_rate`` solves every rate of setup ``s`` on (under the coefficients in force): the most sequences in
    flight, ``arrivals_capacity``, and the request rates over a grid of concurrencies (all replicas). Computed once for
    the many rates of one setup (a calibration's rows, ``rate_on``)."""
    most = s.max_concurrency()
    cap = arrivals_capacity(s)
    c = np.geomspace(min(1e-3, most), most, 96)  # all replicas
    rates = evaluate(s, c, "arrivals")["total"] / s.output_tokens
    rates = np.maximum.accumulate(rates)  # the rate the fewest sequences in flight sustain
    return most, cap, c, rates


def rate_on(s: Setup, rate, grid: tuple) -> tuple:
    """``at_rate(s, rate)`` on the setup's ``rate_grid``: for one rate (floats back) or an array of rates of one
    setup at once (a calibration's rows: the sequences in flight and ``evaluate``'s outputs as arrays). A rate at or
    beyond the grid's ``arrivals_capacity`` is refused by ``request_rate`` (the first such, for an array)."""
    most, cap, c, rates = grid
    one = np.ndim(rate) == 0
    rate = float(rate) if one else np.asarray(rate, dtype=float)
    if not np.all(rate < cap):
        paced = (f"; pipeline {s.layout.pipeline}: its heaviest micro-batch paces it"
                 if s.layout.pipeline > 1 and not s.disaggregated else "")  # the decode chips' steps carry no prompts
        lay = s.layout  # named: "the layout" alone did not say which the search had tried last
        got = rate if one else float(rate[np.argmin(rate < cap)])
        raise InputError("request_rate", f"expected fewer requests/s than the {number(cap)} the layout (tensor "
                                         f"{lay.tensor} x pipeline {lay.pipeline}, {s.replicas:,} "
                                         f"replica{'s' * (s.replicas != 1)}) completes with "
                                         f"the requests arriving at random ({most:,} sequences in flight at most{paced}), "
                                         f"got {number(got)}: the queue grows without end; give a lower rate or more chips")
    n = np.exp(np.interp(rate, rates, np.log(c)))
    # below the grid's lightest load the time a request spends is the lightest's: Little's law's mean falls with the
    # rate (np.interp held it at c[0], 10^-3, for any rate below)
    n = np.where(rate < rates[0], c[0] * rate / rates[0], n)
    n = float(n) if one else n
    r = evaluate(s, n, "arrivals")
    # prefill on chips of its own: the prompt rides in no decode step, and the prefill chips' queue is not modelled
    # (their number is not given): no wait counted, as the answer's ttft_basis says
    wait = step_wait(s, r, n, rate)
    r["ttft"] = r["ttft"] + wait
    r["wait"] = wait
    return n, r


def step_wait(s: Setup, r: dict, concurrency: float, rate: float) -> float:
    """Mean wait (s) of a request arriving at random (Poisson, ``rate`` requests/s over all replicas) for the engine's
    step in progress to end, with ``concurrency`` sequences in flight (all replicas) and ``r`` the outputs of
    ``evaluate`` there: an engine that batches at the iteration level admits a request only at a step boundary
    ([Yu2022] Orca sec. 4.2; TensorRT-LLM's and vLLM's schedulers run once a step). The mean residual life of the
    steps, E[tau^2] / (2 E[tau]) ([Kleinrock1975] sec. 5.2), a step's length varying with the Poisson number of
    prompts it carries (variance lambda tau S^2): tau / 2 + lambda S^2 / 2, lambda the rate per replica and S one
    prompt's prefill riding in a step; the engine is busy (a step running) with probability 1 - exp(-C), C the
    sequences in flight per replica (Poisson, M/G/inf). Under multi-step scheduling (``Setup.scheduler_steps`` n > 1:
    vLLM's num_scheduler_steps) the scheduler admits requests once a round of n steps, so the residual is that of the
    rounds, n tau / 2 + lambda S^2 / 2. Then the steps that the prompts queued ahead of it fill, when a step's token
    budget holds fewer prompts than wait (``prefill_wait``, the queued-ahead part only: the residual above is the
    service in progress), and under attention data parallelism with TensorRT-LLM's balance of the ranks' prompts the
    steps until it releases them (``adp_balance_wait``). Where the harness deals the requests to the R replicas in
    turn (``Setup.dispatch`` "round_robin": NVIDIA's MLPerf harness in the Interactive scenario), a replica's arrivals
    are no longer Poisson but Erlang-R (``Setup.arrival_scv``: c_a^2 = 1 / R). The prompts' queue, the residual
    lambda S^2 / 2 of the prompts a step carries and the wait behind the prompts ahead, is the GI/G/K one: the M/D/K
    wait times c_a^2 + c_s^2, by the (c_a^2 + c_s^2) / 2 factor of the GI/G/K approximation ([Whitt1993]: the M/M/K
    wait times (c_a^2 + c_s^2) / 2, so M/D/K at c_a^2 = 1 and c_s^2 = 0), and the residual's prompt part likewise, a
    step's prompt time being a compound sum whose variance is lambda tau S^2 (c_a^2 + c_s^2) (the count's variance
    c_a^2 lambda tau, each prompt's Var S = c_s^2 S^2). c_s^2 is a prompt's prefill's squared coefficient of variation:
    its work and its share of the token budget grow as its length, so c_s^2 = Var(I) / E[I]^2, the workload's
    ``Setup.input_spread`` (data/serving_datasets.csv: MLPerf's Llama 2 70B prompts 0.595, Mixtral's 0.591, Llama 3.1
    405B's 0.186); 0 for requests alike. No constant: the dataset's moments. The residual of the decode step in
    progress, tau / 2, stays, the arrivals falling at random in its phase. With prefill on chips
    of its own (``Setup.disaggregated``)
    the prompt rides in no decode step and the prefill chips' queue needs their number, which is not given: no wait
    (``DISAGGREGATED_ARRIVALS`` of calc.serve says so). Arrays of ``concurrency`` and ``rate`` (with ``r``'s) give
    arrays."""
    if s.disaggregated:
        return 0.0
    lam = np.asarray(rate, dtype=float) / s.replicas
    per = np.asarray(concurrency, dtype=float) / s.replicas
    joining = per / s.output_tokens  # prompts per step (evaluate's C I / O tokens)
    S = np.asarray(r["prefill"]["total"], dtype=float) / joining  # one prompt's prefill riding in a step
    ca2 = s.arrival_scv  # the prompts' queue at c_a^2 of the Poisson one ([Whitt1993]); the step in progress as before
    v = ca2 + s.input_spread  # c_a^2 + c_s^2, c_s^2 a prompt's prefill's spread: its length's (the dataset's)
    wait = _residual(s, r["tpot"], per, lam, S, v)
    wait = wait + v * prefill_wait(s, per, lam, np.asarray(r["decode"]["total"], dtype=float), S)
    wait = wait + adp_balance_wait(s, r["tpot"], lam)
    return float(wait) if np.ndim(wait) == 0 else wait


def adp_balance_wait(s: Setup, tpot, rate):
    """Mean wait (s) of a prompt arriving at random (Poisson, ``rate`` requests/s a replica) for TensorRT-LLM's attention
    data parallel balance to release it, beyond the step in progress: 0 without the balance (``Setup.adp_timeout_iters``
    0) or without attention data parallelism.

    .. math:: W = \\frac{K - 1}{2} \\tau, \\qquad K = \\min(t, \\lceil T / (\\lambda \\tau) \\rceil + b)

    TensorRT-LLM's PyTorch executor with ``attention_dp_config.enable_balance`` (``PyExecutor._balance_adp_requests``,
    tensorrt_llm/_torch/pyexecutor/py_executor.py; the TensorRT-LLM tech blog "ADP Balance Strategy", 2025): each
    iteration the T attention ranks all-gather how many prompts each has scheduled. Until every rank has one, the
    prompts are held back and a counter of iterations rises; at t (``timeout_iters``) it releases them all and starts
    again. Once every rank has one, they wait b (``batching_wait_iters``) iterations more for others to join, then go.
    The counter runs whether or not a prompt is waiting, so the releases come every K iterations: t where the T ranks
    do not all get a prompt within the window, else the iterations the T ranks take to get one each (the engine gives a
    new request to the rank with the fewest in flight: about one a rank after T arrivals, at lambda tau a step) and b.
    A prompt arriving at random during a step is taken into the engine at the step's end (``step_wait``'s residual)
    and waits there for the next release, uniformly 0 to K - 1 whole steps: (K - 1) / 2 steps on average. No
    constant: the engine's two settings (data/serving_adp_balance.csv) and the load.

    >>> s = setup("DeepSeek-V3", "B200", 8, tensor=8, expert=8, attention_data_parallel=True, precision="fp4",
    ...           adp_timeout_iters=9, adp_batching_wait_iters=3)
    >>> round(float(adp_balance_wait(s, 0.066, 4.96)) / 0.066, 2)  # MLPerf v5.1 Server: 4.96 requests/s on 8 B200
    4.0
    """
    t = s.adp_timeout_iters
    if not t or not s.layout.attention_data_parallel or s.layout.tensor <= 1:
        return 0.0 * np.asarray(tpot, dtype=float)
    tau = np.asarray(tpot, dtype=float)
    per_step = np.maximum(np.asarray(rate, dtype=float) * tau, 1e-12)  # prompts arriving in a step (a replica)
    fill = np.ceil(s.layout.tensor / per_step) + s.adp_batching_wait_iters
    period = np.minimum(float(t), fill)
    return (period - 1.0) / 2.0 * tau


def _step_after(s: Setup, tpot, others):
    """The wait (s) of a closed loop's request for the step in progress when it arrives: a whole step (round of n
    steps), n tau, with tau = TPOT the mean step, while any of the ``others`` (the other clients' requests, a replica)
    keeps the engine running; 0 for one client alone. A client sends its next request when its last token comes out,
    and the engine emits tokens only at the end of a step (iteration-level batching, [Yu2022] Orca sec. 4.2); the engine
    starts its next step at once, taking the requests that have come in only before each step and waiting for them
    only when it has none in flight (TensorRT-LLM: Executor::Impl::executionLoop, forwardSync, the step's responses
    sent, fetchNewRequests, forwardAsync, cpp/tensorrt_llm/executor/executorImpl.cpp; vLLM V1: EngineCoreProc.run_busy_loop,
    _process_input_queue then _process_engine_step, vllm/v1/engine/core.py), so the request lands in that step and is
    admitted only at its end: the full step, not the residual
    E[tau^2] / (2 E[tau]) of an arrival at a random time (``step_wait``, Poisson arrivals). The step after a given
    step is not chosen by its length (no length bias): its mean is TPOT. With zero think time the other C - 1 clients'
    requests are always in flight, so the engine is busy for C >= 2 (min(C - 1, 1) for a fraction of a client per
    replica). The client's own turnaround (the HTTP response and the next request's tokenization) would shorten the wait
    by as much; unknown, not counted."""
    if np.ndim(tpot) == 0 and np.ndim(others) == 0:
        return min(float(others), 1.0) * float(tpot) * s.scheduler_steps
    return np.minimum(np.asarray(others, dtype=float), 1.0) * np.asarray(tpot, dtype=float) * s.scheduler_steps


def _residual(s: Setup, tpot, busy, lam, prompt, ca2: float = 1.0):
    """The mean residual of the step (round of steps) in progress at a Poisson arrival, n tau / 2 + lambda S^2 / 2,
    the engine running with probability 1 - exp(-busy), ``busy`` the other sequences in flight (see ``step_wait``);
    ``ca2``: the arrivals' c_a^2 (``Setup.arrival_scv``), by which the prompt's part lambda S^2 / 2 is taken."""
    if np.ndim(busy) == 0 and np.ndim(tpot) == 0 and np.ndim(lam) == 0 and np.ndim(prompt) == 0:
        S = float(prompt)
        return -math.expm1(-float(busy)) * (float(tpot) * s.scheduler_steps / 2 + ca2 * float(lam) * S * S / 2)
    tau = np.asarray(tpot, dtype=float) * s.scheduler_steps
    return -np.expm1(-np.asarray(busy, dtype=float)) * (tau / 2 + ca2 * lam * prompt * prompt / 2)


@functools.lru_cache(maxsize=1)
def _default_budget() -> float:
    return float(data.serving_coefficients()["prefill_token_budget"].m_as("token"))


def prefill_wait(s: Setup, concurrency, rate, decode, prompt, ahead_at_most=None):
    """Mean wait (s) of a prompt for the steps that the prompts queued ahead of it fill, beyond the step in progress:
    the engine's token budget per step (``Setup.max_num_tokens``; TensorRT-LLM's max_num_tokens, vLLM's
    max_num_batched_tokens) takes one token of each of the C decoding sequences, leaving room = budget - C for whole
    prompts of I tokens (a pass under vLLM's V0 scheduler, whose budget holds prompts only: room = budget), so a step
    admits at most K = max(1, floor(room / I)) prompts, and the prompts are served as by K servers, each a step of
    tau_K = m n d + K S (n decode steps d per scheduler round; K prompts' prefill S riding in it; a prompt longer
    than the room split over m = I / room steps, TensorRT-LLM's chunked context, else m = 1). With Poisson arrivals at
    ``rate`` lambda (requests/s, a replica) and per-server load rho = lambda tau_K / K, the M/D/K queue's mean wait
    ([Whitt1993]: one half of the M/M/K one, whose form is [Sakasegawa1977]'s)

        Wq = tau_K rho^(sqrt(2 (K + 1)) - 1) / (2 K (1 - rho))

    is Pollaczek-Khinchine's at K = 1, Wq = rho tau / (2 (1 - rho)) ([Kleinrock1975] ch. 5, the M/D/1 queue).
    Wq = W0 / (1 - rho) holds the residual W0 of the service in progress, which is the step in progress that
    ``step_wait`` already counts; what the prompts ahead add is Wq - W0 = rho Wq, the term returned. It is 0 at
    rho -> 0 and at a budget of many prompts per step (K large: every prompt of a step's arrivals joins the next
    step), and grows without bound as rho -> 1. ``ahead_at_most`` (a closed loop of C clients): at most C - 1 prompts
    wait ahead, K admitted a step, so the wait is at most (C - 1) tau_K / K, the bottleneck of the budget when
    rho >= 1. Where the decoding sequences alone fill the budget (C >= budget) the engine cannot have run at it: its
    budget is not known, and no wait is counted. Arrays broadcast; per replica."""
    lay = s.layout
    # the budget is a micro-batch's (TensorRT-LLM schedules each of the P micro-batches of a pipeline with its own
    # max_num_tokens [NVIDIA2025trtllmpp]) and an attention rank's: a step of all C sequences holds P of them
    budget = (s.max_num_tokens or _default_budget()) * (lay.tensor if lay.attention_data_parallel else 1) * lay.pipeline
    prompt_tokens = s.input_tokens
    args = (concurrency, rate, decode, prompt) + (() if ahead_at_most is None else (ahead_at_most,))
    if all(np.ndim(x) == 0 for x in args):  # one load (a prediction): plain floats, a few times faster than arrays
        room = budget - float(concurrency) if s.chunked_prefill else budget
        if room <= 0:
            return 0.0
        K = max(math.floor(room / prompt_tokens), 1)
        tau = max(prompt_tokens / room, 1.0) * s.scheduler_steps * float(decode) + K * float(prompt)
        rho = float(rate) * tau / K
        ahead = math.inf if rho >= 1.0 else rho * tau * rho ** (math.sqrt(2.0 * (K + 1)) - 1.0) / (2.0 * K * (1.0 - rho))
        return ahead if ahead_at_most is None else min(ahead, float(ahead_at_most) * tau / K)
    c = np.asarray(concurrency, dtype=float)
    room = budget - c if s.chunked_prefill else np.full_like(c, budget)
    known = room > 0
    room = np.where(known, room, 1.0)
    K = np.maximum(np.floor(room / prompt_tokens), 1.0)
    tau = np.maximum(prompt_tokens / room, 1.0) * s.scheduler_steps * np.asarray(decode, dtype=float) + K * np.asarray(prompt, dtype=float)
    rho = np.asarray(rate, dtype=float) * tau / K
    busy = rho < 1.0
    r = np.where(busy, rho, 0.0)
    wq = tau * r ** (np.sqrt(2.0 * (K + 1.0)) - 1.0) / (2.0 * K * np.where(busy, 1.0 - r, 1.0))
    ahead = np.where(busy, r * wq, np.inf)
    if ahead_at_most is not None:
        ahead = np.minimum(ahead, np.asarray(ahead_at_most, dtype=float) * tau / K)
    return np.where(known, ahead, 0.0)


def grid(s: Setup, points: int = 64) -> np.ndarray:
    """Up to ``points`` concurrencies from one sequence per replica to the most the memory holds, spaced
    evenly in log (whole multiples of the replicas)."""
    most = max(s.max_concurrency() // s.replicas, 1)
    # past most * ln(most) + 1 points the log steps are all below one, so rounding gives every concurrency: said
    # so at once, as a count asked (10^12 points) is never an array's length
    every = points > most * math.log(most) + 1
    per = np.arange(1, most + 1) if every else np.unique(np.round(np.geomspace(1, most, points)).astype(int))
    if s.replicas > 2**40:  # beyond what whole numbers of int64 hold once multiplied: floats (10^20 chips)
        return per.astype(float) * float(s.replicas)
    return per * s.replicas


def best_under_limits(candidates: list[Setup], ttft_max: float | None, tpot_max: float | None,
                      points: int = 64, scores: list | None = None) -> tuple[tuple | None, tuple]:
    """The layout and concurrency with the most output tokens/s per chip whose modelled (mean) TTFT and TPOT stay
    within ``ttft_max`` and ``tpot_max`` (s; None: no limit), over ``grid``'s concurrencies of each candidate:
    ((setup, concurrency, tokens/s per chip) or None, and the fastest candidate at one sequence per replica as
    (setup, tpot, ttft)). A p99 limit is turned into a limit on the means first (``percentiles.mean_limits``).
    ``scores``: a list to which each candidate's most tokens/s per chip within the limits is appended (-1: none)."""
    found = None
    fastest = None
    for s in candidates:
        g = grid(s, points)
        r = evaluate(s, g, "arrivals")  # requests arriving at random, as MLPerf's Server and Interactive send them
        ok = np.ones_like(g, dtype=bool)
        if ttft_max:  # with the wait for the step (or round of steps) in progress of requests arriving at that load
            # (prefill on chips of its own: none counted, as at_rate)
            ok &= r["ttft"] + step_wait(s, r, g, r["total"] / s.output_tokens) <= ttft_max
        if tpot_max:
            ok &= r["tpot"] <= tpot_max
        if fastest is None or r["tpot"][0] < fastest[1]:
            fastest = (s, float(r["tpot"][0]), float(r["ttft"][0]))
        if scores is not None:
            scores.append(float(np.max(np.where(ok, r["per_chip"], -1.0))))
        if ok.any():
            i = int(np.argmax(np.where(ok, r["per_chip"], -1.0)))
            if found is None or r["per_chip"][i] > found[2]:
                found = (s, int(g[i]), float(r["per_chip"][i]))
    return found, fastest


def closed_loop(s: Setup, concurrency) -> dict:
    """Every output of ``evaluate`` (continuous) for a closed loop of ``concurrency`` clients (all replicas), each
    sending its next request as soon as the previous one completes, as a serving benchmark's concurrency mode runs
    (genai-perf/AIPerf --concurrency, vLLM's benchmark with --max-concurrency); "queued" is the requests waiting.

    Up to the sequences the memory holds (``Setup.max_concurrency``, n) every client's request is in flight: the
    steady state of ``evaluate`` at that concurrency, each prompt waiting for the step in progress and behind the
    others' prompts for the step's token budget (``evaluate``'s queue, ``prefill_wait``). Beyond it the extra C - n requests queue for a slot, the engine
    runs at n, and the run completes requests at the capacity rate lambda = total(n) / O. By Little's law [Little1961]
    the mean request latency of the C requests in the system is W = C / lambda, the time in the engine still
    TTFT(n) + (O - 1) TPOT(n) = n / lambda, so the queue adds (C - n) / lambda to the first token:

        TTFT(C) = C / lambda - (O - 1) TPOT(n) = TTFT(n) + (C - n) / lambda,   TPOT(C) = TPOT(n),  tokens/s as at n

    The engine's own cap on the sequences in flight (TensorRT-LLM's max_batch_size, vLLM's max_num_seqs) is not
    modelled: where it is below the memory's, the queue starts sooner than this says. Arrays are not taken: one
    concurrency (a float or int) at a time."""
    c = float(concurrency) if isinstance(concurrency, (int, float, np.integer, np.floating)) else math.nan
    if not c > 0:
        raise InputError("concurrency", f"expected a positive number of clients, got {concurrency!r:.40}")
    n = s.max_concurrency()
    if c <= n:
        r = evaluate(s, c, "continuous", queue=True)
        r["queued"] = 0.0
        return r
    r = evaluate(s, n, "continuous", queue=True)
    rate = float(r["total"]) / s.output_tokens  # requests/s the engine completes at n (all replicas)
    r["ttft"] = r["ttft"] + (c - n) / rate
    r["queued"] = c - n
    return r


def step_limited_by(s: Setup, r: dict, mode: str) -> str:
    """What takes most of a decode step of ``evaluate``'s answer ``r`` (one concurrency): "decode", or where the
    prompts riding in the step (continuous batching on the same chips: C I / O prompt tokens a step, the chunked
    prefill of the module's docstring, or a separate pass's share of a round) take more of it than the decode, the
    prompt processing with its share. Short outputs at saturation: 1,000 input and 16 output tokens carry 62 prompts
    a step per 1,000 sequences, and the step is the prefill's, not a weights read ("decode limited by memory bandwidth
    (weights)" was said of a step 99% prefill)."""
    if mode == "batch" or s.disaggregated:  # the prompts in a pass of their own (or on chips of their own)
        return "decode"
    step, pre = float(np.asarray(r["tpot"]).reshape(-1)[0]), float(np.asarray(r["prefill"]["total"]).reshape(-1)[0])
    if pre <= step - pre:
        return "decode"
    return (f"prompt processing (prefill): the prompts joining each step take {pre / step:.0%} of its time "
            f"({counted(s.input_tokens, 'input token')} a request to {counted(s.output_tokens, 'output token')})")


def limited_by(parts: dict, index=None) -> str:
    """The part that takes the most time in a phase (at ``index`` of the arrays)."""
    vals = {n: float(np.asarray(v).reshape(-1)[0 if index is None else index]) for n, v in parts.items() if n != "total"}
    return LIMITED[max(vals, key=vals.get)]


# --------------------------------------------------------------------------- inputs


def _whole(name: str, value, least: int = 1, unit: str | None = None) -> int:
    if unit is None and isinstance(value, str):  # "64", "1,000": as the command line reads a count
        try:
            value = whole_text(value)
        except InputError as exc:
            raise InputError(name, exc.message) from None
    elif unit is None and isinstance(value, Quantity):  # Q_(8) (dimensionless) is 8, as a plain 8 is
        if not value.dimensionless:
            raise InputError(name, f"expected a whole number >= {least} (a count, no unit), got {value:~P}")
        value = value.m_as("")
        if not (np.isfinite(value) and float(value).is_integer()):
            raise InputError(name, f"expected a whole number >= {least}, got {value:g} (a dimensionless quantity)")
        value = int(value)
    elif unit is None and isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)  # 64.0 is 64, as --concurrency 64.0; 64.5 is refused below
    if unit is not None and not isinstance(value, (int, np.integer)):
        q = parse_quantity(value, name, unit, bare_ok=True)
        value = q.m_as(unit)
        if not float(value).is_integer():
            raise InputError(name, f"expected a whole number of {unit}s, got {value:g}")
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise InputError(name, f"expected a whole number >= {least}, got {value!r:.40}")
    return int(value)


def _precision(name: str, value, table: dict) -> str:
    """``value`` as a key of ``table`` (case aside, and the other names of the same format read as it:
    ``calc.vocabulary.precision_name``, "nvfp4" as fp4), else the one-line error listing them, with what the name
    means (``precision_hint``: the nearest two, "gptq") or, for a chip's training format asked of the weights or the
    KV cache, why it is not one."""
    read = precision_name(value)
    if not isinstance(read, str) or read not in table:
        why = (" (tf32 and fp32 are training formats, not modelled for serving: engines serve weights and KV cache in "
               "16 bits or fewer)" if read in ("tf32", "fp32") and "bf16" in table else precision_hint(value, table))
        raise InputError(name, f"expected one of {', '.join(table)}, got {value!r:.40}{why}")
    return read


# why the served weights are in their format, where none was given (``default_precision``; Serving.precision_basis)
CHECKPOINT_BASIS = "the checkpoint's format, from config.json's quantization_config"
CHIP_BASIS = "the chip's 16-bit format (the default: the checkpoint's config.json names no 8-bit format for its weights)"


def default_precision(model: Transformer, hw: data.Hardware) -> tuple[str, str]:
    """The served weights' format where none is given, and why, in words: the published checkpoint's format where
    its config.json's quantization_config states one (``Transformer.checkpoint_precision``: DeepSeek-V3, DeepSeek-R1
    and Kimi K2 in block-scaled FP8, as their engines serve them [DeepSeekAI2024] sec. 3.3.2) and the chip multiplies
    in it (an FP8 peak in data/hardware.csv: H100, H200, B200, MI300X); else the chip's 16-bit format
    (``Hardware.default_precision``: bf16, fp16 on a V100), as for a checkpoint in 16 bits, the reason saying that
    "w8a16" keeps an 8-bit checkpoint's weights (weight-only, as vLLM's FP8 Marlin runs them on Ampere: not the
    default, since not every engine runs a block-scaled FP8 mixture of experts weight-only on such a chip). The one
    place every door (``serve``, ``frontier``, ``fewest_chips``, ``calc.service_life``, the Serving and Lifetime
    pages) takes it from.

    >>> from calc.architecture import lookup
    >>> default_precision(lookup("DeepSeek-R1"), data.hardware("H200 SXM"))
    ('fp8', "the checkpoint's format, from config.json's quantization_config")
    >>> default_precision(lookup("DeepSeek-R1"), data.hardware("A100 SXM4 80GB"))[0]
    'bf16'
    """
    own, chip = model.checkpoint_precision, hw.default_precision
    if own is None:
        return chip, CHIP_BASIS
    needed = footprint.WEIGHT_PRECISIONS[own][1] if own in footprint.WEIGHT_PRECISIONS else own
    if needed in hw.peaks:
        return own, CHECKPOINT_BASIS
    keep = (f"; w8a16 keeps its 8-bit weights, multiplied in {chip}" if footprint.WEIGHT_PRECISIONS[own][0] == 1.0
            else "")
    return chip, (f"the chip's 16-bit format, as the {hw.name} has no {needed} peak in data/hardware.csv for the "
                  f"checkpoint's {own} of config.json's quantization_config{keep}")


def product_format(precision: str, hw: data.Hardware, experts: bool = False) -> str | None:
    """The format the products of weights in ``precision`` run in on ``hw`` (before the chip's peaks are checked):
    FP4 weights on a chip with no 4-bit tensor cores (Hopper, MI300X: no fp4 peak in data/hardware.csv) multiply in
    FP8; None for a weight-only format (w8a16, int4, 16-bit: the chip's own 16-bit products). ``experts``: the routed
    experts' format beside the rest's, whose kernel may take other activations (``footprint.expert_activation``):
    MXFP4 experts multiply in BF16 on a chip with no fp4 peak (Hopper, Ampere, MI300X: W4A16, each weight dequantised
    to BF16 in the kernel), with 8-bit activations where it has one (Blackwell); other experts whose products' format
    the chip has no peak of (fp8 experts on an A100) are weight-only, in the chip's 16-bit format (as w8a16).

    >>> product_format("fp4", data.hardware("H100 SXM5")), product_format("fp4", data.hardware("B200"))
    ('fp8', 'fp4')
    >>> product_format("mxfp4", data.hardware("A100 SXM4 80GB"), experts=True)
    'bf16'
    """
    if experts and (activation := footprint.expert_activation(precision, hw.peaks)) is not None:
        return activation
    compute = footprint.WEIGHT_PRECISIONS[precision][1]
    product = "fp8" if compute == "fp4" and compute not in hw.peaks else compute
    if experts and product is not None and product not in hw.peaks:
        return hw.default_precision
    return product


def multiplied_note(precision: str, hardware, experts: bool = False) -> str:
    """Where the products of the served weights run in another format than the weights' own, in words for the doors'
    weights line: "multiplied in fp8, as the H100 SXM5 has no fp4 peak in data/hardware.csv"; "" elsewhere. FP4 on
    Hopper was answered as "weights fp4" with no word of its 8-bit products. ``experts``: the routed experts' format
    (``product_format``'s rule for them): MXFP4 experts on an A100 or an H100, "multiplied in bf16 (each weight
    dequantised in the kernel), as the A100 SXM4 80GB has no fp4 peak in data/hardware.csv"."""
    hw = hardware if isinstance(hardware, data.Hardware) else data.hardware(hardware)
    own = footprint.WEIGHT_PRECISIONS.get(precision, (None, None))[1]
    product = None if own is None else product_format(precision, hw, experts)
    if product == own:
        return ""
    if experts and product not in ("fp8", "fp4"):  # dequantised to the 16-bit products
        lacking = ["fp4"] if precision == "mxfp4" else [f for f in dict.fromkeys((own, "fp8")) if f not in hw.peaks]
        return (f"multiplied in {product} (each weight dequantised in the kernel), as the {hw.name} has no "
                f"{' or '.join(lacking)} peak in data/hardware.csv")
    return f"multiplied in {product}, as the {hw.name} has no {own} peak in data/hardware.csv"


def setup(model, hardware, chips=1, *, tensor=None, pipeline=None, expert=None, attention_data_parallel=False,
          precision=None, kv_precision=None, input_tokens=1000, output_tokens=1000, window=None, window_layers=None,
          price=None, pue=None, carbon_intensity=None, attention_kernel="grouped", disaggregated=False,
          expert_precision=None, window_memory=True, expert_exchange="all-to-all", scheduler_steps=1,
          chunked_prefill=True, max_batch_size=None, max_num_tokens=None, kv_memory_fraction=None, clock=None,
          eager=False, host_per_sequence=0.0, host_overlap=True, input_spread=0.0, output_spread=0.0,
          length_covariance=0.0, output_max=None, adp_timeout_iters=0, adp_batching_wait_iters=0,
          dispatch=None, fused_all_reduce=False, graph_batch_sizes=(), graph_max_context=None, all_reduce_engine=None,
          draft_tokens=0, accepted_tokens=None) -> Setup:
    """Resolve and check every input once (see ``calc.serve``); the layout search fills tensor=None.
    ``expert_precision``: the routed experts' weights; default the shape's own (``Transformer.expert_precision``:
    GPT-OSS's MXFP4 from its config.json), else ``precision``. ``window_memory`` False: the engine's KV cache holds
    every token on the layers with a local window too (``Setup.held``). ``expert_exchange`` "gather": under attention
    data parallelism the ranks all-gather their tokens before each MoE layer and reduce-scatter its outputs
    (``terms.gather_exchange_time``, TensorRT-LLM without an all-to-all) instead of DeepEP's dispatch and combine.
    ``scheduler_steps``: decode steps per scheduler run (vLLM's num_scheduler_steps; ``Setup.scheduler_steps``);
    ``chunked_prefill`` False: the joining prompts run in prefill passes of their own (``Setup.chunked_prefill``).
    ``max_batch_size``, ``max_num_tokens``, ``kv_memory_fraction``: the engine's limits as a run states them (None: the
    engine's defaults; ``Setup.max_batch_size``).
    ``clock``: the GPU clock (MHz) the chips are held at, as AMD's MLPerf harness sets it (``terms.clocked``).
    ``eager`` True: the engine runs without CUDA or HIP graphs (``Setup.eager``).

    ``host_per_sequence`` (s) and ``host_overlap``: the engine's host work per sequence and decode step, and whether
    the engine hides it behind the GPU's next step (``Setup.host_per_sequence``; ``published_host``).

    ``input_spread``, ``output_spread``, ``length_covariance``: the spread of the request lengths about
    ``input_tokens`` and ``output_tokens``, their means (Var / mean^2 and Cov(I, O) / (mean I x mean O); 0: requests
    alike; ``Setup.in_flight_context``, ``published_workload``); ``output_max``: the longest of those outputs (tokens;
    ``finite_run``'s tail).

    ``adp_timeout_iters``, ``adp_batching_wait_iters``: TensorRT-LLM's balance of the attention ranks' prompts
    (``Setup.adp_timeout_iters``, ``adp_balance_wait``; 0: off).

    ``dispatch``: how the harness deals the requests to the replicas (None: at random; "round_robin": in turn;
    ``Setup.dispatch``, ``step_wait``). ``fused_all_reduce``: the engine fuses the prompt's tensor-parallel all-reduces
    into the products before them (TensorRT-LLM's gemm_allreduce_plugin; ``phases.prefill``). ``graph_batch_sizes``:
    the decode batch sizes a rank's CUDA graphs were captured at, where the engine pads a step up to them
    (``Setup.graph_batch_sizes``, ``graph_padding``; () none counted). ``graph_max_context``: the longest sequence
    (tokens) whose decode steps the engine replays from a CUDA graph, a step with a longer one eager (vLLM V0's
    max_seq_len_to_capture; ``Setup.graph_max_context``, ``graph_eager_share``; None: no such limit).
    ``all_reduce_engine``: the serving engine's name (as data/serving_host.csv or a measurement spells it) whose own
    all-reduce, where data/engine_all_reduce.csv measures it on the chip, runs the tensor-parallel all-reduce inside a
    node (``terms.engine_all_reduce``, ``Rates.all_reduce_table``); None: the chip's own path (the rings). Off for
    every answer: the held-out rows, the calibration and ``--engine`` do not pass it (with it and the coefficients
    refitted to the fit's fixed point on the calibration rows the held-out headline gains, a closed loop and two
    calibration medians lose: benchmarks/engine_all_reduce.py, part 4).

    ``draft_tokens`` (k) and ``accepted_tokens`` (a): speculative decoding with the model's multi-token prediction
    module (``speculative``, ``Setup.draft_tokens``)."""
    m = lookup(model)
    k, a = speculative(m, draft_tokens, accepted_tokens,
                       name=shape_name(model) if isinstance(model, str) else None)
    hw = hardware if isinstance(hardware, data.Hardware) else data.hardware(hardware)
    n = int(read_chips(chips).m_as("chip"))  # the one reader of a cluster's chips (10**400 refused by name)
    prec, why = (precision, "given") if precision else default_precision(m, hw)
    prec = _precision("precision", prec, footprint.WEIGHT_PRECISIONS)
    compute = product_format(prec, hw)
    _chip_has(hw, "precision", prec if prec in ("bf16", "fp16") else compute, prec)
    compute = compute if compute in hw.peaks else hw.default_precision  # int4, w8a16: weight-only, at the chip's own
    kvp = _precision("kv_precision", kv_precision or ("fp16" if prec == "fp16" or "bf16" not in hw.peaks else "bf16"),
                     footprint.KV_PRECISIONS)
    _chip_has(hw, "kv_precision", kvp if kvp in ("bf16", "fp16") else None, kvp)
    ep = _expert_precision(m, expert_precision, prec)
    if hw.memory_bandwidth is None or hw.memory is None:
        raise InputError("hardware", f"data/hardware.csv has no memory size or bandwidth for {hw.name}")
    n_in = _whole("input_tokens", input_tokens, unit="token")
    n_out = _whole("output_tokens", output_tokens, unit="token")
    if window is not None:
        window = _whole("window", window)
        wl = m.layers if window_layers is None else _whole("window_layers", window_layers, 0)
    else:  # the shape's own local attention (GPT-OSS: 128 on every other layer; Llama 4: chunks of 8,192 on 3 of 4)
        window = m.window
        wl = m.window_layers if window_layers is None else _whole("window_layers", window_layers, 0)
    if wl > m.layers:
        raise InputError("window_layers", f"expected at most the model's {m.layers} layers, got {wl}")
    if window is None and window_layers is not None:  # read by nothing: refused, never dropped (it was, unsaid)
        raise InputError("window_layers", "only used with a sliding window, which this model has none of; give "
                                          "a window (window=, --window: the tokens each windowed layer keeps), or "
                                          "leave it out")
    usd, basis = cost.chip_price(hw, price)
    p, ci = cost.defaults(pue, carbon_intensity)
    P = 1 if pipeline is None else _whole("pipeline", pipeline)  # None: 1, the depth ``layouts`` searches from
    if P > m.layers:
        raise InputError("pipeline", f"expected at most the model's {m.layers} layers, got {P}")
    if n % P:
        raise InputError("pipeline", f"{P} pipeline stages do not divide the {n} chip{'s' * (n != 1)}")
    T = None if tensor is None else _whole("tensor", tensor)
    # None: neither asked for nor refused, off here (``calc.serve``'s search tries both: ``layouts``' search_attention)
    adp = False if attention_data_parallel is None else attention_data_parallel
    if not isinstance(adp, bool):
        raise InputError("attention_data_parallel", f"expected true or false, got {adp!r:.40}")
    if not isinstance(disaggregated, bool):
        raise InputError("disaggregated", f"expected true or false, got {disaggregated!r:.40}")
    if not isinstance(chunked_prefill, bool):
        raise InputError("chunked_prefill", f"expected true or false, got {chunked_prefill!r:.40}")
    if not isinstance(eager, bool):
        raise InputError("eager", f"expected true or false, got {eager!r:.40}")
    if not isinstance(fused_all_reduce, bool):
        raise InputError("fused_all_reduce", f"expected true or false, got {fused_all_reduce!r:.40}")
    steps = _whole("scheduler_steps", scheduler_steps)
    if dispatch is not None and dispatch not in data.DISPATCH_POLICIES:
        raise InputError("dispatch", f"expected None or one of {', '.join(data.DISPATCH_POLICIES)}, got {dispatch!r:.40}")
    most = None if max_batch_size is None else _whole("max_batch_size", max_batch_size)
    budget = None if max_num_tokens is None else _whole("max_num_tokens", max_num_tokens)
    if kv_memory_fraction is not None and (isinstance(kv_memory_fraction, bool)
                                           or not isinstance(kv_memory_fraction, (int, float))
                                           or not 0 < kv_memory_fraction <= 1):
        raise InputError("kv_memory_fraction", f"expected a share of the free memory in (0, 1], got "
                                               f"{kv_memory_fraction!r:.40}")
    r = rates(hw, compute)
    if clock is not None:  # the products at the clock the chips are held at
        r = clocked(r, "fp8" if compute == "fp4" else compute, float(clock))
    eb = footprint.weight_bytes(ep) * footprint.padded_experts(ep, hw.peaks, m.d_model, m.expert_ff or 0, m.gated)
    if ep != prec:  # experts in a format of their own at their measured layers where the chip has them
        r = expert_format_rates(r, hw.name, ep, eb)
    if all_reduce_engine is not None:
        if not isinstance(all_reduce_engine, str):
            raise InputError("all_reduce_engine", f"expected a serving engine's name, got {all_reduce_engine!r:.40}")
        r = replace(r, all_reduce_table=engine_all_reduce(all_reduce_engine, hw.name))
    base = Setup(m, phases.shape(m), hw, r, Layout(T or 1, P, 1, adp), n, prec, kvp,
                 footprint.weight_bytes(prec), footprint.kv_bytes(kvp), n_in, n_out, window, wl, usd, basis, p, ci,
                 _precision("attention_kernel", attention_kernel, ATTENTION_KERNELS), disaggregated,
                 ep, eb, bool(window_memory),
                 _gather_bytes(expert_exchange, ep, compute, hw), scheduler_steps=steps,
                 chunked_prefill=chunked_prefill, max_batch_size=most, max_num_tokens=budget,
                 kv_memory_fraction=None if kv_memory_fraction is None else float(kv_memory_fraction), eager=eager,
                 host_per_sequence=_seconds("host_per_sequence", host_per_sequence), host_overlap=bool(host_overlap),
                 input_spread=_spread("input_spread", input_spread, 0.0),
                 output_spread=_spread("output_spread", output_spread, 0.0),
                 length_covariance=_spread("length_covariance", length_covariance, -1.0),
                 output_max=None if output_max is None else _whole("output_max", output_max, unit="token"),
                 adp_timeout_iters=_whole("adp_timeout_iters", adp_timeout_iters, 0),
                 adp_batching_wait_iters=_whole("adp_batching_wait_iters", adp_batching_wait_iters, 0),
                 dispatch=dispatch, fused_all_reduce=fused_all_reduce, precision_basis=why,
                 graph_batch_sizes=_graph_sizes(graph_batch_sizes),
                 graph_max_context=None if graph_max_context is None else _whole("graph_max_context", graph_max_context,
                                                                                 unit="token"),
                 draft_tokens=k, accepted_tokens=a)
    if T is None:
        return base
    return _with_layout(base, T, P, expert, adp)


EXPERT_EXCHANGES = ("all-to-all", "gather")


def speculative(model: Transformer, draft_tokens, accepted_tokens, name: str | None = None) -> tuple[int, float]:
    """``(k, a)``, checked: k draft tokens a step (a whole number >= 0; 0 none) drafted by the model's multi-token
    prediction module, and a, the mean tokens a sequence emits a step, 1 <= a <= k + 1 (needed with k > 0, refused
    without). A model without such a module is refused: a draft model of its own is not modelled (its own decode
    steps, its weights and cache beside the target's), so no speed-up is claimed for it. ``name``: the model as the
    user chose it, said in that refusal (None: "This model")."""
    k = _whole("draft_tokens", 0 if draft_tokens is None else draft_tokens, 0)
    if not k:
        if accepted_tokens is not None:
            raise InputError("accepted_tokens", f"only used with draft tokens (speculative decoding), got "
                                                f"{accepted_tokens!r:.40} with none; give a number of draft tokens too, or leave it out")
        return 0, 1.0
    if not model.mtp_modules:
        raise InputError("draft_tokens", f"{name or 'This model'} has no multi-token prediction (MTP) module: "
                                         "speculative decoding here drafts with the model's own MTP module "
                                         "(DeepSeek-V3/R1), not a separate draft model; give no draft tokens, or choose "
                                         f"such a model (got {k})")
    if accepted_tokens is None:
        raise InputError("accepted_tokens", f"expected the mean tokens a sequence emits a step with {k} draft "
                                            f"token{'s' * (k != 1)}, a number in [1, {k + 1}] (a measured or stated "
                                            "acceptance), got none")
    value = accepted_tokens
    if isinstance(value, str):
        try:
            value = float(value.replace(",", ""))
        except ValueError:
            raise InputError("accepted_tokens", f"expected a number in [1, {k + 1}], got {accepted_tokens!r:.40}") from None
    elif isinstance(value, Quantity):
        if not value.dimensionless:
            raise InputError("accepted_tokens", f"expected a number in [1, {k + 1}] (tokens a step, no unit), got "
                                                f"{value:~P}")
        value = value.m_as("")
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value) or not 1.0 <= value <= k + 1:
        raise InputError("accepted_tokens", f"expected a number in [1, {k + 1}] (at most the {k} draft "
                                            f"token{'s' * (k != 1)} and the target's own), got {accepted_tokens!r:.40}")
    return k, float(value)


def published_engine(name: str) -> dict:
    """The scheduler settings a published run states (data/serving_engine_settings.csv, by the run's name), as
    ``setup``'s keyword arguments: ``scheduler_steps`` and ``chunked_prefill``, ``max_batch_size``, ``max_num_tokens``
    and ``kv_memory_fraction`` where the run states them, ``clock`` where the run held its
    chips at a clock (data/serving_clocks.csv), and ``eager`` True where its engine ran without graphs
    (data/serving_graphs.csv), and ``adp_timeout_iters`` and ``adp_batching_wait_iters`` where its engine balances the
    attention ranks' prompts (data/serving_adp_balance.csv), and ``dispatch`` where its harness dealt the requests to
    the replicas in turn (data/serving_dispatch.csv), and ``graph_batch_sizes`` where its engine padded a step's batch
    to its captured CUDA graphs (data/serving_graph_padding.csv), and ``graph_max_context`` where the run set the
    longest sequence its engine captures (data/serving_graph_capture.csv); {} for a run not listed."""
    out = dict(data.serving_engine_settings().get(name, {}))
    out.update(data.serving_adp_balance().get(name, {}))
    if name in data.serving_dispatch():
        out["dispatch"] = data.serving_dispatch()[name]
    if name in data.serving_clocks():
        out["clock"] = data.serving_clocks()[name]
    if name in data.serving_graphs():
        out["eager"] = True
    if name in data.serving_graph_padding():
        out["graph_batch_sizes"] = data.serving_graph_padding()[name]
    if name in data.serving_graph_capture():  # the run's own --max-seq-len-to-capture
        out["graph_max_context"] = data.serving_graph_capture()[name]
    return out


def published_host(engine: str, chip: str, name: str | None = None) -> dict:
    """The host work of ``engine`` (a published run's engine, as data/serving_validation.csv names it) on the node of
    ``chip`` (data/serving_host.csv: a Grace row where it lists the chip, else the x86 row), as ``setup``'s keyword
    arguments ``host_per_sequence`` and ``host_overlap``; {} for an engine not listed. ``name``: the published run,
    whose own setting of the overlap (data/serving_host_overlap.csv: vLLM's --async-scheduling) replaces the
    engine's default."""
    table = data.serving_host()
    grace = table.get((engine, "Grace"))
    row = grace if grace is not None and chip in grace["chips"] else table.get((engine, "x86"))
    if row is None:
        return {}
    return {"host_per_sequence": row["host_per_sequence"],
            "host_overlap": data.serving_host_overlap().get(name, row["host_overlap"])}


def published_workload(name: str) -> dict:
    """The spread of the request lengths a published run sent (data/serving_workloads.csv names its dataset,
    data/serving_datasets.csv holds the dataset's moments), as ``setup``'s keyword arguments ``input_spread``,
    ``output_spread``, ``length_covariance`` and ``output_max`` (the longest output the benchmark lets run); {} for a
    run whose requests were alike or whose dataset's per-sample lengths no source at hand counts in tokens."""
    run = data.serving_workloads().get(name)
    if run is None:
        return {}
    d = data.serving_datasets()[run["dataset"]]
    return {"input_spread": d["input_spread"], "output_spread": d["output_spread"],
            "length_covariance": d["length_covariance"], "output_max": int(d["output_max"])}


def _spread(name: str, value, least: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value) or value < least:
        raise InputError(name, f"expected a number >= {least:g} (a variance or covariance over the squared mean), got "
                               f"{value!r:.40}")
    return float(value)


def _graph_sizes(value) -> tuple:
    """Captured CUDA-graph batch sizes: whole numbers > 0, distinct and ascending (any iterable; () none)."""
    sizes = tuple(value) if isinstance(value, (tuple, list)) else None
    if sizes is None or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0 for v in sizes) \
            or list(sizes) != sorted(set(sizes)):
        raise InputError("graph_batch_sizes", f"expected distinct whole batch sizes > 0 in ascending order, got "
                                              f"{value!r:.60}")
    return tuple(int(v) for v in sizes)


def _seconds(name: str, value) -> float:
    """A plain number of seconds >= 0 (a Quantity of time converted)."""
    v = value.m_as("s") if hasattr(value, "m_as") else value
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not v >= 0:
        raise InputError(name, f"expected a time of 0 s or more, got {value!r:.40}")
    return float(v)


def _gather_bytes(exchange, expert_precision: str, compute: str, hw: data.Hardware) -> float:
    """Bytes per element of the all-gathered tokens for ``exchange`` "gather" (``footprint.gathered_bytes``); 0 for an
    all-to-all."""
    if _precision("expert_exchange", exchange, dict.fromkeys(EXPERT_EXCHANGES)) == "all-to-all":
        return 0.0
    return footprint.gathered_bytes(expert_precision, footprint.expert_activation(expert_precision, hw.peaks) or compute)


def _chip_has(hw, name: str, needed: str | None, given: str) -> None:
    """Refuse a number format whose matmuls (``needed``) the chip has no peak for, as ``Hardware.peak`` does for
    training: bf16 on a V100, fp8 on an A100 or a TPU v4; never a silent fall-back to another format (fp8 is never
    read as w8a16: the refusal names it, the weight-only way to serve 8-bit weights there)."""
    if needed is None or needed in hw.peaks:
        return
    table = footprint.WEIGHT_PRECISIONS if name == "precision" else footprint.KV_PRECISIONS
    has = [p for p in hw.peaks if p in table]
    via = "" if needed == given else f" ({given} multiplies in {needed})"
    other = (f"int4 weights (weight-only, multiplied in {hw.default_precision})" if name == "precision"
             else "an 8-bit cache (fp8, int8)")
    if name == "precision" and needed in ("fp8", "int8"):  # 8-bit weights run weight-only there (footprint: w8a16)
        other = (f"w8a16: 8-bit weights multiplied in {hw.default_precision}, as vLLM's FP8 Marlin runs FP8 "
                 f"checkpoints on Ampere; or {other}")
    raise InputError(name, f"the {hw.name} has no {needed} peak in data/hardware.csv{via}; give "
                           f"{' or '.join(has) if len(has) <= 2 else 'one of ' + ', '.join(has)}, or {other}")


def _expert_precision(m: Transformer, given, precision: str) -> str:
    """The routed experts' weight format: ``given``, else the shape's checkpoint format, else ``precision``."""
    if given is None:
        own = m.expert_precision if m.moe_layers else None
        return precision if own is None else _precision("expert_precision", own, footprint.WEIGHT_PRECISIONS)
    if not m.moe_layers:
        raise InputError("expert_precision", f"the model has no routed experts, got {given!r:.40}; "
                                             "give --precision for its weights")
    return _precision("expert_precision", given, footprint.WEIGHT_PRECISIONS)


def _with_layout(s: Setup, T: int, P: int, expert, adp: bool) -> Setup:
    if s.chips % (T * P):
        raise InputError("tensor", f"tensor x pipeline = {T * P} chips must divide the {s.chips} chip{'s' * (s.chips != 1)} "
                                   "(each replica takes tensor x pipeline chips)")
    if P > s.shape.layers:
        raise InputError("pipeline", f"expected at most the model's {s.shape.layers} layers, got {P}")
    experts = s.shape.experts
    if expert is None:
        E = math.gcd(T, experts) if s.shape.moe_layers else 1
    else:
        E = _whole("expert", expert)
        if T % E:
            raise InputError("expert", f"expected expert-parallel groups that divide the {counted(T, 'tensor-parallel chip')} "
                                       f"(each group of experts sits inside the tensor group), got {E}")
        if E > 1 and not s.shape.moe_layers:
            raise InputError("expert", f"the model has no experts; expert parallelism {E} needs a mixture of experts")
    if adp and not s.shape.moe_layers:
        raise InputError("attention_data_parallel", "attention data parallelism sits beside expert-parallel MoE "
                                                    "layers; this model has no experts (use more replicas instead)")
    if not adp:  # each rank holds whole heads: vLLM and TensorRT-LLM refuse a tensor size that splits one
        check_heads(s.model, T)
    # E > 1: whole experts on each rank (``phases.expert_matmuls``' split T / E), the busiest rank paces each MoE layer
    # E not dividing the experts: the busiest rank holds ceil(N / E) of them, as vLLM's determine_expert_map gives
    uneven = math.ceil(experts / E) * E / experts if E > 1 else 1.0
    return _with(s, layout=Layout(T, P, E, adp, s.gather_bytes if adp else 0.0, expert_load(s.model, E), uneven))


def _with(s: Setup, **changes) -> Setup:
    """``dataclasses.replace(s, **changes)`` without its ``__init__``: the same fields (Setup has no ``__post_init__``;
    what it works out once, ``watts`` and ``max_concurrency``, is left behind), set at a tenth of the cost (replace was a
    tenth of a lifetime size curve's 287 serving searches)."""
    new = object.__new__(Setup)
    old = s.__dict__
    new.__dict__.update({name: old[name] for name in _SETUP_FIELDS}, **changes)
    return new


_SETUP_FIELDS = tuple(f.name for f in fields(Setup))


def expert_load(model, expert: int) -> float:
    """The busiest of ``expert`` expert-parallel ranks' routed tokens over the mean, where the model's router has a
    measured spread over ranks (data/serving_expert_load.csv: DeepSeek-R1's at 32 ranks of 8 experts without a load
    balancer, TensorRT-LLM tech blog 4), else 1 (balanced). A rank of ``expert`` holds the experts of m = N / E
    measured ranks (N measured): their tokens' sum, the measured ranks' loads as draws without replacement from the N
    (their total fixed), has the spread c_E = c_N sqrt((N - m) / (m (N - 1))); the busiest of E ranks, at Blom's normal
    order statistic z_E = Phi^-1((E - 0.375) / (E + 0.25)) [Blom1958], is 1 + z_E c_E (each MoE layer waits for its
    own; the spread is the layers' mean, so the mean over layers). Above N ranks (a rank of fewer experts than measured)
    the measured spread, a lower bound. No constant but the measurement.

    >>> from calc.architecture import lookup
    >>> round(expert_load(lookup("DeepSeek-R1"), 8), 3)  # c_8 = 0.480 x 0.475 = 0.228, z_8 = 1.43
    1.327
    >>> round(expert_load(lookup("DeepSeek-R1"), 32), 3)  # the measured ranks: 1 + 2.07 x 0.480
    1.992
    >>> expert_load(lookup("DeepSeek-R1"), 1), expert_load(lookup("Qwen3 235B-A22B"), 8)  # one rank; a router not measured
    (1.0, 1.0)
    """
    if expert <= 1 or not model.moe_layers:
        return 1.0
    row = data.serving_expert_load().get((model.experts, model.experts_per_token, model.expert_groups,
                                          model.groups_per_token))
    if row is None:
        return 1.0
    N, cv = row["ranks"], row["cv"]
    m = max(N / expert, 1.0)
    spread = cv * math.sqrt((N - m) / (m * (N - 1))) if m > 1 else cv
    z = statistics.NormalDist().inv_cdf((expert - 0.375) / (expert + 0.25))
    return 1.0 + z * spread


def pipelines(s: Setup, search: bool = False) -> tuple[int, ...]:
    """The pipeline depths tried: the one of ``s`` alone, or with ``search`` each depth 2^k x m (m = 1, 3, 5 or 7) that
    divides the chips, up to the model's layers (a deeper pipeline than the layers has stages with nothing to hold):
    a few dozen at most, whatever the count, so 3, 5, 6 or 12 chips find their stages as 4 or 8 do."""
    if not search:
        return (s.layout.pipeline,)
    most = min(s.chips, s.shape.layers)
    out = set()
    for m in (1, 3, 5, 7):
        P = m
        while P <= most and s.chips % P == 0:
            out.add(P)
            P *= 2
    return tuple(sorted(out))


def layouts(s: Setup, expert=None, search_pipeline: bool = False, search_attention: bool = False) -> list[Setup]:
    """The layouts tried when tensor is not given: every tensor size dividing chips / pipeline whose
    weights fit and that splits no attention head (``calc.perf.layout.check_heads``), with ``expert`` groups
    (default: expert parallel over the same chips for MoE), up to the model's heads or experts: a larger tensor group
    leaves ranks with neither a head nor an expert to hold (and a count of 10^20 chips would take forever to try one
    by one); with ``search_pipeline`` (no pipeline given) at each depth of ``pipelines`` too, the fewest stages first.
    ``calc.serve`` takes the one with the most output tokens/s per chip (the cheapest per token at one price per
    chip-hour): a tensor group across nodes pays its all-reduce on the slower link, pipeline stages a hand-off per step
    [Pope2022] sec. 3, and which costs less depends on the model and the chip.

    ``search_attention`` (attention data parallelism neither asked for nor refused, for a mixture of experts): each
    tensor group of one stage is tried with its attention data parallel too (``attention_modes``), the experts
    parallel over the group as above: the layout DeepSeek serves V3/R1 on (attention DP beside expert-parallel MoE,
    [DeepSeekAI2025infra]) and SGLang's and TensorRT-LLM's throughput recipes for it (--enable-dp-attention,
    enable_attention_dp). Each rank then holds its own sequences' KV cache, where tensor ranks hold MLA's latent cache
    for every sequence (``phases.max_concurrency``), and its own copy of the attention weights."""
    out, unlinked = [], None
    if s.layout.attention_data_parallel and s.chips < 2:  # asked for on one chip: no ranks to spread attention over
        raise InputError("attention_data_parallel", f"expected 2 chips or more to spread the attention over, got "
                                                    f"{s.chips} chip; leave it out on one chip")
    for P in pipelines(s, search_pipeline):
        if s.chips % P:
            continue
        if expert is not None or s.layout.attention_data_parallel:  # an impossible choice says so, whatever the tensor
            try:
                _with_layout(s, s.chips // P, P, None if expert is None or s.chips // P % expert else expert,
                             s.layout.attention_data_parallel)
            except InputError as exc:
                if exc.field != "tensor":  # the heads this tensor size splits: the search below skips it
                    raise
        for T in range(1, min(s.chips // P, max(s.shape.heads, s.shape.experts)) + 1):
            if (s.chips // P) % T:
                continue
            for adp in attention_modes(s, T, P, search_attention):
                try:
                    cand = _with_layout(s, T, P, expert, adp)
                except InputError:
                    continue
                if cand.max_concurrency() >= cand.replicas:
                    try:  # a chip without one link's bandwidth (data/hardware.csv) serves on the layouts that need none
                        _links(cand)
                    except InputError as exc:
                        unlinked = unlinked or exc
                        continue
                    out.append(cand)
    if not out and unlinked is not None:  # every layout that holds the weights needs the missing link: said so
        raise unlinked
    return out


def attention_modes(s: Setup, T: int, P: int, search: bool) -> tuple[bool, ...]:
    """Attention data parallelism off and on (``search``: neither asked for nor refused) for a mixture of experts on a
    tensor group of two chips or more in one stage whose size divides the experts, so that each chip holds whole
    experts: attention replicated beside expert-parallel MoE layers over all the chips of a replica, as DeepSeek,
    SGLang and TensorRT-LLM serve DeepSeek-V3/R1 ([DeepSeekAI2025infra]); else ``s``'s own setting alone (a pipeline
    of such groups, or experts split over chips beside replicated attention, is not a layout those engines' recipes
    run), and none where it is asked for on a tensor group of one chip (no ranks to be parallel over: the answer
    would say "attention data parallel" of a layout that has none)."""
    if search and s.shape.moe_layers and T > 1 and P == 1 and s.shape.experts % T == 0:
        return (False, True)
    if s.layout.attention_data_parallel and T == 1:  # asked for: one chip's attention is parallel over no ranks
        return ()
    return (s.layout.attention_data_parallel,)


def _links(s: Setup) -> None:
    """An InputError (field hardware) when ``s``'s layout needs a link bandwidth its chip lacks in data/hardware.csv:
    one decode step evaluated, where a bandwidth is missing (a chip with both costs nothing)."""
    chip = s.rates.chip
    if s.layout.chips > 1 and (chip.intra_node_bandwidth is None or chip.network_bandwidth is None):
        evaluate(s, float(s.replicas), "continuous")


def expert_variants(best: Setup) -> list[Setup]:
    """``best`` and, for a mixture of experts, its tensor x pipeline split with each other power of two of
    expert-parallel groups dividing the tensor group and the experts (each group holding fewer experts, each split
    over more chips) that holds the weights: the second step of the search when no expert count is given, tried
    around the best split only, as each split's own would cost as many predictions again."""
    if not best.shape.moe_layers:
        return [best]
    lay, out, E = best.layout, [best], 1
    g = math.gcd(lay.tensor, best.shape.experts)
    while E <= g and g % E == 0:
        if E != lay.expert:
            try:
                cand = _with_layout(best, lay.tensor, lay.pipeline, E, lay.attention_data_parallel)
            except InputError:
                cand = None
            if cand is not None and cand.max_concurrency() >= cand.replicas:
                out.append(cand)
        E *= 2
    return out


def widest_layout(s: Setup, expert=None, search_pipeline: bool = False) -> Setup:
    """The layout with the fewest weights per chip that exists (a tensor group that divides chips / pipeline and
    splits no head, over ``pipelines``' depths): the one for the message of a model that fits no layout."""
    best = None
    for P in pipelines(s, search_pipeline):
        cand = _widest_tensor(s, P, expert)
        if best is None or cand.layout.chips > best.layout.chips:
            best = cand
    return best


def _widest_tensor(s: Setup, P: int, expert) -> Setup:
    """The widest tensor group at ``P`` stages."""
    widest = min(s.chips // P, max(s.shape.heads, s.shape.experts))  # a wider group has ranks with nothing to hold
    for T in range(widest, 1, -1):
        if (s.chips // P) % T == 0:
            try:
                return _with_layout(s, T, P, expert, False)
            except InputError:
                continue
    return _with_layout(s, 1, P, expert, False)


USUAL_REQUEST = 2000  # tokens (the defaults: 1,000 in, 1,000 out): a layout that holds such a request but not the one
# asked for is refused for the request's length, not for its weights


def request_too_long(s: Setup) -> bool:
    """True when the layout holds no request of the length asked for, but would hold one of the usual length: the
    request's KV cache, not the weights, is what does not fit."""
    usual = phases.max_concurrency(s.shape, s.layout, s.rates, s.weight_bytes, s.kv_bytes, s.cached(USUAL_REQUEST))
    return s.max_concurrency() < s.replicas and s.input_tokens + s.output_tokens > USUAL_REQUEST and float(usual) >= 1


def too_long_field(s: Setup) -> str:
    """The field to name when one request does not fit: the longer of its input and its output."""
    return "output_tokens" if s.output_tokens > s.input_tokens else "input_tokens"


def weights_message(s: Setup) -> str:
    """Why a layout holds no sequence: the weights per chip against the chip's memory, and what to change (or, when
    the weights fit, one request's KV cache against the memory they leave)."""
    w = phases.weights_per_chip(s.shape, s.layout, s.weight_bytes, s.expert_bytes) / 1e9
    at = s.precision if s.expert_precision in (None, s.precision) else f"{s.precision} (experts {s.expert_precision})"
    if s.precision_basis not in ("given", CHIP_BASIS):  # the checkpoint's format, or why not: said
        at += f" ({s.precision_basis})"
    if request_too_long(s):
        free = phases.coefficients().kv_memory_fraction * (s.rates.capacity / 1e9 - w)
        tokens = s.input_tokens + s.output_tokens
        need = phases.kv_per_token_chip(s.shape, s.layout, s.kv_bytes) * float(s.cached(tokens)) / 1e9
        shown = number(need)
        return (f"one request of {s.input_tokens:,} input and {s.output_tokens:,} output tokens needs {shown} GB "
                f"of KV cache per chip, more than the {number(free)} GB the {s.hardware.name} has left after the weights "
                f"({number(w)} GB per chip at tensor {s.layout.tensor} x pipeline {s.layout.pipeline}); give fewer input or "
                "output tokens, more chips, or a smaller KV cache precision")
    return (f"the weights take {number(w)} GB per chip at {at} with tensor {s.layout.tensor} x pipeline "
            f"{s.layout.pipeline}, and the {s.hardware.name} has {number(s.rates.capacity / 1e9)} GB with room left "
            "for no sequence; give more chips, more tensor or pipeline parallelism, or a smaller weight precision")
