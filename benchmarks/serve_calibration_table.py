"""The README's serving calibration tables: predicted / measured for every row of
data/serving_calibration.csv, and the error by hardware and engine.

    python -m benchmarks.serve_calibration_table
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from calc.display import number
from calc.serve import calibration

UNITS = {"throughput_per_chip": ("output tokens/s per chip", 1.0), "ttft": ("TTFT (ms)", 1e3), "tpot": ("TPOT (ms)", 1e3)}


def _load(m) -> str:
    """A row's load: its batch or concurrency, its request rate ("4/s"), or None (saturating)."""
    return f"{number(m.request_rate)}/s" if m.request_rate is not None else str(m.batch or m.concurrency)


def main():
    rows = calibration.compare()
    print("| model | chip | engine | precision | TP | in / out | batch or rate | figure | predicted | measured | ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for c in rows:
        m = c.row
        what, scale = UNITS[m.metric]
        print(f"| {m.model} | {m.hardware} | {m.engine} | {m.precision} | {m.tensor} | {m.input_tokens} / "
              f"{m.output_tokens} | {_load(m)} | {what} | {number(c.predicted * scale)} | "
              f"{number(m.measured * scale)} | {c.ratio:.2f} |")
    print()
    groups = defaultdict(list)
    for c in rows:
        groups[(c.row.hardware, c.row.engine, c.row.metric)].append(c)
        groups[("all", "all", c.row.metric)].append(c)
    print("| chip | engine | figure | rows | median error | worst | within 10% | within 25% |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for (hw, engine, metric), cs in sorted(groups.items(), key=lambda kv: (kv[0][2], kv[0][0] == "all", kv[0])):
        errors = np.array([abs(math.log(c.ratio)) for c in cs])
        worst = max(cs, key=lambda c: abs(math.log(c.ratio))).ratio
        print(f"| {hw} | {engine} | {UNITS[metric][0]} | {len(cs)} | {np.median(np.expm1(errors)):.0%} | "
              f"{worst:.2f}x | {np.mean(errors < math.log(1.1)):.0%} | {np.mean(errors < math.log(1.25)):.0%} |")


if __name__ == "__main__":
    main()
