"""Serving: how the client of a published closed loop measured it (issue 20: NIM 1.8.0's first tokens). The NIM
recipe (NVIDIA's GenAI-Perf benchmarking post) ran genai-perf with streaming, fixed outputs and
--measurement-interval 30000: perf_analyzer's time windows of 1.2 x the interval, stable once the last 3 windows'
throughput and mean latency agree within 10%, at most 10, every request of every window averaged
(data/serving_measurement.csv; benchmarks/closed_loop_replay.py's windows mode)."""

import math

import numpy as np
import pytest

from benchmarks import closed_loop_replay, nim_closed_loop_pattern
from calc import data
from calc.serve import load, validation


def test_every_nim_closed_loop_row_states_how_genai_perf_measured_it():
    m = data.serving_measurement()
    nim = {c.name for c in validation.cases() if c.name.startswith("nim180-")}
    assert len(nim) == 79 and set(m) == nim
    for how in m.values():
        assert how == {"tool": "genai-perf", "mode": "time_windows", "interval": 30.0, "stability_windows": 3,
                       "stability_threshold": 0.1, "max_windows": 10, "streaming": True, "fixed_output": True}
    assert set(data.MEASUREMENT_MODES) == {"time_windows", "request_count"}


def test_the_windows_stop_at_three_that_agree_and_average_every_request_in_them():
    # one request ending each second, TTFT 1 s, latency 2 s: windows of 12 s all agree, so three windows, 36 requests
    ends = np.arange(1.0, 200.0)
    rec = np.column_stack([ends - 2.0, np.ones_like(ends), ends])
    rec[0, 1] = 37.0  # the start-up burst's one slow first token weighs 1/36 of the mean
    ttft, windows = closed_loop_replay.windows_ttft(rec, 10.0)
    assert windows == 3 and ttft == pytest.approx((35 + 37) / 36)


def test_windows_that_disagree_run_on_to_the_last_and_empty_ones_never_agree():
    # a throughput that doubles every window never settles: ten windows of 1.2 s, every request in them kept
    ends = np.concatenate([k * 1.2 + np.linspace(0.01, 1.19, 2 ** k) for k in range(10)])
    rec = np.column_stack([ends - 0.5, np.full_like(ends, 0.1), ends])
    assert closed_loop_replay.windows_ttft(rec, 1.0) == (pytest.approx(0.1), 10)
    ttft, windows = closed_loop_replay.windows_ttft(np.empty((0, 3)), 1.0)
    assert math.isnan(ttft) and windows == 10


def test_a_burst_of_prompts_queued_one_after_another_waits_half_the_round_on_average():
    s = load.setup("Llama 3.1 8B", "H100 SXM5", 1, tensor=1, precision="fp8", kv_precision="fp8", input_tokens=1000,
                   output_tokens=1000)
    one = nim_closed_loop_pattern.burst_ttft(s, 1)
    assert nim_closed_loop_pattern.burst_ttft(s, 25) == pytest.approx(13 * one)


def test_a_synchronized_round_fills_the_budget_step_by_step():
    # benchmarks/closed_loop_waves: C alike prompts reach an idle engine together and are admitted first come first
    # served, as many whole prompts a step as the budget holds; one prompt alone is one prefill step
    from benchmarks import closed_loop_waves

    s = load.setup("Llama 3.1 8B", "H100 SXM5", 1, tensor=1, precision="fp8", kv_precision="fp8", input_tokens=1000,
                   output_tokens=1000)
    step = closed_loop_replay._step_time(s)
    assert closed_loop_waves.wave_ttft(s, 1) == pytest.approx(step(0, 1000))
    # 8,192 tokens hold 8 prompts, then 8 more beside the 8 decoding: 16 prompts end in two steps
    first, second = step(0, 8000), step(8, 8000)
    assert closed_loop_waves.wave_ttft(s, 16) == pytest.approx(first + second / 2)
    # a prompt longer than the budget is chunked: 20,000 tokens take three steps of 8,192, 8,192 and 3,616
    long = load.setup("Llama 3.1 8B", "H100 SXM5", 1, tensor=1, precision="fp8", kv_precision="fp8",
                      input_tokens=20000, output_tokens=2000)
    step = closed_loop_replay._step_time(long)
    assert closed_loop_waves.wave_ttft(long, 1) == pytest.approx(2 * step(0, 8192) + step(0, 3616))


def test_the_replay_takes_a_clients_turnaround_before_its_next_request():
    s = load.setup("Llama 3.1 8B", "H100 SXM5", 1, tensor=1, precision="fp8", kv_precision="fp8", input_tokens=200,
                   output_tokens=20)
    rec = closed_loop_replay.replay(s, 1, 2.0, turnaround=0.5)
    assert np.diff(rec[:, 0]) == pytest.approx(np.diff(rec[:, 2]))  # one client: each request sent as the last ended
    assert rec[1:, 0] - rec[:-1, 2] == pytest.approx(np.full(len(rec) - 1, 0.5))
