"""The commands ``estimate`` (a run from any consistent subset of its quantities, or ranges of them) and
``compare`` (the same run on several accelerators)."""

from __future__ import annotations

import json
import sys

from calc.cli.flags import PEAK_PRECISION_HELP, _config_flag, _node_price_flags, _price, _vu, _whole, sequence_words
from calc.errors import ConflictError, InputError
from calc.vocabulary import BY_NAME, TERMS


def _estimate_parser(sub) -> None:
    est = sub.add_parser("estimate", help="fill in a training run from any consistent subset of its quantities")
    for t in TERMS:
        unit = f" [{t.unit or 'fraction'}]" if t.unit is not None else ""
        est.add_argument(t.flag, dest=t.name, metavar="VALUE", help=PEAK_PRECISION_HELP if t.name == "precision" else f"{t.meaning}{unit}")
    _node_price_flags(est)
    est.add_argument("--model", help="a shape of data/architectures.csv: gives the parameters and FLOP per token, and, "
                                     "with --hardware, the modelled utilization of its fastest layout on that chip")
    _config_flag(est)
    est.add_argument("--rtol", type=float, default=None, help="relative tolerance between over-determined inputs, 0 to 1 (default 0.05)")
    est.add_argument("--samples", type=_whole, default=None,
                     help="draws when any input is a range such as 0.2..0.5 (default 10000)")
    est.add_argument("--seed", type=int, default=None, help="seed of the random generator for ranges (default 0)")
    est.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _compare_parser(sub) -> None:
    cm = sub.add_parser("compare", help="the same run on several accelerators: time, chip-hours, cost, energy",
                        description="The run's hardware-free inputs (as for estimate) on each accelerator; each "
                                    "derives its own peak, price and power (calc.compare.compare_hardware).")
    for t in TERMS:
        if t.name not in HARDWARE_FLAGS_DROPPED:
            unit = f" [{t.unit or 'fraction'}]" if t.unit is not None else ""
            cm.add_argument(t.flag, dest=t.name, metavar="VALUE", help=PEAK_PRECISION_HELP if t.name == "precision" else f"{t.meaning}{unit}")
    cm.add_argument("--hardware", action="append", metavar="NAME",
                    help=BY_NAME["hardware"].meaning + " (default: a lineup from V100 to B200 and TPUs; repeat the "
                         "flag to compare several)")
    cm.add_argument("--model", help="a shape of data/architectures.csv: gives the parameters and FLOP per token, "
                                    "and each chip the modelled utilization of its fastest layout")
    cm.add_argument("--json", action="store_true", help="print JSON instead of a table")


# compare derives these per accelerator (calc.compare.HARDWARE_SPECIFIC, kept equal by a test; not imported:
# the parser is built before calc loads): giving one would be dropped, so they are not flags of it
HARDWARE_FLAGS_DROPPED = ("hardware", "precision", "peak", "price", "power", "duration", "chip_hours", "cost",
                          "energy", "emissions")


