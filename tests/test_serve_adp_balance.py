"""Serving: TensorRT-LLM's balance of the attention data parallel ranks' prompts (issue 20: DeepSeek-R1's MLPerf Server
first tokens 0.06-0.13x), against the engine's own algorithm (PyExecutor._balance_adp_requests) and the settings of the
runs' configurations."""

import numpy as np
import pytest

from calc.errors import InputError
from calc.serve import load

DEEPSEEK = dict(tensor=8, expert=8, attention_data_parallel=True, precision="fp4", kv_precision="fp8",
                input_tokens=804, output_tokens=3700)


def _setup(**engine):
    return load.setup("DeepSeek-V3", "B200", 8, **DEEPSEEK, **engine)


def test_mlperf_server_balance_settings_as_published():
    # closed/NVIDIA/configs/B200-SXM-180GBx8/Server/deepseek-r1.py: adp_balancing_timeout_iters 9, batching_wait_iters 3;
    # Dell's XE9680L: 6 and 2 (mlcommons/inference_results_v5.1)
    assert load.published_engine("mlperf51-nvidia-b200-sxm-180gbx8-deepseek-r1-server").items() >= {
        "adp_timeout_iters": 9, "adp_batching_wait_iters": 3}.items()
    assert load.published_engine("mlperf51-dell-xe9680l-b200-sxm-180gbx8-deepseek-r1-server").items() >= {
        "adp_timeout_iters": 6, "adp_batching_wait_iters": 2}.items()
    # the Offline configuration balances too: closed/NVIDIA/configs/B200-SXM-180GBx8/Offline/deepseek-r1.py 500 and 10
    assert load.published_engine("mlperf51-nvidia-b200-sxm-180gbx8-deepseek-r1-offline").items() >= {
        "adp_timeout_iters": 500, "adp_batching_wait_iters": 10}.items()


def test_rare_prompts_wait_half_the_timeout():
    # 4.96 requests/s at 66 ms a step: a third of a prompt a step, 8 ranks are not all served within 9 iterations, so the
    # counter releases the prompts every 9 steps and a prompt waits 0 to 8 whole steps: 4 on average
    s = _setup(adp_timeout_iters=9, adp_batching_wait_iters=3)
    assert float(load.adp_balance_wait(s, 0.066, 4.96)) == pytest.approx(4 * 0.066)


def test_frequent_prompts_wait_for_every_rank_and_the_batching_wait():
    # 16 prompts a step: every rank has one after one step, then 3 more iterations: a release every 4 steps, 1.5 waited
    s = _setup(adp_timeout_iters=9, adp_batching_wait_iters=3)
    assert float(load.adp_balance_wait(s, 0.05, 320.0)) == pytest.approx(1.5 * 0.05)


def test_no_wait_without_the_balance_or_attention_data_parallelism():
    assert float(load.adp_balance_wait(_setup(), 0.066, 4.96)) == 0.0
    tp = load.setup("DeepSeek-V3", "B200", 8, tensor=8, expert=8, precision="fp4", kv_precision="fp8",
                    adp_timeout_iters=9, adp_batching_wait_iters=3)
    assert float(load.adp_balance_wait(tp, 0.066, 4.96)) == 0.0


def test_the_wait_is_in_a_served_load_s_first_token():
    on, off = _setup(adp_timeout_iters=9, adp_batching_wait_iters=3), _setup()
    n_on, r_on = load.at_rate(on, 4.0)
    n_off, r_off = load.at_rate(off, 4.0)
    assert n_on == pytest.approx(n_off) and float(r_on["tpot"]) == pytest.approx(float(r_off["tpot"]))
    assert float(r_on["ttft"]) - float(r_off["ttft"]) == pytest.approx(4 * float(r_on["tpot"]), rel=1e-6)
    waits = load.adp_balance_wait(on, np.array([0.05, 0.066]), np.array([4.96, 320.0]))
    assert waits.shape == (2,)


def test_balance_settings_are_checked():
    with pytest.raises(InputError, match="adp_timeout_iters"):
        _setup(adp_timeout_iters=-1)
    with pytest.raises(InputError, match="adp_batching_wait_iters"):
        _setup(adp_batching_wait_iters=1.5)
