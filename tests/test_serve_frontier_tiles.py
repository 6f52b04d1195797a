"""The throughput-latency frontier of a mixture of experts should rise with the batch up to where memory binds. For
DeepSeek-R1 on 8 H200 it does not (xfail): ``terms.grouped_matmul_time`` pads each expert's MEAN rows (``phases.expert_matmuls``:
n k / touched) to whole tiles, so when the mean crosses 16, 32 or 64 rows the cost steps up for every expert at once.
Padding each expert's own random count of rows instead (multinomial routing, branch tiles13's next commit) leaves dips
under 1% but moved the held-out figures (benchmarks.validate_serve, measured-rate fits refitted through it): within 20%
77.4% -> 77.3%, median |ln ratio| 0.0830 -> 0.0845, bias +9.19% -> +9.62%, TTFT 95 -> 94 and TPOT 158 -> 157 of 233
within 25%, closed loops 93.8% -> 92.8%, static batches as before.
The engine's own choice of tile (branch moetiles, not merged) was tried too: TensorRT-LLM's AutoTuner times every tactic
of its fused MoE at the shape and keeps the fastest, among the grouped GEMM tiles of 16, 32, 64 and 128 tokens by 128
weight rows (NVIDIA/TensorRT-LLM 0b53e94, cpp/tensorrt_llm/kernels/cutlass_kernels/cutlass_heuristic.cpp,
get_candidate_tiles_sm90 and get_candidate_configs_sm100, GROUPED_GEMM), so each expert's mean rows took the candidate
of least waves x tile rows. The dips fell to 3.6%, 1.9% and 1.1% (564, 1,036 and 1,687 sequences) and the saturating
answer became the frontier's best (2,096 tokens/s per chip at 2,152 sequences): a mean of 17 rows still takes two tiles
of 16, as no candidate is narrower. Its held-out figures (measured-rate fits refitted through it, own kernel rows only),
on NVIDIA Hopper and Blackwell only: within 20% 77.4% -> 77.5%, median 0.0830 -> 0.0832, bias +9.19% -> +9.48%, TTFT
95 -> 95 and TPOT 158 -> 157 of 233 within 25%; DeepSeek-R1's median 0.356 -> 0.406; on every chip: median 0.0829,
bias +9.57%, TTFT 94, TPOT 157. Not kept."""

import numpy as np
import pytest

from calc.serve import frontier

DIP = 0.01  # the most tokens/s per chip a larger batch may lose against a smaller one


def per_chip(model, hardware, **layout):
    d = frontier(model, hardware, points=64, **layout).to_dict()
    tps = d["tokens_per_second"]
    tps = tps["per_chip"] if isinstance(tps, dict) else tps
    return np.asarray(d["concurrency"], dtype=float), np.asarray(tps, dtype=float)


@pytest.mark.parametrize("model, hardware, layout", [
    # before (tiles of each expert's mean rows): 1,192 tokens/s per chip at 499 sequences then 1,148 at 564 (-3.7%),
    # 1,611 at 917 then 1,436 at 1,036 (-10.9%), 2,078 at 1,905 then 1,733 at 2,152 (-16.6%, where memory binds):
    # the mean of 8 of 256 experts' rows crossing 16, 32 and 64 (512, 1,024 and 2,048 sequences, a token each a step)
    pytest.param("DeepSeek-R1", "H200 SXM", dict(chips=8, tensor=8, expert=8, attention_data_parallel=True),
                 marks=pytest.mark.xfail(strict=False, reason="tiles of each expert's mean rows: dips of 3.7%, 10.9% "
                                         "and 16.6% at 512, 1,024 and 2,048 sequences (the fastest of the engine's "
                                         "candidate tiles leaves 3.6% at 512)")),
    ("Qwen3 30B-A3B", "H100 SXM5", dict(chips=1)),
])
def test_moe_frontier_rises_until_memory_binds(model, hardware, layout):
    c, t = per_chip(model, hardware, **layout)
    assert len(c) >= 20 and np.all(np.diff(c) > 0)
    best = np.maximum.accumulate(t)
    assert np.all(t >= (1.0 - DIP) * best), [(int(a), round(b), round(m)) for a, b, m in zip(c, t, best) if b < (1 - DIP) * m]
