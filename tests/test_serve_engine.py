"""Serving: the terms that differ by engine and chip beyond NVIDIA's (issue 20: AMD Instinct rows too fast), each
against its own source: the engine's scheduler as a run's configuration states it, MI300X's streaming bandwidth and
FP8 matmul rate as measured."""

import math

import numpy as np
import pytest

from calc import data
from calc.errors import InputError
from calc.perf.system import build_chip
from calc.serve import load
from calc.serve.terms import stream_share

LLAMA2 = dict(precision="fp8", kv_precision="fp8", input_tokens=222, output_tokens=301)


def _setup(**engine):
    return load.setup("Llama 2 70B", "MI300X", 8, tensor=1, **LLAMA2, **engine)


def test_amd_harness_settings_as_published():
    # AMD's MLPerf Inference v5.1 harness, harness_llm/models/llama2-70b/server_mi300x.yaml and interactive_mi325x.yaml
    # (mlcommons/inference_results_v5.1, closed/AMD/code/llama2-70b-99.9): num_scheduler_steps 9, chunked prefill off;
    # num_scheduler_steps 1, chunked prefill on
    assert load.published_engine("mlperf51-mi300x-llama2-70b-server").items() >= {"scheduler_steps": 9,
                                                                                  "chunked_prefill": False}.items()
    assert load.published_engine("mlperf51-mi325x-llama2-70b-interactive").items() >= {"scheduler_steps": 1,
                                                                                       "chunked_prefill": True}.items()
    assert load.published_engine("no such run") == {}


def test_multi_step_scheduling_waits_for_the_round_in_progress():
    # vLLM's multi-step scheduling admits requests once every n steps: the mean residual of a round of n steps of tau
    # is n tau / 2 (the engine busy), against tau / 2 with one step per scheduler run (a token budget of many prompts a
    # round, so that no prompt waits for a later round: load.prefill_wait 0)
    from dataclasses import replace
    one, nine = replace(_setup(), max_num_tokens=10**6), replace(_setup(scheduler_steps=9), max_num_tokens=10**6)
    c, rate = 800.0, 80.0
    r1, r9 = load.evaluate(one, c, "continuous"), load.evaluate(nine, c, "continuous")
    assert float(r9["tpot"]) == pytest.approx(float(r1["tpot"]))  # chunked: the steps themselves do not change
    extra = load.step_wait(nine, r9, c, rate) - load.step_wait(one, r1, c, rate)
    assert extra == pytest.approx(8 * float(r1["tpot"]) / 2, rel=1e-6)


def test_prefill_passes_of_their_own_read_the_weights_again():
    # vLLM's V0 scheduler without chunked prefill (and SGLang without mixed chunks) runs a step of prefill only, and
    # only when a prompt waits (load.separate_passes): the pass reads every weight once more and the decodes wait for
    # it, in a share q = 1 - exp(-a) of the rounds, a = n C / O the prompts arriving a round
    chunked, passes = _setup(), _setup(chunked_prefill=False)
    weights = 69e9 / (5.3e12 * 0.9 * stream_share("MI300X"))  # Llama 2 70B's FP8 weights at the decode bandwidth, s
    small = 8.0  # one sequence per replica: a pass in 1 - exp(-1/301) of the steps, holding one prompt
    t_chunked = float(load.evaluate(chunked, small, "continuous")["tpot"])
    r = load.evaluate(passes, small, "continuous")
    q, per_pass = load.separate_passes(1 / 301)
    assert q == pytest.approx(1 / 301, rel=2e-3) and per_pass == pytest.approx(1.0, rel=2e-3)
    assert 0 < float(r["tpot"]) - t_chunked < 0.1 * weights  # not a weight pass every step
    assert float(r["tpot"]) - float(r["decode"]["total"]) == pytest.approx(q * (float(r["ttft"]) - float(
        r["decode"]["total"])), rel=0.01)  # the pass a step pays is q of a one-prompt pass (its own prompt's)
    assert float(r["ttft"]) - float(r["decode"]["total"]) > weights  # a pass of its own reads the weights
    nine = _setup(chunked_prefill=False, scheduler_steps=9)
    t_nine = float(load.evaluate(nine, small, "continuous")["tpot"])
    assert t_chunked < t_nine < float(r["tpot"])  # a round's prompts share a pass


