"""Serving page: what a model costs to run on a chip: latency, throughput, $ per million tokens, energy.

Every field is kept in the URL (``serving.model=Llama+3+70B``...; see app_pages/session.py): a shared
link shows the same answer. Fields a link does not give start from the session's scenario (its
model's published shape, its accelerator) or from Llama 3 70B on 8 H100. No formula lives here:
``calc.serve`` answers, this page shows.
"""

import math
import re

import altair as alt
import pandas as pd
import streamlit as st

import calc
from app_pages import session
from app_pages.charts import HEIGHT, plain_axis
from calc import data
from calc.architecture import published, shape_name
from calc.display import cents, counted, escape, number
from calc.errors import did_you_mean
from calc.reader import read_chips, whole_text
from calc.serve import (
    engine_on,
    fewest_chips,
    footprint,
    frontier,
    past_the_peak,
    percentiles,
    read_request_rate,
    serve,
    time_limit,
    tpot_said,
)
from calc.serve.load import CHIP_BASIS, default_precision, multiplied_note, speculative
from calc.serve.terms import matmul_basis
from calc.vocabulary import precision_name

PAGE = "serving"
LARGEST = 1_000_000
BEST, SATURATING = "best", "saturating"  # the tensor field's and the concurrency field's "choose for me"
LIMITS = "within limits"  # the concurrency field's third choice: the best layout and load under the latency limits
RATE = "at a request rate"  # its fourth: requests arriving open-loop at the rate of the field below
FIELDS = {  # name in the URL -> (widget key, kind of value)
    "model": ("serving_model", "model"), "hardware": ("serving_hw", "hardware"), "chips": ("serving_chips", "chips"),
    "tensor": ("serving_tensor", "tensor"), "precision": ("serving_precision", "precision"),
    "expert_precision": ("serving_expert_precision", "expert_precision"),
    "kv_precision": ("serving_kv", "kv_precision"), "input_tokens": ("serving_input", "tokens"),
    "output_tokens": ("serving_output", "tokens"), "concurrency": ("serving_concurrency", "concurrency"),
    "ttft_limit": ("serving_ttft_limit", "time"), "tpot_limit": ("serving_tpot_limit", "time"),
    "limit_statistic": ("serving_limit_statistic", "statistic"),
    "request_rate": ("serving_request_rate", "rate"),
    "disaggregated": ("serving_disaggregated", "flag"),
    "attention_data_parallel": ("serving_adp", "flag"),
    "engine": ("serving_engine", "engine"),
    "price": ("serving_price", "price"),
    "draft_tokens": ("serving_draft", "draft"), "accepted_tokens": ("serving_accepted", "accepted"),
}
FLAGS = {"true": True, "false": False}  # a flag's text in the URL
LABELS = {  # an error's field as this page's label says it (calc.serve names its parameters)
    "model": "Model", "hardware": "Accelerator", "chips": "Chips", "tensor": "Tensor parallel per replica",
    "precision": "Weights", "kv_precision": "KV cache", "input_tokens": "Input tokens per request",
    "output_tokens": "Output tokens per request", "concurrency": "Requests in flight",
    "ttft_limit": "Time-to-first-token limit", "tpot_limit": "Time-per-output-token limit",
    "limit_statistic": "The limits bound", "disaggregated": "Disaggregated prefill",
    "attention_data_parallel": "Attention data parallel", "request_rate": "Request rate",
    "expert_precision": "Expert weights", "engine": "Serving engine", "price": "Price per chip-hour",
    "draft_tokens": "Draft tokens (MTP)", "accepted_tokens": "Tokens emitted a step",
}
shapes = published()
hw_names = [n for n, h in data.hardware_table().items() if h.memory is not None and h.memory_bandwidth is not None]
AUTO = "default"  # the weights field's default: calc.serve's (the checkpoint's format where the chip has its peak,
# DeepSeek-R1's fp8 on an H200; else the chip's 16-bit one: load.default_precision), said in the answer
PRECISIONS = [AUTO, *footprint.WEIGHT_PRECISIONS]
OWN = "model"  # the expert weights field's default (shown "as the model"): the shape's own format (GPT-OSS: mxfp4), else
# the weights'
EXPERT_PRECISIONS = [OWN, *footprint.WEIGHT_PRECISIONS]
NO_ENGINE = "none"  # the engine field's default: no engine's host work counted (calc.serve's engine=None)
ENGINES = [NO_ENGINE, *sorted({engine for engine, _ in data.serving_host()})]  # data/serving_host.csv
KV = list(footprint.KV_PRECISIONS)
TAILS = {k: v.m_as("") for k, v in percentiles.p99_over_mean().items()}  # p99 / mean of TTFT and TPOT


def _in_labels(message: str) -> str:
    """A message of calc.serve with its command-line flags said as this page's labels ("give --precision for its
    weights": "give the “Weights” field for its weights")."""
    return re.sub(r"--([a-z][a-z-]+)", lambda m: f"the “{LABELS[m.group(1).replace('-', '_')]}” field"
                  if m.group(1).replace("-", "_") in LABELS else m.group(0), message)


