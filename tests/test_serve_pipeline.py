"""Serving: NVIDIA's MLPerf Llama 2 70B runs (issue 20): the prompts riding in decode steps under pipeline parallelism,
the micro-batches' imbalance under random arrivals, and the engine limits a run's configuration states
(data/serving_engine_settings.csv), each against its own source."""

import math

import numpy as np
import pytest

from calc.errors import InputError
from calc.serve import load, phases, validation

LLAMA2 = dict(precision="fp8", kv_precision="fp8", input_tokens=222, output_tokens=293)


def _h100(pipeline=2, **engine):
    return load.setup("Llama 2 70B", "H100 SXM5", 8, tensor=1, pipeline=pipeline, **LLAMA2, **engine)


def test_nvidia_configurations_as_published():
    # mlcommons/inference_results_v5.1, closed/NVIDIA/configs/B200-SXM-180GBx8/Interactive/llama2-70b.py: gpu_batch_size
    # 768, max_num_tokens 768, kvcache_free_gpu_mem_frac 0.95, enable_chunked_context True; v5.0 H100_SXM_80GB_PP2x1:
    # gpu_batch_size 1024, max_num_tokens 1024, kvcache_free_gpu_mem_frac 0.95
    # and in Interactive NVIDIA's harness deals the requests to the replicas in turn (code/llmlib/config.py: round_robin)
    assert load.published_engine("mlperf51-b200-llama2-70b-interactive") == {
        "scheduler_steps": 1, "chunked_prefill": True, "max_batch_size": 768, "max_num_tokens": 768,
        "kv_memory_fraction": 0.95, "dispatch": "round_robin"}
    for name in ("mlperf50-h100-llama2-70b-offline", "mlperf50-h100-llama2-70b-server"):
        e = load.published_engine(name)
        assert (e["max_batch_size"], e["max_num_tokens"], e["kv_memory_fraction"]) == (1024, 1024, 0.95)
    for name in ("mlperf51-b200-llama2-70b-server", "mlperf51-gb200-llama2-70b-server"):
        assert load.published_engine(name)["max_num_tokens"] == 3584


def test_riding_prompts_spread_over_the_micro_batches():
    # TensorRT-LLM schedules P micro-batches at pipeline depth P, each with its own context chunks: a stage works on
    # each riding prompt token once a step, so the step's prompt time at P stages is 1/P of one chip's whole-model time
    one, two = _h100(1), _h100(2)
    n = np.array([100.0, 1000.0, 4000.0])
    p1 = phases.prefill(one.shape, one.layout, one.rates, one.weight_bytes, n, 222.0, weights=False)
    p2 = phases.prefill(two.shape, two.layout, two.rates, two.weight_bytes, n, 222.0, weights=False)
    np.testing.assert_allclose(p2["compute"], p1["compute"] / 2, rtol=1e-9)
    # a prompt's own pass still crosses the stages one after the other: the whole model's time
    a1 = phases.prefill(one.shape, one.layout, one.rates, one.weight_bytes, 222.0, 222.0)
    a2 = phases.prefill(two.shape, two.layout, two.rates, two.weight_bytes, 222.0, 222.0)
    assert float(a2["compute"]) == pytest.approx(float(a1["compute"]), rel=1e-9)


def test_micro_batch_imbalance_is_the_poisson_maximum():
    # E[max of P Poisson(mu)] / mu: 1 at one stage; P as mu -> 0 (one prompt in one micro-batch paces them all); -> 1
    # as the counts grow; the direct sum at mu = 2, P = 2
    assert load.microbatch_imbalance(3.0, 1) == 1.0
    assert load.microbatch_imbalance(1e-4, 2) == pytest.approx(2.0, rel=1e-3)
    assert load.microbatch_imbalance(1e-4, 4) == pytest.approx(4.0, rel=1e-3)
    assert 1.0 < load.microbatch_imbalance(400.0, 2) < 1.06
    pmf = [math.exp(-2.0) * 2.0 ** k / math.factorial(k) for k in range(60)]
    cdf = np.cumsum(pmf)
    assert load.microbatch_imbalance(2.0, 2) == pytest.approx(float(np.sum(1 - cdf ** 2)) / 2.0, rel=1e-9)
    mu = np.array([[0.0, 0.5], [2.0, 8.0]])
    r = load.microbatch_imbalance(mu, 2)
    assert r.shape == mu.shape and r[0, 0] == 1.0 and np.all(np.diff(r[1]) < 0)


