"""Held-out validation of the serving model on measurements published from 2025 on: prints the table of
calc.serve.validation (ratio = predicted / measured output tokens/s per chip; above 1 the model is too fast).

    python -m benchmarks.validate_serve [--rows]   (--rows: every row's ratio, worst first, with its TTFT and
    TPOT ratios where it states them, and each refusal)
"""

import math
import sys
import time

from calc.serve import validation


def main() -> None:
    start = time.perf_counter()
    results = validation.outcomes()
    print(validation.table(validation.report(results)))
    print(f"\n{time.perf_counter() - start:.1f} s")
    if "--rows" in sys.argv:
        done = [o for o in results if o.refused is None]
        for o in sorted(done, key=lambda o: -abs(math.log(o.ratio))):
            c = o.case
            print(f"{o.ratio:6.3f}  {o.throughput_per_chip:9.0f} / {c.throughput_per_chip:9.0f}  {_latencies(o)}{c.name}"
                  + ("  (closed loop: not in the headline)" if c.scenario == validation.CLOSED_LOOP else ""))
        for o in results:
            if o.refused is not None:
                print(f"refused {o.refused:12s} {_latencies(o)}{o.case.name}: {o.reason}")


def _latencies(o) -> str:
    """TTFT and TPOT as predicted / measured where the row states them and the model gives them, else blanks."""
    pairs = {f: p / m for f, p, m in validation.latency_pairs([o])}
    return "".join(f"{f} {pairs[f]:5.2f}  " if f in pairs else " " * 12 for f in ("ttft", "tpot"))


if __name__ == "__main__":
    main()
