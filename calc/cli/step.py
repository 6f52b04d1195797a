"""The command ``step``: the step time, MFU and memory of a parallel layout, the fastest layouts
(``--search``), or the chip counts a budget buys (``--budget``)."""

from __future__ import annotations

import json
import sys

from calc.cli.flags import (
    _chip_flags,
    _config_flag,
    _goals,
    _layout,
    _layout_flags,
    _node_price_flags,
    _price,
    _vu,
    _whole,
    config_name,
    sequence_words,
    shape_label,
)
from calc.errors import InputError
from calc.reader import read_value, whole, whole_text
from calc.vocabulary import precision_name


def _step_parser(sub) -> None:
    sp = sub.add_parser("step", help="predict the step time, MFU and memory of a parallel layout (or --search)")
    sp.add_argument("--model", help="a shape of data/architectures.csv")
    _config_flag(sp)
    _chip_flags(sp, precision=False)
    sp.add_argument("--chips", metavar="N", help="chips in the cluster")
    _layout_flags(sp)
    sp.add_argument("--top", type=_whole, default=10, help="layouts listed by --search")
    sp.add_argument("--ignore-memory", dest="check_memory", action="store_false",
                    help="predict a layout even if it does not fit the chip's memory (as published runs whose memory "
                         "savings this model does not know: FP8 activations, offloading); the memory is still printed")
    sp.add_argument("--tokens", metavar="VALUE", help="training tokens: also print the run's duration")
    sp.add_argument("--search", action="store_true", help="list the fastest layouts that fit instead")
    sp.add_argument("--budget", metavar="VALUE",
                    help='with --tokens: a cost ("$2M") or chip-hours ("434k GPU-hours"); lists the chip counts '
                         "(powers of two up to --chips) and their fastest layouts, and the one that finishes "
                         "fastest within it")
    sp.add_argument("--price", metavar="VALUE", help="with --tokens or --budget: USD per chip-hour "
                                                    "(default: calc.estimate's, data/prices.csv)")
    _node_price_flags(sp)
    sp.add_argument("--goal", default="fastest", choices=_goals(),
                    help="with --budget: the fastest run within the budget (default) or the cheapest")
    sp.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _step_budget(args, model, hardware, perf, number, show) -> int:
    """step --budget: chip counts and their fastest layouts for a run of --tokens within a budget."""
    if args.tokens is None:
        raise InputError("tokens", "required with --budget: the training tokens, e.g. --tokens 300e9")
    found = perf.budget_search(model, hardware, args.global_batch, args.tokens, args.budget,
                               sequence=args.sequence, precision=args.precision, flash_attention=args.flash_attention,
                               price=args.price, max_chips=args.chips, goal=args.goal)
    if args.json:
        def vu(q, unit):
            return None if q is None else {"value": float(q.m_as(unit)), "unit": unit}
        print(json.dumps({
            "budget": vu(found.budget, str(found.budget.units)), "price": vu(found.price, "USD/chip/hour"),
            "price_source": found.price_source, "goal": args.goal,
            "sequence": {"value": args.sequence or model.training_sequence, "unit": "token",
                         "source": "--sequence" if args.sequence else sequence_words(model)},
            "global_batch": _batch_json(args),
            "best": None if found.best is None else found.best.chips,
            "options": [{"chips": o.chips, "within_budget": o.within, "duration": vu(o.duration, "day"),
                         "chip_hours": vu(o.chip_hours, "chip*hour"), "cost": vu(o.cost, "USD"),
                         "step": o.step.to_dict()} for o in found.options],
            "why": found.why}, indent=2))
        return 0
    print(f"sequences of {args.sequence or model.training_sequence:,} tokens ("
          + ("--sequence" if args.sequence else sequence_words(model)) + f"), {_batch_words(args, number)}")
    print(f"{'chips':>8}  {'layout':<38}{'duration':>14}{'chip-hours':>13}{'cost':>10}  within budget")
    for o in found.options:
        cost = "" if o.cost is None else show("cost", o.cost)
        mark = "yes" if o.within else "no"
        if o is found.best:
            mark += f" ({args.goal})"
        print(f"{number(o.chips):>8}  {o.step.layout.describe():<38}{show('duration', o.duration):>14}"
              f"{show('chip_hours', o.chip_hours, short=True).removesuffix(' chip-hours'):>13}{cost:>10}  {mark}")
    if found.price is not None:
        print("\nprice: " + (f"{show('price', found.price)}, given" if found.price_source == "given" else found.price_source))
    else:  # a budget in chip-hours on a chip with no public price: the cost column is empty, said why
        print(f"\ncost: no public rental price for the {hardware.name} in data/prices.csv; "
              '--price "2.5 USD/chip/hour" gives it')
    print(found.why)
    return 0