def _compare(args) -> int:
    from calc.compare import DEFAULT_LINEUP, HARDWARE_SPECIFIC, compare_hardware
    from calc.display import show

    known = {t.name: getattr(args, t.name) for t in TERMS
             if t.name not in HARDWARE_SPECIFIC and getattr(args, t.name, None) is not None}
    shape = None
    if args.model:  # a known shape: its counts, and each chip's modelled utilization (as estimate --model)
        from calc.architecture import lookup
        from calc.estimate.inputs import _read_rtol
        from calc.estimate.shape import _counts_agree
        from calc.perf.utilization import training_sequence

        shape = lookup(args.model)
        # counted at the sequence each chip's layout search trains at (calc.perf.utilization.batch_for), as estimate
        # --model counts it: at Mistral NeMo's 131,072 positions its H100 run lasted 96 days, 3.8x the steps (fresh11)
        shaped = shape.as_inputs(context=training_sequence(shape))
        # a count given beside the shape is the shape's within the tolerance, as estimate --model reads it; else the
        # two disagree, said so ('--params 70e9 --model "GPT-3 175B"' read as active parameters above the total, and
        # refused Llama 3 70B's 70e9 against its 70.6B: fresh17); a dense shape's count given stands for both
        _counts_agree(args.model, shape, shaped, known, _read_rtol(None))
        if shape.params() == shape.active_params() and ({"params", "active_params"} & set(known)):
            shaped = {k: v for k, v in shaped.items() if k not in ("params", "active_params")}
        known = {**shaped, **known}
    if not ({"compute"} <= set(known) or {"tokens"} <= set(known) and ({"params", "active_params"} & set(known))):
        raise InputError("compute", "give the run's size: --compute, or --params and --tokens (and --chips for "
                                    "the training time)")
    if any(isinstance(v, str) and ".." in v for v in known.values()):
        raise InputError(next(k for k, v in known.items() if isinstance(v, str) and ".." in v),
                         "compare takes one value per input; a range is for estimate")
    from calc import data

    for typed in args.hardware or ():  # "H100 SXM5,B200": several at once, said as the flag takes them
        if "," in typed and typed not in data.hardware_table():
            parts = [p.strip() for p in typed.split(",")]
            raise InputError("hardware", f"one accelerator per flag, got {typed[:80]!r}; repeat the flag: "
                                         + " ".join(f"--hardware {p!r}" if " " in p else f"--hardware {p}"
                                                    for p in parts if p))
    names = [data.hardware(n).name for n in args.hardware] if args.hardware else list(DEFAULT_LINEUP)
    runs = compare_hardware(known, names, model=shape)
    errors = [e for e in runs.values() if isinstance(e, InputError)]
    if len(errors) == len(runs):  # the run itself is wrong, not one chip's data
        raise errors[0]
    columns = ("duration", "chip_hours", "price", "cost", "energy")
    if "utilization" not in known:  # each chip's own (modelled with --model, else the default): the durations differ by
        columns = ("utilization", *columns)  # it, and the table said no word of it (the Compare page shows it)
    if args.json:
        sequence = {} if shape is None else {"sequence": {"value": shape.training_sequence, "unit": "token",
                                                          "source": sequence_words(shape)}}
        # a column a chip cannot fill is said with why (GB200's price: no public rental price), where it was left out
        print(json.dumps({name: {"error": str(e)} if isinstance(e, InputError) else {
            "precision": e.precision, **{c: _vu(e[c].value, _UNITS[c]) for c in ("peak",) + columns if c in e},
            **({"undetermined": dict(e.undetermined)} if any(c in e.undetermined for c in columns) else {}),
            **sequence} for name, e in runs.items()}, indent=2))
        return 0
    width = max(len(n) for n in runs)
    print(f"{'accelerator':<{width}}  {'peak':>17}  " + "  ".join(f"{c.replace('_', '-'):>16}" for c in columns))
    for name, e in runs.items():
        if isinstance(e, InputError):
            print(f"{name:<{width}}  {e.message}")
            continue
        cells = [show(c, e[c].value, short=True) if c in e else "—" for c in columns]
        print(f"{name:<{width}}  {show('peak', e.peak, short=True):>17}  " + "  ".join(f"{c:>16}" for c in cells))
    if shape is not None and args.flop_per_param_token is None:  # given, the count is the flag's, not the shape's
        print(f"(FLOP per token of {args.model} at {shape.training_sequence:,} tokens a sequence, "
              f"{sequence_words(shape)})")
    elif shape is not None:
        print(f"(FLOP per parameter per token: {args.flop_per_param_token}, as given, not {args.model}'s own count)")
    if "utilization" not in known:
        from calc.architecture import shape_name

        sources = {e["utilization"].source for e in runs.values() if not isinstance(e, InputError) and "utilization" in e}
        print("(utilization: " + (f"the modelled MFU of each chip's fastest layout for {shape_name(args.model)}"
                                  if "modelled" in sources else "the default MFU") +
              ("; a chip whose layouts cannot be modelled takes the default" if len(sources) > 1 else "") +
              "; --utilization to give one)")
        if shape is None:  # the counts of a published run whose shape is known: the Compare page models its MFU
            from calc.scenario import same_run

            run = same_run({k: str(known[k]) for k in ("params", "active_params", "tokens") if k in known})
            if run is not None:  # the page keeps the given FLOP per parameter-token (6 by default) beside the shape
                fpt = "" if "flop_per_param_token" in known else \
                    f" --flop-per-param-token {data.defaults()['flop_per_param_token'].value.m:g}"
                print(f"(--params and --tokens are {run}'s published run, whose shape the Compare page takes for "
                      f'each chip\'s modelled MFU: add --model "{run}"{fpt} for its answer'
                      + ("; --model alone also counts the shape's attention FLOP per token)" if fpt else ")"))
    if "chips" not in known:
        print("(give --chips for the training time, chip-hours and cost)")
    unpriced = [name for name, e in runs.items() if not isinstance(e, InputError) and "chips" in known and "price" not in e]
    if unpriced:  # "—" said: no public price (calc compare takes no price of a chip's own; estimate does)
        print(f"(price —: no public rental price for {', '.join(unpriced)} in data/prices.csv; "
              f'estimate --hardware "{unpriced[0]}" --price "2.5 USD/chip/hour" gives its cost)')
    unpowered = [name for name, e in runs.items() if not isinstance(e, InputError) and "chips" in known
                 and "energy" not in e]
    if unpowered:  # TPU v5p's energy "—" went unsaid
        print(f"(energy —: no TDP for {', '.join(unpowered)} in data/hardware.csv; "
              f'estimate --hardware "{unpowered[0]}" --power "700 W/chip" gives its energy)')
    return 0


_UNITS = {"peak": "FLOP/s/chip", "utilization": "", "duration": "day", "chip_hours": "chip*hour", "price": "USD/chip/hour",
          "cost": "USD", "energy": "MWh"}


