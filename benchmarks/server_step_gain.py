"""Whether the MLPerf v5.1 Server and Interactive runs whose TTFT and TPOT the model misses together (Llama 3.1 8B on
B200, DeepSeek-R1 on B200/GB200/GB300) step about twice as long as the model's steps, or step a little longer and sit
nearer their knee (branch srv8b). For each held-out Server or Interactive row stating its mean TTFT and TPOT
(data/serving_validation.csv), three readings of the model's step against the run's:

- ``content``: the model's step (``load.evaluate`` in "arrivals" mode, as ``load.at_rate`` reads a Server run) at the
  sequences in flight the run itself held (Little's law on the measured rate and latencies,
  ``validation.in_flight_at_measured_load``), i.e. with the decode batch and the prompt tokens a step carries at the
  run's own load (C / O prompts a step), over the measured TPOT: the step compared at equal content;
- ``gain``: how much the model's TPOT at the run's rate moves for a step 1% longer at equal content (the knee's
  amplification: the step grows with the sequences in flight and they with the step, tau = d(C) / (1 - rho)),
  d ln TPOT / d ln k at k = 1, where every step and first token of ``load.at_rate`` is scaled by k and the sequences
  in flight solved again at the run's rate;
- ``k asked``: the one scale k of every step (decode and prompt parts, the first token's wait with them) that brings
  the model's TPOT at the run's rate to the measured one, beside the run's Offline sibling's ratio (model / measured
  throughput of the same submitter's system at saturation, where the file holds one; the same scale read where no
  latency enters), and the model's TTFT at that k against the measured.

    python -m benchmarks.server_step_gain [--model NAME] [--all]

Without --all only the rows of the two classes of issue 20 are listed (Llama 3.1 8B and DeepSeek-R1 Server and
Interactive on MLPerf v5.1). A diagnostic, not a fit: nothing here sets a coefficient or enters a score; k is solved
from held-out rows, which the model may never take.

What it shows at d180ea2 (mlcommons/inference_results_v5.1 at 965182b for the runs' configurations and summaries):
- Llama 3.1 8B on B200 (tensor 1, FP4, TensorRT engine through the C++ executor, max_num_tokens 12,000, chunked
  context; NVIDIA's configs/B200-SXM-180GBx8/{Server,Interactive}/llama3_1-8b.py, every submitter's copy the same
  but the target rate; Oracle's copy builds max_num_tokens 1,536 under a runtime 12,000, which the harness refuses
  (llmlib/config.py asserts the runtime's max_num_tokens at most the build's) and its measured steps of about 3,100
  tokens in 25 ms could not have run, so its run did not use that file as committed). Server, 9 runs: a step carries 350-527 sequences and
  2,360-3,560 prompt tokens, where the model's step is 0.84-0.95 of the measured TPOT (1.0-4.4 ms short); a step 1%
  longer moves the model's TPOT at the runs' rate by 2.9-3.3% (the knee: the prompts take most of each step), so the
  0.41-0.59x TPOT is that shortfall multiplied, not a step half as long. The one step scale the TPOT asks for, 1.14-1.24,
  is each system's own Offline error (model / measured throughput 1.19-1.28; k over it 0.93-1.00 run by run): one step
  error, read at saturation and near the knee alike. Interactive, 4 runs: 218-335 sequences and 1,471-2,260 prompt
  tokens a step, the model's step 0.72-0.85 of the measured (3.3-6.6 ms short), gain 2.2-3.0, k 1.21-1.41 beside
  Offline 1.23-1.28: more than the Offline error where the steps are shorter, a time a step the model lacks beside the
  rate. Through the same executor H200 at FP8 needs none (HPE and QCT: 0.98-1.06 at equal content, k 0.96-1.03), nor
  does the RTX PRO 6000's FP4 (0.95-0.99, k 1.03-1.07, Offline 1.04): the missing step is B200's at FP4, the class
  ``benchmarks.fp4_decode_paths`` and the README's held-out section name (B200 FP4 at 8B 1.2-1.5x), not the schedule;
- with every step so scaled the 8B first tokens come to 37-51 ms in Server and 33-44 in Interactive: GigaComputing's
  Interactive 39 ms (0.85x) and the Server runs whose loadgen summaries show no burst (Oracle 60, GigaComputing 83,
  Lenovo 120 ms: 0.4-0.8x) are of that order; NVIDIA's, Google's, Dell's and Supermicro's 278-596 ms Server (and
  102-113 ms Interactive) stay 2.4-14x over it. NVIDIA's, Oracle's and Google's systems are alike (2 x Xeon Platinum
  8570, TensorRT 10.11, CUDA 12.9: systems/*.json) and ran at the same 997 requests/s, yet their mean first tokens are
  587, 60 and 596 ms: not the host CPU, and not the engine, whose TPOT differs by 15% between them. The first tokens
  reach loadgen through NVIDIA's harness (closed/NVIDIA/code/llmlib/cores/base.py ``LLMCore._poll_responses``): one
  Python thread per executor core, 8 in one process under one interpreter lock, each polling
  ``executor.await_responses`` (5 ms timeout), walking every streamed token's response (generation_config.json
  ``streaming`` true: about 129,000 responses/s at 1,000 requests/s of 129 tokens), calling loadgen back on the first
  and last token only, then sleeping 2 ms where no request ended in the batch. No time per response of that path is
  published, so its backlog is not sized; the slow runs' fastest TPOT (0.24-4.0 ms, shorter than any step) shows the
  first token held back there;
- DeepSeek-R1 (PyTorch backend through trtllm-serve, attention data parallel 8, WIDEEP MoE, max_num_tokens 3,456 a
  rank, no chunked context, CUDA graphs at 128-512 with padding, ADP balance 3 / 9 iterations, stream_interval 1 from
  llmlib/config.py's defaults; configs/*/Server/deepseek-r1.py), 8 runs: a step carries 105-186 sequences a rank and
  183-325 prompt tokens a replica, where the model's step is 0.62-0.75 of the measured (16.7-26.3 ms short); at these
  loads (under half the model's capacity) the gain is only 1.2-1.6, so the 0.42-0.59x TPOT is the step itself. The
  Offline steps at 512 a rank miss about 21 ms too (NVIDIA's B200, ``benchmarks.moe_decode_terms``; B200 and GB200
  Offline 1.14-1.26x, GB300 1.00-1.13x): a time a step
  that hardly grows with the batch, a larger share of the Server's shorter steps (k asked 1.35-1.61 beside Offline
  1.00-1.26). With it the TTFT is still 0.36-0.63x (271-408 ms against 557-780): the first token misses more than a
  step scale gives. One grounded path checked and found too small: under attention data parallelism the PyExecutor
  gathers every rank's responses to rank 0 each iteration (``_enqueue_responses``: ``self.dist.tp_gather(responses)``,
  TensorRT-LLM's pyexecutor/py_executor.py), so rank 0's host work is the replica's, not 1 / 8 of it as
  ``phases.host_step`` divides; counted so at data/serving_host.csv's figures (10.7 us a sequence on x86, 29.4 on
  Grace) it stays under the GPU step behind the overlap scheduler and moves the steps by 0 (B200) to 1.3-1.7 ms
  (GB300), not the 17-26 ms; TensorRT-LLM's tech blog 8 ("Support Stream Interval") says per-token streaming can
  leave the GPU waiting for Python but gives no figure.
Neither class is a queueing constant: in both the miss is a step time on B200/GB200/GB300 at FP4 that no kernel table
at hand holds (``benchmarks.fp4_decode_paths``), which the 8B runs multiply 2.2-3.3 times at their knee. Nothing set.
"""

