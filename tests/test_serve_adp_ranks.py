"""Serving: under attention data parallelism each MoE layer waits for the rank with the most prompt tokens
(load.rank_imbalance, phases.rank_prefill): the expected most of T Poisson counts over their mean, no constant."""

import math

import numpy as np
import pytest

from calc.serve import load, phases

DEEPSEEK = dict(tensor=8, expert=8, attention_data_parallel=True, precision="fp4", kv_precision="fp8",
                input_tokens=804, output_tokens=3700)


def _setup(**kw):
    return load.setup("DeepSeek-V3", "B200", 8, **{**DEEPSEEK, **kw})


def test_rare_prompts_land_on_one_rank():
    # a prompt a step at most: the step that carries one is paced by its rank alone, T times the balanced share
    s = _setup()
    assert float(load.rank_imbalance(s, 8 * 3700 * 1e-4)) == pytest.approx(8.0, rel=1e-3)


def test_poisson_maximum_by_hand():
    # 512 a rank, 3,700 output tokens: a Poisson count of mean mu a rank a step; E[max of 8] summed by hand
    s = _setup()
    mu = 512 / 3700
    cdf = lambda k: sum(math.exp(-mu) * mu ** j / math.factorial(j) for j in range(k + 1))  # noqa: E731
    expected = sum(1 - cdf(k) ** 8 for k in range(40)) / mu
    assert float(load.rank_imbalance(s, 8 * 512.0)) == pytest.approx(expected, rel=1e-6)


def test_balance_brings_the_ranks_together():
    # TensorRT-LLM's balance releases the prompts of K steps together: closer to 1 than the prompts of one step
    off, on = _setup(), _setup(adp_timeout_iters=9, adp_batching_wait_iters=3)
    c = np.array([512.0, 2048.0, 4096.0])
    assert np.all(load.rank_imbalance(on, c) < load.rank_imbalance(off, c))
    assert np.all(load.rank_imbalance(on, c) > 1.0)


def test_one_rank_or_tensor_parallel_attention_is_balanced():
    tp = load.setup("DeepSeek-V3", "B200", 8, tensor=8, expert=8, precision="fp4", kv_precision="fp8")
    assert load.rank_imbalance(tp, 1024.0) == 1.0
    assert float(phases.rank_prefill(tp.shape, tp.layout, tp.rates, 1000.0, 804.0)) == 0.0


def test_only_where_the_lengths_vary():
    # requests alike end in the order they began, the ranks in lockstep: as before; a dataset's spread: slower steps
    alike, varied = _setup(), _setup(output_spread=1.24)
    c = 4096.0
    base = load.evaluate(alike, c, "continuous")
    r = load.evaluate(varied, c, "continuous")
    dec = float(r["decode"]["total"])
    own = float(phases.rank_prefill(varied.shape, varied.layout, varied.rates, c / 3700 * 804, 804.0,
                                    float(varied.span(varied.attended_prompt))))
    assert 0.0 < own < float(r["prefill"]["total"])
    eager = phases.coefficients().adp_eager_step_share
    assert float(r["tpot"]) == pytest.approx(dec + float(r["prefill"]["total"])
                                             + own * (float(load.rank_imbalance(varied, c)) - 1.0)
                                             + float(load.eager_share(varied, c)) * eager * dec)
    base_dec = float(base["decode"]["total"])
    assert float(base["tpot"]) == pytest.approx(base_dec + float(base["prefill"]["total"])
                                                + float(load.eager_share(alike, c)) * eager * base_dec)


def test_eager_share_by_hand():
    # TensorRT-LLM runs a step's CUDA graph only where no rank carries a prompt (CUDAGraphRunner.maybe_get_cuda_graph)
    varied = _setup(output_spread=1.24)
    assert float(load.eager_share(varied, 4096.0)) == pytest.approx(1 - math.exp(-4096 / 3700))
    # the balance releases the prompts once every K = min(t, ceil(T / (C / O)) + b) steps: MLPerf v5.1 Offline's 500 / 10
    balanced = _setup(output_spread=1.24, adp_timeout_iters=500, adp_batching_wait_iters=10)
    assert float(load.eager_share(balanced, 4096.0)) == pytest.approx(1 / (math.ceil(8 / (4096 / 3700)) + 10))
    # requests alike, the ranks in lockstep: 512 a rank, 8,192 tokens a step hold 9 prompts of 804: 512 / 3700 / 9
    assert float(load.eager_share(_setup(), 4096.0)) == pytest.approx(512 / 3700 / 9)
    tp = load.setup("DeepSeek-V3", "B200", 8, tensor=8, expert=8, precision="fp4", kv_precision="fp8")
    assert float(load.eager_share(tp, 1024.0)) == 0.0


def test_no_eager_share_where_the_engine_runs_eager_already():
    # an engine without graphs (Setup.eager) pays the host's dispatch on every step instead (phases.host_dispatch)
    on, off = _setup(output_spread=1.24), _setup(output_spread=1.24, eager=True)
    r_on, r_off = load.evaluate(on, 4096.0, "continuous"), load.evaluate(off, 4096.0, "continuous")
    dec = float(r_off["decode"]["total"])
    own = float(phases.rank_prefill(off.shape, off.layout, off.rates, 4096.0 / 3700 * 804, 804.0,
                                    float(off.span(off.attended_prompt))))
    assert float(r_off["tpot"]) == pytest.approx(dec + float(r_off["prefill"]["total"])
                                                 + own * (float(load.rank_imbalance(off, 4096.0)) - 1.0))
    assert float(r_on["tpot"]) > float(r_on["decode"]["total"]) + float(r_on["prefill"]["total"])
