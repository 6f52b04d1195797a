"""A 10^5-sample uncertainty run of the full estimate, against the same work in bare numpy.

Run: python benchmarks/bench_uncertainty.py [N]. Both sides draw the same distributions from a
seeded generator, compute every output, and take the 5/50/95% quantiles of duration and cost.
"""

from __future__ import annotations

import math
import statistics
import sys
import time

import numpy as np

from calc.uncertainty import simulate

Z95 = 1.6448536269514722


def with_units(n):
    sim = simulate(params="175e9 param", tokens="lognormal:250e9..350e9 token", hardware="V100 SXM2", chips=10_000,
                   utilization="0.2..0.5", price="lognormal:1..3 USD/chip/hour", samples=n, seed=0)
    return sim.interval("duration"), sim.interval("cost"), sim.interval("emissions")


def bare_numpy(n):
    rng = np.random.default_rng(0)
    mu_t, s_t = (math.log(250e9) + math.log(350e9)) / 2, (math.log(350e9) - math.log(250e9)) / (2 * Z95)
    tokens = rng.lognormal(mu_t, s_t, n)
    u = np.exp(rng.uniform(math.log(0.2), math.log(0.5), n))
    price = rng.lognormal(math.log(3) / 2, math.log(3) / (2 * Z95), n)
    for a in (tokens, u, price):
        lo, hi = a.min(), a.max()
        if not (np.isfinite(lo) and np.isfinite(hi) and lo > 0):
            raise ValueError
    compute = 6 * 175e9 * tokens
    duration = compute / (10_000 * 125e12 * u)
    chip_hours = duration * (10_000 / 3600)
    cost = chip_hours * price
    energy = chip_hours * (300 * 1.1 / 1000)
    emissions = energy * (0.429 / 1000)
    return [np.quantile(x, [0.05, 0.5, 0.95]) for x in (duration, cost, emissions)]


def median_time(fn, n, repeat=15):
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn(n)
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main(n=100_000):
    ours, ref = with_units(n), bare_numpy(n)
    for (lo, mid, hi), q in zip(ours, ref):
        np.testing.assert_allclose([lo.magnitude, mid.magnitude, hi.magnitude][1], q[1], rtol=0.02)
    t_units, t_numpy = median_time(with_units, n), median_time(bare_numpy, n)
    print(f"{n:,}-sample uncertainty run (3 ranged inputs, every output, 3 intervals), median of 15")
    print(f"  {'bare numpy':<26}{t_numpy * 1e3:8.1f} ms")
    print(f"  {'calc.uncertainty.simulate':<26}{t_units * 1e3:8.1f} ms   ratio {t_units / t_numpy:.2f}x")


if __name__ == "__main__":
    main(int(float(sys.argv[1])) if len(sys.argv) > 1 else 100_000)
