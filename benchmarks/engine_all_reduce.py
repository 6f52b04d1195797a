"""The NVLink chips' tensor-parallel all-reduce as the serving engines' own kernels measure it, beside the rings the
serving model counts (issue 20):

    python -m benchmarks.engine_all_reduce              # measured / rings by chip, engine, release, ranks and size
    python -m benchmarks.engine_all_reduce --held-out   # the held-out set and the calibration table with them in
    python -m benchmarks.engine_all_reduce --held-out --refit   # the same under the coefficients refitted with them
    python -m benchmarks.engine_all_reduce --held-out --rings   # the rings under the fit's own fixed point (part 4)
    python -m benchmarks.engine_all_reduce --fit        # benchmarks/fit_serve's loop with them in, from its fixed point

A diagnostic (branch nvar; the term in the model, off for every answer, branch nvfit: part 3): sets nothing, enters
no score. MI300X's serving all-reduce reads RCCL's measured times
(``calc.serve.terms.measured_all_reduce_time``); H100 was left out on purpose, because the engines run decode's
all-reduce on their own one-shot/two-shot custom kernels over NVLink (vLLM's custom_all_reduce since PR #2192,
TensorRT-LLM's customAllReduce behind AllReduce's AUTO strategy, SGLang's CustomAllReduce), not NCCL's. NVIDIA
AIConfigurator publishes those engines' own all-reduce, timed as each engine runs it in a CUDA graph (five captured
back to back, collector/network/collect_all_reduce.py), on H100 SXM, H200 SXM and B200 at 2, 4 and 8 ranks:
data/engine_all_reduce.csv keeps every size, of BF16, for TensorRT-LLM 1.2.0rc5 and 1.3.0rc20,
vLLM 0.14 and 0.24, SGLang 0.5.9 and 0.5.14 (1,173 rows, 256 B to 1 GiB; a prompt's messages are MiBs).

1. Against the rings (``calc.serve.terms.all_reduce_time``: ``calc.perf.collectives``' hierarchical rings, about
   10 us of latency at any size on NVLink) the engines' kernels take, on H100 and H200 alike:
   - 16-128 KiB (decode at 1-8 sequences of a 70B-405B model): 0.26-0.75x at tensor 2, 4 and 8 (2.6-8 us against
     10-11), but for two points of TensorRT-LLM 1.2.0rc5's AUTO (16 KiB at tensor 2, 128 KiB at 4: 0.88-1.02x);
     TensorRT-LLM 1.3 and SGLang 0.5.14 fastest (2.6-6.4 us), vLLM and SGLang 0.5.9 about 4.5-8 us; at tensor 8,
     16 KiB: 3.6-5.4 us against 10.1 on H100;
   - 512 KiB-2 MiB (32-128 sequences): 0.37-0.73x at tensor 2, 0.56-1.26x at 4, 0.80-1.72x at 8 (TensorRT-LLM's AUTO
     1.23-1.57x at tensor 8, vLLM 0.24 0.80-0.91x);
   - 8 MiB: 0.76-1.34x.
   B200: 0.41-0.91x at 16-128 KiB, 0.49-2.26x at 512 KiB-2 MiB and 0.84-2.49x at 8 MiB (vLLM and SGLang 0.5.9 at
   512 KiB, tensor 4-8, about 1.6-2.3x; SGLang 0.5.14 and TensorRT-LLM at most 1.87x).
   Beside them, SGLang PR #2904 (https://github.com/sgl-project/sglang/pull/2904, H100, eager, no CUDA graph, January
   2025): vLLM's custom all-reduce 8.5-11.8 us and SGLang's 3.7-7.8 us at 512-32,768 elements on 2-8 ranks, 20-45 us
   at 1,048,576; AIConfigurator's eager columns (not kept here) read about 20 us at any small size, its CUDA-graph
   ones 4.3-6.5 us. vLLM PR #2192 (https://github.com/vllm-project/vllm/pull/2192) publishes end-to-end latencies
   only (A100, A30, T4: 16.37 -> 14.57 s for Llama 70B at tensor 4, batch 64), no kernel times.
   The rings' latency is what the kernels beat: at decode's smallest messages the engines' all-reduce costs a third
   to a half of the rings' (a 70B layer's two all-reduces about 5-14 us shorter a step at tensor 8), while at the
   sizes of large batches and prompts TensorRT-LLM's AUTO at tensor 8 is slower than the rings.

2. With each held-out row's engine reading its own table inside one node of H100 SXM5, H200 SXM and B200
   (``engine_of``: TensorRT-LLM's named releases, NIM's TensorRT-LLM profiles and NVIDIA's MLPerf PyTorch-backend
   runs read TensorRT-LLM 1.2.0rc5; vLLM 0.14 (H200's 0.14.1.dev1); SGLang 0.5.9: the releases at hand nearest the
   rows'; NVIDIA's MLPerf
   TensorRT engines keep the rings, their 405B builds fusing the all-reduce into the products with
   gemm_allreduce_plugin, which the table does not time; every other chip and engine as before), prompt and decode
   alike, against the rings (lead10 da5d15d):
   - headline 1,101 rows: 73.7% -> 75.0% within 20% (811 -> 826), median 0.0896 -> 0.0830, bias +13.3% -> +12.5%;
   - latency within 25%: TTFT 105 -> 107 of 283, TPOT 165 -> 166 of 283;
   - closed loops (147): 66.0% -> 65.3% within 20% (GPUStack's GLM-4.6 on 8 H200 under vLLM 0.11 at 4 clients
     1.14 -> 1.26), median 0.093 -> 0.101, bias +34.8% -> +36.5% (worse: NIM 1.8.0's Llama 3.3 70B at tensor 2 on
     H100, 39 runs, 0.96-1.01 -> 1.05-1.11, already too fast at 25+ clients);
   - static batches (160, all MI300X): unchanged, 83.8%, median 0.088;
   - by chip: H100 SXM5 77.7% -> 79.5% (median 0.0665 -> 0.0657), H200 SXM 82.0% -> 81.3% (0.0641 -> 0.0592),
     B200 70.6% -> 74.7% (0.1158 -> 0.1039);
   - calibration table (pre-2025, TensorRT-LLM 0.5-0.15 on H100/H200, read as 1.2.0rc5; the v4.0 MLPerf row on the
     rings): throughput median error 4.85% -> 4.92%, TPOT 7.63% -> 7.78%, TTFT 11.21% unchanged (slightly worse).
   Variants: TensorRT-LLM 1.3.0rc20, vLLM 0.24, SGLang 0.5.14: headline 74.4% (0.0832, +12.8%), TTFT 107, TPOT 165,
   closed loops 65.3% (median 0.108), calibration TPOT 7.63% -> 9.19%, TTFT 11.21% -> 9.42%. With NVIDIA's MLPerf
   TensorRT engines reading TensorRT-LLM's table too: headline 75.7% (0.0845, +12.1%), but TTFT 100 and TPOT 172: the
   B200 405B tensor-4 Interactive TTFT 1.21-1.25 -> 1.46-1.54 and Server TPOT 1.18-1.25 -> 1.47-1.55 (the fused
   GEMM + all-reduce is not the table's op). Taking the tables at decode only has no ground (a prompt's all-reduce is
   the same op in these engines).
   Not kept: the headline and the latencies gain, the closed loops' median and bias and the calibration medians
   lose. The serving coefficients were fitted with the rings in place: refitting from the present coefficients
   (``benchmarks/fit_serve``'s loop) moves decode_layer_overhead from 36.3 us to 39.7 us a layer with the tables in
   and stays at 36.3 us with the rings, so the fitted per-layer constant holds part of the rings' surplus latency;
   putting the engines' all-reduce in asks for that refit on the calibration rows (the present coefficients are not
   the fit's fixed point either: prefill_matmul_efficiency 0.915 against the loop's 0.952), a change of every chip's
   answers beyond this branch.

3. In the model (branch nvfit): ``calc.serve.terms.engine_all_reduce`` says which table an engine release reads (its
   own release on the chip, else the newest listed at or before it, else its family's oldest where its custom
   all-reduce runs by default at that release: TensorRT-LLM from 0.8, whose trtllm-build PluginConfig set
   use_custom_all_reduce True where 0.5-0.7's examples' build.py left it off (NCCL's plugin), later AllReduce's AUTO;
   vLLM from 0.3.0 (PR #2192, on unless disable_custom_all_reduce); SGLang always; NIM's TensorRT-LLM profiles and the
   MLPerf PyTorch-backend runs TensorRT-LLM's oldest; NVIDIA's MLPerf TensorRT engines, named without a release, keep
   the rings, as do their fused 405B builds) and ``engine_all_reduce_time`` reads it; ``load.setup``'s
   ``all_reduce_engine`` puts it in a setup. Against lead10 df614a5 (rings, present coefficients), ``engines_own``:
   - tables, present coefficients: headline 73.66% -> 75.02% within 20% (811 -> 826 of 1,101), median 0.0896 ->
     0.0830, bias +13.28% -> +12.47%; TTFT 105 -> 107, TPOT 165 -> 166 of 283; MLPerf Server/Interactive (139) TTFT
     66, TPOT 67 unchanged; closed loops 65.99% -> 65.31% (median 0.0934 -> 0.1008); static batches unchanged;
     calibration medians 4.85/7.63/11.21% -> 4.92/7.78/11.21% (throughput/TPOT/TTFT), the fit's loss (mean squared
     log error over 204 rows) 0.01590 -> 0.01532;
   - refitted (``--fit``: benchmarks/fit_serve's loop with the tables in, pre-2025 calibration rows only): step
     overhead 1.66 -> 1.51 ms, layer overhead 36.3 -> 40.5 us, prefill matmul efficiency 0.915 -> 0.961, decode
     bandwidth 0.90 at its bound (``REFIT``); calibration 4.87/7.50/10.53%, loss 0.01505 (the loop's median error
     6.5% -> 7.0%); held-out 74.48% (820), median 0.0861, bias +13.59%; TTFT 98, TPOT 174 of 283; MLPerf
     Server/Interactive TTFT 66 -> 58, TPOT 67 -> 74 of 139; closed loops 65.31% (0.1004); static batches 84.4%
     (0.0861); H100 SXM5 77.7% -> 78.1%, H200 SXM 82.0% -> 81.0%, B200 70.6% -> 74.4%;
   - the same loop with the rings (the present coefficients are not its fixed point): 1.61 ms, 36.3 us, 0.952;
     held-out 73.21% (806), median 0.0916, TTFT 100, TPOT 176, closed loops 65.99%; calibration 4.49/7.73/10.17%,
     loss 0.01559. Against that refit the tables gain everywhere but the closed loops (-1 row) and TTFT (-2).
   Not put in the answers (the held-out rows, the calibration and ``--engine`` do not pass ``all_reduce_engine``):
   against the present model the refitted tables lose TTFT (105 -> 98, MLPerf Server 66 -> 58) and a closed loop,
   most of it the refit's drift (the rings' own refit loses TTFT too, 105 -> 100).

4. At the fit's fixed point (branch fixpt, 2026-12-07; pre-2025 calibration rows only). The rings' loop from the file's
   coefficients reaches step 1.61 ms, layer 36.3 us, prefill 0.952, bandwidth 0.90 (benchmarks/fit_serve.py ``RINGS``;
   calibration.fit from it moves nothing). From there the loop with the tables in (``--fit``) reaches step 1.55 ms,
   layer 38.9 us, prefill 0.952, bandwidth 0.90 (``REFIT``; a fixed point too, loss 0.01509 -> 0.01506). Part 3's refit
   (1.51 ms, 40.5 us, 0.961, reached from the file's coefficients) is a fixed point as well (calibration.fit moves
   none of it; loss 0.01505): the valley between the two overheads is flat enough to hold both, the one reached
   depending on the start. Figures (held-out 1,101 rows within 20%, median, bias; TTFT and TPOT of 283 within 25%;
   MLPerf Server/Interactive TTFT and TPOT of 139; closed loops of 147 within 20%, median; static batches of 160;
   calibration medians throughput/TPOT/TTFT; the fit's loss):
   - file's coefficients, rings (the model as it is): 811 (73.66%), 0.0896, +13.28%; 105, 165; 66, 67; 97, 0.0934;
     134 (0.0884); 4.85/7.63/11.21%; 0.01590;
   - file's coefficients, tables (``--held-out``): 826 (75.02%), 0.0830, +12.47%; 107, 166; 66, 67; 96, 0.1008; 134
     (0.0884); 4.92/7.78/11.21%; 0.01532;
   - ``RINGS``, rings (``--held-out --rings``): 806 (73.21%), 0.0916, +14.46%; 100, 176; 60, 77; 97, 0.0923; 133
     (0.0904); 4.49/7.73/10.17%; 0.01559;
   - ``RINGS``, tables, not refitted: 820 (74.48%), 0.0856, +13.65%; 101, 177; 60, 77; 96, 0.1036; 133 (0.0904);
     4.80/7.73/10.82%; 0.01509;
   - ``REFIT``, tables (``--held-out --refit``): 821 (74.57%), 0.0849, +13.46%; 102, 177; 61, 77; 96, 0.1008; 136
     (0.0841); 4.88/7.62/10.72%; 0.01506;
   - part 3's fixed point (1.51 ms, 40.5 us, 0.961), tables: 820 (74.48%), 0.0861, +13.59%; 98, 174; 58, 74; 96,
     0.1004; 135 (0.0861); 4.87/7.50/10.53%; 0.01505.
   Not kept, any of them. The rings' fixed point against the file's coefficients loses the headline, its median,
   TTFT, a static batch and the calibration's TPOT median. The tables at their fixed point against the rings at theirs
   (the fair comparison this branch was for) gain the headline, its median, TTFT, TPOT, three static batches and the
   calibration's TPOT median, but lose a closed loop (GPUStack's GLM-4.6, 8 H200, vLLM 0.11 at 4 clients), the
   closed loops' median 0.0923 -> 0.1008 and the calibration's throughput (4.49 -> 4.88%) and TTFT (10.17 -> 10.72%)
   medians; against the model as it is they lose TTFT (105 -> 102; MLPerf Server 66 -> 61), a closed loop and the
   throughput median (4.85 -> 4.88%).
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from functools import lru_cache

import numpy as np

from calc import data
from calc.serve import terms

CHIPS = ("H100 SXM5", "H200 SXM", "B200")
SIZES = (16384, 32768, 131072, 524288, 2097152, 8388608)  # bytes shown in the table


@lru_cache(maxsize=1)
def measured() -> dict:
    """(chip, engine, release, ranks) -> {bytes: measured seconds} (data/engine_all_reduce.csv)."""
    out: dict = {}
    for r in data.engine_all_reduce():
        key = (r["chip"], r["engine"], r["release"], int(r["ranks"]))
        out.setdefault(key, {})[float(r["message_size"])] = float(r["measured_time"])
    return out


def rings(chip: str, nbytes: float, ranks: int) -> float:
    """Seconds the serving model counts for one all-reduce of ``nbytes`` over ``ranks`` ``chip``s (the rings)."""
    return float(terms.all_reduce_time(terms.rates(data.hardware(chip), "fp8"), nbytes, ranks))


def comparison() -> list[dict]:
    """Each table's measured time against the rings at ``SIZES``: rows of chip, engine, release, ranks, bytes,
    measured and rings (s)."""
    out = []
    for (chip, engine, release, ranks), table in sorted(measured().items()):
        for size in SIZES:
            if size in table:
                out.append({"chip": chip, "engine": engine, "release": release, "ranks": ranks, "bytes": size,
                            "measured": table[size], "rings": rings(chip, size, ranks)})
    return out


def engine_of(name: str) -> str | None:
    """The engine whose table a held-out or calibration row's engine reads: TensorRT-LLM (NVIDIA's MLPerf submissions
    and NIM's TensorRT-LLM profiles too), vLLM, SGLang; None: the rings."""
    if "TensorRT-LLM" in name or "NVIDIA PyTorch backend" in name:
        return "TensorRT-LLM"
    for engine in ("vLLM", "SGLang"):
        if name.startswith(engine):
            return engine
    return None


