"""The commands that list what the project holds: ``claims`` (every figure of the seed articles,
recomputed), ``backtest`` (published runs recomputed from their inputs) and ``hardware`` (the accelerators)."""

from __future__ import annotations

import json

from calc.cli.flags import _vu


def _claims_parser(sub) -> None:
    cl = sub.add_parser("claims", help="recompute every figure quoted in the seed articles")
    cl.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _hardware_parser(sub) -> None:
    hw = sub.add_parser("hardware", help="list the accelerators of data/hardware.csv")
    hw.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _backtest_parser(sub) -> None:
    bt = sub.add_parser("backtest", help="recompute published training runs from their reported inputs")
    bt.add_argument("--json", action="store_true", help="print JSON instead of tables")


def _claims(args) -> int:
    from calc.claims import check_all, figures
    from calc.display import number, readable

    results = check_all()
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False))
        return 0
    rows = [("claim", "quoted", "recomputed", "ratio", "verdict", "test")]
    for r in results:
        rows.append((
            r.id,
            readable(r.quoted, r.noun),
            "—" if r.recomputed is None else readable(r.recomputed, r.noun),
            "—" if r.ratio is None else number(r.ratio),
            r.verdict,
            r.test_said,  # the tolerance the verdict applies: 1.28 "off" beside 1.11 "reproduced" read as arbitrary
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(6)]
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    ranged = [r for r in results if r.plausible is not None]
    if ranged:
        print("\nplausible 90% ranges under defensible assumptions:")
        for r in ranged:
            lo, hi = r.plausible
            print(f"  {r.id}: quoted {readable(r.quoted, r.noun)}, plausible {readable(lo, r.noun)} to {readable(hi, r.noun)} "
                  f"({r.plausible_reason}); the quote is {r.quote_against_plausible} the range")
    off = [r for r in results if r.verdict != "reproduced" and r.note]
    if off:  # the reason beside the verdict: "off" alone, with the quote inside its plausible range, read as a contradiction
        print("\nwhy each claim not reproduced lands where it does:")
        for r in off:
            print(f"  {r.id} ({r.verdict}): {r.note}")
    counts = {v: sum(r.verdict == v for r in results) for v in ("reproduced", "off", "inconsistent-units")}
    print(f"\n{len(results)} claims: " + ", ".join(f"{n} {v}" for v, n in counts.items()))
    unchecked = figures()
    if unchecked:
        print(f"\n{len(unchecked)} quoted figures are context, not checkable claims:")
        for f in unchecked:
            at = f"{f.article}, {f.where}" if f.source else f"{f.article}:{f.line}"
            print(f"  {f.id} ({at}): {f.why}")
            if f.interpretation is not None:
                print(f"    = {readable(f.interpretation)}")
            for label, q in f.more:
                print(f"    {label}: {readable(q)}")
    return 0


def _backtest(args) -> int:
    from calc.backtest import epoch_checks, modelled_checks, published_checks, summary

    checks = published_checks() + modelled_checks()
    epoch, excluded = epoch_checks()
    rows = summary(checks + epoch)
    if args.json:
        print(json.dumps({"checks": [c.to_dict() for c in checks + epoch], "summary": rows, "excluded": excluded},
                         indent=2))
        return 0
    print(f"{'run':<26}{'method':<22}{'output':<10}{'ratio':>7}  within")
    for c in checks + [c for c in epoch if not c.within]:
        mark = "yes" if c.within else "NO: " + (c.note.split(":")[0] or "reason not written down")
        print(f"{c.run[:25]:<26}{c.method:<22}{c.output:<10}{c.ratio:7.3f}  {mark}")
    print(f"({sum(c.within for c in epoch)} more Epoch AI runs within 20% not listed)\n")
    print(f"{'group':<11}{'method':<22}{'output':<10}{'runs':>5}{'median':>9}{'worst':>9}{'<5%':>6}{'<20%':>6}{'<2x':>6}")
    for r in rows:
        print(f"{r['group']:<11}{r['method']:<22}{r['output']:<10}{r['runs']:>5}"
              f"{(r['median_factor'] - 1) * 100:>8.1f}%{r['worst_factor']:>8.3g}x"
              f"{r['within_5%']:>6.0%}{r['within_20%']:>6.0%}{r['within_2x']:>6.0%}")
    for e in excluded:
        print(f"excluded: {e}")
    return 0


def _hardware(args) -> int:
    from calc.data import hardware_table
    from calc.display import show

    table = hardware_table()
    if args.json:
        print(json.dumps({h.name: {"vendor": h.vendor,
                                   "memory": None if h.memory is None else _vu(h.memory, "GB/chip"),
                                   "peak": {p: _vu(q, "FLOP/s/chip") for p, q in h.peaks.items()}}
                          for h in table.values()}, indent=2))
        return 0
    width = max(16, *(len(name) for name in table))  # the longest name sets the column (H100 SXM5 96GB 500W)
    print(f"{'accelerator':<{width}} {'vendor':<7} {'memory':>9}  dense peak by number format")
    for h in table.values():
        peaks = ", ".join(f"{p} {show('peak', q.to('FLOP/s/chip'))}" for p, q in h.peaks.items())
        mem = "" if h.memory is None else f"{h.memory.m_as('GB/chip'):,.4g} GB"
        print(f"{h.name:<{width}} {h.vendor:<7} {mem:>9}  {peaks}")
    from calc.prices import default_price

    unpriced = [name for name in table if default_price(name) is None]
    if unpriced:  # said where the chips are listed, as compare says it of the chips it is given
        print(f"(no public rental price in data/prices.csv for {len(unpriced)}: {', '.join(unpriced)}; "
              'their cost takes a price of yours: estimate --price "2.5 USD/chip/hour")')
    return 0