from __future__ import annotations

import math
import re
import sys

import numpy as np

from benchmarks.server_ttft_parts import server_runs
from calc.serve import load, validation


def _scaled(s: load.Setup, rate: float, k: float) -> tuple[float, float] | None:
    """The model's (TTFT, TPOT) in s at ``rate`` requests/s (all replicas) with every step and first token k times
    the model's: the sequences in flight solved again at that rate, as ``load.at_rate`` solves them (None at or past
    the scaled capacity)."""
    most = s.max_concurrency()
    c = np.geomspace(min(1e-3, most), most, 96)
    rates = np.maximum.accumulate(np.asarray(load.evaluate(s, c, "arrivals")["total"]) / s.output_tokens / k)
    if not rate < rates[-1]:
        return None
    n = float(np.exp(np.interp(rate, rates, np.log(c))))
    r = load.evaluate(s, n, "arrivals")
    wait = load.step_wait(s, r, n, rate)
    return k * (float(r["ttft"]) + float(wait)), k * float(r["tpot"])


def _k_asked(s: load.Setup, rate: float, tpot: float) -> float | None:
    """The step scale k whose TPOT at ``rate`` is the measured ``tpot`` (bisection in ln k over 0.5-4); None where
    even k = 0.5 is slower or k = 4 faster than measured, or the scaled capacity is passed first."""
    lo, hi = math.log(0.5), math.log(4.0)
    at = lambda x: _scaled(s, rate, math.exp(x))  # noqa: E731
    low = at(lo)
    if low is None or low[1] > tpot:
        return None
    for _ in range(40):
        mid = (lo + hi) / 2
        got = at(mid)
        if got is None or got[1] > tpot:
            hi = mid
        else:
            lo = mid
    return math.exp((lo + hi) / 2)