# the serving coefficients refitted on the pre-2025 calibration rows with the engines' tables in (``held_out``'s
# ``refit``, ``fit``): benchmarks/fit_serve's loop from its own fixed point with the rings (fit_serve.RINGS) with
# load.setup's all_reduce_engine passed for each calibration row (decode_bandwidth_efficiency stays at its bound, 0.90)
REFIT = {"decode_bandwidth_efficiency": 0.90, "decode_step_overhead": 1.55e-3, "decode_layer_overhead": 3.89e-5,
         "prefill_matmul_efficiency": 0.952}


@contextmanager
def engines_own():
    """Inside: every held-out and calibration row's engine reads its own measured all-reduce
    (``calc.serve.terms.engine_all_reduce``'s rule, load.setup's ``all_reduce_engine``); this process only."""
    from calc.serve import calibration, load, validation

    engine = [None]
    own_setup, own_predict, own_cal = load.setup, validation.predict, calibration._setup

    def setup(*args, **kwargs):
        kwargs.setdefault("all_reduce_engine", engine[0])
        return own_setup(*args, **kwargs)

    def predict(c, *args, **kwargs):
        engine[0] = c.engine
        return own_predict(c, *args, **kwargs)

    def cal_setup(m, *args, **kwargs):  # the calibration sets each row's setup up once (calibration._setup)
        engine[0] = m.engine or None
        return own_cal(m, *args, **kwargs)

    load.setup, validation.predict, calibration._setup = setup, predict, cal_setup
    try:
        yield
    finally:
        load.setup, validation.predict, calibration._setup = own_setup, own_predict, own_cal


