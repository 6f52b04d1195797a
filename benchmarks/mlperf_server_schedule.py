"""How NVIDIA's MLPerf Inference v5.1 harness schedules the Llama 3.1 405B Server and Interactive runs, and where the
model's first tokens go wrong on them: for each held-out 405B row stating its mean TTFT and TPOT
(data/serving_validation.csv), the model's prompt queue at the rate the run completed (``load.at_rate``, as
``validation.predict`` reads it): the prompts' token budget, the chunk steps a prompt takes, one prompt's prefill S
riding in the steps, the decode part d of a step, the prompt queue's load rho and the TTFT and TPOT it gives; then the
same with the prompt's tensor-parallel all-reduce fused into its products as the runs' engines are built
(``load.setup(fused_all_reduce=True)``, ``phases.prefill``); then, with that prefill, the decode step the measured
TPOT asks for (the time delta added to every step's decode part, found by bisection) and the TTFT the model gives
there.

    python -m benchmarks.mlperf_server_schedule [--model NAME]
    python -m benchmarks.mlperf_server_schedule --dispatch

A diagnostic (branch mlperfsrv), not a fit: nothing here sets a coefficient or enters a score; the last columns
solve for a step time from held-out rows, which the model may never take.

What the runs' own configurations and harness say (mlcommons/inference_results_v5.1 at commit
965182b03376a00fcae415c54e560e1c83937932, closed/<submitter>/configs/<system>/<Scenario>/llama3_1-405b.py and
closed/NVIDIA/code/llmlib/):
- every 405B Server and Interactive configuration builds its TensorRT engine with ``gemm_allreduce_plugin: float16``
  but NVIDIA's GB200-NVL72 x72 Interactive one (``gemm_plugin: fp4``); tensor 4 (tensor 8 on H200, 2 on GB300),
  pipeline 1; runtime ``max_num_tokens`` 2,048 in Server and 1,536 in Interactive (1,024 on GB200-NVL72 x72
  Interactive), ``enable_chunked_context`` True, ``context_chunking_policy`` first_come_first_served,
  ``batch_scheduler_policy`` max_util, ``kvcache_free_gpu_mem_frac`` 0.95, ``gpu_batch_size`` 256. All of these but
  the fused all-reduce are in data/serving_engine_settings.csv already;
- the 405B runs go through the harness's TRTLLM_EXECUTOR core (code/llama3_1-405b/tensorrt/__init__.py
  DEFAULT_CORE_TYPE), which builds ``trtllm.ExecutorConfig`` with max_batch_size, max_num_tokens, max_queue_size -1,
  the scheduler and chunking policies, the KV cache fraction and the orchestrator's MPI mode, and nothing else: no
  ``extended_runtime_perf_knob_config``, so the C++ executor runs without CUDA graphs whatever ``use_graphs`` says
  (False for 405B, True for 8B: the flag reaches only the PyTorch-backend cores' YAML, llmlib/config.py);
- the harness hands each request to the executor as loadgen issues it (``LLMServer.issue_queries`` ->
  ``core.enqueue`` -> ``executor.enqueue_requests``; no batching timeout), to the core with the fewest pending
  samples in Server (``traffic_distribution_policy`` load_balancing: ``factory._create_scheduler``, the count of
  requests in flight, decoding ones included), in turn in Interactive (round_robin, data/serving_dispatch.csv).

What the figures say (the output of this module; 8 B200 at tensor 4 are two replicas; prompts of 9,429 tokens):
- at the runs' own rates the model's prompt queue on 8 B200 is loaded at rho = 0.88 in Server: a prompt takes 4.8
  chunk steps of the 2,048-token budget, S = 779 ms of prefill (of it 220 ms of all-reduce in series), d = 32 ms a
  step's decode part; the wait for the prompts ahead is 3.1 s of its 4.4 s TTFT against 1.57-1.74 s measured (TPOT
  126-127 ms against 99-107). The queue (M/D/1 over the budget's chunks, first come first served, as TensorRT-LLM's
  FCFS chunking serves them) is near its knee, so its load, not its form, decides;
- with the all-reduce fused as the engines are built (each all-reduce shown only beyond its product: S 779 -> 653 ms)
  rho falls to 0.74 and the B200 Server TTFT to 1.75-1.88 s (1.02-1.12x; GB200 0.92-1.23x), but TPOT to 72 ms
  (0.67-0.73x) and the Interactive TPOT to 0.60-0.65x. Held-out with it on every row whose configuration fuses it: 1,025
  rows within 20% 77.2% -> 76.6%, median 0.0832 -> 0.0880, bias +9.6% -> +10.5% (the 405B Server and Interactive
  throughputs at their limits 0.92-1.05 -> 1.12-1.33x and 1.30-1.39 -> 1.55-1.67x); MLPerf v5.1 Server TTFT 31 -> 48 of 94,
  TPOT 37 -> 33; Interactive TTFT 28 -> 29, TPOT 29 -> 29 of 44. Not kept: the option stays off
  (``load.setup(fused_all_reduce=...)``, default False);
- with that prefill, the measured TPOT asks for every step's decode part 8.7-11.5 ms longer in Server (B200, GB200,
  GB300: 24-93 sequences) and 13.5-15.6 ms longer in Interactive (B200: 16-18 sequences), where the model has 22-39
  ms; H200 at FP8 asks for -0.2 to +3.3 ms, and NVIDIA's GB200-NVL72 x72 Interactive (no fusion) -3.2 ms. So the
  decode step is too fast on Blackwell at FP4, by a time that hardly grows with the sequences (a time per step or per
  layer, about 0.1 ms a layer of 126), and right on H200 through the same executor without CUDA graphs: not the
  graphs' absence alone. With that step the Interactive TTFT lands at 0.92-0.94x, the one-replica Server runs (Azure
  and Nebius GB200 x4, H200 at tensor 8) at 1.12-1.25x, the two-replica B200 Server runs at 1.32-1.37x, GB200-NVL72
  x72 Server at 1.56x and GB300 at 0.65x: rho is then 0.78-0.80 again on B200 and GB200;
- the Server dispatch to the replica with the fewest requests in flight (``--dispatch``, simulated with the model's
  prompt service and the 405B outputs' spread) waits 16-22% less than the model's independent Poisson streams at
  rho 0.74-0.78 (two replicas: 1.16 -> 0.98 s, 1.54 -> 1.27 s; eighteen: 1.11 -> 0.89, 1.45 -> 1.13), far from
  round robin's 0.51-0.69 s (two) or 0.02-0.03 s (eighteen): the counts in flight are mostly decoding requests, whose
  random completions steer the choice, so each replica's arrivals stay near Poisson (the model's reading) and the
  harness takes only part of the queue's length into account. Not enough to bring the two-replica runs within 25%
  with the decode step asked for, and the step itself is not known from a measurement: nothing set;
- running a chunk's products with the decode's weight read hidden inside them (a step carrying a chunk taking
  max(weights, compute), not their sum) takes the load further down but the calibration's coefficients were fitted
  with the sum: tried, 77.2% -> 70.5% within 20%, not pursued.
So the 405B Server first tokens are missed through the prefill's all-reduce (a fact of the runs' builds the model
can take) and Blackwell FP4's decode step at 16-93 sequences (about 9-16 ms a step faster in the model than the runs
imply, no measurement at hand); the schedule the model reads (budget, chunking, first come first served, the queue at
the step boundary) agrees with the harness and the executor's configuration.

The Llama 3.1 8B runs on B200 (tensor 1, ``max_num_tokens`` 12,000, ``gpu_batch_size`` 6,000, the same executor;
``--model "Llama 3.1 8B"``): the budget holds about 13 prompts of 871 tokens a step, so no prompt waits for the
budget (rho 0.37-0.47 with m = 1) and the schedule is not where they are missed. The model's TPOT at the runs' rate
(10-12 ms in Server, 8-10 in Interactive) is 0.35-0.6x the measured because its steady state sits at 187 sequences in
flight where the runs held 350-527 (Little's law): at those sequences and the prompt tokens they bring (2,100-3,100
a step) the model's step is 18.7-26.5 ms against 19.7-28.5 measured (0.84-0.95x, six Server runs), and that shortfall is multiplied
near the rate's knee (the step grows with the sequences in flight and they with the step). The TPOT asks for +2.4 to
+5.0 ms a step in Server and +3.6 to +7.0 in Interactive: 75-218 us a layer of 32, the order the 405B runs ask for on
Blackwell at FP4 (69-124 us a layer of 126); the H200 rows ask for -73 to +26 us a layer. One missing time a layer and
decode step on Blackwell at FP4, in both models, through an executor that runs without CUDA graphs: the lead's next
question, not the schedule's.

The 8B Server runs' first tokens split in two by their loadgen summaries
(closed/<submitter>/results/<system>/llama3.1-8b/Server/performance/run_1/mlperf_log_summary.txt, all at 996-998
completed samples/s but Google's 927 and Supermicro 422GS's 948): Oracle, GigaComputing and Lenovo have mean TTFT
60-120 ms (median 57-74, min 10-12), mean TPOT 24-27 ms with p99 27-31 and the fastest request's TPOT 8.6-9.5 ms;
NVIDIA, Google, Dell and Supermicro have mean TTFT 278-596 ms (min 20-43), mean TPOT 20-28 ms with p99 25-42 and
the fastest request's TPOT 0.24-4.0 ms. A mean TPOT of 0.24 ms over a request's tokens is no GPU step of hundreds of
sequences: those requests' tokens reached loadgen in a burst, after the first was held back. So in the second group
the first token's time carries a delay in the harness's response path (the Python thread that polls the executor and
calls loadgen back), which differs by host and run, and no engine schedule of one configuration gives both groups;
the model's TTFT with the step asked for (37-50 ms) is the first group's order.
"""

