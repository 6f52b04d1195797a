"""Serving: the prompt's tensor-parallel all-reduce fused into the products before it (TensorRT-LLM's
gemm_allreduce_plugin, which every MLPerf v5.1 Llama 3.1 405B Server and Interactive configuration of NVIDIA's harness
builds with but NVIDIA's GB200-NVL72 x72 Interactive one). An option of ``load.setup``, off by default: no held-out
answer takes it (benchmarks/mlperf_server_schedule.py says why), so nothing the model answers moves with it."""

import numpy as np
import pytest

from benchmarks import mlperf_server_schedule
from calc.errors import InputError
from calc.serve import load, phases

LLAMA405 = dict(tensor=4, precision="fp4", kv_precision="fp8", input_tokens=9429, output_tokens=653)


def _prefill(s, tokens):
    return phases.prefill(s.shape, s.layout, s.rates, s.weight_bytes, tokens, float(s.input_tokens),
                          fused_all_reduce=s.fused_all_reduce)


def test_off_by_default_and_the_answers_unchanged():
    plain = load.setup("Llama 3.1 405B", "B200", 8, **LLAMA405)
    assert plain.fused_all_reduce is False
    n, r = load.at_rate(plain, 1.9)
    n2, r2 = load.at_rate(load.setup("Llama 3.1 405B", "B200", 8, **LLAMA405, fused_all_reduce=False), 1.9)
    assert n == n2 and float(r["ttft"]) == float(r2["ttft"])


def test_the_all_reduce_shows_only_beyond_its_product():
    plain = load.setup("Llama 3.1 405B", "B200", 8, **LLAMA405)
    fused = load.setup("Llama 3.1 405B", "B200", 8, **LLAMA405, fused_all_reduce=True)
    tokens = np.array([2048.0, 9429.0])
    a, b = _prefill(plain, tokens), _prefill(fused, tokens)
    assert np.all(b["communication"] < a["communication"]) and np.all(b["communication"] >= 0.0)
    assert np.allclose(a["compute"], b["compute"]) and np.allclose(a["total"] - b["total"],
                                                                   a["communication"] - b["communication"])
    # at most what the products take can be hidden: the whole all-reduce where it is shorter than both its products
    s = fused.shape
    layers, T = s.layers, fused.layout.tensor
    one = phases.all_reduce_time(fused.rates, tokens * s.d_model * phases.ACTIVATION_BYTES, T)
    assert np.all(a["communication"] == pytest.approx(2 * layers * one))
    assert np.all(b["communication"] >= a["communication"] - 2 * layers * one)


def test_one_chip_has_no_all_reduce_to_fuse():
    one = load.setup("Llama 3.1 8B", "B200", 1, precision="fp4", input_tokens=1000, output_tokens=100)
    fused = load.setup("Llama 3.1 8B", "B200", 1, precision="fp4", input_tokens=1000, output_tokens=100,
                       fused_all_reduce=True)
    assert float(_prefill(one, 1000.0)["total"]) == float(_prefill(fused, 1000.0)["total"])


def test_a_prompt_comes_out_sooner_with_it():
    plain = load.setup("Llama 3.1 405B", "B200", 8, **LLAMA405, max_num_tokens=2048)
    fused = load.setup("Llama 3.1 405B", "B200", 8, **LLAMA405, max_num_tokens=2048, fused_all_reduce=True)
    assert float(load.at_rate(fused, 1.9)[1]["ttft"]) < float(load.at_rate(plain, 1.9)[1]["ttft"])


def test_a_bad_value_is_refused_by_name():
    with pytest.raises(InputError, match="fused_all_reduce"):
        load.setup("Llama 3.1 405B", "B200", 8, **LLAMA405, fused_all_reduce="yes")


def test_the_runs_whose_configurations_fuse_it():
    assert mlperf_server_schedule.fuses_all_reduce("mlperf51-nvidia-b200-sxm-180gbx8-llama3-1-405b-server")
    assert mlperf_server_schedule.fuses_all_reduce("mlperf51-nebius-h200-sxm-141gbx8-llama3-1-405b-interactive")
    assert mlperf_server_schedule.fuses_all_reduce(
        "mlperf51-nvidia-gb200-nvl72-gb200-186gb-aarch64x72-llama3-1-405b-server")
    assert not mlperf_server_schedule.fuses_all_reduce(
        "mlperf51-nvidia-gb200-nvl72-gb200-186gb-aarch64x72-llama3-1-405b-interactive")
    assert not mlperf_server_schedule.fuses_all_reduce("mlperf51-nvidia-b200-sxm-180gbx8-llama3-1-8b-server")
