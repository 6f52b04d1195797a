"""Three readings of the MLPerf v5.1 Server and Interactive first tokens tried against their harnesses' own code (branch
srvttft), each scored on every held-out row as ``validate_serve`` scores them; none kept (a diagnostic: nothing here
sets a coefficient or enters a score).

    python -m benchmarks.server_ttft_trials

1. ``fused``: the 405B engines' prompt all-reduce fused into its products, as NVIDIA's v5.1 configurations build them
   (``gemm_allreduce_plugin``, every 405B Server, Interactive and Offline build but GB200-NVL72 x72 Interactive's:
   ``mlperf_server_schedule.fuses_all_reduce``; ``load.setup(fused_all_reduce=True)``). A fact of the builds.
2. ``fcfs fill``: TensorRT-LLM's MicroBatchScheduler under chunked context with the first_come_first_served policy fills
   the step's room (max_num_tokens less the decoding sequences) with the next prompts' chunks, one prompt's last
   chunk and the next one's first sharing a step (cpp/tensorrt_llm/batch_manager/microBatchScheduler.cpp,
   setCtxRequestsChunkSize<FIRST_COME_FIRST_SERVED>: each context request's chunk min(its remaining tokens, the room
   left), rounded to the chunk unit); vLLM's and SGLang's chunked prefill take min(remaining, budget) likewise. So the
   prompts are served as a queue of tokens at ``room`` a step, one server whose prompt takes I / room of the steps'
   decode part and its own prefill: tau = (I / room) n d + S (``load.prefill_wait`` serves K = floor(room / I) whole
   prompts a step, a prompt shorter than the room holding a whole step's decode part). Applied where ``chunked_prefill``.
3. AMD's v5.1 Llama 2 70B Server scheduler (closed/AMD/setup/vllm_patches: scheduler-change-to-have-prefill-and-decode-
   reach-good-TFLOPs.patch, add-MIN_REQUIRE_PREFILL_QUERY-condition.patch; VLLM_LLAMA2_MLPERF_SCHED 1, MIN_REQUIRE_
   PREFILL_QUERY 8 on MI300X and 10 on MI325X, MAX_TARGET_DECODE_BATCH 608 and 832 in server_mi300x.yaml and
   server_mi325x.yaml): a prefill pass is tried only while fewer than MAX_TARGET sequences run and, once one ran, not
   again until a decode round has run or that many prompts wait (``_do_prefill = not do_prefill``). At the runs'
   rates (about 6.8 prompts a round of 9 steps on MI300X) that is one pass a round, the alternation
   ``load.separate_passes`` and ``step_wait``'s residual already read (a prompt waits on average half of a round and
   its pass, n tau / 2 with tau = d + q pass / n); nothing to add. Its target decode batch (at most 608 and 832
   sequences a step) does not bind either: the runs held 452-605 sequences a GPU (Little's law).
   What the runs' TPOT did need, kept (``percentiles.per_sample_tpot``): loadgen's mean over the samples under vLLM V0's
   rounds.

What it printed at the branch's head (1,166 rows, 73.07% within 20%, median 0.0929, bias +12.78%; latencies 271 of
566; Server/Interactive at the runs' rates TTFT 66, TPOT 68 of 139; closed loops 97 of 147, median 0.0934):
- fused: TTFT 66 -> 85 of 139 (405B B200 Server 2.9-4.0x -> 1.13-1.24x, Interactive 1.21-1.26x -> 0.93-0.96x, GB200
  x4 Server 1.9x -> 1.02-1.04x), TPOT 68 -> 64 (405B B200 Server 1.18-1.36x -> 0.67-0.72x, Interactive 0.7x -> 0.6x),
  latencies 271 -> 286 of 566; but the headline 73.07% -> 72.47% within 20%, median 0.0929 -> 0.0946, bias +12.78% ->
  +13.61% (the 405B Server rows' throughput at their limits 0.93x -> 1.13x, Interactive 1.33x -> 1.60x): not kept, as
  branch mlperfsrv found at 1,025 rows. The prefill it shortens is right by the first tokens; the decode step it then
  exposes is about 10 ms too short on Blackwell at FP4 (``benchmarks.server_step_gain``, ``benchmarks.b200_fp4_step``):
  the two go together, and the fusion is worth scoring again once that step is found;
- fcfs fill: TTFT 66 -> 67 of 139, a net of many moves both ways: H200 Llama 2 70B Server (max_num_tokens 1,536 a GPU
  less about 700 sequences decoding: room for 3.7 prompts of 222 tokens, 3 admitted whole) 1.09-1.42x -> 0.87-0.95x, QCT's H200 Llama 3.1 8B
  Interactive (budget 1,536: one 871-token prompt a step left rho 1.02, an infinite wait) -> 0.85x, Dell and
  GigaComputing B200 Llama 2 70B Server 1.52x, 1.23x -> 1.26x, 0.97x; but the other B200 Llama 2 70B Server runs
  1.10-1.15x -> 1.14-1.23x, GigaComputing's B200 70B Interactive 1.21x -> 0.76x, H100 v5.0 0.81x -> 0.67x, H200 SXM
  at 0.76-0.82x a little closer, none across. Latencies 271 -> 272, closed loops 97 -> 96 of 147; the headline median
  0.0929 -> 0.0934 (Server throughputs at their limits, shorter waits admitting more load): not kept.
"""

