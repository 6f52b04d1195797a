"""Which of the serving model's two capacities a held-out Server or Interactive run's completed rate meets (branch
srvcap): the layout's throughput with the requests arriving at random (``load.arrivals_capacity``) and the prompts'
admission under the engine's token budget (``load.prefill_wait``: a step admits K = max(1, floor(room / I)) prompts,
room = budget - C, each of the K servers a step tau_K = max(I / room, 1) n d + K S, rho = lambda tau_K / K; at rho >= 1
the queue has no steady state and the model's TTFT is infinite), beside the run's own Offline rate and the model's for
that Offline run, so a run the model says cannot happen is put to one term. "capacity": the rate is at or beyond
``load.arrivals_capacity``, and ``validation.predict`` takes the run at the sequences it held (a closed loop), whose
TTFT is finite; "budget": below that capacity, the prompts' admission queue has rho >= 1 and the TTFT is infinite.

    python -m benchmarks.server_capacity [--model NAME] [--all]

A diagnostic, not a fit: nothing here sets a coefficient or enters a score. Without --all only the runs whose
modelled TTFT at their completed rate is infinite, or whose rate is within 5% of either capacity, are listed. The
last column is a term the model does not count (tried and dropped, see the README's held-out serving section): under
chunked context a prompt longer than the budget's room (room < I) runs (I / room - 1) n more decode steps before the
one with its last chunk (TensorRT-LLM's MicroBatchScheduler fills maxNumTokens - batchNumTokens with context chunks,
first come first served); given in ms at the run's rate.
"""

from __future__ import annotations

import math
import sys

from benchmarks.server_ttft_parts import server_runs
from calc.serve import load, validation


def _admission(s: load.Setup, per: float, lam: float, decode: float, prompt: float) -> dict:
    """The prompts' admission queue of ``load.prefill_wait`` at ``per`` sequences in flight and ``lam`` requests/s (a
    replica): budget, room, K, tau_K (s) and rho, as that function takes them; rho None where the budget is not known
    (the decoding sequences alone fill it) and no wait is counted."""
    lay = s.layout
    budget = (s.max_num_tokens or load._default_budget()) * (lay.tensor if lay.attention_data_parallel else 1) \
        * lay.pipeline
    room = budget - per if s.chunked_prefill else budget
    if room <= 0:
        return {"budget": budget, "room": room, "K": None, "tau": None, "rho": None, "chunk_steps": 0.0}
    K = max(math.floor(room / s.input_tokens), 1)
    tau = max(s.input_tokens / room, 1.0) * s.scheduler_steps * decode + K * prompt
    chunk = max(s.input_tokens / room - 1.0, 0.0) * s.scheduler_steps * decode if s.chunked_prefill else 0.0
    return {"budget": budget, "room": room, "K": K, "tau": tau, "rho": lam * tau / K, "chunk_steps": chunk}


def row(c: validation.Case, offline: validation.Case | None) -> dict:
    """The two capacities of ``c`` at its completed rate, its Offline rates and the modelled and measured TTFT."""
    s = validation.setup(c)
    rate = validation.measured_request_rate(c)
    cap = load.arrivals_capacity(s)
    out = {"name": c.name, "rate": rate, "capacity": cap, "offline": None, "offline_model": None,
           "ttft": validation.predict(c).ttft, "ttft_measured": c.ttft, "admission": None, "bound": "-"}
    if offline is not None:
        out["offline"] = validation.measured_request_rate(offline)
        o = validation.predict(offline)
        if o.throughput_per_chip is not None:
            out["offline_model"] = o.throughput_per_chip * offline.chips / offline.output_tokens
    if not rate < cap:
        out["bound"] = "capacity"
        return out
    n, r = load.at_rate(s, rate)
    per, lam = n / s.replicas, rate / s.replicas
    prompt = float(r["prefill"]["total"]) / (per / s.output_tokens)  # one prompt's prefill riding in a step
    a = _admission(s, per, lam, float(r["decode"]["total"]), prompt)
    out["admission"] = a
    if a["rho"] is not None and a["rho"] >= 1.0:
        out["bound"] = "budget"
    return out


def rows(model: str | None = None, every: bool = False) -> list[dict]:
    """``row`` of every Server and Interactive run stating its TTFT (of ``model``; every model for None), with its
    submitter's Offline run of the same system where the file holds one; without ``every`` only those bound or
    within 5% of a capacity."""
    out = []
    for c, offline in server_runs(model):
        r = row(c, offline)
        a = r["admission"]
        near = r["rate"] >= 0.95 * r["capacity"] or (a is not None and a["rho"] is not None and a["rho"] >= 0.95)
        if every or r["bound"] != "-" or near or not math.isfinite(r["ttft"] or 0.0):
            out.append(r)
    return out


def main(argv: list[str]) -> None:
    model = argv[argv.index("--model") + 1] if "--model" in argv else None
    num = lambda x, f="{:.1f}": "-" if x is None else f.format(x)  # noqa: E731
    print("| run | rate, req/s | capacity: model | Offline: measured, model | budget, room, K | tau_K ms, rho | bound | "
          "TTFT ms: model, measured | chunk steps ms (not modelled) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows(model, "--all" in argv):
        a = r["admission"] or {}
        print(f"| {r['name']} | {r['rate']:.1f} | {r['capacity']:.1f} | {num(r['offline'])}, {num(r['offline_model'])} | "
              f"{num(a.get('budget'), '{:.0f}')}, {num(a.get('room'), '{:.0f}')}, {num(a.get('K'), '{:.0f}')} | "
              f"{num(a.get('tau') and a['tau'] * 1e3, '{:.0f}')}, {num(a.get('rho'), '{:.2f}')} | {r['bound']} | "
              f"{num(r['ttft'] and r['ttft'] * 1e3, '{:.0f}')}, {r['ttft_measured'] * 1e3:.0f} | "
              f"{num(a.get('chunk_steps') and a['chunk_steps'] * 1e3, '{:.0f}')} |")


if __name__ == "__main__":
    main(sys.argv[1:])
