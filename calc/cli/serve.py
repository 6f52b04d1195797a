"""The command ``serve``: serving latency, throughput, dollars per million tokens and energy per token, the
throughput-latency frontier, or a calibration to the user's own measurements."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from calc.cli.flags import (
    _chip_flags,
    _config_flag,
    _tokens,
    _whole,
    either_flag,
    served_formats,
    served_precision_help,
)
from calc.errors import InputError

WORDS = ("calibrate",)  # the words ``serve`` takes before its flags
_DEFAULTS: dict = {}  # each flag's default, by its dest: what calibrate, which reads only --file and --json, was given


def _serve_parser(sub) -> None:
    se = sub.add_parser("serve", help="serving latency, throughput, $ per million tokens and energy per token "
                                      "(or: serve calibrate --file rows.csv)",
                        description="With none of --concurrency, --batch, --request-rate, --ttft-limit or --tpot-limit: "
                                    "the saturating throughput at the most sequences the memory holds, as a throughput "
                                    "benchmark runs, its TTFT the step alone (no wait for a step in progress or for the "
                                    "token budget); --concurrency C is a closed loop of C clients, its TTFT with that "
                                    "wait. Each answer says which TTFT it gives (ttft_basis in --json).")
    # The word's choices are checked by calc.cli.main (WORDS), not argparse: a misspelt flag's value ("--hardwre
    # 'H100 SXM5'") lands here, and is then said with the flag it followed, not as a wrong word.
    se.add_argument("action", nargs="?", metavar="calibrate",
                    help="calibrate: fit the serving efficiencies to your own measurements (--file)")
    se.set_defaults(words=WORDS)
    se.add_argument("--model", help="a shape of data/architectures.csv")
    _config_flag(se)
    _chip_flags(se, precision=False)
    se.add_argument("--chips", metavar="N", help="chips in all (replicas of tensor x pipeline chips; default 1)")
    for flag, metavar, help_ in (
            ("--tensor", "T", "tensor-parallel chips per replica (default: the best layout)"),
            ("--expert", "E", "expert-parallel groups inside the tensor-parallel chips"),
            ("--concurrency", "C", "sequences in flight, all replicas: a closed loop of C clients, each sending its "
                                   "next request as its last one ends (continuous batching; the TTFT with the wait for "
                                   "the step in progress and the token budget)"),
            ("--batch", "B", "one static batch of sequences"),
            ("--window", "TOKENS", "sliding-window attention: tokens each windowed layer keeps"),
            ("--window-layers", "N", "layers with the window (default: all)"),
            ("--points", "N", "concurrencies on the --frontier (default 64)")):
        se.add_argument(flag, type=_whole, metavar=metavar, help=help_)
    se.add_argument("--pipeline", type=_whole, default=None, metavar="P",
                    help="pipeline stages per replica (default: 1 where --tensor is given, else the best split)")
    either_flag(se, "--attention-data-parallel", "attention replicated on each chip beside expert-parallel MoE "
                "layers (default: without --tensor, a mixture of experts' layouts are tried with it and without; "
                "--no-attention-data-parallel: attention tensor parallel only)")
    se.add_argument("--disaggregated", action="store_true",
                    help="prefill on chips of its own: --chips decode only, tokens/s per decode chip; "
                         "its TTFT counts no wait for the prefill chips (their number is not given)")
    se.add_argument("--precision", metavar="FORMAT", help=served_precision_help())
    se.add_argument("--expert-precision", metavar="FORMAT", help="the routed experts' weights, one of the same (default: the model's "
                    "own, GPT-OSS: mxfp4 as its checkpoint; else --precision)")
    se.add_argument("--kv-precision", metavar="FORMAT", help=f"KV cache: {served_formats(kv=True)} (default 16-bit)")
    se.add_argument("--engine", metavar="NAME", help='the serving engine, for its host work per sequence and step (data/serving_host.csv), '
                    'e.g. "TensorRT-LLM 1.0", "vllm 0.11.0", "sglang v0.5.3", on the chips its builds run on '
                    '(data/serving_engine_chips.csv), at its release\'s own defaults where listed (data/serving_engines.csv: '
                    'vLLM\'s max_num_seqs, SGLang\'s chunked_prefill_size) (default: none counted)')
    se.add_argument("--draft-tokens", metavar="K", help="speculative decoding with the model's multi-token prediction "
                    "module (DeepSeek-V3/R1): K draft tokens a step (default none; a model without the module is refused: "
                    "a separate draft model is not modelled)")
    se.add_argument("--accepted-tokens", metavar="A", help="with --draft-tokens: the mean tokens a sequence emits a step, "
                    "1 <= A <= K + 1, as measured or stated (e.g. 2.8 for MTP 3 on DeepSeek-R1, TensorRT-LLM tech blog 1)")
    se.add_argument("--input-tokens", type=_tokens, default=1000, metavar="N", help="prompt tokens per request (default 1000)")
    se.add_argument("--output-tokens", type=_tokens, default=1000, metavar="N", help="generated tokens per request (default 1000)")
    se.add_argument("--request-rate", metavar="RATE", help='requests arriving per second, open-loop (Poisson, as a serving '
                    'benchmark\'s --request-rate), e.g. 4 or "240/min": the TTFT with its queueing, the load by '
                    "Little's law")
    se.add_argument("--ttft-limit", metavar="TIME", help='time-to-first-token limit, e.g. "2 s"')
    se.add_argument("--tpot-limit", metavar="TIME", help='time-per-output-token limit, e.g. "40 ms"')
    se.add_argument("--limit-statistic", metavar="STAT", help="what the limits bound: p99 (default, as MLPerf's "
                    "Server scenario: the modelled means x p99/mean of MLPerf v4.x Server runs) or mean")
    se.add_argument("--price", metavar="VALUE", help="USD per chip-hour, or per node (\"14 USD/h/node\": divided by "
                                                    "the hardware's server size); default: the training default, "
                                                    "data/prices.csv")
    se.add_argument("--pue", metavar="VALUE", help="data-centre PUE (default data/defaults.csv)")
    se.add_argument("--carbon-intensity", metavar="VALUE", help="kg CO2e per kWh (default data/defaults.csv)")
    se.add_argument("--frontier", action="store_true", help="list the throughput-latency curve over concurrencies, "
                    "from one sequence per replica to the most the memory holds (the TTFT of the step alone and of a "
                    "closed loop of as many clients)")
    se.add_argument("--file", metavar="FILE", help="with calibrate: a CSV of your measurements (see calc.serve.calibration)")
    se.add_argument("--json", action="store_true", help="print JSON instead of a table")
    _DEFAULTS.update({a.dest: a.default for a in se._actions if a.option_strings and a.dest != "help"})


def _serve(args) -> int:
    """serve: one serving answer, the frontier, or a calibration to the user's rows."""
    from calc.architecture import Transformer
    from calc.display import cents, counted, number
    from calc.serve import FRONTIER_POINTS, frontier, past_the_peak, serve, tpot_said
    from calc.serve.terms import matmul_basis

    if args.action == "calibrate":
        from calc.serve import calibration

        if args.file is None:
            raise InputError("file", "required with calibrate: a CSV of your measurements, e.g. --file rows.csv")
        unread = [k for k, v in _DEFAULTS.items() if k not in ("file", "json") and getattr(args, k) != v]
        if unread:  # said, never dropped: each row of the file names its own model, chip and load
            raise InputError(unread[0], "not read by calibrate, which fits to the rows of --file (each names its "
                                        "model, chip and load); leave it out, or drop calibrate to serve one model")
        fit = calibration.calibrate(args.file, progress=_fit_progress)
        if args.json:
            print(json.dumps(fit.to_dict(), indent=2))
        else:
            print(_calibration_text(fit))
        return 0
    if args.file is not None:  # read only by calibrate: said, never dropped
        raise InputError("file", "only used with calibrate (python -m calc serve calibrate --file rows.csv); give "
                                 "calibrate, or leave --file out")
    if args.points is not None and not args.frontier:
        raise InputError("points", "only used with --frontier (the points of the curve); give --frontier, or leave "
                                   "--points out")
    if args.config and args.model:
        raise InputError("config", "give --config FILE or --model NAME, not both")
    model = Transformer.from_config(args.config) if args.config else args.model
    if model is None:
        raise InputError("model", "give --model NAME or --config FILE")
    if args.hardware is None:
        raise InputError("hardware", 'required: an accelerator of data/hardware.csv, e.g. --hardware "H100 SXM5"')
    options = dict(tensor=args.tensor, pipeline=args.pipeline, expert=args.expert,
                   attention_data_parallel=args.attention_data_parallel, precision=args.precision,
                   expert_precision=args.expert_precision, kv_precision=args.kv_precision, input_tokens=args.input_tokens, output_tokens=args.output_tokens,
                   window=args.window, window_layers=args.window_layers, price=args.price, pue=args.pue,
                   carbon_intensity=args.carbon_intensity, disaggregated=args.disaggregated, engine=args.engine,
                   draft_tokens=args.draft_tokens, accepted_tokens=args.accepted_tokens)
    unsaid = args.chips is None  # one chip, the default: where it cannot hold the model, the fewest that can are said
    args.chips = 1 if unsaid else args.chips
    if args.frontier:
        load = {"concurrency": args.concurrency, "batch": args.batch, "request_rate": args.request_rate,
                "ttft_limit": args.ttft_limit,
                "tpot_limit": args.tpot_limit, "limit_statistic": args.limit_statistic}
        options.update({k: v for k, v in load.items() if v is not None})
        f = frontier(model, args.hardware, args.chips, points=FRONTIER_POINTS if args.points is None else args.points,
                     **options)
        warnings = _warnings(model, f.model, f.chips, args)
        if args.points is not None and len(f.concurrency) < args.points:  # fewer than asked: said, never a silent cap
            cap = (f.engine or {}).get("max_batch_size")  # the engine's sequences per micro-batch may hold fewer
            held = "the memory holds" if cap is None else \
                f"in flight at most (what the memory holds, or the engine's limit of {cap:,} sequences per micro-batch)"
            warnings.append(f"points: {len(f.concurrency):,} of the {args.points:,} asked: every concurrency from "
                            f"{int(f.concurrency[0]):,} to the {int(f.concurrency[-1]):,} {held}")
        if args.json:  # the warnings as estimate --json carries them: in the answer, not on stderr
            print(json.dumps({**_named(f.to_dict(), args), "matmul_rate": matmul_basis(f.hardware),
                              "warnings": warnings}, indent=2))
            return 0
        for w in warnings:  # said as the single answer says it: the frontier of a request past the context was silent
            print(f"warning: {w}", file=sys.stderr)
        lay = f.layout
        print(f"{_model_name(f.model, args)} on {number(f.chips)} x {f.hardware}: tensor {lay['tensor']} x pipeline {lay['pipeline']}{_expert(lay)}, {number(lay['replicas'])} "
              f"replica{'s' * (lay['replicas'] != 1)}{_layout_extras(lay)}, weights {_weights_text(lay)}, KV cache {lay['kv_precision']}")
        _precision_line(f.layout, f.precision_basis, f.hardware)
        if f.engine is not None:
            print("  " + _engine_text(f.engine))
        _matmul_line(f.hardware)
        print(f"  TTFT step: {f.ttft_basis}")
        print(f"  TTFT loop: {f.ttft_closed_loop_basis}")
        if f.tpot_note is not None:
            print(f"  TPOT: {f.tpot_note}")
        print(f"{'concurrency':>12}{'TTFT step (ms)':>16}{'TTFT loop (ms)':>16}{'TPOT (ms)':>12}{'tokens/s per user':>19}"
              f"{'tokens/s per chip':>19}")
        for i, c in enumerate(f.concurrency):
            print(f"{number(c):>12}{number(f.ttft.m_as('ms')[i]):>16}{number(f.ttft_closed_loop.m_as('ms')[i]):>16}"
                  f"{'none' if f.tpot is None else number(f.tpot.m_as('ms')[i]):>12}"
                  f"{number(f.tokens_per_second_per_user.m_as('token/s')[i]):>19}"
                  f"{number(f.tokens_per_second_per_chip.m_as('token/s/chip')[i]):>19}")
        return 0
    load = dict(concurrency=args.concurrency, batch=args.batch, request_rate=args.request_rate,
                ttft_limit=args.ttft_limit, tpot_limit=args.tpot_limit, limit_statistic=args.limit_statistic)
    try:
        s = serve(model, args.hardware, args.chips, **load, **options)
    except InputError as exc:
        if not unsaid or exc.field != "chips":
            raise
        raise InputError("chips", f"{exc.message} (--chips not given: one chip){_fewest_chips(model, args, load, options)}"
                         ) from None
    warnings = _warnings(model, s.model, s.chips, args)
    peak = None
    if s.mode == "saturating":  # the frontier of the same layout: said where fewer sequences serve more
        lay_ = {k: s.layout[k] for k in ("tensor", "pipeline", "expert", "attention_data_parallel")}
        peak = past_the_peak(frontier(model, args.hardware, args.chips, **{**options, **lay_}), s)
        warnings += [f"saturation: {peak}"] if peak else []
    if args.json:  # the warnings as estimate --json carries them: in the answer, not on stderr
        print(json.dumps({**_named(s.to_dict(), args), "matmul_rate": matmul_basis(s.hardware),
                          "warnings": warnings}, indent=2))
        return 0
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    lay = s.layout
    print(f"{_model_name(s.model, args)} on {number(s.chips)} x {s.hardware}: tensor {lay['tensor']} x pipeline {lay['pipeline']}"
          f"{_expert(lay)}, {number(lay['replicas'])} replica{'s' * (lay['replicas'] != 1)}{_layout_extras(lay)}, weights {_weights_text(lay)}, "
          f"KV cache {lay['kv_precision']}")
    _precision_line(lay, s.precision_basis, s.hardware)
    if s.limited_by["layout"] != "given":
        print(f"  layout: {s.limited_by['layout']}")
    _matmul_line(s.hardware)
    if s.engine is not None:
        print("  " + _engine_text(s.engine))
    if s.mode == "limits":  # the load found, and the rate of requests arriving at random that makes it
        print(f"  limits: {counted(s.concurrency, 'sequence')} in flight on average, at {counted(s.request_rate.m_as('1/s'), 'request')}"
              f"/s arriving at random ({_held(s)})")
    elif s.request_rate is not None:
        m = s.mean_in_flight if s.mean_in_flight is not None else s.concurrency
        print(f"  request rate: {counted(s.request_rate.m_as('1/s'), 'request')}/s, {counted(m, 'sequence')} "
              f"in flight on average (Little's law: the rate x a request's time from arrival to its last token; "
              f"{_held(s)})")
    else:
        print(f"  {s.mode}: {counted(s.concurrency, 'sequence')} in flight ({_held(s)})")
    print(f"  time to first token      {number(s.ttft.m_as('ms'))} ms   (prefill limited by {s.limited_by['prefill']})")
    print(f"    {_ttft_text(s)}")
    tpot, cause = tpot_said(s)  # none with one output token; the prompt processing where it takes most of a step
    print(f"  time per output token    {tpot}   ({cause})")
    if s.limits is not None:
        print("  " + _limits_text(s.limits))
    print(f"  output tokens/s          {number(s.tokens_per_second['total'].m_as('token/s'))} "
          f"({number(s.tokens_per_second['per_chip'].m_as('token/s/chip'))} per chip, "
          f"{number(s.tokens_per_second_per_user.m_as('token/s'))} per user)")
    print(f"  KV cache per token       {number(s.kv_cache_per_token.m_as('kB/token'))} kB")
    if s.usd_per_million_tokens is None:
        print(f"  $ per million tokens     unknown: {s.price_basis}")
    else:
        u = {k: v.m_as("USD/Mtoken") for k, v in s.usd_per_million_tokens.items()}
        print(f"  $ per million tokens     ${cents(u['input'])} input, ${cents(u['output'])} output, "
              f"${cents(u['blended'])} blended 3:1")
        print(f"    basis: {s.usd_basis}")
        print(f"    price: {_price_said(s, args)}")
    if s.energy_per_token is not None:
        e = {k: v.m_as("J/token") for k, v in s.energy_per_token.items()}
        print(f"  energy per token         {number(e['input'])} J input, {number(e['output'])} J output "
              f"(power at the chip's load, not its TDP)")
    if s.emissions_per_token is not None:  # the JSON's emissions_per_token, said here too
        g = {k: v.m_as("mg/token") for k, v in s.emissions_per_token.items()}
        print(f"  CO2e per token           {number(g['input'])} mg input, {number(g['output'])} mg output "
              f"(with the PUE and grid carbon intensity of data/defaults.csv unless given)")
    return 0