def _estimate(args) -> int:
    from calc.display import show
    from calc.estimate import estimate

    known, notes = {}, []
    for name in (t.name for t in TERMS):
        raw = getattr(args, name)
        if raw is None:
            continue
        known[name] = raw  # bare numbers follow the one rule of calc.units.parse_quantity
    if args.price_per_node is not None or args.chips_per_node is not None:
        _price(args, known.get("hardware"))  # checks the flags together; estimate reads the price itself
        if args.price_per_node is not None:
            from calc.units import Q_, parse_quantity

            known["price"] = parse_quantity(args.price_per_node, "price_per_node", "USD/hour", bare_ok=False) / Q_(1, "node")
    if any(isinstance(v, str) and ".." in v for v in known.values()):
        if args.model or args.config:
            raise InputError("model", "give ranges without --model/--config (one shape, one search), or single values")
        return _simulate(args, known, notes)
    for flag in ("samples", "seed"):  # read only when a range is drawn: said, never dropped
        if getattr(args, flag) is not None:
            raise InputError(flag, "only used when an input is a range (e.g. --utilization 0.2..0.5); give one, "
                                   "or leave this flag out")
    try:
        result = estimate(rtol=args.rtol, chips_per_node=args.chips_per_node, model=_estimate_shape(args), **known)
    except ConflictError as exc:  # the shape came from --config: said by that flag, not by a --model never given
        if args.config and "model" in exc.fields:
            raise ConflictError(tuple("config" if f == "model" else f for f in exc.fields), exc.message) from None
        raise
    warnings = notes + list(result.warnings)
    if "compute" in result.undetermined:  # 'calc estimate' alone printed a table of dashes, "params: needs
        # active_params", and no word of what to give (the Estimate page says it; compare refuses with it)
        warnings.append("the run's size is not given: give --params and --tokens, or --compute, or --model and "
                        "--tokens (the rest follows from them)")
    if args.json:
        out = result.to_dict()
        flop = result.items.get("flop_per_param_token")
        if flop is not None and flop.source == "derived" and "PaLM count at sequence" in flop.how:
            out["quantities"]["flop_per_param_token"]["how"] = flop.how  # the sequence counted at, as the text says
        out["warnings"] = warnings
        print(json.dumps(out, indent=2))
        return 0
    width = max(len(n) for n in result.items)
    for name, item in result.items.items():
        how = item.how if item.how != "given" else ""  # a given value's reading, when it took one (a node price)
        print(f"{name:<{width}}  {show(name, item.value):<42} {item.source:<8} {how}".rstrip())
    for name, why in result.undetermined.items():
        print(f"{name:<{width}}  {'—':<42} {'unknown':<8} {why}")
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def _estimate_shape(args):
    """The shape of ``estimate --model NAME`` or ``--config FILE``, or None."""
    if args.config and args.model:
        raise InputError("config", "give --config FILE or --model NAME, not both")
    if args.config:
        from calc.architecture import Transformer

        return Transformer.from_config(args.config)
    if args.model:  # the row's name (an alias or a spelling of it read), which the answer says
        from calc.architecture import shape_name

        return shape_name(args.model)
    return None


def _simulate(args, known: dict, notes: list[str]) -> int:
    from calc.display import show
    from calc.uncertainty import simulate

    sim = simulate(samples=10_000 if args.samples is None else args.samples, seed=args.seed or 0, rtol=args.rtol,
                   **known)
    est = sim.estimate
    output = "cost" if "cost" in est else "duration" if "duration" in est else None
    if args.json:
        out = est.to_dict()
        for name, q in out["quantities"].items():
            lo, mid, hi = sim.interval(name)
            q["value"], q["interval90"] = mid.magnitude, [lo.magnitude, hi.magnitude]
        out["samples"], out["seed"] = sim.samples, sim.seed
        out["sensitivity"] = [] if output is None else [
            {"input": n, "output": output, "low": lo.magnitude, "high": hi.magnitude}
            for n, lo, hi in sim.sensitivity(output)]
        out["warnings"] = notes + list(est.warnings)
        print(json.dumps(out, indent=2))
        return 0
    print(f"{sim.samples:,} samples (seed {sim.seed}); median and 90% interval")
    width = max(len(n) for n in est.items)
    texts = {}
    for name in est.items:
        lo, mid, hi = sim.interval(name)
        spread = "" if lo.magnitude == hi.magnitude else f"  [{show(name, lo, True)} – {show(name, hi, True)}]"
        texts[name] = show(name, mid, True) + spread
    column = max(52, *map(len, texts.values()))  # "2.22M chip-hours  [1.47M chip-hours – 3.34M chip-hours]" is 55
    for name, item in est.items.items():
        print(f"{name:<{width}}  {texts[name]:<{column}} {item.source}")
    if output is not None:
        print(f"\nwhat drives {output} (each range alone across its 90% interval):")
        for n, lo, hi in sim.sensitivity(output):
            print(f"  {n:<{width}}  {show(output, lo, True)} – {show(output, hi, True)}")
    for w in notes + list(est.warnings):
        print(f"warning: {w}", file=sys.stderr)
    return 0
