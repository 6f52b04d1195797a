"""What NIM 1.8.0's closed loops' first tokens grow by, set beside what a mechanism would have to give: a diagnostic of
issue 20's TTFT misses on data/serving_validation.csv's nim180-* rows (H100, Llama 3.1 8B TP1 and Llama 3.3 70B TP2,
FP8), not the model; nothing here is fitted or fed back.

    python -m benchmarks.nim_closed_loop_pattern [--rows nim180]

For every row at C clients it prints the measured TTFT, the extra over the same table's one-client row, that extra
in the run's own measured decode steps (extra / measured TPOT), and the measured TTFT over two references computed
with the serving model's own prefill (``phases.prefill``, as ``load.evaluate`` takes it):

    alone   the prefill of one prompt (what a client waits with nobody ahead);
    burst   the mean first token of C prompts that arrive together and are prefilled first come, first served, one
            after another (the k-th waits for the prefill of k prompts): a round of synchronized clients whose prompts
            all queue behind each other, every round.

Then per table and input/output pair (C >= 25, below the memory's limit): the median extra in steps and the median
measured/burst. A mechanism that fits both tables must give the 8B rows near their burst (the whole round queued)
and the 70B rows a few decode steps over one prefill, at the same lengths and clients; how the run was measured
(data/serving_measurement.csv: genai-perf time windows of 36 s, every request of every window averaged) makes one
start-up burst weigh a small share of a window's requests, so it cannot be the 8B excess.
"""

import argparse
import math
from collections import defaultdict

import numpy as np

from calc.serve import load, phases, validation


def _prefill(s: load.Setup, tokens: float) -> float:
    """Seconds of one pass over ``tokens`` prompt tokens of ``s.input_tokens``-token prompts (model's own)."""
    prompt = float(s.input_tokens)
    return float(phases.prefill(s.shape, s.layout, s.rates, s.weight_bytes, tokens, prompt,
                                span=float(s.span(prompt)), expert_bytes=s.expert_bytes)["total"])


def burst_ttft(s: load.Setup, clients: int) -> float:
    """Mean seconds to the first token of ``clients`` prompts that arrive at once and are prefilled one after another,
    first come first served: the k-th ends after k prompts' prefill (module docstring's ``burst``)."""
    one = _prefill(s, float(s.input_tokens))
    return one * (clients + 1) / 2


def rows(prefix: str = "nim180") -> list[dict]:
    """One dict per closed-loop row named ``prefix``* with a TTFT: name, table, lengths, clients, measured TTFT and
    TPOT, the model's TTFT, the one-client row's measured TTFT, ``alone`` and ``burst`` (s)."""
    model = {o.case.name: o for o in validation.outcomes()}
    out = []
    for c in validation.cases():
        if not c.name.startswith(prefix) or c.scenario != validation.CLOSED_LOOP or c.ttft is None:
            continue
        s = load.setup(c.model, c.hardware, c.chips, tensor=c.tensor, pipeline=c.pipeline, precision=c.precision,
                       kv_precision=c.kv_precision, input_tokens=c.input_tokens, output_tokens=c.output_tokens,
                       window_memory=not c.engine.startswith("TensorRT-LLM"), **load.published_engine(c.name),
                       **load.published_host(c.engine, c.hardware, c.name))
        clients = int(c.concurrency)
        out.append({"name": c.name, "table": c.name.rsplit("-", 3)[0], "lengths": (c.input_tokens, c.output_tokens),
                    "clients": clients, "ttft": c.ttft, "tpot": c.tpot, "model": model[c.name].ttft,
                    "fits": clients <= s.max_concurrency(), "alone": _prefill(s, float(c.input_tokens)),
                    "burst": burst_ttft(s, clients)})
    first = {(r["table"], r["lengths"]): r["ttft"] for r in out if r["clients"] == 1}
    for r in out:
        r["c1"] = first.get((r["table"], r["lengths"]), math.nan)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="nim180")
    a = ap.parse_args()
    table = rows(a.rows)
    print(f"{'row':48s} {'meas ms':>9s} {'model':>6s} {'extra ms':>9s} {'steps':>6s} {'alone':>6s} {'burst':>6s}")
    groups = defaultdict(list)
    for r in table:
        extra = r["ttft"] - r["c1"]
        steps = extra / r["tpot"]
        print(f"{r['name']:48s} {r['ttft'] * 1e3:9.1f} {r['model'] / r['ttft']:6.2f} {extra * 1e3:9.1f} {steps:6.1f} "
              f"{r['ttft'] / r['alone']:6.2f} {r['ttft'] / r['burst']:6.2f}{'' if r['fits'] else '  (beyond memory)'}")
        if r["clients"] >= 25 and r["fits"]:
            groups[r["table"], r["lengths"]].append((steps, r["ttft"] / r["burst"]))
    print("\nC >= 25 within memory: median extra in measured decode steps, median measured/burst")
    for (t, (i, o)), v in sorted(groups.items()):
        x = np.array(v)
        print(f"{t:36s} {i:>6d}/{o:<6d} n={len(v)}  steps {np.median(x[:, 0]):6.1f}  measured/burst "
              f"{np.median(x[:, 1]):5.2f}")


if __name__ == "__main__":
    main()
