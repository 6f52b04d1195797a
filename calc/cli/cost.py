"""The command ``cost``: a run's cost by every method, and the reconciliation between them."""

from __future__ import annotations

import json

from calc.cli.flags import _chip_flags, _node_price_flags, _price
from calc.errors import InputError


def _cost_parser(sub) -> None:
    co = sub.add_parser("cost", help="a run's cost by every method, and the reconciliation between them")
    co.add_argument("--model", help="a published run of data/models.csv (supplies the other flags)")
    co.add_argument("--compute", metavar="VALUE", help="training compute [FLOP]")
    _chip_flags(co)
    co.add_argument("--chip-hours", dest="chip_hours", metavar="VALUE", help="the run's chip-hours [chip*hour]")
    co.add_argument("--chips", metavar="VALUE", help="chips, for the acquisition cost [chip]")
    co.add_argument("--start", help="training start date YYYY-MM-DD (prices in force then)")
    co.add_argument("--year", type=int, help="express costs in the dollars of this year")
    co.add_argument("--price", metavar="VALUE", help="your rental price, priced first beside the listed ones "
                                                    "[USD/chip/hour], e.g. \"2 USD/chip/hour\"")
    _node_price_flags(co)
    co.add_argument("--json", action="store_true", help="print JSON instead of tables")


def _cost(args) -> int:
    from calc.cost import (
        acquisition_cost,
        amortized_cost,
        check_run,
        cloud_cost,
        given_price_cost,
        in_dollars_of,
        published_run,
        reconcile,
        scenario_start,
    )

    compute, hardware, chip_hours, chips, start = args.compute, args.hardware, args.chip_hours, args.chips, args.start
    if hardware is not None:  # a misspelt chip named first ('H10O' was told that --chip-hours is required: fresh17)
        from calc import data

        data.hardware(hardware)
    if args.model:
        run = published_run(args.model)  # the app's rule too: publication minus training time, in whole days
        compute = compute or run["compute"]
        hardware = hardware or run["hardware"]
        chips = chips or run["chips"]
        chip_hours = chip_hours if chip_hours is not None else run["chip_hours"]
        start = start or (None if run["start"] is None else run["start"].isoformat())
    dated = start is not None
    start = start or scenario_start().isoformat()  # a run of today: the newest prices, as `estimate` uses
    for name, value in (("hardware", hardware), ("chip_hours", chip_hours)):
        if value is None and args.model:  # the flag was not given, and the run does not say: name both
            said = "neither its chip-hours nor its chips and duration" if name == "chip_hours" else "no hardware"
            raise InputError(name, f"not given, and data/models.csv gives {said} for {run['name']}: give --"
                                   f"{name.replace('_', '-')} to price it")
        if value is None:
            raise InputError(name, "required (or give --model with a published run that has it)")
    hardware = check_run(chip_hours, hardware, start)[1]  # bad input fails the command; the chip is resolved once
    if args.precision and not compute:  # read only by the reconciliation, which starts from the compute
        raise InputError("precision", "only used with --compute (the reconciliation's peak); give --compute, or "
                                      "leave --precision out")
    if chips is not None:
        from calc.reader import read_chips

        read_chips(chips)
    price, how = _price(args, hardware)
    methods = [] if price is None else [given_price_cost(chip_hours, price, start, how)]
    refused = {}  # a method that cannot be priced, by its name: the row kept its reason but lost its name ("—")
    for commitment in ("on-demand", "1-year", "3-year"):
        try:
            methods.append(cloud_cost(chip_hours, hardware, start, commitment))
        except InputError as exc:
            methods.append(exc)
            refused[id(exc)] = f"cloud ({commitment})"
    for fn, arg, name in ((amortized_cost, chip_hours, "amortized ownership"), (acquisition_cost, chips, "acquisition")):
        if arg is None:
            continue
        try:
            methods.append(fn(arg, hardware, start))
        except InputError as exc:
            methods.append(exc)
            refused[id(exc)] = name
    if args.year:
        methods = [in_dollars_of(m, args.year) if not isinstance(m, InputError) else m for m in methods]
    steps = reconcile(compute, hardware, chip_hours, start, args.precision, args.year) if compute else []
    if args.json:
        out = {"start": start, "methods": [{"method": m.method, "usd": m.value.m_as("USD"), "year": m.year, "basis": m.basis,
                            "parts": {k: v.m_as("USD") for k, v in m.parts.items()}} if not isinstance(m, InputError)
                           else {"method": refused[id(m)], "error": str(m)} for m in methods],
               "reconciliation": [{"step": a, "usd": b.m_as("USD"), "why": c} for a, b, c in steps]}
        print(json.dumps(out, indent=2))
        return 0
    if not dated:
        print(f"a run starting today ({start}), at the newest prices in force (--start for another date)")
    for m in methods:
        if isinstance(m, InputError):
            print(f"{refused[id(m)]:<24} {'—':>15}  {m}")
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
