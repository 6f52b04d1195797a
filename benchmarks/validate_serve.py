"""Held-out validation of the serving model on measurements published from 2025 on: prints the table of
calc.serve.validation (ratio = predicted / measured output tokens/s per chip; above 1 the model is too fast).

    python -m benchmarks.validate_serve [--rows]   (--rows: every row's ratio, worst first, with its TTFT and
    TPOT ratios where it states them, and each refusal)

Below the table, the Server and Interactive rows' TTFT and TPOT read both ways: at the rate each run completed (the
headline's) and at the model's own limit-bound load, where their throughput is scored (``validation.at_limits``).
"""

import math
import sys
import time

from calc.serve import validation


def main() -> None:
    start = time.perf_counter()
    results = validation.outcomes()
    print(validation.table(validation.report(results)))
    refused = sum(o.refused is not None for o in results)
    print(f"\n{len(results) - refused} of {len(results)} rows scored in {time.perf_counter() - start:.1f} s")
    at_limits = validation.outcomes("limits")
    within = f"{validation.LATENCY_WITHIN:.0%}"
    for name, res in (("at the rate each run completed (the headline)", results), ("at the model's limit-bound load", at_limits)):
        print(f"Server and Interactive latencies within {within}, {name}: {_server_latency(res)}")
    if "--rows" in sys.argv:
        done = [o for o in results if o.refused is None]
        for o in sorted(done, key=lambda o: -abs(math.log(o.ratio))):
            c = o.case
            print(f"{o.ratio:6.3f}  {o.throughput_per_chip:9.0f} / {c.throughput_per_chip:9.0f}  {_latencies(o)}{c.name}"
                  + ("  (closed loop: not in the headline)" if c.scenario == validation.CLOSED_LOOP else "")
                  + ("  (static batch: not in the headline)" if c.scenario == validation.STATIC_BATCH else ""))
        for o in results:
            if o.refused is not None:
                print(f"refused {o.refused:12s} {_latencies(o)}{o.case.name}: {o.reason}")


def _server_latency(results) -> str:
    """TTFT and TPOT within 25% of the Server and Interactive rows with limits, as 'TTFT a of n, TPOT b of n'."""
    pairs = validation.latency_pairs([o for o in results if o.case.ttft_limit is not None])
    counts = {f: (sum(abs(p / m - 1) <= validation.LATENCY_WITHIN for g, p, m in pairs if g == f),
                  sum(g == f for g, _, _ in pairs)) for f in ("ttft", "tpot")}
    return ", ".join(f"{f.upper()} {k} of {n}" for f, (k, n) in counts.items())


def _latencies(o) -> str:
    """TTFT and TPOT as predicted / measured where the row states them and the model gives them, else blanks."""
    pairs = {f: p / m for f, p, m in validation.latency_pairs([o])}
    return "".join(f"{f} {pairs[f]:5.2f}  " if f in pairs else " " * 12 for f in ("ttft", "tpot"))


if __name__ == "__main__":
    main()
