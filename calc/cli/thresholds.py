"""The command ``thresholds``: which regulatory lines a run or a cluster crosses, and what each takes."""

from __future__ import annotations

import json
import sys

from calc.cli.flags import _chip_flags
from calc.errors import InputError


def _thresholds_parser(sub) -> None:
    th = sub.add_parser("thresholds", help="which regulatory lines a run or a cluster crosses",
                        description="The run by its compute, by --params and --tokens (6 x params x tokens, or "
                                    "--flop-per-param-token), or by --model (a published run of data/models.csv: its "
                                    "compute, and its chips and hardware for the cluster unless given).")
    th.add_argument("--compute", metavar="VALUE", help="training compute [FLOP]")
    th.add_argument("--params", metavar="VALUE", help="the run's (active) parameters [param], with --tokens")
    th.add_argument("--tokens", metavar="VALUE", help="the run's training tokens [token], with --params")
    th.add_argument("--flop-per-param-token", dest="flop_per_param_token", metavar="VALUE",
                    help="with --params and --tokens (default 6, Kaplan et al. 2020)")
    th.add_argument("--model", help="a published run of data/models.csv, e.g. \"Llama 3.1 405B\"")
    th.add_argument("--fine-tuning", dest="fine_tuning", metavar="VALUE", help="later fine-tuning compute [FLOP]")
    th.add_argument("--cost", metavar="VALUE", help="the run's cost [USD] (California SB 1047)")
    th.add_argument("--biological", action="store_true", help="the model is trained mainly on biological sequence data")
    th.add_argument("--chips", metavar="VALUE", help="cluster size [chip]")
    _chip_flags(th, precision=False)
    th.add_argument("--utilization", metavar="VALUE", help="for the days needed to reach each line (default: median)")
    th.add_argument("--budget", metavar="VALUE", help="how many runs to each line this budget buys [USD]")
    th.add_argument("--json", action="store_true", help="print JSON instead of tables")


def _thresholds(args) -> int:
    from calc import data
    from calc.data import thresholds
    from calc.display import number, show
    from calc.thresholds import cluster_crossings, run_crossings, runs_per_budget, time_to_reach

    _read_run(args)
    rows = []
    if args.compute:
        rows += run_crossings(args.compute, args.fine_tuning, args.cost,
                              "biological sequence data" if args.biological else "all models")
    hw = None
    if args.chips and args.hardware:
        rows += cluster_crossings(args.chips, args.hardware)
        hw = data.hardware(args.hardware)  # resolved once (cluster_crossings checked the chips first)
    reach = []
    if hw is not None:
        shape = _shape_of(args.model)  # a published run with a shape: its modelled utilization, as estimate's
        lines = sorted({t.compute.m_as("FLOP") for t in thresholds().values() if t.compute and t.applies_to == "all models"})
        for line in lines:
            est = time_to_reach(f"{line} FLOP", args.chips, hw, args.utilization, model=shape)
            reach.append((line, est))
    start = None
    if reach:
        from calc.cost import all_methods, default_price, price_basis, scenario_start

        start = scenario_start()  # a run of today, at the newest prices in force: `estimate`'s price
    costed = []  # (line, estimate, {method: cost or the reason it has none}, on-demand cost, runs the budget buys)
    for line, e in reach:
        methods = all_methods(e.chip_hours, hw, start)
        names = ("cloud (on-demand)", "cloud (3-year)", "amortized ownership")  # all_methods' order
        by_method = {m.method if not isinstance(m, InputError) else name: m if isinstance(m, InputError) else m.value
                     for name, m in zip(names, methods)}
        rent = next((m.value for m in methods if not isinstance(m, InputError) and m.method == "cloud (on-demand)"), None)
        runs = runs_per_budget(args.budget, rent) if args.budget and rent is not None else None
        costed.append((line, e, by_method, methods, runs))
    # said once, as estimate says them: a billion H100 took 26.6 seconds to 10^25 FLOP without a word
    warnings = list(dict.fromkeys(w for _, e in reach for w in e.warnings))
    if args.json:
        print(json.dumps({
            "crossings": [{"threshold": c.threshold.id, "name": c.threshold.name, "status": c.threshold.status,
                           "measure": c.measure, "value": c.value.magnitude, "line": c.line.magnitude,
                           "unit": f"{c.line.units:~C}", "ratio": c.ratio, "crosses": c.crosses} for c in rows],
            "prices_of": None if start is None else str(start),
            "time_to_reach": [{"compute": line, "days": e.duration.m_as("day"), "utilization": float(e.utilization),
                               "cost_usd": {k: (v.m_as("USD") if not isinstance(v, InputError) else None)
                                            for k, v in by_method.items()},
                               "no_cost_because": {k: v.message for k, v in by_method.items()
                                                   if isinstance(v, InputError)},
                               "runs_within_budget": runs} for line, e, by_method, _, runs in costed],
            "warnings": warnings,
        }, indent=2))
        return 0
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    wide = max((len(c.measure) for c in rows), default=0)  # "cluster peak (fp16-nontensor)" is 29 characters
    for c in rows:
        t = c.threshold
        verdict = "CROSSES" if c.crosses else "at line" if c.ratio == 1 else "below"
        dates = (f"vetoed {t.signed}" if t.status == "vetoed" else
                 f"signed {t.signed}" + (f", revoked {t.revoked}" if t.revoked else
                                          "" if t.status == "signed" else f", {t.status}"))
        print(f"{verdict:<8} {number(c.ratio) + 'x':>12}  {c.measure:<{wide}}  {t.name} [{t.jurisdiction}; {dates}]")
    if reach:
        n = reach[0][1].chips
        cluster = f"{show('chips', n)} of {args.hardware}"
        print(f"\nwhat each line takes {cluster} (costs of a run starting today, {start}, at the newest prices "
              "in force):")
        on_demand = default_price(hw, "on-demand", start)
        if on_demand is not None:
            tiers = ("the 3-year price from the same cloud" if default_price(hw, "3-year", start)
                     else f"{on_demand.vendor} lists no 3-year price for it")
            print(f"  cloud prices: {price_basis(on_demand)}; {tiers}")
        used = reach[0][1]["utilization"]
        if used.source == "modelled" or used.why_default:  # a shape was known: what came of it
            print(f"  utilization: {used.why_default or used.how.split(' (calc.perf.search)')[0]}")
        reasons = dict.fromkeys(m.message for *_, methods, _ in costed for m in methods if isinstance(m, InputError))
        for why in reasons:  # said once for every line, not inside each; the missing 3-year tier is said above
            if on_demand is None or "3-year" not in why:
                print(f"  not priced: {why}")
    for line, e, _, methods, runs in costed:
        costs = "; ".join(f"{m.method} {show('cost', m.value)}" for m in methods if not isinstance(m, InputError))
        budget = "" if runs is None else f"; {args.budget} buys {runs:,.1f} such runs on demand"
        print(f"  {number(line)} FLOP: {show('duration', e.duration)} at {show('utilization', e.utilization)} "
              f"utilization{'; ' + costs if costs else ''}{budget}")
    return 0


