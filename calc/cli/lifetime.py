"""The commands ``optimal`` (compute-optimal parameters and tokens for a budget, by scaling law) and
``lifetime`` (the model size cheapest over training and serving)."""

from __future__ import annotations

import json
import math
import sys

from calc.cli.flags import _chip_flags, _config_flag, _vu, served_precision_help
from calc.errors import InputError


def _optimal_parser(sub) -> None:
    op = sub.add_parser("optimal", help="compute-optimal params and tokens for a budget, by scaling law")
    op.add_argument("--compute", metavar="VALUE", help="budget [FLOP]")
    op.add_argument("--params", metavar="VALUE", help="an actual run's parameters, to compare with the optimum")
    op.add_argument("--tokens", metavar="VALUE", help="an actual run's tokens")
    op.add_argument("--law", help="hoffmann2022, besiroglu2024 or kaplan2020 (default: all)")
    op.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _lifetime_parser(sub) -> None:
    from calc.lifetime import DEFAULT_LAW  # here: the other commands' parsers need not import calc.lifetime
    from calc.scaling import laws

    lt = sub.add_parser("lifetime", help="the model size cheapest over training and serving at one quality "
                                         "(Sardana et al. 2023)",
                        description="The quality is --loss, or the loss of the run given (--params and --tokens, "
                                    "or --model, or --config FILE's shape with --tokens) under --law. Prices give "
                                    "the dollar version too.")
    lt.add_argument("--loss", metavar="VALUE", help="target loss, nats per token under --law (e.g. 2.0)")
    lt.add_argument("--params", metavar="VALUE", help="a run's parameters: its loss is the target [param]")
    lt.add_argument("--tokens", metavar="VALUE", help="that run's training tokens [token]")
    lt.add_argument("--model", help="a dense published run of data/models.csv, as --params and --tokens; or a shape of "
                                    "data/architectures.csv (its parameters) with --tokens")
    _config_flag(lt)  # as --model's shape: the file's parameters, with --tokens
    lt.add_argument("--inference-tokens", dest="inference_tokens", metavar="VALUE",
                    help="tokens served over the model's life, input and output [token], e.g. 2T")
    lt.add_argument("--law", default=DEFAULT_LAW,
                    help=f"scaling law: {', '.join(f'{n} (default)' if n == DEFAULT_LAW else n for n in laws())}")
    lt.add_argument("--training-price", dest="training_price", metavar="VALUE",
                    help='what a training FLOP costs [USD/FLOP], e.g. "1.4e-18 USD/FLOP" ($2/chip-hour on 989 '
                         'TFLOP/s at 40%% MFU); or a chip-hour\'s price ("$2/GPU/hour") with --hardware and '
                         "--utilization")
    _chip_flags(lt, precision=False)  # with a training price per chip-hour: the chip (its dense 16-bit peak)
    lt.add_argument("--utilization", metavar="VALUE", help="with a training price per chip-hour: the MFU, e.g. 0.4")
    lt.add_argument("--serving-price", dest="serving_price", metavar="VALUE",
                    help='what a served token costs [USD/token], e.g. "0.6 USD/Mtoken" or "$0.6 per million tokens"; serving cost scales with '
                         "the model's size")
    lt.add_argument("--precision", metavar="FORMAT",
                    help=served_precision_help(" with --hardware and no --serving-price (serving modelled on the "
                                               "chip; training stays at its 16-bit peak)")
                    + "; e.g. fp8, as Llama 3.1 405B is served on 8 H100")
    lt.add_argument("--serving-price-params", dest="serving_price_params", metavar="VALUE",
                    help="the model size --serving-price is for [param] (default: the run given, else the "
                         "compute-optimal model)")
    lt.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _optimal(args) -> int:
    from calc.display import number, show
    from calc.scaling import allocation, compute_optimal, laws

    names = [args.law] if args.law else list(laws())
    if args.compute and (args.params or args.tokens):
        raise InputError("compute", "give --compute alone (the optimum for a budget), or --params and --tokens "
                                    "(a run against the optimum for its own compute, 6 x params x tokens), not both")
    if args.params and args.tokens:
        out = {}
        for name in names:
            a = allocation(args.params, args.tokens, name)
            o = a["optimal"]
            out[name] = {"loss": float(a["loss"]), "optimal": _optimum(o),
                         "params_over_optimal": float(a["params_over_optimal"]),
                         "tokens_over_optimal": float(a["tokens_over_optimal"])}
            if not args.json:
                print(f"{name:<14} loss {number(a['loss'], 4)} (optimal {number(o.loss, 4)}); params "
                      f"{number(a['params_over_optimal'])}x and tokens {number(a['tokens_over_optimal'])}x the optimum "
                      f"for {show('compute', o.compute)}")
        if args.json:
            print(json.dumps(out, indent=2))
        return 0
    if args.params or args.tokens:
        given, missing = ("params", "tokens") if args.params else ("tokens", "params")
        raise InputError(missing, f"required with --{given} (to compare a run with the optimum), "
                                  "or give --compute alone")
    if not args.compute:
        raise InputError("compute", "required: the training budget in FLOP, e.g. --compute 1e24 "
                                    "(or give --params and --tokens to compare a run with the optimum)")
    optima = {name: compute_optimal(args.compute, name) for name in names}
    if args.json:
        print(json.dumps({name: _optimum(o) for name, o in optima.items()}, indent=2))
        return 0
    for name, o in optima.items():
        print(f"{name:<14} {show('params', o.params):<16} {show('tokens', o.tokens):<18} "
              f"{number(o.tokens_per_param):>8} tokens/param  loss {number(o.loss, 4)}")
    for w in dict.fromkeys(o.warning for o in optima.values() if o.warning):  # said once, not once per law
        print(f"warning: {w}", file=sys.stderr)
    return 0