from __future__ import annotations

import contextlib
import math
import sys

from calc.serve import load, phases, validation


def fuses_all_reduce(name: str) -> bool:
    """True where the row's configuration builds the engine with ``gemm_allreduce_plugin`` (every MLPerf v5.1 Llama
    3.1 405B Server and Interactive configuration of NVIDIA's harness but NVIDIA's GB200-NVL72 x72 Interactive, see
    the module's notes)."""
    return name.startswith("mlperf51-") and "llama3-1-405b" in name and not (
        "gb200-nvl72-gb200-186gb-aarch64x72" in name and name.endswith("-interactive"))


def _setup(c: validation.Case, fused: bool) -> load.Setup:
    """The model's setup of a held-out row as ``validation.predict`` builds it, the all-reduce fused or not."""
    return validation.setup(c, fused_all_reduce=fused)


@contextlib.contextmanager
def _longer_decode(delta: float):
    """Every decode step's decode part ``delta`` seconds longer (a what-if of this diagnostic only)."""
    original = phases.decode_step

    def step(*args, **kwargs):
        out = dict(original(*args, **kwargs))
        out["overhead"] = out["overhead"] + delta
        out["total"] = out["total"] + delta
        return out

    phases.decode_step = step
    try:
        yield
    finally:
        phases.decode_step = original


