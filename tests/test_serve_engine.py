"""Serving: the terms that differ by engine and chip beyond NVIDIA's (issue 20: AMD Instinct rows too fast), each
against its own source: the engine's scheduler as a run's configuration states it, MI300X's streaming bandwidth and
FP8 matmul rate as measured."""

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
    assert load.published_engine("mlperf51-mi300x-llama2-70b-server") == {"scheduler_steps": 9,
                                                                          "chunked_prefill": False}
    assert load.published_engine("mlperf51-mi325x-llama2-70b-interactive") == {"scheduler_steps": 1,
                                                                               "chunked_prefill": True}
    assert load.published_engine("no such run") == {}


def test_multi_step_scheduling_waits_for_the_round_in_progress():
    # vLLM's multi-step scheduling admits requests once every n steps: the mean residual of a round of n steps of tau
    # is n tau / 2 (the engine busy), against tau / 2 with one step per scheduler run (a token budget of many prompts a
    # round, so that no prompt waits for a later round: load.prefill_wait 0)
    from dataclasses import replace
    one, nine = replace(_setup(), token_budget=1e6), replace(_setup(scheduler_steps=9), token_budget=1e6)
    c, rate = 800.0, 80.0
    r1, r9 = load.evaluate(one, c, "continuous"), load.evaluate(nine, c, "continuous")
    assert float(r9["tpot"]) == pytest.approx(float(r1["tpot"]))  # chunked: the steps themselves do not change
    extra = load.step_wait(nine, r9, c, rate) - load.step_wait(one, r1, c, rate)
    assert extra == pytest.approx(8 * float(r1["tpot"]) / 2, rel=1e-6)


def test_prefill_passes_of_their_own_read_the_weights_again():
    # vLLM's V0 scheduler without chunked prefill runs a step of prefill only: the joining prompts' pass reads every
    # weight once more and the decodes wait for it; over a round of n steps the pass is paid once
    chunked, passes = _setup(), _setup(chunked_prefill=False)
    weights = 69e9 / (5.3e12 * 0.9 * stream_share("MI300X"))  # Llama 2 70B's FP8 weights at the decode bandwidth, s
    small = 8.0  # one sequence per replica: the pass is mostly the weights' read
    t_chunked = float(load.evaluate(chunked, small, "continuous")["tpot"])
    t_passes = float(load.evaluate(passes, small, "continuous")["tpot"])
    assert t_passes - t_chunked == pytest.approx(weights, rel=0.25)
    nine = _setup(chunked_prefill=False, scheduler_steps=9)
    t_nine = float(load.evaluate(nine, small, "continuous")["tpot"])
    assert t_chunked < t_nine < t_passes


def test_scheduler_settings_are_checked():
    with pytest.raises(InputError, match="scheduler_steps"):
        _setup(scheduler_steps=0)
    with pytest.raises(InputError, match="chunked_prefill"):
        _setup(chunked_prefill="no")


def test_mi300x_streams_less_of_its_peak_than_the_fitted_chips():
    # Azure AI-benchmarking-guide, BabelStream copy: MI300X 4.11 of 5.3 TB/s, H100 SXM5 2.90 of 3.35, H200 4.01 of 4.8
    assert stream_share("MI300X") == pytest.approx((4.11 / 5.3) / ((2.90 / 3.35 + 4.01 / 4.8) / 2), rel=1e-9)
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