def test_separate_passes_hold_every_prompt_once():
    # a pass in the rounds where a prompt came (q = 1 - exp(-a)), holding them all: q (a / q) = a prompts a round
    for a in (1e-4, 0.064, 1.0, 9.0, 40.0):
        q, per_pass = load.separate_passes(a)
        assert q * per_pass == pytest.approx(a) and per_pass >= 1.0
    assert load.separate_passes(40.0) == pytest.approx((1.0, 40.0))  # many a round: a pass every round, as before
    q, per_pass = load.separate_passes(np.array([0.0, 1.0]))
    assert list(q) == pytest.approx([0.0, 1 - math.exp(-1)]) and list(per_pass) == pytest.approx([1.0, 1 / (1 - math.exp(-1))])


def test_prefill_apart_costs_a_closed_loop_little_where_prompts_are_rare():
    # 64 clients of 1,000 / 1,000 tokens on an H100: a prompt arrives in one step of 16, so the engine that keeps its
    # prefill apart (SGLang's default) runs within a few percent of the one that mixes it into the decode steps
    mixed = load.setup("Llama 3.1 8B", "H100 SXM5", 1, input_tokens=1000, output_tokens=1000)
    apart = load.setup("Llama 3.1 8B", "H100 SXM5", 1, input_tokens=1000, output_tokens=1000, chunked_prefill=False)
    t_mixed, t_apart = float(load.closed_loop(mixed, 64)["total"]), float(load.closed_loop(apart, 64)["total"])
    assert 0.95 * t_mixed < t_apart < t_mixed


def test_sglang_and_tensorrt_llm_runs_as_their_schedulers_batch():
    # SGLang (enable_mixed_chunk False by default) runs its prefill apart; TensorRT-LLM batches context and generation
    # requests in one forward with its context chunking on or off (MicroBatchScheduler)
    assert load.published_engine("gpustack-h100-qwen3-8b-sglang053-bf16-sharegpt-c4")["chunked_prefill"] is False
    assert load.published_engine("mlperf51-nvidia-b200-sxm-180gbx8-deepseek-r1-server")["chunked_prefill"] is True
    assert all(t["settings"]["chunked_prefill"] is False for t in data.serving_engines()["SGLang 0.5.3.post3"])


def test_scheduler_settings_are_checked():
    with pytest.raises(InputError, match="scheduler_steps"):
        _setup(scheduler_steps=0)
    with pytest.raises(InputError, match="chunked_prefill"):
        _setup(chunked_prefill="no")


def test_mi300x_streams_less_of_its_peak_than_the_fitted_chips():
    # Azure AI-benchmarking-guide, BabelStream copy: MI300X 4.11 and, a later run, 4.15 of 5.3 TB/s (the best counts),
    # H100 SXM5 2.90 of 3.35, H200 4.01 of 4.8
    assert stream_share("MI300X") == pytest.approx((4.15 / 5.3) / ((2.90 / 3.35 + 4.01 / 4.8) / 2), rel=1e-9)
    assert stream_share("H100 SXM5") == stream_share("H200 SXM") == 1.0  # never above the fitted share
    assert stream_share("MI325X") == 1.0  # no measurement: as the fit
    rows = {r["chip"] for r in data.memory_bandwidth()}
    assert {"MI300X", "H100 SXM5", "H200 SXM"} <= rows


def test_mi300x_fp8_matmuls_at_the_measured_rate():
    # Azure AI-benchmarking-guide, ND MI300X v5, hipBLASLt FP8 with random initialization: best 1159.54 TFLOP/s
    # (6144 x 12288 x 12288), not the BF16 share of the FP8 peak (0.601 x 2614.9 = 1572)
    assert build_chip(data.hardware("MI300X"), "fp8").matmul_rate == pytest.approx(1159.54e12, rel=1e-6)
    # AMD's Max-Achievable FLOPS for MI325X (ROCm blogs, Feb 2025): FP8 1519 TFLOP/s
    assert build_chip(data.hardware("MI325X"), "fp8").matmul_rate == pytest.approx(1519e12, rel=1e-6)