def queue(s: load.Setup, rate: float) -> dict | None:
    """The model's prompt queue at ``rate`` requests/s (all replicas): TTFT, TPOT (s), sequences in flight a replica,
    one prompt's prefill S riding in the steps, the decode part d of a step, the chunk steps m a prompt takes and the
    prompt queue's load rho (``load.prefill_wait``'s K servers of tau_K); None beyond the model's capacity."""
    try:
        n, r = load.at_rate(s, rate)
    except Exception:  # noqa: BLE001 - beyond capacity: the model says the queue grows without end
        return None
    per, lam = n / s.replicas, rate / s.replicas
    d = float(r["decode"]["total"])
    S = float(r["prefill"]["total"]) / (per / s.output_tokens)
    budget = (s.max_num_tokens or load._default_budget()) * s.layout.pipeline
    room = budget - per
    K = max(math.floor(room / s.input_tokens), 1)
    m = max(s.input_tokens / room, 1.0)
    rho = lam * (m * d + K * S) / K
    return {"ttft": float(r["ttft"]), "tpot": float(r["tpot"]), "per": per, "S": S, "d": d, "m": m, "rho": rho}


def decode_asked(s: load.Setup, rate: float, tpot: float) -> float | None:
    """The time (s) to add to every step's decode part for the model's TPOT at ``rate`` to be ``tpot``: bisection
    between -d / 2 and 100 ms; None where no such time is found."""
    def tp(delta):
        with _longer_decode(delta):
            q = queue(s, rate)
        return math.inf if q is None else q["tpot"]

    base = queue(s, rate)
    lo, hi = (-0.5 * base["d"] if base else 0.0), 0.1
    if tp(lo) > tpot or tp(hi) < tpot:
        return None
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if tp(mid) < tpot else (lo, mid)
    return 0.5 * (lo + hi)


def rows(model: str = "Llama 3.1 405B") -> list[dict]:
    """For every MLPerf v5.1 Server and Interactive row of ``model`` stating its TTFT and TPOT: the measured figures,
    the model's queue as the validation reads it, the same with the all-reduce fused where the run's configuration
    fuses it, the decode time the measured TPOT asks for there and the model's TTFT with it."""
    out = []
    for c in validation.cases():
        if not c.name.startswith("mlperf51-") or c.model != model or c.scenario not in ("server", "interactive") \
                or c.ttft is None or c.tpot is None or c.tensor is None:
            continue
        rate = validation.measured_request_rate(c)
        base = _setup(c, False)
        fused = fuses_all_reduce(c.name)
        row = {"name": c.name, "layers": base.shape.layers / base.layout.pipeline, "budget": base.max_num_tokens,
               "fused": fused, "lam": rate / base.replicas,
               "ttft": c.ttft, "tpot": c.tpot, "model": queue(base, rate), "with_fused": None, "asked": None,
               "ttft_asked": None}
        s = _setup(c, fused)
        row["with_fused"] = queue(s, rate)
        delta = decode_asked(s, rate, c.tpot)
        if delta is not None:
            with _longer_decode(delta):
                q = queue(s, rate)
            row["asked"], row["ttft_asked"] = delta, (None if q is None else q["ttft"])
        out.append(row)
    return out


