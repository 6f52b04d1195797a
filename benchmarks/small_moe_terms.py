"""The small-expert mixtures of experts at saturation on TensorRT-LLM's perf-overview tables, term by term.

    python -m benchmarks.small_moe_terms

A diagnostic (branch smallmoe), not a fit: sets nothing. For representative held-out trtllm-bench rows of Llama 4
Maverick and Scout, GPT-OSS 120B and Qwen3 30B-A3B / 235B-A22B (data/serving_validation.csv), each set up as
``calc.serve.validation.predict`` sets it up:

- the sequences in flight the model gives a replica (``n``: what the KV cache holds at kv_memory_fraction of the
  memory left after the weights, or the engine's max_batch_size where the run states one; none of these rows does)
  and the sequences at which the model's own throughput would equal the measured one (``n at measured``: if the step
  were right, the concurrency the measurement implies);
- the model's decode step at ``n`` by part (weights, KV cache, compute, communication, overhead) and the prompts riding
  in it, beside the step the measured throughput implies at ``n`` (as benchmarks/serve_missing_time takes it);
- for Llama 4 Maverick, the same chip, layout and lengths measured in two TensorRT-LLM releases (the v0.20 and v1.0
  tables), whose ratio the model (which gives both releases one step) cannot follow.

The MoE layers themselves are compared with their measured kernels in benchmarks/moe_shapes.py (the model's layer within
a median |ln ratio| of 0.10-0.35 of TensorRT-LLM's fused MoE for these shapes); GPT-OSS's MXFP4 layers on Hopper in
tests/test_serve_moe_formats.py.
"""

from __future__ import annotations

from calc.serve import load, validation

ROWS = (
    # Llama 4 Maverick, TP8 FP8 on Hopper (1.4-2.4x too fast) and TP8 FP4 on B200 (0.75-0.79x)
    "trtllm10-h100-llama4-maverick-tp8-fp8-128-2048", "trtllm10-h200-llama4-maverick-tp8-fp8-128-2048",
    "trtllm020-h200-llama4-maverick-tp8-fp8-128-2048", "trtllm020-h200-llama4-maverick-tp8-fp8-20000-2000",
    "trtllm10-h200-llama4-maverick-tp8-fp8-128-128", "trtllm10-b200-llama4-maverick-tp8-fp4-128-2048",
    # Llama 4 Scout TP4 on H100 (1.4-1.7x)
    "trtllm10-h100-llama4-scout-tp4-fp8-128-2048", "trtllm10-h200-llama4-scout-tp4-fp8-128-2048",
    # GPT-OSS 120B (TensorRT-LLM 1.2: H200 TP1, H100 and B200 attention data parallel)
    "trtllm12-h200-gpt-oss-120b-tp1-fp8-1000-1000", "trtllm12-h100-gpt-oss-120b-dep4-fp8-1000-1000",
    "trtllm12-b200-gpt-oss-120b-dep2-fp4-1000-1000", "trtllm12-gb200-gpt-oss-120b-tp1-fp4-1000-1000",
    # Qwen3 235B-A22B: TP8 (1.0, 0.60-0.80x) and DEP4 / DEP8 (1.2, 1.36-1.68x)
    "trtllm10-h200-qwen3-235b-tp8-fp8-128-2048", "trtllm10-b200-qwen3-235b-tp8-fp4-128-2048",
    "trtllm12-h100-qwen3-235b-dep8-fp8-1000-1000", "trtllm12-b200-qwen3-235b-dep4-fp4-1000-1000",
    # Qwen3 30B-A3B TP1 FP4 on B200 and GB200 (1.3-2.1x)
    "trtllm10-b200-qwen3-30b-a3b-tp1-fp4-1000-1000", "trtllm10-gb200-qwen3-30b-a3b-tp1-fp4-1000-1000",
)


def _per_chip(s: load.Setup, n: float) -> float:
    return float(load.evaluate(s, n, "continuous")["per_chip"])


