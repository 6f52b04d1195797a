"""A closed loop of C clients replayed step by step with the serving model's own step times: a check of how much of
the held-out closed loops' first token (NIM 1.8.0's genai-perf tables) the requests' clumping and the benchmark's own
measurement explain. A diagnostic, not the model: ``load.closed_loop`` is what calc.serve answers with.

    python -m benchmarks.closed_loop_replay [--measure steady|count|windows] [--budget 8192] [--rows PREFIX]

The engine (TensorRT-LLM's executor loop, cpp/tensorrt_llm/executor/executorImpl.cpp: the step's responses sent,
fetchNewRequests, forwardAsync) admits at a step boundary the requests that came in before it, first come first
served, while the step's token budget (max_num_tokens, 8,192 by default: data/serving_coefficients.csv
prefill_token_budget) holds one token of each decoding sequence and the joining prompts (a prompt longer than the room
split over steps, chunked context); a step lasts the model's decode step of its decoding sequences plus the prefill of
its prompt tokens (``phases.decode_step``, ``phases.prefill`` as ``load.evaluate`` takes them) with the engine's host
work (``phases.host_step``, ``phases.hosted``). A prompt's first token comes out at the end of the step that holds its
last chunk, every later token one step apart; a client sends its next request as its last token comes out, so it
lands in the step already started (``load._step_after``). Every client sends its first request at t = 0, as a
benchmark's concurrency mode starts its C slots at once. Requests of fixed input and output lengths that were
prefilled in one step finish in one step and come back together: clumps, merged where they land in one step and split
by the budget.

What is averaged (--measure):
    steady    every request after each client's first: the clumps' steady state, no start-up burst
    count     genai-perf's default since its profile rework of 2025-04-17 (triton-inference-server/perf_analyzer,
              genai-perf/genai_perf/config/input/config_defaults.py: measurement mode request count, no warm-up;
              config/generate/perf_analyzer_config.py _calculate_request_count: max(10, 2 C) requests): every request
              that ended by the second (perf_analyzer polls once a second) the 2C-th one ended, the first round's
              synchronized burst among them (src/inference_profiler.cc: the records are cleared as the load starts,
              ValidLatencyMeasurement keeps every request ending in the window)
    windows   perf_analyzer's time windows as the run's client measured (data/serving_measurement.csv: the NIM recipe's
              genai-perf --measurement-interval 30000, or --interval): windows of 1.2 x the interval from the load's
              start, each counting the requests that ended in it, until the last 3 windows' throughput and mean
              request latency each lie within 10% (largest over least), at most 10 windows; genai-perf averages every
              request of every window, the first round's burst among them (src/inference_profiler.cc Measure,
              DetermineStability; src/profile_data_collector.cc AddData; genai_perf profile_data_parser.py)
The NIM page states its engines' max_num_tokens nowhere (--budget tries others).
"""

import argparse
import math

import numpy as np

from calc import data
from calc.serve import load, phases, validation


def _step_time(s: load.Setup):
    """Seconds of a step with ``n`` decoding sequences and ``tokens`` prompt tokens (cached)."""
    prompt, gen = float(s.input_tokens), float(s.output_tokens)
    span, context = float(s.span(prompt)), s.cached(prompt + gen / 2)
    memo = {}

    def step(n: int, tokens: int) -> float:
        if (n, tokens) not in memo:
            t = 0.0
            if n:
                t += float(phases.decode_step(s.shape, s.layout, s.rates, s.weight_bytes, s.kv_bytes, float(n), context,
                                              s.kv_reads, s.expert_bytes, s.eager)["total"])
            if tokens:
                t += float(phases.prefill(s.shape, s.layout, s.rates, s.weight_bytes, float(tokens), prompt,
                                          weights=n == 0, span=span, expert_bytes=s.expert_bytes)["total"])
            if s.host_per_sequence:
                t = float(phases.hosted(t, phases.host_step(s.layout, float(n + (tokens > 0)), s.host_per_sequence),
                                        s.host_overlap))
            memo[n, tokens] = t
        return memo[n, tokens]
    return step


def replay(s: load.Setup, clients: int, until: float, budget: int = 8192, turnaround: float = 1e-6) -> np.ndarray:
    """(sent, ttft, ended) of every request that ended before ``until`` seconds, ``clients`` in a closed loop;
    ``turnaround``: seconds from a request's last token to its client's next request reaching the engine (a what-if:
    the HTTP response, the next request and its tokenization; no source at hand states it)."""
    step = _step_time(s)
    prompt, gen, cap = s.input_tokens, s.output_tokens, s.max_concurrency()
    now, waiting, running, done = 0.0, [(0.0, i) for i in range(clients)], [], []
    while now < until:
        waiting.sort()
        room = budget - sum(1 for r in running if r["left"] == 0)
        tokens = 0
        for r in running:  # a chunked prompt goes on first
            if r["left"] and tokens < room:
                r["now"] = min(r["left"], room - tokens)
                tokens += r["now"]
        while waiting and waiting[0][0] <= now and len(running) < cap and tokens < room:
            if prompt > room - tokens and tokens:
                break
            sent, client = waiting.pop(0)
            take = min(prompt, room - tokens)
            running.append({"client": client, "sent": sent, "left": prompt, "now": take, "out": gen, "ttft": None})
            tokens += take
        if not running:
            now = waiting[0][0]
            continue
        now += step(sum(1 for r in running if r["left"] == 0), tokens)
        kept = []
        for r in running:
            if r["left"]:
                r["left"] -= r["now"]
                if r["left"] == 0:
                    r["ttft"], r["out"] = now - r["sent"], r["out"] - 1
            else:
                r["out"] -= 1
            if r["out"] <= 0 and r["left"] == 0:
                done.append((r["sent"], r["ttft"], now))
                waiting.append((now + turnaround, r["client"]))  # lands in the step already started
            else:
                kept.append(r)
        running = kept
    return np.array(done).reshape(-1, 3)


