"""Synchronized rounds of a closed loop of alike requests, set beside NIM 1.8.0's first tokens and scored as a what-if on
every held-out figure: a diagnostic of issue 20's TTFT misses (data/serving_validation.csv's nim180-* rows), not the
model; nothing here is fitted or fed back.

    python -m benchmarks.closed_loop_waves [--rows] [--budget 8192]

The mechanism tried. The NIM recipe (data/serving_measurement.csv: genai-perf --concurrency C, synthetic prompts of
stddev 0, min_tokens = max_tokens = O with ignore_eos) sends requests alike and starts its C clients at once. Were the
clients to stay in step, every round would be the first: all C prompts reach an idle engine together, TensorRT-LLM's
executor admits them first come first served at step boundaries, as many whole prompts a step as the token budget
holds (max_num_tokens, 8,192 by default, data/serving_coefficients.csv prefill_token_budget; a longer prompt chunked),
the ones admitted before decoding beside the later ones (cpp/tensorrt_llm/executor/executorImpl.cpp
fetchNewRequests, as ``benchmarks.closed_loop_replay`` replays it). ``wave_ttft`` is the mean first token of such a
round from the serving model's own step times (``closed_loop_replay._step_time``): no constant. It replaces the
model's TTFT (``load.closed_loop``'s queue of a random arrival) on the rows whose client sent requests alike
(data/serving_measurement.csv fixed_output), between one client and the sequences the memory holds; the throughput
follows, C O / (TTFT + (O - 1) TPOT).

What the code says against it: a round whose prompts do not fit one step's budget is split into clumps one step apart,
and nothing in the executor's loop brings them together again (a clump ends together and comes back together;
``closed_loop_replay``'s steady mode keeps them apart); a round that fits one step stays whole. The tables disagree
both ways: the 8B rows at 1,000 / 1,000 (25 to 250 prompts of 1,000 tokens, three to 31 steps' worth of the budget) lie
at 0.82-1.24 of the whole round, as if the clumps came together again each round, while the rounds that fit one step
come out shorter than it: 8B 200 / 200 at 25-100 clients at 1 / 1.5-1.8 of the round, the 70B's 200 / 200 at 25-250
clients at 1 / 2.5-7.7 (a round of 0.35-2.0 s against 139-264 ms measured). Scored (``main``): TTFT within 25% 105 ->
112 of 283 (8B 1 -> 11 of its 28 rows within memory at 2+ clients, 70B 4 -> 1 of 22), but the closed loops' throughput
66.0% -> 62.6% within 20%, median 0.093 -> 0.140 (8B 5,000 / 500 at 50-150 clients 2.5-6x too slow a first token): not
kept.

What would bring the clumps together: the client's turnaround (the HTTP response, the next request, its tokenization)
lets the requests of clumps that end a few short decode steps apart reach the engine in one gap. No source at hand
states it (``load._step_after`` counts none); as a what-if (``closed_loop_replay --turnaround``, steady mode) 20 ms
moves the 8B rows from 14 to 16 of 40 within 25% (1,000 / 1,000 at 25 / 50 / 100 clients 0.68 / 0.49 / 0.35x ->
0.80 / 0.77 / 0.61x) and leaves the 70B rows 18 -> 17 of 39 (200 / 200 at 25-250 clients still 2.5-4.8x: the
rounds that fit a step stay whole in the replay whatever the turnaround). A turnaround is not a model term without a
measurement of it, so none is added.

Noticed, not sized: the recipe passes -v to perf_analyzer, and genai-perf then leaves its stdout on the terminal
(genai-perf/genai_perf/subcommand/subcommand.py _run_perf_analyzer, stdout=None when verbose, perf_analyzer 698dd6b of
April 2025); the OpenAI client takes REQUEST_START, the start of the TTFT, before it prints every request's whole curl
command with its body (src/client_backend/openai/openai_client.cc AsyncInfer, http_client.cc Send ->
PrintCurlCommand, since 2024-10-04) and sets CURLOPT_VERBOSE. A print's time on the run's terminal is stated nowhere;
as a queue shared by the clients it would grow with the request rate and the prompt's bytes, but the 8B rows' excess
does not follow that product (1,000 / 1,000 at 250 clients, 58 KB/s of bodies, 1.9 s; 5,000 / 500 at 25, 112 KB/s,
0.65 s).
"""

import argparse
from dataclasses import replace

import numpy as np

from benchmarks.closed_loop_replay import _step_time
from calc import data
from calc.serve import load, validation


