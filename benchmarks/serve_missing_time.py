"""Where the serving model is too fast at saturation: for each held-out TensorRT-LLM throughput run (trtllm-bench,
data/serving_validation.csv), the step the model gives and the step the run's measured throughput implies at the
model's own sequences in flight, and the difference per step, per sequence and per prompt joining a step.

    python -m benchmarks.serve_missing_time [--model NAME] [--rows]

A diagnostic (branch moe6), not a fit: nothing here sets a coefficient. The implied step is the request's life
(n O / the replica's measured output tokens/s) over its O steps, so a capacity the model overstates shows here as
missing time that grows with n, as a cost per sequence would; the split between the two is not decided by these
figures alone. Each run is set up as ``calc.serve.validation.predict`` sets up a TensorRT-LLM throughput row.
"""

from __future__ import annotations

import statistics
import sys
from collections import defaultdict

from calc.serve import load, phases, validation


def _setup(c: validation.Case) -> load.Setup:
    """The model's setup of a TensorRT-LLM throughput row, as ``validation.predict`` builds it."""
    return validation.setup(c)


def rows(model: str | None = None) -> list[dict]:
    """One dict per TensorRT-LLM trtllm-bench row (offline, TensorRT-LLM 1.x) of ``model`` (every model for None):
    the model's sequences in flight per replica ``n``, its step ``step`` (s, decode with the prompts riding in it and
    the host's work as the engine overlaps it), the host's work ``host`` (s), the step the measured throughput implies
    at the same n ``implied`` (s), ``missing`` = implied - step (s), and ``weights_share``, the share of a chip's
    memory its weights take (the KV cache gets a share of the rest)."""
    out = []
    for c in validation.cases():
        if c.scenario != "offline" or not c.engine.startswith("TensorRT-LLM 1") or c.tensor is None:
            continue
        if (model is not None and c.model != model) or validation._refusal(c) is not None:
            continue  # refused rows (a chip not in data/hardware.csv) are the validation's to report
        s = _setup(c)
        n = s.max_concurrency() / s.replicas
        r = load.evaluate(s, n * s.replicas, "continuous")
        per_replica = c.throughput_per_chip * s.layout.chips
        out_tokens = c.output_tokens
        life = float(r["ttft"]) + (out_tokens - 1) * float(r["tpot"])
        implied = float(r["tpot"]) + (n * out_tokens / per_replica - life) / out_tokens
        weights = phases.weights_per_chip(s.shape, s.layout, s.weight_bytes, s.expert_bytes) / s.rates.capacity
        host = s.host_per_sequence * n / (s.layout.tensor if s.layout.attention_data_parallel else 1)
        out.append({"case": c, "n": n, "step": float(r["tpot"]), "host": host, "implied": implied,
                    "missing": implied - float(r["tpot"]), "prompts_per_step": n / out_tokens,
                    "weights_share": weights})
    return out


def main() -> None:
    model = sys.argv[sys.argv.index("--model") + 1] if "--model" in sys.argv else None
    found = rows(model)
    if "--rows" in sys.argv:
        print("| model | chip | layout | in / out | n | step (ms) | host (ms) | implied (ms) | missing (ms) | "
              "per sequence (us) | prompts a step |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for x in found:
            c = x["case"]
            lay = f"TP{c.tensor}" + (f" EP{c.expert}" if c.expert else "") + (" ADP" if c.attention_data_parallel else "")
            print(f"| {c.model} | {c.hardware} | {lay} | {c.input_tokens} / {c.output_tokens} | {x['n']:.0f} | "
                  f"{x['step'] * 1e3:.1f} | {x['host'] * 1e3:.1f} | {x['implied'] * 1e3:.1f} | "
                  f"{x['missing'] * 1e3:.1f} | {x['missing'] / x['n'] * 1e6:.1f} | {x['prompts_per_step']:.2f} |")
        print()
    groups = defaultdict(list)
    for x in found:
        groups[(x["case"].model, x["case"].hardware, x["case"].tensor)].append(x)
    print("| model | chip | tensor | rows | weights' share of memory | median n | median missing (ms a step) | "
          "median per sequence (us) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for (m, hw, t), xs in sorted(groups.items()):
        print(f"| {m} | {hw} | {t} | {len(xs)} | {xs[0]['weights_share']:.0%} | {statistics.median(x['n'] for x in xs):.0f} | "
              f"{statistics.median(x['missing'] for x in xs) * 1e3:.1f} | "
              f"{statistics.median(x['missing'] / x['n'] for x in xs) * 1e6:.1f} |")


if __name__ == "__main__":
    main()