def _read(kind: str, text: str, name: str = ""):
    """A field's value from the text of a link; ValueError says what was expected and what came."""
    if kind == "hardware":
        name = data.hardware(text).name  # InputError (a ValueError) names it and suggests the nearest
        if name not in hw_names:
            raise ValueError(f"expected a chip with a memory size and bandwidth in data/hardware.csv; got {text[:60]!r}")
        return name
    if kind == "engine" and text not in ENGINES:  # typed as people type it ("vllm 0.10.2"), or the nearest suggested
        if text.strip().casefold() in (NO_ENGINE, "none counted"):
            return NO_ENGINE
        try:  # on the chip chosen: a bare family ("vllm") is told the releases that run there, or that none does
            return engine_on(text, st.session_state.get("serving_hw") or _default("hardware"))
        except calc.InputError as exc:
            raise ValueError(exc.message.replace("expected one of ", f"expected one of {NO_ENGINE}, ", 1)) from None
    if kind == "model":  # as people type it ("llama 3 70b"), or the nearest names suggested
        return shape_name(text)
    if kind in ("precision", "kv_precision", "expert_precision", "engine"):
        choices = {"precision": PRECISIONS, "kv_precision": KV,
                   "expert_precision": EXPERT_PRECISIONS, "engine": ENGINES}[kind]
        if kind != "engine" and precision_name(text) in choices:  # "nvfp4", "FP8": the format's name (calc.vocabulary)
            return precision_name(text)
        if text not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}; got {text[:60]!r}{did_you_mean(text, choices, n=2)}")
        return text
    if kind in ("tokens", "chips"):  # as the command line reads --input-tokens and --chips: "1000 tokens", "8 GPUs"
        try:
            value = whole_text(text, "token") if kind == "tokens" else int(read_chips(text).m_as("chip"))
        except calc.InputError as exc:
            raise ValueError(exc.message) from None
        if not 1 <= value <= LARGEST:  # the field's own bounds
            raise ValueError(f"expected a whole number of {kind} from 1 to {LARGEST:,}; got {text[:60]!r}")
        return value
    if kind == "time":  # a latency limit: empty (none) or a time with its unit, read as every door reads it
        if text.strip():
            time_limit(name, text)  # calc.serve's reader: a plain "2" for the TTFT suggests "2 s", as at the command line
        return text.strip()
    if kind == "price":  # empty (the chip's public price) or a price per chip-hour (or per node), as calc.serve reads it
        if text.strip():
            from calc.prices import read_price

            read_price(text, data.hardware(st.session_state.get("serving_hw") or _default("hardware")))
        return text.strip()
    if kind == "rate":  # requests/s arriving: empty (none) or a rate, read as every door reads it
        if text.strip():
            read_request_rate(text)
        return text.strip()
    if kind == "draft":  # empty (none) or a whole number of draft tokens, as --draft-tokens reads it
        if text.strip():
            try:
                whole_text(text)
            except calc.InputError as exc:
                raise ValueError(exc.message) from None
        return text.strip()
    if kind == "accepted":  # empty (none) or a number; its range [1, k + 1] is calc.serve's to say with the draft tokens
        if text.strip():
            try:
                value = float(text.replace(",", ""))
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise ValueError(f"expected a number of tokens a sequence emits a step (1 to the draft tokens + 1); "
                                 f"got {text[:60]!r}")
        return text.strip()
    if kind == "statistic":
        return percentiles.statistic(text)
    if kind == "flag":
        if text.strip().lower() not in FLAGS:
            raise ValueError(f"expected true or false; got {text[:60]!r}{did_you_mean(text, FLAGS)}")
        return FLAGS[text.strip().lower()]
    if kind == "tensor" and text == BEST or kind == "concurrency" and text in (SATURATING, LIMITS, RATE):
        return text
    try:
        value = float(text.replace(",", "").replace("_", ""))
    except ValueError:
        value = math.nan
    if not (value.is_integer() and 1 <= value <= LARGEST):
        extra = {"tensor": f" or {BEST!r}", "concurrency": f", {SATURATING!r}, {LIMITS!r} or {RATE!r}"}.get(kind, "")
        raise ValueError(f"expected a whole number from 1 to {LARGEST:,}{extra}; got {text[:60]!r}")
    return str(int(value)) if kind in ("tensor", "concurrency") else int(value)


