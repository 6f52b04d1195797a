"""10^6 scenarios through calc.estimate (with units) against the same arithmetic in bare numpy.

Run: python benchmarks/bench_estimate.py [N]. Prints a table of median times and the ratio.
Not a timed test: the ratio is measured against a baseline in the same run.
"""

from __future__ import annotations

import sys
import time
import tracemalloc

import numpy as np

import calc


def scenarios(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "params": 10 ** rng.uniform(8, 12, n),
        "tokens": 10 ** rng.uniform(10, 13, n),
        "chips": np.round(10 ** rng.uniform(1, 5, n)),
        "utilization": rng.uniform(0.2, 0.6, n),
        "price": rng.uniform(1, 4, n),
    }


def with_units(s, peak):
    return calc.estimate(params=s["params"], tokens=s["tokens"], chips=s["chips"], utilization=s["utilization"],
                         peak=calc.Q_(peak, "FLOP/s/chip"), price=calc.Q_(s["price"], "USD/chip/hour"),
                         power=calc.Q_(700.0, "W/chip"), pue=1.1, carbon_intensity=calc.Q_(0.429, "kg/kWh"))


def bare_numpy(s, peak):
    """The same outputs, the same validation (inputs and outputs finite and positive), no units."""
    def check(a):  # min/max propagate NaN: one pass each
        lo, hi = a.min(), a.max()
        if not (np.isfinite(lo) and np.isfinite(hi) and lo > 0):
            raise ValueError
        return a

    for a in s.values():
        check(a)
    if s["utilization"].max() > 1:
        raise ValueError
    compute = check(6.0 * s["params"] * s["tokens"])
    duration = check(compute / (s["chips"] * peak * s["utilization"]))
    chip_hours = check(s["chips"] * duration / 3600.0)
    cost = check(chip_hours * s["price"])
    energy = check(chip_hours * 700.0 * 1.1 / 1000.0)  # kWh
    emissions = check(energy * 0.429 / 1000.0)  # t
    return compute, duration, chip_hours, cost, energy, emissions


def best_of(fn, repeat=7):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main(n: int = 1_000_000) -> None:
    s = scenarios(n)
    peak = 989.4e12
    est = with_units(s, peak)
    ref = bare_numpy(s, peak)
    np.testing.assert_allclose(est.cost.m_as("USD"), ref[3], rtol=1e-9)
    np.testing.assert_allclose(est.emissions.m_as("t"), ref[5], rtol=1e-9)

    # Interleaved: each calc run is paired with the numpy run next to it, so a load that comes and
    # goes on a shared machine hits both sides of a ratio alike; the median pair ratio is reported.
    pairs = []
    for _ in range(15):
        a = best_of(lambda: bare_numpy(s, peak), repeat=1)
        b = best_of(lambda: with_units(s, peak), repeat=1)
        pairs.append((a, b))
    t_numpy = float(np.median([a for a, _ in pairs]))
    t_units = float(np.median([b for _, b in pairs]))
    ratios = sorted(b / a for a, b in pairs)
    raw = sum(a.nbytes for a in s.values())
    tracemalloc.start()
    with_units(s, peak)
    peak_mem = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{n:,} scenarios, 15 interleaved pairs")
    print(f"  {'bare numpy':<24}{t_numpy * 1e3:9.1f} ms (median)")
    print(f"  {'calc.estimate (units)':<24}{t_units * 1e3:9.1f} ms (median)   ratio {np.median(ratios):.2f}x "
          f"(pairs: quartiles {ratios[3]:.2f}-{ratios[11]:.2f})")
    print(f"  peak extra memory {peak_mem / 2**20:.0f} MiB for {raw / 2**20:.0f} MiB of input arrays "
          f"({peak_mem / raw:.1f}x)")


if __name__ == "__main__":
    main(int(float(sys.argv[1])) if len(sys.argv) > 1 else 1_000_000)