def _price_said(s, args) -> str:
    """Where the chip-hour price comes from, with the price itself where --price gave it per chip ("price: given" said
    neither; a price per node already says its figure and server)."""
    if s.price_basis != "given":
        return s.price_basis
    from calc.display import cents
    from calc.prices import read_price

    q, _ = read_price(args.price, s.hardware)
    return f"given (--price), ${cents(q.m_as('USD/chip/hour'))} per chip-hour"


def _ttft_text(s) -> str:
    """Which TTFT the answer gives (``Serving.ttft_basis``), with the wait it holds and the step alone beside it, or
    where the closed loop's wait is told (the saturating answer and the frontier give the step alone)."""
    from calc.display import number

    if s.queueing is None:
        more = (f"; --concurrency {s.concurrency} gives a closed loop's, with its wait" if s.mode == "saturating" else "")
        return f"TTFT: {s.ttft_basis}{more}"
    wait, alone = s.queueing.m_as("ms"), s.ttft.m_as("ms") - s.queueing.m_as("ms")
    same = " (as --frontier's TTFT step and the saturating answer give it)" if s.mode == "concurrency" else ""
    return f"TTFT: {s.ttft_basis}; {number(wait)} ms of it waiting, the step alone {number(alone)} ms{same}"


def _matmul_line(hardware: str) -> None:
    """The chip's matmul rate where it is not its own measurement (the documented default share), said in the answer as
    --json says it under "matmul_rate" (``calc.serve.terms.matmul_basis``); nothing for a measured chip."""
    from calc.serve.terms import matmul_basis

    basis = matmul_basis(hardware)
    if basis["basis"] != "measured":
        print(f"  matmul rate: {basis['note']}")