def _options_that_apply(args, model) -> None:
    """Layout flags that change nothing for this model or this recomputation are refused, never dropped: the expert
    overlap and the MoE modules need experts, the latent up-projections latent attention, any module selective
    recomputation, the ring attention's code context parallelism."""
    from calc.perf.layout import CONTEXT_CODES

    modules = [m.strip() for m in (args.recompute_modules or "").split(",") if m.strip()]
    if args.expert_overlap and model.experts <= 1:
        raise InputError("expert_overlap", "overlaps a mixture of experts' all-to-all with another micro-batch's "
                                           "computation; this model has no experts: leave --expert-overlap out")
    code = args.context_code  # a misspelt code is said by the layout's check ('tee': did you mean te?)
    if code in CONTEXT_CODES and code != "te" and (args.context or 1) <= 1:  # 'pytorch' at context 1: unread, unsaid
        raise InputError("context_code", f"read only with context parallelism (the ring attention's code); got "
                                         f"--context {args.context or 1}: give --context 2 or more, or leave "
                                         "--context-code out")
    if modules and args.recompute != "selective":
        raise InputError("recompute_modules", f"read only with --recompute selective (the modules recomputed beside "
                                              f"the attention core); got --recompute {args.recompute}")
    moe = [m for m in modules if m in ("moe", "moe_act")]
    if moe and model.experts <= 1:
        raise InputError("recompute_modules", f"{', '.join(moe)} recompute mixture-of-experts layers; this model has "
                                              "none (mlp and layernorm apply to it)")
    if "mla_up_proj" in modules and model.kv_lora_rank is None:
        raise InputError("recompute_modules", "mla_up_proj recomputes latent attention's up-projections; this model's "
                                              "attention is not latent (mlp and layernorm apply to it)")


def _layout_values(args, model) -> None:
    """The layout flags' values that need no global batch, checked as the prediction checks them (sizes whole and at
    least 1, named options known, overlaps fractions, the sequence within the model's positions)."""
    from calc.perf import layout

    _options_that_apply(args, model)
    layout.check_options(layout.Layout(**_layout(args)))
    for name in ("tensor", "pipeline", "context", "expert", "expert_tensor", "virtual_stages", "micro_batch",
                 "zero_group"):
        if getattr(args, name) is not None:
            whole(name, getattr(args, name))
    if args.sequence is not None:
        model.check_sequence(whole("sequence", args.sequence))


SEARCHED_READS = ("global_batch", "sequence", "precision", "flash_attention")  # the layout flags a search reads


def _layout_flags_unread(args, how: str) -> None:
    """--search and --budget choose the layout: a layout flag they do not read is refused, never dropped."""
    from calc.perf import layout_options

    for o in layout_options():
        if o.name in SEARCHED_READS:
            continue
        default = {"whole": None if o.required else o.default, "switch": False, "switch off": True, "either": None,
                   "named": o.choices[0] if o.choices else None}.get(o.kind, o.default)
        if getattr(args, o.name) != default:
            raise InputError(o.flag[2:].replace("-", "_"), f"not read by {how}, which chooses the layout itself (it reads --global-batch, "
                                     "--sequence, --precision and --no-flash-attention); leave it out, or drop "
                                     f"{how} to predict the layout given")