def windows_ttft(rec: np.ndarray, interval: float, stable: int = 3, threshold: float = 0.1,
                 most: int = 10) -> tuple[float, int]:
    """(mean TTFT, windows) that perf_analyzer's time windows and genai-perf report from the (sent, ttft, ended)
    records ``rec`` of a run whose load started at t = 0: windows of 1.2 x ``interval`` seconds, each counting the
    requests that ended in it, stop once the last ``stable`` windows' throughput (requests ended per window) and mean
    request latency each have largest over least within 1 + ``threshold`` (none of them empty), or after ``most``
    windows; the mean is over every request of every window (src/inference_profiler.cc ProfileHelper,
    DetermineStability; genai-perf averages the whole export). NaN with no request ended."""
    width = 1.2 * interval
    counts, latencies = [], []
    k = 0
    while k < most:
        k += 1
        inside = rec[(rec[:, 2] > width * (k - 1)) & (rec[:, 2] <= width * k)]
        counts.append(len(inside))
        latencies.append(float(np.mean(inside[:, 2] - inside[:, 0])) if len(inside) else math.inf)
        if k >= stable:
            c, lat = counts[-stable:], latencies[-stable:]
            if min(c) > 0 and max(c) / min(c) <= 1 + threshold and max(lat) / min(lat) <= 1 + threshold:
                break
    kept = rec[rec[:, 2] <= width * k]
    return (float(kept[:, 1].mean()) if len(kept) else math.nan), k


def measured_ttft(s: load.Setup, clients: int, how: str, budget: int, interval: float = 30.0, most: int = 10,
                  stable: int = 3, threshold: float = 0.1, turnaround: float = 1e-6) -> float:
    """The mean TTFT (s) a benchmark measuring as ``how`` says (module docstring) would report; ``interval``,
    ``most``, ``stable`` and ``threshold``: the time windows' (``windows_ttft``)."""
    if how == "count":
        need, until, rec = max(10, 2 * clients), 30.0, np.empty((0, 3))
        while until < 2e4:
            rec = replay(s, clients, until, budget, turnaround)
            if len(rec) >= need:
                break
            until *= 2
        rec = rec[np.argsort(rec[:, 2])]
        end = math.ceil(rec[min(need, len(rec)) - 1, 2])
        return float(rec[rec[:, 2] <= end][:, 1].mean())
    if how == "windows":
        return windows_ttft(replay(s, clients, 1.2 * interval * most, budget, turnaround), interval, stable, threshold,
                            most)[0]
    rec = replay(s, clients, 120.0, budget, turnaround)
    later = rec[rec[:, 0] > 0]
    return float(later[:, 1].mean()) if len(later) else math.nan


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--measure", choices=("steady", "count", "windows"), default="count")
    ap.add_argument("--budget", type=int, default=8192)
    ap.add_argument("--rows", default="nim180")
    ap.add_argument("--turnaround", type=float, default=1e-6,
                    help="seconds from a request's last token to its client's next request at the engine (what-if)")
    ap.add_argument("--interval", type=float, default=None,
                    help="seconds of perf_analyzer's --measurement-interval (default: the run's, "
                         "data/serving_measurement.csv, else 30)")
    a = ap.parse_args()
    model = {o.case.name: o for o in validation.outcomes()}
    scores = {}
    for c in validation.cases():
        if not c.name.startswith(a.rows) or c.scenario != validation.CLOSED_LOOP or c.ttft is None:
            continue
        s = load.setup(c.model, c.hardware, c.chips, tensor=c.tensor, pipeline=c.pipeline, precision=c.precision,
                       kv_precision=c.kv_precision, input_tokens=c.input_tokens, output_tokens=c.output_tokens,
                       window_memory=not c.engine.startswith("TensorRT-LLM"), **load.published_engine(c.name),
                       **load.published_host(c.engine, c.hardware, c.name))
        clients = int(c.concurrency)
        if clients > s.max_concurrency():  # beyond the memory the model's queue by Little's law is kept
            seen = model[c.name].ttft
        else:
            client = data.serving_measurement().get(c.name, {})
            interval = a.interval or client.get("interval", 30.0)
            seen = measured_ttft(s, clients, a.measure, a.budget, interval, client.get("max_windows", 10),
                                 client.get("stability_windows", 3), client.get("stability_threshold", 0.1),
                                 a.turnaround)
        if math.isnan(seen):
            seen = model[c.name].ttft
        group = c.name.rsplit("-", 5)[0]
        scores.setdefault(group, []).append((model[c.name].ttft / c.ttft, seen / c.ttft))
        print(f"{c.name:50s} measured {c.ttft * 1e3:9.1f} ms  model {model[c.name].ttft / c.ttft:5.2f}x  "
              f"replay ({a.measure}) {seen / c.ttft:5.2f}x", flush=True)
    for group, pairs in scores.items():
        for label, i in (("model", 0), ("replay", 1)):
            r = np.array([p[i] for p in pairs])
            print(f"{group:40s} {label:7s} within 25%: {int(np.sum(np.abs(r - 1) <= 0.25)):2d} of {len(r)}, "
                  f"median |ln ratio| {np.median(np.abs(np.log(r))):.3f}")


if __name__ == "__main__":
    main()