def test_arrivals_only_slow_a_pipeline():
    # one stage: random arrivals change nothing; two: the heavier micro-batch paces the step, by the prompts' share only
    c = np.array([200.0, 2000.0, 4000.0])
    one = load.setup("Llama 2 70B", "H200 SXM", 8, tensor=1, **LLAMA2)
    a, b = load.evaluate(one, c, "continuous"), load.evaluate(one, c, "arrivals")
    np.testing.assert_allclose(a["tpot"], b["tpot"], rtol=1e-12)
    two = _h100(2)
    a, b = load.evaluate(two, c, "continuous"), load.evaluate(two, c, "arrivals")
    extra = b["tpot"] - a["tpot"]
    f = load.microbatch_imbalance(c / two.replicas / (2 * 293), 2)
    np.testing.assert_allclose(extra, a["prefill"]["total"] * (f - 1), rtol=1e-9)
    assert np.all(extra > 0) and np.all(b["per_chip"] < a["per_chip"])


def test_max_batch_size_caps_the_sequences_in_flight():
    # TensorRT-LLM holds max_batch_size x the pipeline depth sequences (mMaxNumSequences, trtGptModel.h)
    free = _h100(2)
    most = free.max_concurrency()
    capped = _h100(2, max_batch_size=100)
    assert capped.max_concurrency() == 100 * 2 * capped.replicas < most
    assert _h100(2, max_batch_size=10**6).max_concurrency() == most
    # the KV cache's share of the memory left after the weights, as the engine is told
    more = _h100(2, kv_memory_fraction=0.95).max_concurrency()
    assert more / most == pytest.approx(0.95 / phases.coefficients().kv_memory_fraction, rel=0.01)


def test_engine_limits_are_checked():
    for kw, field in (({"max_batch_size": 0}, "max_batch_size"), ({"max_num_tokens": 2.5}, "max_num_tokens"),
                      ({"kv_memory_fraction": 1.5}, "kv_memory_fraction"), ({"kv_memory_fraction": True},
                                                                           "kv_memory_fraction")):
        with pytest.raises(InputError) as exc:
            _h100(2, **kw)
        assert exc.value.field == field


def test_h100_pipeline_rows_within_the_bar():
    # MLPerf Inference v5.0, 8 H100 (tensor 1 x pipeline 2, FP8): Offline and Server within 20% (0.77x each before)
    for name in ("mlperf50-h100-llama2-70b-offline", "mlperf50-h100-llama2-70b-server"):
        c = next(c for c in validation.cases() if c.name == name)
        o = validation.predict(c)
        assert abs(o.ratio - 1) <= 0.2, (name, o.ratio)


def test_a_chip_without_links_serves_on_replicas_of_one_chip():
    # TPU v2 and MI250X lack a link bandwidth in data/hardware.csv: 7B on two of them is two replicas of one chip
    # (it was refused, the tensor-2 split tried first needing the link); 70B, which needs the link, still says so
    from calc.serve import serve

    for hw in ("TPU v2", "MI250X"):
        s = serve("Llama 2 7B", hw, 2)
        assert (s.layout["tensor"], s.layout["pipeline"], s.layout["replicas"]) == (1, 1, 2)
    with pytest.raises(InputError, match="no fast-link .* bandwidth for MI250X") as e:
        serve("Llama 3 70B", "MI250X", 2)
    assert e.value.field == "hardware"