def _step(args) -> int:
    from calc import data, perf
    from calc.architecture import Transformer
    from calc.display import counted, number, show
    from calc.perf.validation import accuracy_note

    if args.config:
        model = Transformer.from_config(args.config)
    elif args.model:
        from calc.architecture import lookup

        model = lookup(args.model)  # case-insensitive, with suggestions
    else:
        raise InputError("model", "give --model NAME or --config FILE")
    if args.hardware is None:
        raise InputError("hardware", 'required: an accelerator of data/hardware.csv, e.g. --hardware "H100 SXM5" '
                                     "(python -m calc hardware lists them)")
    if precision_name(args.precision) in data.PRECISIONS:  # "FP8", "nvfp4": the format's name, which the answer says
        args.precision = precision_name(args.precision)
    elif args.precision is not None:  # a misspelt format said first, not after the layout's arithmetic ('fp9' was told
        from calc.vocabulary import precision_hint  # that 1,536 sequences do not split over 1,024 ranks: fresh17)

        raise InputError("precision", f"expected one of {', '.join(data.PRECISIONS)}, got {args.precision!r:.40}"
                                      f"{precision_hint(args.precision, data.PRECISIONS, n=1)}")
    if args.global_batch is None and not (args.search or args.budget is not None):
        _layout_values(args, model)  # a bad value said first: '--tensor 0' was told the global batch is required (fresh22)
        raise InputError("global_batch", "required: the number of sequences per optimizer step, e.g. "
                                         "--global-batch 1536 (GPT-3: 1536 sequences of 2048 tokens); --search and "
                                         "--budget choose one where none is given")
    if args.tokens is not None:  # read as estimate reads it: "" said empty (was dropped), 0 and -3 not positive
        args.tokens = read_value("tokens", args.tokens)
    hardware = data.hardware(args.hardware)  # the chip object, resolved once and passed down
    args.price = _price(args, hardware)[0]  # per chip-hour, a node's price divided by its chips
    if args.price is not None and args.tokens is None and args.budget is None:
        raise InputError("price", "only used with --tokens (the run's cost) or --budget; give one, or leave the "
                                  "price out")
    if args.sequence is not None:  # past learned positions: refused here, before a search calls every layout unfit
        model.check_sequence(args.sequence)
    if args.budget is not None and args.search:  # --budget took the line and --search went unread, unsaid
        raise InputError("search", "not read with --budget, which lists each chip count's fastest layout and the "
                                   "one within the budget itself; give --search (the fastest layouts of --chips, by "
                                   "step time) or --budget, not both")
    if args.budget is not None:
        _layout_flags_unread(args, "--budget")
        _default_batch(args, model, hardware)
        return _step_budget(args, model, hardware, perf, number, show)
    if args.chips is None:
        raise InputError("chips", "required: the number of chips in the cluster, e.g. --chips 1024")
    if args.search:
        _layout_flags_unread(args, "--search")
        _default_batch(args, model, hardware)
        if args.tokens is not None:
            raise InputError("tokens", "not read by --search, which ranks layouts by step time; drop --search to have "
                                       "the run's duration and cost at a layout, or give --budget to choose the chips "
                                       "for a run of --tokens")
        return _step_search(args, model, hardware, perf, number)
    _options_that_apply(args, model)  # a misspelt or unread option said alone, not after the sequence's warning
    perf.layout.check_options(perf.layout.Layout(**_layout(args)))  # ('tee' followed a warning of 32K tokens)
    if model.sequence_note(args.sequence):
        print(f"warning: {model.sequence_note(args.sequence)}", file=sys.stderr)
    s = perf.predict(model, hardware, args.chips, check_memory=args.check_memory, **_layout(args))
    duration = s.duration(args.tokens) if args.tokens is not None else None
    run = {}
    if args.tokens is not None:  # the whole run through calc.estimate, utilization marked modelled
        from calc.estimate import estimate

        priced = {} if args.price is None else {"price": args.price}
        est = estimate(model=model, layout=s, hardware=args.hardware, chips=args.chips, tokens=args.tokens, **priced)
        units = {"duration": "day", "chip_hours": "chip*hour", "price": "USD/chip/hour", "cost": "USD",
                 "energy": "MWh"}
        run = {name: est[name].value for name in units if name in est}
        price_note = est["price"].how if "price" in est and est["price"].source != "given" else "given"
        unpriced = est.undetermined.get("price")  # GB200: the price and cost lines were left out, unsaid
    if args.json:
        out = s.to_dict()
        out["sequence_source"] = "--sequence" if args.sequence else sequence_words(model)
        if duration is not None:
            out["duration"] = {"value": duration.m_as("day"), "unit": "day"}
            out["run"] = {name: {"value": float(q.m_as(units[name])), "unit": units[name]} for name, q in run.items()}
            if unpriced:
                out["run"]["undetermined"] = {"price": unpriced, "cost": "needs price"}
        print(json.dumps(out, indent=2))
        return 0
    t = s.step_time.m_as("s")
    extras = s.layout.options()
    print(f"model               {_who(args, model)} on {whole_text(str(args.chips)):,} x {hardware.name}, matmuls in "
          f"{s.layout.precision or hardware.default_precision}")
    _matmul_line(hardware)
    _attention_line(hardware)
    print(f"layout              {s.layout.describe()}, data parallel {s.data_parallel}, "
          f"{counted(s.micro_batches, 'micro-batch', 'micro-batches')}" + (f"; {extras}" if extras else ""))
    print(f"sequence            {s.sequence:,} tokens ("
          + ("--sequence" if args.sequence else sequence_words(model)) + ")")
    print(f"step time           {number(t)} s")
    print(f"tokens per second   {number(s.tokens_per_second.m_as('token/s'))}")
    print(f"throughput          {number(s.throughput.m_as('TFLOP/s/chip'))} TFLOP/s per chip (model FLOP)")
    print(f"MFU                 {s.mfu:.1%}  (a prediction: {accuracy_note()})")
    print(f"HFU                 {s.hfu:.1%}")
    # the chip's usable memory said either way: 81.7 GB "fits" an H100 sold as 80GB (85.5 GB reported by nvidia-smi)
    over = "" if s.capacity is None else (f"  (fits a {hardware.name}: {hardware.capacity_text})" if s.fits else
                                          f"  (does NOT fit a {hardware.name}: {hardware.capacity_text}; "
                                          "predicted anyway, --ignore-memory)")
    print(f"memory per chip     {s.memory_per_chip.m_as('GB/chip'):,.1f} GB{over}")
    if duration is not None:
        print(f"for {show('tokens', est.tokens)} (calc.estimate, utilization modelled):")
        for name, q in run.items():
            note = f"  ({price_note})" if name == "price" else ""
            print(f"  {name.replace('_', '-'):<18}{show(name, q)}{note}")
        if unpriced:
            print(f"  {'cost':<18}—  ({unpriced.removeprefix('give price: ')})")
    print("where the step goes:")
    for part, q in s.breakdown.items():
        sec = q.m_as("s")
        shown = f"{number(sec)} s" if sec >= 0.1 else f"{number(sec * 1e3)} ms"  # 0.58 ms, not 5.81 × 10⁻⁴ s
        print(f"  {part:<32}{shown:>12} {sec / t:>7.1%}")
    return 0