def test_mi325x_products_as_amd_tuned_them():
    # AMD's MLPerf Inference v5.1 hipBLASLt tuning of Llama 2 70B's four FP8 products on MI325X (tensor 1, 16 to 2,048
    # tokens; data/serving_gemm.csv): one roofline over a layer's summed weights and FLOP, as decode and prefill count
    # them, fits every token count within 3% at 4.73 TB/s and 1,356 TFLOP/s (the model had 5.4 TB/s and 1,519)
    import numpy as np

    from calc.serve.phases import coefficients, grouped_roofline
    from calc.serve.terms import measured_products, rates

    bandwidth, rate = measured_products("MI325X", "fp8")
    assert bandwidth == pytest.approx(4.73e12, rel=0.01)
    assert rate == pytest.approx(1356e12, rel=0.01)
    layer = {}
    for r in data.serving_gemm():
        s = layer.setdefault(r["m"], [0.0, 0.0, 0.0])
        s[0] += r["n"] * r["k"]  # FP8: a byte per weight
        s[1] += 2.0 * r["m"] * r["n"] * r["k"]
        s[2] += r["measured_time"]
    assert sorted(layer) == [16, 32, 64, 128, 256, 512, 1024, 2048]
    for m, (w, f, t) in layer.items():
        assert float(grouped_roofline(w / bandwidth, f / rate)) == pytest.approx(t, rel=0.03), m
    r = rates(data.hardware("MI325X"), "fp8")
    assert r.matmul == rate and r.prefill_matmul == rate
    assert r.memory_bandwidth * coefficients().decode_bandwidth_efficiency == pytest.approx(bandwidth, rel=1e-9)
    # a layer of Llama 2 70B's products at 16 tokens: the decode step's weights part, 80 layers and the output layer
    s = load.setup("Llama 2 70B", "MI325X", 8, tensor=1, **LLAMA2)
    weights = float(load.evaluate(s, 8 * 16, "continuous")["decode"]["weights"])
    assert weights == pytest.approx(80 * layer[16][2] + 32000 * 8192 / bandwidth, rel=0.03)
    # chips and formats with no such measurement keep the perf model's rates
    assert measured_products("MI325X", "bf16") is None and measured_products("H100 SXM5", "fp8") is None
    assert rates(data.hardware("MI325X"), "bf16").matmul == build_chip(data.hardware("MI325X"), "bf16").matmul_rate
    assert rates(data.hardware("MI300X"), "fp8").matmul == pytest.approx(1159.54e12, rel=1e-6)
    assert np.isfinite(bandwidth) and bandwidth < data.hardware("MI325X").memory_bandwidth.m_as("byte/s/chip")


def test_a_chip_on_a_measured_die_streams_at_the_die_s_share():
    # MI300X has no products table of its own; MI325X's (the same CDNA 3 die: 304 CUs, 2,614.9 TFLOP/s FP8) streams
    # its products' weights at 4.73 of 6.0 TB/s: MI300X at that share of its own 5.3 TB/s, its rate its own 1,159.5
    from calc.serve.phases import coefficients
    from calc.serve.terms import measured_products, rates, same_die

    assert same_die("MI300X", "fp8") == "MI325X" and same_die("MI300X", "bf16") is None
    assert same_die("H100 SXM5", "fp8") is None and same_die("MI325X", "fp8") is None  # measured itself
    share = measured_products("MI325X", "fp8")[0] / 6.0e12
    r = rates(data.hardware("MI300X"), "fp8")
    assert r.memory_bandwidth * coefficients().decode_bandwidth_efficiency == pytest.approx(5.3e12 * share, rel=1e-9)
    assert r.matmul == pytest.approx(1159.54e12, rel=1e-6)
    # a chip with no measured die keeps its copy kernel's share (stream_share)
    assert rates(data.hardware("H100 SXM5"), "fp8").memory_bandwidth == pytest.approx(3.35e12, rel=1e-3)


