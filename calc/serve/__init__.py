"""Serving: what a model costs to run on a chip, from the same chip terms as training.

    prefill      the training forward pass over the prompt (compute-bound)        phases.prefill
    decode       weights + KV cache read per step at achievable bandwidth          phases.decode_step
    footprint    KV cache per token (MHA, GQA, MLA, windows), weights by precision,
                 experts a batch touches                                          footprint
    load         batch, concurrency, saturation, latency limits, frontier          load
    cost         $ per million tokens and energy per token at the chip's load      cost
    percentiles  p99 over mean of TTFT and TPOT (MLPerf v4.x Server): p99 limits    percentiles
    calibration  predicted / measured on published serving rows; fit to yours     calibration
    terms        the door to the chip's matmul, collective and bandwidth terms     terms
    engines      an engine's release as typed: its host work and defaults          engines

``calc.serve(...)`` answers one question with Quantities; ``frontier`` gives the throughput-latency
curve over batch sizes. Sources: [Pope2022] Efficiently Scaling Transformer Inference; [Chen2022]
kipply, Transformer Inference Arithmetic; [Patel2024] Splitwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
import pint

from calc.callable_package import make_callable
from calc.display import cents, counted, number
from calc.errors import InputError, MissingLink, checks_keywords
from calc.perf.layout import check_heads
from calc.reader import whole_text
from calc.serve import footprint, load, percentiles, phases
from calc.serve.engines import engine_host, engine_name, engine_on
from calc.serve.load import Setup, evaluate, limited_by, step_limited_by
from calc.units import Q_, parse_quantity, ureg

__all__ = ["serve", "Serving", "frontier", "Frontier", "kv_cache_per_token", "read_request_rate", "fewest_chips", "time_limit", "engine_name", "engine_on",
           "past_the_peak", "tpot_said"]

FRONTIER_POINTS = 64


@dataclass(frozen=True)
class Serving:
    """One serving answer, every amount a Quantity. ``mode``: "batch", "concurrency", "request rate", "saturating"
    or "limits"; ``concurrency`` the sequences in flight over all replicas (under a request rate, the mean by
    Little's law, rounded; ``request_rate`` the rate); ``limited_by`` the resource that takes the most time in each
    phase, what takes most of a decode step ("step": "decode", or the prompt processing where the prompts joining
    each step take more of it, ``load.step_limited_by``), what bounds the batch, what holds ``max_concurrency`` (the
    memory, or the engine's sequences per micro-batch), and why the layout (given, or the best of the tensor x pipeline
    splits tried). ``tpot`` is None with one output token a request (``NO_TPOT``, said in ``tpot_note``);
    ``tokens_per_second_per_user`` is 1 / TPOT, a user's speed as the tokens stream, and with one output token that
    token over its TTFT. With prefill on chips of its own (disaggregated) the prefill's is that of the TTFT's prompt in its own pass;
    ``breakdown["prefill"]`` stays the prefill work per decode step that prices the input tokens.

    Which TTFT: ``ttft_basis`` says it in words, and ``queueing`` is the mean wait it holds before its prompt's step
    (for the step in progress and behind the other prompts for the step's token budget, ``load.prefill_wait``). A
    closed loop of C clients (``concurrency``) and requests arriving at a rate or at the load found under limits
    count it; the saturating answer is a throughput benchmark's, the step alone (``queueing`` None), as the
    frontier's ``ttft`` (its ``ttft_closed_loop`` is the closed loop's at each concurrency); a batch is one prefill."""

    model: str
    hardware: str
    chips: int
    layout: dict
    mode: str
    concurrency: int
    max_concurrency: int
    ttft: pint.Quantity
    tpot: pint.Quantity
    tokens_per_second: dict  # per_chip (token/s/chip), total (token/s)
    tokens_per_second_per_user: pint.Quantity
    kv_cache_per_token: pint.Quantity
    usd_per_million_tokens: dict | None  # input, output, blended (USD/Mtoken); None without a price
    price_basis: str
    energy_per_token: dict | None  # input, output, blended (J/token); None without a TDP
    emissions_per_token: dict | None  # input, output, blended (g/token)
    limited_by: dict
    breakdown: dict = field(repr=False)  # decode and prefill parts, s
    limits: dict | None = None  # under latency limits: the statistic bounded, the limits, the p99s the means imply
    # the open-loop rate (1/s) the answer holds: the request rate given, or under limits the requests arriving at
    # random that make the load found; None for a closed loop, a static batch or the saturating answer
    request_rate: pint.Quantity | None = None
    # the mean wait in the TTFT before its prompt's step (a closed loop, a request rate, limits); None: none counted
    queueing: pint.Quantity | None = None
    # the serving engine given: its name, host work per sequence and decode step (s) and whether the GPU's next step hides it
    engine: dict | None = None
    ttft_basis: str = ""  # which TTFT: a closed loop's, requests arriving at random, or the step alone (see above)
    # why the weights are in layout["precision"]: "given", or the default's reason (``load.default_precision``: the
    # checkpoint's format, DeepSeek-R1's FP8 from its config.json's quantization_config, or the chip's 16-bit one)
    precision_basis: str = "given"
    # under a request rate, the mean sequences in flight by Little's law [Little1961] unrounded (``concurrency`` is it
    # rounded, at least 1): 10^-30 requests/s hold 10^-29 on average, not one; None under any other load
    mean_in_flight: float | None = None
    # None where ``tpot`` is a time: with one output token a request ``tpot`` is None and this says why (``NO_TPOT``)
    tpot_note: str | None = None
    # on what basis the input and output tokens are priced (``_usd_basis``): each phase's chip-time, and a request's
    # dollars where its output is a token or a few (its prompt's prefill is then nearly all its cost)
    usd_basis: str = ""

    def __repr__(self) -> str:
        """What a person reads at the Python prompt (every field stays an attribute, ``to_dict`` has them all):
        ``serve(...)`` echoed 2,000 characters of floats and dicts."""
        lay, split = self.layout, _layout_said(self.layout)
        load_said = f"{self.concurrency:,} in flight"
        if self.request_rate is not None:
            load_said = f"{counted(self.request_rate.m_as('1/s'), 'request')}/s, {load_said}"
        load_said = {"saturating": f"saturating at {counted(self.concurrency, 'sequence')}", "batch": f"a batch of "
                     f"{self.concurrency:,}", "limits": f"within limits, {load_said}"}.get(self.mode, load_said)
        cost = "" if self.usd_per_million_tokens is None else \
            f", ${number(self.usd_per_million_tokens['blended'].m_as('USD/Mtoken'))}/Mtoken blended"
        return (f"Serving({self.model} on {self.chips:,} x {self.hardware}, {split}, {lay['precision']}, {load_said}: "
                f"TTFT {number(self.ttft.m_as('ms'))} ms, TPOT {tpot_said(self)[0]}, "
                f"{number(self.tokens_per_second['per_chip'].m_as('token/s/chip'))} tokens/s per chip, "
                f"{number(self.tokens_per_second_per_user.m_as('token/s'))} per user{cost})")

    def to_dict(self) -> dict:
        """JSON-ready: numbers in the canonical units named in each key."""
        def q(x, unit):
            return None if x is None else round(float(x.m_as(unit)), 9)
        three = ("input", "output", "blended")
        return {
            "model": self.model, "hardware": self.hardware, "chips": self.chips, "layout": self.layout,
            "precision_basis": self.precision_basis,
            "mode": self.mode, "concurrency": self.concurrency, "max_concurrency": self.max_concurrency,
            "ttft": q(self.ttft, "s"), "ttft_basis": self.ttft_basis, "queueing": q(self.queueing, "s"),
            "tpot": q(self.tpot, "s"), "tpot_note": self.tpot_note,
            "tokens_per_second": {"per_chip": q(self.tokens_per_second["per_chip"], "token/s/chip"),
                                  "total": q(self.tokens_per_second["total"], "token/s")},
            "tokens_per_second_per_user": q(self.tokens_per_second_per_user, "token/s"),
            "kv_cache_per_token": q(self.kv_cache_per_token, "byte/token"),
            "usd_per_million_tokens": None if self.usd_per_million_tokens is None else
            {k: q(self.usd_per_million_tokens[k], "USD/Mtoken") for k in three},
            "price_basis": self.price_basis, "usd_basis": self.usd_basis,
            "energy_per_token": None if self.energy_per_token is None else
            {k: q(self.energy_per_token[k], "J/token") for k in three},
            "emissions_per_token": None if self.emissions_per_token is None else
            {k: q(self.emissions_per_token[k], "g/token") for k in three},
            "limited_by": self.limited_by,
            "request_rate": q(self.request_rate, "1/s"), "mean_in_flight": self.mean_in_flight,
            "engine": None if self.engine is None else {**self.engine, "host_per_sequence": q(
                self.engine["host_per_sequence"], "s")},
            "limits": None if self.limits is None else {
                "statistic": self.limits["statistic"],
                **{k: q(self.limits[k], "s") for k in ("ttft_limit", "tpot_limit", "ttft_p99", "tpot_p99")},
                "p99_over_mean": {k: round(float(v.m_as("")), 4) for k, v in self.limits["p99_over_mean"].items()}},
            "units": {"ttft": "s", "tpot": "s", "tokens_per_second": "token/s", "kv_cache_per_token": "byte/token",
                      "usd_per_million_tokens": "USD/Mtoken", "energy_per_token": "J/token",
                      "emissions_per_token": "g/token", "limits": "s", "request_rate": "1/s", "queueing": "s",
                      "engine": {"host_per_sequence": "s"}},
        }


def kv_cache_per_token(model, kv_precision: str = "bf16") -> pint.Quantity:
    """KV cache bytes per token of context of ``model`` (a name or a Transformer) [Pope2022] sec. 3.1.

    >>> kv_cache_per_token("DeepSeek-V3")    # 61 x (512 + 64) x 2
    <Quantity(70272.0, 'byte / token')>
    """
    return Q_(footprint.kv_cache_per_token(load.lookup(model), kv_precision), "byte/token")


def time_limit(name: str, value) -> float | None:
    """A latency limit (``ttft_limit`` or ``tpot_limit``) in seconds, None for None: a time with its unit, read as every
    door reads it (the command line, Python, the Serving and Lifetime pages); a plain number is refused with an example
    in the unit it most likely meant.

    >>> time_limit("tpot_limit", "40 ms"), time_limit("tpot_limit", "40 ms/token"), time_limit("ttft_limit", None)
    (0.04, 0.04, None)
    >>> time_limit("ttft_limit", "2")
    Traceback (most recent call last):
    ...
    calc.errors.InputError: ttft_limit: a plain number is ambiguous here; give a unit, e.g. "2 s"
    """
    if value is None:
        return None
    # a plain number is refused with an example in the unit it most likely meant: a TPOT limit is tens of ms, a TTFT
    # limit seconds or hundreds of ms (MLPerf Inference v5.0: Llama 2 70B 2 s and 200 ms, Llama 3.1 8B 450 ms)
    try:
        seconds = name == "ttft_limit" and float(value) < 50  # "2" -> "2 s"; "500" -> "500 ms"
    except (TypeError, ValueError):
        seconds = False
    try:
        t = parse_quantity(value, name, "s", bare_ok=False, shown_in="s" if seconds else "ms").m_as("s")
    except InputError as exc:  # a TPOT limit is written per token too ("40 ms/token", "40 ms per token"): the same time
        if name != "tpot_limit":
            raise
        try:
            t = parse_quantity(value, name, "s/token", bare_ok=False).m_as("s/token")
        except InputError:
            try:  # a speed per user ("25 tokens/s", as tokens/s per user is printed): its TPOT suggested, not taken
                rate = parse_quantity(value, name, "token/s", bare_ok=False).m_as("token/s")
            except InputError:
                raise exc from None  # said as a time, the unit the field takes
            if rate > 0:
                raise InputError(name, f"expected a time per output token, got {value!r:.40}, a speed per user: "
                                       f"{number(rate)} tokens/s is a TPOT of {number(1e3 / rate)} ms; write "
                                       f"\"{number(1e3 / rate)} ms\"") from None
            raise exc from None
    if not t > 0:
        raise InputError(name, f"expected a positive time, got {value!r:.40}")
    return float(t)


def _request_tokens(name: str, value):
    """A request's tokens given as text, read as the command line reads them (``calc.reader.whole_text`` with the
    token unit: "1000 tokens", "8,192"; "8k" refused as ambiguous); an int or a Quantity as ``load.setup`` reads it."""
    if not isinstance(value, str):
        return value
    try:
        return whole_text(value, "token")
    except InputError as exc:
        raise InputError(name, exc.message) from None


def _with_engine(answer: Serving, name: str | None, host: dict, model=None) -> Serving:
    """``answer`` saying the engine whose host work it counts (``Serving.engine``: ``name`` as ``engine_name`` gives
    it, ``host`` as ``engines.engine_host`` does), or as it is without one; and naming the row ``model`` names, where it is
    a name of a shape another row shares (Llama 3.1 8B, not Llama 3 8B)."""
    if isinstance(model, str):
        from calc.architecture import shape_name
        if (row := shape_name(model)) != answer.model:
            answer = replace(answer, model=row)
    if name is None:
        return answer
    return replace(answer, engine={"name": name, "host_per_sequence": _q(host["host_per_sequence"], "s"),
                                   "overlap": bool(host["host_overlap"]),
                                   **{k: host[k] for k in ("max_batch_size", "max_num_tokens", "chunked_prefill")
                                      if k in host}})


@checks_keywords("calc.serve")
def serve(model, hardware, chips=1, *, tensor=None, pipeline=None, expert=None, attention_data_parallel=None,
          precision=None, kv_precision=None, input_tokens=1000, output_tokens=1000, concurrency=None, batch=None,
          request_rate=None, ttft_limit=None, tpot_limit=None, limit_statistic=None, window=None, window_layers=None,
          price=None, pue=None, carbon_intensity=None, disaggregated=False, expert_precision=None,
          engine=None, draft_tokens=None, accepted_tokens=None) -> Serving:
    """Serve ``model`` on ``chips`` chips of ``hardware``: latency, throughput, cost and energy per token.

    .. math::
        t_{decode}(B) = \\frac{W_{touched}(B) + B\\,\\bar{s}\\,kv}{\\eta_{bw} BW} + t_{comm}(B) + L t_{layer} + t_{step},
        \\qquad t_{prefill}(n) = \\frac{2 N_{active} n}{\\eta P} + t_{attn} + t_{comm}

    [Pope2022] sec. 3; [Chen2022]. With none of ``concurrency``, ``batch``, ``ttft_limit``,
    ``tpot_limit``: the saturating throughput at the largest concurrency the memory allows.

    Parameters
    ----------
    model : name of data/architectures.csv or a ``Transformer``
    hardware : name of data/hardware.csv or a ``calc.data.Hardware``
    chips : int, all chips (replicas of tensor x pipeline chips)
    tensor, pipeline, expert : int; tensor and pipeline None: the tensor x pipeline split (pipeline depths 1 and the
        powers of two dividing the chips, ``load.pipelines``; for a mixture of experts with expert None, then each power
        of two of expert groups dividing the best split's tensor group and the experts) with the most output tokens/s per chip, the
        cheapest per output token (within the limits where given); tensor None, pipeline given: the best tensor at that depth;
        tensor given, pipeline None: pipeline 1. ``limited_by["layout"]`` says which and why
    attention_data_parallel : bool, attention replicated beside expert-parallel MoE layers; None (default): for a
        mixture of experts with tensor None, each one-stage tensor group is tried with attention tensor parallel and
        with attention data parallel, the experts parallel over the group (``load.attention_modes``: the layouts
        DeepSeek, SGLang and TensorRT-LLM serve DeepSeek-V3/R1 on), else off; False: attention tensor parallel only
    precision : weights "bf16", "fp16", "fp8", "int8", "w8a16" (8-bit weights multiplied in the chip's 16-bit format:
        an FP8 checkpoint on an A100, as vLLM's FP8 Marlin runs it; fp8 there is refused, naming it), "fp4" (NVFP4:
        4.5 bits with its scales), "mxfp4" (4.25 bits), "int4" (weight-only, as w8a16); default the checkpoint's format where its config.json's quantization_config states one and the chip
        has a peak for it (DeepSeek-R1, Kimi K2: fp8 on an H200), else the chip's 16-bit format
        (``load.default_precision``; ``Serving.precision_basis`` says which and why); kv_precision "bf16", "fp16",
        "fp8", "int8"
    expert_precision : the routed experts' weights, one of the same; default the shape's own (GPT-OSS: "mxfp4", its
        checkpoint's, [OpenAI2025gptoss]), else ``precision``: the rest (attention, router, embeddings) at ``precision``
    input_tokens, output_tokens : tokens per request
    concurrency : sequences in flight (continuous batching, a closed loop: a request joins as one ends; its TTFT with
        the wait for the others' step in progress and behind their prompts for the step's token budget,
        ``load.prefill_wait``, [Reiser1980]); batch : one static batch. Each a whole number (an int, "64", or a
        dimensionless Quantity of whole magnitude)
    request_rate : requests arriving open-loop (Poisson, as a serving benchmark's --request-rate): "4/s", "240/min",
        "4 Hz", a Quantity (Q_(4, "Hz")) or a number of requests/s; the sequences in flight by Little's law and the TTFT with the wait for
        the step in progress and for the token budget (``load.at_rate``; [Little1961], [Kleinrock1975] sec. 5.2); the
        layout, when not given, the one that completes the most requests/s
    ttft_limit, tpot_limit : time Quantities; the best layout and concurrency within them
    limit_statistic : "p99" (default: as MLPerf's Server and Interactive scenarios judge them) or "mean". The
        model's TTFT and TPOT are means; a p99 limit bounds the mean times p99 / mean of MLPerf Inference v4.x
        Server runs (``percentiles.p99_over_mean``: TTFT 1.82x, TPOT 1.18x); "mean" bounds the means themselves
    window, window_layers : sliding-window attention (tokens; layers that use it, default all); by default the
        shape's own (``Transformer.window``: GPT-OSS 128 tokens on half its layers, Llama 4 chunks of 8,192)
    disaggregated : bool, prefill on chips of its own: ``chips`` decode only, tokens/s per decode chip
        ([Patel2024] Splitwise; DeepSeek's V3/R1 service); the prefill chips' cost is charged per input token
    price : USD/chip/hour (default: the training default price); pue, carbon_intensity : defaults of data/defaults.csv
    engine : a serving engine of data/serving_host.csv ("TensorRT-LLM 1.0", "vllm 0.11.0", "sglang v0.5.3", ...; as
        ``engine_name`` reads it): each decode step pays its host work per sequence, hidden behind the GPU's next step
        where the engine overlaps them (``phases.host_step``, ``phases.hosted``), and the release's own defaults on
        the chip apply where data/serving_engines.csv lists them (``data.engine_defaults``: vLLM's max_num_seqs and
        max_num_batched_tokens, SGLang's chunked_prefill_size and its prefill batches apart); default None: no host
        work per sequence, the calculator's defaults (data/serving_coefficients.csv)
    draft_tokens, accepted_tokens : speculative decoding with the model's multi-token prediction module (DeepSeek-V3/R1
        [DeepSeekAI2024] sec. 2.2): k draft tokens a step (a whole number; None or 0: none) and a, the mean tokens a
        sequence emits a step, 1 <= a <= k + 1, from a measurement or a source (never estimated here): each decode step
        verifies k + 1 tokens a sequence and drafts k with the module, and emits a (``phases.speculative_step``,
        [Leviathan2023]); its weights and KV cache are held too. A model without such a module is refused (a separate
        draft model is not modelled)

    Returns
    -------
    Serving

    Examples
    --------
    >>> s = serve("Llama 3 70B", "H100 SXM5", 8, tensor=8, batch=1, input_tokens=128, output_tokens=128)
    >>> 10 < s.tpot.m_as("ms") < 25
    True
    """
    input_tokens, output_tokens = _request_tokens("input_tokens", input_tokens), _request_tokens("output_tokens",
                                                                                                  output_tokens)
    for name, value in (("precision", precision), ("kv_precision", kv_precision), ("expert_precision", expert_precision)):
        if isinstance(value, str) and not value.strip():  # "" was read as no format given: the default, unsaid
            formats = footprint.KV_PRECISIONS if name == "kv_precision" else footprint.WEIGHT_PRECISIONS
            raise InputError(name, f"expected one of {', '.join(formats)}, got {'only spaces' if value else 'an empty value'}; "
                                   "give None (leave it out) for the default")
    engine = engine_on(engine, hardware)  # a bare family that runs on no chip of this vendor's said so
    # read here, as the search divides by it before the setup would check it: 0 was a ZeroDivisionError
    expert = None if expert is None else load._whole("expert", expert)
    host = engine_host(engine, hardware)  # resolved and checked once: the setup counts it, the answer names it
    s = load.setup(model, hardware, chips, tensor=tensor, pipeline=pipeline, expert=expert,
                   attention_data_parallel=attention_data_parallel, precision=precision, kv_precision=kv_precision,
                   input_tokens=input_tokens, output_tokens=output_tokens, window=window,
                   window_layers=window_layers, price=price, pue=pue, carbon_intensity=carbon_intensity,
                   disaggregated=disaggregated, expert_precision=expert_precision, draft_tokens=draft_tokens,
                   accepted_tokens=accepted_tokens, **host)
    ttft_max, tpot_max = time_limit("ttft_limit", ttft_limit), time_limit("tpot_limit", tpot_limit)
    if tpot_max and output_tokens == 1:  # a limit on what a request of one token has none of: said, never read
        raise InputError("tpot_limit", "a request of one output token has no time per output token to bound (no time "
                                       "between output tokens); "
                                       + ("clear the TPOT limit (the TTFT limit bounds it alone)" if ttft_max else
                                          "give a TTFT limit instead")
                                       + ", or 2 output tokens or more")
    stat = percentiles.statistic(limit_statistic)
    if limit_statistic is not None and not (ttft_max or tpot_max):
        raise InputError("limit_statistic", "only used with a TTFT or TPOT limit (the statistic it bounds); "
                                            "give a limit, or leave it out")
    given = [n for n, v in (("concurrency", concurrency), ("batch", batch), ("request_rate", request_rate))
             if v is not None]
    if len(given) > 1:
        raise InputError(given[-1], f"give one of a batch, a concurrency or a request rate, not {' and '.join(given)}")
    if given and (ttft_max or tpot_max):
        raise InputError("ttft_limit" if ttft_max else "tpot_limit",
                         f"give a {given[0].replace('_', ' ')} or latency limits, not both: the limits find the "
                         f"load with the most tokens/s within them; a {given[0].replace('_', ' ')} alone gives its "
                         "TTFT and TPOT, to compare with the limits yourself")
    search = pipeline is None and tensor is None  # no split given: every tensor x pipeline split the chips allow
    search_attention = tensor is None and attention_data_parallel is None  # attention data parallel tried as well
    try:
        candidates = [s] if tensor is not None else load.layouts(s, expert, search, search_attention)
    except MissingLink as exc:  # the chips were given, not a layout: said for them
        raise MissingLink("hardware", f"data/hardware.csv has no {exc.link} bandwidth for {exc.chip}, which serving on "
                                      f"{s.chips:,} chips needs (every split of them that holds the weights uses it)",
                          exc.chip, exc.link) from None
    if tensor is not None and s.max_concurrency() < s.replicas:
        raise InputError(load.too_long_field(s) if load.request_too_long(s) else "tensor", load.weights_message(s))
    if not candidates and tensor is None and expert is not None:
        _expert_groups_split(s.chips, expert, pipeline, s.model)
    if not candidates:
        widest = load.widest_layout(s, expert, search)
        raise InputError(load.too_long_field(s) if load.request_too_long(widest) else "chips",
                         load.weights_message(widest))
    given_layout = tensor is not None
    search_experts = tensor is None and expert is None  # then the expert groups around the best split
    if ttft_max or tpot_max:
        return _with_engine(_best(candidates, ttft_max, tpot_max, stat, given_layout, search_experts), engine, host,
                            model)
    if given == ["request_rate"]:
        return _with_engine(_at_rate(candidates, _request_rate(request_rate), given_layout, search_experts),
                            engine, host, model)
    if given:
        name = given[0]
        n = load._whole(name, concurrency if name == "concurrency" else batch)
        mode = "concurrency" if name == "concurrency" else "batch"
        # a replica for each sequence at most, and under attention data parallelism an attention rank (fewer leave ranks
        # idle, their share of the sequences below one: the busiest rank's step is not counted)
        candidates = [c for c in candidates if _ranks(c) <= n] or candidates[:1]
        rates = [_rate(c, n, mode) for c in candidates]
        best = candidates[int(np.argmax(rates))]
        if search_experts:
            more = load.expert_variants(best)[1:]
            candidates, rates = candidates + more, rates + [_rate(c, n, mode) for c in more]
            best = candidates[int(np.argmax(rates))]
        if n > best.max_concurrency():  # held by no layout tried: the error names the one that holds the most
            best = max(candidates, key=lambda c: c.max_concurrency())
        _check_fits(best, n, name, len(candidates))
        return _with_engine(_answer(best, n, mode, mode, why=_why(best, candidates, rates, given_layout,
                                                                  "tokens/s per chip", _held(n, mode))),
                            engine, host, model)
    rates = [_rate(c, c.max_concurrency(), "continuous") for c in candidates] if len(candidates) > 1 else [0.0]
    best = candidates[int(np.argmax(rates))]
    if search_experts:
        more = load.expert_variants(best)[1:]
        candidates, rates = candidates + more, rates + [_rate(c, c.max_concurrency(), "continuous") for c in more]
        best = candidates[int(np.argmax(rates))]
    return _with_engine(_answer(best, best.max_concurrency(), "continuous", "saturating",
                                why=_why(best, candidates, rates, given_layout, "tokens/s per chip at saturation",
                                         _held(None, "continuous"))),
                        engine, host, model)


def _layout_said(lay: dict) -> str:
    """A layout dict as the reprs say it: "2 replicas of tensor 2 x pipeline 2", "tensor 8 x pipeline 1 x expert 8,
    attention data parallel" (DeepSeek-R1's repr left its attention out), "..., prefill on chips of its own"."""
    split = f"tensor {lay['tensor']} x pipeline {lay['pipeline']}" + (
        f" x expert {lay['expert']}" if lay.get("expert", 1) > 1 else "")
    if lay.get("replicas", 1) > 1:
        split = f"{lay['replicas']:,} replicas of {split}"
    return (split + (", attention data parallel" if lay.get("attention_data_parallel") else "")
            + (", prefill on chips of its own" if lay.get("disaggregated") else ""))


def _expert_groups_split(chips: int, expert, pipeline, shape) -> None:
    """Refuse ``expert`` groups that no tensor group of the chips (of a stage) splits into, by what was given: with no
    tensor given, the error of the one-chip group the search begins at named a tensor of 1 nobody typed (fresh21: so
    it did where the chips split into the groups but no tensor size that holds them splits the heads, 3 groups on 3
    chips of a 32-head model)."""
    E = load._whole("expert", expert)
    group = chips // (1 if pipeline is None else load._whole("pipeline", pipeline))
    stage = "" if pipeline is None else " of a pipeline stage"
    if group % E:
        raise InputError("expert", f"expected a number of expert-parallel groups that divides the {group:,} chips"
                                   f"{stage} (each group of experts sits inside one tensor-parallel group of them), "
                                   f"got {E:,}; give a divisor of {group:,}, or leave it out to search")

    def holds(T: int) -> bool:  # whole heads on each rank, or attention data parallel beside whole experts
        try:
            check_heads(shape, T)
            return True
        except InputError:
            return pipeline in (None, 1) and T > 1 and shape.moe_layers > 0 and shape.experts % T == 0
    if not any(holds(T) for T in range(E, group + 1, E) if group % T == 0):
        raise InputError("expert", f"expected a number of expert-parallel groups that a tensor-parallel group of the "
                                   f"{group:,} chips{stage} holds (each group of experts sits inside one), got {E:,}: "
                                   f"no tensor size that divides the chips and is a multiple of {E:,} divides the "
                                   f"model's {shape.heads} attention heads (or, attention data parallel, its "
                                   f"{shape.experts} experts); give another expert count, or leave it out to search")


def _why(best: Setup, candidates: list[Setup], scores: list, given: bool, what: str, held=None) -> str:
    """Why ``best``'s layout: given, the only one that holds the weights, or the highest of ``scores`` (``what``)
    over the ``candidates`` tried, against the runner-up: the cheapest per output token at one price per chip-hour.
    Where the search tried attention both tensor and data parallel (``load.attention_modes``), the best of the
    other kind too, and with ``held`` (a layout -> (sequences in flight, TPOT in s)) what makes the difference: the
    sequences its memory holds and how fast it steps them."""
    if given:
        return "given"
    kinds = "tensor x pipeline x expert" if best.shape.moe_layers else "tensor x pipeline"
    if len(candidates) == 1:
        return f"the one {kinds} split that holds the weights"
    both = len({c.layout.attention_data_parallel for c in candidates}) > 1
    words = (f"of {len(candidates)} {kinds} splits{', attention tensor or data parallel,' if both else ''} that hold the "
             f"weights, the most output {what}")
    scored = [] if scores is None else list(zip(scores, candidates))
    others = [(x, c) for x, c in scored if c.layout != best.layout]
    if not others:
        return words
    x, c = max(others, key=lambda o: o[0])
    if not x > 0:
        return words
    words = f"{words}: {number(max(scores))} against {number(x)} at {_split(c, mode=both)}"
    rivals = [(y, r) for y, r in others if r.layout.attention_data_parallel != best.layout.attention_data_parallel]
    if not rivals:
        return words
    y, r = max(rivals, key=lambda o: o[0])
    if not y > 0:
        return words
    if r is not c:
        words += (f"; {'with' if r.layout.attention_data_parallel else 'without'} attention data parallelism at most "
                  f"{number(y)} ({_split(r, mode=False)})")
    if held is None:
        return words
    (n, t), (n_r, t_r) = held(best), held(r)
    if n == n_r:  # one load for both (a concurrency given): the step alone differs
        return f"{words}: at {counted(n, 'sequence')} in flight a token every {number(t * 1e3)} ms against {number(t_r * 1e3)} ms"
    return (f"{words}: {counted(n, 'sequence')} in flight at {number(t * 1e3)} ms a token against {number(n_r)} at "
            f"{number(t_r * 1e3)} ms")


def _split(s: Setup, mode: bool = True) -> str:
    """A layout as the answer names it: tensor x pipeline (x expert for a mixture of experts), and (``mode``: both
    kinds were tried) whether its attention is data or tensor parallel: the runner-up of DeepSeek-R1 on 8 H200 at
    --expert 8 is the same split with attention tensor parallel, and was named as the answer's own split."""
    lay = s.layout
    out = f"tensor {lay.tensor} x pipeline {lay.pipeline}" + (f" x expert {lay.expert}" if s.shape.moe_layers else "")
    if not mode:
        return out
    return out + (", attention data parallel" if lay.attention_data_parallel else ", attention tensor parallel")


def _held(n: int | None, mode: str):
    """``_why``'s ``held``: a layout's sequences in flight (``n``, or None: the most its memory holds) and TPOT there."""
    def at(s: Setup) -> tuple[float, float]:
        k = s.max_concurrency() if n is None else max(n, s.replicas)
        return k, float(evaluate(s, k, "batch" if mode == "batch" else "continuous", queue=mode == "concurrency")["tpot"])
    return at


# "4/s", "240 /min", and as the serving answer prints it or people write it: "4 requests/s", "4 req/s", "4 per second"
# (and "4 rps", "4 qps": MLPerf's Server scenario states its load in queries per second)
_PER = re.compile(r"^\s*([0-9.eE+-]+)\s*(?:req(?:uest)?s?\s*)?(?:/|\bper\b)\s*([A-Za-z]+)\s*$")
_PER_SECOND = re.compile(r"^\s*([0-9.eE+-]+)\s*(?:rps|qps|RPS|QPS)\s*$")


def read_request_rate(value) -> pint.Quantity:
    """A request rate as every door reads it: a Quantity, "4/s", "240/min", "4 s^-1" or a number of requests/s.

    >>> read_request_rate("240/min")
    <Quantity(4.0, '1 / second')>
    """
    return _q(_request_rate(value), "1/s")


def _request_rate(value) -> float:
    """Requests per second from a Quantity, a string ("4/s", "240/min") or a bare number (requests/s)."""
    if isinstance(value, bool):
        raise InputError("request_rate", f"expected requests per second, got {value!r}")
    given = value
    if isinstance(value, str):  # "4/s", "240 /min": per unit of time, read as "4 s^-1", "240 min^-1"
        m, m_s = _PER.match(value), _PER_SECOND.match(value)
        value = f"{m.group(1)} {m.group(2)}^-1" if m else f"{m_s.group(1)} s^-1" if m_s else value
    try:
        r = parse_quantity(value, "request_rate", "1/s", bare_ok=True).m_as("1/s")
    except InputError as exc:  # said in requests, as people write a rate
        head = exc.message.split('; expected')[0].split('; got')[0]
        if head.startswith("expected ") and ", got " in head:  # another kind of quantity: said once, with its kind
            head, got = "", head.split(", got ", 1)[1]  # "4 ms (a time)"
        else:
            head, got = head + "; ", f"{given!r:.40}"
        raise InputError("request_rate", f"{head}expected requests per second (1/s), e.g. \"4/s\" or \"240/min\" (a plain "
                                         f"number is per second); got {got}") from None
    if not (np.isfinite(r) and r > 0):
        raise InputError("request_rate", f"expected a positive number of requests per second, got {given!r:.40}")
    return float(r)


def _at_rate(candidates: list[Setup], rate: float, given: bool = False, search_experts: bool = False) -> Serving:
    """The layout with the most headroom (``load.arrivals_capacity``) that serves ``rate``, or the error of the one
    nearest."""
    caps = [load.arrivals_capacity(c) for c in candidates]
    best = candidates[int(np.argmax(caps))]
    if search_experts:
        more = load.expert_variants(best)[1:]
        candidates, caps = candidates + more, caps + [load.arrivals_capacity(c) for c in more]
        best = candidates[int(np.argmax(caps))]
    n, r = load.at_rate(best, rate)  # a rate beyond every layout: the one-line error of the widest-capacity one
    return _answer(best, max(int(round(n)), 1), "continuous", "request rate", rate=(rate, n, r),
                   why=_why(best, candidates, caps, given, "capacity (requests/s)"))


def _ranks(s: Setup) -> int:
    """Sequences that give each replica one, or under attention data parallelism each attention rank one."""
    return s.replicas * (s.layout.tensor if s.layout.attention_data_parallel else 1)


def _rate(s: Setup, n: int, mode: str) -> float:
    if n > s.max_concurrency():
        return -1.0
    return float(evaluate(s, max(n, s.replicas), "batch" if mode == "batch" else "continuous",
                          queue=mode == "concurrency")["per_chip"])


def _check_fits(s: Setup, n: int, name: str, tried: int = 1) -> None:
    most = s.max_concurrency()
    if n <= most:
        return
    held = _held_by(s)
    if not held.startswith("memory"):  # the engine's cap binds: the KV cache's arithmetic below would read negative
        raise InputError(name, f"a {name} of {number(n)} is more than {held} allows: at most {most:,} (tensor "
                               f"{s.layout.tensor} x pipeline {s.layout.pipeline}, {s.replicas} "
                               f"replica{'s' * (s.replicas != 1)}{f': the most of the {tried} layouts tried' if tried > 1 else ''}); "
                               f"the memory holds {replace(s, max_batch_size=None).max_concurrency():,}")
    per_seq = phases.kv_per_token_chip(s.shape, s.layout, s.kv_bytes) * float(s.cached(s.input_tokens + s.output_tokens))
    per_chip_seqs = -(-n // s.replicas) / (s.layout.tensor if s.layout.attention_data_parallel else 1)
    need = per_chip_seqs * per_seq
    free = phases.coefficients().kv_memory_fraction * (
        s.rates.capacity - phases.weights_per_chip(s.shape, s.layout, s.weight_bytes, s.expert_bytes))
    raise InputError(name, f"a {name} of {number(n)} needs {number(need / 1e9)} GB of KV cache per chip, "
                           f"{number((need - free) / 1e9)} GB more than the {number(free / 1e9)} GB left after the weights; "
                           f"the largest that fits is {most:,} (tensor {s.layout.tensor} x pipeline {s.layout.pipeline}, "
                           f"{s.replicas} replica{'s' * (s.replicas != 1)}{f': the most of the {tried} layouts tried' if tried > 1 else ''})")


def _best(candidates: list[Setup], ttft_limit, tpot_limit, stat: str, given: bool = False,
          search_experts: bool = False) -> Serving:
    ttft_max, tpot_max = percentiles.mean_limits(ttft_limit, tpot_limit, stat)  # limits on the modelled means
    scores = []  # each candidate's most tokens/s per chip within the limits (-1: none), for _why
    found, fastest = load.best_under_limits(candidates, ttft_max, tpot_max, FRONTIER_POINTS, scores)
    if found is not None and search_experts:
        more = load.expert_variants(found[0])[1:]
        other, _ = load.best_under_limits(more, ttft_max, tpot_max, FRONTIER_POINTS, scores) if more else (None, None)
        candidates = candidates + more
        found = other if other is not None and other[2] > found[2] else found
    if found is None:
        s, tpot, ttft = fastest
        if stat == "mean":
            fast = f"a TPOT of {tpot * 1e3:.1f} ms and a TTFT of {ttft * 1e3:.0f} ms (means)"
        else:
            r = percentiles.p99_over_mean()
            fast = (f"a p99 TPOT of {tpot * r['tpot'].m_as('') * 1e3:.1f} ms and a p99 TTFT of "
                    f"{ttft * r['ttft'].m_as('') * 1e3:.0f} ms (means {tpot * 1e3:.1f} and {ttft * 1e3:.0f} ms)")
        raise InputError("tpot_limit" if tpot_max else "ttft_limit",
                         f"no layout and concurrency meets the {stat} limits: the fastest is {fast}, tensor "
                         f"{s.layout.tensor} x pipeline {s.layout.pipeline}, one sequence per replica")
    return _answer(found[0], found[1], "continuous", "limits", limits=(stat, ttft_limit, tpot_limit),
                   why=_why(found[0], candidates, scores, given, "tokens/s per chip within the limits"))


def _grid(s: Setup, points: int = FRONTIER_POINTS) -> np.ndarray:
    """``load.grid``: up to ``points`` concurrencies from one sequence per replica to the most the memory holds."""
    return load.grid(s, points)


def _answer(s: Setup, n: int, mode: str, label: str, limits: tuple | None = None, rate: tuple | None = None,
            why: str = "given") -> Serving:
    wait = None  # the mean wait the TTFT holds before its prompt's step; None: none counted
    if rate is not None:
        r = rate[2]
        wait = None if s.disaggregated else float(r["wait"])  # load.at_rate counts none: said in ttft_basis
    elif limits is not None and s.disaggregated:  # as under a rate: the decode chips' load, no wait counted
        r = evaluate(s, n, "arrivals")
    elif limits is not None:  # the TTFT the limit was checked with (load.best_under_limits): with the mean wait of
        r = evaluate(s, n, "arrivals")  # requests arriving at random at this load, as under a request rate
        wait = float(load.step_wait(s, r, n, float(r["total"]) / s.output_tokens))
        r = {**r, "ttft": float(r["ttft"]) + wait}
    elif label == "concurrency" and not s.disaggregated:  # a closed loop of n clients (evaluate's queue)
        r = evaluate(s, n, "continuous", queue=True)
        wait = float(r["ttft"]) - float(evaluate(s, n, "continuous")["ttft"])
    else:
        r = evaluate(s, n, "batch" if mode == "batch" else "continuous")

    def three(x_in, x_out, unit):
        return _three(float(x_in), float(x_out), unit)

    usd = None if "usd_in" not in r else three(r["usd_in"] * 1e6, r["usd_out"] * 1e6, "USD/Mtoken")
    energy = None if "joule_in" not in r else three(r["joule_in"], r["joule_out"], "J/token")
    co2 = None if energy is None else {n_: _q(e.magnitude / 3.6e6 * s.carbon_intensity * 1e3, "g/token")
                                       for n_, e in energy.items()}  # J -> kWh, x kg/kWh, kg -> g
    lay = s.layout
    held = _held_by(s)
    layout = {"tensor": lay.tensor, "pipeline": lay.pipeline, "expert": lay.expert,
              "attention_data_parallel": lay.attention_data_parallel, "replicas": s.replicas,
              "disaggregated": s.disaggregated,
              "precision": s.precision, "expert_precision": s.expert_precision if s.shape.moe_layers else None,
              "kv_precision": s.kv_precision}
    if s.draft_tokens:  # said only where asked: the answers without it as they were
        layout |= {"draft_tokens": s.draft_tokens, "accepted_tokens": s.accepted_tokens}
    return Serving(
        model=_name(s), hardware=s.hardware.name, chips=s.chips,
        layout=layout, mode=label, concurrency=int(n), max_concurrency=s.max_concurrency(),
        ttft=_q(float(r["ttft"]), "s"), tpot=None if s.output_tokens == 1 else _q(float(r["tpot"]), "s"),
        tpot_note=NO_TPOT if s.output_tokens == 1 else None, usd_basis=_usd_basis(s, usd),
        tokens_per_second={"per_chip": _q(float(r["per_chip"]), "token/s/chip"), "total": _q(float(r["total"]), "token/s")},
        tokens_per_second_per_user=_q(float(r["per_user"]), "token/s"),
        kv_cache_per_token=_q(footprint.kv_cache_per_token(s.model, s.kv_precision), "byte/token"),
        usd_per_million_tokens=usd, price_basis=s.price_basis, energy_per_token=energy, emissions_per_token=co2,
        limited_by={"prefill": limited_by(r.get("prefill_pass", r["prefill"])), "decode": limited_by(r["decode"]),
                    "step": step_limited_by(s, r, "batch" if mode == "batch" else "continuous"),
                    "concurrency": held if label == "saturating" else
                    _LIMITED[limits[0]] if label == "limits" else
                    "the request rate (Little's law)" if label == "request rate" else "given",
                    "max_concurrency": held,
                    "layout": why},
        breakdown={"decode": {n_: _q(float(v), "s") for n_, v in r["decode"].items()},
                   "prefill": {n_: _q(float(v), "s") for n_, v in r["prefill"].items()}},
        limits=None if limits is None else _limits(limits, float(r["ttft"]), float(r["tpot"])),
        # the open-loop rate the answer holds: the one given, or under limits the requests/s arriving at random that
        # make the load found (its output tokens/s over a request's); None for a closed loop, a batch or saturation
        request_rate=_q(rate[0], "1/s") if rate is not None else
        _q(float(r["total"]) / s.output_tokens, "1/s") if label == "limits" else None,
        queueing=None if wait is None else _q(wait, "s"),
        ttft_basis=_ttft_basis(label, n, wait is not None, s.disaggregated), precision_basis=s.precision_basis,
        mean_in_flight=None if rate is None else float(rate[1]),
    )


# The time per output token as serving benchmarks count it, (request latency - TTFT) / (output tokens - 1), and only for
# a request of more than one output token: vLLM's benchmarks/benchmark_serving.py (calculate_metrics, "if output_len >
# 1"), SGLang's bench_serving.py and genai-perf the same. The model's request lasts TTFT + (O - 1) TPOT (load.evaluate),
# so its TPOT is that quantity; with one output token there is none.
NO_TPOT = ("none: a request of one output token has no time between output tokens (TPOT = (request latency - TTFT) / "
           "(output tokens - 1), as vLLM's benchmark_serving and genai-perf count it, for two output tokens or more)")


def tpot_said(s: Serving) -> tuple[str, str]:
    """The time per output token as every door shows it (the CLI, the Serving page, ``repr``): the figure ("2,195 ms",
    or "none" with one output token a request) and, in words, what limits it: the decode's resource, or where the
    prompts joining each step take most of its time (short outputs at saturation: C I / O prompt tokens a step,
    ``load.step_limited_by``) the prompt processing, with the decode's resource beside it."""
    if s.tpot is None:
        return "none", s.tpot_note[len("none: "):]
    step = s.limited_by.get("step", "decode")
    cause = (f"decode limited by {s.limited_by['decode']}" if step == "decode" else
             f"each step limited by {step}; its decode by {s.limited_by['decode']}")
    return f"{number(s.tpot.m_as('ms'))} ms", cause


def _usd_basis(s: Setup, usd: dict | None) -> str:
    """On what basis the dollars per million tokens are (``load.evaluate``'s usd_in and usd_out): an input token at the
    chip-seconds of the prefill per prompt token, an output token at those of the decode steps per token emitted, the
    blend 3:1. Where the request's output is a few tokens against a long prompt (at most one in 16 of its tokens), the
    dollars of one request beside them: at 1,000 input tokens and 1 output token, $1.09 per million output tokens
    is the decode share of the step the token comes in, and a request's cost is nearly all its prompt's."""
    said = ("input tokens at the chip-time of the prefill per prompt token, output tokens at that of the decode steps "
            "per token emitted; blended 3 input : 1 output")
    if usd is None or 16 * s.output_tokens > s.input_tokens:
        return said
    u_in, u_out = (usd[k].m_as("USD/Mtoken") / 1e6 for k in ("input", "output"))
    request = s.input_tokens * u_in + s.output_tokens * u_out
    return (f"{said}; a thousand requests of {counted(s.input_tokens, 'input token')} and "
            f"{counted(s.output_tokens, 'output token')} cost ${cents(request * 1e3)}, {s.input_tokens * u_in / request:.0%}"
            " of it their prompts'")


def _held_by(s: Setup) -> str:
    """What bounds ``max_concurrency``: the memory, or the engine's sequences per micro-batch (``Setup.max_batch_size``,
    vLLM's max_num_seqs: vLLM 0.6.4 (ROCm)'s 256 on 8 MI300X at tensor 8, whose memory holds over 2,000, was said
    'memory holds 256')."""
    if s.max_batch_size is not None and s.max_concurrency() < replace(s, max_batch_size=None).max_concurrency():
        return f"the engine's limit of {s.max_batch_size:,} sequences per micro-batch"
    return "memory capacity (KV cache)"


def _three(x_in, x_out, unit: str) -> dict:
    """Input, output and the blend of ``blend_input_per_output`` input tokens to one output token (3:1,
    data/serving_coefficients.csv), as Quantities in ``unit`` (numbers or arrays)."""
    blend = phases.coefficients().blend_input_per_output
    return {"input": _q(x_in, unit), "output": _q(x_out, unit), "blended": _q((blend * x_in + x_out) / (blend + 1), unit)}


# Which TTFT an answer gives, in words (Serving.ttft_basis, Frontier.ttft_basis)
_QUEUE = "wait for the step in progress and behind the other prompts for the step's token budget"
STEP_ALONE = ("the step alone, as a throughput benchmark's: the step that carries the prompt and its prefill, no wait "
              "for a step in progress or for the token budget")
CLOSED_LOOP = f"each sending its next request as its last one ends: with the {_QUEUE}"


# Prefill on chips of its own under random arrivals (a rate, or limits): the prompt rides in no decode step, and the
# prefill chips' queue needs their number, which is not given: the TTFT counts no wait, and says so
DISAGGREGATED_ARRIVALS = ("prefill on chips of its own: the prompt's prefill and the first decode step, no wait "
                          "counted (the prefill chips' number, and so their queue, is not given; the decode chips' "
                          "load by Little's law)")


def _ttft_basis(label: str, n: int, waits: bool, disaggregated: bool = False) -> str:
    """Which TTFT an answer gives, in words: with the wait of a closed loop's or of random arrivals, or the step alone
    (a throughput benchmark's, and the frontier's ``ttft``), or a static batch's prefill; with prefill on chips of its
    own, random arrivals count no wait (``DISAGGREGATED_ARRIVALS``)."""
    if label == "batch":
        return "one static batch: the prefill of all its prompts at once, no queue"
    if disaggregated and label in ("request rate", "limits"):
        at = "the rate" if label == "request rate" else "the load found"
        return f"requests arriving at random (Poisson) at {at}; {DISAGGREGATED_ARRIVALS}"
    if label == "concurrency" and waits:
        return f"a closed loop of {counted(n, 'client')}, {CLOSED_LOOP}"
    if label == "request rate":
        return f"requests arriving at random (Poisson) at the rate: with the mean {_QUEUE}"
    if label == "limits":
        return f"requests arriving at random (Poisson) at the load found: with the mean {_QUEUE}"
    return STEP_ALONE + ("" if label == "saturating" else " (prefill on chips of its own)")


_LIMITED = {"p99": "latency limits (p99s: the modelled means x p99/mean of MLPerf Inference v4.x Server runs)",
            "mean": "latency limits (applied to the steady-state means, not p99s)"}


def _limits(limits: tuple, ttft: float, tpot: float) -> dict:
    """The limits of an answer under limits, and the p99s its means imply (``percentiles``)."""
    stat, ttft_max, tpot_max = limits
    r = percentiles.p99_over_mean()
    return {"statistic": stat, "ttft_limit": None if ttft_max is None else _q(ttft_max, "s"),
            "tpot_limit": None if tpot_max is None else _q(tpot_max, "s"),
            "ttft_p99": _q(ttft * r["ttft"].m_as(""), "s"), "tpot_p99": _q(tpot * r["tpot"].m_as(""), "s"),
            "p99_over_mean": r}


def _name(s: Setup) -> str:
    """The first row of data/architectures.csv of ``s.model``'s shape (rows may share one: Llama 3 8B and Llama 3.1
    8B), else "custom"; ``_with_engine`` names the row the user named instead."""
    from calc.architecture import row_of

    return row_of(s.model) or "custom"


@lru_cache(maxsize=64)
def _unit(unit: str):
    return ureg.Unit(unit)


def _q(x, unit: str) -> pint.Quantity:
    """A Quantity with a unit parsed once (pint parses a unit string on every Q_)."""
    return Q_(x, _unit(unit))


FRONTIER_TTFT = STEP_ALONE
FRONTIER_TTFT_CLOSED_LOOP = f"a closed loop of as many clients, {CLOSED_LOOP}"


@dataclass(frozen=True)
class Frontier:
    """The throughput-latency curve of one layout: arrays over concurrency, as Quantities. ``ttft`` is the step
    alone, as a throughput benchmark's saturation (``ttft_basis``); ``ttft_closed_loop`` a closed loop's of as many
    clients, as ``serve(concurrency=C)`` gives it (``ttft_closed_loop_basis``; the step alone with prefill on chips
    of its own)."""

    layout: dict
    concurrency: np.ndarray
    ttft: pint.Quantity
    tpot: pint.Quantity | None  # None with one output token a request, as Serving's (``tpot_note`` says why)
    tokens_per_second_per_user: pint.Quantity
    tokens_per_second_per_chip: pint.Quantity
    usd_per_million_output_tokens: pint.Quantity | None
    model: str = ""  # the published shape's name ("custom" for another), the chip and the chip count, as Serving's
    hardware: str = ""
    chips: int = 0
    ttft_closed_loop: pint.Quantity | None = None
    engine: dict | None = None  # as Serving's: the serving engine whose host work is counted, None for none
    ttft_basis: str = FRONTIER_TTFT
    ttft_closed_loop_basis: str = FRONTIER_TTFT_CLOSED_LOOP
    # as Serving's, arrays: per_chip (token/s/chip) and total (token/s); input, output, blended (USD/Mtoken)
    tokens_per_second: dict | None = None
    usd_per_million_tokens: dict | None = None
    precision_basis: str = "given"  # as Serving's: why the weights are in layout["precision"]
    tpot_note: str | None = None  # as Serving's: None where ``tpot`` holds times, else why there are none

    def __repr__(self) -> str:
        """As Serving's: the curve in one line (the dataclass's own echoed every array and both bases in full)."""
        c, per_chip = self.concurrency, self.tokens_per_second_per_chip.m_as("token/s/chip")
        t = None if self.tpot is None else self.tpot.m_as("ms")
        tpot = "TPOT none (one output token)" if t is None else f"TPOT {number(t[0])} to {number(t[-1])} ms"
        return (f"Frontier({self.model} on {self.chips:,} x {self.hardware}, {_layout_said(self.layout)}, "
                f"{self.layout['precision']}, {len(c)} concurrencies from {int(c[0]):,} to {int(c[-1]):,}: {tpot}, "
                f"{number(per_chip[0])} to {number(per_chip[-1])} tokens/s per chip)")

    def to_dict(self) -> dict:
        """JSON-ready lists, in the units named under "units", with Serving's names."""
        loop = self.ttft_closed_loop

        def listed(x, unit, digits=9):  # as Serving.to_dict rounds
            return [round(float(v), digits) for v in x.m_as(unit)]
        return {"model": self.model, "hardware": self.hardware, "chips": self.chips, "layout": self.layout,
                "precision_basis": self.precision_basis, "engine": None if self.engine is None else {**self.engine, "host_per_sequence": round(float(
                    self.engine["host_per_sequence"].m_as("s")), 9)},
                "concurrency": [int(c) for c in self.concurrency],
                "ttft": [round(float(x), 9) for x in self.ttft.m_as("s")], "ttft_basis": self.ttft_basis,
                "ttft_closed_loop": None if loop is None else [round(float(x), 9) for x in loop.m_as("s")],
                "ttft_closed_loop_basis": self.ttft_closed_loop_basis,
                "tpot": None if self.tpot is None else [round(float(x), 9) for x in self.tpot.m_as("s")],
                "tpot_note": self.tpot_note,
                "tokens_per_second": {"per_chip": listed(self.tokens_per_second["per_chip"], "token/s/chip"),
                                      "total": listed(self.tokens_per_second["total"], "token/s")},
                "tokens_per_second_per_user": listed(self.tokens_per_second_per_user, "token/s"),
                "usd_per_million_tokens": None if self.usd_per_million_tokens is None else
                {k: listed(v, "USD/Mtoken") for k, v in self.usd_per_million_tokens.items()},
                "units": {"ttft": "s", "ttft_closed_loop": "s", "tpot": "s", "tokens_per_second": "token/s",
                          "tokens_per_second_per_user": "token/s", "usd_per_million_tokens": "USD/Mtoken",
                          "engine": {"host_per_sequence": "s"}}}


def frontier(model, hardware, chips=1, *, points: int = FRONTIER_POINTS, **options) -> Frontier:
    """Throughput per chip against speed per user over concurrencies from one sequence per replica to
    the most the memory holds (continuous batching), in one vectorised pass. ``options`` as ``serve``
    (the layout is the saturating one when tensor is not given).

    >>> f = frontier("Llama 3 8B", "H100 SXM5", 1, input_tokens=1000, output_tokens=1000)
    >>> bool(f.tokens_per_second_per_chip.magnitude[-1] > f.tokens_per_second_per_chip.magnitude[0])
    True
    """
    load_options = {k: options.pop(k, None) for k in ("concurrency", "batch", "request_rate", "ttft_limit",
                                                      "tpot_limit", "limit_statistic")}
    if any(v is not None for v in load_options.values()):
        raise InputError(next(k for k, v in load_options.items() if v is not None),
                         "the frontier runs over every concurrency; give no load option")
    points = load._whole("points", points, 2)
    one = serve(model, hardware, chips, **options)
    lay = one.layout
    engine = options.pop("engine", None)
    s = load.setup(model, hardware, chips, tensor=lay["tensor"], pipeline=lay["pipeline"], expert=lay["expert"],
                   attention_data_parallel=lay["attention_data_parallel"], **engine_host(engine, hardware),
                   **{k: v for k, v in options.items() if k not in ("tensor", "pipeline", "expert", "attention_data_parallel")})
    grid = _grid(s, points)
    r = evaluate(s, grid, "continuous")
    loop = evaluate(s, grid, "continuous", queue=True)["ttft"]  # the closed loop's, as serve(concurrency=C)
    return Frontier(layout=lay, concurrency=grid, ttft=Q_(r["ttft"], "s"),
                    tpot=None if one.tpot is None else Q_(r["tpot"], "s"), tpot_note=one.tpot_note,
                    ttft_closed_loop=Q_(np.asarray(loop, dtype=float), "s"), engine=one.engine,
                    ttft_closed_loop_basis=FRONTIER_TTFT if s.disaggregated else FRONTIER_TTFT_CLOSED_LOOP,
                    tokens_per_second_per_user=Q_(r["per_user"], "token/s"),
                    tokens_per_second_per_chip=Q_(r["per_chip"], "token/s/chip"),
                    usd_per_million_output_tokens=None if "usd_out" not in r else Q_(r["usd_out"] * 1e6, "USD/Mtoken"),
                    model=one.model, hardware=one.hardware, chips=one.chips, precision_basis=one.precision_basis,
                    tokens_per_second={"per_chip": Q_(r["per_chip"], "token/s/chip"), "total": Q_(r["total"], "token/s")},
                    usd_per_million_tokens=None if "usd_out" not in r else _three(
                        np.asarray(r["usd_in"]) * 1e6, np.asarray(r["usd_out"]) * 1e6, "USD/Mtoken"))


def past_the_peak(f: Frontier, s: Serving, margin: float = 0.01) -> str | None:
    """Where the saturating answer ``s`` is not its frontier ``f``'s most output tokens/s per chip (by more than
    ``margin``): one sentence naming the point that serves more, in flight, per chip and per user, against the
    saturating answer's tokens/s per chip (like with like: "5% more than the saturating 2,152" set a throughput
    against a count of sequences); None where it is, or
    where ``s`` is not the saturating answer. The modelled step is not smooth in the batch (the products' tiles and
    waves, the token budget a step, an engine's captured batch sizes), so the curve can fall between two points: a
    throughput benchmark runs at the most the memory holds, and this says when fewer would serve more."""
    if s.mode != "saturating":
        return None
    per_chip = f.tokens_per_second_per_chip.m_as("token/s/chip")
    i = int(np.argmax(per_chip))
    here = s.tokens_per_second["per_chip"].m_as("token/s/chip")
    if per_chip[i] <= here * (1 + margin) or int(f.concurrency[i]) >= s.concurrency:
        return None
    return (f"{int(f.concurrency[i]):,} in flight serve {number(per_chip[i])} output tokens/s per chip, "
            f"{(per_chip[i] / here - 1):.0%} more than the {number(here)} at the saturating {s.concurrency:,} in flight, at "
            f"{number(f.tokens_per_second_per_user.m_as('token/s')[i])} tokens/s per user: the modelled step is not "
            "smooth in the batch (the products' tiles, the token budget), so fewer sequences can serve more")


def fewest_chips(model, hardware, *, largest: int = 4096, **options) -> int | None:
    """The fewest chips, a power of two up to ``largest``, on which ``serve`` finds a layout holding the weights
    and a sequence per replica: a tensor group that splits no head, at the pipeline of ``options`` (default: every
    depth ``serve`` tries), as ``serve``'s layout search tries them (``load.layouts``). ``options``: ``serve``'s precisions, tokens and
    toggles. None if no count up to ``largest`` holds it. Weights at ``precision`` over T x P chips against the
    chip's memory [Pope2022] sec. 3.

    >>> fewest_chips("Llama 3.1 405B", "H100 SXM5"), fewest_chips("Llama 3.1 405B", "H100 SXM5", precision="fp8")
    (16, 8)
    """
    engine_host(options.pop("engine", None), hardware)  # checked; the engine's host work holds no memory
    largest = load._whole("largest", largest)  # "", nan or Q_(8, "s") were a TypeError or a silent None
    n = 1
    while n <= largest:
        try:
            search = options.get("pipeline") is None and options.get("tensor") is None
            if load.layouts(load.setup(model, hardware, n, **options), options.get("expert"), search):
                return n
        except InputError as exc:
            if exc.field not in ("chips", "pipeline", "tensor"):  # a pipeline deeper than the chips: more chips
                raise
        n *= 2
    return None


# calc.serve(...) calls serve (and ``import calc.serve as m`` binds this package): calc.callable_package says why
make_callable(__name__)