def dispatch_wait(replicas: int, rho: float, rate: float, life: float, policy: str, requests: int = 60_000,
                  life_scv: float = 0.145, seed: int = 0) -> float:
    """Mean wait (s) of a prompt for the prompts ahead of it on its replica, simulated: Poisson arrivals at ``rate``
    a replica, dealt to ``replicas`` replicas at ``policy`` "random" (each replica's arrivals Poisson, as the model
    takes them), "fewest" (NVIDIA's harness's load_balancing: the replica with the fewest requests in flight, waiting,
    in prefill or decoding, ties to the first) or "turn" (round robin); each replica serves its prompts first come,
    first served, each for rho / rate s (the model's prompt service at load rho), then holds the request ``life`` s
    more (its decode; gamma, squared coefficient of variation ``life_scv``, MLPerf's 405B outputs' 0.145,
    data/serving_datasets.csv). No constant beyond the model's own figures; a check of the model's Poisson reading."""
    import heapq

    import numpy as np

    rng = np.random.default_rng(seed)
    tau, t, turn = rho / rate, 0.0, -1
    free, count, ends, waits = [0.0] * replicas, [0] * replicas, [], []
    for k in range(requests):
        t += rng.exponential(1.0 / (rate * replicas))
        while ends and ends[0][0] <= t:
            count[heapq.heappop(ends)[1]] -= 1
        if policy == "fewest":
            i = min(range(replicas), key=count.__getitem__)
        elif policy == "turn":
            turn = (turn + 1) % replicas
            i = turn
        else:
            i = int(rng.integers(replicas))
        start = max(t, free[i])
        free[i] = start + tau
        if k >= requests // 10:  # past the warm-up
            waits.append(start - t)
        count[i] += 1
        heapq.heappush(ends, (free[i] + life * rng.gamma(1.0 / life_scv, life_scv), i))
    return float(np.mean(waits))


def main(argv: list[str]) -> None:
    if "--dispatch" in argv:  # the harness's dispatch against the model's Poisson reading, at the 405B Server loads
        print("| replicas | rho | M/D/1 wait s | simulated wait s: random, fewest in flight, in turn |")
        print("| --- | --- | --- | --- |")
        for replicas, rate in ((2, 0.95), (18, 0.985)):
            for rho in (0.74, 0.78):
                md1 = rho * (rho / rate) / (2 * (1 - rho))
                w = [dispatch_wait(replicas, rho, rate, 65.0, p) for p in ("random", "fewest", "turn")]
                print(f"| {replicas} | {rho:.2f} | {md1:.2f} | {w[0]:.2f}, {w[1]:.2f}, {w[2]:.2f} |")
        return
    model = argv[argv.index("--model") + 1] if "--model" in argv else "Llama 3.1 405B"
    ms = lambda x: "-" if x is None else f"{x * 1e3:.0f}"  # noqa: E731
    print("| row | budget, fused AR | lambda /s a replica | measured TTFT, TPOT ms | model: in flight, m, S ms, d ms, "
          "rho, TTFT, TPOT | fused AR: S ms, rho, TTFT, TPOT | decode asked +ms, TTFT there |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows(model):
        q, f = r["model"], r["with_fused"]
        a = "-" if q is None else (f"{q['per']:.0f}, {q['m']:.1f}, {ms(q['S'])}, {ms(q['d'])}, {q['rho']:.2f}, "
                                   f"{ms(q['ttft'])}, {ms(q['tpot'])}")
        b = "-" if f is None else f"{ms(f['S'])}, {f['rho']:.2f}, {ms(f['ttft'])}, {ms(f['tpot'])}"
        asked = "-, -" if r["asked"] is None else f"{r['asked'] * 1e3:+.1f}, {r['asked'] / r['layers'] * 1e6:+.0f}"
        print(f"| {r['name'][9:]} | {r['budget']}, {'yes' if r['fused'] else 'no'} | {r['lam']:.3f} | "
              f"{ms(r['ttft'])}, {ms(r['tpot'])} | {a} | {b} | {asked}, {ms(r['ttft_asked'])} |")


if __name__ == "__main__":
    main(sys.argv[1:])