def at_measured(s: load.Setup, measured: float, n: float) -> float | None:
    """Sequences in flight (all replicas) at which the model's saturated tokens/s per chip equal ``measured``, by
    bisection below ``n``; None where even one sequence a replica gives more (or ``n`` less)."""
    lo, hi = float(s.replicas), float(n)
    if _per_chip(s, lo) > measured or _per_chip(s, hi) < measured:
        return None
    for _ in range(40):
        mid = (lo * hi) ** 0.5
        lo, hi = (mid, hi) if _per_chip(s, mid) < measured else (lo, mid)
    return hi


def row(name: str) -> dict:
    """The terms of held-out row ``name`` (see the module's docstring); times in s."""
    c = next(x for x in validation.cases() if x.name == name)
    s = validation.setup(c)
    n = s.max_concurrency()
    r = load.evaluate(s, n, "continuous")
    o = validation.predict(c)
    per_replica = c.throughput_per_chip * s.layout.chips
    life = float(r["ttft"]) + (c.output_tokens - 1) * float(r["tpot"])
    implied = float(r["tpot"]) + (n / s.replicas * c.output_tokens / per_replica - life) / c.output_tokens
    dec = {k: float(v) for k, v in r["decode"].items()}
    return {"case": c, "n": n / s.replicas, "ratio": o.throughput_per_chip / c.throughput_per_chip,
            "n_at_measured": (lambda x: None if x is None else x / s.replicas)(at_measured(s, c.throughput_per_chip, n)),
            "decode": dec, "prefill": float(r["prefill"]["total"]), "step": float(r["tpot"]), "implied": implied}


def releases(model: str = "Llama 4 Maverick") -> list[tuple]:
    """(chip, tensor, in, out, measured v0.20, measured v1.0, model v0.20, model v1.0) for each chip, layout and lengths
    of ``model`` measured in both TensorRT-LLM tables."""
    cases = [c for c in validation.cases() if c.model == model and c.scenario == "offline"]
    by = {}
    for c in cases:
        if c.engine in ("TensorRT-LLM 0.20.0", "TensorRT-LLM 1.0"):
            by.setdefault((c.hardware, c.tensor, c.input_tokens, c.output_tokens), {})[c.engine] = c
    out = []
    for key, pair in sorted(by.items()):
        if len(pair) == 2:
            a, b = pair["TensorRT-LLM 0.20.0"], pair["TensorRT-LLM 1.0"]
            out.append((*key, a.throughput_per_chip, b.throughput_per_chip, validation.predict(a).throughput_per_chip,
                        validation.predict(b).throughput_per_chip))
    return out


def main() -> None:
    print("| row | model / measured | n (model) | n at measured | step (ms) | implied (ms) | weights | KV | compute | "
          "comm | overhead | prompts riding (ms) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in ROWS:
        x = row(name)
        d = x["decode"]
        at = "-" if x["n_at_measured"] is None else f"{x['n_at_measured']:.0f}"
        print(f"| {name} | {x['ratio']:.2f} | {x['n']:.0f} | {at} | {x['step'] * 1e3:.1f} | {x['implied'] * 1e3:.1f} | "
              f"{d['weights'] * 1e3:.1f} | {d['kv cache'] * 1e3:.1f} | {d['compute'] * 1e3:.1f} | "
              f"{d['communication'] * 1e3:.1f} | {d['overhead'] * 1e3:.1f} | {x['prefill'] * 1e3:.1f} |")
    print("\nLlama 4 Maverick in two TensorRT-LLM releases (output tokens/s per chip):")
    print("| chip | tensor | in / out | v0.20 measured | v1.0 measured | v1.0 / v0.20 measured | model (both) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for hw, t, i, o, a, b, ma, mb in releases():
        print(f"| {hw} | {t} | {i} / {o} | {a:,.0f} | {b:,.0f} | {b / a:.2f} | {ma:,.0f} / {mb:,.0f} |")


if __name__ == "__main__":
    main()