from __future__ import annotations

import contextlib

import numpy as np

from benchmarks import mlperf_server_schedule
from calc.serve import load, validation


def fcfs_fill_wait(s: load.Setup, concurrency, rate, decode, prompt, ahead_at_most=None):
    """``load.prefill_wait`` with the prompts served as a queue of tokens at the step's room (reading 2 above) where the
    engine chunks its prompts; as it is elsewhere."""
    if not s.chunked_prefill:
        return _PREFILL_WAIT(s, concurrency, rate, decode, prompt, ahead_at_most)
    lay = s.layout
    budget = (s.max_num_tokens or load._default_budget()) * (lay.tensor if lay.attention_data_parallel else 1) \
        * lay.pipeline
    c = np.asarray(concurrency, dtype=float)
    room = budget - c
    known = room > 0
    room = np.where(known, room, 1.0)
    tau = s.input_tokens / room * s.scheduler_steps * np.asarray(decode, dtype=float) + np.asarray(prompt, dtype=float)
    rho = np.asarray(rate, dtype=float) * tau
    busy = rho < 1.0
    r = np.where(busy, rho, 0.0)
    ahead = np.where(busy, r * r * tau / (2.0 * np.where(busy, 1.0 - r, 1.0)), np.inf)  # rho Wq, M/D/1
    if ahead_at_most is not None:
        ahead = np.minimum(ahead, np.asarray(ahead_at_most, dtype=float) * tau)
    out = np.where(known, ahead, 0.0)
    return float(out) if np.ndim(out) == 0 else out


_PREFILL_WAIT = load.prefill_wait


@contextlib.contextmanager
def reading(name: str):
    """Run ``validation`` under one reading: "model" (as it stands), "fused" or "fcfs fill" (see the module)."""
    setup, wait = validation.setup, load.prefill_wait
    try:
        if name == "fused":
            validation.setup = lambda c, **kw: setup(c, **{"fused_all_reduce": mlperf_server_schedule.fuses_all_reduce(
                c.name), **kw})
        elif name == "fcfs fill":
            load.prefill_wait = fcfs_fill_wait
        elif name != "model":
            raise ValueError(f"reading: expected model, fused or fcfs fill, got {name!r}")
        yield
    finally:
        validation.setup, load.prefill_wait = setup, wait


def figures(name: str) -> dict:
    """The held-out figures under reading ``name``."""
    with reading(name):
        results = validation.outcomes()
        rep = validation.report(results)
    timed = [o for o in results if o.case.scenario not in ("offline", validation.CLOSED_LOOP, validation.STATIC_BATCH)
             and o.ttft is not None and o.case.ttft is not None]
    within = validation.LATENCY_WITHIN
    o = rep.overall
    return {"within": o.within, "median": o.median_log_error, "bias": o.bias,
            "latency": round(o.latency_within * o.latency_rows), "latency_rows": o.latency_rows,
            "ttft": sum(abs(x.ttft / x.case.ttft - 1) <= within for x in timed),
            "tpot": sum(abs(x.tpot / x.case.tpot - 1) <= within for x in timed), "timed": len(timed),
            "loops": round(rep.closed_loop.within * rep.closed_loop.rows), "loops_median": rep.closed_loop.median_log_error,
            "batches": round(rep.static_batch.within * rep.static_batch.rows)}


def main() -> None:
    print("| reading | within 20% | median | bias | latencies within 25% | Server/Interactive TTFT, TPOT | closed loops "
          "within, median | static batches within |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in ("model", "fused", "fcfs fill"):
        f = figures(name)
        print(f"| {name} | {f['within']:.2%} | {f['median']:.4f} | {f['bias']:+.2%} | {f['latency']} of "
              f"{f['latency_rows']} | {f['ttft']}, {f['tpot']} of {f['timed']} | {f['loops']}, {f['loops_median']:.4f} "
              f"| {f['batches']} |")


if __name__ == "__main__":
    main()
