"""One step-time prediction, and a layout search, against one scalar calc.estimate call.

Run: python benchmarks/bench_step.py. Prints median times and ratios. Not a timed test: the
ratio is measured against a baseline in the same run (target: one prediction well under 1 ms).
"""

from __future__ import annotations

import time

import numpy as np

import calc
from calc import step
from calc.architecture import published


def median_time(fn, repeat=7, number=200):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t) / number)
    return float(np.median(times))


def main() -> None:
    gpt3 = published()["GPT-3 175B"][0]
    args = dict(tensor=8, pipeline=8, virtual_stages=2, micro_batch=1, global_batch=1536, sequence=2048)
    step.predict(gpt3, "H100 SXM5", 1024, **args)  # warm the caches (data tables, memory per layout)

    def estimate():
        return calc.estimate(params=175e9, tokens=300e9, hardware="H100 SXM5", chips=1024, utilization=0.4)

    def predict():
        return step.predict(gpt3, "H100 SXM5", 1024, **args)

    def predict_cold():  # a layout whose memory is not cached yet: what a search pays per new layout
        step._memory.cache_clear()
        return step.predict(gpt3, "H100 SXM5", 1024, **args)

    fp8 = dict(tensor=4, pipeline=8, virtual_stages=6, micro_batch=1, global_batch=256, sequence=2048,
               precision="fp8", tp_overlap=1.0, dp_overlap=1.0)
    step.predict(gpt3, "H100 SXM5", 128, **fp8)

    def predict_fp8():  # 8-bit layers with a 16-bit output layer, both overlaps (NeMo's GPT-3 175B layout)
        return step.predict(gpt3, "H100 SXM5", 128, **fp8)

    t_est = median_time(estimate)
    t_hot = median_time(predict)
    t_fp8 = median_time(predict_fp8)
    t_cold = median_time(predict_cold, number=50)
    t0 = time.perf_counter()
    found = step.search(gpt3, "H100 SXM5", 1024, 1536, sequence=2048)
    t_search = time.perf_counter() - t0
    print("median of 7 runs")
    print(f"  {'calc.estimate, one scenario (baseline)':<48}{t_est * 1e6:9.0f} us")
    print(f"  {'step.predict, memory cached':<48}{t_hot * 1e6:9.0f} us   ratio {t_hot / t_est:.2f}x")
    print(f"  {'step.predict, memory computed':<48}{t_cold * 1e6:9.0f} us   ratio {t_cold / t_est:.2f}x")
    print(f"  {'step.predict, FP8 and overlaps, memory cached':<48}{t_fp8 * 1e6:9.0f} us   ratio {t_fp8 / t_est:.2f}x")
    print(f"  {'step.search, GPT-3 on 1024 H100':<48}{t_search * 1e3:9.0f} ms   {found.tried:,} layouts, "
          f"{t_search / found.tried * 1e6:.0f} us each")
    t0 = time.perf_counter()
    budget = step.budget_search(gpt3, "H100 SXM5", 1536, "300e9 token", "$1.5M", sequence=2048)
    t_budget = time.perf_counter() - t0
    print(f"  {'step.budget_search, GPT-3 300B tokens, $1.5M':<48}{t_budget * 1e3:9.0f} ms   "
          f"{len(budget.options)} chip counts, best {budget.best.chips if budget.best else None}")
    t0 = time.perf_counter()
    runs = step.heldout()
    t_held = time.perf_counter() - t0
    print(f"  {'step.heldout, every held-out run':<48}{t_held * 1e3:9.0f} ms   {len(runs)} runs, "
          f"{t_held / len(runs) * 1e6:.0f} us each (memory not computed)")


if __name__ == "__main__":
    main()