def _default_batch(args, model, hardware) -> None:
    """--search and --budget with no --global-batch: the batch estimate and thresholds search with
    (``calc.perf.utilization.batch_for``: a published run's where the shape and chips are that run's, else about 4M
    tokens, raised to split over the chips), kept in ``args.global_batch`` with where it comes from in
    ``args.batch_source``. --budget sweeps chip counts (--chips is only its largest): it takes the batch of no
    particular count (batch_for at one chip: the usual batch, which counts past what it can split stop,
    ``BudgetSearch.stopped``), so a count's answer does not depend on --chips; where --chips's own batch differs (a
    published run's, or one raised to split over it), the source says so and how to ask for it."""
    from calc.perf.utilization import batch_for

    if args.global_batch is not None:
        args.batch_source = "--global-batch"
        return
    from calc.perf.step import whole_chips

    # a published run's batch comes with its sequence, its shape's training sequence (data/run_layouts.csv), which
    # the search takes where no --sequence is given
    chips = whole_chips(args.chips) if args.chips else 1
    batch = batch_for(model, hardware, 1 if args.budget is not None else chips, precision=args.precision,
                      sequence=args.sequence)
    args.global_batch, args.batch_source = batch.sequences, batch.why
    if args.budget is not None and chips > 1:  # the --chips 16,384 of Llama 3.1 405B took its published 2,048 where
        # no --chips took 512, and every count's answer moved with it
        own = batch_for(model, hardware, chips, precision=args.precision, sequence=args.sequence)
        if (own.sequences, own.sequence) != (batch.sequences, batch.sequence):
            given = "" if args.sequence or own.sequence == batch.sequence else f" --sequence {own.sequence}"
            args.batch_source += (f"; every chip count takes it, whatever --chips: {chips:,} chips' own batch "
                                  f"({own.why}) is --global-batch {own.sequences}{given}")