def wave_ttft(s: load.Setup, clients: int, budget: int = 8192) -> float:
    """Mean seconds to the first token of ``clients`` alike prompts of ``s.input_tokens`` reaching an idle engine
    together: each step admits, first come first served, the whole prompts that fit the room the step's token budget
    leaves beside one token of each sequence already decoding (a prompt longer than the room is chunked, one chunk a
    step, the next prompt waiting behind it); a step lasts the model's decode step of its decoding sequences plus the
    prefill of its prompt tokens (``closed_loop_replay._step_time``); a prompt's first token comes at the end of the
    step that holds its last token."""
    step = _step_time(s)
    prompt = int(s.input_tokens)
    now, waiting, decoding, left, firsts = 0.0, int(clients), 0, 0, []
    while waiting or left:
        room = budget - decoding
        tokens, done = 0, 0
        if left:  # the chunked prompt goes on first
            tokens = min(left, room)
            left -= tokens
            done += left == 0
        while waiting and tokens < room and not left:
            if prompt > room - tokens and tokens:
                break
            take = min(prompt, room - tokens)
            waiting -= 1
            tokens += take
            if take < prompt:
                left = prompt - take
            else:
                done += 1
        now += step(decoding, tokens)
        firsts += [now] * done
        decoding += done
    return float(np.mean(firsts))


def alike(c: validation.Case) -> bool:
    """Whether ``c``'s client sent requests alike (fixed input and output lengths), as data/serving_measurement.csv
    states of its run."""
    m = data.serving_measurement().get(c.name)
    return bool(m and m.get("fixed_output"))


def what_if(budget: int = 8192) -> tuple[list, list, list]:
    """(outcomes as the model gives them, the same with ``wave_ttft`` on the alike closed loops, rows changed as
    (name, measured TTFT, model TTFT, wave TTFT))."""
    base = validation.outcomes()
    changed, rows = [], []
    for o in base:
        c = o.case
        if c.scenario != validation.CLOSED_LOOP or o.refused is not None or not alike(c) or c.concurrency <= 1:
            changed.append(o)
            continue
        s = validation.setup(c)
        clients = int(c.concurrency)
        if clients > s.max_concurrency():  # beyond the memory: the queue by Little's law, as the model has it
            changed.append(o)
            continue
        ttft = wave_ttft(s, clients, budget)
        per_chip = clients * c.output_tokens / (ttft + (c.output_tokens - 1) * o.tpot) / c.chips
        changed.append(replace(o, throughput_per_chip=per_chip, ttft=ttft))
        rows.append((c.name, c.ttft, o.ttft, ttft))
    return base, changed, rows


def figures(results: list) -> dict:
    """Every aggregate figure HELPERS.md's rule reads off the serving validation, for ``results``."""
    rep = validation.report(results)
    pairs = validation.latency_pairs(results)
    count = {f: sum(abs(p / m - 1) <= validation.LATENCY_WITHIN for g, p, m in pairs if g == f) for f in ("ttft", "tpot")}
    server = validation.latency_pairs([o for o in results if o.case.ttft_limit is not None])
    srv = {f: sum(abs(p / m - 1) <= validation.LATENCY_WITHIN for g, p, m in server if g == f) for f in ("ttft", "tpot")}
    o, cl, sb = rep.overall, rep.closed_loop, rep.static_batch
    return {"rows": o.rows, "within 20%": round(o.within, 4), "median": round(o.median_log_error, 4),
            "bias": round(o.bias, 4), "TTFT within 25%": count["ttft"], "TPOT within 25%": count["tpot"],
            "latency figures": len(pairs) // 2, "Server TTFT": srv["ttft"], "Server TPOT": srv["tpot"],
            "closed loops": cl.rows, "closed within": round(cl.within, 4), "closed median": round(cl.median_log_error, 4),
            "static within": round(sb.within, 4), "static median": round(sb.median_log_error, 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=int, default=8192)
    ap.add_argument("--rows", action="store_true")
    a = ap.parse_args()
    base, changed, rows = what_if(a.budget)
    if a.rows:
        print(f"{'row':50s} {'meas ms':>9s} {'model':>6s} {'wave':>6s}")
        for name, meas, model, wave in rows:
            print(f"{name:50s} {meas * 1e3:9.1f} {model / meas:6.2f} {wave / meas:6.2f}")
    tables = {}
    for name, meas, model, wave in rows:
        t = name.rsplit("-", 3)[0]
        k = tables.setdefault(t, [0, 0, 0])
        k[0] += 1
        k[1] += abs(model / meas - 1) <= validation.LATENCY_WITHIN
        k[2] += abs(wave / meas - 1) <= validation.LATENCY_WITHIN
    for t, (n, m, w) in tables.items():
        print(f"{t:40s} rows within memory, 2+ clients: {n:3d}  TTFT within 25%: model {m:2d}, wave {w:2d}")
    before, after = figures(base), figures(changed)
    print("\nfigure            model -> synchronized rounds on the alike closed loops")
    for k in before:
        print(f"{k:18s} {before[k]!s:>8s} -> {after[k]!s:<8s}")
    worse = [k for k in ("within 20%", "TTFT within 25%", "TPOT within 25%", "Server TTFT", "Server TPOT",
                         "closed within", "static within") if after[k] < before[k]]
    worse += [k for k in ("median", "closed median", "static median") if after[k] > before[k]]
    print("worse:", ", ".join(worse) if worse else "none", "(the calibration rows are no closed loop: unchanged)")


if __name__ == "__main__":
    main()