def _optimum(o) -> dict:
    return {"compute": _vu(o.compute, "FLOP"), "params": _vu(o.params, "param"), "tokens": _vu(o.tokens, "token"),
            "tokens_per_param": float(o.tokens_per_param), "loss": float(o.loss), "warning": o.warning}


def _lifetime(args) -> int:
    from calc.display import number, show
    from calc.lifetime import lifetime

    if args.config and args.model:
        raise InputError("config", "give --config FILE or --model NAME, not both")
    if args.config:  # the file's shape, read as --model's shape is: its parameters, with --tokens
        from calc.architecture import Transformer

        args.model = Transformer.from_config(args.config)
    if args.inference_tokens is None:
        from calc.lifetime.inputs import check_values

        check_values(loss=args.loss, params=args.params, tokens=args.tokens,  # a bad value said first (doors23b)
                     serving_price_params=args.serving_price_params)
        raise InputError("inference_tokens", "required: the tokens the model will serve over its life, e.g. "
                                             "--inference-tokens 2T (0 gives the compute-optimal model)")
    prices = dict(training_price=args.training_price, serving_price=args.serving_price,
                  serving_price_params=args.serving_price_params, hardware=args.hardware, utilization=args.utilization)
    modelled = None
    if args.serving_price_params is not None and args.serving_price is None:  # modelled serving sizes its own price
        raise InputError("serving_price_params", "only used with --serving-price (the model size that price is for); "
                                                 "give it, or leave --serving-price-params out")
    if args.hardware is not None and args.serving_price is None:  # the chip given: serving priced by calc.serve
        from calc.service_life import lifetime_prices

        prices, modelled = lifetime_prices(args.hardware, loss=args.loss, params=args.params, tokens=args.tokens,
                                           model=args.model, law=args.law, precision=args.precision,
                                           **{k: prices[k] for k in ("training_price", "utilization")})
    elif args.hardware is not None and args.training_price is None:  # the chip prices training; serving as given
        from calc.service_life import lifetime_prices

        if args.precision is not None:  # the served format is read only where serving is modelled
            raise InputError("precision", f"the served weights' format is read with --hardware and no --serving-price "
                                          f"(serving modelled on the chip); got --precision {args.precision}")
        kw, why = lifetime_prices(args.hardware, loss=args.loss, params=args.params, tokens=args.tokens,
                                  model=args.model, law=args.law, utilization=args.utilization)
        prices["training_price"] = kw["training_price"]
        prices.pop("hardware"), prices.pop("utilization")
        training_words = why["basis"].split("; ", 1)[1]
        modelled = {"source": "modelled training, given serving", "basis": f"{training_words}; serving: the price given",
                    "training": why["training"], "serving": {"source": "given"}}
    elif args.precision is not None:  # read only where serving is modelled: said, never dropped
        raise InputError("precision", f"the served weights' format is read with --hardware and no --serving-price "
                                      f"(serving modelled on the chip); got --precision {args.precision}")
    try:
        r = lifetime(loss=args.loss, params=args.params, tokens=args.tokens, model=args.model,
                     inference_tokens=args.inference_tokens, law=args.law, **prices)
    except InputError as exc:  # the shape is --config's: said by that flag, not by --model
        if not args.config:
            raise
        field = "config" if exc.field == "model" else exc.field
        said = exc.message.replace("give model or params", "give --config or --params").replace(
            "give model or loss", "give --config or --loss").replace("the shape supplies", "its shape supplies").replace("with tokens", "with --tokens")
        raise InputError(field, said) from None

    def plan(p, priced=False):
        out = {"params": _vu(p.params, "param"), "tokens": _vu(p.tokens, "token"),
               "tokens_per_param": float(p.tokens_per_param),
               "training_compute": _vu(p.training_compute, "FLOP"), "inference_compute": _vu(p.inference_compute, "FLOP"),
               "lifetime_compute": _vu(p.lifetime_compute, "FLOP")}
        if priced:
            out.update(training_cost=_vu(p.training_cost, "USD"), serving_cost=_vu(p.serving_cost, "USD"),
                       lifetime_cost=_vu(p.lifetime_cost, "USD"))
        return out

    warning = r.warning
    break_even = float(r.break_even.m_as("token"))
    if args.json:
        out = {"model": _run_name(args.model, args.config) if args.model else None, "law": r.law, "loss": float(r.loss), "inference_tokens": _vu(r.inference_tokens, "token"),
               **plan(r.optimum), "compute_optimal": plan(r.compute_optimal),
               "saving": _vu(r.saving, "FLOP"), "saving_fraction": float(r.saving_fraction),
               "size_fraction": float(r.size_fraction), "training_overhead": float(r.training_overhead),
               "given": None if r.given is None else plan(r.given),
               "break_even": None if math.isnan(break_even) else {"value": break_even, "unit": "token"},
               "warnings": [warning] if warning else []}
        if r.cost_optimum is not None:
            out["dollars"] = {"optimum": plan(r.cost_optimum, True), "compute_optimal": plan(r.compute_optimal_cost, True),
                              "given": None if r.given_cost is None else plan(r.given_cost, True),
                              "saving": _vu(r.cost_saving, "USD"), "prices": modelled or {"source": "given"}}
        print(json.dumps(out, indent=2))
        return 0
    print(f"target loss {r.loss:.4f} nats/token under {r.law}" + (f" ({_run_name(args.model, args.config)}'s)" if args.model else "")
          + f"; {show('tokens', r.inference_tokens)} served over the model's life (2 FLOP per parameter each)")
    rows = [("lifetime optimum", r.optimum), ("compute-optimal", r.compute_optimal)]
    if r.given is not None:
        rows.append(("the run given", r.given))
    head = ["params", "tokens", "tokens/param", "training FLOP", "lifetime FLOP"]
    cells = [[show("params", p.params), show("tokens", p.tokens), number(p.tokens_per_param),
              number(p.training_compute.m_as("FLOP")), number(p.lifetime_compute.m_as("FLOP"))] for _, p in rows]
    widths = [max(w, *(len(c[i]) + 2 for c in cells)) for i, w in enumerate((14, 16, 14, 14, 14))]  # never run together
    print("\n" + f"{'':<18}" + "".join(f"{h:>{w}}" for h, w in zip(head, widths)))
    for (name, _), row in zip(rows, cells):
        print(f"{name:<18}" + "".join(f"{c:>{w}}" for c, w in zip(row, widths)))
    print(f"\nsaving against the compute-optimal model: {number(r.saving.m_as('FLOP'))} FLOP "
          f"({r.saving_fraction:.1%} of its lifetime compute); the optimum is {r.size_fraction:.0%} of its size "
          f"for {number(100 * r.training_overhead)}% more training compute (de Vries' overhead)")
    if r.given is not None:
        extra = (r.given.lifetime_compute - r.optimum.lifetime_compute).m_as("FLOP")
        print(f"saving against the run given: {number(extra)} FLOP "
              f"({extra / r.given.lifetime_compute.m_as('FLOP'):.1%} of its lifetime compute)")
    if not math.isnan(break_even):
        who = "the run given" if r.given is not None and r.break_even is not None and \
            r.given.params.m_as("param") < r.compute_optimal.params.m_as("param") * (1 - 1e-6) else "the optimum"
        print(f"break-even demand: {show('tokens', r.break_even)} ({who} costs less over its life beyond it)")
    if r.cost_optimum is not None:
        print("\ndollars (training at the --training-price, serving at the --serving-price scaled by size):" if modelled
              is None else f"\ndollars, {modelled['basis']}; serving scaled by size:")
        rows = [("cost optimum", r.cost_optimum), ("compute-optimal", r.compute_optimal_cost)]
        if r.given_cost is not None:
            rows.append(("the run given", r.given_cost))
        for name, p in rows:
            print(f"  {name:<16}{show('params', p.params):>14}  training {show('cost', p.training_cost)}, serving "
                  f"{show('cost', p.serving_cost)}, lifetime {show('cost', p.lifetime_cost)}")
        # against what, as the FLOP lines say it ("saving: $4.15M" named neither)
        print(f"  saving against the compute-optimal model: {show('cost', r.cost_saving)}")
        if r.given_cost is not None:
            print(f"  saving against the run given: "
                  f"{show('cost', (r.given_cost.lifetime_cost - r.cost_optimum.lifetime_cost).to('USD'))}")
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _run_name(model, config: str | None = None) -> str:
    """The row --model names (a run of data/models.csv, else a shape of data/architectures.csv, as
    ``calc.lifetime`` reads it), as people read it, not as typed (an alias, a spelling); --config's file name."""
    from pathlib import Path

    from calc import data
    from calc.architecture import shape_name

    if config:
        return Path(config).name
    try:
        return data.model(model).name
    except InputError:
        return shape_name(model)
