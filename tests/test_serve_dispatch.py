"""Serving: how a harness deals the requests it is issued to the replicas (issue 20: MLPerf v5.1 Llama 3.1 405B
Interactive first tokens 1.4x too slow). NVIDIA's MLPerf v5.1 harness deals them in turn in the Interactive scenario
(code/llmlib/config.py, factory.py; data/serving_dispatch.csv), so a replica's arrivals are Erlang, not Poisson."""

import numpy as np
import pytest

from calc import data
from calc.errors import InputError
from calc.serve import load

INTERACTIVE = "mlperf51-nvidia-b200-sxm-180gbx8-llama3-1-405b-interactive"
LLAMA405 = dict(tensor=4, precision="fp4", kv_precision="fp8", input_tokens=9429, output_tokens=653)


def _setup(**engine):
    return load.setup("Llama 3.1 405B", "B200", 8, **LLAMA405, **engine)


def test_the_harness_deals_interactive_requests_in_turn():
    # closed/NVIDIA/code/llmlib/config.py: 'load_balancing' for Server, else 'round_robin' (mlcommons/inference_results_v5.1)
    assert load.published_engine(INTERACTIVE)["dispatch"] == "round_robin"
    assert "dispatch" not in load.published_engine("mlperf51-nvidia-b200-sxm-180gbx8-llama3-1-405b-server")
    assert set(data.serving_dispatch().values()) == {"round_robin"}
    assert all(n.endswith("-interactive") for n in data.serving_dispatch())


def test_round_robin_arrivals_vary_as_an_erlang_of_the_replicas():
    # a Poisson stream dealt in turn to R queues: each gets every R-th arrival, gaps of R exponentials (c_a^2 = 1 / R)
    rng = np.random.default_rng(7)
    arrivals = np.cumsum(rng.exponential(1.0, 400_000))
    for R in (2, 18):
        gaps = np.diff(arrivals[::R])
        assert gaps.var() / gaps.mean() ** 2 == pytest.approx(1 / R, rel=0.03)
    two = _setup(dispatch="round_robin")  # 8 B200 at tensor 4: 2 replicas
    assert two.replicas == 2 and two.arrival_scv == 0.5
    assert _setup().arrival_scv == 1.0
    one = load.setup("Llama 3.1 405B", "B200", 4, **LLAMA405, dispatch="round_robin")
    assert one.replicas == 1 and one.arrival_scv == 1.0  # one replica takes the whole Poisson stream


def test_the_prompts_queue_shrinks_by_c_a_squared_and_the_step_in_progress_stays():
    rr, poisson = _setup(dispatch="round_robin"), _setup()
    n, r = load.at_rate(poisson, 1.15)
    busy = -np.expm1(-n / poisson.replicas)
    step = busy * float(r["tpot"]) / 2  # the residual of the decode step in progress: arrivals fall at random in it
    w_poisson, w_rr = load.step_wait(poisson, r, n, 1.15), load.step_wait(rr, r, n, 1.15)
    assert w_poisson > w_rr > step
    assert w_rr - step == pytest.approx((w_poisson - step) / 2, rel=1e-9)
    c = np.full(2, n)  # arrays give arrays, the same wait
    assert load.step_wait(rr, load.evaluate(rr, c, "arrivals"), c, np.full(2, 1.15)) == pytest.approx([w_rr, w_rr])


def test_a_measured_interactive_row_waits_less_than_with_random_arrivals():
    s = _setup(**load.published_engine(INTERACTIVE))
    assert s.dispatch == "round_robin" and s.max_num_tokens == 1536
    random = _setup(**{k: v for k, v in load.published_engine(INTERACTIVE).items() if k != "dispatch"})
    assert float(load.at_rate(s, 1.15)[1]["ttft"]) < float(load.at_rate(random, 1.15)[1]["ttft"])


def test_an_unknown_dispatch_is_refused_by_name():
    with pytest.raises(InputError, match="dispatch"):
        _setup(dispatch="random")