def _fewest_chips(model, args, load, options) -> str:
    """'; --chips N serves it', the fewest chips in powers of two up to a few nodes that serve the run (Llama 3 70B in
    bf16 on H100: 2), or nothing where none does: serve --model "Llama 3 70B" --hardware "H100 SXM5" refused one chip
    and said only 'give more chips'."""
    from calc.serve import serve

    for chips in (2, 4, 8, 16, 32, 64):
        try:
            serve(model, args.hardware, chips, **load, **options)
        except InputError:
            continue
        return f"; --chips {chips} serves it"
    return ""


def _warnings(model, name: str, chips, args) -> list[str]:
    """What serve says of a likely slip, as estimate's ``warnings``: a request past the model's context (answered, and
    said, as step and params say a long sequence) and a chip count far beyond any cluster on record (two million H100
    were served without a word). The text mode prints each on stderr; --json carries the list under "warnings"."""
    from calc.estimate.suspicious import chips_note

    return [n for n in (_context_note(model, name, args), chips_note(chips)) if n]


def _context_note(model, name: str, args) -> str | None:
    """The shape's warning for a request (input + output tokens) past its context, else None."""
    from calc.architecture import Transformer, published

    shape = model if isinstance(model, Transformer) else published().get(name, (None,))[0]
    return None if shape is None else shape.sequence_note(args.input_tokens + args.output_tokens,
                                                          "input + output tokens of a request")


