"""The command line: parses flags into Quantities, calls calc, prints.

    python -m calc estimate --params "175e9 param" --tokens "300e9 token" --hardware "V100 SXM2" --chips 10000
    python -m calc claims [--json]
    python -m calc hardware

Quantity flags take unit strings ("14.8 day") or plain numbers in the canonical unit. Bad input
exits with status 2 and one line naming the flag; there is never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from calc.errors import InputError
from calc.vocabulary import BY_NAME, TERMS


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        """Usage errors: one line, status 2, like every other bad input."""
        self.exit(2, f"calc: error: {message}\n")


def _flag(name: str) -> str:
    return BY_NAME[name].flag if name in BY_NAME else "--" + name.replace("_", "-")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m calc`` (also used to document the flags)."""
    parser = _Parser(prog="calc", description="Training-cost and scaling calculator, with units.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    est = sub.add_parser("estimate", help="fill in a training run from any consistent subset of its quantities")
    for t in TERMS:
        unit = f" [{t.unit or 'fraction'}]" if t.unit is not None else ""
        est.add_argument(t.flag, dest=t.name, metavar="VALUE", help=f"{t.meaning}{unit}")
    est.add_argument("--rtol", type=float, default=None, help="tolerance between over-determined inputs (default 0.05)")
    est.add_argument("--samples", type=int, default=10_000,
                     help="draws when any input is a range such as 0.2..0.5 (default 10000)")
    est.add_argument("--seed", type=int, default=0, help="seed of the random generator for ranges (default 0)")
    est.add_argument("--json", action="store_true", help="print JSON instead of a table")

    cl = sub.add_parser("claims", help="recompute every figure quoted in the seed articles")
    cl.add_argument("--json", action="store_true", help="print JSON instead of a table")

    sub.add_parser("hardware", help="list the accelerators of data/hardware.csv")

    co = sub.add_parser("cost", help="a run's cost by every method, and the reconciliation between them")
    co.add_argument("--model", help="a published run of data/models.csv (supplies the other flags)")
    co.add_argument("--compute", metavar="VALUE", help="training compute [FLOP]")
    co.add_argument("--hardware", help="accelerator name from data/hardware.csv")
    co.add_argument("--precision", help="number format of the peak (default: the chip's 16-bit format)")
    co.add_argument("--chip-hours", dest="chip_hours", metavar="VALUE", help="the run's chip-hours [chip*hour]")
    co.add_argument("--chips", metavar="VALUE", help="chips, for the acquisition cost [chip]")
    co.add_argument("--start", help="training start date YYYY-MM-DD (prices in force then)")
    co.add_argument("--year", type=int, help="express costs in the dollars of this year")
    co.add_argument("--json", action="store_true", help="print JSON instead of tables")

    th = sub.add_parser("thresholds", help="which regulatory lines a run or a cluster crosses")
    th.add_argument("--compute", metavar="VALUE", help="training compute [FLOP]")
    th.add_argument("--fine-tuning", dest="fine_tuning", metavar="VALUE", help="later fine-tuning compute [FLOP]")
    th.add_argument("--cost", metavar="VALUE", help="the run's cost [USD] (California SB 1047)")
    th.add_argument("--biological", action="store_true", help="the model is trained mainly on biological sequence data")
    th.add_argument("--chips", metavar="VALUE", help="cluster size [chip]")
    th.add_argument("--hardware", help="accelerator of the cluster")
    th.add_argument("--utilization", metavar="VALUE", help="for the days needed to reach each line (default: median)")
    th.add_argument("--budget", metavar="VALUE", help="how many runs to each line this budget buys [USD]")
    th.add_argument("--json", action="store_true", help="print JSON instead of tables")

    def shape_flags(p):
        p.add_argument("--model", help="a shape of data/architectures.csv (GPT-3 175B, Llama 2 70B...)")
        for flag, help_ in (("--layers", "layers"), ("--d-model", "model width"), ("--heads", "attention heads"),
                            ("--kv-heads", "key/value heads (grouped-query attention)"), ("--d-ff", "feed-forward width"),
                            ("--vocab", "vocabulary size"), ("--context", "context length in tokens"),
                            ("--experts", "experts (mixture of experts)"), ("--experts-per-token", "experts used per token")):
            p.add_argument(flag, type=int, help=help_)
        p.add_argument("--gated", action="store_true", help="SwiGLU-style feed-forward")
        p.add_argument("--untied", action="store_true", help="separate unembedding matrix")

    pa = sub.add_parser("params", help="exact parameters and FLOP per token from a transformer's shape")
    shape_flags(pa)
    me = sub.add_parser("memory", help="training memory per chip, and the fewest chips that hold the run")
    shape_flags(me)
    me.add_argument("--hardware", default="H100 SXM5", help="accelerator (default H100 SXM5)")
    me.add_argument("--recompute", default="full", help="activation recomputation: none, selective, full")
    me.add_argument("--zero", type=int, default=3, help="ZeRO stage 0-3 (default 3)")
    me.add_argument("--data-parallel", dest="data_parallel", type=int, default=1, help="data-parallel ranks")
    me.add_argument("--tensor", type=int, default=1, help="tensor-parallel ranks")
    me.add_argument("--pipeline", type=int, default=1, help="pipeline stages")
    me.add_argument("--micro-batch", dest="micro_batch", type=int, default=1, help="sequences per micro-batch")
    op = sub.add_parser("optimal", help="compute-optimal params and tokens for a budget, by scaling law")
    op.add_argument("--compute", metavar="VALUE", help="budget [FLOP]")
    op.add_argument("--params", metavar="VALUE", help="an actual run's parameters, to compare with the optimum")
    op.add_argument("--tokens", metavar="VALUE", help="an actual run's tokens")
    op.add_argument("--law", help="hoffmann2022, besiroglu2024 or kaplan2020 (default: all)")

    bt = sub.add_parser("backtest", help="recompute published training runs from their reported inputs")
    bt.add_argument("--json", action="store_true", help="print JSON instead of tables")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0, or 2 on bad input)."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "estimate":
            return _estimate(args)
        if args.command == "claims":
            return _claims(args)
        if args.command == "hardware":
            return _hardware()
        if args.command == "backtest":
            return _backtest(args)
        if args.command == "cost":
            return _cost(args)
        if args.command in ("params", "memory"):
            return _shape_command(args)
        if args.command == "optimal":
            return _optimal(args)
        if args.command == "thresholds":
            return _thresholds(args)
    except InputError as exc:
        print(f"calc: error: {_flagged(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader (head, less) closed the pipe: not an error of ours
        sys.stderr.close()
        return 0
    return 0


def _flagged(exc: InputError) -> str:
    fields = getattr(exc, "fields", None) or (exc.field,)
    message = getattr(exc, "message", str(exc))
    if all(f.isidentifier() for f in fields):
        text = ", ".join(_flag(f) for f in fields) + ": " + message
    else:
        text = str(exc)
    return " ".join(text.split())  # one line


def _estimate(args) -> int:
    from calc.display import show
    from calc.estimate import estimate

    known, notes = {}, []
    for name in (t.name for t in TERMS):
        raw = getattr(args, name)
        if raw is None:
            continue
        known[name] = raw  # bare numbers follow the one rule of calc.units.parse_quantity
    if args.rtol is not None and not (0 < args.rtol < 10):
        raise InputError("rtol", f"expected a tolerance between 0 and 10, got {args.rtol}")
    if any(isinstance(v, str) and ".." in v for v in known.values()):
        return _simulate(args, known, notes)
    result = estimate(rtol=args.rtol, **known)
    warnings = notes + list(result.warnings)
    if args.json:
        out = result.to_dict()
        out["warnings"] = warnings
        print(json.dumps(out, indent=2))
        return 0
    width = max(len(n) for n in result.items)
    for name, item in result.items.items():
        print(f"{name:<{width}}  {show(name, item.value):<42} {item.source:<8} {item.how if item.source != 'given' else ''}".rstrip())
    for name, why in result.undetermined.items():
        print(f"{name:<{width}}  {'—':<42} {'unknown':<8} {why}")
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def _simulate(args, known: dict, notes: list[str]) -> int:
    from calc.display import show
    from calc.uncertainty import simulate

    sim = simulate(samples=args.samples, seed=args.seed, **known)
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
    for name, item in est.items.items():
        lo, mid, hi = sim.interval(name)
        spread = "" if lo.magnitude == hi.magnitude else f"  [{show(name, lo, True)} – {show(name, hi, True)}]"
        print(f"{name:<{width}}  {show(name, mid, True) + spread:<52} {item.source}")
    if output is not None:
        print(f"\nwhat drives {output} (each range alone across its 90% interval):")
        for n, lo, hi in sim.sensitivity(output):
            print(f"  {n:<{width}}  {show(output, lo, True)} – {show(output, hi, True)}")
    for w in notes + list(est.warnings):
        print(f"warning: {w}", file=sys.stderr)
    return 0


def _claims(args) -> int:
    from calc.claims import check_all, figures
    from calc.display import number

    results = check_all()
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False))
        return 0
    rows = [("claim", "quoted", "recomputed", "ratio", "verdict")]
    for r in results:
        rows.append((
            r.id,
            f"{number(r.quoted.magnitude)} {r.quoted.units:~P}".strip(),
            "—" if r.recomputed is None else f"{number(r.recomputed.magnitude)} {r.recomputed.units:~P}".strip(),
            "—" if r.ratio is None else number(r.ratio),
            r.verdict,
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    ranged = [r for r in results if r.plausible is not None]
    if ranged:
        print("\nplausible 90% ranges under defensible assumptions:")
        for r in ranged:
            lo, hi = r.plausible
            print(f"  {r.id}: quoted {number(r.quoted.magnitude)}, plausible {number(lo.magnitude)} to "
                  f"{number(hi.magnitude)} {lo.units:~P} ({r.plausible_reason})")
    counts = {v: sum(r.verdict == v for r in results) for v in ("reproduced", "off", "inconsistent-units")}
    print(f"\n{len(results)} claims: " + ", ".join(f"{n} {v}" for v, n in counts.items()))
    unchecked = figures()
    if unchecked:
        print(f"\n{len(unchecked)} quoted figures are context, not checkable claims:")
        for f in unchecked:
            print(f"  {f.id} ({f.article}:{f.line}): {f.why}")
    return 0


def _cost(args) -> int:
    from calc import data
    from calc.cost import acquisition_cost, amortized_cost, check_run, cloud_cost, in_dollars_of, reconcile

    compute, hardware, chip_hours, chips, start = args.compute, args.hardware, args.chip_hours, args.chips, args.start
    if args.model:
        m = data.model(args.model)
        q = m.quantities
        compute = compute or (q["compute"] if "compute" in q else None)
        hardware = hardware or m.hardware
        chips = chips or (q["chips"] if "chips" in q else None)
        if chip_hours is None and "chip_hours" in q:
            chip_hours = q["chip_hours"]
        elif chip_hours is None and "chips" in q and "duration" in q:
            chip_hours = q["chips"] * q["duration"]
        if start is None and m.date is not None:  # publication minus training time: an upper bound on the start
            start = (m.date - dt.timedelta(days=q["duration"].m_as("day")) if "duration" in q else m.date).isoformat()
    for name, value in (("hardware", hardware), ("chip_hours", chip_hours), ("start", start)):
        if value is None:
            raise InputError(name, "required (or give --model with a published run that has it)")
    check_run(chip_hours, hardware, start)  # bad input fails the command; only missing price data is per method
    methods = []
    for commitment in ("on-demand", "1-year", "3-year"):
        try:
            methods.append(cloud_cost(chip_hours, hardware, start, commitment))
        except InputError as exc:
            methods.append(exc)
    for fn, arg in ((amortized_cost, chip_hours), (acquisition_cost, chips)):
        if arg is None:
            continue
        try:
            methods.append(fn(arg, hardware, start))
        except InputError as exc:
            methods.append(exc)
    if args.year:
        methods = [in_dollars_of(m, args.year) if not isinstance(m, InputError) else m for m in methods]
    steps = reconcile(compute, hardware, chip_hours, start, args.precision, args.year) if compute else []
    if args.json:
        out = {"methods": [{"method": m.method, "usd": m.value.m_as("USD"), "year": m.year, "basis": m.basis,
                            "parts": {k: v.m_as("USD") for k, v in m.parts.items()}} if not isinstance(m, InputError)
                           else {"error": str(m)} for m in methods],
               "reconciliation": [{"step": a, "usd": b.m_as("USD"), "why": c} for a, b, c in steps]}
        print(json.dumps(out, indent=2))
        return 0
    for m in methods:
        if isinstance(m, InputError):
            print(f"{'—':<24} {m}")
        else:
            print(f"{m.method:<24} ${m.value.m_as('USD'):>14,.0f}  ({m.year} USD)  {m.basis}")
    if steps:
        print("\nreconciliation, one factor at a time:")
        prev = None
        for label, value, why in steps:
            factor = "" if prev is None else f"x{value.m_as('USD') / prev:.2f}"
            print(f"  {label:<28} ${value.m_as('USD'):>14,.0f} {factor:>7}  {why}")
            prev = value.m_as("USD")
    return 0


def _shape(args):
    from calc.architecture import Transformer, published

    if args.model:
        shapes = published()
        if args.model not in shapes:
            raise InputError("model", f"unknown shape {args.model!r}; known: {', '.join(shapes)}")
        return shapes[args.model][0]
    missing = [f for f in ("layers", "d_model", "heads", "vocab", "context") if getattr(args, f) is None]
    if missing:
        raise InputError(missing[0], "required (or give --model)")
    return Transformer(layers=args.layers, d_model=args.d_model, heads=args.heads, kv_heads=args.kv_heads,
                       d_ff=args.d_ff, gated=args.gated, vocab=args.vocab, context=args.context,
                       tied_embeddings=not args.untied, experts=args.experts or 1,
                       experts_per_token=args.experts_per_token or 1)


def _shape_command(args) -> int:
    from calc.display import number

    t = _shape(args)
    if args.command == "params":
        print(f"params         {t.params().m_as('param'):,.0f}")
        print(f"active params  {t.active_params().m_as('param'):,.0f}")
        for k, v in t.breakdown().items():
            print(f"  {k:<22} {v.m_as('param'):>18,.0f}")
        for count in ("kaplan2020", "palm2022", "megatron2021", "megatron2021-recompute"):
            value = number(t.flop_per_token(count).m_as("FLOP/token")) if t.is_megatron_shape or not count.startswith(
                "megatron") else "n/a (eq. 3 assumes a dense 4h transformer)"
            print(f"FLOP/token {count:<24} {value}")
        print(f"the PaLM count is {t.six_nd_gap():.1%} above 6N at context {t.context}")
        return 0
    from calc.memory import min_chips, training_memory

    m = training_memory(t, micro_batch=args.micro_batch, recompute=args.recompute, zero=args.zero,
                        data_parallel=args.data_parallel, tensor=args.tensor, pipeline=args.pipeline)
    for k, v in m.parts.items():
        print(f"{k:<16} {v.m_as('GB/chip'):>12,.2f} GB/chip")
    print(f"{'total':<16} {m.total.m_as('GB/chip'):>12,.2f} GB/chip")
    n, tp = min_chips(t, args.hardware, micro_batch=args.micro_batch, recompute=args.recompute)
    print(f"fewest {args.hardware} that hold the training state: {n.m_as('chip'):,.0f} (ZeRO-3, tensor parallel {tp})")
    return 0


def _optimal(args) -> int:
    from calc.display import show
    from calc.scaling import allocation, compute_optimal, laws

    names = [args.law] if args.law else list(laws())
    if args.params and args.tokens:
        for name in names:
            a = allocation(args.params, args.tokens, name)
            o = a["optimal"]
            print(f"{name:<14} loss {a['loss']:.3f} (optimal {o.loss:.3f}); params {a['params_over_optimal']:.2f}x "
                  f"and tokens {a['tokens_over_optimal']:.2f}x the optimum for {show('compute', o.compute)}")
        return 0
    if not args.compute:
        raise InputError("compute", "required (or give --params and --tokens)")
    for name in names:
        o = compute_optimal(args.compute, name)
        print(f"{name:<14} {show('params', o.params):<16} {show('tokens', o.tokens):<18} "
              f"{o.tokens_per_param:6.1f} tokens/param  loss {o.loss:.3f}")
    return 0


def _thresholds(args) -> int:
    from calc.data import thresholds
    from calc.display import show
    from calc.thresholds import cluster_crossings, run_crossings, runs_per_budget, time_to_reach

    if not (args.compute or (args.chips and args.hardware)):
        raise InputError("compute", "give --compute for a run, or --chips and --hardware for a cluster")
    rows = []
    if args.compute:
        rows += run_crossings(args.compute, args.fine_tuning, args.cost,
                              "biological sequence data" if args.biological else "all models")
    if args.chips and args.hardware:
        rows += cluster_crossings(args.chips, args.hardware)
    reach = []
    if args.chips and args.hardware:
        lines = sorted({t.compute.m_as("FLOP") for t in thresholds().values() if t.compute and t.applies_to == "all models"})
        for line in lines:
            est = time_to_reach(f"{line} FLOP", args.chips, args.hardware, args.utilization)
            reach.append((line, est))
    if args.json:
        print(json.dumps({
            "crossings": [{"threshold": c.threshold.id, "name": c.threshold.name, "status": c.threshold.status,
                           "measure": c.measure, "value": c.value.magnitude, "line": c.line.magnitude,
                           "unit": f"{c.line.units:~C}", "ratio": c.ratio, "crosses": c.crosses} for c in rows],
            "time_to_reach": [{"compute": line, "days": e.duration.m_as("day"),
                               "cost_usd": e.cost.m_as("USD") if "cost" in e else None} for line, e in reach],
        }, indent=2))
        return 0
    for c in rows:
        t = c.threshold
        verdict = "CROSSES" if c.crosses else "at line" if c.ratio == 1 else "below"
        dates = f"{t.signed}" + (f", revoked {t.revoked}" if t.revoked else "")
        print(f"{verdict:<8} {c.ratio:>9.3g}x  {c.measure:<26} {t.name} [{t.jurisdiction}; {t.status}, {dates}]")
    if reach:
        from calc.cost import all_methods, latest_covered_date

        start = latest_covered_date(args.hardware)
        print(f"\nwhat each line takes {args.chips} {args.hardware} (costs at the prices of {start}, the latest the data covers):")
    for line, e in reach:
        costs = "; ".join(f"{m.method} {show('cost', m.value)}" if not isinstance(m, InputError)
                          else f"({m.message})" for m in all_methods(e.chip_hours, args.hardware, start))
        budget = ""
        if args.budget and "cost" in e:
            budget = f"; {args.budget} buys {runs_per_budget(args.budget, e.cost):,.1f} such runs on demand"
        print(f"  {line:.0e} FLOP: {show('duration', e.duration)} at {show('utilization', e.utilization)} "
              f"utilization; {costs}{budget}")
    return 0


def _backtest(args) -> int:
    from calc.backtest import epoch_checks, published_checks, summary

    checks = published_checks()
    epoch, excluded = epoch_checks()
    rows = summary(checks + epoch)
    if args.json:
        print(json.dumps({"checks": [c.to_dict() for c in checks + epoch], "summary": rows, "excluded": excluded},
                         indent=2))
        return 0
    print(f"{'run':<26}{'method':<20}{'output':<10}{'ratio':>7}  within")
    for c in checks + [c for c in epoch if not c.within]:
        mark = "yes" if c.within else "NO: " + (c.note.split(":")[0] or "reason not written down")
        print(f"{c.run[:25]:<26}{c.method:<20}{c.output:<10}{c.ratio:7.3f}  {mark}")
    print(f"({sum(c.within for c in epoch)} more Epoch AI runs within 20% not listed)\n")
    print(f"{'group':<11}{'method':<20}{'output':<10}{'runs':>5}{'median':>9}{'worst':>9}{'<5%':>6}{'<20%':>6}{'<2x':>6}")
    for r in rows:
        print(f"{r['group']:<11}{r['method']:<20}{r['output']:<10}{r['runs']:>5}"
              f"{(r['median_factor'] - 1) * 100:>8.1f}%{r['worst_factor']:>8.3g}x"
              f"{r['within_5%']:>6.0%}{r['within_20%']:>6.0%}{r['within_2x']:>6.0%}")
    for e in excluded:
        print(f"excluded: {e}")
    return 0


def _hardware() -> int:
    from calc.data import hardware_table
    from calc.display import si

    for h in hardware_table().values():
        peaks = ", ".join(f"{p} {si(q, 'FLOP/s/chip', space='')}" for p, q in h.peaks.items())
        mem = "" if h.memory is None else f"{h.memory.m_as('GB/chip'):g} GB"
        print(f"{h.name:<16} {h.vendor:<7} {mem:>7}  {peaks}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