def row(c: validation.Case, offline: validation.Case | None) -> dict | None:
    """The three readings of ``c`` (see the module's notes); None where the model cannot complete the run's rate."""
    s = validation.setup(c)
    rate = validation.measured_request_rate(c)
    base = _scaled(s, rate, 1.0)
    if base is None:
        return None
    n = validation.in_flight_at_measured_load(c)
    step = float(load.evaluate(s, n, "arrivals")["tpot"])
    content = step / c.tpot
    up = _scaled(s, rate, 1.01)
    gain = (math.log(up[1] / base[1]) / math.log(1.01)) if up is not None else math.inf
    k = _k_asked(s, rate, c.tpot)
    at_k = _scaled(s, rate, k) if k is not None else None
    off = None
    if offline is not None:
        o = validation.predict(offline)
        if o.throughput_per_chip:
            off = o.throughput_per_chip / offline.throughput_per_chip
    return {"name": c.name, "in_flight": n / s.replicas, "prompt_tokens": n / s.replicas / s.output_tokens
            * s.input_tokens, "content": content, "missing": c.tpot - step, "gain": gain,
            "tpot": base[1] / c.tpot, "ttft": base[0] / c.ttft, "k": k, "offline": off,
            "ttft_at_k": None if at_k is None else at_k[0], "ttft_measured": c.ttft}


def issue_rows(name: str) -> bool:
    """The rows of issue 20's two classes: MLPerf v5.1 Llama 3.1 8B and DeepSeek-R1 Server and Interactive."""
    return name.startswith("mlperf51-") and bool(re.search(r"llama3-1-8b|deepseek-r1", name))


def main(argv: list[str]) -> None:
    model = argv[argv.index("--model") + 1] if "--model" in argv else None
    every = "--all" in argv
    f2 = lambda x: "-" if x is None else f"{x:.2f}"  # noqa: E731
    ms = lambda x: "-" if x is None else f"{x * 1e3:.0f}"  # noqa: E731
    print("| row | a step's content at the measured load (a replica): sequences, prompt tokens | model step at that "
          "content / measured TPOT, ms short | gain | TPOT, TTFT at the rate (model / measured) | k asked by TPOT | "
          "Offline model / measured | TTFT ms at k, measured |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for c, offline in server_runs(model):
        if not (every or issue_rows(c.name)):
            continue
        r = row(c, offline)
        if r is None:
            print(f"| {c.name} | - | - | - | past the model's capacity at the run's rate | - | - | - |")
            continue
        print(f"| {r['name']} | {r['in_flight']:.0f}, {r['prompt_tokens']:.0f} | {r['content']:.2f}, "
              f"{r['missing'] * 1e3:.1f} | {r['gain']:.2f} | {r['tpot']:.2f}, "
              f"{r['ttft']:.2f} | {f2(r['k'])} | {f2(r['offline'])} | {ms(r['ttft_at_k'])}, "
              f"{ms(r['ttft_measured'])} |")


if __name__ == "__main__":
    main(sys.argv[1:])