def _model_name(name: str, args) -> str:
    """The model as the user named it: a --config's file name where calc.serve says "custom" (a shape it does not
    publish), as the Model shape page names an upload."""
    # calc.serve names the shape by calc.architecture.row_of ("custom": no row), so this is config_name's rule
    return Path(args.config).name if args.config and name == "custom" else name


def _named(d: dict, args) -> dict:
    return {**d, "model": _model_name(d["model"], args)} if "model" in d else d


def _weights_text(layout: dict) -> str:
    """The weights' format, and the experts' where it differs ("bf16, experts mxfp4")."""
    ep = layout.get("expert_precision")
    return layout["precision"] if ep in (None, layout["precision"]) else f"{layout['precision']}, experts {ep}"


def _precision_line(layout: dict, basis: str, hardware: str) -> None:
    """Why the weights are in their format where none was given and the checkpoint's config.json states one (used,
    or not on a chip without its peak): "weights fp8: the checkpoint's format, from config.json's
    quantization_config" (``calc.serve.load.default_precision``); nothing where --precision was given or the model's
    checkpoint is in 16 bits (--json says it always, under "precision_basis")."""
    from calc.serve.load import CHIP_BASIS, multiplied_note

    if basis not in ("given", CHIP_BASIS):
        print(f"  weights {layout['precision']}: {basis}")
    note = multiplied_note(layout["precision"], hardware)  # fp4 on Hopper: its 8-bit products, said
    if note:
        print(f"  weights {layout['precision']}: {note}")
    ep = layout.get("expert_precision")  # the routed experts' own format (MXFP4 on an A100: their BF16 products)
    note = "" if ep in (None, layout["precision"]) else multiplied_note(ep, hardware, experts=True)
    if note:
        print(f"  experts {ep}: {note}")