def _default(name: str):
    """A field's value when the link gives none: the scenario's model (its published shape or the
    nearest) and accelerator, else Llama 3 70B on 8 H100 SXM5, 1,000 tokens in and out."""
    scenario = session.get()
    if name == "model":
        match = session.scenario_shape()
        return match[0] if match else "Llama 3 70B"
    if name == "hardware":  # the scenario's chip when it can split a model over chips: TPU v2, TPU v3 and MI250X have
        # no chip-to-chip bandwidth in data/hardware.csv (the page opened on "no network bandwidth for TPU v2")
        own = scenario.get("hardware")
        return own if own in hw_names and data.hardware(own).intra_node_bandwidth is not None else "H100 SXM5"
    if name in ("input_tokens", "output_tokens"):  # 1,000 each, within the shape's positions: GPT-2 (1,024 learned
        # positions) opened with a warning that no engine serves its default request
        return min(1000, shapes[st.session_state["serving_model"]][0].context // 2)
    if name == "kv_precision":  # the chip's 16-bit format: bf16, fp16 on a V100 (no bf16 peak)
        return data.hardware(st.session_state.get("serving_hw") or _default("hardware")).default_precision
    return {"precision": AUTO, "chips": 8, "tensor": BEST, "expert_precision": OWN,
            "concurrency": SATURATING, "ttft_limit": "", "tpot_limit": "",
            "limit_statistic": "p99", "request_rate": "", "disaggregated": False,
            "attention_data_parallel": False, "engine": NO_ENGINE, "price": "", "draft_tokens": "",
            "accepted_tokens": ""}[name]


def _text(kind: str, value) -> str:
    """A field's value as the link writes it (a flag: true or false)."""
    return ("true" if value else "false") if kind == "flag" else str(value)


def _seed() -> list[str]:
    """Fill the fields this visit has not drawn yet from the page's link (or its last visit), else
    from the defaults; returns what the link held that cannot be read."""
    return session.seed(PAGE, FIELDS, lambda name, kind, text: _read(kind, text, name), _default)


def _options(tensor: str, precision: str, kv: str, prompt: int, gen: int, disaggregated: bool, adp: bool,
             experts: str = OWN, engine: str = NO_ENGINE, draft: str = "", accepted: str = "") -> dict:
    return dict(tensor=None if tensor == BEST else int(tensor), precision=None if precision == AUTO else precision,
                kv_precision=kv,
                expert_precision=None if experts == OWN else experts,
                input_tokens=prompt, output_tokens=gen, disaggregated=disaggregated,
                # off with the best layout: calc.serve's search tries a mixture of experts' layouts both ways
                attention_data_parallel=adp or (None if tensor == BEST else False),
                engine=None if engine == NO_ENGINE else engine,
                # speculative decoding with the model's MTP module: empty fields, none (calc.serve's None)
                draft_tokens=draft or None, accepted_tokens=accepted or None)


def _load_problems(concurrency: str, ttft: str, tpot: str, rate: str) -> list[calc.InputError]:
    """Each limit or rate typed beside a load that does not read it (a limit read 'within limits', a rate 'at a request
    rate'), one error each: said, never dropped. The one check of it, before the answer (the page lists it with every
    other field that does not read) and in it."""
    said = []
    if rate and concurrency != RATE:
        said.append(calc.InputError("request_rate", f"a request rate is read with requests in flight {RATE!r}; choose "
                                                    "it, or clear the rate"))
    if concurrency != LIMITS:
        said += [calc.InputError(k, f"limits are read with requests in flight {LIMITS!r}; choose it, or clear the limit")
                 for k, v in (("ttft_limit", ttft), ("tpot_limit", tpot)) if v]
    return said


def _field_problems(name: str, hardware: str, concurrency: str, ttft: str, tpot: str, rate: str, price: str, draft: str,
                    accepted: str) -> list[calc.InputError]:
    """Every typed field that does not read, each by the reader every door uses (``time_limit``, ``read_request_rate``,
    ``read_price``, ``speculative``), and each limit or rate beside a load that does not read it: all at once, as the
    Estimate page lists its fields (a TPOT '40' with no unit was hidden behind the rate's clash)."""
    from calc.prices import read_price

    checks = [("ttft_limit", ttft, lambda t: time_limit("ttft_limit", t)),
              ("tpot_limit", tpot, lambda t: time_limit("tpot_limit", t)),
              ("request_rate", rate, read_request_rate),
              ("price", price, lambda t: read_price(t, data.hardware(hardware)))]
    said, unread = [], set()
    for field, text, read in checks:
        if text:
            try:
                read(text)
            except calc.InputError as exc:
                said.append(calc.InputError(field, exc.message))
                unread.add(field)
    if draft or accepted:
        try:
            speculative(shapes[name][0], draft or None, accepted or None, name)
        except calc.InputError as exc:
            said.append(exc)
            if exc.field == "draft_tokens" and accepted:  # its partner read alone, so both are said (fresh24b)
                try:
                    ok = float(accepted.replace(",", "")) >= 1
                except ValueError:
                    ok = False
                if not ok:
                    said.append(calc.InputError("accepted_tokens", f"expected a number of at least 1 (the mean tokens "
                                                                   f"a sequence emits a step), got {accepted!r:.40}"))
    said += [e for e in _load_problems(concurrency, ttft, tpot, rate) if e.field not in unread]
    order = list(FIELDS)  # in the order of the fields on screen
    return sorted(said, key=lambda e: order.index(e.field) if e.field in order else len(order))


@st.cache_data(max_entries=64, show_spinner=False)
def _answer(name, hardware, chips, tensor, precision, kv, prompt, gen, disaggregated, adp, experts, engine, draft,
            accepted, concurrency, limits, rate="", price=""):
    options = _options(tensor, precision, kv, prompt, gen, disaggregated, adp, experts, engine, draft, accepted)
    options["price"] = price or None  # this chip's price per chip-hour; empty: its public price (data/prices.csv)
    ttft, tpot, stat = limits
    clash = _load_problems(concurrency, ttft, tpot, rate)
    if clash:  # a limit or a rate beside a load that does not read it: said, never dropped
        raise clash[0]
    if concurrency == RATE:
        if not rate:
            raise calc.InputError("request_rate", "give a request rate (such as 4/s) for requests in flight "
                                                  f"{RATE!r}, or choose another number of requests in flight")
        return serve(name, hardware, chips, **options, request_rate=rate)
    given = {k: v for k, v in (("ttft_limit", ttft), ("tpot_limit", tpot)) if v}
    if concurrency == LIMITS:
        if not given:
            raise calc.InputError("tpot_limit", "give a TTFT or TPOT limit (such as 40 ms) for the best load "
                                                "within limits, or choose another number of requests in flight")
        return serve(name, hardware, chips, **options, **given, limit_statistic=stat)
    load = {} if concurrency == SATURATING else {"concurrency": int(concurrency)}
    return serve(name, hardware, chips, **options, **load)


@st.cache_data(max_entries=64, show_spinner=False)
def _curve(name, hardware, chips, tensor, precision, kv, prompt, gen, disaggregated, adp, experts, engine, draft,
           accepted, layout=None):
    """The frontier on ``layout`` (tensor, pipeline, expert, attention data parallel: the answer's, so that its red
    point lies on its own curve; under limits, at a request rate or a concurrency the best layout need not be the
    saturating one)."""
    options = _options(tensor, precision, kv, prompt, gen, disaggregated, adp, experts, engine, draft, accepted)
    if layout is not None:
        options.update(zip(("tensor", "pipeline", "expert", "attention_data_parallel"), layout))
    return frontier(name, hardware, chips, **options)


@st.cache_data(max_entries=16, show_spinner="Serving the model on every chip…")
def _by_chip(name, chips, precision, kv, prompt, gen, disaggregated, adp, experts, engine, draft="", accepted="",
             own=None, price="") -> tuple[list, list]:
    """The saturating cost on each chip with a price (its best layout); the chips left out and why. ``own`` (the
    page's chip) at ``price`` where one is typed: its bar stood at the public price beside an answer at the typed one,
    and a chip with no public price was left out of the chart with its price given."""
    rows, left = [], []
    for hw in hw_names:
        try:
            s = serve(name, hw, chips, precision=None if precision == AUTO else precision, kv_precision=kv,
                      price=price if price and hw == own else None,
                      input_tokens=prompt, output_tokens=gen,
                      disaggregated=disaggregated, attention_data_parallel=adp or None,
                      expert_precision=None if experts == OWN else experts, engine=None if engine == NO_ENGINE else engine,
                      draft_tokens=draft or None, accepted_tokens=accepted or None)
        except calc.InputError as exc:
            left.append(f"{hw} ({exc.message.split(';')[0]})")
            continue
        if s.usd_per_million_tokens is None:
            left.append(f"{hw} (no public price)")
            continue
        rows.append({"chip": hw, "usd": s.usd_per_million_tokens["blended"].m_as("USD/Mtoken"),
                     "per_chip": s.tokens_per_second["per_chip"].m_as("token/s/chip"),
                     "shown": f"${cents(s.usd_per_million_tokens['blended'].m_as('USD/Mtoken'))}",
                     "layout": split_said(s.layout)})  # as the answer's line says it
    return rows, left


def split_said(lay: dict) -> str:
    """A layout as the command line's first line says it: "tensor 8 × pipeline 1 (expert 8), 1 replica, attention data
    parallel" (the page left out the expert groups: DeepSeek-R1 on 8 H200 read as tensor 8 alone)."""
    expert = f" (expert {lay['expert']})" if lay.get("expert", 1) > 1 else ""
    return (f"tensor {lay['tensor']} × pipeline {lay['pipeline']}{expert}, {lay['replicas']:,} "
            f"replica{'s' * (lay['replicas'] != 1)}{', attention data parallel' if lay['attention_data_parallel'] else ''}"
            + (f", {lay['draft_tokens']} draft tokens by the MTP module, {lay['accepted_tokens']:g} emitted a step"
               if lay.get("draft_tokens") else ""))


def _weights_named() -> str:
    """The weights' format as the fields give it: the one chosen, or the default's (``load.default_precision``) for
    this model on this chip, for the lines said before an answer (the fewest chips that hold the weights)."""
    k = st.session_state
    if k["serving_precision"] != AUTO:
        return k["serving_precision"]
    return default_precision(shapes[k["serving_model"]][0], data.hardware(k["serving_hw"]))[0]


def _precision_said(s) -> str:
    """Why the weights are in their format where the default chose the checkpoint's (or the chip lacks its peak), as
    the command line's "weights fp8:" line; "" where chosen, or for a checkpoint in 16 bits."""
    note = multiplied_note(s.layout["precision"], s.hardware)  # fp4 on an H100: its 8-bit products, said
    said = [] if s.precision_basis in ("given", CHIP_BASIS) else [escape(s.precision_basis, limit=300)]
    return "" if not said and not note else f" ({'; '.join(said + ([note] if note else []))})"


def _experts_said(s) -> str:
    """The routed experts' own format and how they are multiplied, where it is not the rest's: ", experts mxfp4
    (multiplied in bf16 ..., as the A100 SXM4 80GB has no fp4 peak ...)", as the command line's "experts mxfp4:"
    line (``load.multiplied_note``); "" elsewhere."""
    ep = s.layout.get("expert_precision")
    if ep in (None, s.layout["precision"]):
        return ""
    note = multiplied_note(ep, s.hardware, experts=True)  # MXFP4 experts on an A100: their BF16 products, said
    return f", experts {ep}" + (f" ({note})" if note else "")


def _ttft_said(s) -> str:
    """Which time to first token the answer gives (calc.serve's ``ttft_basis``), the wait it holds and the step alone."""
    # "Time to first token: a closed loop of 64 clients...", as the command line's "TTFT:" line; "The time to first
    # token is requests arriving at random" did not read
    if s.queueing is None:
        return f"Time to first token: {s.ttft_basis}."
    wait = s.queueing.m_as("ms")
    return (f"Time to first token: {s.ttft_basis}; {number(wait)} ms of it waiting, the step alone "
            f"{number(s.ttft.m_as('ms') - wait)} ms.")


def _engine_said(engine) -> str:
    """The engine whose host work the answer counts, as the command line's engine line says it; "" for none."""
    if engine is None:
        return ""
    how = ("hidden behind the GPU's next step (overlap scheduler)" if engine["overlap"] else
           "in series with the GPU's step")
    said = [f"{number(engine[k])} {w}" for k, w in (("max_batch_size", "sequences"), ("max_num_tokens", "tokens per step"))
            if engine.get(k) is not None]  # the release's own defaults the answer ran at, as the command line says them
    defaults = f" Its defaults here: at most {' and '.join(said)} (data/serving_engines.csv)." if said else ""
    return (f" Serving engine: {escape(engine['name'], limit=100)}, host work "
            f"{number(engine['host_per_sequence'].m_as('us'))} µs per sequence and decode step, {how}.{defaults}")


def _matmul_said(hardware: str) -> str:
    """The chip's matmul rate where it is no measurement of its own (the documented default share), as the command
    line's "matmul rate:" line says it (``calc.serve.terms.matmul_basis``); "" for a measured chip."""
    basis = matmul_basis(hardware)
    return "" if basis["basis"] == "measured" else f" Matmul rate: {escape(basis['note'], limit=400)}."


st.title("Serving: latency, throughput and cost per token")
st.caption("Prefill is the training forward pass at the chip's matmul rate; each decode step reads the weights and "
           "every sequence's KV cache at the memory bandwidth (Pope et al. 2022; kipply's inference arithmetic). "
           "Calibrated on TensorRT-LLM's published tables of 2023-24 and MLPerf Inference v4.x (2024); see the README "
           "for how close it lands.")

def _state_options() -> dict:
    """The layout and request fields as calc.serve takes them, from the fields as seeded (before they are drawn)."""
    k = st.session_state
    return _options(k["serving_tensor"], k["serving_precision"], k["serving_kv"], k["serving_input"],
                    k["serving_output"], k["serving_disaggregated"], k["serving_adp"], k["serving_expert_precision"],
                    k["serving_engine"], k["serving_draft"], k["serving_accepted"])


def _link_tensor() -> list[str]:
    """A link's tensor size that calc.serve refuses for this model on these chips (it splits a head, does not divide
    the chips, holds no sequence): the best layout stands in for it, said as any field of a link that cannot be used."""
    k = st.session_state
    if k["serving_tensor"] == BEST or "tensor" not in session.view(PAGE):
        return []
    try:
        serve(k["serving_model"], k["serving_hw"], k["serving_chips"], **_state_options())
    except calc.InputError as exc:
        if exc.field == "tensor":
            k["serving_tensor"] = BEST
            return [f"{PAGE}.tensor: {exc.message}; the best layout is shown instead"]
    return []


def _fit_chips(problems: list[str]) -> None:
    """When the chips are the page's default (the link gives none it can use) and the model's weights do not fit on
    them, the fewest chips that hold them (calc.serve.fewest_chips), said in words above the answer."""
    k = st.session_state
    given = "chips" in session.view(PAGE) and not any(p.startswith(f"{PAGE}.chips:") for p in problems)
    if given or k["serving_tensor"] != BEST:
        return
    options = {o: v for o, v in _state_options().items() if o != "tensor"}
    try:
        need = fewest_chips(k["serving_model"], k["serving_hw"], **options)
    except calc.InputError as exc:  # another field's problem: the answer below names it
        if exc.field == "hardware":  # more chips would hold it, each layout of them over a link the chip lacks
            hw = data.hardware(k["serving_hw"])
            k["serving_chips_note"] = (k["serving_model"], k["serving_hw"], k["serving_chips"],
                                       f"{k['serving_model']} in {_weights_named()} does not fit on "
                                       f"{k['serving_chips']:,} × {k['serving_hw']} "
                                       f"({number(hw.memory.m_as('GB/chip'))} GB each), and no more of them serve it: "
                                       f"{exc.message}.")
        return
    if need is None or need <= k["serving_chips"]:
        return
    hw = data.hardware(k["serving_hw"])
    k["serving_chips_note"] = (k["serving_model"], k["serving_hw"], need,
                               f"{k['serving_model']} in {_weights_named()} does not fit on "
                               f"{k['serving_chips']:,} × {k['serving_hw']} ({number(hw.memory.m_as('GB/chip'))} GB each): "
                               f"it needs at least {need:,} (counting in powers of two), so the page uses {need:,}. "
                               "Change Chips or Weights to try another.")
    k["serving_chips"] = need


def _chip_changed() -> None:
    """A 16-bit format of the weights or the KV cache follows the chip's own (bf16 on an H100, fp16 on a V100, which has
    no bf16 peak): the page refused the V100 with the H100's bf16 KV cache still chosen."""
    k = st.session_state
    own = data.hardware(k["serving_hw"]).default_precision
    for key in ("serving_precision", "serving_kv"):
        if k[key] in ("bf16", "fp16") and own in ("bf16", "fp16"):
            k[key] = own
    k["serving_price"] = ""  # a price typed was the last chip's: the new one starts from its own public price


def _typed(*keys: str) -> bool:
    return any(str(st.session_state.get(k) or "").strip() for k in keys)


LIMIT_KEYS, RATE_KEYS = ("serving_ttft_limit", "serving_tpot_limit"), ("serving_request_rate",)
AUTO_LOAD, LOAD_SAID = "serving_load_auto", "serving_load_said"  # the load before the page chose one; what it said


def _switch_load(load: str, why: str) -> None:
    """Choose ``load`` for the user, remembering the load it replaced (the first, while the page keeps choosing), and
    say so under the fields."""
    k = st.session_state
    if k.get(AUTO_LOAD) is None:
        k[AUTO_LOAD] = k["serving_concurrency"]
    k["serving_concurrency"] = load
    k[LOAD_SAID] = (load, f"Requests in flight set to {load!r} {why}.")


def _load_chosen() -> None:
    """The load chosen by the user: kept (no field typed or cleared changes it back), and nothing said of it."""
    st.session_state[AUTO_LOAD] = st.session_state[LOAD_SAID] = None


def _link_load(problems: list[str]) -> None:
    """A link with a limit (or a rate) and no load that reads it is read as the command line reads --tpot-limit
    alone: the load 'within limits' (or 'at a request rate'). '?serving.tpot_limit=40+ms' opened in red ("choose
    it, or clear the limit"), as a limit typed used to (``_load_for``); a load the link gives is kept."""
    given = "concurrency" in session.view(PAGE) and not any(p.startswith(f"{PAGE}.concurrency:") for p in problems)
    if not given and st.session_state["serving_concurrency"] == SATURATING:
        if _typed(*LIMIT_KEYS):
            _switch_load(LIMITS, "for the link's limit")
        elif _typed(*RATE_KEYS):
            _switch_load(RATE, "for the link's rate")


def _scenario_note() -> tuple | None:
    """Where the page started from the Estimate scenario, or could not, in words with the model and chip it shows
    (as the Model shape page says it): BERT-Large's scenario (340M parameters on TPU v2) opened on Llama 3 70B on 8
    H100 with no word of why. None where the scenario names neither a model nor a chip, or the link gave both."""
    scenario, given = session.get(), session.view(PAGE)
    words = []
    if "model" not in given and scenario.get("params"):
        match = session.scenario_shape()
        if match and match[0] == st.session_state["serving_model"]:
            words.append(f"the model is your scenario's (Estimate page), {match[0]}, {match[1]}")
        elif not match:
            words.append(f"your scenario's model ({scenario['params']}) is no published shape (none within "
                         f"{session.NEAR:.0%} of its parameters): shown instead, {st.session_state['serving_model']}")
    own = scenario.get("hardware")
    if "hardware" not in given and own and own != st.session_state["serving_hw"]:
        words.append(f"your scenario's {own} has no memory bandwidth or chip-to-chip bandwidth in data/hardware.csv to "
                     f"serve on: shown instead, the {st.session_state['serving_hw']}")
    if not words:
        return None
    return (st.session_state["serving_model"], st.session_state["serving_hw"],
            "; ".join(words)[:1].upper() + "; ".join(words)[1:] + ". Choose another above.")


if "serving_model" not in st.session_state:
    st.session_state["serving_link_problems"] = _seed()
    st.session_state["serving_scenario_note"] = _scenario_note()
    _link_load(st.session_state["serving_link_problems"])
    st.session_state["serving_link_problems"] += _link_tensor()
    _fit_chips(st.session_state["serving_link_problems"])
for problem in st.session_state.get("serving_link_problems", []):  # by its label, then its key, as the Lifetime page
    key, _, why = problem.partition(": ")
    label = LABELS.get(key.removeprefix(f"{PAGE}."))
    st.warning(f"Ignored from the link: **{escape(label, limit=60)}** ({escape(key, limit=60)}): {escape(why, limit=600)}"
               if label and why else f"Ignored from the link: {escape(problem, limit=600)}")
said = st.session_state.get("serving_scenario_note")  # while the fields still show what it speaks of
if said and said[:2] == (st.session_state["serving_model"], st.session_state["serving_hw"]):
    st.caption(escape(said[2], limit=600))
note = st.session_state.get("serving_chips_note")
if note and note[:3] == (st.session_state["serving_model"], st.session_state["serving_hw"],
                         st.session_state["serving_chips"]):
    st.info(escape(note[3], limit=600))

top = st.container()  # the numbers above the fields, as on the Estimate page: a phone's first screen shows them
c1, c2, c3, c4 = st.columns(4)
name = c1.selectbox("Model", list(shapes), key="serving_model")
hardware = c2.selectbox("Accelerator", hw_names, key="serving_hw", on_change=_chip_changed)
chips = c3.number_input("Chips", min_value=1, max_value=LARGEST, step=1, key="serving_chips")
TENSORS = [BEST, "1", "2", "4", "8", "16", "32", "64"]
if st.session_state["serving_tensor"] not in TENSORS:  # a link's tensor 6 is answered (refused if it splits a head),
    TENSORS.append(st.session_state["serving_tensor"])  # never silently swapped for "best"
tensor = c4.selectbox("Tensor parallel per replica", TENSORS, key="serving_tensor",
                      help="'best': the layout with the most output tokens per second per chip")
d1, d2, d3, d4, d5 = st.columns(5)
precision = d1.selectbox("Weights", PRECISIONS, key="serving_precision",
                         format_func=lambda v: "default" if v == AUTO else v,
                         help="'default': the checkpoint's format where its config.json's quantization_config states one "
                              "and the chip has its peak (DeepSeek-R1, Kimi K2: fp8 on an H100 or H200), else the chip's "
                              "16-bit format; the answer says which. fp4 is NVFP4 (4.5 bits with its scales); w8a16 and "
                              "int4 are weight-only, multiplied in the chip's 16-bit format (w8a16: an FP8 checkpoint on "
                              "a chip with no fp8 peak, an A100, as vLLM's FP8 Marlin runs it)")
kv = d2.selectbox("KV cache", KV, key="serving_kv")
prompt = d3.number_input("Input tokens per request", min_value=1, max_value=LARGEST, step=100, key="serving_input")
gen = d4.number_input("Output tokens per request", min_value=1, max_value=LARGEST, step=100, key="serving_output")
concurrency = d5.selectbox("Requests in flight", [SATURATING, LIMITS, RATE, "1", "8", "32", "64", "128", "256",
                                                   "512", "1024"],
                           key="serving_concurrency", on_change=_load_chosen, help="'saturating': as many as the memory holds (or the serving engine's sequence limit allows), as a "
                           "throughput benchmark runs (the TTFT of the step alone); a number: a closed loop of as many "
                           "clients, each sending its next request as its last one ends (the TTFT with its wait for the "
                           "step in progress and the token budget); 'within limits': the layout and load with the most "
                           "tokens/s per chip within the latency limits below; 'at a request rate': requests arriving at "
                           "random (Poisson) at the rate below, the TTFT with its wait for the step in progress")
l1, l2, l3, l4 = st.columns(4)


def _load_for(load: str, *keys: str) -> None:
    """A limit (or a rate) typed chooses the load that reads it, as the command line reads --tpot-limit or
    --request-rate alone: where the load is still the default 'saturating', where the page chose it (a limit typed,
    then a rate: the rate was refused, "choose it, or clear the rate"), or where it waits for its own value ('within
    limits' with no limit left). A load the user chose is kept, and the clash said. When the field that chose the load
    is cleared, the load goes back to the one it replaced (or to the other field's, if that is typed): cleared, the
    page stayed on 'within limits' under "Type a ... limit" and checked no other field."""
    k = st.session_state
    now, auto = k.get("serving_concurrency"), k.get(AUTO_LOAD)
    waiting = now == LIMITS and not _typed(*LIMIT_KEYS) or now == RATE and not _typed(*RATE_KEYS)
    if _typed(*keys):
        if now != load and (now == SATURATING or waiting or auto is not None):
            _switch_load(load, "for the limit typed" if load == LIMITS else "for the rate typed")
        return
    own = LIMIT_KEYS if load == LIMITS else RATE_KEYS
    if auto is None or now != load or _typed(*own):  # chosen by the user, or another of its fields still typed
        return
    other, other_keys = (RATE, RATE_KEYS) if load == LIMITS else (LIMITS, LIMIT_KEYS)
    if _typed(*other_keys):
        _switch_load(other, "for the rate typed" if other == RATE else "for the limit typed")
        return
    k["serving_concurrency"], k[AUTO_LOAD] = auto, None
    k[LOAD_SAID] = (auto, f"Requests in flight back to {auto!r}: the "
                          f"{'limit' if load == LIMITS else 'rate'} that chose {load!r} was cleared.")


ttft_limit = l1.text_input("Time-to-first-token limit", key="serving_ttft_limit", placeholder="e.g. 2 s",
                           help="With 'within limits': a time with its unit; empty for none",
                           on_change=_load_for, args=(LIMITS, "serving_ttft_limit"))
tpot_limit = l2.text_input("Time-per-output-token limit", key="serving_tpot_limit", placeholder="e.g. 40 ms",
                           help="With 'within limits': a time with its unit; empty for none",
                           on_change=_load_for, args=(LIMITS, "serving_tpot_limit"))
statistic = l3.selectbox("The limits bound", list(percentiles.STATISTICS), key="serving_limit_statistic",
                         format_func={"p99": "p99 (as MLPerf)", "mean": "the mean"}.get,
                         help="p99: the modelled means times the p99/mean of MLPerf Inference v4.x Server runs "
                              f"(TTFT {TAILS['ttft']:.2f}x, TPOT {TAILS['tpot']:.2f}x); mean: the modelled steady-state "
                              "means themselves")
request_rate = l4.text_input("Request rate", key="serving_request_rate", placeholder="e.g. 4/s",
                             help="With 'at a request rate': requests arriving per second (4/s, 240/min); empty for none",
                             on_change=_load_for, args=(RATE, "serving_request_rate"))
e1, e2, e3, e4, e5 = st.columns([1, 1.25, 0.95, 0.95, 0.95])  # "Attention data parallel" whole at 1,400 px
disaggregated = e1.checkbox("Disaggregated prefill", key="serving_disaggregated",
                            help="Prefill on chips of its own (Splitwise, DistServe; DeepSeek's V3/R1 service): the chips "
                                 "above decode only, and the throughput is per decode chip; the prefill chips' time is "
                                 "charged to each input token. The time to first token counts no wait for the prefill "
                                 "chips (their number is not given)")
adp = e2.checkbox("Attention data parallel", key="serving_adp",
                  help="Mixture-of-experts models only: attention replicated on each chip beside expert-parallel "
                       "layers (as DeepSeek and TensorRT-LLM serve DeepSeek-R1); each chip holds its own sequences' "
                       "KV cache. Off with the tensor size 'best': the search tries each layout with it and without")
experts = e3.selectbox("Expert weights", EXPERT_PRECISIONS, key="serving_expert_precision",
                       format_func=lambda v: "as the model" if v == OWN else v,
                       help="Mixture-of-experts models only: the routed experts' format. 'as the model': the published "
                            "checkpoint's (GPT-OSS: MXFP4, 4.25 bits; the rest at the weights above), else the weights "
                            "above. fp4 is NVFP4 (4.5 bits with its scales)")
engine = e4.selectbox("Serving engine", ENGINES, key="serving_engine",
                      format_func=lambda v: "none counted" if v == NO_ENGINE else v,
                      help="The engine whose host (CPU) work per sequence and decode step is counted, as measured or "
                           "fitted (data/serving_host.csv): TensorRT-LLM's PyTorch backend hides it behind the GPU's next "
                           "step, its C++ executor and vLLM V1 add it. 'none counted': the GPU's time alone")
price = e5.text_input("Price per chip-hour", key="serving_price", placeholder="e.g. 6 USD/chip/hour",
                      help="USD per chip-hour of the accelerator above (6 USD/chip/hour, $2/GPU/hour, or 14 USD/h/node "
                           "for a node of the chip's server size); empty: the big cloud listing it cheapest on demand "
                           "(data/prices.csv). A chip with no public price asks for it")
g1, g2, _ = st.columns([1, 1, 3])
draft = g1.text_input("Draft tokens (MTP)", key="serving_draft", placeholder="e.g. 3",
                      help="Speculative decoding with the model's multi-token prediction module (DeepSeek-V3/R1): draft "
                           "tokens a decode step; each step verifies them and the model's own token in one pass and "
                           "drafts the next ones with the module, whose weights and KV cache are held too. Empty: none. "
                           "A model without the module is refused (a separate draft model is not modelled)")
accepted = g2.text_input("Tokens emitted a step", key="serving_accepted", placeholder="e.g. 2.8",
                         help="With draft tokens: the mean tokens a sequence emits a step, 1 to the draft tokens + 1, "
                              "as measured or stated (TensorRT-LLM's DeepSeek-R1 on 8 B200: 2.82 with 3 draft tokens, "
                              "tech blog 1); never estimated here")
session.keep(PAGE, {n: _text(kind, st.session_state[key]) for n, (key, kind) in FIELDS.items()})

args = (name, hardware, int(chips), tensor, precision, kv, int(prompt), int(gen), bool(disaggregated), bool(adp),
        experts, engine, draft.strip(), accepted.strip())
loaded = st.session_state.get(LOAD_SAID)
if loaded and loaded[0] == concurrency:  # the load the page chose (or went back to), said while it stands
    (l4 if loaded[0] == RATE else l1).caption(loaded[1])  # the page's own words, no field's text


def _said(problems: list[calc.InputError]) -> str:
    """Errors as Markdown, each field named by this page's label (calc.serve names its parameters): one alone as a
    line, several as a list, as the Estimate page lists its fields."""
    lines = []
    for exc in problems:
        where = LABELS.get(exc.field)
        said = _in_labels(exc.message if where else str(exc))
        lines.append(f"**{where}**: {escape(said, limit=600)}" if where else escape(said, limit=600))
    return lines[0] if len(lines) == 1 else f"{len(lines)} fields do not read:\n" + "\n".join(f"- {x}" for x in lines)


limits = (ttft_limit.strip(), tpot_limit.strip(), statistic)
problems = _field_problems(name, hardware, concurrency, ttft_limit.strip(), tpot_limit.strip(), request_rate.strip(),
                           price.strip(), draft.strip(), accepted.strip())
if problems:  # every field that does not read, at once
    top.error(_said(problems))
    st.stop()
# the choice made, its value not typed yet: a line asking for it, not a red error before the user could type it; the
# other fields still checked, by the saturating answer (a price of -3 typed meanwhile was never said)
if concurrency == LIMITS and not (limits[0] or limits[1]) or concurrency == RATE and not request_rate.strip():
    top.info("Type a time-to-first-token or time-per-output-token limit below (such as 40 ms): the page then "
             "finds the layout and load with the most tokens/s per chip within it." if concurrency == LIMITS else
             "Type a request rate below (such as 4/s): the page then gives the latencies of requests arriving "
             "at that rate.")
    try:
        _answer(*args, SATURATING, ("", "", statistic), "", price.strip())
    except calc.InputError as exc:
        top.error(_said([exc]))
    st.stop()
try:
    s = _answer(*args, concurrency, limits, request_rate.strip(), price.strip())
except calc.InputError as exc:  # named by the field's label on this page, not by calc.serve's parameter name
    top.error(_said([exc]))
    st.stop()

context_note = shapes[name][0].sequence_note(int(prompt) + int(gen), "input + output tokens of a request")
if context_note:  # answered, and said, as at the command line (calc serve)
    top.warning(escape(context_note, limit=400))
m1, m2, m3, m4, m5 = top.columns(5)
m1.metric("Time to first token", f"{number(s.ttft.m_as('ms'))} ms",
          help=f"Prefill limited by {s.limited_by['prefill']}. {_ttft_said(s)}")
tpot_shown, tpot_cause = tpot_said(s)  # "none" with one output token; the prompt processing where it fills the step
m2.metric("Time per output token", tpot_shown, help=tpot_cause[:1].upper() + tpot_cause[1:])
m3.metric("Tokens/s per decode chip" if s.layout["disaggregated"] else "Output tokens/s per chip",  # a fifth of 1440 px
          number(s.tokens_per_second["per_chip"].m_as("token/s/chip")),
          help="Output tokens per second per decode chip: the prefill chips are not counted (their time is charged "
               "to each input token)" if s.layout["disaggregated"] else None)
m4.metric("Tokens/s per user", number(s.tokens_per_second_per_user.m_as("token/s")))
if s.usd_per_million_tokens is None:
    m5.metric("$ per million tokens", "no price")
else:
    m5.metric("$ per million tokens (3:1)", f"${cents(s.usd_per_million_tokens['blended'].m_as('USD/Mtoken'))}",
              help="3 input tokens to 1 output token, at the chip-hour price below")
lay = s.layout
usd = s.usd_per_million_tokens


def _held_said(s) -> str:
    """The most sequences in flight and what holds them: the memory, or the serving engine's sequences per
    micro-batch (calc.serve's limited_by['max_concurrency'])."""
    by = s.limited_by.get("max_concurrency", "memory capacity (KV cache)")
    if by.startswith("memory"):
        return f"the memory holds {s.max_concurrency:,}"
    return f"at most {s.max_concurrency:,}: {escape(by)}, below what the memory holds"


def _in_flight_said(s) -> str:
    """The requests in flight: under a rate Little's law's mean unrounded (0.001 requests/s read "1 requests in flight
    on average"), singular at one."""
    n = s.concurrency if s.mean_in_flight is None else s.mean_in_flight
    said = f"{number(n)} request{'s' * (number(n) != '1')} in flight"
    if s.request_rate is None:
        return said
    return f"{said} on average at {counted(s.request_rate.m_as('1/s'), 'request')}/s (Little's law)"


energy = s.energy_per_token
st.markdown(
    f"**{escape(s.model)}** on {s.chips:,} × {escape(s.hardware)}: {split_said(lay)}"
    f"{', prefill on chips of its own (these decode only)' if lay['disaggregated'] else ''}, "
    f"weights {lay['precision']}{_precision_said(s)}"
    f"{_experts_said(s)}, "
    f"KV cache {lay['kv_precision']} "
    f"({number(s.kv_cache_per_token.m_as('kB/token'))} kB per token). {_in_flight_said(s)}; "
    f"{_held_said(s)}. {_ttft_said(s)} Prefill is limited by {s.limited_by['prefill']}; time per output token: "
    f"{escape(tpot_cause, limit=400)}."
    f"{'' if s.limited_by['layout'] == 'given' else ' The layout: ' + escape(s.limited_by['layout'], limit=600) + '.'}"
    f"{_engine_said(s.engine)}{_matmul_said(s.hardware)}")
if s.limits is not None:
    lim = s.limits
    bound = ", ".join(f"{label} ≤ {number(lim[k].m_as('ms'))} ms" for k, label in
                      (("ttft_limit", "TTFT"), ("tpot_limit", "TPOT")) if lim[k] is not None)
    r = {k: v.m_as("") for k, v in lim["p99_over_mean"].items()}
    st.markdown(f"Limits on the {'p99s' if lim['statistic'] == 'p99' else 'means'}: {bound}. The means above imply "
                f"a p99 TTFT of about {number(lim['ttft_p99'].m_as('ms'))} ms and a p99 TPOT of about "
                f"{number(lim['tpot_p99'].m_as('ms'))} ms (× {r['ttft']:.2f} and × {r['tpot']:.2f}, the median "
                "p99/mean of MLPerf Inference v4.x Server runs).")
if usd is not None:
    st.markdown(f"Input \\${cents(usd['input'].m_as('USD/Mtoken'))}, output "
                f"\\${cents(usd['output'].m_as('USD/Mtoken'))} per million tokens: {escape(s.usd_basis, limit=400)}. Price: "
                + (f"{escape(price.strip(), limit=60)}, from the Price per chip-hour field" if s.price_basis == "given"
                   else escape(s.price_basis, limit=600)) + ".")  # "given" alone said neither the price nor where
else:  # said with this page's field, not the Estimate page's (which this page does not read) or the flags
    st.info(f"No public rental price for the {escape(s.hardware)}: no cloud in data/prices.csv lists it. Give its price "
            "in the Price per chip-hour field above (e.g. 6 USD/chip/hour) for the dollars per million tokens.")
def _mass(per_token) -> str:
    """A token's emissions in mg, g or kg, whichever reads below a thousand: a request a million seconds apart read
    '360,367 mg' (fresh19)."""
    for unit in ("mg", "g"):
        if per_token.m_as(f"{unit}/token") < 1000:
            return f"{number(per_token.m_as(f'{unit}/token'))} {unit}"
    return f"{number(per_token.m_as('kg/token'))} kg"


if energy is not None:
    st.markdown(f"Energy per token: {number(energy['input'].m_as('J/token'))} J input, "
                f"{number(energy['output'].m_as('J/token'))} J output (power at the chip's load in each phase, "
                f"not its TDP; PUE included), {_mass(s.emissions_per_token['blended'])} CO2e "
                "per token blended.")

left, right = st.columns(2)
with left:
    st.markdown("**Throughput against speed per user** (each point a number of requests in flight)")
    f = _curve(*args, layout=(lay["tensor"], lay["pipeline"], lay["expert"], lay["attention_data_parallel"]))
    points = pd.DataFrame({
        "per_user": f.tokens_per_second_per_user.m_as("token/s"), "per_chip": f.tokens_per_second_per_chip.m_as("token/s/chip"),
        "in_flight": [f"{int(c):,}" for c in f.concurrency], "tpot": ["none"] * len(f.concurrency) if f.tpot is None else [f"{number(x)} ms" for x in f.tpot.m_as("ms")],
        "ttft": [f"{number(x)} ms" for x in f.ttft.m_as("ms")],
        "ttft_loop": [f"{number(x)} ms" for x in f.ttft_closed_loop.m_as("ms")]})
    here = pd.DataFrame({"per_user": [s.tokens_per_second_per_user.m_as("token/s")],
                         "per_chip": [s.tokens_per_second["per_chip"].m_as("token/s/chip")],
                         "in_flight": [f"{s.concurrency:,}"], "tpot": [tpot_shown],
                         "ttft": [f"{number(s.ttft.m_as('ms'))} ms"]})
    # the red point's tip in words, as the curve's: Streamlit's theme tips every mark, and bare it showed the raw
    # columns ("per_user 34.0277159906"); its TTFT said as the answer gives it ("the step alone", "a closed loop of 64")
    short_basis = re.split(r"[,:]", s.ttft_basis)[0]
    here_tips = [alt.Tooltip("in_flight:N", title="The answer above: requests in flight"),
                 alt.Tooltip("tpot:N", title="Time per output token"),
                 alt.Tooltip("ttft:N", title=f"Time to first token ({short_basis})")]
    tips = [alt.Tooltip("in_flight:N", title="Requests in flight"), alt.Tooltip("tpot:N", title="Time per output token"),
            alt.Tooltip("ttft:N", title="Time to first token (the step alone)"),
            alt.Tooltip("ttft_loop:N", title="Time to first token (a closed loop of as many clients)")]
    base = alt.Chart(points).encode(
        x=alt.X("per_user:Q", scale=alt.Scale(zero=False), axis=plain_axis("Output tokens/s per user")),
        y=alt.Y("per_chip:Q", scale=alt.Scale(type="log"), axis=plain_axis("Output tokens/s per chip", log=True)))
    chart = (base.mark_line() + base.mark_circle(size=30).encode(tooltip=tips)
             + alt.Chart(here).mark_point(size=160, color="#d62728", filled=True).encode(x="per_user:Q", y="per_chip:Q",
                                                                                         tooltip=here_tips))
    st.altair_chart(chart.properties(height=HEIGHT), width="stretch")
    st.caption(f"{split_said(f.layout)[:1].upper()}{split_said(f.layout)[1:]}; the "  # as the answer says it (experts, attention data parallel)
               "red point is the answer above. Each point's time to first token (in its tip) is "
               f"{escape(f.ttft_basis, limit=300)}; and {escape(f.ttft_closed_loop_basis, limit=300)}.")
    peak = past_the_peak(f, s)  # where fewer sequences than the saturating answer's serve more: said, as the CLI does
    if peak:
        st.caption(f"Past the peak: {escape(peak, limit=400)}.")
with right:
    typed = price.strip()
    st.markdown(f"**\\$ per million tokens by chip** ({int(chips):,} chip{'s' * (int(chips) != 1)}, each at its best "
                "layout, saturating" + (f"; the {escape(hardware)} at the price typed, the others at their public "
                                        "price)" if typed else ")"))
    rows, missing = _by_chip(name, int(chips), precision, kv, int(prompt), int(gen), bool(disaggregated), bool(adp),
                             experts, engine, draft.strip(), accepted.strip(), hardware if typed else None, typed)
    if rows:
        bars = alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
            x=alt.X("usd:Q", axis=plain_axis("$ per million tokens (3 input : 1 output)")),
            y=alt.Y("chip:N", sort="x", title=None, axis=alt.Axis(labelLimit=0, labelOverlap=False)),
            color=alt.condition(alt.datum.chip == hardware, alt.value("#d62728"), alt.value("#4c78a8")),
            tooltip=[alt.Tooltip("chip:N", title="Chip"), alt.Tooltip("shown:N", title="$ per million tokens"),
                     alt.Tooltip("layout:N", title="Layout")])
        st.altair_chart(bars.properties(height=max(HEIGHT, 30 * len(rows))), width="stretch")  # a label a bar
    if missing:  # each chip and its reason in full, folded: a caption of 20 reasons was cut at 600 characters
        priced = sum(m.endswith("(no public price)") for m in missing)
        with st.expander(f"Left out: {len(missing)} chip{'s' * (len(missing) != 1)}"
                         + (f" ({priced} with no public price)" if priced else "")):
            st.markdown("\n".join(f"- {escape(m, limit=400)}" for m in missing))