def _shape_of(model: str | None) -> str | None:
    """The shape of a published run (``--model``) when data/architectures.csv has it, else None (a run's
    parameter count alone is not a shape: the default utilization stands)."""
    if model is None:
        return None
    from calc import data
    from calc.architecture import published

    name = data.model(model).name
    return name if name in published() else None


def _read_run(args) -> None:
    """The run's compute (into args.compute) and the flags read with it: a flag that would be dropped is refused."""
    _run_compute(args)
    if not (args.compute or (args.chips and args.hardware)):
        raise InputError("compute", "give the run (--compute, --params and --tokens, or --model) or a cluster "
                                    "(--chips and --hardware)")
    for name in ("utilization", "budget"):
        if getattr(args, name) is not None and not (args.chips and args.hardware):
            raise InputError(name, "only used with --chips and --hardware (what each line takes that cluster); "
                                   "give them, or leave this flag out")
    if args.utilization is not None:
        from calc.reader import read_value

        read_value("utilization", args.utilization)
    for name in ("fine_tuning", "cost", "biological"):  # lines of a run: without one, they would be dropped
        if getattr(args, name) and not args.compute:
            raise InputError(name, "only used with the run (--compute, --params and --tokens, or --model); give it, "
                                   "or leave this flag out")


def _run_compute(args) -> None:
    """thresholds: the run's compute from --params and --tokens, or from --model, into args.compute (said on
    stderr); --compute with either is refused, not one of them dropped."""
    from calc.estimate import estimate

    size = {n: getattr(args, n) for n in ("params", "tokens", "flop_per_param_token") if getattr(args, n) is not None}
    if args.compute and (size or args.model):
        raise InputError("compute", "give the run's compute, or its --params and --tokens, or --model; not two of them")
    if args.model and size:
        raise InputError("model", "give --model (a published run) or --params and --tokens, not both")
    if args.model:
        from calc import data

        m = data.model(args.model)
        q = m.quantities
        if "compute" in q:
            args.compute, how = q["compute"], f"{m.name}'s reported compute (data/models.csv)"
        elif "params" in q and "tokens" in q:
            size = {"params": q.get("active_params", q["params"]), "tokens": q["tokens"]}
            how = f"{m.name}'s parameters and tokens (data/models.csv)"
        else:
            raise InputError("model", f"data/models.csv gives neither the compute nor the parameters and tokens of "
                                      f"{m.name}; give --compute")
        if args.chips is None and args.hardware is None and "chips" in q and m.hardware:
            args.chips, args.hardware = q["chips"], m.hardware
            how += f"; its cluster, {q['chips'].m_as('chip'):,.0f} {m.hardware}"
    if size:
        missing = [n for n in ("params", "tokens") if n not in size]
        if missing:
            raise InputError(missing[0], f"required with --{'tokens' if missing[0] == 'params' else 'params'}: the "
                                         "run's compute is flop_per_param_token x params x tokens")
        est = estimate(**size)
        args.compute = est.compute
        if not args.model:
            how = f"{est['flop_per_param_token'].value.m_as('FLOP/param/token'):g} x params x tokens"
    if args.compute is not None and (size or args.model) and not args.json:
        from calc.display import show

        print(f"the run: {show('compute', args.compute)}, {how}\n")