def _expert(lay: dict) -> str:
    """The expert-parallel groups inside the tensor-parallel chips, when there are several."""
    return f" (expert {lay['expert']})" if lay.get("expert", 1) > 1 else ""


def _layout_extras(lay: dict) -> str:
    """What the layout line adds after the replicas: attention data parallelism, and prefill on chips of its own
    (the chips given then decode only), as the Serving page says them."""
    extras = []
    if lay.get("attention_data_parallel"):
        extras.append(", attention data parallel")
    if lay.get("disaggregated"):
        extras.append(", prefill on chips of its own (these decode only; tokens/s per decode chip)")
    if lay.get("draft_tokens"):
        extras.append(f", speculative decoding: {lay['draft_tokens']} draft tokens a step by the MTP module, "
                      f"{lay['accepted_tokens']:g} emitted")
    return "".join(extras)


def _held(s) -> str:
    """The most sequences in flight and what holds them: the memory, or the engine's sequences per micro-batch."""
    from calc.display import number

    by = s.limited_by.get("max_concurrency", "memory capacity (KV cache)")
    if by.startswith("memory"):
        return f"memory holds {number(s.max_concurrency)}"
    return f"at most {number(s.max_concurrency)}: {by}, below what the memory holds"


def _engine_text(engine: dict) -> str:
    """The engine line: its name, its host work per sequence and decode step (a Quantity), and whether it is hidden."""
    from calc.display import number

    how = ("overlapped with the GPU's next step (overlap scheduler)" if engine["overlap"] else
           "in series with the GPU's step")
    return (f"engine: {engine['name']}, host work {number(engine['host_per_sequence'].m_as('us'))} us per sequence and "
            f"decode step, {how} (data/serving_host.csv)" + _engine_limits(engine))