def fit() -> None:
    """benchmarks/fit_serve's loop (calibration.fit from the rings' fixed point, fit_serve.RINGS, until none moves 0.5%)
    on the pre-2025 calibration rows with the engines' tables in: ``REFIT``."""
    from dataclasses import replace

    from benchmarks.fit_serve import RINGS, fixed_point
    from calc.serve import calibration

    rows = calibration.published()
    with engines_own():
        start = replace(calibration.phases.coefficients(), **RINGS)
        k = fixed_point(rows, start)
        for name in calibration.FITTED:
            print(f"{name} = {getattr(k, name):.4g}")
        print(f"median error before {calibration._median_error(rows, start):.1%}, after {calibration._median_error(rows, k):.1%}")


def held_out(refit: bool = False, rings: bool = False) -> None:
    """The held-out set and the calibration medians with each row's engine reading its own measured all-reduce
    (``engines_own``); ``refit``: under ``REFIT``'s coefficients too; ``rings``: the rings (the model as it is) under
    the fit's own fixed point with them (benchmarks/fit_serve.py ``RINGS``)."""
    import math
    from contextlib import nullcontext
    from dataclasses import replace

    from benchmarks.fit_serve import RINGS
    from calc.serve import calibration, phases, validation

    k = RINGS if rings else REFIT if refit else {}
    with nullcontext() if rings else engines_own(), phases.fitted(replace(phases.coefficients(), **k)):
        results = validation.outcomes()
        rep = validation.report(results)
        pairs = validation.latency_pairs([o for o in results if validation.latency_pairs([o])])
        rows = calibration.compare()
    within = {f: sum(abs(p / m - 1) <= validation.LATENCY_WITHIN for g, p, m in pairs if g == f) for f in ("ttft", "tpot")}
    print("held-out (rows, within 20%, median, bias):", rep.figures(),
          f"TTFT {within['ttft']}, TPOT {within['tpot']} of {len(pairs) // 2} within 25%")
    server = validation.latency_pairs([o for o in results if o.case.ttft_limit is not None])
    print("MLPerf Server and Interactive within 25%: " + ", ".join(
        f"{f.upper()} {sum(abs(p / m - 1) <= validation.LATENCY_WITHIN for g, p, m in server if g == f)} of "
        f"{sum(g == f for g, _, _ in server)}" for f in ("ttft", "tpot")))
    for name, s in (("closed loops", rep.closed_loop), ("static batches", rep.static_batch)):
        print(f"{name}: {s.rows} rows, {s.within:.1%} within 20%, median {s.median_log_error:.4f}, bias {s.bias:+.1%}")
    for chip in CHIPS:
        s = rep.by_hardware[chip]
        print(f"{chip}: {s.rows} rows, {s.within:.1%} within 20%, median {s.median_log_error:.4f}, bias {s.bias:+.1%}")
    for metric in sorted({c.row.metric for c in rows}):
        errors = np.array([abs(math.log(c.ratio)) for c in rows if c.row.metric == metric])
        print(f"calibration {metric}: {len(errors)} rows, median error {np.median(np.expm1(errors)):.2%}")
    errors = np.array([math.log(c.ratio) for c in rows])
    print(f"calibration, all {len(rows)} rows: mean squared log error (the fit's loss) {np.mean(errors ** 2):.5f}")


def main(argv: list[str]) -> None:
    if "--held-out" in argv:
        held_out(refit="--refit" in argv, rings="--rings" in argv)
        return
    if "--fit" in argv:
        fit()
        return
    rows = comparison()
    print("| chip | engine | release | ranks | " + " | ".join(f"{s // 1024} KiB" for s in SIZES) + " |")
    print("| --- | --- | --- | --- | " + " | ".join("---" for _ in SIZES) + " |")
    by = {}
    for r in rows:
        by.setdefault((r["chip"], r["engine"], r["release"], r["ranks"]), {})[r["bytes"]] = r
    for (chip, engine, release, ranks), cells in by.items():
        shown = [f"{c['measured'] * 1e6:.1f}/{c['rings'] * 1e6:.1f} us ({c['measured'] / c['rings']:.2f}x)"
                 if (c := cells.get(s)) else "-" for s in SIZES]
        print(f"| {chip} | {engine} | {release} | {ranks} | " + " | ".join(shown) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
