"""Which published layouts of data/validation_runs.csv fit in their chips' memory, and the measured peaks.

    python -m benchmarks.memory_fit

Prints how many rows have a shape, how many layouts fit, refuse or need more memory (with by how much), and
for each published peak memory the modelled one beside it (tests/test_memory_fit.py holds the bars).
"""

from __future__ import annotations

import collections
import math
import statistics

from calc.perf import runs


def main() -> None:
    counts, over, refused, peaks = collections.Counter(), [], [], []
    published = runs.published_runs()
    for run in published:
        if run.model is None:
            counts["no shape"] += 1
            refused.append((run.name, run.why))
            continue
        try:
            layout, _, need, have = runs.run_memory(run)
        except ValueError as exc:
            counts["refused"] += 1
            refused.append((run.name, str(exc)))
            continue
        if run.peak_memory:
            peaks.append((run.name, need / 1e9, run.peak_memory, layout.describe()))
        if need <= have:
            counts["fits"] += 1
        else:
            counts["needs more"] += 1
            over.append((run.name, (need - have) / 1e9, have / 1e9))
    print(f"{len(published)} published runs: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    for name, why in refused:
        print(f"  no layout  {name}: {why[:110]}")
    for name, more, have in over:
        print(f"  needs {more:6.1f} GB more than {have:3.0f} GB  {name}")
    print("measured peak memory (GB per chip): modelled / measured")
    for name, model, measured, layout in peaks:
        print(f"  {model / measured:5.2f}  {model:6.1f} / {measured:6.1f}  {name} ({layout})")
    if peaks:
        logs = [abs(math.log(m / p)) for _, m, p, _ in peaks]
        print(f"median |ln(modelled / measured)| {statistics.median(logs):.3f} over {len(peaks)} runs")


if __name__ == "__main__":
    main()