def _engine_limits(engine: dict) -> str:
    """The release's own defaults the answer ran at (data/serving_engines.csv), or nothing for an engine with none."""
    from calc.display import number

    said = [f"{number(engine[k])} {w}" for k, w in (("max_batch_size", "sequences"), ("max_num_tokens", "tokens per step"))
            if engine.get(k) is not None]
    apart = ("; its prefill batches apart from its decode batches, run when a prompt waits"
             if engine.get("chunked_prefill") is False else "")
    return (f"; its defaults here: at most {' and '.join(said)}{apart} (data/serving_engines.csv)" if said else
            f"; its defaults here: {apart[2:]} (data/serving_engines.csv)" if apart else "")


def _limits_text(limits: dict) -> str:
    """One line: what the latency limits bounded, and the p99s the modelled means imply."""
    from calc.display import number

    r = {k: v.m_as("") for k, v in limits["p99_over_mean"].items()}
    given = ", ".join(f"{name} <= {number(limits[k].m_as('ms'))} ms" for k, name in
                      (("ttft_limit", "TTFT"), ("tpot_limit", "TPOT")) if limits[k] is not None)
    p99 = (f"p99 TTFT about {number(limits['ttft_p99'].m_as('ms'))} ms, p99 TPOT about "
           f"{number(limits['tpot_p99'].m_as('ms'))} ms (the means above x {r['ttft']:.2f} and {r['tpot']:.2f}, "
           "the median p99/mean of MLPerf Inference v4.x Server runs)")
    if limits["statistic"] == "mean":
        return f"limits on the means: {given}; {p99}"
    return f"limits on the p99s: {given}; {p99}"


def _fit_progress(done: int, rounds: int) -> None:
    """The fit's progress on stderr (the answer on stdout stays as it was), from its second round: a fit of a few
    setups ends before a word of it would help."""
    if done:
        print(f"calibrate: fitting, round {done + 1} of {rounds}", file=sys.stderr, flush=True)


def _calibration_text(fit) -> str:
    """``Fit.describe`` with each coefficient in the unit people read (a time in ms, a share as a fraction),
    the unit from data/serving_coefficients.csv."""
    from calc import data
    from calc.display import number

    units = data.serving_coefficients()
    lines = fit.describe().splitlines()
    out = [lines[0]]
    moved = fit.moved()
    for n, (b, a) in moved.items():
        timed = units[n].dimensionality == units["decode_step_overhead"].dimensionality
        scale, unit = (1e3, "ms") if timed else (1, "(fraction)")
        out.append(f"  {n:<28} {number(b * scale, 4)} -> {number(a * scale, 4)} {unit}  ({a / b:.2f}x)")
    return "\n".join(out + lines[1 + len(moved):])
