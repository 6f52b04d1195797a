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
    assert float(r["tpot"]) == pytest.approx(dec + float(r["prefill"]["total"])
                                             + own * (float(load.rank_imbalance(varied, c)) - 1.0))
    assert float(base["tpot"]) == pytest.approx(float(base["decode"]["total"]) + float(base["prefill"]["total"]))
