"""Where Blackwell FP4 decode loses the time the MLPerf v5.1 runs ask for (about 69-124 us a layer a step on Llama 3.1
405B, 75-218 on Llama 3.1 8B; ``benchmarks.mlperf_server_schedule``), measured candidate by candidate against
kernel tables of their own, and which GEMM path each run's TensorRT engine was built with.

    python -m benchmarks.fp4_decode_paths

A diagnostic (branch fp4decode), not a fit: nothing here sets a coefficient or enters a score. The asked time is
solved from held-out rows (``mlperf_server_schedule.decode_asked``) and may never become one.

1. The GEMM path each run's engine takes, read from its configuration
   (mlcommons/inference_results_v5.1 at 965182b, closed/<submitter>/configs/<system>/<Scenario>/<benchmark>.py, the
   Custom harness's WorkloadSetting; NVIDIA's harness maps a build flag's 'fp4' to 'nvfp4',
   closed/NVIDIA/code/llmlib/builder.py) and TensorRT-LLM's TensorRT-backend layers (NVIDIA/TensorRT-LLM,
   tensorrt_llm/quantization/layers.py at 2340c77, ``FP4Linear.forward`` and ``FP4RowLinear.forward``; the
   ``GemmAllReduce`` plugin, cpp/tensorrt_llm/plugins/gemmAllReducePlugin/gemmAllReducePlugin.cpp at 2a9abd9,
   instantiates NVFP4 inputs with UE4M3 block scales beside FP16, BF16 and FP8, and without a profiled tactic takes the
   first listed configuration of a 128 x 16 / 32 / 64 / 128 tile by M, untuned by its own comment's account; the
   TensorRT-LLM commit of the v5.1 builds is not in their configurations):
   - ``gemm_plugin: fp4`` (nvfp4): every NVFP4 product through TensorRT-LLM's own FP4 GEMM plugin (``fp4_gemm``),
     the activations quantized by ``quantize_to_fp4_tensor`` (or by the RMSNorm with ``norm_quant_fusion``), the
     all-reduce apart. Llama 2 70B Interactive on every B200 (tensor 1) and NVIDIA's GB200-NVL72 x72 Llama 3.1 405B
     Interactive (tensor 4): "plugin";
   - no FP4 GEMM plugin: ``dynamic_quantize`` of the activations, ``block_double_dequantize`` of activations and
     weights and a TensorRT ``matmul``, which TensorRT itself lowers to its own FP4 kernels: Llama 3.1 8B on every
     B200 (tensor 1) and Llama 2 70B Server on B200 and GB200 (tensor 1): "tensorrt";
   - ``gemm_allreduce_plugin: float16`` with no FP4 GEMM plugin: the column products (QKV, gate and up) as above and
     the row products (attention output, down) through the ``GemmAllReduce`` plugin with NVFP4 inputs and block
     scales: every other Llama 3.1 405B Server and Interactive run on B200, GB200 and GB300 (tensor 4, 2 on GB300):
     "tensorrt + gemm-allreduce";
   - H200 at FP8 (405B with ``gemm_allreduce_plugin``, Llama 2 70B without): the controls, "fp8".

2. What each path asks (us a layer a step; the time the measured TPOT asks added to the model's decode step at the
   run's rate, divided by the layers; the runs the model cannot carry at their rate give none): min, median, max
   - "plugin": Llama 2 70B B200 Interactive +2, +17, +36 (7 runs); 405B GB200-NVL72 x72 Interactive -26;
   - "tensorrt": Llama 3.1 8B B200 Server +75, +139, +157 (9), Interactive +114, +168, +218 (4); Llama 2 70B
     Server on B200 and GB200 (14): beyond the model's capacity at their rates, nothing solved;
   - "tensorrt + gemm-allreduce": 405B Server +69, +73, +91 (17 runs at 24-93 sequences a replica), Interactive
     +108, +111, +124 (10, at 16-18);
   - "fp8" (H200 SXM and NVL): 405B Server -2, 0, +2 (3), Interactive +26 (1); Llama 3.1 8B -73 to +19 (4); Llama 2
     70B Interactive -27, -2, +57 (9), Server +5, +19, +414 (15 of 17 solved; near the model's capacity, where a rate
     2% higher moves their TPOT by a fifth: README).
   So the missing time follows the engines built without TensorRT-LLM's FP4 GEMM plugin, in two models and two
   tensor widths (8B has no all-reduce at all), not FP4 alone (the plugin runs ask 0-36 us) nor the fused
   all-reduce alone (H200's 405B build fuses it at FP8 and asks nothing). The 405B runs carry both TensorRT's FP4
   products and the FP4 GemmAllReduce, so which of the two takes the time is not separable from these runs.

3. Each kernel candidate against its own measurement (AIConfigurator's collected TensorRT-LLM tables,
   ai-dynamo/aiconfigurator at 095f58a, aic-core/src/aiconfigurator_core/systems/data/<chip>/...; PyTorch-flow ops
   of TensorRT-LLM 1.2.0rc5 and 1.3.0rc20, not the TensorRT engine the runs used). The model's figure is its own
   decode part a layer at the table's point (``kernel_rows``), for 405B on B200 at tensor 4 (FP4) and H200 at
   tensor 8 (FP8):
   - FP8 KV-cache generation attention (attention/trtllm/*/generation_attention_perf.parquet; 32 query and 2 KV heads
     a rank on B200, 16 and 1 on H200, head 128; 16-64 sequences at 8K and 16K tokens): the table is 1.17-2.25x the
     model on B200 (+6 to +15 us a layer) and 1.19-2.86x on H200 (+12 to +28), where H200 asks for nothing: not a
     Blackwell term (the table's ~13 us a call at one sequence is the PyTorch op's own floor);
   - the BF16 tensor-parallel all-reduce at decode sizes (comm/trtllm/*/custom_allreduce_perf.parquet, 0.5-4 MB,
     TensorRT-LLM's one-shot or two-shot as it picks): B200 at 4 ranks 7-27 us against the model's 11-21 (0.63-1.29x),
     H200 at 8 ranks 18-48 against 13-35 (1.35-1.58x): the model is not short of B200's all-reduce;
   - the products with their activation quantization (gemm/trtllm/*/gemm_perf.parquet; the nvfp4 op is a PyTorch
     ``Linear`` whose forward quantizes its BF16 input, collector/trtllm/collect_gemm.py): 405B's four products a rank
     sum to 152-159 us a layer on B200 at 16-128 rows against the model's 93-131 (1.18-1.71x), and the FP8 ones on
     H200 to 162-170 us against 95-109 (1.56-1.72x), where H200 asks for nothing: the tables' excess over the model
     is the PyTorch flow's on both chips, not an FP4 term (as 0e44f29 found: as decode's products they bring the 405B
     rows within 20% but take Llama 3.3 70B FP4 from 95% to 80%);
   - the fused GEMM + all-reduce at small M (TensorRT-LLM's GemmAllReduce plugin: CUTLASS, an NVLS multicast
     epilogue) and TensorRT's own FP4 kernels behind ``dynamic_quantize``: no published table at decode sizes was
     found (AIConfigurator collects neither; TensorRT-LLM issue #4412, NVFP4 decode slower than FP8 with the plugin,
     is an RTX 5090 report with no kernel times).
   Every table puts H200's model at least as far under its kernels as B200's, and H200 asks for nothing: none of
   them holds the Blackwell time. No term is added, and the 405B runs keep the all-reduce unfused (fused, their
   TPOT falls to 0.67-0.73x: ``benchmarks.mlperf_server_schedule``). The measurement that would settle it: one 405B
   NVFP4 layer's decode in the TensorRT engine built with and without ``gemm_plugin nvfp4`` and
   ``gemm_allreduce_plugin`` at 16-96 rows (nsys), which neither NVIDIA's submission nor AIConfigurator publishes.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from benchmarks import mlperf_server_schedule
from calc.serve import load, phases, validation
from calc.serve.terms import all_reduce_time

MODELS = ("Llama 3.1 405B", "Llama 3.1 8B", "Llama 2 70B")
# the chips whose configurations section 1 reads (NVIDIA's harness; AMD's vLLM runs and HPE's RTX PRO 6000 left out)
HARDWARE = ("B200", "GB200", "GB300", "H200 SXM", "H200 NVL")

# AIConfigurator (ai-dynamo/aiconfigurator 095f58a), aic-core/src/aiconfigurator_core/systems/data: TensorRT-LLM
# 1.2.0rc5 and 1.3.0rc20 tables, latency in us. Generation attention, FP8 KV cache, head 128, no window, at
# (sequences, cached tokens = step + 1): b200_sxm (32 query heads, 2 KV: 405B at tensor 4) and h200_sxm (16, 1:
# tensor 8), attention/trtllm/<version>/generation_attention_perf.parquet.
ATTENTION = {
    "B200": {"1.2.0rc5": {(16, 8192): 21.0, (32, 8192): 27.7, (64, 8192): 43.5, (16, 16384): 27.2, (32, 16384): 43.6},
             "1.3.0rc20": {(16, 8192): 17.2, (32, 8192): 33.2, (64, 8192): 50.5, (16, 16384): 33.1,
                           (32, 16384): 52.2}},
    "H200": {"1.2.0rc5": {(16, 8192): 22.2, (32, 8192): 32.4, (64, 8192): 51.7, (16, 16384): 36.1, (32, 16384): 54.2,
                          (64, 16384): 74.2},
             "1.3.0rc20": {(16, 8192): 21.1, (32, 8192): 36.4, (64, 8192): 57.2, (16, 16384): 41.5, (32, 16384): 59.5,
                           (64, 16384): 86.9}},
}
# BF16 all-reduce of ``message`` elements, comm/trtllm/<version>/custom_allreduce_perf.parquet: B200 at 4 ranks
# (1.2.0rc5, 1.3.0rc20), H200 at 8 (1.3.0rc20).
ALL_REDUCE = {
    ("B200", 4): {262144: (7.6, 7.2), 524288: (9.8, 9.7), 1048576: (14.5, 14.6), 2097152: (23.8, 26.8)},
    ("H200", 8): {262144: (17.8,), 524288: (25.7,), 1048576: (30.5,), 2097152: (47.5,)},
}
# The four products of a 405B layer a rank (QKV 4,608 x 16,384, output 16,384 x 4,096, gate and up 26,624 x 16,384,
# down 16,384 x 13,312 at tensor 4; half the columns or rows at tensor 8), summed, us, at ``rows`` rows:
# gemm/trtllm/<version>/gemm_perf.parquet, B200 nvfp4 (1.2.0rc5, 1.3.0rc20; each product log-bilinear in n and k
# between the table's grid points), H200 fp8 (1.2.0rc5). The nvfp4 op quantizes its BF16 input inside the timing.
PRODUCTS = {
    ("B200", "fp4", 4): {16: (158.9, 154.6), 32: (151.6, 152.5), 64: (153.7, 153.4), 128: (155.5, 155.0)},
    ("H200", "fp8", 8): {16: (163.1,), 32: (161.8,), 64: (170.3,)},
}
CHIPS = {"B200": ("fp4", 4), "H200": ("fp8", 8)}
# the held-out row whose setup (as ``validation.predict`` builds it) each chip's comparison takes
ROWS = {"B200": "mlperf51-nvidia-b200-sxm-180gbx8-llama3-1-405b-server",
        "H200": "mlperf51-nebius-h200-sxm-141gbx8-llama3-1-405b-server"}


def gemm_path(c: validation.Case) -> str | None:
    """The GEMM path of an MLPerf v5.1 row's TensorRT engine, read from its configuration (the module's notes):
    "plugin", "tensorrt", "tensorrt + gemm-allreduce" or "fp8"; None for a row none of these covers."""
    if not c.name.startswith("mlperf51-") or c.model not in MODELS or c.hardware not in HARDWARE \
            or c.scenario not in ("server", "interactive"):
        return None
    if c.precision == "fp8":
        return "fp8"
    if c.precision != "fp4":
        return None
    if c.model == "Llama 3.1 405B":
        return "tensorrt + gemm-allreduce" if mlperf_server_schedule.fuses_all_reduce(c.name) else "plugin"
    if c.model == "Llama 2 70B":
        return "plugin" if c.scenario == "interactive" else "tensorrt"
    return "tensorrt"


def asked(model: str | None = None) -> list[dict]:
    """For every MLPerf v5.1 Server and Interactive row of the three models stating its TTFT and TPOT: its GEMM path
    and the decode time a layer (s) its measured TPOT asks at its rate, with the all-reduce fused where the run's
    configuration fuses it (None where the model cannot carry the rate)."""
    out = []
    for c in validation.cases():
        path = gemm_path(c)
        if path is None or (model and c.model != model) or c.ttft is None or c.tpot is None or c.tensor is None:
            continue
        s = validation.setup(c, fused_all_reduce=mlperf_server_schedule.fuses_all_reduce(c.name))
        delta = mlperf_server_schedule.decode_asked(s, validation.measured_request_rate(c), c.tpot)
        layers = s.shape.layers / s.layout.pipeline
        out.append({"name": c.name, "model": c.model, "hardware": c.hardware, "scenario": c.scenario, "path": path,
                    "per_layer": None if delta is None else delta / layers})
    return out


def by_path(rows: list[dict]) -> dict:
    """The asked time a layer (s) by (path, model, scenario): count, solved count, min, median, max."""
    groups: dict = {}
    for r in rows:
        groups.setdefault((r["path"], r["model"], r["scenario"]), []).append(r["per_layer"])
    out = {}
    for key, values in sorted(groups.items()):
        v = np.array([x for x in values if x is not None])
        out[key] = {"rows": len(values), "solved": len(v),
                    "min": float(v.min()) if len(v) else math.nan, "median": float(np.median(v)) if len(v) else math.nan,
                    "max": float(v.max()) if len(v) else math.nan}
    return out


def _setup(chip: str) -> load.Setup:
    """The setup of the chip's 405B row (``ROWS``), its all-reduce fused as its configuration builds it (the decode
    step does not change with it)."""
    c = next(c for c in validation.cases() if c.name == ROWS[chip])
    return validation.setup(c, fused_all_reduce=mlperf_server_schedule.fuses_all_reduce(c.name))


def _decode(s: load.Setup, batch: float, context: float) -> dict:
    return phases.decode_step(s.shape, s.layout, s.rates, s.weight_bytes, s.kv_bytes, np.array([float(batch)]),
                              float(context), s.kv_reads)


def kernel_rows() -> list[dict]:
    """Each candidate kernel's measured time (us, one per table version) against the model's at the same point (us a
    layer): attention (the model's decode step at the table's batch and context less the same step at one cached
    token), the all-reduce (``terms.all_reduce_time`` of the message in BF16) and the four products (the decode step's
    weights part a layer) for 405B on B200 at tensor 4 (FP4) and H200 at tensor 8 (FP8)."""
    out = []
    for chip in CHIPS:
        s = _setup(chip)
        layers = s.shape.layers
        for version, table in ATTENTION[chip].items():
            for (b, ctx), t in table.items():
                model = (_decode(s, b, ctx)["total"] - _decode(s, b, 1.0)["total"])[0] / layers
                out.append({"kernel": "attention", "chip": chip, "point": f"{b} seq x {ctx} tok", "version": version,
                            "measured": t, "model": model * 1e6})
        precision, T = CHIPS[chip]
        for message, times in ALL_REDUCE[(chip, T)].items():
            model = float(all_reduce_time(s.rates, 2.0 * message, T)) * 1e6
            for t in times:
                out.append({"kernel": "all-reduce", "chip": chip, "point": f"{2 * message / 1e6:.1f} MB", "version": "",
                            "measured": t, "model": model})
        for rows, times in PRODUCTS[(chip, precision, T)].items():
            model = _decode(s, rows, 1.0)["weights"][0] / layers * 1e6
            for t in times:
                out.append({"kernel": "products", "chip": chip, "point": f"{rows} rows", "version": "",
                            "measured": t, "model": model})
    return out


def main(argv: list[str]) -> None:
    model = argv[argv.index("--model") + 1] if "--model" in argv else None
    us = lambda x: "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x * 1e6:+.0f}"  # noqa: E731
    print("| GEMM path | model | scenario | rows (solved) | asked us a layer: min, median, max |")
    print("| --- | --- | --- | --- | --- |")
    for (path, m, scenario), g in by_path(asked(model)).items():
        print(f"| {path} | {m} | {scenario} | {g['rows']} ({g['solved']}) | {us(g['min'])}, {us(g['median'])}, "
              f"{us(g['max'])} |")
    print()
    print("| kernel | chip | point | measured us | model us a layer | measured / model |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in kernel_rows():
        print(f"| {r['kernel']} | {r['chip']} | {r['point']} {r['version']} | {r['measured']:.1f} | {r['model']:.1f} | "
              f"{r['measured'] / r['model']:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