def test_amd_harness_clocks_as_published():
    # AMD's MLPerf Inference v5.1 harness, scripts/power_settings.sh (sourced by run_harness.sh): rocm-smi
    # --setperfdeterminism 1300 / 2000 MHz for MI300X Server / Interactive, 1600 / 1700 for MI325X (data/serving_clocks.csv)
    assert data.serving_clocks().items() >= {"mlperf51-mi300x-llama2-70b-server": 1300.0,
                                             "mlperf51-mi300x-llama2-70b-interactive": 2000.0,
                                             "mlperf51-mi325x-llama2-70b-server": 1600.0,
                                             "mlperf51-mi325x-llama2-70b-interactive": 1700.0}.items()
    assert load.published_engine("mlperf51-mi300x-llama2-70b-server") == {"scheduler_steps": 9, "chunked_prefill": False,
                                                                          "max_batch_size": 650, "max_num_tokens": 40960,
                                                                          "clock": 1300.0, "eager": True}


def test_a_held_clock_slows_the_products_by_the_clock():
    # a matrix core does its FLOP per clock: CDNA 3's products at 1,356 TFLOP/s at 1,700 MHz (MI325X, AMD's hipBLASLt
    # tuning) are 1,356 x 1,300 / 1,700 = 1,037 at 1,300 MHz on MI300X's same compute die, below its own 1,159.5; at
    # 2,000 MHz MI300X's 750 W holds it at its own measured rate
    from calc.serve.terms import clocked, measured_products, rate_per_clock, rates

    measured = measured_products("MI325X", "fp8")[1]
    assert rate_per_clock("MI300X", "fp8") == rate_per_clock("MI325X", "fp8") == pytest.approx(measured / 1700)
    mi300x, mi325x = rates(data.hardware("MI300X"), "fp8"), rates(data.hardware("MI325X"), "fp8")
    assert clocked(mi300x, "fp8", 1300).matmul == pytest.approx(measured * 1300 / 1700)
    assert clocked(mi300x, "fp8", 2000).matmul == mi300x.matmul
    assert clocked(mi325x, "fp8", 1600).matmul == pytest.approx(measured * 1600 / 1700)
    assert clocked(mi325x, "fp8", 1700).matmul == pytest.approx(measured)
    slow = clocked(mi300x, "fp8", 1300)
    assert slow.prefill_matmul / slow.matmul == pytest.approx(mi300x.prefill_matmul / mi300x.matmul)
    assert slow.memory_bandwidth == mi300x.memory_bandwidth  # the weights' streaming does not follow the clock
    h100 = rates(data.hardware("H100 SXM5"), "fp8")
    assert rate_per_clock("H100 SXM5", "fp8") is None and clocked(h100, "fp8", 1000) is h100  # not measured: as is
    # the held clock slows the compute-bound steps of a Server load, not the weight-bound ones of one sequence
    fast, held = _setup(), _setup(clock=1300)
    assert held.rates.matmul < fast.rates.matmul
    big = [float(load.evaluate(s, 8 * 450, "continuous")["tpot"]) for s in (fast, held)]
    one = [float(load.evaluate(s, 8, "continuous")["tpot"]) for s in (fast, held)]
    assert big[1] / big[0] > 1.08 and one[1] / one[0] < 1.03
    with pytest.raises(InputError, match="clock"):
        _setup(clock=0)


def test_amd_harnesses_run_without_graphs_as_published():
    # AMD's MLPerf Inference v5.1 harness, harness_llm/models/llama2-70b/*.yaml: enforce_eager True in every config;
    # v4.1: test_VllmFp8_Offline_perf.sh --enforce-eager True (data/serving_graphs.csv)
    assert {"mlperf51-mi300x-llama2-70b-server", "mlperf51-mi300x-llama2-70b-interactive",
            "mlperf51-mi325x-llama2-70b-server", "mlperf51-mi325x-llama2-70b-interactive",
            "mlperf41-mi300x8-llama2-70b-offline"} <= data.serving_graphs()
    assert load.published_engine("mlperf51-mi325x-llama2-70b-interactive")["eager"] is True
    with pytest.raises(InputError, match="eager"):
        _setup(eager="yes")