def _batch_json(args) -> dict:
    return {"value": int(args.global_batch), "unit": "sequence", "source": args.batch_source}


def _batch_words(args, number) -> str:
    from calc.display import counted

    return f"global batch {counted(int(args.global_batch), 'sequence')} ({args.batch_source})"


def _step_search(args, model, hardware, perf, number) -> int:
    """step --search: the fastest layouts of --chips that fit the chip's memory."""
    found = perf.search(model, hardware, args.chips, args.global_batch, sequence=args.sequence,
                        precision=args.precision, flash_attention=args.flash_attention, top=args.top)
    sequence = args.sequence or model.training_sequence
    source = "--sequence" if args.sequence else sequence_words(model)
    if args.json:
        least = None if found.least is None else {"layout": found.least.layout.describe(),
                                                  "memory_per_chip": _vu(found.least.memory_per_chip, "GB/chip")}
        print(json.dumps({"layouts": [s.to_dict() for s in found.steps], "tried": found.tried,
                          "did_not_fit": found.refused, "why": found.why, "least_memory": least,
                          "sequence": {"value": sequence, "unit": "token", "source": source},
                          "global_batch": _batch_json(args)}, indent=2))
        return 0
    print(f"{_who(args, model)} on {whole_text(str(args.chips)):,} x {hardware.name}, matmuls in "
          f"{args.precision or hardware.default_precision}: sequences of {number(sequence)} tokens ("
          + ("--sequence" if args.sequence else source) + f"), {_batch_words(args, number)}")
    _matmul_line(hardware)
    _attention_line(hardware)
    if found.steps:
        print(f"{'layout':<40}{'step time':>12}{'MFU':>8}{'memory/chip':>14}")
    for s in found.steps:
        print(f"{s.layout.describe():<40}{number(s.step_time.m_as('s')) + ' s':>12}{s.mfu:>8.1%}"
              f"{s.memory_per_chip.m_as('GB/chip'):>11,.1f} GB")  # one decimal down the column: 76.0 beside 77.2
    ties = f"; {found.ties:,} that tie a simpler one listed (same time and memory) left out" if found.ties else ""
    room = "" if hardware.capacity is None else f" (per chip: {hardware.capacity_text})"
    if found.tried and found.steps:
        print(f"\n{found.tried:,} layouts tried; {found.refused:,} faster than the first did not fit in memory"
              f"{room}{ties}.")
    elif found.tried:  # "344 faster than the first did not fit" named a first that was never found; why none fits,
        # and at which layout, is found.why's one sentence below (a second naming another layout read as two answers)
        print(f"\n{found.tried:,} layouts tried; none fits in memory{room}{ties}.")
    print(found.why)  # chips beyond the chip's links were refused by the search (calc.perf.search.links_needed)
    return 0


def _who(args, model) -> str:
    """The shape the step is of, as the answer names it: --model's row (an alias read as it), or --config's shape
    as every door names it (``config_name``: its row, else the file's name)."""
    return shape_label(args, shaped=False) if args.model else config_name(args.config, model)


def _attention_line(hardware) -> None:
    """On a chip no FlashAttention runs on (Volta), that its attention is unfused (calc.perf.step.predict_step)."""
    from calc.perf.system import UNFUSED_ATTENTION_NOTE, runs_flash_attention

    if not runs_flash_attention(hardware):
        print(f"attention           {UNFUSED_ATTENTION_NOTE.format(chip=hardware.name)}")


def _matmul_line(hardware) -> None:
    """The chip's matmul rate where it is no measurement of its own (the documented default share), as serve's answer
    says it (``calc.serve.terms.matmul_basis``); nothing for a measured chip."""
    from calc.serve.terms import matmul_basis

    basis = matmul_basis(hardware)
    if basis["basis"] != "measured":
        print(f"matmul rate         {basis['note']}")
