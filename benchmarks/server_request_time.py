"""Time per request behind an OpenAI-compatible server: for each held-out saturation run served over HTTP (GPUStack's
bursts under vLLM, SGLang and ``trtllm-serve``; AMD's ROCm blog of January 2025 under vLLM 0.6.7.dev), the time per
request the run measured (the replica's chips x measured output tokens/s per chip / output tokens, inverted), the
model's, their difference, and the sequences the model's memory holds.

    python -m benchmarks.server_request_time [--rows]

A diagnostic (branch apiserver), not a fit: nothing here sets a coefficient. It asks whether the model's miss on these
runs (1.4-7x too fast) is a time each request spends in the API server outside the engine's step (HTTP, chat template
and tokenizing, detokenizing and streaming, the hand-off to the engine process). Such a time is the same for a request
of one model on one chip as on another, and bounds the request rate at 1 / t per server process whatever the prompt.
The figures say otherwise: the difference grows with the prompt (128 in / 4 out: 1.4-20 ms a request; 2,000-4,000
in: up to 1 s; 32,000 in: 0.5-4.2 s) and with the chip (Qwen3 32B on one A100 0.99-1.09x under vLLM 0.11 and
``trtllm-serve`` at 2,000 and 4,000 tokens, 2.0-2.3x on one H100; at 128 / 4 ``trtllm-serve`` on the A100 1.06x at 27
requests/s); vLLM 0.11's one API server completed 248 requests/s of GPT-OSS 20B at 128 / 4 where Qwen3 14B on the same
chip and release completed 44; and AMD's runs (128-2,048 in, 2,000-4,096 out) complete 0.8-7.4 requests/s, where a
server's time would have to be 135-1,290 ms a request to bind. The public figures found for the servers' own capacity
(the notes below) are far above what these runs need or state no per-request time. At 128 / 4 the prefill's
product is the run (Qwen3 32B: 127,698 prompt tokens, 8.4 PFLOP): GPUStack's A100 runs carry it at 169-225 TFLOP/s
(54-72% of the A100's 312 dense BF16), its H100 runs at 255 TFLOP/s BF16 under vLLM 0.11 and 435 FP8 under
``trtllm-serve`` (26% and 22% of the H100 SXM's 989 and 1,979), where the model takes 677: the miss sits with the
H100 and H200 runs' rate of work, not with a server. So no server time
is counted in ``calc.serve``.

Notes (sources read, none carrying a per-request time of one server process at a stated request rate):
- vLLM PR #12287 (January 2025, V1 frontend): Llama-3.2-1B on one A100, ShareGPT at 400 clients, 63.6 requests/s and
  12,850 output tokens/s before the change (more after): a lower bound on one V1 API server's capacity, the split
  between request and token costs not stated;
- vLLM PR #17546 (May 2025, ``--api-server-count``) and RFC #12705: one API server process can bottleneck DP=2 on
  Llama-3.2-1B at 120 requests/s (TTFT improves with more servers); no per-request time;
- vLLM's blog of 5 September 2024 (v0.6.0): the HTTP API server took 33% of the execution time for Llama 3 8B on one
  H100 before it moved to its own process; a share, not a time, and of a release these runs postdate;
- SGLang issue #10186 (September 2025): the OpenAI output conversion costs about 30 us per token per request on a
  Kunpeng CPU (DeepSeek-V3 on Ascend); 33,000 tokens/s per tokenizer process, beyond every run here (at most 10,500);
- SGLang issue #23393 (April 2026): at 1,024 sequences the tokenizer/detokenizer path lifts the client's inter-token
  latency from 39 ms to 180 ms (about 140 us a token a sequence, a slow tokenizer warned of); not these releases;
- ray-project/ray issue #59681 (July 2026): bare vLLM 0.22 (Qwen2.5-0.5B, one RTX 5050, streaming chat) first token
  16.9 ms p50 at one client, the prefill included; a later release than the GPUStack runs' ~40 ms excess at one
  client (vLLM 0.11, ``trtllm-serve`` 1.2rc1), which it does not explain.
"""

from __future__ import annotations

import statistics
import sys
from collections import defaultdict

from calc.serve import validation


def served_over_http(c: validation.Case) -> bool:
    """Whether ``c`` ran behind an OpenAI-compatible HTTP server: vLLM, SGLang or ``trtllm-serve`` (not
    ``trtllm-bench`` nor an MLPerf harness)."""
    return c.engine.startswith(("vLLM", "SGLang")) or "trtllm-serve" in c.engine


def _max_sequences(c: validation.Case) -> float:
    """The sequences the model's memory holds for ``c``, set up as ``validation.predict`` sets it up."""
    s = validation.setup(c)
    return float(s.max_concurrency())


def rows() -> list[dict]:
    """One dict per scored saturation row served over HTTP: ``case``, ``measured`` and ``modelled`` time per
    request (s: the run's chips x output tokens/s per chip over its output tokens, inverted), ``excess`` = measured -
    modelled (s), ``rate`` (measured requests/s) and ``n`` (the sequences the model's memory holds)."""
    out = []
    for o in validation.outcomes():
        c = o.case
        if o.refused or not o.throughput_per_chip or c.scenario != "offline" or not served_over_http(c):
            continue
        rate = c.throughput_per_chip * c.chips / c.output_tokens
        modelled = c.output_tokens / (o.throughput_per_chip * c.chips)
        out.append({"case": c, "measured": 1 / rate, "modelled": modelled, "excess": 1 / rate - modelled,
                    "rate": rate, "n": _max_sequences(c)})
    return out


def main() -> None:
    found = rows()
    if "--rows" in sys.argv:
        print("| run | engine | chip | in / out | requests/s | measured (ms) | modelled (ms) | excess (ms) | ratio (model / run, tokens/s) | "
              "sequences held |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for x in sorted(found, key=lambda x: (x["case"].input_tokens, x["case"].name)):
            c = x["case"]
            print(f"| {c.name} | {c.engine} | {c.hardware} | {c.input_tokens} / {c.output_tokens} | {x['rate']:.1f} | "
                  f"{x['measured'] * 1e3:.1f} | {x['modelled'] * 1e3:.1f} | {x['excess'] * 1e3:.1f} | "
                  f"{x['measured'] / x['modelled']:.2f} | {x['n']:.0f} |")
        print()
    groups = defaultdict(list)
    for x in found:
        c = x["case"]
        prompt = "128" if c.input_tokens <= 128 else ("2k-4k" if c.input_tokens <= 4096 else "32k")
        groups[(c.engine.split(" (")[0], c.hardware, prompt)].append(x)
    print("| engine | chip | prompt | rows | median requests/s | median excess (ms a request) | median ratio (model / run) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for (e, hw, p), xs in sorted(groups.items()):
        print(f"| {e} | {hw} | {p} | {len(xs)} | {statistics.median(x['rate'] for x in xs):.1f} | "
              f"{statistics.median(x['excess'] for x in xs) * 1e3:.1f} | "
              f"{statistics.median(x['measured'] / x['modelled'] for x in xs):.2f} |")


if __name__ == "__main__":
    main()