def test_eager_decode_waits_for_the_host_only_where_the_gpu_is_quicker():
    # a layer of an eager engine takes the longer of its GPU time and its host dispatch: a Llama layer in AMD's vLLM (FP8)
    # runs 13 kernels and 36 operations without one; 2.3 us an operation (PyTorch's operator benchmark, torch.split), and
    # 18.0 us a kernel: gpt-fast's Llama 2 7B in eager PyTorch on MI210, host-bound, 34.95 ms a token over 1,816 kernels
    # and 998 other operations (AMD ROCm blogs 2024)
    from calc.serve import phases

    k = phases.coefficients()
    assert (k.eager_kernels_per_layer, k.eager_ops_per_layer) == (13, 36)
    assert k.eager_kernel_host_time == pytest.approx((34.95e-3 - 998 * k.eager_op_host_time) / 1816, rel=0.01)
    assert phases.host_dispatch(80) == pytest.approx(80 * (13 * 18.0e-6 + 36 * 2.3e-6))
    # Llama 3 8B on one MI300X at a few sequences: 32 layers of ~0.2 GB of FP8 weights, under 100 us of GPU time each
    # against 316 us of host dispatch: the host sets the pace, over twice the step with graphs
    small = dict(precision="fp8", kv_precision="fp8", input_tokens=222, output_tokens=301)
    graphs = load.setup("Llama 3 8B", "MI300X", 1, tensor=1, **small)
    eager = load.setup("Llama 3 8B", "MI300X", 1, tensor=1, eager=True, **small)
    tg, te = (float(load.evaluate(s, 4, "continuous")["decode"]["total"]) for s in (graphs, eager))
    assert te > 2 * tg
    assert te == pytest.approx(phases.host_dispatch(32) + k.decode_step_overhead, rel=1e-6)
    # Llama 2 70B at tensor 1 (AMD's MLPerf runs): 80 layers of 0.86 GB of FP8 weights, ~240-290 us each on MI300X up to
    # 64 sequences, under the host's 316 us: host-bound; at the hundreds of sequences of a Server or Offline run the GPU
    # sets the pace, eager or not
    few = [float(load.evaluate(s, 36, "continuous")["decode"]["total"]) for s in (_setup(), _setup(eager=True))]
    assert few[1] == pytest.approx(phases.host_dispatch(80) + k.decode_step_overhead, rel=1e-6) and few[1] > few[0]
    many = [float(load.evaluate(s, 8 * 450, "continuous")["decode"]["total"]) for s in (_setup(), _setup(eager=True))]
    assert many[1] == pytest.approx(many[0], rel=1e-12)


def test_setup_keeps_each_engine_setting_in_its_own_field():
    # the settings at the end of Setup are passed by name: eager once landed in the token budget when a field was added
    from calc.serve import load

    s = load.setup("Llama 2 70B", "MI300X", 1, precision="fp8", kv_precision="fp8", input_tokens=222,
                   output_tokens=301, scheduler_steps=9, chunked_prefill=False, eager=True)
    assert (s.eager, s.max_num_tokens, s.scheduler_steps, s.chunked_prefill) == (True, None, 9, False)


def test_the_engine_line_says_sglang_keeps_its_prefill_apart(capsys):
    # the answer at an SGLang release's defaults says that its prefill batches run apart (data/serving_engines.csv)
    from calc.cli import main

    assert main(["serve", "--model", "Llama 3.1 8B", "--hardware", "H100 SXM5", "--engine", "sglang 0.5.3.post3",
                 "--concurrency", "64"]) == 0
    assert "its prefill batches apart from its decode batches, run when a prompt waits" in capsys.readouterr().out
