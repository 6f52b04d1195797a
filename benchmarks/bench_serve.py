"""Speed of the serving model: one prediction, and the frontier over 64 batch sizes.

    python -m benchmarks.bench_serve

Targets (issue #20): one serving prediction under 1 ms; the frontier over 64 batch sizes under 50 ms.
"Prediction" is the model's evaluation once the chip and shape are resolved (``calc.serve.load.evaluate``)
and, apart, the whole ``calc.serve(...)`` call with Quantities out and the default price looked up.
"""

from __future__ import annotations

import time

import numpy as np

from calc.serve import frontier, load, serve


def best_of(fn, repeat=5, number=200):
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        out.append((time.perf_counter() - t) / number)
    return min(out)


def main():
    s = load.setup("Llama 3 70B", "H100 SXM5", 8, tensor=8, precision="fp8", input_tokens=1000, output_tokens=1000)
    one = best_of(lambda: load.evaluate(s, 256, "continuous"))
    grid = np.unique(np.round(np.geomspace(1, s.max_concurrency(), 64)).astype(int))
    curve = best_of(lambda: load.evaluate(s, grid, "continuous"), number=100)
    call = best_of(lambda: serve("Llama 3 70B", "H100 SXM5", 8, tensor=8, precision="fp8", concurrency=256), number=50)
    saturating = best_of(lambda: serve("Llama 3 70B", "H100 SXM5", 8, precision="fp8"), number=20)
    split = best_of(lambda: serve("GPT-3 175B", "V100 SXM2", 64), number=10)  # every tensor x pipeline split of 64
    front = best_of(lambda: frontier("Llama 3 70B", "H100 SXM5", 8, tensor=8, precision="fp8"), number=20)
    print(f"one prediction (evaluate, one concurrency)          {one * 1e3:8.3f} ms   target < 1 ms")
    print(f"frontier arrays ({len(grid)} batch sizes, one pass)         {curve * 1e3:8.3f} ms   target < 50 ms")
    print(f"calc.serve(..., concurrency=256), Quantities out     {call * 1e3:8.3f} ms")
    print(f"calc.serve(...) saturating, every T x P split of 8  {saturating * 1e3:8.3f} ms")
    print(f"calc.serve(...) GPT-3 on 64 V100, every T x P split  {split * 1e3:8.3f} ms   target < 50 ms")
    print(f"calc.serve.frontier(...), Quantities out             {front * 1e3:8.3f} ms   target < 50 ms")
    # a mixture of experts: grouped expert GEMMs and the all-to-all dispatch (DeepSeek's decode layout)
    moe = load.setup("DeepSeek-V3", "H800 SXM5", 128, tensor=128, expert=128, attention_data_parallel=True,
                     precision="fp8", disaggregated=True)
    one_moe = best_of(lambda: load.evaluate(moe, 128 * 64, "continuous"))
    grid = np.unique(np.round(np.geomspace(1, moe.max_concurrency(), 64)).astype(int))
    curve_moe = best_of(lambda: load.evaluate(moe, grid, "continuous"), number=100)
    print(f"DeepSeek-V3 on 128 H800 (EP, attention DP): one     {one_moe * 1e3:8.3f} ms   target < 1 ms")
    print(f"  frontier arrays ({len(grid)} batch sizes)                  {curve_moe * 1e3:8.3f} ms   target < 50 ms")
    # the layout search of a mixture of experts: tensor x pipeline splits, expert groups, attention tensor or data parallel
    moe_search = best_of(lambda: serve("DeepSeek-R1", "H200 SXM", 8), number=10)
    moe_limits = best_of(lambda: serve("DeepSeek-R1", "H200 SXM", 8, tpot_limit="50 ms"), number=5)
    print(f"calc.serve(...) DeepSeek-R1 on 8 H200, layout search {moe_search * 1e3:8.3f} ms   target < 50 ms")
    print(f"  the same within a TPOT limit                       {moe_limits * 1e3:8.3f} ms   target < 50 ms")


if __name__ == "__main__":
    main()
